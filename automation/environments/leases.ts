/**
 * Leases: vnv's own hold on one environment while a command decides and acts on it (up, extend,
 * down, and the reaper between re-reading an environment's tags and removing its stack).
 *
 * Why not the engine's lock: the engine locks a stack only during an update, refresh or destroy,
 * and writes stack tags without any lock (the DIY backend rewrites the whole tags file,
 * `backend/diy/stack_tags.go`). A reaper that read an expiry, then destroyed, could destroy an
 * environment whose `extend` was confirmed in between. Under a lease the reaper re-reads the tags
 * and destroys with nobody able to change them meanwhile; `extend` waits for nobody and is
 * refused (busy, exit 3) while the reaper holds it.
 *
 * A lease is one create-only object `.vnv/leases/v1/<project>/<stack>.json` beside the history
 * (automation/state/blobs.ts: `link()` on a directory, `If-None-Match: *` on S3), removed when the
 * command ends. A lease whose holder is gone (a dead process on this host, or older than the
 * stale age, as for the engine's locks) is cleared by the next command. Clearing is remove, then
 * create: two runs that clear the same stale lease at the same moment could both go on (it takes
 * a killed holder and two racers; a compare-and-delete would close it). Backends vnv cannot
 * reach directly (gs://, azblob://) have no leases: there the reaper's re-read narrows the race
 * but cannot close it.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import type { Blobs } from "../state/blobs";
import { LeaseHeldError, type LockInfo } from "../errors";

/** The largest lease object read (a lease is about 200 bytes). */
const MAX_LEASE_BYTES = 4096;

export interface LeaseHolder {
    readonly user: string;
    readonly host: string;
    readonly pid: number;
    /** The holder process's start time in clock ticks (Linux `/proc/<pid>/stat`), to tell a reused pid apart. */
    readonly pidStart?: string;
}

interface LeaseRecord extends LeaseHolder {
    readonly v: 1;
    readonly operation: string;
    readonly since: string;
}

export interface LeasePolicy {
    /** A lease older than this is stale even if its process may live on another machine. */
    readonly staleAfterMs: number;
    readonly clock: () => Date;
    readonly log: (line: string) => void;
    /** @default this process */
    readonly holder?: LeaseHolder;
}

export class Leases {
    private readonly holder: LeaseHolder;

    constructor(
        private readonly blobs: Blobs | undefined,
        private readonly project: string,
        private readonly policy: LeasePolicy,
    ) {
        this.holder = policy.holder ?? thisProcess();
    }

    /** Runs `fn` holding `stack`'s lease; another live holder makes it a {@link LeaseHeldError} (busy). */
    async hold<T>(stack: string, operation: string, fn: () => Promise<T>): Promise<T> {
        const blobs = this.blobs;
        if (blobs === undefined) {
            return fn();
        }
        const key = `.vnv/leases/v1/${this.project}/${stack}.json`;
        await this.acquire(blobs, key, stack, operation);
        try {
            return await fn();
        } finally {
            await blobs
                .remove(key)
                .catch((e: unknown) => this.policy.log(`${stack}: could not release its lease (${String(e)}); it is cleared as stale later`));
        }
    }

    private async acquire(blobs: Blobs, key: string, stack: string, operation: string): Promise<void> {
        const record: LeaseRecord = { v: 1, ...this.holder, operation, since: this.policy.clock().toISOString() };
        const bytes = Buffer.from(JSON.stringify(record));
        for (let attempt = 0; ; attempt++) {
            if ((await blobs.create(key, bytes)) === "created") {
                return;
            }
            const held = await blobs.read(key);
            if (held === undefined && attempt < 5) {
                continue; // released meanwhile
            }
            const other = held === undefined ? undefined : parseLease(held);
            if (attempt === 0 && held !== undefined && (other === undefined || this.isStale(other))) {
                this.policy.log(`${stack}: clearing the stale lease of ${other === undefined ? "an unreadable holder" : describe(other)}`);
                await blobs.remove(key);
                continue;
            }
            throw new LeaseHeldError(stack, other === undefined ? [] : [toLockInfo(key, other)], other?.operation);
        }
    }

    private isStale(lease: LeaseRecord): boolean {
        const age = this.policy.clock().getTime() - new Date(lease.since).getTime();
        if (age > this.policy.staleAfterMs) {
            return true;
        }
        return lease.host === this.holder.host && !holderAlive(lease);
    }
}

function describe(lease: LeaseRecord): string {
    return `${lease.operation} by ${lease.user}@${lease.host} (pid ${lease.pid}) since ${lease.since}`;
}

function toLockInfo(key: string, lease: LeaseRecord): LockInfo {
    return { url: key, user: lease.user, host: lease.host, pid: lease.pid, since: new Date(lease.since) };
}

const WORD = /^[A-Za-z0-9._@+-]{1,64}$/;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A lease object as vnv writes it, or undefined (unreadable: treated as stale, so never blocking forever). */
export function parseLease(bytes: Buffer): LeaseRecord | undefined {
    if (bytes.length > MAX_LEASE_BYTES) {
        return undefined;
    }
    let value: unknown;
    try {
        value = JSON.parse(bytes.toString("utf8"));
    } catch {
        return undefined;
    }
    const r = value as Partial<Record<keyof LeaseRecord, unknown>>;
    const ok =
        typeof value === "object" &&
        value !== null &&
        r.v === 1 &&
        typeof r.user === "string" &&
        WORD.test(r.user) &&
        typeof r.host === "string" &&
        WORD.test(r.host) &&
        Number.isSafeInteger(r.pid) &&
        (r.pid as number) > 0 &&
        typeof r.operation === "string" &&
        /^[a-z]{1,16}$/.test(r.operation) &&
        typeof r.since === "string" &&
        TIME.test(r.since) &&
        (r.pidStart === undefined || (typeof r.pidStart === "string" && /^\d{1,20}$/.test(r.pidStart)));
    return ok ? (value as LeaseRecord) : undefined;
}

function safeWord(text: string, fallback: string): string {
    const cleaned = text.replace(/[^A-Za-z0-9._@+-]/g, "-").slice(0, 64);
    return cleaned === "" ? fallback : cleaned;
}

/** This process as a lease holder. */
export function thisProcess(): LeaseHolder {
    let user = "unknown";
    try {
        user = os.userInfo().username;
    } catch {
        // no passwd entry (a container's arbitrary uid)
    }
    const start = processStart(process.pid);
    return { user: safeWord(user, "unknown"), host: safeWord(os.hostname(), "unknown"), pid: process.pid, ...(start === undefined ? {} : { pidStart: start }) };
}

/** Field 22 of `/proc/<pid>/stat` (start time), or undefined without /proc. */
function processStart(pid: number): string | undefined {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
    } catch {
        return undefined;
    }
}

/** Whether a lease's holder (on this host) still runs: alive, not a zombie, and the same process (start time). */
function holderAlive(lease: LeaseRecord): boolean {
    try {
        process.kill(lease.pid, 0);
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "EPERM";
    }
    try {
        const stat = fs.readFileSync(`/proc/${lease.pid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        if (fields[0] === "Z" || fields[0] === "X") {
            return false;
        }
        return lease.pidStart === undefined || fields[19] === lease.pidStart;
    } catch {
        return true; // no /proc: trust kill(0)
    }
}
