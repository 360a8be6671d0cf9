/**
 * The Docker host an environment runs on, through the `docker` CLI (whatever DOCKER_HOST names:
 * a local socket, the team's server over ssh://) and Docker Compose v2 (tools/compose/locate.cjs:
 * `docker compose`, else the pinned build). Every answer is bounded in time and size and parsed
 * strictly; what a container says is never trusted as more than text.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_DIR } from "../../infra/stackFile";
import type { ComposeFile } from "../../rules/compose";
import { OperationError, UsageError } from "../errors";
import { type Ran, runBounded } from "../process";
import { COMPOSE_PROJECT_LABEL, PROJECT_LABEL } from "./labels";

const locate = require(path.join(PROJECT_DIR, "tools", "compose", "locate.cjs")) as {
    composeCommand(env: NodeJS.ProcessEnv): { file: string; args: string[] };
};

/** No Docker engine answers where DOCKER_HOST points. */
export class DockerUnreachableError extends OperationError {
    constructor(
        readonly host: string,
        detail: string,
    ) {
        super(`no Docker engine answers at ${host}: ${detail}`);
        this.name = "DockerUnreachableError";
    }
}

/** Compose could not bring the project up or down; its own error lines are in the message. */
export class ComposeError extends OperationError {
    constructor(
        readonly project: string,
        readonly action: string,
        detail: string,
    ) {
        super(`docker compose ${action} of ${project} failed: ${detail}`);
        this.name = "ComposeError";
    }
}

/** A host port another process holds: another environment, or anything else on the host. */
export class PortTakenError extends ComposeError {
    override readonly meaning = "busy" as const;
    constructor(project: string, detail: string) {
        super(project, "up", `${detail} (a port of this environment is taken on the host; free it, or move vnv:ephemeral.docker.firstPort)`);
        this.name = "PortTakenError";
    }
}

export type { Ran } from "../process";

/** A project's networks are removed at most this many times when the engine is slow to release an endpoint. */
const DOWN_ATTEMPTS = 3;

/** At most this much of a command's output is kept. */
const MAX_OUTPUT = 4 * 1024 * 1024;

/** One labelled object on the engine (a container or a volume) as vnv reads it. */
export interface DockerObject {
    readonly kind: "container" | "volume";
    readonly id: string;
    readonly project: string;
    readonly labels: Readonly<Record<string, string>>;
    /** Containers: `running`, `exited`, …; and their health when they have a check. */
    readonly state?: string;
    readonly health?: string;
    readonly service?: string;
    /** Containers: the image as Compose was given it (`repository@sha256:…`). */
    readonly image?: string;
    /** Containers: the last exit code, and when the container last started and finished (ISO times). */
    readonly lastExit?: number;
    readonly startedAt?: string;
    readonly finishedAt?: string;
}

export interface EngineOptions {
    readonly env: NodeJS.ProcessEnv;
    /** Progress lines (compose's own, when not quiet). */
    readonly progress?: (line: string) => void;
}

export class DockerEngine {
    readonly host: string;
    constructor(private readonly options: EngineOptions) {
        this.host = options.env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
    }

    /** The environment `docker` runs in (DOCKER_HOST, DOCKER_CONFIG, …). */
    get env(): NodeJS.ProcessEnv {
        return this.options.env;
    }

    /** Runs `file args`, bounded by `timeoutMs` and {@link MAX_OUTPUT}; `env` adds to the engine's environment. */
    run(file: string, args: readonly string[], opts: { timeoutMs: number; env?: NodeJS.ProcessEnv; cwd?: string; onLine?: (l: string) => void }): Promise<Ran> {
        return runBounded(file, args, { ...opts, env: { ...this.options.env, ...(opts.env ?? {}) }, maxOutput: MAX_OUTPUT });
    }

    private docker(args: readonly string[], timeoutMs = 30_000): Promise<Ran> {
        return this.run("docker", args, { timeoutMs });
    }

    /** The engine's version; DockerUnreachableError when none answers. */
    async ping(): Promise<string> {
        const r = await this.docker(["version", "--format", "{{.Server.Version}}"], 15_000);
        const version = r.stdout.trim();
        if (r.code !== 0 || !/^\d{1,4}\.\d{1,4}\.\d{1,4}[0-9A-Za-z.+~-]{0,40}$/.test(version)) {
            throw new DockerUnreachableError(this.host, lastLines(r.stderr || r.stdout) || `docker exited ${r.code}`);
        }
        return version;
    }

    /** Every container and volume labelled as vnv's `project`'s, with their labels. */
    async objects(project: string): Promise<DockerObject[]> {
        const filter = `label=${PROJECT_LABEL}=${project}`;
        const [containers, volumes] = await Promise.all([
            this.docker(["ps", "-a", "-q", "--no-trunc", "--filter", filter]),
            this.docker(["volume", "ls", "-q", "--filter", filter]),
        ]);
        for (const r of [containers, volumes]) {
            if (r.code !== 0) {
                throw new DockerUnreachableError(this.host, lastLines(r.stderr) || `docker exited ${r.code}`);
            }
        }
        const ids = idsOf(containers.stdout, /^[0-9a-f]{64}$/);
        const names = idsOf(volumes.stdout, /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/);
        return [...(await this.inspect("container", ids)), ...(await this.inspect("volume", names))];
    }

    private async inspect(kind: "container" | "volume", ids: readonly string[]): Promise<DockerObject[]> {
        if (ids.length === 0) {
            return [];
        }
        const r = await this.docker(kind === "container" ? ["inspect", "--type", "container", ...ids] : ["volume", "inspect", ...ids]);
        if (r.code !== 0) {
            // An object removed between the listing and now is simply gone.
            if (/No such/i.test(r.stderr)) {
                return this.inspect(kind, ids.slice(1));
            }
            throw new DockerUnreachableError(this.host, lastLines(r.stderr));
        }
        return parseInspect(kind, r.stdout);
    }

    /** The environment variables a container was started with (to carry generated secrets over). */
    async containerEnv(id: string): Promise<Record<string, string>> {
        const r = await this.docker(["inspect", "--type", "container", "--format", "{{json .Config.Env}}", id]);
        if (r.code !== 0) {
            return {};
        }
        const list = JSON.parse(r.stdout) as unknown;
        const env: Record<string, string> = {};
        for (const item of Array.isArray(list) ? list : []) {
            if (typeof item === "string" && item.length < 64 * 1024) {
                const at = item.indexOf("=");
                if (at > 0) {
                    env[item.slice(0, at)] = item.slice(at + 1);
                }
            }
        }
        return env;
    }

    /**
     * `docker compose up -d --wait` of `file` (only `services`, when given), secrets given as
     * the process's environment: Compose puts them into the containers, never into the file.
     */
    async up(file: ComposeFile, secrets: Readonly<Record<string, string>>, opts: { waitSeconds: number; services?: readonly string[] }): Promise<void> {
        await this.withProjectDir(file, async (dir) => {
            const args = ["up", "-d", "--wait", "--wait-timeout", String(opts.waitSeconds), "--remove-orphans", "--quiet-pull", ...(opts.services ?? [])];
            const r = await this.compose(dir, file.name, args, (opts.waitSeconds + 120) * 1000, secrets);
            if (r.code !== 0) {
                const detail = lastLines(r.stderr, 8);
                if (/address already in use|port is already allocated/i.test(detail)) {
                    throw new PortTakenError(file.name, detail);
                }
                throw new ComposeError(file.name, "up", detail || `exit ${r.code}`);
            }
        });
    }

    /** `docker compose pull`: every image of the project, before anything of it is made. */
    async pull(file: ComposeFile, secrets: Readonly<Record<string, string>>, timeoutSeconds: number): Promise<void> {
        await this.withProjectDir(file, async (dir) => {
            const r = await this.compose(dir, file.name, ["pull", "--quiet"], timeoutSeconds * 1000, secrets);
            if (r.code !== 0) {
                // Compose's own words do not say which image ("no matching manifest for linux/amd64"):
                // each service pulled alone names the ones that fail (the failure path only).
                const failed: string[] = [];
                for (const [service, spec] of Object.entries(file.services)) {
                    const one = await this.compose(dir, file.name, ["pull", "--quiet", service], timeoutSeconds * 1000, secrets);
                    if (one.code !== 0) {
                        failed.push(`${service} (${spec.image.replaceAll("$$", "$")}): ${lastLines(one.stderr, 1) || `exit ${one.code}`}`);
                    }
                }
                throw new ComposeError(file.name, "pull", failed.length > 0 ? failed.join("; ") : lastLines(r.stderr, 8) || `exit ${r.code}`);
            }
        });
    }

    /**
     * `docker compose down -v --remove-orphans`: every container, network and volume of the project.
     * A network still in use is not removed by Compose (docker/compose#10555 skips it with a
     * warning), and Engine 20.10 can keep a removed container's endpoint for a moment ("network …
     * has active endpoints", moby/moby#42119): so the project's networks left after it are cleared
     * of what is attached (`docker network disconnect -f`) and removed, retried a few times.
     */
    async down(project: string): Promise<void> {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-compose-"));
        try {
            const r = await this.compose(dir, project, ["down", "-v", "--remove-orphans", "--timeout", "10"], 300_000, {});
            if (r.code !== 0 && !/has active endpoints/.test(r.stderr)) {
                throw new ComposeError(project, "down", lastLines(r.stderr, 8) || `exit ${r.code}`);
            }
            await this.removeNetworks(project);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }

    /** Removes `project`'s networks, disconnecting whatever is still attached; ComposeError if one stays. */
    private async removeNetworks(project: string): Promise<void> {
        for (let attempt = 1; ; attempt++) {
            const nets = await this.docker(["network", "ls", "-q", "--no-trunc", "--filter", `label=${COMPOSE_PROJECT_LABEL}=${project}`]);
            const left = idsOf(nets.stdout, /^[0-9a-f]{64}$/);
            if (nets.code === 0 && left.length === 0) {
                return;
            }
            let last = lastLines(nets.stderr);
            let removed = nets.code === 0;
            for (const net of left) {
                const attached = await this.docker(["network", "inspect", "--format", "{{range .Containers}}{{.Name}}\n{{end}}", net]);
                for (const name of idsOf(attached.stdout, /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/)) {
                    await this.docker(["network", "disconnect", "-f", net, name]);
                }
                const rm = await this.docker(["network", "rm", net]);
                if (rm.code !== 0) {
                    removed = false;
                    last = lastLines(rm.stderr);
                }
            }
            if (removed) {
                return;
            }
            if (attempt >= DOWN_ATTEMPTS) {
                throw new ComposeError(project, "down", `a network of the project stays: ${last || "docker network rm failed"}`);
            }
            await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
        }
    }

    private compose(dir: string, project: string, args: string[], timeoutMs: number, secrets: Readonly<Record<string, string>>): Promise<Ran> {
        let command: { file: string; args: string[] };
        try {
            command = locate.composeCommand(this.options.env);
        } catch (e) {
            throw new UsageError((e as Error).message);
        }
        const file = path.join(dir, "compose.yaml");
        const withFile = fs.existsSync(file) ? ["-f", file] : [];
        return this.run(command.file, [...command.args, "--project-directory", dir, ...withFile, "-p", project, "--ansi", "never", ...args], {
            timeoutMs,
            cwd: dir,
            env: { ...secrets, COMPOSE_PROJECT_NAME: project },
            ...(this.options.progress === undefined ? {} : { onLine: this.options.progress }),
        });
    }

    /** The file in a directory of its own (JSON is YAML), removed afterwards. */
    private async withProjectDir<T>(file: ComposeFile, run: (dir: string) => Promise<T>): Promise<T> {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-compose-"));
        try {
            fs.writeFileSync(path.join(dir, "compose.yaml"), JSON.stringify(file, null, 2), { mode: 0o600 });
            return await run(dir);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }
}

function idsOf(text: string, pattern: RegExp): string[] {
    return text
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => pattern.test(l))
        .slice(0, 10_000);
}

/** The last lines of a command's error output (where Compose and docker say what failed). */
function lastLines(text: string, n = 3): string {
    return text.trim().split(/\r?\n/).slice(-n).join("\n").slice(0, 2000);
}

function stringRecord(value: unknown): Record<string, string> {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return {};
    }
    return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === "string" && e[1].length <= 1024));
}

/** `docker inspect` / `docker volume inspect` output, read strictly: anything else is dropped. */
/** A container's start and finish times, when they are times Docker writes (never its zero time). */
function times(state: Record<string, unknown> | undefined): { startedAt?: string; finishedAt?: string } {
    const time = (v: unknown) => (typeof v === "string" && /^[1-9]\d{3}-\d\d-\d\dT[\d:.]+Z$/.test(v) && !v.startsWith("0001") ? v : undefined);
    const startedAt = time(state?.StartedAt);
    const finishedAt = time(state?.FinishedAt);
    return { ...(startedAt === undefined ? {} : { startedAt }), ...(finishedAt === undefined ? {} : { finishedAt }) };
}

export function parseInspect(kind: "container" | "volume", text: string): DockerObject[] {
    const parsed = JSON.parse(text) as unknown;
    if (!Array.isArray(parsed)) {
        return [];
    }
    const out: DockerObject[] = [];
    for (const item of parsed as Record<string, unknown>[]) {
        const config = kind === "container" ? (item.Config as Record<string, unknown> | undefined) : item;
        const labels = stringRecord(config?.Labels);
        const state = kind === "container" ? (item.State as Record<string, unknown> | undefined) : undefined;
        const id = kind === "container" ? item.Id : item.Name;
        const project = labels[COMPOSE_PROJECT_LABEL];
        if (typeof id !== "string" || project === undefined) {
            continue;
        }
        const health = (state?.Health as { Status?: unknown } | undefined)?.Status;
        const image = kind === "container" ? config?.Image : undefined;
        out.push({
            kind,
            id,
            project,
            labels,
            ...(typeof state?.Status === "string" ? { state: state.Status } : {}),
            ...(typeof health === "string" ? { health } : {}),
            ...(typeof image === "string" && image.length <= 512 ? { image } : {}),
            ...(Number.isInteger(state?.ExitCode) ? { lastExit: state?.ExitCode as number } : {}),
            ...times(state),
            ...(labels["com.docker.compose.service"] === undefined ? {} : { service: labels["com.docker.compose.service"] }),
        });
    }
    return out;
}
