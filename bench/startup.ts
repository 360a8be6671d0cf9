/**
 * How fast the command line starts: `vnv --help` and `env ls` on an empty directory backend, as
 * shipped (compiled JavaScript, `node bin/vnv.cjs`, which is what `npm run vnv` runs) and from
 * the sources through tsx (development). Goals: `--help` within 0.5 s and `env ls` on an empty
 * backend within 1 s, wall time, on 2 cores. Median of 7 runs each, with the machine's load.
 * Run: npm run bench:startup
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.resolve(__dirname, "..");
const RUNS = 7;

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
}

function time(command: string[], env: NodeJS.ProcessEnv): number {
    const walls: number[] = [];
    for (let i = 0; i < RUNS; i++) {
        const started = process.hrtime.bigint();
        const r = spawnSync(command[0]!, command.slice(1), { cwd: root, env, encoding: "utf8" });
        walls.push(Number(process.hrtime.bigint() - started) / 1e6);
        if (r.status !== 0) {
            throw new Error(`${command.join(" ")} exited ${r.status}: ${r.stderr}`);
        }
    }
    return median(walls);
}

function main(): void {
    const backend = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-bench-startup-"));
    try {
        const env = { ...process.env, PULUMI_CONFIG_PASSPHRASE: "bench-not-secret" };
        // Built once before timing (bin/vnv.cjs builds dist/ when it is stale).
        spawnSync(process.execPath, ["bin/vnv.cjs", "--help"], { cwd: root, env, stdio: "ignore" });
        const cases: [string, string[], number][] = [
            ["--help (compiled)", [process.execPath, "bin/vnv.cjs", "--help"], 500],
            ["--help (tsx, development)", [process.execPath, "--require", require.resolve("tsx/cjs"), "automation/cli/main.ts", "--help"], 500],
            ["env ls, empty backend (compiled)", [process.execPath, "bin/vnv.cjs", "env", "ls", "--json", "--backend", `file://${backend}`], 1000],
            [
                "env ls, empty backend (tsx)",
                [process.execPath, "--require", require.resolve("tsx/cjs"), "automation/cli/main.ts", "env", "ls", "--json", "--backend", `file://${backend}`],
                1000,
            ],
        ];
        console.log(
            `load average ${os
                .loadavg()
                .map((l) => l.toFixed(2))
                .join(" ")}, ${os.cpus().length} cores; median of ${RUNS} runs`,
        );
        for (const [label, command, goalMs] of cases) {
            const wallMs = time(command, env);
            console.log(`${label.padEnd(36)} ${wallMs.toFixed(0).padStart(5)} ms wall   (goal ${goalMs} ms)`);
        }
    } finally {
        fs.rmSync(backend, { recursive: true, force: true });
    }
}

main();
