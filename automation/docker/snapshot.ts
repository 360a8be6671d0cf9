/**
 * `vnv env snapshot <version> --on docker`: the environment's database captured as a new dataset.
 *
 * The database is stopped (a consistent copy: `neo4j-admin database dump` wants it stopped),
 * its dataset image runs once with `dump` over the data volume (read-only root, no network, the
 * dump into a volume of its own), the dump is copied out (`docker cp`, so a remote engine works
 * too) and becomes one layer on top of the dataset image, replacing its `/dataset` whole
 * (registry/snapshotLayer.ts), pushed beside it under a new tag (registry/appendLayer.ts). The
 * database is started again whatever happens. The tag is checked free first: a dataset tag is
 * never overwritten.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DumpRefusedError, snapshotLayer } from "../../registry/snapshotLayer";
import { dataVolumeName } from "../../rules/compose";
import { DATABASE_DATA_PATH } from "../../rules/database";
import { DATASET_VARIABLES, datasetEnvironment, DUMP_PATH, type PinnedDataset, snapshotTag } from "../../rules/datasets";
import { terminalLines } from "../../rules/terminal";
import type { Version } from "../../rules/versions";
import { StepClock } from "../environments/runtime";
import type { AuditDraft } from "../history/auditing";
import { OperationError, UsageError } from "../errors";
import { pushSnapshot, refuseTaken, type SnapshotResult } from "../release/snapshotPush";
import { keptDataset } from "./dataset";
import type { DockerEngine, DockerObject } from "./engine";
import { type DockerEnvironment, type DockerEnvironments, historyName } from "./target";

/** The label of a dump's container (so one left by a killed vnv can be found: `docker ps -a --filter label=…`). */
export const DUMP_CONTAINER_LABEL = "be.infrasoft.vnv.snapshot-of";
/** How long a dump may take, and how long the database may take to be back. */
const DUMP_TIMEOUT_MS = 60 * 60_000;
const RESTART_TIMEOUT_MS = 180_000;

export type { SnapshotResult } from "../release/snapshotPush";

/** Snapshots `version`'s environment as `tag` (default: `<stack>.<UTC time>`); the history records it. */
export async function snapshot(target: DockerEnvironments, version: Version, options: { as?: string }): Promise<SnapshotResult> {
    const steps = new StepClock();
    const plan = await planSnapshot(target, version, options, steps);
    const draft: AuditDraft = { action: "snapshot", environment: historyName(plan.env.stack), version: version.canonical, digests: {} };
    return target.audited(draft, async (d) => {
        const result = await capture(target, plan, steps);
        d.digests = { snapshot: result.dataset.digest };
        return result;
    });
}

/** What a snapshot reads and writes, checked before anything stops. */
interface SnapshotPlan {
    readonly env: DockerEnvironment;
    readonly version: Version;
    readonly database: string;
    readonly from: PinnedDataset;
    readonly tag: string;
    readonly now: Date;
    /** Throws when the tag has been taken meanwhile. */
    readonly free: () => Promise<void>;
    readonly container: DockerObject;
    readonly volume: DockerObject;
}

async function planSnapshot(target: DockerEnvironments, version: Version, options: { as?: string }, steps: StepClock): Promise<SnapshotPlan> {
    const found = await target.found(version);
    const db = target.settingsFor(version).database;
    if (db === undefined) {
        throw new UsageError(`${found.env.stack} runs no database of its own (dev's vnv:ephemeral.database): there is nothing to snapshot`);
    }
    const from = keptDataset(found.env);
    if (from === undefined) {
        throw new UsageError(
            `${found.env.stack} was made without a dataset: a snapshot is made by a dataset image's own \`dump\`; make the environment with \`--dataset <version>\` first`,
        );
    }
    const now = target.cfg.clock();
    const tag = options.as ?? snapshotTag(found.env.stack, now);
    const free = () => refuseTaken(target.cfg.registry, from.image, tag, options.as !== undefined);
    await steps.time("tag free", free);
    const { container, volume } = databaseObjects(found.env, db.name, version);
    return { env: found.env, version, database: db.name, from, tag, now, free, container, volume };
}

/** Dumps with the database stopped, then pushes the dump as one layer on the environment's dataset image. */
async function capture(target: DockerEnvironments, plan: SnapshotPlan, steps: StepClock): Promise<SnapshotResult> {
    const { engine, registry, log } = target.cfg;
    const { env, version, from, tag, now } = plan;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-snapshot-"));
    try {
        const layer = await dumpLayer(engine, { from, volume: plan.volume.id, project: env.project, dir, log }, (run) =>
            withDatabaseStopped(engine, plan.container, plan.database, log, steps, () => run().then(() => steps.lap("dump"))),
        );
        steps.lap("copy out");
        log(`${env.stack}: ${layer.files} file(s), ${layer.bytes} bytes dumped; pushing ${from.image}:${tag}`);
        const pushed = await steps.time("push", () =>
            pushSnapshot(registry, {
                from,
                tag,
                layer,
                source: `vnv env snapshot of ${historyName(env.stack)} (${version.canonical})`,
                createdBy: `vnv env snapshot ${version.canonical}`,
                now,
                free: plan.free,
            }),
        );
        return {
            stack: env.stack,
            version: version.canonical,
            dataset: pushed.dataset,
            reference: pushed.reference,
            from,
            files: layer.files,
            bytes: layer.bytes,
            size: pushed.size,
            steps: steps.laps,
        };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** The database's container and data volume, in a state a consistent dump can be taken from. */
function databaseObjects(env: DockerEnvironment, name: string, version: Version): { container: DockerObject; volume: DockerObject } {
    const container = env.objects.find((o) => o.kind === "container" && o.service === name);
    const volume = env.objects.find((o) => o.kind === "volume" && o.labels["com.docker.compose.volume"] === dataVolumeName(name));
    if (container === undefined || volume === undefined) {
        throw new OperationError(`${env.stack}: its ${name} container or data volume is gone; \`vnv env up ${version.canonical} --on docker\` first`);
    }
    if (!["running", "exited", "created"].includes(container.state ?? "")) {
        // Restarting (a crash loop) or paused: a dump now would not be a consistent copy.
        throw new OperationError(
            `${env.stack}: its ${name} container is ${container.state ?? "in no known state"}; a snapshot is taken of a database that runs or is stopped`,
        );
    }
    return { container, volume };
}

/** Runs `work` with the database stopped, then starts it again and waits until it is running (healthy, when it has a check). */
async function withDatabaseStopped<T>(
    engine: DockerEngine,
    container: DockerObject,
    name: string,
    log: (line: string) => void,
    steps: StepClock,
    work: () => Promise<T>,
): Promise<T> {
    const running = container.state === "running";
    try {
        if (running) {
            log(`stopping ${name} for a consistent dump (its clients wait until it is back)`);
            await steps.time("stop database", () => docker(engine, ["stop", "--time", "60", container.id], 120_000));
        }
        return await work();
    } finally {
        if (running) {
            await steps.time("start database", () => restart(engine, container.id, name, log));
        }
    }
}

async function restart(engine: DockerEngine, id: string, name: string, log: (line: string) => void): Promise<void> {
    await docker(engine, ["start", id], 60_000);
    const deadline = Date.now() + RESTART_TIMEOUT_MS;
    for (;;) {
        const r = await docker(
            engine,
            ["inspect", "--type", "container", "--format", "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}", id],
            30_000,
        );
        const [state, health] = r.trim().split(" ");
        if (state === "running" && (health === undefined || health === "healthy")) {
            log(`${name} is back`);
            return;
        }
        if (Date.now() > deadline || state === "exited") {
            throw new OperationError(`${name} did not come back after the dump (${terminalLines(r.trim().slice(0, 100))}): \`docker logs ${id.slice(0, 12)}\``);
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
    }
}

/**
 * The dataset image's `dump` over the data volume, run inside `stopped` (the database stopped
 * only while it runs), then copied out as a layer in `dir`. The container gets nothing it does not
 * need: no network, a read-only root, no capabilities, no new privileges, a bounded process count.
 */
async function dumpLayer(
    engine: DockerEngine,
    o: { from: PinnedDataset; volume: string; project: string; dir: string; log: (line: string) => void },
    stopped: (run: () => Promise<void>) => Promise<void>,
): Promise<Awaited<ReturnType<typeof snapshotLayer>>> {
    const env = [...datasetEnvironment(o.from, DATABASE_DATA_PATH), { name: DATASET_VARIABLES.dumpPath, value: DUMP_PATH }];
    const confined = ["--read-only", "--network", "none", "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--pids-limit", "256"];
    const created = await docker(
        engine,
        [
            "create",
            ...confined,
            "--label",
            `${DUMP_CONTAINER_LABEL}=${o.project}`,
            "--volume",
            `${o.volume}:${DATABASE_DATA_PATH}`,
            "--volume",
            DUMP_PATH,
            ...env.flatMap((e) => ["--env", `${e.name}=${e.value}`]),
            `${o.from.image}@${o.from.digest}`,
            "dump",
        ],
        120_000,
    );
    const id = created.trim().split("\n").pop() ?? "";
    if (!/^[0-9a-f]{64}$/.test(id)) {
        throw new OperationError(`docker create answered no container id: ${terminalLines(created.slice(0, 300))}`);
    }
    try {
        await stopped(async () => {
            o.log(`dumping with ${o.from.image}:${o.from.tag}`);
            const ran = await engine.run("docker", ["start", "--attach", id], { timeoutMs: DUMP_TIMEOUT_MS });
            if (ran.code !== 0) {
                const said = terminalLines(`${ran.stdout}\n${ran.stderr}`.trim().split("\n").slice(-5).join("\n").slice(0, 2000));
                throw new OperationError(`the dataset image's dump exited ${ran.code}; nothing was pushed. It said:\n${said}`);
            }
        });
        return await copyOut(engine, id, path.join(o.dir, "layer.tar.gz"));
    } finally {
        await engine.run("docker", ["rm", "--force", "--volumes", id], { timeoutMs: 60_000 });
    }
}

/** `docker cp <id>:/vnv-dump -` streamed into the layer (never held whole). */
async function copyOut(engine: DockerEngine, id: string, file: string) {
    const child = spawn("docker", ["cp", `${id}:${DUMP_PATH}`, "-"], { env: engine.env, stdio: ["ignore", "pipe", "pipe"] });
    const timer = setTimeout(() => child.kill("SIGKILL"), DUMP_TIMEOUT_MS);
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => {
        stderr = (stderr + c.toString("utf8")).slice(-2000);
    });
    const exited = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? 128)));
    try {
        const layer = await snapshotLayer(child.stdout, file);
        const code = await exited;
        if (code !== 0) {
            throw new OperationError(`docker cp of the dump failed (exit ${code}): ${terminalLines(stderr.trim())}`);
        }
        return layer;
    } catch (e) {
        child.kill("SIGKILL");
        throw e instanceof DumpRefusedError ? new OperationError(`${e.message}; nothing was pushed`) : e;
    } finally {
        clearTimeout(timer);
    }
}

/** `docker args`: its output, or an OperationError with its last words. */
async function docker(engine: DockerEngine, args: readonly string[], timeoutMs: number): Promise<string> {
    const r = await engine.run("docker", args, { timeoutMs });
    if (r.code !== 0) {
        throw new OperationError(`docker ${args[0]} failed (exit ${r.code}): ${terminalLines(r.stderr.trim().split("\n").slice(-3).join("\n"))}`);
    }
    return r.stdout;
}
