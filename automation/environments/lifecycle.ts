/** An environment after its creation: its health now, a new expiry, taking it down. */
import type { Stack } from "@pulumi/pulumi/automation";
import { loaderName, parseDatasetReference } from "../../rules/datasets";
import { type EnvironmentMeta, TAG } from "../../rules/metadata";
import { stackName as versionStack } from "../../rules/naming";
import { terminalLines } from "../../rules/terminal";
import { formatDuration } from "../../rules/ttl";
import type { Version } from "../../rules/versions";
import { EnvironmentNotFoundError, UsageError } from "../errors";
import type { Ttl } from "../inputs";
import { releaseDataVolumes } from "./dataVolumes";
import { loaderState } from "./ecsSnapshotAnswers";
import { ecsPlacement } from "./exec";
import { checkOnce, healthTargets } from "./health";
import type { Runtime } from "./runtime";
import { liveSleep } from "./sleep";
import type { DatasetStatus, DownResult, StatusResult } from "./types";

/** The stack of `version`'s environment, or EnvironmentNotFoundError. */
export async function environmentStack(rt: Runtime, version: Version): Promise<Stack> {
    const name = versionStack(version);
    const stack = await rt.store.select(name);
    if (stack === undefined) {
        throw new EnvironmentNotFoundError(name);
    }
    return stack;
}

/** The health of `version`'s environment now: one round of probes through its URL. */
export async function statusOf(rt: Runtime, version: Version): Promise<StatusResult> {
    const stack = await environmentStack(rt, version);
    const meta = await rt.metaOf(stack);
    const settings = rt.settingsFor(version, meta.slot);
    const base = rt.cfg.health?.base(settings.hostname) ?? `https://${settings.hostname}`;
    const { targets, notReachable } = healthTargets(settings.services, base);
    const outputs = await rt.store.outputs(stack.name);
    const sleep = await liveSleep(rt, stack.name, outputs);
    // Asleep, its services answer nothing: that is no failure, and not probed.
    const health =
        sleep?.state === "asleep" ? { healthy: true, services: [], notReachable, elapsedMs: 0 } : await checkOnce(targets, notReachable, rt.cfg.health?.wait);
    const dataset = typeof outputs?.dataset === "string" ? parseDatasetReference(outputs.dataset) : undefined;
    return {
        stack: stack.name,
        version: version.canonical,
        url: `https://${settings.hostname}`,
        expiresAt: meta.expiresAt.toISOString(),
        health,
        ...(sleep === undefined ? {} : { sleep }),
        // Whether its loader exited 0 is ECS's to tell: the database's running task.
        ...(dataset === undefined ? {} : { dataset: { ...dataset, ...(await datasetLoaded(rt, stack.name, outputs ?? {}, settings.database?.name)) } }),
    };
}

/** Whether the database's loader exited 0, as ECS says (unknown, said, when ECS cannot be asked). */
async function datasetLoaded(
    rt: Runtime,
    name: string,
    outputs: Readonly<Record<string, unknown>>,
    database: string | undefined,
): Promise<{ state: DatasetStatus["state"]; detail?: string }> {
    const unknown = (detail: string) => ({ state: "unknown" as const, detail });
    if (rt.cfg.snapshots === undefined || database === undefined) {
        return unknown("ECS keeps its loader's exit code: `aws ecs describe-tasks`");
    }
    try {
        const placement = ecsPlacement(name, outputs);
        const service = placement.services[database];
        if (service === undefined) {
            return unknown(`the stack names no ECS service for ${database}`);
        }
        const { ecs } = rt.cfg.snapshots(placement.region);
        const { ListTasksCommand, DescribeTasksCommand } = require("@aws-sdk/client-ecs") as typeof import("@aws-sdk/client-ecs");
        const listed = await ecs.send(new ListTasksCommand({ cluster: placement.cluster, serviceName: service, desiredStatus: "RUNNING", maxResults: 10 }));
        const arns = (listed.taskArns ?? []).slice(0, 10);
        const tasks = arns.length === 0 ? [] : ((await ecs.send(new DescribeTasksCommand({ cluster: placement.cluster, tasks: arns }))).tasks ?? []);
        return loaderState(tasks, loaderName(database));
    } catch (e) {
        return unknown(`ECS could not be asked: ${terminalLines(String((e as Error).message ?? e).slice(0, 200))}`);
    }
}

/** Sets the expiry to creation + `ttl`; refused (nothing changed) when that is already past. */
export async function setExpiry(rt: Runtime, stack: Stack, meta: EnvironmentMeta, ttl: Ttl): Promise<EnvironmentMeta> {
    const expiresAt = new Date(meta.createdAt.getTime() + ttl.ms);
    const now = rt.clock();
    if (expiresAt.getTime() <= now.getTime()) {
        const needed = formatDuration(now.getTime() - meta.createdAt.getTime());
        throw new UsageError(
            `--ttl ${ttl.text} counts from the creation of ${stack.name} (${meta.createdAt.toISOString()}) and ends ${expiresAt.toISOString()}, which is past: ` +
                `a TTL longer than ${needed} is needed (at most ${formatDuration(rt.cfg.ttl.maxMs)}); nothing was changed`,
        );
    }
    await stack.setTag(TAG.expiresAt, expiresAt.toISOString());
    return { ...meta, expiresAt };
}

/** A new expiry for `version`'s environment; one that has expired already only with `revive`. */
export async function extendEnvironment(rt: Runtime, version: Version, ttl: Ttl, revive: boolean, keep?: string): Promise<EnvironmentMeta> {
    const stack = await environmentStack(rt, version);
    const current = await rt.metaOf(stack);
    if (!revive && current.expiresAt.getTime() <= rt.clock().getTime()) {
        throw new UsageError(
            `${stack.name} expired at ${current.expiresAt.toISOString()} and the reaper may be collecting it: nothing was changed. ` +
                `To bring it back, run \`vnv env extend ${version.canonical} --ttl ${ttl.text} --revive\` (or \`vnv env up ${version.canonical}\` after it is gone)`,
        );
    }
    // The reason first when keeping, last when dropping it: the tags are valid at every step.
    if (keep !== undefined) {
        await stack.setTag(TAG.keep, keep);
    }
    const meta = await setExpiry(rt, stack, { ...current, ...(keep === undefined ? {} : { keep }) }, ttl);
    await stack.setTag(TAG.extendedAt, rt.clock().toISOString());
    if (keep === undefined && current.keep !== undefined) {
        await stack.removeTag(TAG.keep);
    }
    rt.log(
        `${stack.name}: expires ${meta.expiresAt.toISOString()} (${formatDuration(meta.expiresAt.getTime() - rt.clock().getTime())} left)${keep === undefined ? "" : `, kept: ${keep}`}`,
    );
    const { keep: _dropped, ...rest } = meta;
    return keep === undefined ? rest : meta;
}

/** Destroys `version`'s environment, removes its stack, brings the redirect list in line, announces. */
export async function downEnvironment(rt: Runtime, version: Version): Promise<DownResult> {
    const stack = await environmentStack(rt, version);
    await rt.metaOf(stack);
    await destroyStack(rt, stack);
    const auth = rt.authOwner === undefined ? undefined : await rt.authOwner.outcome();
    await rt.announce({ kind: "destroyed", version: version.canonical, by: "down" });
    return { stack: stack.name, ...(auth === undefined ? {} : { auth }) };
}

/** Destroys the stack's resources under its lock (after recovering a killed run), then removes it. */
export async function destroyStack(rt: Runtime, stack: Stack): Promise<void> {
    await rt.locks.recover(stack);
    await releaseDataVolumes(rt, stack.name);
    rt.log(`${stack.name}: destroying`);
    await rt.locks.run(stack, "destroy", () => rt.store.destroyAndRemove(stack, rt.cfg.engineOutput));
    rt.log(`${stack.name}: destroyed and removed`);
}
