/**
 * Environment metadata kept as stack tags, and decisions over it: which stacks the reaper
 * destroys, which slot a new environment takes, how many fit on the shared ALB.
 * Pure: no `@pulumi/*` import.
 */
import { LIMITS } from "./naming";

export const TAG = {
    kind: "vnv:kind",
    version: "vnv:version",
    createdAt: "vnv:created-at",
    expiresAt: "vnv:expires-at",
    owner: "vnv:owner",
    hostname: "vnv:hostname",
    slot: "vnv:slot",
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
}

export type TagMap = Readonly<Record<string, string>>;

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
    };
}

/** Slots claimed by stacks other than `self` (any stack with a slot tag, tagged completely or not). */
export function claimedSlots(stacks: readonly StackSummary[], self: string): number[] {
    return stacks
        .filter((s) => s.name !== self)
        .map((s) => Number(s.tags[TAG.slot]))
        .filter((n) => Number.isInteger(n) && n >= 0);
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

/** The metadata of an ephemeral stack, or a reason it is not one we can trust. */
export function tagsToMeta(stack: string, tags: TagMap): EnvironmentMeta | { problem: string } {
    if (tags[TAG.kind] !== EPHEMERAL) {
        return { problem: `not tagged ${TAG.kind}=${EPHEMERAL}` };
    }
    const expiresAt = new Date(tags[TAG.expiresAt] ?? "");
    if (Number.isNaN(expiresAt.getTime())) {
        return { problem: `tag ${TAG.expiresAt} is missing or not a time (${JSON.stringify(tags[TAG.expiresAt])})` };
    }
    const createdAt = new Date(tags[TAG.createdAt] ?? "");
    const slot = Number(tags[TAG.slot]);
    return {
        stack,
        version: tags[TAG.version] ?? "",
        hostname: tags[TAG.hostname] ?? "",
        owner: tags[TAG.owner] ?? "",
        createdAt: Number.isNaN(createdAt.getTime()) ? expiresAt : createdAt,
        expiresAt,
        slot: Number.isInteger(slot) && slot >= 0 ? slot : -1,
    };
}

export interface StackSummary {
    readonly name: string;
    readonly tags: TagMap;
}

export type ReapDecision =
    | { readonly stack: string; readonly action: "destroy"; readonly meta: EnvironmentMeta; readonly reason: string }
    | { readonly stack: string; readonly action: "skip"; readonly reason: string };

/**
 * What the reaper does with each stack at `now`: destroy an ephemeral stack whose expiry has
 * passed; skip everything else, and always skip `dev`, `prod` and the protected names.
 */
export function planReap(stacks: readonly StackSummary[], now: Date, protectedNames: readonly string[] = []): ReapDecision[] {
    const protect = new Set<string>([...ALWAYS_PROTECTED, ...protectedNames]);
    return stacks.map((s): ReapDecision => {
        const short = shortStackName(s.name);
        if (protect.has(short) || protect.has(s.name)) {
            return { stack: s.name, action: "skip", reason: "protected" };
        }
        const meta = tagsToMeta(s.name, s.tags);
        if ("problem" in meta) {
            return { stack: s.name, action: "skip", reason: meta.problem };
        }
        if (meta.expiresAt.getTime() > now.getTime()) {
            return { stack: s.name, action: "skip", reason: `expires ${meta.expiresAt.toISOString()}` };
        }
        return { stack: s.name, action: "destroy", meta, reason: `expired ${meta.expiresAt.toISOString()}` };
    });
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

/** ALB quotas that bound how many environments share one ALB (design.md). */
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
