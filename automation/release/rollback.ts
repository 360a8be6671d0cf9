/**
 * What `vnv rollback <prod|dev>` returns to, decided from the audit trail alone (its events are
 * read strictly by automation/history/events.ts): the newest deploy or rollback of the stack is
 * what is being rolled back (succeeded or not: a failed deploy may have left half a release);
 * the target is the newest successful state before it with other digests. A rollback undoes
 * what it rolled back: after v1, v2, v3 and a rollback to v2, the next rollback goes to v1,
 * never back to v3. Nothing here touches a stack or a file.
 */
import { type AuditEvent, versionMatches } from "../history/events";
import { UsageError } from "../errors";
import { terminalText } from "../../rules/terminal";

/** The events a rollback is planned from: deploys and rollbacks of one stack. */
export const DEPLOYING_ACTIONS = ["deploy", "rollback"] as const;

/** One recorded state of the stack: a version and its digests. */
export interface DeployedState {
    readonly version: string;
    readonly digests: Readonly<Record<string, string>>;
    /** The event's id and time. */
    readonly id: string;
    readonly at: string;
    readonly action: string;
    readonly result: string;
}

export interface DigestChange {
    readonly service: string;
    readonly from?: string;
    readonly to?: string;
}

export interface RollbackPlan {
    readonly stack: string;
    /** The newest deploy or rollback: what is being rolled back. */
    readonly from: DeployedState;
    /** The newest successful state before it with other digests. */
    readonly to: DeployedState;
    /** Every service whose digest differs, in name order. */
    readonly changes: readonly DigestChange[];
}

/** There is nothing to roll back to: no deploy, or none earlier with other digests. Nothing was touched. */
export class NothingToRollBackError extends UsageError {
    constructor(message: string) {
        super(message);
        this.name = "NothingToRollBackError";
    }
}

const stateOf = (e: AuditEvent): DeployedState => ({ version: e.version, digests: e.digests, id: e.id, at: e.at, action: e.action, result: e.result });

function sameDigests(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/**
 * The rollback of `stack` from its deploys and rollbacks (`events`, newest first, as the trail
 * lists them). `expected`: the version the caller means to roll back (a decision taken on an
 * older view of the history is refused rather than acted on).
 */
export function planRollback(stack: string, events: readonly AuditEvent[], expected?: string): RollbackPlan {
    const mine = events.filter((e) => e.environment === stack && (DEPLOYING_ACTIONS as readonly string[]).includes(e.action));
    const newest = mine[0];
    if (newest === undefined) {
        throw new NothingToRollBackError(
            `the history holds no deploy of ${stack}: nothing to roll back to (\`vnv history --env ${stack}\` shows what it holds)`,
        );
    }
    const from = stateOf(newest);
    if (expected !== undefined && !versionMatches(from.version, expected)) {
        throw new UsageError(
            `--from ${terminalText(expected)}: the newest deploy of ${stack} is ${terminalText(from.version)} (${from.action} at ${from.at}, ${from.result}), not that version; someone deployed since, so nothing was done (look again: \`vnv history --env ${stack}\`)`,
        );
    }
    const to = [...successfulStates(mine)].reverse().find((s) => s.id !== from.id && !sameDigests(s.digests, from.digests));
    if (to === undefined) {
        throw new NothingToRollBackError(
            `the history holds no successful deploy of ${stack} before ${terminalText(from.version)} (${from.at}) with other digests: nothing to roll back to`,
        );
    }
    return { stack, from, to, changes: changesOf(from.digests, to.digests) };
}

/**
 * The stack's successful states, oldest first: each successful deploy is pushed; a successful
 * rollback pops back to the state it returned to (or is pushed, when that state is older than the
 * events read). Failed events change nothing.
 */
function successfulStates(newestFirst: readonly AuditEvent[]): DeployedState[] {
    const states: DeployedState[] = [];
    for (const e of [...newestFirst].reverse()) {
        if (e.result !== "succeeded" || Object.keys(e.digests).length === 0) {
            continue;
        }
        const back = e.action === "rollback" ? lastIndex(states, (s) => sameDigests(s.digests, e.digests)) : -1;
        if (back >= 0) {
            states.length = back + 1;
        } else {
            states.push(stateOf(e));
        }
    }
    return states;
}

function lastIndex<T>(items: readonly T[], test: (item: T) => boolean): number {
    for (let i = items.length - 1; i >= 0; i--) {
        if (test(items[i] as T)) {
            return i;
        }
    }
    return -1;
}

function changesOf(from: Readonly<Record<string, string>>, to: Readonly<Record<string, string>>): DigestChange[] {
    return [...new Set([...Object.keys(from), ...Object.keys(to)])]
        .sort()
        .filter((service) => from[service] !== to[service])
        .map((service) => ({
            service,
            ...(from[service] === undefined ? {} : { from: from[service] }),
            ...(to[service] === undefined ? {} : { to: to[service] }),
        }));
}

/** The plan as lines: from, to, and each digest that changes (short digests; `--json` has them whole). */
export function rollbackText(plan: RollbackPlan): string {
    const short = (d: string | undefined) => (d === undefined ? "(none)" : d.slice(0, 19));
    const width = Math.max(...plan.changes.map((c) => c.service.length), 7);
    return [
        `roll ${plan.stack} back from ${plan.from.version} (${plan.from.action} at ${plan.from.at}, ${plan.from.result})`,
        `                   to ${plan.to.version} (${plan.to.action} at ${plan.to.at})`,
        ...plan.changes.map((c) => `  ${c.service.padEnd(width)}  ${short(c.from)} -> ${short(c.to)}`),
    ].join("\n");
}
