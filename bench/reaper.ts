/**
 * Reaper benchmark on the real engine (file backend in a temporary directory, stand-in programs):
 *   1. decision time over 50 stacks (list stacks, read their tags, plan) at tag-read concurrency 1 and 4;
 *   2. destroying 8 expired environments at concurrency 1 vs 4.
 * Run: npm run bench:reaper    (prints figures; takes a few minutes)
 */
import * as fs from "node:fs";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { mapLimit } from "../automation/util";
import { EPHEMERAL, TAG } from "../rules/metadata";
import { engineEnv, pulumiCommand, resolveCli } from "../automation/state/pulumiCli";
import { makeDriver, PASSPHRASE, tempDir, ttl, v } from "../harness/driver";

const HOUR = 3_600_000;

function seconds(ms: number): string {
    return `${(ms / 1000).toFixed(1)} s`;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
    const t = Date.now();
    const r = await fn();
    return [r, Date.now() - t];
}

/** 50 stacks with tags but no resources: half expired ephemeral, some not ephemeral, dev and prod. */
async function tagOnlyStacks(dir: string, count: number): Promise<void> {
    const cli = resolveCli();
    const command = await pulumiCommand(cli);
    const envVars = engineEnv(cli, { home: `${dir}/home`, passphrase: PASSPHRASE, backendUrl: `file://${dir}/state` });
    fs.mkdirSync(`${dir}/state`, { recursive: true });
    const names = ["dev", "prod", ...Array.from({ length: count - 2 }, (_, i) => `v1-0-${i}`)];
    await mapLimit(names, 4, async (name) => {
        const stack = await LocalWorkspace.createStack(
            { stackName: name, projectName: "vnv", program: async () => ({}) },
            {
                pulumiCommand: command,
                envVars,
                secretsProvider: "passphrase",
                projectSettings: { name: "vnv", runtime: "nodejs", backend: { url: `file://${dir}/state` } },
            },
        );
        const i = names.indexOf(name);
        if (i % 7 !== 3) {
            await stack.setTag(TAG.kind, EPHEMERAL);
        }
        await stack.setTag(TAG.expiresAt, new Date(Date.now() + (i % 2 === 0 ? -HOUR : HOUR)).toISOString());
    });
}

async function decision(): Promise<void> {
    const dir = tempDir("vnv-bench-");
    try {
        const [, setup] = await timed(() => tagOnlyStacks(dir, 50));
        const env = makeDriver(dir, { auth: undefined });
        for (const concurrency of [1, 4]) {
            const [stacks, ms] = await timed(() => env.store.list({ via: "cli", concurrency }));
            const [plan, planMs] = await timed(async () => (await import("../rules/metadata")).planReap(stacks, env.tagRules(), []));
            const destroy = plan.filter((d) => d.action === "destroy").length;
            console.log(
                `decision over ${stacks.length} stacks, tag reads ${concurrency} at a time: ${seconds(ms)} to read (${(ms / stacks.length).toFixed(0)} ms a stack), ${planMs} ms to plan; ${destroy} to destroy`,
            );
        }
        console.log(`(setting up 50 tagged stacks took ${seconds(setup)})`);
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
