/**
 * What AWS answers a snapshot on ECS, parsed strictly (automation/environments/ecsSnapshot.ts):
 * the stack's `ecs.snapshot` output, the database task's EBS attachment, the one-off task's end.
 * Shapes as the ECS API reference documents them (Attachment, Task, Container).
 */
import type { Task } from "@aws-sdk/client-ecs";
import { SNAPSHOT_CONTAINERS } from "../../rules/ecsSnapshot";
import { terminalLines } from "../../rules/terminal";
import { OperationError } from "../errors";

/** The `startedBy` of every snapshot task. */
export const SNAPSHOT_STARTED_BY = "vnv-snapshot";

/** Where a snapshot runs, as the stack's `ecs.snapshot` output says. */
export interface SnapshotPlacement {
    readonly taskDefinition: string;
    readonly bucket: string;
    readonly volumeRole: string;
    readonly volumeSizeInGb: number;
    readonly subnets: readonly string[];
    readonly securityGroups: readonly string[];
    readonly assignPublicIp: boolean;
}

const TASK_DEFINITION = /^arn:aws[a-z-]*:ecs:[a-z0-9-]{1,30}:\d{12}:task-definition\/[A-Za-z0-9_-]{1,255}:\d{1,9}$/;
const ROLE = /^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_/-]{1,512}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const SUBNET = /^subnet-[0-9a-f]{8,17}$/;
const GROUP = /^sg-[0-9a-f]{8,17}$/;
const VOLUME = /^vol-[0-9a-f]{8,17}$/;

/** The `ecs.snapshot` output, or undefined when the stack has none (no dataset, or made before snapshots). */
export function snapshotPlacement(stack: string, ecs: unknown): SnapshotPlacement | undefined {
    const s = typeof ecs === "object" && ecs !== null ? (ecs as Record<string, unknown>).snapshot : undefined;
    if (s === undefined) {
        return undefined;
    }
    const refuse = (why: string) => new OperationError(`${stack}'s ecs.snapshot output is not one vnv reads (${why}); \`vnv env up\` again writes it`);
    if (typeof s !== "object" || s === null || Array.isArray(s)) {
        throw refuse("not an object");
    }
    const o = s as Record<string, unknown>;
    const strings = (v: unknown, re: RegExp) =>
        Array.isArray(v) && v.length >= 1 && v.length <= 16 && v.every((x) => typeof x === "string" && re.test(x)) ? (v as string[]) : undefined;
    const subnets = strings(o.subnets, SUBNET);
    const securityGroups = strings(o.securityGroups, GROUP);
    const checks: [boolean, string][] = [
        [typeof o.taskDefinition === "string" && TASK_DEFINITION.test(o.taskDefinition), "taskDefinition is not a task definition ARN"],
        [typeof o.bucket === "string" && BUCKET.test(o.bucket), "bucket is not a bucket name"],
        [typeof o.volumeRole === "string" && ROLE.test(o.volumeRole), "volumeRole is not a role ARN"],
        [Number.isInteger(o.volumeSizeInGb) && (o.volumeSizeInGb as number) >= 1 && (o.volumeSizeInGb as number) <= 16384, "volumeSizeInGb is not 1–16384"],
        [subnets !== undefined, "subnets are not 1–16 subnet ids"],
        [securityGroups !== undefined, "securityGroups are not 1–16 security group ids"],
        [typeof o.assignPublicIp === "boolean", "assignPublicIp is not true or false"],
    ];
    const failed = checks.find(([ok]) => !ok);
    if (failed !== undefined) {
        throw refuse(failed[1]);
    }
    return {
        taskDefinition: o.taskDefinition as string,
        bucket: o.bucket as string,
        volumeRole: o.volumeRole as string,
        volumeSizeInGb: o.volumeSizeInGb as number,
        subnets: subnets!,
        securityGroups: securityGroups!,
        assignPublicIp: o.assignPublicIp as boolean,
    };
}

/** The EBS volume ECS attached to a task (DescribeTasks: an `AmazonElasticBlockStorage` attachment's `volumeId`). */
export function dataVolumeOf(task: Pick<Task, "attachments" | "taskArn">): string {
    const ebs = (task.attachments ?? []).filter((a) => a.type === "AmazonElasticBlockStorage");
    const ids = ebs.flatMap((a) => (a.details ?? []).filter((d) => d.name === "volumeId").map((d) => d.value ?? ""));
    if (ids.length !== 1 || !VOLUME.test(ids[0]!)) {
        throw new OperationError(
            `the database's task ${terminalLines(String(task.taskArn ?? "?").slice(0, 200))} has ${ids.length === 0 ? "no EBS volume" : "no single EBS volume id vnv reads"}: it was started before its data moved to EBS, and its data cannot be read by another task. \`vnv env up\` again moves it there, but starts its database again from its dataset (what was written since it was loaded is lost): snapshot once the data you want is in it again`,
        );
    }
    return ids[0]!;
}

/** Whether the one-off task did its work: stopped, the dump and the upload both exited 0. */
export function taskVerdict(task: Pick<Task, "lastStatus" | "containers" | "stoppedReason" | "stopCode">): { ok: true } | { ok: false; why: string } {
    if (task.lastStatus !== "STOPPED") {
        return { ok: false, why: `it is ${terminalLines(String(task.lastStatus ?? "in no known state").slice(0, 40))}` };
    }
    const said = (c: string) => {
        const found = (task.containers ?? []).find((x) => x.name === c);
        return found?.exitCode === 0
            ? undefined
            : `${c} ${found?.exitCode === undefined ? "never ran to an end" : `exited ${found.exitCode}`}${found?.reason ? ` (${terminalLines(found.reason.slice(0, 300))})` : ""}`;
    };
    const failed = [said(SNAPSHOT_CONTAINERS.dump), said(SNAPSHOT_CONTAINERS.upload)].filter((x) => x !== undefined);
    if (failed.length === 0) {
        return { ok: true };
    }
    const reason = task.stoppedReason ? `; ECS: ${terminalLines(task.stoppedReason.slice(0, 300))}` : "";
    return { ok: false, why: `${failed.join(", ")}${reason}` };
}

/**
 * Whether the database's dataset was loaded, from its running task as ECS describes it: the
 * loader container exited 0 (`loaded`), exited otherwise (`failed`), has not exited yet
 * (`loading`). No running task, or several (a deployment), is `unknown`, said.
 */
export function loaderState(
    tasks: readonly Pick<Task, "lastStatus" | "containers" | "taskArn">[],
    loader: string,
): { state: "loaded" | "loading" | "failed" | "unknown"; detail?: string } {
    const running = tasks.filter((t) => t.lastStatus === "RUNNING" || t.lastStatus === "PENDING" || t.lastStatus === "ACTIVATING");
    if (running.length !== 1) {
        return { state: "unknown", detail: `the database has ${running.length} running task(s), not one` };
    }
    const task = running[0]!;
    const c = (task.containers ?? []).find((x) => x.name === loader);
    const id = terminalLines(
        String(task.taskArn ?? "?")
            .split("/")
            .pop()!
            .slice(0, 64),
    );
    if (c === undefined) {
        return { state: "unknown", detail: `task ${id} has no ${loader} container` };
    }
    if (c.exitCode === undefined) {
        return { state: "loading", detail: `task ${id}: ${loader} ${terminalLines(String(c.lastStatus ?? "?").slice(0, 40))}` };
    }
    return c.exitCode === 0
        ? { state: "loaded", detail: `task ${id}` }
        : { state: "failed", detail: `task ${id}: ${loader} exited ${c.exitCode}${c.reason ? ` (${terminalLines(c.reason.slice(0, 300))})` : ""}` };
}
