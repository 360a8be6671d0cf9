/**
 * Environment metadata kept as stack tags, and decisions over it: which stacks the reaper
 * destroys, which slot a new environment takes, how many fit on the shared ALB.
 * Pure: no `@pulumi/*` import.
 */
import { UNSAFE } from "./terminal";
import { hostname as versionHost, LIMITS, stackName as versionStack } from "./naming";
import { formatDuration } from "./ttl";
import { parseVersion } from "./versions";

export const TAG = {
    kind: "vnv:kind",
    version: "vnv:version",
    createdAt: "vnv:created-at",
    expiresAt: "vnv:expires-at",
    owner: "vnv:owner",
    hostname: "vnv:hostname",
    slot: "vnv:slot",
    /** The expiry the reaper last announced as coming (so it announces each expiry once). */
    expiryNoticed: "vnv:expiry-noticed",
    /** When its expiry was last moved by `env extend` (its owner using it: the inactivity rule waits a whole window again). */
    extendedAt: "vnv:extended-at",
    /** Why the environment is kept past the maximum TTL (`env extend --keep`), up to vnv:ephemeral.maxKeep. */
    keep: "vnv:keep",
    /** The last sleep or wake asked for by hand, `asleep@<ISO time>` (rules/schedule.ts). */
    sleep: "vnv:sleep",
} as const;

export const EPHEMERAL = "ephemeral";

/** Stacks the reaper never touches, whatever their tags say. */
export const ALWAYS_PROTECTED = ["dev", "prod"] as const;

export interface EnvironmentMeta {
    readonly stack: string;
    readonly version: string;
    readonly hostname: string;
    readonly owner: string;
    readonly createdAt: Date;
    readonly expiresAt: Date;
    readonly slot: number;
    /** Why it is kept past the maximum TTL (`env extend --keep`). */
    readonly keep?: string;
}

export type TagMap = Readonly<Record<string, string>>;

/**
 * What an environment's tags must agree with besides their form: the stack they sit on (its
 * name is the version's), the domain of the dev configuration (the host is the version's host
 * there), the maximum TTL (counted from creation) and the time of the decision (creation is not
 * in the future beyond {@link CLOCK_SKEW_MS}). Tags that disagree are malformed: never acted on.
 */
export interface TagRules {
    readonly domain: string;
    readonly maxTtlMs: number;
    /** The longest an environment with a keep reason may live (vnv:ephemeral.maxKeep); none: no keeping. */
    readonly maxKeepMs?: number;
    /** The time of the decision. */
    readonly now: Date;
}

/** How far another machine's clock may run ahead: a creation time up to this far in the future is believed. */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** The tags vnv reads as an environment's metadata (the reaper compares exactly these before it destroys). */
export const META_TAGS = [TAG.kind, TAG.expiresAt, TAG.slot, TAG.createdAt, TAG.version, TAG.hostname, TAG.owner, TAG.keep] as const;

/** Whether two stacks' metadata tags are the same (other tags, such as the expiry notice, aside). */
export function sameMeta(a: TagMap, b: TagMap): boolean {
    return META_TAGS.every((key) => a[key] === b[key]);
}

/**
 * The tags of an environment, in the order they are written: kind and expiry first, so that a
 * run killed while tagging still leaves a stack the reaper collects; the slot next, so that
 * concurrent creations see it as early as possible.
 */
export function metaToTags(meta: EnvironmentMeta): Record<string, string> {
    return {
        [TAG.kind]: EPHEMERAL,
        [TAG.expiresAt]: meta.expiresAt.toISOString(),
        [TAG.slot]: String(meta.slot),
        [TAG.createdAt]: meta.createdAt.toISOString(),
        [TAG.version]: meta.version,
        [TAG.hostname]: meta.hostname,
        [TAG.owner]: meta.owner,
        ...(meta.keep === undefined ? {} : { [TAG.keep]: meta.keep }),
    };
}

/** A keep reason as vnv writes it: 1 to 200 characters, none unsafe on a terminal, no edge spaces. */
export function keepProblem(reason: string): string | undefined {
    if (reason.length === 0 || reason.length > 200) {
        return "a reason of 1 to 200 characters";
    }
    if (UNSAFE.test(reason) || reason.trim() !== reason) {
        return "a reason without control characters or leading and trailing spaces";
    }
    return undefined;
}

/** Slots claimed by stacks other than `self` (any stack with a slot tag, tagged completely or not). */
export function claimedSlots(stacks: readonly StackSummary[], self: string): number[] {
    return stacks
        .filter((s) => s.name !== self)
        .map((s) => s.tags[TAG.slot] ?? "")
        .filter((t) => TAG_SLOT.test(t))
        .map(Number);
}

/**
 * A slot after a conflict: one of the `spread` lowest free slots, chosen by `random` in [0, 1),
 * so that two runs that collided are unlikely to collide again.
 */
export function reslot(taken: Iterable<number>, random: number, spread: number = 4): number {
    const used = new Set(taken);
    const free: number[] = [];
    for (let slot = 0; free.length < spread; slot++) {
        if (!used.has(slot)) {
            free.push(slot);
        }
    }
    return free[Math.min(free.length - 1, Math.floor(random * free.length))]!;
}

/** How vnv writes a time into a tag: exactly `Date.prototype.toISOString`. */
const TAG_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const TAG_HOST = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;
const TAG_OWNER = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/;
const TAG_SLOT = /^(0|[1-9]\d{0,3})$/;

function tagTime(tags: TagMap, key: string): Date | string {
    const text = tags[key];
    const d = new Date(text ?? "");
    if (text === undefined || !TAG_TIME.test(text) || Number.isNaN(d.getTime()) || d.toISOString() !== text) {
        return `tag ${key} is ${text === undefined ? "missing" : `not a time as vnv writes it (${JSON.stringify(text.slice(0, 40))})`}`;
    }
    return d;
}

/**
 * The metadata of an ephemeral stack, read as strictly as vnv writes it: every tag present and
 * exactly in vnv's form (times as `toISOString` writes them, the version canonical, host, owner
 * and slot within their patterns). Anything else is a problem: such a stack is listed as
 * malformed and never acted on.
 */
export function tagsToMeta(stack: string, tags: TagMap, rules: TagRules): EnvironmentMeta | { problem: string } {
    if (tags[TAG.kind] !== EPHEMERAL) {
        return { problem: `not tagged ${TAG.kind}=${EPHEMERAL}` };
    }
    const expiresAt = tagTime(tags, TAG.expiresAt);
    if (typeof expiresAt === "string") {
        return { problem: expiresAt };
    }
    const createdAt = tagTime(tags, TAG.createdAt);
    if (typeof createdAt === "string") {
        return { problem: createdAt };
    }
    const version = tags[TAG.version] ?? "";
    let canonical: string | undefined;
    try {
        canonical = parseVersion(version).canonical;
    } catch {
        canonical = undefined;
    }
    if (canonical !== version) {
        return { problem: `tag ${TAG.version} is not a version as vnv writes it (${JSON.stringify(version.slice(0, 40))})` };
    }
    const checks: [string, RegExp][] = [
        [TAG.hostname, TAG_HOST],
        [TAG.owner, TAG_OWNER],
        [TAG.slot, TAG_SLOT],
    ];
    for (const [key, pattern] of checks) {
        const value = tags[key];
        if (value === undefined || !pattern.test(value)) {
            return { problem: `tag ${key} is ${value === undefined ? "missing" : `malformed (${JSON.stringify(value.slice(0, 40))})`}` };
        }
    }
    if (createdAt.getTime() > expiresAt.getTime()) {
        return { problem: `tag ${TAG.expiresAt} is before ${TAG.createdAt}` };
    }
    const keep = tags[TAG.keep];
    if (keep !== undefined && keepProblem(keep) !== undefined) {
        return { problem: `tag ${TAG.keep} is not ${keepProblem(keep)}` };
    }
    const meta = {
        stack,
        version,
        hostname: tags[TAG.hostname]!,
        owner: tags[TAG.owner]!,
        createdAt,
        expiresAt: keep === undefined ? expiresAt : keptExpiry(createdAt, expiresAt, rules),
        slot: Number(tags[TAG.slot]),
        ...(keep === undefined ? {} : { keep }),
    };
    const disagreement = disagreementOf(meta, rules);
    return disagreement === undefined ? meta : { problem: disagreement };
}

/**
 * A kept environment's expiry within today's bound: a bound lowered (or keeping switched off)
 * after it was kept holds it to the new bound, so it is collected then instead of read as
 * malformed and never acted on.
 */
function keptExpiry(createdAt: Date, expiresAt: Date, rules: TagRules): Date {
    const bound = createdAt.getTime() + (rules.maxKeepMs ?? rules.maxTtlMs);
    return expiresAt.getTime() > bound ? new Date(bound) : expiresAt;
}

/** Where well-formed tags disagree with their stack, the domain, the maximum TTL or the time. */
function disagreementOf(meta: EnvironmentMeta, rules: TagRules): string | undefined {
    const expectedStack = versionStack(meta.version);
    if (shortStackName(meta.stack) !== expectedStack) {
        return `tag ${TAG.version} is ${meta.version}, whose stack is ${expectedStack}, not ${shortStackName(meta.stack)}`;
    }
    let expectedHost: string;
    try {
        expectedHost = versionHost(meta.version, rules.domain);
    } catch {
        return `tag ${TAG.hostname}: no host of ${meta.version} fits the domain ${rules.domain}`;
    }
    if (meta.hostname !== expectedHost) {
        return `tag ${TAG.hostname} is ${meta.hostname}, not ${expectedHost} (the host of ${meta.version} in ${rules.domain})`;
    }
    if (meta.createdAt.getTime() > rules.now.getTime() + CLOCK_SKEW_MS) {
        return `tag ${TAG.createdAt} is in the future (${meta.createdAt.toISOString()}, now ${rules.now.toISOString()})`;
    }
    const kept = meta.keep !== undefined && rules.maxKeepMs !== undefined;
    const bound = kept ? rules.maxKeepMs! : rules.maxTtlMs;
    if (meta.expiresAt.getTime() - meta.createdAt.getTime() > bound) {
        return `tag ${TAG.expiresAt} is ${meta.expiresAt.toISOString()}, beyond the maximum ${kept ? "kept life" : "TTL"} (${formatDuration(bound)}) from ${TAG.createdAt}`;
    }
    return undefined;
}

/** A version's stack name (`v1-2-3-rc-1`): a stack with such a name and no valid tags is a damaged environment. */
const VERSION_STACK = /^v\d[a-z0-9-]*$/;

/** What a stack on the backend is to vnv. */
export type StackRole =
    | { readonly role: "environment"; readonly meta: EnvironmentMeta }
    /** Claims to be an environment (tagged ephemeral, or named like one) but its tags are not vnv's. */
    | { readonly role: "malformed"; readonly problem: string }
    /** dev, prod, the auth owner, anything else: not an environment. */
    | { readonly role: "other" };

export function stackRole(stack: string, tags: TagMap, rules: TagRules): StackRole {
    const meta = tagsToMeta(stack, tags, rules);
    if (!("problem" in meta)) {
        return { role: "environment", meta };
    }
    if (tags[TAG.kind] !== undefined || VERSION_STACK.test(shortStackName(stack))) {
        return { role: "malformed", problem: meta.problem };
    }
    return { role: "other" };
}

export interface StackSummary {
    readonly name: string;
    readonly tags: TagMap;
}

export type ReapDecision =
    | { readonly stack: string; readonly action: "destroy"; readonly meta: EnvironmentMeta; readonly reason: string }
    | { readonly stack: string; readonly action: "skip"; readonly reason: string };

/**
 * What the reaper does with each stack at `rules.now`: destroy an ephemeral stack whose expiry
 * has passed; skip everything else, and always skip `dev`, `prod` and the protected names.
 */
export function planReap(stacks: readonly StackSummary[], rules: TagRules, protectedNames: readonly string[] = []): ReapDecision[] {
    return stacks.map((s) => decideReap(s, rules, protectedNames));
}

/** What the reaper does with one stack (see {@link planReap}). */
export function decideReap(s: StackSummary, rules: TagRules, protectedNames: readonly string[] = []): ReapDecision {
    const protect = new Set<string>([...ALWAYS_PROTECTED, ...protectedNames]);
    if (protect.has(shortStackName(s.name)) || protect.has(s.name)) {
        return { stack: s.name, action: "skip", reason: "protected" };
    }
    const role = stackRole(s.name, s.tags, rules);
    if (role.role === "other") {
        return { stack: s.name, action: "skip", reason: "not an ephemeral environment" };
    }
    if (role.role === "malformed") {
        return { stack: s.name, action: "skip", reason: `malformed, never acted on: ${role.problem}` };
    }
    const meta = role.meta;
    if (meta.expiresAt.getTime() > rules.now.getTime()) {
        return { stack: s.name, action: "skip", reason: `expires ${meta.expiresAt.toISOString()}` };
    }
    return { stack: s.name, action: "destroy", meta, reason: `expired ${meta.expiresAt.toISOString()}` };
}

/** `organization/vnv/dev` → `dev`. */
export function shortStackName(name: string): string {
    return name.split("/").pop() ?? name;
}

/** The lowest slot not in `taken`. */
export function lowestFreeSlot(taken: Iterable<number>): number {
    const used = new Set(taken);
    let slot = 0;
    while (used.has(slot)) {
        slot++;
    }
    return slot;
}

/** ALB quotas that bound how many environments share one ALB (docs/architecture.md, "Platform facts"). */
export const ALB_QUOTAS = { rulesPerAlb: 100, targetGroupsPerAlb: 100 } as const;

/**
 * How many environments fit on the shared ALB: each takes `rulesPerEnvironment` listener
 * rules and `targetGroupsPerEnvironment` target groups; `configured` may only lower it.
 */
export function environmentCapacity(rulesPerEnvironment: number, targetGroupsPerEnvironment: number, configured?: number): number {
    const byRules = Math.floor(ALB_QUOTAS.rulesPerAlb / Math.max(1, rulesPerEnvironment));
    const byTargets = Math.floor(ALB_QUOTAS.targetGroupsPerAlb / Math.max(1, targetGroupsPerEnvironment));
    const bySlots = Math.floor(LIMITS.rulePriorityMax / 10);
    const derived = Math.min(byRules, byTargets, bySlots);
    return configured === undefined ? derived : Math.min(derived, configured);
}
