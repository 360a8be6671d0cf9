/**
 * Drift on our own backend: what changed outside vnv since the last update of prod or dev.
 * Pulumi offers drift detection in its Cloud only; here a refresh is *previewed*
 * (`pulumi refresh --preview-only`): every resource is read from its provider and compared with
 * the state, and nothing is written. A resource whose outputs differ is reported `changed` (with
 * the names of the outputs that differ; values are never shown, the engine masks secrets but not
 * everything sensitive is a secret), one that is gone `deleted`.
 *
 * Read from the engine's events (`resOutputsEvent`, op `update` or `delete`), which carry the
 * state's outputs (`old`) and the provider's (`new`): verified on the real engine with a dynamic
 * resource changed and one removed behind its back (test/drift.engine.test.ts).
 */
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";

export interface DriftedResource {
    readonly urn: string;
    readonly type: string;
    readonly change: "changed" | "deleted";
    /** The outputs that differ (changed only), sorted; at most {@link MAX_KEYS}. */
    readonly keys: readonly string[];
}

export interface DriftReport {
    readonly stack: string;
    readonly checkedAt: string;
    readonly drifted: readonly DriftedResource[];
    /** Resources read and found as the state says. */
    readonly unchanged: number;
}

const MAX_KEYS = 20;

/** Output keys of the dynamic provider's own bookkeeping, never drift. */
const IGNORED_KEYS = new Set(["__provider"]);

/**
 * Outputs AWS itself changes by design, never drift: a scalable target's bounds (the working
 * hours' scheduled actions and `vnv env sleep|wake` set them) and a service's task count
 * (Application Auto Scaling sets it; the program ignores it, `ignoreChanges: ["desiredCount"]`).
 */
export const OWNED_BY_AWS: Readonly<Record<string, readonly string[]>> = {
    "aws:appautoscaling/target:Target": ["minCapacity", "maxCapacity"],
    "aws:ecs/service:Service": ["desiredCount"],
};

/** The drift among the events of a refresh preview. */
export function driftOf(events: readonly EngineEvent[]): { drifted: DriftedResource[]; unchanged: number } {
    const drifted: DriftedResource[] = [];
    let unchanged = 0;
    for (const event of events) {
        const m = event.resOutputsEvent?.metadata;
        if (m === undefined || m.type === "pulumi:pulumi:Stack" || m.type.startsWith("pulumi:providers:")) {
            continue;
        }
        if (m.op === "delete") {
            drifted.push({ urn: m.urn, type: m.type, change: "deleted", keys: [] });
        } else if (m.op === "update") {
            const owned = OWNED_BY_AWS[m.type] ?? [];
            const keys = changedKeys(m.old?.outputs ?? {}, m.new?.outputs ?? {}).filter((k) => !owned.includes(k));
            if (keys.length === 0) {
                unchanged++; // only what AWS changes by design
            } else {
                drifted.push({ urn: m.urn, type: m.type, change: "changed", keys });
            }
        } else if (m.op === "same") {
            unchanged++;
        }
    }
    drifted.sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
    return { drifted, unchanged };
}

function changedKeys(old: Record<string, unknown>, now: Record<string, unknown>): string[] {
    const keys = [...new Set([...Object.keys(old), ...Object.keys(now)])].filter(
        (k) => !IGNORED_KEYS.has(k) && JSON.stringify(old[k]) !== JSON.stringify(now[k]),
    );
    return keys.sort().slice(0, MAX_KEYS);
}

/**
 * Previews a refresh of `stack` and reports its drift. The CLI refuses `--preview-only` when
 * confirmations are skipped ("--yes and --preview-only cannot be used together", v3.259), so
 * the workspace's `PULUMI_SKIP_CONFIRMATIONS` is lifted for this one run.
 */
export async function checkDrift(stack: Stack, now: Date, onOutput?: (text: string) => void): Promise<DriftReport> {
    const events: EngineEvent[] = [];
    const env = stack.workspace.envVars;
    const skip = env.PULUMI_SKIP_CONFIRMATIONS;
    env.PULUMI_SKIP_CONFIRMATIONS = "false";
    try {
        await stack.previewRefresh({ onEvent: (e) => events.push(e), ...(onOutput === undefined ? {} : { onOutput }) });
    } finally {
        if (skip === undefined) {
            delete env.PULUMI_SKIP_CONFIRMATIONS;
        } else {
            env.PULUMI_SKIP_CONFIRMATIONS = skip;
        }
    }
    const { drifted, unchanged } = driftOf(events);
    return { stack: stack.name, checkedAt: now.toISOString(), drifted, unchanged };
}
