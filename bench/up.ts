/**
 * vnv's own work per `env up` against the engine's update of the same stand-in program, by
 * step, on a directory backend (real engine, 2 cores): creating a new environment, then updating
 * it. Goal: at most 1 s of vnv's own work (everything but "engine update") on a warm machine.
 * Image checks are left out (they are the registry's time); the redirect list is the auth
 * stack's own engine update. Run: npm run bench:up
 */
import * as fs from "node:fs";
import { makeDriver, tempDir, v } from "../test/support/driver";

async function main(): Promise<void> {
    const dir = tempDir("vnv-bench-up-");
    try {
        const env = makeDriver(dir);
        for (const [label, version] of [
            ["create", "v9.0.0-rc.1"],
            ["update", "v9.0.0-rc.1"],
            ["create", "v9.0.1-rc.1"],
            ["update", "v9.0.1-rc.1"],
        ] as const) {
            const r = await env.up(v(version));
            const engine = r.steps.find((s) => s.step === "engine update")?.ms ?? 0;
            const auth = r.steps.find((s) => s.step === "redirect list")?.ms ?? 0;
            const own = r.steps.reduce((n, s) => n + s.ms, 0) - engine - auth;
            console.log(
                `${label} ${version}: vnv's own work ${own} ms, engine update ${engine} ms, redirect list (auth stack update) ${auth} ms — ` +
                    r.steps.map((s) => `${s.step} ${s.ms}`).join(", "),
            );
        }
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
});
