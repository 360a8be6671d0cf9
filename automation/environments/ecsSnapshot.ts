/**
 * `vnv env snapshot <version>` on ECS (rules/ecsSnapshot.ts): the running database's EBS volume
 * snapshotted, a one-off task dumping a volume made from that snapshot into the environment's
 * private bucket, the dump read back as one layer on the dataset image and pushed under a new
 * tag. The database never stops. What AWS answers is hostile: the stack's outputs, task and
 * attachment shapes, object names and sizes are parsed strictly and bounded.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { ECSClient, Task } from "@aws-sdk/client-ecs";
import type { S3Client } from "@aws-sdk/client-s3";
import type { RegistryClient } from "../../registry/client";
import { type PinnedDataset, parseDatasetReference, snapshotTag } from "../../rules/datasets";
import { dumpPrefix, SNAPSHOT_CONTAINERS } from "../../rules/ecsSnapshot";
import { stackName } from "../../rules/naming";
import { terminalLines } from "../../rules/terminal";
import { parseVersion, type Version } from "../../rules/versions";
import { EnvironmentNotFoundError, OperationError, UsageError } from "../errors";
import { pushSnapshot, refuseTaken, type SnapshotResult } from "../release/snapshotPush";
import { dumpFromBucket, removeDump } from "./ecsSnapshotDump";
import { dataVolumeOf, type SnapshotPlacement, snapshotPlacement, taskVerdict } from "./ecsSnapshotAnswers";
import { poll, runTaskInput, snapshotVolume, type Waiting } from "./ecsSnapshotSteps";
import { ecsPlacement } from "./exec";
import { type Runtime, StepClock } from "./runtime";

/** The AWS clients a snapshot uses, in the cluster's region. */
export interface SnapshotClients {
    readonly ecs: ECSClient;
    readonly ec2: EC2Client;
    readonly s3: S3Client;
}

export interface EcsSnapshotOptions {
    readonly as?: string;
    readonly registry: RegistryClient;
    /** How often AWS is asked, and for how long at most (ms). @default 10 s; 60 min per wait */
    readonly pollMs?: number;
    readonly timeoutMs?: number;
}

export interface EcsSnapshotResult extends SnapshotResult {
    /** The EBS snapshot and the one-off task it went through (both gone once it is pushed). */
    readonly volumeSnapshot: string;
    readonly task: string;
}

/** Snapshots `version`'s environment on ECS as `as` (default `<stack>.<UTC time>`); the history records it. */
export async function snapshotOnEcs(rt: Runtime, version: Version, o: EcsSnapshotOptions): Promise<EcsSnapshotResult> {
    const steps = new StepClock();
    const { name, placement, where, from, service } = await planSnapshot(rt, version);
    const tag = o.as ?? snapshotTag(name, rt.clock());
    const free = () => refuseTaken(o.registry, from.image, tag, o.as !== undefined);
    await steps.time("tag free", free);
    if (rt.cfg.snapshots === undefined) {
        throw new OperationError("this vnv has no ECS, EC2 and S3 clients configured: a snapshot on ECS acts on AWS");
    }
    const clients = rt.cfg.snapshots(placement.region);
    const draft = { action: "snapshot" as const, environment: name, version: version.canonical, digests: {} };
    const run = {
        rt,
        environment: name,
        clients,
        cluster: placement.cluster,
        where,
        from,
        tag,
        steps,
        pollMs: o.pollMs ?? 10_000,
        timeoutMs: o.timeoutMs ?? 60 * 60_000,
    };
    return rt.leases.hold(name, "snapshot", () =>
        rt.audited(draft, async (d) => {
            const captured = await capture(run, service);
            const source = `vnv env snapshot of ${name} (${version.canonical})`;
            const pushed = await steps
                .time("push", () =>
                    pushSnapshot(o.registry, {
                        from,
                        tag,
                        layer: captured.layer,
                        source,
                        createdBy: `vnv env snapshot ${version.canonical}`,
                        now: rt.clock(),
                        free,
                    }),
                )
                .finally(captured.cleanup);
            d.digests = { snapshot: pushed.dataset.digest };
            const { layer, volumeSnapshot, task } = captured;
            return {
                stack: name,
                version: version.canonical,
                ...pushed,
                from,
                files: layer.files,
                bytes: layer.bytes,
                volumeSnapshot,
                task,
                steps: steps.laps,
            };
        }),
    );
}

/** What a snapshot of `version`'s environment acts on, read from its stack; a usage error when it cannot be snapshotted on ECS. */
async function planSnapshot(rt: Runtime, version: Version) {
    const name = stackName(version);
    const stack = await rt.store.select(name);
    if (stack === undefined) {
        throw new EnvironmentNotFoundError(name);
    }
    const meta = await rt.metaOf(stack);
    const outputs = (await rt.store.outputs(name)) ?? {};
    const placement = ecsPlacement(name, outputs);
    const where = snapshotPlacement(name, outputs.ecs);
    const from = typeof outputs.dataset === "string" ? parseDatasetReference(outputs.dataset.slice(0, 600)) : undefined;
    const database = rt.settingsFor(parseVersion(meta.version), meta.slot).database?.name;
    const service = database === undefined ? undefined : placement.services[database];
    if (where === undefined || from === undefined || service === undefined) {
        throw new UsageError(
            `${name} cannot be snapshotted on ECS: ${from === undefined ? "it was made without a dataset (`vnv env up <version> --dataset <name>` first)" : "its stack predates snapshots on ECS (its data is not on EBS). `vnv env up` again moves it there, but starts its database again from its dataset (what was written since it was loaded is lost): snapshot once the data you want is in it again"}`,
        );
    }
    return { name, placement, where, from, service };
}

interface Run {
    readonly rt: Runtime;
    readonly environment: string;
    readonly clients: SnapshotClients;
    readonly cluster: string;
    readonly where: SnapshotPlacement;
    readonly from: PinnedDataset;
    readonly tag: string;
    readonly steps: StepClock;
    readonly pollMs: number;
    readonly timeoutMs: number;
}

/** EBS snapshot, one-off dump task, the dump read back as a layer; `cleanup` removes the snapshot, the objects and the layer's file. */
async function capture(run: Run, service: string) {
    const { rt, clients, steps } = run;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-snapshot-"));
    const prefix = dumpPrefix(run.tag);
    let volumeSnapshot: string | undefined;
    let dumping = false;
    let task: string | undefined;
    let ended = false;
    // Only what was made is removed: a task still running is stopped first (it would write after the
    // cleanup, and hold a volume), the objects once a task may have written them, the EBS snapshot once it exists.
    const cleanup = async () => {
        fs.rmSync(dir, { recursive: true, force: true });
        if (task !== undefined && !ended) {
            const { StopTaskCommand } = require("@aws-sdk/client-ecs") as typeof import("@aws-sdk/client-ecs");
            await clients.ecs
                .send(new StopTaskCommand({ cluster: run.cluster, task, reason: "vnv env snapshot gave up" }))
                .catch((e: unknown) => rt.log(`could not stop ${task}: ${String(e)}`));
        }
        if (dumping) {
            await removeDump(clients.s3, run.where.bucket, prefix).catch((e: unknown) =>
                rt.log(`could not remove s3://${run.where.bucket}/${prefix}: ${String(e)}`),
            );
        }
        if (volumeSnapshot !== undefined) {
            const { DeleteSnapshotCommand } = require("@aws-sdk/client-ec2") as typeof import("@aws-sdk/client-ec2");
            await clients.ec2
                .send(new DeleteSnapshotCommand({ SnapshotId: volumeSnapshot }))
                .catch((e: unknown) => rt.log(`could not delete ${volumeSnapshot}: ${String(e)}`));
        }
    };
    try {
        const volume = await steps.time("database volume", () => databaseVolume(run, service));
        const made = await steps.time("volume snapshot", () =>
            snapshotVolume(
                clients.ec2,
                volume,
                { project: rt.project, environment: run.environment, tag: run.tag },
                {
                    ...waitOf(run),
                    made: (id) => {
                        volumeSnapshot = id;
                    },
                },
            ),
        );
        dumping = true;
        const arn = await steps.time("dump task", () =>
            dumpTask(run, made, `s3://${run.where.bucket}/${prefix}`, (a) => {
                task = a;
            }),
        );
        ended = true;
        const layer = await steps.time("read dump", () => dumpFromBucket(clients.s3, run.where.bucket, prefix, path.join(dir, "layer.tar.gz")));
        rt.log(`${run.tag}: ${layer.files} file(s), ${layer.bytes} bytes dumped; pushing ${run.from.image}:${run.tag}`);
        return { layer, volumeSnapshot: made, task: arn, cleanup };
    } catch (e) {
        await cleanup();
        throw e;
    }
}

/** The database service's one running task's EBS volume. */
async function databaseVolume(run: Run, service: string): Promise<string> {
    const { ListTasksCommand, DescribeTasksCommand } = require("@aws-sdk/client-ecs") as typeof import("@aws-sdk/client-ecs");
    const listed = await run.clients.ecs.send(new ListTasksCommand({ cluster: run.cluster, serviceName: service, desiredStatus: "RUNNING", maxResults: 10 }));
    const arns = (listed.taskArns ?? []).slice(0, 10);
    const tasks = arns.length === 0 ? [] : ((await run.clients.ecs.send(new DescribeTasksCommand({ cluster: run.cluster, tasks: arns }))).tasks ?? []);
    const running = tasks.filter((t) => t.lastStatus === "RUNNING");
    if (running.length !== 1) {
        throw new OperationError(
            `${service} has ${running.length} running task(s), not one: a snapshot is taken of a database that runs alone (wait for its deployment to end, or \`vnv env up\` again)`,
        );
    }
    return dataVolumeOf(running[0]!);
}

function waitOf(run: Run): Waiting {
    return { pollMs: run.pollMs, timeoutMs: run.timeoutMs, log: run.rt.log };
}

/** Runs the snapshot task on a volume made from `snapshot`, to its end; its ARN once both containers exited 0. `started` is told its ARN at once. */
async function dumpTask(run: Run, snapshot: string, target: string, started: (arn: string) => void): Promise<string> {
    const { RunTaskCommand, DescribeTasksCommand } = require("@aws-sdk/client-ecs") as typeof import("@aws-sdk/client-ecs");
    const ran = await run.clients.ecs.send(new RunTaskCommand(runTaskInput({ ...run, project: run.rt.project }, snapshot, target)));
    const arn = ran.tasks?.[0]?.taskArn;
    if (arn !== undefined) {
        started(arn);
    }
    if (arn === undefined || (ran.failures ?? []).length > 0) {
        const why = (ran.failures ?? []).map((f) => `${f.reason ?? "?"} ${f.detail ?? ""}`.trim()).join("; ");
        throw new OperationError(`ECS did not start the snapshot task: ${terminalLines((why || "no task").slice(0, 500))}`);
    }
    let last: Task | undefined;
    await poll(waitOf(run), `snapshot task ${arn.split("/").pop()}`, async () => {
        last = (await run.clients.ecs.send(new DescribeTasksCommand({ cluster: run.cluster, tasks: [arn] }))).tasks?.[0];
        return last?.lastStatus === "STOPPED" ? true : terminalLines(String(last?.lastStatus ?? "?").slice(0, 40));
    });
    const verdict = taskVerdict(last ?? {});
    if (!verdict.ok) {
        throw new OperationError(
            `the snapshot task failed: ${verdict.why}; nothing was pushed (its log: the ${SNAPSHOT_CONTAINERS.dump} and ${SNAPSHOT_CONTAINERS.upload} streams of the environment's snapshot log group)`,
        );
    }
    return arn;
}
