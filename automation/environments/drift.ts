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
 * Which outputs of a resource AWS itself changes by design, by its type and logical name: those
 * the program leaves to it (`ignoreChanges`), never drift. Anything else is.
 */
export type OwnedByAws = (type: string, name: string) => readonly string[];

/**
 * What the program leaves to AWS in a stack with these services: the task count of a service
 * that scales or sleeps (Application Auto Scaling sets it; `ignoreChanges: ["desiredCount"]`),
 * and the bounds of a sleeping service's scalable target (`<component>-<service>-hours`: the
 * working hours' scheduled actions and `vnv env sleep|wake` set them). A fixed service's count
 * and a scaling target's bounds stay the program's: changed by hand, they are drift.
 */
export function ownedByAws(services: readonly { name: string; scaling?: unknown }[], sleeps: boolean, database?: string): OwnedByAws {
    const counted = services.filter((s) => s.scaling !== undefined || (sleeps && s.name !== database)).map((s) => s.name);
    return (type, name) => {
        if (type === "aws:ecs/service:Service" && counted.some((s) => name.endsWith(`-${s}`))) {
            return ["desiredCount"];
        }
        if (type === "aws:appautoscaling/target:Target" && sleeps && name.endsWith("-hours")) {
            return ["minCapacity", "maxCapacity"];
        }
        return [];
    };
}

/** The drift among the events of a refresh preview. */
export function driftOf(events: readonly EngineEvent[], owned: OwnedByAws = () => []): { drifted: DriftedResource[]; unchanged: number } {
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
            const aws = owned(m.type, m.urn.split("::").pop() ?? "");
            const keys = changedKeys(m.old?.outputs ?? {}, m.new?.outputs ?? {}).filter((k) => !aws.includes(k));
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
export async function checkDrift(stack: Stack, now: Date, onOutput?: (text: string) => void, owned?: OwnedByAws): Promise<DriftReport> {
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
    const { drifted, unchanged } = driftOf(events, owned);
    return { stack: stack.name, checkedAt: now.toISOString(), drifted, unchanged };
}
