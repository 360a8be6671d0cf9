/**
 * The reaper: destroys and removes every ephemeral environment whose expiry has passed,
 * `concurrency` at a time. It acts only on stacks whose tags are exactly vnv's; dev, prod, the
 * protected names and malformed stacks are skipped with their reason. One failure does not stop
 * the others, and the summary is complete whatever fails, the redirect list's update included.
 */
import { type EnvironmentMeta, planReap, type TagMap, type TagRules } from "../../rules/metadata";
import type { AuthOutcome } from "./authOwner";
import { firstLine, mapLimit } from "../util";

export interface ReapSummary {
    readonly now: string;
    readonly dryRun: boolean;
    readonly destroyed: string[];
    /** Dry run: what would be destroyed. */
    readonly wouldDestroy: string[];
    readonly skipped: Array<{ stack: string; reason: string }>;
    readonly failed: Array<{ stack: string; reason: string }>;
    /** The redirect list after the destroys (absent when nothing was destroyed or no owner is configured). */
    auth?: AuthOutcome;
    /** Environments announced as expiring soon by this run. */
    noticed?: string[];
    /** Environments whose expiry this run brought forward, nobody having used them (vnv:ephemeral.idleAfter). */
    idled?: { stack: string; expiresAt: string }[];
    /** `--orphans`: environments whose stack is gone with resources still tagged for them (`vnv env orphans`). */
    orphans?: { environment: string; resources: number }[];
}

/** What became of one environment the plan doomed. */
export type ReapAct = "destroyed" | "gone" | { readonly skipped: string };

export interface ReapDeps {
    readonly stacks: () => Promise<readonly { name: string; tags: TagMap }[]>;
    /**
     * Destroys and removes one stack the plan doomed, holding it while it re-reads its tags and
     * decides again: "gone" when it was removed meanwhile, `skipped` (with why) when its tags
     * changed since the plan or it no longer expired.
     */
    readonly destroy: (stack: string, meta: EnvironmentMeta, planned: TagMap) => Promise<ReapAct>;
    /** Updates the redirect list (undefined: no owner configured). */
    readonly reconcileAuth?: () => Promise<AuthOutcome>;
    readonly protectedStacks: readonly string[];
    readonly log: (line: string) => void;
    /** Told of each environment destroyed (the announcement). */
    readonly destroyed?: (meta: EnvironmentMeta) => Promise<void>;
}

export async function reap(deps: ReapDeps, options: { rules: TagRules; dryRun: boolean; concurrency: number }): Promise<ReapSummary> {
    const stacks = await deps.stacks();
    const tagsOf = new Map(stacks.map((s) => [s.name, s.tags]));
    const plan = planReap(stacks, options.rules, deps.protectedStacks);
    const summary: ReapSummary = { now: options.rules.now.toISOString(), dryRun: options.dryRun, destroyed: [], wouldDestroy: [], skipped: [], failed: [] };
    for (const d of plan) {
        if (d.action === "skip") {
            summary.skipped.push({ stack: d.stack, reason: d.reason });
        }
    }
    const doomed = plan.filter((d) => d.action === "destroy");
    if (options.dryRun) {
        summary.wouldDestroy.push(...doomed.map((d) => d.stack));
        return summary;
    }
    await mapLimit(doomed, options.concurrency, async (d) => {
        try {
            const act = await deps.destroy(d.stack, d.meta, tagsOf.get(d.stack) ?? {});
            if (act === "destroyed") {
                summary.destroyed.push(d.stack);
                await deps.destroyed?.(d.meta);
            } else {
                summary.skipped.push({ stack: d.stack, reason: act === "gone" ? "removed meanwhile" : act.skipped });
            }
        } catch (e) {
            summary.failed.push({ stack: d.stack, reason: firstLine(e) });
            deps.log(`${d.stack}: reap failed: ${firstLine(e)}`);
        }
    });
    summary.destroyed.sort();
    if (summary.destroyed.length > 0 && deps.reconcileAuth !== undefined) {
        summary.auth = await deps.reconcileAuth();
    }
    return summary;
}
