/**
 * The inactivity rule (vnv:ephemeral.idleAfter): an environment nobody has sent a request to
 * through the load balancer for that many awake hours (its working hours' sleep does not count)
 * has its expiry brought forward to now + the expiry notice. The same reaper run then warns its
 * owner, with the way to extend it, and a later run reaps it when that time comes: the rule
 * reuses the expiry, it never destroys by itself. Kept environments (`--keep`), those about to
 * expire anyway and those younger than the window are left alone.
 *
 * Requests are CloudWatch's `AWS/ApplicationELB` `RequestCount` of the environment's target
 * groups (its stack's `requests` output), summed over the window. CloudWatch publishes no
 * datapoint for an hour without requests, so none is zero. Its answers are hostile input.
 */
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { type EnvironmentMeta, sameMeta, stackRole, TAG, type TagMap } from "../../rules/metadata";
import { awakeHoursBetween } from "../../rules/prices";
import type { WorkingHours } from "../../rules/schedule";
import { formatDuration } from "../../rules/ttl";
import { OperationError } from "../errors";
import { terminalText } from "../../rules/terminal";
import type { AuditDraft } from "../history/auditing";
import type { Runtime } from "./runtime";

export interface RequestDimensions {
    readonly loadBalancer: string;
    readonly targetGroup: string;
}

const LOAD_BALANCER = /^app\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/;
const TARGET_GROUP = /^targetgroup\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/;
/** An environment has a target group per public service: a few. */
const MAX_TARGET_GROUPS = 20;
/** How far back the window may reach: CloudWatch keeps hourly datapoints 63 days; a month is plenty. */
const MAX_WINDOW_MS = 30 * 86_400_000;

/** The stack's `requests` output, or undefined when it is absent or not what vnv writes. */
export function parseRequests(outputs: Readonly<Record<string, unknown>> | undefined): RequestDimensions[] | undefined {
    const list = outputs?.requests;
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_TARGET_GROUPS) {
        return undefined;
    }
    const dims = list.filter(
        (d): d is RequestDimensions =>
            typeof d === "object" && d !== null && LOAD_BALANCER.test(String(d.loadBalancer)) && TARGET_GROUP.test(String(d.targetGroup)),
    );
    return dims.length === list.length ? dims.map((d) => ({ loadBalancer: d.loadBalancer, targetGroup: d.targetGroup })) : undefined;
}

/**
 * Where a window of `idleMs` awake time ending at `now` starts: `now - idleMs` without working
 * hours, else as far back as it takes to hold that many awake hours (at most a month).
 */
export function idleWindowStart(hours: WorkingHours | undefined, now: Date, idleMs: number): Date {
    if (hours === undefined) {
        return new Date(now.getTime() - idleMs);
    }
    const wanted = idleMs / 3_600_000;
    const back = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
    // The fewest whole minutes back holding enough awake hours: awake hours only grow going back.
    let [lo, hi] = [Math.ceil(idleMs / 60_000), Math.floor(MAX_WINDOW_MS / 60_000)];
    if (awakeHoursBetween(hours, back(hi), now) < wanted) {
        return back(hi);
    }
    while (lo < hi) {
        const mid = Math.floor((lo + hi) / 2);
        if (awakeHoursBetween(hours, back(mid), now) >= wanted) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return back(lo);
}

/** The requests the target groups received between `start` and `end`: CloudWatch's hourly sums, added. */
export async function requestsBetween(client: CloudWatchClient, dims: readonly RequestDimensions[], start: Date, end: Date): Promise<number> {
    const { GetMetricStatisticsCommand } = require("@aws-sdk/client-cloudwatch") as typeof import("@aws-sdk/client-cloudwatch");
    let total = 0;
    for (const d of dims) {
        const answer = await client
            .send(
                new GetMetricStatisticsCommand({
                    Namespace: "AWS/ApplicationELB",
                    MetricName: "RequestCount",
                    Dimensions: [
                        { Name: "LoadBalancer", Value: d.loadBalancer },
                        { Name: "TargetGroup", Value: d.targetGroup },
                    ],
                    StartTime: start,
                    EndTime: end,
                    Period: 3600,
                    Statistics: ["Sum"],
                }),
            )
            .catch((e: unknown) => {
                throw new OperationError(
                    `cloudwatch:GetMetricStatistics of ${d.targetGroup} failed: ${terminalText(e instanceof Error ? `${e.name}: ${e.message}`.slice(0, 300) : String(e))}`,
                );
            });
        const points = answer.Datapoints ?? [];
        if (points.length > 1 + Math.ceil((end.getTime() - start.getTime()) / 3_600_000)) {
            throw new OperationError(
                `CloudWatch answered ${points.length} hourly datapoints for ${d.targetGroup} over a shorter window: not an answer vnv reads`,
            );
        }
        for (const p of points) {
            if (typeof p.Sum !== "number" || !Number.isFinite(p.Sum) || p.Sum < 0) {
                throw new OperationError(
                    `CloudWatch answered a RequestCount sum for ${d.targetGroup} that is no count: ${terminalText(String(p.Sum).slice(0, 40))}`,
                );
            }
            total += p.Sum;
        }
    }
    return total;
}

/** What the rule did to one environment. */
export interface Idled {
    readonly stack: string;
    readonly expiresAt: string;
}

/**
 * Brings forward the expiry of every idle environment (see the module's comment), each held and
 * recorded as `idle`; what it could not read is logged and left alone.
 */
export async function idleSweep(rt: Runtime, now: Date): Promise<Idled[]> {
    const idleMs = rt.cfg.idleAfterMs;
    const region = rt.cfg.region;
    if (idleMs === undefined || rt.cfg.cloudwatch === undefined || region === undefined) {
        return [];
    }
    const client = rt.cfg.cloudwatch(region);
    const noticeMs = rt.cfg.expiryNoticeMs ?? 3_600_000;
    const start = idleWindowStart(rt.workingHours(), now, idleMs);
    const idled: Idled[] = [];
    for (const s of await rt.store.list()) {
        const role = stackRole(s.name, s.tags, rt.tagRules(now));
        if (role.role !== "environment" || !candidate(role.meta, s.tags, start, now.getTime() + noticeMs)) {
            continue;
        }
        try {
            const dims = parseRequests(await rt.store.outputs(s.name));
            if (dims === undefined) {
                rt.log(`${s.name}: its stack names no target groups vnv reads (\`vnv env up\` again writes them): the inactivity rule leaves it alone`);
                continue;
            }
            if ((await requestsBetween(client, dims, start, now)) > 0) {
                continue;
            }
            const moved = await bringForward(rt, role.meta, s.tags, new Date(now.getTime() + noticeMs), idleMs);
            if (moved !== undefined) {
                idled.push(moved);
            }
        } catch (e) {
            rt.log(`${s.name}: the inactivity rule could not decide: ${(e as Error).message}`);
        }
    }
    return idled;
}

/**
 * Whether the rule may judge an environment: not kept, older than the window, not extended within
 * it (an extend is its owner saying it is in use: it gets a whole window again), and not about to
 * expire anyway.
 */
function candidate(meta: EnvironmentMeta, tags: TagMap, start: Date, soon: number): boolean {
    const extended = Date.parse(tags[TAG.extendedAt] ?? "");
    return meta.keep === undefined && meta.createdAt.getTime() <= start.getTime() && !(extended > start.getTime()) && meta.expiresAt.getTime() > soon;
}

/** Sets the expiry of an idle environment to `expiresAt`, holding it and deciding again on its tags. */
async function bringForward(rt: Runtime, planned: EnvironmentMeta, plannedTags: TagMap, expiresAt: Date, idleMs: number): Promise<Idled | undefined> {
    const draft: AuditDraft = { action: "idle", environment: planned.stack, version: planned.version, digests: {}, expiresAt: expiresAt.toISOString() };
    return rt.leases.hold(planned.stack, "idle", async () => {
        const stack = await rt.store.select(planned.stack);
        const tags = stack === undefined ? undefined : await rt.store.tags(stack);
        // Decided on tags read before the lease: any change since (an extend, a keep) wins.
        if (stack === undefined || tags === undefined || !sameMeta(tags, plannedTags) || tags[TAG.extendedAt] !== plannedTags[TAG.extendedAt]) {
            return undefined;
        }
        const meta = await rt.metaOf(stack);
        return rt.audited(draft, async () => {
            await stack.setTag(TAG.expiresAt, expiresAt.toISOString());
            rt.log(
                `${planned.stack}: no request through its load balancer in ${formatDuration(idleMs)} awake: expires ${expiresAt.toISOString()} (was ${meta.expiresAt.toISOString()})`,
            );
            return { stack: planned.stack, expiresAt: expiresAt.toISOString() };
        });
    });
}
