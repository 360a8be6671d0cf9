/**
 * A real Docker Engine for tests, and Docker Compose v2 run against it.
 *
 * `dockerEngine()` answers the engine of this process: VNV_TEST_DOCKER_HOST's when set, else a
 * private dockerd (tools/docker/setup.mjs installs it) started on first use, with its own
 * containerd, and everything it keeps under one short temporary directory /tmp/vnvd-XXXXXX:
 *   d/ data root, e/ exec root (containerd's sockets live there: unix socket paths are limited to
 *   108 bytes, so the directory is short and in /tmp whatever TMPDIR says), s the API socket,
 *   p the pid file, log the daemon's output, key.json (20.10 would write /etc/docker/key.json),
 *   daemon.json (an empty configuration: /etc/docker/daemon.json is never read), cfg/ DOCKER_CONFIG.
 *
 * One engine per process: every test file that calls `dockerEngine()` gets the same one (a
 * concurrent first call waits for the same start). Under mocha, importing this module registers a
 * root `after` hook that stops it once all files have run; outside mocha the caller stops it.
 * `stop()` stops it at once (the smoke test does, to check that nothing is left): the next
 * `dockerEngine()` then starts a new one.
 *
 * The private engine touches no state of the machine that another engine uses, so it runs beside
 * a developer's engine at /var/run/docker.sock, and beside another private engine (another test
 * process): no default bridge (`--bridge none`: no docker0; Compose makes a network of its own for
 * each project, br-<id>, removed with the project), no iptables or ip6tables rules
 * (`--iptables=false --ip6tables=false`: a published port is served by docker-proxy, which needs
 * none; service names still resolve through the engine's DNS, whose rules live in the container's
 * own network namespace), no ip_forward sysctl change (`--ip-forward=false`: containers reach the
 * host and each other, not the outside world, which tests must not reach anyway), and a cgroup
 * parent of its own (`/vnvd-XXXXXX`, cgroupfs driver), removed on stop.
 *
 * `stop()` removes every container (with its anonymous volumes), network and volume of the
 * engine, SIGTERMs dockerd and waits for it, its containerd and the shims (bounded, then SIGKILL),
 * unmounts whatever is still mounted under the directory, removes its cgroups, any bridge of its
 * networks still there, the directory, and the directories that dockerd and containerd made
 * outside it (/run/docker/plugins, /run/containerd/s) when they were not there before and are
 * empty. The engine needs root (dockerd does); without root set VNV_TEST_DOCKER_HOST.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { descendants, running } from "./processes";

const { findProgram } = require("../tools/docker/locate.cjs") as { findProgram(name: string, env?: NodeJS.ProcessEnv): string | undefined };
const { composeCommand } = require("../tools/compose/locate.cjs") as {
    composeCommand(env?: NodeJS.ProcessEnv): { file: string; args: string[] };
};

export interface DockerEngine {
    /** The engine's address as DOCKER_HOST takes it: `unix:///tmp/vnvd-XXXXXX/s` for the private engine. */
    readonly host: string;
    /**
     * process.env less every DOCKER_* and COMPOSE_* variable of the developer's, plus DOCKER_HOST
     * (this engine) and DOCKER_CONFIG (an empty directory of the fixture's: no user configuration,
     * credentials or context is read).
     */
    readonly env: NodeJS.ProcessEnv;
    /** The private dockerd this fixture started (its pid and directory); undefined for VNV_TEST_DOCKER_HOST's engine. */
    readonly daemon: { readonly pid: number; readonly dir: string } | undefined;
    /**
     * Private engine: removes what it holds, stops it and leaves nothing (see the module's
     * comment). VNV_TEST_DOCKER_HOST's engine: only the fixture's DOCKER_CONFIG directory is
     * removed; the engine and what tests made there are left as they are. Idempotent.
     */
    stop(): Promise<void>;
}

export interface RunResult {
    /** The exit code; a run ended by a signal is reported as 128 + the signal's number, as a shell does. */
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

export interface RunOptions {
    cwd?: string;
    /** Default 120 s; on expiry the process group is SIGKILLed and the promise rejects with the output so far. */
    timeoutMs?: number;
    /** Written to stdin, which is then closed (closed at once without it). */
    input?: string;
    /** Variables added to (or, undefined, removed from) the engine's env. */
    env?: Record<string, string | undefined>;
}

/** Runs a command against an engine. */
export type Runner = (args: readonly string[], options?: RunOptions) => Promise<RunResult>;

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;
const OUTPUT_LIMIT = 4 * 1024 * 1024;

let shared: Promise<DockerEngine> | undefined;

/** The engine of this process, started on first use (see the module's comment). */
export function dockerEngine(): Promise<DockerEngine> {
    if (shared === undefined) {
        const starting = process.env.VNV_TEST_DOCKER_HOST ? givenEngine(process.env.VNV_TEST_DOCKER_HOST) : privateEngine();
        shared = starting;
        // A failed start is not kept: the next call tries again.
        starting.catch(() => {
            if (shared === starting) shared = undefined;
        });
    }
    return shared;
}

// Under mocha, stop the engine after every test file has run: a root hook, registered when a
// test file imports this module (outside any describe). Outside mocha `after` does not exist.
if (typeof after === "function") {
    after(async function () {
        this.timeout(STOP_TIMEOUT_MS * 3);
        const current = shared;
        if (current !== undefined) {
            await (await current.catch(() => undefined))?.stop();
        }
    });
}

/** A runner for `docker` (the CLI on PATH) against `engine`. */
export function dockerIn(engine: DockerEngine): Runner {
    return (args, options) => run("docker", args, engine.env, options);
}

/**
 * A runner for Docker Compose v2 (tools/compose/locate.cjs's composeCommand: VNV_COMPOSE, else
 * `docker compose`, else the pinned build) against `engine`. Throws at once when there is none.
 */
export function composeIn(engine: DockerEngine): Runner {
    const { file, args: prefix } = composeCommand(engine.env);
    return (args, options) => run(file, [...prefix, ...args], engine.env, options);
}

/** Runs `file args` with `env`, bounded in time and output (see RunOptions). */
export function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv, options: RunOptions = {}): Promise<RunResult> {
    const timeoutMs = options.timeoutMs ?? 120_000;
    const childEnv: NodeJS.ProcessEnv = { ...env };
    for (const [k, v] of Object.entries(options.env ?? {})) {
        if (v === undefined) delete childEnv[k];
        else childEnv[k] = v;
    }
    return new Promise((resolve, reject) => {
        const child = spawn(file, [...args], { cwd: options.cwd, env: childEnv, stdio: ["pipe", "pipe", "pipe"], detached: true });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        let outBytes = 0;
        let errBytes = 0;
        child.stdout.on("data", (d: Buffer) => {
            if (outBytes < OUTPUT_LIMIT) out.push(d);
            outBytes += d.length;
        });
        child.stderr.on("data", (d: Buffer) => {
            if (errBytes < OUTPUT_LIMIT) err.push(d);
            errBytes += d.length;
        });
        const text = (chunks: Buffer[]) => Buffer.concat(chunks).subarray(0, OUTPUT_LIMIT).toString("utf8");
        let timedOut = false;
        const timer = setTimeout(() => {
            timedOut = true;
            killGroup(child.pid);
        }, timeoutMs);
        child.on("error", (e) => {
            clearTimeout(timer);
            reject(new Error(`${file}: ${e.message}`));
        });
        child.on("close", (code, signal) => {
            clearTimeout(timer);
            const stdout = text(out);
            const stderr = text(err);
            if (timedOut) {
                reject(new Error(`${file} ${args.join(" ")} did not finish within ${timeoutMs / 1000} s\nstdout:\n${stdout}\nstderr:\n${stderr}`));
                return;
            }
            resolve({ code: code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0), stdout, stderr });
        });
        child.stdin.on("error", () => {
            // the program exited without reading its input
        });
        child.stdin.end(options.input ?? "");
    });
}

function killGroup(pid: number | undefined): void {
    if (pid === undefined) return;
    try {
        process.kill(-pid, "SIGKILL");
    } catch {
        // already gone
    }
}

/** A clean environment for the docker CLI and compose: the developer's DOCKER_* and COMPOSE_* left out. */
function engineEnv(host: string, config: string): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) {
        if (!/^(DOCKER|COMPOSE)_/.test(k)) env[k] = v;
    }
    env.DOCKER_HOST = host;
    env.DOCKER_CONFIG = config;
    return env;
}

/** The engine at VNV_TEST_DOCKER_HOST: checked to answer, never stopped. */
async function givenEngine(host: string): Promise<DockerEngine> {
    if (!/^(unix|tcp|ssh|npipe):\/\/\S{1,500}$/.test(host)) {
        throw new Error(`VNV_TEST_DOCKER_HOST=${JSON.stringify(host.slice(0, 200))} is not a Docker host address (unix://…, tcp://…, ssh://…)`);
    }
    const config = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-docker-config-"));
    const env = engineEnv(host, config);
    const info = await run("docker", ["version", "--format", "{{.Server.Version}}"], env, { timeoutMs: 30_000 }).catch((e: Error) => ({
        code: -1,
        stdout: "",
        stderr: e.message,
    }));
    if (info.code !== 0) {
        fs.rmSync(config, { recursive: true, force: true });
        throw new Error(`VNV_TEST_DOCKER_HOST=${host} does not answer \`docker version\`:\n${info.stderr.slice(0, 2000)}`);
    }
    let stopped = false;
    return {
        host,
        env,
        daemon: undefined,
        async stop() {
            if (stopped) return;
            stopped = true;
            if (shared !== undefined && (await shared.catch(() => undefined)) === this) shared = undefined;
            fs.rmSync(config, { recursive: true, force: true });
        },
    };
}

/** Directories dockerd and containerd make outside their roots whatever they are told. */
const GLOBAL_DIRS = ["/run/docker/plugins", "/run/docker", "/run/containerd/s", "/run/containerd"];

/** The major version of `dockerd --version` ("Docker version 20.10.24+dfsg1, build 5d6db84"), or undefined. */
function dockerdMajor(dockerd: string): number | undefined {
    const r = spawnSync(dockerd, ["--version"], { encoding: "utf8", timeout: 15_000, maxBuffer: 64 * 1024 });
    const m = typeof r.stdout === "string" ? r.stdout.match(/^Docker version (\d{1,4})\.\d{1,4}/) : null;
    return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** GET /_ping on a unix socket: true on "OK". */
function ping(socketPath: string): Promise<boolean> {
    return new Promise((resolve) => {
        const req = http.get({ socketPath, path: "/_ping", timeout: 2000 }, (res) => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (d: string) => {
                if (body.length < 64) body += d;
            });
            res.on("end", () => resolve(res.statusCode === 200 && body === "OK"));
        });
        req.on("timeout", () => req.destroy());
        req.on("error", () => resolve(false));
    });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function logTail(file: string): string {
    try {
        const text = fs.readFileSync(file, "utf8");
        return text.slice(-6000);
    } catch {
        return "(no log)";
    }
}

/** Pids of the processes whose command line names `dir` (containerd, the shims; dockerd too). */
export function processesNaming(dir: string): number[] {
    const found: number[] = [];
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8");
            if (cmdline.split("\0").some((a) => a === dir || a.includes(`${dir}/`)) && running(Number(entry))) found.push(Number(entry));
        } catch {
            // gone meanwhile
        }
    }
    return found;
}

/** Mount points at or under `dir` (from /proc/self/mountinfo), deepest first. */
export function mountsUnder(dir: string): string[] {
    const points: string[] = [];
    for (const line of fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
        const field = line.split(" ")[4];
        if (field === undefined) continue;
        const point = field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
        if (point === dir || point.startsWith(`${dir}/`)) points.push(point);
    }
    return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** The cgroup directories named `name` directly under each cgroup hierarchy (v1 controllers, or v2's root). */
function cgroupDirs(name: string): string[] {
    const roots = ["/sys/fs/cgroup"];
    try {
        for (const e of fs.readdirSync("/sys/fs/cgroup", { withFileTypes: true })) {
            if (e.isDirectory()) roots.push(path.join("/sys/fs/cgroup", e.name));
        }
    } catch {
        return [];
    }
    return roots.map((r) => path.join(r, name)).filter((d) => fs.existsSync(d));
}

/** rmdir `dir` and the directories below it, deepest first (cgroup directories hold only pseudo-files). */
function rmdirTree(dir: string): void {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) rmdirTree(path.join(dir, e.name));
    }
    fs.rmdirSync(dir);
}

async function waitGone(pids: number[], ms: number): Promise<number[]> {
    const deadline = Date.now() + ms;
    let left = pids.filter(running);
    while (left.length > 0 && Date.now() < deadline) {
        await sleep(100);
        left = left.filter(running);
    }
    return left;
}

function signal(pids: number[], sig: NodeJS.Signals): void {
    for (const p of pids) {
        try {
            process.kill(p, sig);
        } catch {
            // gone
        }
    }
}

/** Starts a private dockerd (see the module's comment). */
async function privateEngine(): Promise<DockerEngine> {
    if (process.getuid?.() !== 0) {
        throw new Error("the private Docker Engine for the tests needs root (dockerd does); set VNV_TEST_DOCKER_HOST to an engine instead");
    }
    const dockerd = findProgram("dockerd");
    if (dockerd === undefined) throw new Error("no dockerd: run `npm run setup:docker` (npm test does), or set VNV_TEST_DOCKER_HOST");
    const started = Date.now();
    const globalsBefore = new Set(GLOBAL_DIRS.filter((d) => fs.existsSync(d)));
    const dir = fs.mkdtempSync("/tmp/vnvd-");
    const socket = path.join(dir, "s");
    const host = `unix://${socket}`;
    const config = path.join(dir, "cfg");
    fs.mkdirSync(config);
    const daemonConfig: Record<string, string> = {};
    const major = dockerdMajor(dockerd);
    // Before 23.0 dockerd makes a trust key, by default in /etc/docker/key.json; it reads the
    // path from its configuration (later versions make none, and refuse the key).
    if (major !== undefined && major < 23) daemonConfig["deprecated-key-path"] = path.join(dir, "key.json");
    fs.writeFileSync(path.join(dir, "daemon.json"), `${JSON.stringify(daemonConfig)}\n`);
    const cgroupParent = path.basename(dir);
    const args = [
        "--config-file",
        path.join(dir, "daemon.json"),
        "--data-root",
        path.join(dir, "d"),
        "--exec-root",
        path.join(dir, "e"),
        "-H",
        host,
        "--pidfile",
        path.join(dir, "p"),
        "--bridge",
        "none",
        "--iptables=false",
        "--ip6tables=false",
        "--ip-forward=false",
        "--exec-opt",
        "native.cgroupdriver=cgroupfs",
        "--cgroup-parent",
        `/${cgroupParent}`,
    ];
    const logFile = path.join(dir, "log");
    const logFd = fs.openSync(logFile, "a");
    // dockerd finds containerd, runc and docker-proxy on PATH: Debian keeps some in /usr/sbin.
    const pathDirs = [
        ...(process.env.PATH ?? "").split(path.delimiter),
        path.dirname(dockerd),
        "/usr/local/sbin",
        "/usr/local/bin",
        "/usr/sbin",
        "/usr/bin",
        "/sbin",
        "/bin",
    ];
    const child = spawn(dockerd, args, {
        stdio: ["ignore", logFd, logFd],
        env: { ...process.env, PATH: [...new Set(pathDirs.filter((d) => d !== ""))].join(path.delimiter) },
    });
    fs.closeSync(logFd);
    child.unref();
    const pid = child.pid;
    let spawnError: Error | undefined;
    child.on("error", (e) => {
        spawnError = e;
    });
    // The last resort if the process exits without stop(): dockerd shuts its containers down by
    // itself on SIGTERM (the directory is then left behind).
    const onExit = () => {
        if (pid !== undefined && running(pid)) signal([pid], "SIGTERM");
    };
    process.on("exit", onExit);

    let stopping: Promise<void> | undefined;
    const engine: DockerEngine = {
        host,
        env: engineEnv(host, config),
        daemon: pid === undefined ? undefined : { pid, dir },
        stop() {
            stopping ??= (async () => {
                if (shared !== undefined && (await shared.catch(() => undefined)) === engine) shared = undefined;
                await teardown();
                process.removeListener("exit", onExit);
            })();
            return stopping;
        },
    };

    const teardown = async (): Promise<void> => {
        const problems: string[] = [];
        const docker = dockerIn(engine);
        const bridges = new Set<string>();
        if (pid !== undefined && running(pid) && (await ping(socket))) {
            // What the engine holds, removed through the engine (so it tears down veths, bridges,
            // docker-proxies and mounts itself). `volume prune` changed meaning in 23.0, so volumes
            // are listed and removed by name.
            const step = async (args: string[]) => {
                const r = await docker(args, { timeoutMs: STOP_TIMEOUT_MS }).catch((e: Error) => ({ code: -1, stdout: "", stderr: e.message }));
                if (r.code !== 0) problems.push(`docker ${args.join(" ")}: ${r.stderr.trim().slice(0, 500)}`);
                return r.stdout.split("\n").filter((l) => /^[0-9a-zA-Z][0-9a-zA-Z_.-]{0,254}$/.test(l));
            };
            const containers = await step(["ps", "-aq", "--no-trunc"]);
            if (containers.length > 0) await step(["rm", "-f", "-v", ...containers]);
            for (const id of await step(["network", "ls", "-q", "--no-trunc", "--filter", "driver=bridge"])) bridges.add(`br-${id.slice(0, 12)}`);
            await step(["network", "prune", "-f"]);
            const volumes = await step(["volume", "ls", "-q"]);
            if (volumes.length > 0) await step(["volume", "rm", "-f", ...volumes]);
        }
        // dockerd, then its containerd and the shims; docker-proxies are its children.
        const ours = [...new Set([...(pid === undefined ? [] : [pid, ...descendants(pid)]), ...processesNaming(dir)])];
        if (pid !== undefined) signal([pid], "SIGTERM");
        let left = await waitGone(ours, STOP_TIMEOUT_MS);
        if (left.length > 0) {
            problems.push(`SIGKILLed after ${STOP_TIMEOUT_MS / 1000} s: ${left.join(" ")}`);
            signal(left, "SIGKILL");
            left = await waitGone(left, 5000);
        }
        const strays = processesNaming(dir);
        if (strays.length > 0) {
            signal(strays, "SIGKILL");
            await waitGone(strays, 5000);
        }
        for (const point of mountsUnder(dir)) {
            const r = spawnSync("umount", [point], { encoding: "utf8", timeout: 15_000 });
            if (r.status !== 0) spawnSync("umount", ["-l", point], { timeout: 15_000 });
        }
        for (const cg of cgroupDirs(cgroupParent)) {
            try {
                rmdirTree(cg);
            } catch (e) {
                problems.push(`cgroup ${cg} not removed: ${(e as Error).message}`);
            }
        }
        for (const bridge of bridges) {
            if (fs.existsSync(`/sys/class/net/${bridge}`)) spawnSync("ip", ["link", "delete", bridge], { timeout: 15_000 });
        }
        const mounted = mountsUnder(dir);
        if (mounted.length > 0) {
            problems.push(`still mounted: ${mounted.join(" ")}`);
        } else {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        for (const d of GLOBAL_DIRS) {
            if (globalsBefore.has(d)) continue;
            try {
                fs.rmdirSync(d); // only when empty: another engine may be using it
            } catch {
                // not empty, or not there
            }
        }
        const stillRunning = processesNaming(dir);
        if (left.length > 0 || stillRunning.length > 0) problems.push(`still running: ${[...new Set([...left, ...stillRunning])].join(" ")}`);
        if (problems.length > 0) throw new Error(`the private Docker Engine at ${dir} did not stop cleanly:\n${problems.join("\n")}`);
    };

    const deadline = started + START_TIMEOUT_MS;
    for (;;) {
        if (spawnError !== undefined || child.exitCode !== null || child.signalCode !== null) {
            const why = spawnError?.message ?? `exited with ${child.exitCode ?? child.signalCode}`;
            const log = logTail(logFile);
            await teardown().catch(() => undefined);
            throw new Error(`dockerd ${why}:\n${log}`);
        }
        if (await ping(socket)) break;
        if (Date.now() > deadline) {
            const log = logTail(logFile);
            await teardown().catch(() => undefined);
            throw new Error(`dockerd did not answer on ${socket} within ${START_TIMEOUT_MS / 1000} s:\n${log}`);
        }
        await sleep(100);
    }
    // The CLI answers too (the API version is negotiated).
    const info = await run("docker", ["info", "--format", "{{.ServerVersion}}"], engine.env, { timeoutMs: 30_000 }).catch((e: Error) => ({
        code: -1,
        stdout: "",
        stderr: e.message,
    }));
    if (info.code !== 0) {
        await teardown().catch(() => undefined);
        throw new Error(`docker info does not answer for ${host}:\n${info.stderr.slice(0, 2000)}\n${logTail(logFile)}`);
    }
    return engine;
}
