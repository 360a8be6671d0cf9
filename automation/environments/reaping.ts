/**
 * The reaper over real stacks (the plan and summary are automation/environments/reaper.ts): each
 * doomed environment is held (its lease), its tags read again and decided again by the clock,
 * then destroyed and recorded; one whose tags changed since the plan, or held by another run,
 * is skipped with the reason.
 */
import { decideReap, type EnvironmentMeta, sameMeta, type TagMap } from "../../rules/metadata";
import { type TtlPolicy, ttlText } from "../../rules/ttl";
import { describeLock, LeaseHeldError, UsageError } from "../errors";
import { type AuditDraft, AuditWriteError } from "../history/auditing";
import { destroyStack } from "./lifecycle";
import { idleSweep } from "./idle";
import { noticeExpiring } from "./notify";
import { type ReapAct, type ReapSummary, reap } from "./reaper";
import type { Runtime } from "./runtime";

/** Destroys every expired environment; a real run decides by the clock, `now` is for dry runs only. */
export async function reapEnvironments(rt: Runtime, options: { dryRun?: boolean; now?: Date; concurrency?: number }): Promise<ReapSummary> {
    const dryRun = options.dryRun ?? false;
    if (options.now !== undefined && !dryRun) {
        throw new UsageError("a clock to plan by (--now) is for dry runs only (--dry-run): a real reap decides by the time it acts");
    }
    const summary = await reap(
        {
            stacks: () => rt.store.list(),
            destroy: (name, meta, planned) => reapOne(rt, name, meta, planned),
            reconcileAuth: rt.authOwner === undefined ? undefined : () => rt.authOwner!.outcome(),
            protectedStacks: rt.cfg.protectedStacks ?? [],
            log: rt.log,
            destroyed: (meta) => rt.announce({ kind: "destroyed", version: meta.version, by: "reaper" }),
        },
        { rules: rt.tagRules(options.now ?? rt.clock()), dryRun, concurrency: options.concurrency ?? 2 },
    );
    if (!summary.dryRun) {
        // Before the notices: an environment the rule brings forward is warned in this same run.
        summary.idled = await idleSweep(rt, rt.clock()).catch((e: unknown) => {
            rt.log(`the inactivity rule could not run: ${(e as Error).message}`);
            return [];
        });
    }
    if (!summary.dryRun && rt.cfg.notifier !== undefined) {
        summary.noticed = await noticeExpiring(rt.store, rt.cfg.notifier, rt.tagRules(), rt.cfg.expiryNoticeMs ?? 3_600_000, {}, (meta) =>
            extendHint(rt.cfg.ttl, rt.cfg.workflowUrl, meta),
        );
    }
    return summary;
}

/** One environment the plan doomed: held, its tags read and judged again, then destroyed and recorded. */
async function reapOne(rt: Runtime, name: string, planned: EnvironmentMeta, plannedTags: TagMap): Promise<ReapAct> {
    try {
        return await rt.leases.hold(name, "reap", async () => {
            const stack = await rt.store.select(name);
            if (stack === undefined) {
                return "gone";
            }
            const tags = await rt.store.tags(stack);
            if (!sameMeta(tags, plannedTags)) {
                return { skipped: "its tags changed since the plan (extended, or changed by hand): decided again by the next run" };
            }
            const decision = decideReap({ name, tags }, rt.tagRules(), rt.cfg.protectedStacks ?? []);
            if (decision.action !== "destroy") {
                return { skipped: `no longer to destroy: ${decision.reason}` };
            }
            const draft: AuditDraft = { action: "reap", environment: name, version: planned.version, digests: {} };
            Object.assign(draft, { expiresAt: planned.expiresAt.toISOString(), url: `https://${planned.hostname}` });
            try {
                await rt.audited(draft, () => destroyStack(rt, stack));
            } catch (e) {
                // Destroyed, only its event is missing: still destroyed (announced, and the
                // redirect list updated), the missing event said.
                if (!(e instanceof AuditWriteError)) {
                    throw e;
                }
                rt.log(`${name}: ${e.message}`);
            }
            return "destroyed";
        });
    } catch (e) {
        if (e instanceof LeaseHeldError) {
            return { skipped: `held by another run (${e.locks.map(describeLock).join("; ") || "holder unknown"}): decided again by the next run` };
        }
        throw e;
    }
}

/**
 * How the owner of an expiring environment extends it: the exact command with a longer TTL
 * (its TTL plus the default one, within the maximum), or `--keep` once at the maximum, and the
 * Environment workflow when vnv runs in GitHub Actions.
 */
export function extendHint(ttl: TtlPolicy, workflowUrl: string | undefined, meta: EnvironmentMeta): { extend: string; workflowUrl?: string } {
    const { defaultMs, maxMs, maxKeepMs } = ttl;
    const current = meta.expiresAt.getTime() - meta.createdAt.getTime();
    const longer = Math.min(maxMs, current + defaultMs);
    const extend =
        longer > current
            ? `vnv env extend ${meta.version} --ttl ${ttlText(longer)}`
            : maxKeepMs !== undefined && maxKeepMs > current
              ? `vnv env extend ${meta.version} --keep "<why>"`
              : `vnv env up ${meta.version} (after it is gone: it has lived the longest it may)`;
    return { extend, ...(workflowUrl === undefined ? {} : { workflowUrl }) };
}
