/**
 * `vnv env sleep|wake`: an environment's services (not its database) to 0 tasks and back, on
 * demand. Each service that may sleep has an Application Auto Scaling target at its count
 * (components/serviceOperations.ts); sleeping sets its minimum and maximum to 0, waking back to
 * the count the stack's `ecs.sleep` output names, and Application Auto Scaling sets the ECS
 * service's desired count itself. The working hours' scheduled actions act on the same target:
 * a demand holds until their next change (rules/schedule.ts, sleepState). The last demand is the
 * stack's `vnv:sleep` tag, so `env ls` tells without asking AWS; `env status` asks AWS.
 *
 * Application Auto Scaling's answers are hostile input: read strictly, bounded.
 */
import type { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import { TAG } from "../../rules/metadata";
import { scalingResourceId } from "../../rules/alarms";
import type { Stack } from "@pulumi/pulumi/automation";
import { asleepAt, parseSleepDemand, type SleepState, sleepDemandTag, sleepState, type WorkingHours, wakeEnd } from "../../rules/schedule";
import { terminalText } from "../../rules/terminal";
import { tryParseVersion } from "../../rules/versions";
import { EnvironmentNotFoundError, OperationError, UsageError } from "../errors";
import { ecsPlacement } from "./exec";
import type { EcsPlacement } from "./exec";
import type { Runtime } from "./runtime";

const DIMENSION = "ecs:service:DesiredCount" as const;
/** DescribeScalableTargets takes at most 50 resource IDs (Application Auto Scaling API reference). */
const MAX_IDS = 50;

export interface SleepTarget {
    readonly service: string;
    /** `service/<cluster>/<ECS service>`. */
    readonly resourceId: string;
    /** The task count it wakes to. */
    readonly count: number;
}

/** The services of `stack` that may sleep; refused when there are none. */
export function sleepTargets(stack: string, placement: EcsPlacement): SleepTarget[] {
    const targets = Object.entries(placement.sleep)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([service, count]) => ({ service, resourceId: scalingResourceId(placement.cluster, placement.services[service]!), count }));
    if (targets.length === 0) {
        throw new OperationError(
            `${stack} has no service that may sleep: its stack was written by a vnv without sleep (\`vnv env up\` again, or \`vnv deploy dev\`, writes which services may)`,
        );
    }
    return targets;
}

/** The one-time scheduled action that ends a wake (`wakeEnd`); its name is unique per target (API reference: ScheduledActionName). */
export const WAKE_END_ACTION = "vnv-wake-end";

/**
 * `at(yyyy-mm-ddThh:mm:ss)`, read in UTC when no time zone is given: Application Auto Scaling's
 * one-time schedule (API reference, PutScheduledAction: Schedule; User Guide, "Create a
 * scheduled action that occurs only once").
 */
export function atSchedule(when: Date): string {
    return `at(${when.toISOString().slice(0, 19)})`;
}

/**
 * Sets every target's minimum and maximum to 0 (asleep) or to its count (awake), one by one, and
 * replaces the end of an earlier wake: none, or with `until` a one-time action back to 0 then.
 */
export async function applySleep(
    client: ApplicationAutoScalingClient,
    targets: readonly SleepTarget[],
    asleep: boolean,
    log: (line: string) => void,
    until?: Date,
): Promise<void> {
    const sdk = require("@aws-sdk/client-application-auto-scaling") as typeof import("@aws-sdk/client-application-auto-scaling");
    const send = (action: string, t: SleepTarget, call: Promise<unknown>): Promise<unknown> =>
        call.catch((e: unknown) => {
            throw awsFailure(action, t.resourceId, e);
        });
    for (const t of targets) {
        const count = asleep ? 0 : t.count;
        const where = { ServiceNamespace: "ecs" as const, ResourceId: t.resourceId, ScalableDimension: DIMENSION };
        await send("RegisterScalableTarget", t, client.send(new sdk.RegisterScalableTargetCommand({ ...where, MinCapacity: count, MaxCapacity: count })));
        await client.send(new sdk.DeleteScheduledActionCommand({ ...where, ScheduledActionName: WAKE_END_ACTION })).catch((e: unknown) => {
            if (!(e instanceof Error && e.name === "ObjectNotFoundException")) {
                throw awsFailure("DeleteScheduledAction", t.resourceId, e);
            }
        });
        if (until !== undefined && !asleep) {
            const action = {
                ...where,
                ScheduledActionName: WAKE_END_ACTION,
                Schedule: atSchedule(until),
                ScalableTargetAction: { MinCapacity: 0, MaxCapacity: 0 },
            };
            await send("PutScheduledAction", t, client.send(new sdk.PutScheduledActionCommand(action)));
        }
        log(`${t.service}: ${count} task(s)${until === undefined || asleep ? "" : ` until ${until.toISOString()}`}`);
    }
}

/** One service's target as Application Auto Scaling holds it now. */
export interface LiveTarget {
    readonly service: string;
    /** `asleep`: held at 0; `awake`: above 0; `missing`: no such target. */
    readonly state: "asleep" | "awake" | "missing";
    readonly min?: number;
    readonly max?: number;
}

/** The targets now, read from Application Auto Scaling (one call per 50 services). */
export async function liveTargets(client: ApplicationAutoScalingClient, targets: readonly SleepTarget[]): Promise<LiveTarget[]> {
    const { DescribeScalableTargetsCommand } = require("@aws-sdk/client-application-auto-scaling") as typeof import("@aws-sdk/client-application-auto-scaling");
    const found = new Map<string, { min: number; max: number }>();
    for (let i = 0; i < targets.length; i += MAX_IDS) {
        const ids = targets.slice(i, i + MAX_IDS).map((t) => t.resourceId);
        const answer = await client
            .send(new DescribeScalableTargetsCommand({ ServiceNamespace: "ecs", ScalableDimension: DIMENSION, ResourceIds: ids, MaxResults: MAX_IDS }))
            .catch((e: unknown) => {
                throw awsFailure("DescribeScalableTargets", ids[0]!, e);
            });
        for (const t of (answer.ScalableTargets ?? []).slice(0, MAX_IDS)) {
            const [min, max] = [t.MinCapacity, t.MaxCapacity];
            if (t.ScalableDimension === DIMENSION && typeof t.ResourceId === "string" && ids.includes(t.ResourceId) && isCount(min) && isCount(max)) {
                found.set(t.ResourceId, { min, max });
            }
        }
    }
    return targets.map((t) => {
        const now = found.get(t.resourceId);
        return now === undefined ? { service: t.service, state: "missing" } : { service: t.service, state: now.max === 0 ? "asleep" : "awake", ...now };
    });
}

function isCount(n: unknown): n is number {
    return Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 10_000;
}

function awsFailure(action: string, resourceId: string, e: unknown): OperationError {
    const name = e instanceof Error ? e.name : "Error";
    const message = e instanceof Error ? e.message : String(e);
    return new OperationError(
        `application-autoscaling:${action} on ${resourceId} failed: ${terminalText(name.slice(0, 80))}: ${terminalText(message.slice(0, 300))}`,
    );
}

export interface SleepResult {
    readonly stack: string;
    readonly asleep: boolean;
    readonly services: readonly { service: string; tasks: number }[];
    /** What `env ls` will say (the demand holds until the working hours' next change). */
    readonly state: SleepState;
}

/**
 * Puts `name`'s services to sleep or wakes them, holding the environment, recorded in the
 * history as `sleep` or `wake`, then tags the stack with the demand. prod is refused.
 */
export async function setSleep(rt: Runtime, name: string, asleep: boolean, hours: WorkingHours | undefined, forMs?: number): Promise<SleepResult> {
    if (name === "prod") {
        throw new UsageError("prod never sleeps: sleep and wake are for dev and ephemeral environments");
    }
    const stack = await rt.store.select(name);
    if (stack === undefined) {
        throw new EnvironmentNotFoundError(name);
    }
    const outputs = await rt.store.outputs(name);
    // Backend data: the history records dev's version only when it is one.
    const devVersion = typeof outputs?.version === "string" ? (tryParseVersion(outputs.version.slice(0, 128))?.canonical ?? "") : "";
    const version = name === "dev" ? devVersion : (await rt.metaOf(stack)).version;
    const placement = ecsPlacement(name, outputs ?? {});
    const targets = sleepTargets(name, placement);
    const client = scalingIn(rt, placement.region);
    const draft = { action: asleep ? ("sleep" as const) : ("wake" as const), environment: name, version, digests: {} };
    return rt.leases.hold(name, asleep ? "sleep" : "wake", () =>
        rt.audited(draft, async () => {
            rt.log(`${name}: ${asleep ? "putting its services to sleep" : "waking its services"} (${targets.map((t) => t.service).join(", ")})`);
            const at = rt.clock();
            const until = asleep ? undefined : wakeEnd(hours, at, forMs);
            await applySleep(client, targets, asleep, (line) => rt.log(`${name}: ${line}`), until);
            const demand = { asleep, at, ...(until === undefined ? {} : { until }) };
            await stack.setTag(TAG.sleep, sleepDemandTag(demand));
            return {
                stack: name,
                asleep,
                services: targets.map((t) => ({ service: t.service, tasks: asleep ? 0 : t.count })),
                state: sleepState(hours, demand, at),
            };
        }),
    );
}

/** Application Auto Scaling in `region`, or why vnv cannot reach it. */
function scalingIn(rt: Runtime, region: string): ApplicationAutoScalingClient {
    if (rt.cfg.scaling === undefined) {
        throw new OperationError("this vnv has no Application Auto Scaling client configured: sleep and wake act on AWS");
    }
    return rt.cfg.scaling(region);
}

/**
 * After `env up`'s update: a new environment runs (outside the working hours for a wake's
 * length, tagged so `env ls` tells the truth); a sleeping one is woken the same way. Whether it
 * is awake now.
 */
export async function wakeOnUp(rt: Runtime, stack: Stack, created: boolean, outputs: Readonly<Record<string, unknown>>): Promise<boolean> {
    const hours = rt.workingHours();
    const now = rt.clock();
    const until = wakeEnd(hours, now, undefined);
    const awakeTag = () => stack.setTag(TAG.sleep, sleepDemandTag({ asleep: false, at: now, ...(until === undefined ? {} : { until }) }));
    const wake = async () => {
        const placement = ecsPlacement(stack.name, outputs);
        await applySleep(rt.cfg.scaling!(placement.region), sleepTargets(stack.name, placement), false, (line) => rt.log(`${stack.name}: ${line}`), until);
    };
    if (created) {
        if (hours !== undefined && asleepAt(hours, now)) {
            // Created outside the hours: it runs for a wake's default length, then sleeps until they start
            // (left alone, it would run until their next end: all weekend when made on a Friday night).
            if (rt.cfg.scaling !== undefined && until !== undefined) {
                await wake();
            }
            await awakeTag();
        }
        return true;
    }
    const state = sleepState(hours, parseSleepDemand((await rt.store.tags(stack))[TAG.sleep]), now);
    if (!state.asleep) {
        return true;
    }
    if (rt.cfg.scaling === undefined) {
        rt.log(`${stack.name}: asleep (${state.by === "hours" ? "outside its working hours" : "by hand"}); \`vnv env wake\` wakes it`);
        return false;
    }
    rt.log(`${stack.name}: asleep (${state.by === "hours" ? "outside its working hours" : "by hand"}): waking it`);
    await wake();
    await awakeTag();
    return true;
}

/** What `env status` says of an environment's sleep, read from Application Auto Scaling now. */
export interface LiveSleep {
    /** `partly`: some services at 0, others not (a sleep or wake interrupted); `unknown`: AWS did not answer. */
    readonly state: "asleep" | "awake" | "partly" | "unknown";
    readonly services: readonly LiveTarget[];
    readonly detail?: string;
}

/** The environment's sleep now, or undefined when it has no service that may sleep or no client is configured. */
export async function liveSleep(rt: Runtime, name: string, outputs: Readonly<Record<string, unknown>> | undefined): Promise<LiveSleep | undefined> {
    let placement: EcsPlacement;
    let targets: SleepTarget[];
    try {
        placement = ecsPlacement(name, outputs ?? {});
        targets = sleepTargets(name, placement);
    } catch {
        return undefined; // a stack an older vnv wrote: nothing that sleeps
    }
    if (rt.cfg.scaling === undefined) {
        return undefined;
    }
    try {
        const services = await liveTargets(rt.cfg.scaling(placement.region), targets);
        const asleep = services.filter((s) => s.state === "asleep").length;
        const state = asleep === 0 ? "awake" : asleep === services.length ? "asleep" : "partly";
        return { state, services };
    } catch (e) {
        return { state: "unknown", services: [], detail: (e as Error).message };
    }
}
