/**
 * The newcomer's first run, with no cloud (`npm run demo`): a sample version's stand-in images
 * (standins/) written into a registry on loopback, the version run by vnv's Docker target to a
 * healthy URL, then `env ls`, `release ls` and `history` as a user sees them. The environment
 * stays up until Ctrl-C (or, with `--down`, is removed at once); then everything the demo made
 * is removed: the environment, the registry, the state, and the engine when the demo started it.
 *
 * The engine is the one DOCKER_HOST (or the default socket) names when it answers: a laptop's
 * Docker Desktop, a server's Docker. Otherwise, as root on a machine with Debian's docker.io
 * (`npm run setup:docker`), the demo starts a private engine of its own (harness/docker.ts, the
 * tests' engine). Docker Compose is `docker compose`, or the pinned build (`npm run setup:compose`).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../automation/cli/program";
import { RegistryClient } from "../registry/client";
import { pushSample, sampleProject } from "./sample";

const VERSION = "v1.0.0-rc.1";
const say = (line: string) => process.stderr.write(`\n== ${line}\n`);

interface Engine {
    readonly env: NodeJS.ProcessEnv;
    readonly host: string;
    stop(): Promise<void>;
}

/** The engine DOCKER_HOST names, when it answers; else a private one (root and Debian's docker.io). */
async function engineFor(): Promise<Engine> {
    const answered = spawnSync("docker", ["version", "--format", "{{.Server.Version}}"], { encoding: "utf8", timeout: 15_000 });
    if (answered.status === 0) {
        return { env: process.env, host: process.env.DOCKER_HOST ?? "the default socket", stop: async () => undefined };
    }
    say("no Docker engine answers: starting a private one (root, Debian's docker.io)");
    const { dockerEngine } = require("../harness/docker") as typeof import("../harness/docker");
    const engine = await dockerEngine();
    return { env: engine.env, host: engine.host, stop: () => engine.stop() };
}

/** Compose v2: `docker compose`, else the pinned build (built now when missing). */
function ensureCompose(env: NodeJS.ProcessEnv): void {
    const { composeCommand } = require("../tools/compose/locate.cjs") as { composeCommand(env: NodeJS.ProcessEnv): unknown };
    try {
        composeCommand(env);
    } catch {
        say("no Docker Compose v2: building the pinned one from the Go module proxy (minutes, once)");
        const r = spawnSync(process.execPath, [path.join(__dirname, "..", "tools", "compose", "setup.mjs")], { stdio: "inherit" });
        if (r.status !== 0) {
            throw new Error("could not build Docker Compose: install Docker Compose v2 (`docker compose`) and run the demo again");
        }
    }
}

async function run(): Promise<number> {
    const down = process.argv.includes("--down");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-demo-"));
    const engine = await engineFor();
    ensureCompose(engine.env);
    const { startRegistry } = require("../harness/registry") as typeof import("../harness/registry");
    const registry = await startRegistry();
    const vnv = (args: string[]) =>
        main(args, {
            env: { ...engine.env, PULUMI_BACKEND_URL: `file://${dir}/state`, PULUMI_CONFIG_PASSPHRASE: "demo-passphrase-not-secret" },
            stdout: (t) => process.stdout.write(t),
            stderr: (t) => process.stderr.write(t),
            projectDir: project,
            pulumiHome: path.join(dir, "home"),
            registry: new RegistryClient({ credentials: () => undefined }),
            healthIntervalMs: 500,
        });
    let project = "";
    try {
        say(`writing the stand-in images of ${VERSION} into a registry at ${registry.host} (no Docker Hub)`);
        const s3Image = await pushSample(registry.host, VERSION);
        project = sampleProject(dir, registry.host, s3Image);
        say(`vnv env up ${VERSION} --on docker   (engine: ${engine.host})`);
        const code = await vnv(["env", "up", VERSION, "--on", "docker", "--ttl", "2h", "--owner", "newcomer"]);
        if (code !== 0) {
            return code;
        }
        for (const args of [["env", "ls"], ["release", "ls"], ["history"]]) {
            say(`vnv ${args.join(" ")}`);
            await vnv(args);
        }
        if (!down) {
            say("the environment is up: open its URL above. Ctrl-C removes everything the demo made.");
            await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
        }
        return 0;
    } finally {
        say(`vnv env down ${VERSION} --on docker`);
        if (project !== "") {
            await vnv(["env", "down", VERSION, "--on", "docker"]);
        }
        await registry.stop();
        await engine.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

run().then(
    (code) => {
        process.exitCode = code;
    },
    (e: unknown) => {
        process.stderr.write(`demo: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exitCode = 1;
    },
);
