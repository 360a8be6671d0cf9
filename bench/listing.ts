/**
 * Listing at scale: `env ls` and the reaper's decision over 200 environments, on a directory and
 * on an S3 API (moto's server) behind a proxy that adds 20 ms to every request, as S3 in the
 * runner's region would. "before": the CLI, one call per stack for its tags (what vnv did);
 * "after": the backend read directly (automation/state/backendReader.ts). Target: at most 3 s on S3.
 * Run: npm run bench:listing    (prints figures; a few minutes, mostly the CLI "before" runs)
 */
import * as fs from "node:fs";
import { useS3 } from "../harness/backends";
import { makeDriver, tempDir } from "../harness/driver";
import { startS3, type TestS3 } from "../harness/s3";
import { seedEnvironments } from "../harness/seed";

const COUNT = Number(process.env.VNV_BENCH_COUNT ?? 200);

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
    const t = Date.now();
    const r = await fn();
    return [r, Date.now() - t];
}

async function measure(label: string, s3: TestS3 | undefined): Promise<void> {
    useS3(s3);
    const dir = tempDir("vnv-bench-list-");
    try {
        const now = new Date();
        const [, seedMs] = await timed(() => seedEnvironments(dir, COUNT, now));
        const env = makeDriver(dir, { auth: undefined });
        const [rows, lsMs] = await timed(() => env.list(now));
        const [plan, reapMs] = await timed(() => env.planReap(now));
        const doomed = plan.filter((d) => d.action === "destroy").length;
        if (rows.length !== COUNT || doomed !== COUNT / 2) {
            throw new Error(`${label}: listed ${rows.length}, ${doomed} to destroy; expected ${COUNT} and ${COUNT / 2}`);
        }
        const [cli, cliMs] = await timed(() => env.store.list({ via: "cli", concurrency: 4 }));
        if (cli.length !== COUNT) {
            throw new Error(`${label}: the CLI lists ${cli.length} stacks`);
        }
        console.log(
            `${label}: ${COUNT} environments — env ls ${lsMs} ms, reaper decision ${reapMs} ms (backend read); ` +
                `before: tags through the CLI, 4 at a time, ${(cliMs / 1000).toFixed(1)} s (seeding took ${(seedMs / 1000).toFixed(1)} s)`,
        );
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

async function main(): Promise<void> {
    await measure("file backend", undefined);
    const s3 = await startS3({ delayMs: 20 });
    try {
        await measure("S3 API, 20 ms a request", s3);
    } finally {
        await s3.stop();
    }
}

main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
});
