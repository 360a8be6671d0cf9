/** Typed failures of the automation, each carrying its meaning once (rules/meaning.ts). */
import type { Meaning } from "../rules/meaning";

export { type Meaning, meaningOf } from "../rules/meaning";

/** Bad input (a version, a TTL, a flag): nothing was touched. */
export class UsageError extends Error {
    readonly meaning: Meaning = "bad-input";
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

/** The operation could not be carried out. */
export class OperationError extends Error {
    readonly meaning: Meaning = "failed";
    constructor(message: string, options?: { cause?: unknown }) {
        super(message, options);
        this.name = "OperationError";
    }
}

export class EnvironmentNotFoundError extends OperationError {
    override readonly meaning: Meaning = "not-found";
    constructor(
        readonly stackName: string,
        message: string = `no environment ${stackName}: \`vnv env ls\` lists the live ones`,
    ) {
        super(message);
        this.name = "EnvironmentNotFoundError";
    }
}

export class NotEphemeralError extends OperationError {
    constructor(
        readonly stackName: string,
        reason: string,
    ) {
        super(`stack ${stackName} is not an ephemeral environment (${reason}); vnv env commands leave it alone`);
        this.name = "NotEphemeralError";
    }
}

export class MissingSecretsError extends UsageError {
    constructor() {
        super(
            "no secrets provider: set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) for the passphrase provider, " +
                "or pass --secrets-provider with a KMS URL such as awskms://alias/vnv-state",
        );
        this.name = "MissingSecretsError";
    }
}

/** One lock file on a self-managed backend: who holds the stack, where, since when. */
export interface LockInfo {
    readonly url: string;
    readonly user: string;
    readonly host: string;
    readonly pid: number;
    readonly since: Date;
}

export function describeLock(lock: LockInfo): string {
    return `${lock.user}@${lock.host} (pid ${lock.pid}) since ${lock.since.toISOString()}`;
}

export class StackLockedError extends OperationError {
    override readonly meaning: Meaning = "busy";
    constructor(
        readonly stackName: string,
        readonly locks: readonly LockInfo[],
        detail?: string,
    ) {
        super(
            detail ??
                `environment ${stackName} is being changed by another run: ${locks.map(describeLock).join("; ") || "lock holder unknown"}. ` +
                    "Wait for it to finish; a lock whose process is gone is cleared by the next run.",
        );
        this.name = "StackLockedError";
    }
}

/** Another vnv run holds the environment's lease (automation/environments/leases.ts): busy, like a held lock. */
export class LeaseHeldError extends StackLockedError {
    constructor(stackName: string, locks: readonly LockInfo[], operation?: string) {
        super(
            stackName,
            locks,
            `environment ${stackName} is being changed by another run: ${locks.map(describeLock).join("; ") || "holder unknown"}${operation === undefined ? "" : ` (vnv ${operation})`}. ` +
                "Wait for it to finish; a hold whose process is gone is cleared by the next run.",
        );
        this.name = "LeaseHeldError";
    }
}

export class CapacityError extends OperationError {
    override readonly meaning: Meaning = "busy";
    constructor(
        readonly max: number,
        readonly live: ReadonlyArray<{ stack: string; version: string; expiresAt: Date }>,
    ) {
        super(
            `the shared ALB holds at most ${max} environments and ${live.length} are live:\n` +
                live.map((e) => `  ${e.version.padEnd(24)} expires ${e.expiresAt.toISOString()}`).join("\n") +
                "\nTake one down (`vnv env down <version>`) or wait for the reaper.",
        );
        this.name = "CapacityError";
    }
}

/** Lines like `  file:///…/x.json: created by root@host (pid 42) at 2026-11-23T01:02:03Z` of a DIY lock error. */
export function parseLocks(text: string): LockInfo[] {
    const locks: LockInfo[] = [];
    const seen = new Set<string>();
    for (const m of text.matchAll(/^\s*(\S+): created by (.*?)@(\S+) \(pid (\d+)\) at (\S+)\s*$/gm)) {
        if (seen.has(m[1]!)) {
            continue; // the engine's text can come twice (message and stderr)
        }
        seen.add(m[1]!);
        const since = new Date(m[5]!);
        locks.push({ url: m[1]!, user: m[2]!, host: m[3]!, pid: Number(m[4]), since: Number.isNaN(since.getTime()) ? new Date(0) : since });
    }
    return locks;
}

/**
 * Another run's hold on a stack's lock, as the engine reports it: a held lock
 * (`ConcurrentUpdateError`), or a lock file that vanished while the engine read it (the DIY
 * backend lists the lock files, then reads each: a run that unlocked in between makes the read
 * fail with `blob (key ".pulumi/locks/…") (code=NotFound)` on S3, `no such file` on a
 * directory). Both pass in a moment; callers retry.
 */
export function isLockContention(e: unknown): boolean {
    // The SDK's ConcurrentUpdateError, told by its name: this module stays free of the SDK, so a
    // command that never runs the engine (`--help`) never loads it.
    if (e instanceof Error && e.name === "ConcurrentUpdateError") {
        return true;
    }
    const text = e instanceof Error ? e.message : String(e);
    return /\.pulumi\/locks\/[^\n]*?(code=NotFound|: no such file or directory)/.test(text);
}
