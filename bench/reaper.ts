/**
 * Reaper benchmark on the real engine (file backend in a temporary directory, stand-in programs):
 *   1. the decision over 50 environments with valid tags (read straight from the backend, planned);
 *   2. destroying 8 expired environments at concurrency 1 vs 4.
 * Run: npm run bench:reaper    (prints figures; takes a few minutes)
 */
import * as fs from "node:fs";
import { resolveCli } from "../automation/state/pulumiCli";
import { mapLimit } from "../automation/util";
import { makeDriver, tempDir, ttl, v } from "../harness/driver";
import { seedEnvironments } from "../harness/seed";

const HOUR = 3_600_000;

function seconds(ms: number): string {
    return `${(ms / 1000).toFixed(1)} s`;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
    const t = Date.now();
    const r = await fn();
    return [r, Date.now() - t];
}

/**
 * The reaper's decision over 50 environments as `env up` tags them (valid tags: half of them
 * expired), read as the reaper reads them today: straight from the backend, then planned.
 */
async function decision(): Promise<void> {
    const dir = tempDir("vnv-bench-");
    try {
        const now = new Date();
        const [, setup] = await timed(() => seedEnvironments(dir, 50, now));
        const env = makeDriver(dir, { auth: undefined });
        const [plan, ms] = await timed(() => env.planReap(now));
        const destroy = plan.filter((d) => d.action === "destroy").length;
        if (destroy !== 25) {
            throw new Error(`expected 25 expired environments to destroy, planned ${destroy}: ${JSON.stringify(plan.slice(0, 3))}`);
        }
        console.log(`decision over ${plan.length} environments (read from the backend, planned): ${ms} ms; ${destroy} to destroy`);
        console.log(`(seeding 50 environments took ${seconds(setup)})`);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

async function destroyAt(concurrency: number): Promise<void> {
    const dir = tempDir("vnv-bench-");
    try {
        const env = makeDriver(dir, { auth: undefined });
        const versions = Array.from({ length: 8 }, (_, i) => `v2.${concurrency}.${i}`);
        const [, upMs] = await timed(() => mapLimit(versions, 4, (text) => env.up(v(text), { ttl: ttl("1h") })));
        const [summary, ms] = await timed(() => makeDriver(dir, { auth: undefined, clock: () => new Date(Date.now() + 2 * HOUR) }).reap({ concurrency }));
        if (summary.destroyed.length !== 8 || summary.failed.length > 0) {
            throw new Error(`expected 8 destroyed: ${JSON.stringify(summary)}`);
        }
        console.log(
            `reap of 8 expired environments at concurrency ${concurrency}: ${seconds(ms)} (${seconds(ms / 8)} each); creating them took ${seconds(upMs)} at 4 at a time`,
        );
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

async function main(): Promise<void> {
    console.log(`Pulumi ${resolveCli().version}, ${require("node:os").cpus().length} cores`);
    await decision();
    await destroyAt(1);
    await destroyAt(4);
}

main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
});
