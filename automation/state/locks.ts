/**
 * Locks and recovery on a self-managed backend: a run that finds a stack locked clears the lock
 * when every holder is gone (its process is dead on this host, or the lock is older than the
 * stale age) and tries again; otherwise it fails naming who holds it, where and since when.
 * Pending operations left by a killed update are cleared by a refresh before the next one.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import type { Stack } from "@pulumi/pulumi/automation";
import { describeLock, isLockContention, type LockInfo, parseLocks, StackLockedError } from "../errors";
import { sleep } from "../util";

const HOUR = 3_600_000;

export interface LockPolicy {
    /** A lock older than this is stale even if its process may live on another machine. @default 2h */
    readonly staleLockAfterMs?: number;
    readonly clock: () => Date;
    readonly log: (line: string) => void;
    readonly engineOutput?: (text: string) => void;
    /** How many pending operations a stack's state holds. @default an export of its state (one engine process) */
    readonly pendingOperations?: (stack: Stack) => Promise<number>;
}

export class Locks {
    constructor(private readonly policy: LockPolicy) {}

    /** Runs `op` on `stack`, clearing stale locks (see module doc). */
    async run<T>(stack: Stack, what: string, op: () => Promise<T>): Promise<T> {
        for (let attempt = 0; ; attempt++) {
            try {
                return await op();
            } catch (e) {
                if (!isLockContention(e)) {
                    throw e;
                }
                const locks = parseLocks(e instanceof Error ? e.message : String(e));
                if (locks.length > 0 && locks.every((l) => this.isStale(l)) && attempt < 2) {
                    // `pulumi cancel` on a self-managed backend deletes every lock file of the
                    // stack: only when every holder is gone.
                    this.policy.log(`${stack.name}: ${what}: clearing stale lock(s) of ${locks.map(describeLock).join("; ")}`);
                    await stack.cancel();
                    continue;
                }
                if (locks.length === 0 && attempt < 3) {
                    // Two runs that locked at the same instant both back off; try again shortly.
                    await sleep(200 + Math.random() * 800);
                    continue;
                }
                throw new StackLockedError(stack.name, locks);
            }
        }
    }

    isStale(lock: LockInfo): boolean {
        const age = this.policy.clock().getTime() - lock.since.getTime();
        if (age > (this.policy.staleLockAfterMs ?? 2 * HOUR)) {
            return true;
        }
        return lock.host === os.hostname() && !processAlive(lock.pid);
    }

    /** Clears what an interrupted update or destroy left in the state: pending operations. */
    async recover(stack: Stack): Promise<void> {
        const pending = this.policy.pendingOperations === undefined ? await exportedPending(stack) : await this.policy.pendingOperations(stack);
        if (pending > 0) {
            this.policy.log(`${stack.name}: clearing ${pending} pending operation(s) left by an interrupted run`);
            await this.run(stack, "refresh", () => stack.refresh({ clearPendingCreates: true, onOutput: this.policy.engineOutput }));
        }
    }
}

async function exportedPending(stack: Stack): Promise<number> {
    const state = await stack.exportStack();
    return ((state.deployment as { pending_operations?: unknown[] } | undefined)?.pending_operations ?? []).length;
}

/**
 * Whether the process that took a lock on this host still runs. On Linux, /proc also tells a
 * zombie (killed, not yet reaped: dead for our purpose) and a reused pid (no longer a pulumi
 * process) apart from a live holder.
 */
export function processAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "EPERM";
    }
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
        if (state === "Z" || state === "X") {
            return false;
        }
        const argv0 = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0] ?? "";
        return argv0 === "pulumi" || argv0.endsWith("/pulumi");
    } catch {
        return true; // no /proc: trust kill(0)
    }
}
