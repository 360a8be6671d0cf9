/** `env ls`: every environment, and every stack that claims to be one but is malformed. */
import { type StackRole, stackRole, TAG } from "../../rules/metadata";
import { parseSleepDemand, sleepState } from "../../rules/schedule";
import { formatDuration } from "../../rules/ttl";
import type { LockInfo } from "../errors";
import type { StoredStack } from "../state/stackStore";
import { costOf } from "./cost";
import type { Runtime } from "./runtime";
import type { EnvironmentInfo } from "./types";

/** The rows of `env ls` at `now`: soonest expiry first, malformed stacks last, by name. */
export async function listEnvironments(rt: Runtime, now: Date): Promise<EnvironmentInfo[]> {
    const [stacks, locks] = await Promise.all([rt.store.list({ details: true }), rt.store.locks()]);
    const rules = rt.tagRules(now);
    const hours = rt.workingHours();
    const roles = stacks.map((s) => ({ s, role: stackRole(s.name, s.tags, rules) }));
    const sharing = roles.filter((r) => r.role.role === "environment").length;
    const rows = roles.flatMap(({ s, role }) => {
        if (role.role === "other") {
            return [];
        }
        const row = rowOf(s, role, locks === undefined ? null : (locks.get(s.name) ?? []), now);
        if (role.role === "malformed") {
            return [row];
        }
        const cost = costOf(rt, role.meta, sharing, now);
        return [{ ...row, sleep: sleepState(hours, parseSleepDemand(s.tags[TAG.sleep]), now), ...(cost === undefined ? {} : { cost }) }];
    });
    const key = (r: EnvironmentInfo): string => `${r.expiresAt === undefined ? "1" : "0"}${r.expiresAt ?? ""}${r.stack}`;
    return rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function rowOf(s: StoredStack, role: Exclude<StackRole, { role: "other" }>, locks: readonly LockInfo[] | null, now: Date): EnvironmentInfo {
    const common = { stack: s.name, lastUpdate: s.lastUpdate, resourceCount: s.resourceCount, locks };
    if (role.role === "malformed") {
        return { ...common, status: "malformed", problem: role.problem };
    }
    const meta = role.meta;
    const left = meta.expiresAt.getTime() - now.getTime();
    return {
        ...common,
        status: left > 0 ? "live" : "expired",
        version: meta.version,
        url: `https://${meta.hostname}`,
        owner: meta.owner,
        createdAt: meta.createdAt.toISOString(),
        expiresAt: meta.expiresAt.toISOString(),
        timeLeftMs: left,
        timeLeft: left > 0 ? formatDuration(left) : `expired ${formatDuration(-left)} ago`,
        ...(meta.keep === undefined ? {} : { keep: meta.keep }),
    };
}
