/**
 * vnv's own work per `env up` against the engine's update of the same stand-in program, by
 * step, on a directory backend (real engine, 2 cores): creating a new environment, then updating
 * it, with the redirect list registered after the update and alongside it (a child process,
 * automation/environments/authWorker.ts). Goal: at most 1 s of vnv's own work (everything but the engine's
 * update and the redirect list) on a warm machine. Image checks are left out (they are the
 * registry's time); the redirect list is the auth stack's own engine update.
 * Run: npm run bench:up
 */
import * as fs from "node:fs";
import type { UpResult } from "../automation/environments/environments";
import { authStandIn } from "../harness/standins";
import { makeDriver, tempDir, v } from "../harness/driver";

function line(label: string, r: UpResult, total: number): string {
    const engine = r.steps.find((s) => s.step === "engine update")?.ms ?? 0;
    const auth = r.steps.find((s) => s.step.startsWith("redirect list"))?.ms ?? 0;
    const own = r.steps.reduce((n, s) => n + s.ms, 0) - engine - auth;
    return `${label.padEnd(28)} returned after ${total} ms: vnv's own work ${own} ms, engine update ${engine} ms, redirect list ${auth} ms after it — ${r.steps
        .map((s) => `${s.step} ${s.ms}`)
        .join(", ")}`;
}

async function main(): Promise<void> {
    for (const mode of ["after", "alongside"] as const) {
        const dir = tempDir("vnv-bench-up-");
        try {
            const env = makeDriver(
                dir,
                mode === "after"
                    ? {}
                    : {
                          auth: {
                              fixedHosts: ["dev.step-studio.be"],
                              extraUris: ["http://localhost:3000/"],
                              program: authStandIn,
                              alongside: { kind: "module", module: require.resolve("../harness/standins"), exportName: "authStandIn" },
                          },
                      },
            );
            console.log(`redirect list ${mode} the update:`);
            for (const [label, version] of [
                ["create", "v9.0.0-rc.1"],
                ["update", "v9.0.0-rc.1"],
                ["create", "v9.0.1-rc.1"],
                ["update", "v9.0.1-rc.1"],
            ] as const) {
                const started = Date.now();
                const r = await env.up(v(version));
                console.log(`  ${line(`${label} ${version}`, r, Date.now() - started)}`);
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }
}

main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
});
