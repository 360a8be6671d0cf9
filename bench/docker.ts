/**
 * Docker target benchmark: the command line as a user runs it (`vnv env … --on docker`) on a real
 * Docker Engine with Docker Compose v2, on the sample version's stand-ins (demo/sample.ts) in a
 * loopback registry: the time of each step of `env up` (create, then an update of the same
 * version), a second version beside it, `env ls` over both targets, `env status`, `env down`.
 *
 * The engine is the private one of the tests (harness/docker.ts: root and Debian's docker.io,
 * `npm run setup:docker`), or the one VNV_TEST_DOCKER_HOST names; Compose from
 * `npm run setup:compose`; the S3 API image from `npm run setup:s3api`.
 *
 * Run: npm run bench:docker    (about a minute)
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../automation/cli/program";
import { pushSample, sampleProject } from "../demo/sample";
import { dockerEngine } from "../harness/docker";
import { startRegistry } from "../harness/registry";
import { RegistryClient } from "../registry/client";

const V1 = "v1.0.0-rc.1";
const V2 = "v1.1.0-rc.1";

interface Up {
    readonly steps: { step: string; ms: number }[];
    readonly health?: { healthy: boolean };
}

function load(): string {
    return os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(" ");
}

async function run(): Promise<void> {
    console.log(`load average ${load()}, ${os.cpus().length} cores`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-bench-docker-"));
    const engine = await dockerEngine();
    const registry = await startRegistry();
    try {
        const s3Image = await pushSample(registry.host, V1);
        await pushSample(registry.host, V2);
        const project = sampleProject(dir, registry.host, s3Image, { firstPort: 18000 + Math.floor(Math.random() * 400) * 10 });
        const vnv = async (args: string[]): Promise<{ ms: number; out: string }> => {
            let out = "";
            let err = "";
            const started = process.hrtime.bigint();
            const code = await main(args, {
                env: { ...engine.env, PULUMI_BACKEND_URL: `file://${dir}/state`, PULUMI_CONFIG_PASSPHRASE: "bench" },
                stdout: (t) => (out += t),
                stderr: (t) => (err += t),
                projectDir: project,
                pulumiHome: path.join(dir, "home"),
                registry: new RegistryClient({ credentials: () => undefined }),
                healthIntervalMs: 250,
            });
            const ms = Number(process.hrtime.bigint() - started) / 1e6;
            if (code !== 0) {
                throw new Error(`vnv ${args.join(" ")} exited ${code}:\n${err}`);
            }
            return { ms, out };
        };
        const up = async (label: string, version: string) => {
            const r = await vnv(["env", "up", version, "--on", "docker", "--json"]);
            const result = JSON.parse(r.out) as Up;
            const steps = result.steps.map((s) => `${s.step} ${(s.ms / 1000).toFixed(1)}`).join(", ");
            console.log(`${label.padEnd(26)} ${(r.ms / 1000).toFixed(1).padStart(6)} s  healthy=${result.health?.healthy}  (${steps})`);
        };
        const timed = async (label: string, args: string[]) => {
            const r = await vnv(args);
            console.log(`${label.padEnd(26)} ${(r.ms / 1000).toFixed(1).padStart(6)} s`);
        };
        await up(`env up ${V1} (create)`, V1);
        await up(`env up ${V1} (update)`, V1);
        await up(`env up ${V2} (create)`, V2);
        await timed("env ls (2 on docker)", ["env", "ls", "--json"]);
        await timed("env ls --on docker", ["env", "ls", "--on", "docker", "--json"]);
        await timed(`env status ${V1}`, ["env", "status", V1, "--on", "docker", "--json"]);
        const snap = await vnv(["env", "snapshot", V1, "--on", "docker", "--as", "bench-snapshot", "--json"]);
        const taken = JSON.parse(snap.out) as { steps: { step: string; ms: number }[]; bytes: number };
        const laps = taken.steps.map((s) => `${s.step} ${(s.ms / 1000).toFixed(1)}`).join(", ");
        console.log(`${`env snapshot ${V1}`.padEnd(26)} ${(snap.ms / 1000).toFixed(1).padStart(6)} s  ${taken.bytes} bytes  (${laps})`);
        await timed("dataset ls", ["dataset", "ls", "--on", "docker", "--json"]);
        await timed(`env down ${V1}`, ["env", "down", V1, "--on", "docker", "--json"]);
        await timed(`env down ${V2}`, ["env", "down", V2, "--on", "docker", "--json"]);
        console.log(`load average ${load()}`);
    } finally {
        await registry.stop();
        await engine.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

run().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
});
