/**
 * What pricing costs `env ls`: 200 environments on a directory backend, listed without a price
 * table and with one (each row priced from its settings, its awake hours counted under dev's
 * working hours from creation to now and to its expiry). Figures only; no target is asserted.
 * Run: npm run bench:cost
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readTable } from "../automation/prices/table";
import { makeDriver, tempDir } from "../harness/driver";
import { seedEnvironments } from "../harness/seed";
import { PROJECT_DIR } from "../infra/stackFile";

const COUNT = Number(process.env.VNV_BENCH_COUNT ?? 200);

async function main(): Promise<void> {
    const dir = tempDir("vnv-bench-cost-");
    try {
        const now = new Date();
        await seedEnvironments(dir, COUNT, now);
        const table = readTable(path.join(PROJECT_DIR, "prices", "us-east-1.json"));
        // Twice each, alternating: the first round warms the caches (the settings, the formatters).
        for (const [label, pricing] of [
            ["without prices", undefined],
            ["with prices", { table, substitute: true }],
            ["without prices", undefined],
            ["with prices", { table, substitute: true }],
        ] as const) {
            const env = makeDriver(dir, { auth: undefined, ...(pricing === undefined ? {} : { pricing }) });
            const started = process.hrtime.bigint();
            const rows = await env.list(now);
            const ms = Number(process.hrtime.bigint() - started) / 1e6;
            const priced = rows.filter((r) => r.cost !== undefined).length;
            console.log(`env ls, ${rows.length} environments ${label}: ${ms.toFixed(0)} ms (${priced} priced)`);
        }
        console.log(
            `load average ${os
                .loadavg()
                .map((l) => l.toFixed(2))
                .join(" ")} on ${os.cpus().length} cores`,
        );
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
});
