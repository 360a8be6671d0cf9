/**
 * The audit trail: one event per deploy, update, extend, destroy, reap, promote and pin (who,
 * when, which environment and version, the digests, the result and how long it took), kept in
 * the state backend beside the engine's layout, never inside `.pulumi/`, so it outlives every
 * stack and no engine operation touches it:
 *
 *   .vnv/history/v1/<YYYYMMDDTHHMMSSmmmZ>-<16 hex>.json     one event (JSON, schema 1)
 *
 * The key starts with the event's `at` (UTC, fixed width), so keys sort by time and a reader
 * that wants events since a moment lists from there (`startAfter`) instead of from the start.
 * The random part makes every writer's key its own, and each object is written create-only
 * (automation/state/blobs.ts): concurrent writers never overwrite each other, and nothing is ever
 * read, changed and written back, so there is nothing to lock.
 *
 * Every object is hostile input to the reader: read strictly (the exact fields of schema 1, their
 * forms and limits, the key agreeing with the content), and an object that is not an event is
 * reported as a problem naming its key, never acted on and never silently left out. Reading is
 * bounded: an object's size is known before it is read (a stat, the listing's size) and one
 * larger than an event is reported, never read; whatever under the prefix is not an object (a
 * symbolic link, a directory, a pipe) is reported, never followed or read; the listing has a
 * bound in entries ({@link MAX_HISTORY_OBJECTS}) and the whole read one in time
 * ({@link HISTORY_DEADLINE_MS}), past which it fails saying so rather than answer a part.
 */
import { randomBytes } from "node:crypto";
import * as os from "node:os";
import { type BlobListing, BlobNotObjectError, type Blobs, BlobTooLargeError, blobsFor, kindText, ListingTooLargeError } from "../state/blobs";
import type { Backend } from "../inputs";
import { mapLimit } from "../util";
import {
    AUDIT_PREFIX,
    AUDIT_SCHEMA,
    type AuditAction,
    type AuditEvent,
    AuditEventError,
    type AuditFilter,
    type AuditHistory,
    type AuditProblem,
    CONTROL,
    HISTORY_DEADLINE_MS,
    HistoryBoundError,
    MAX_ERROR,
    MAX_EVENT_BYTES,
    MAX_HISTORY_OBJECTS,
    MAX_TEXT,
    type NewAuditEvent,
    auditKey,
    isIso,
    isUrl,
    parseAuditEvent,
    readEvent,
    stamp,
    versionMatches,
} from "./events";

export * from "./events";

export interface AuditLogOptions {
    /** Objects read at once. @default 32 */
    readonly concurrency?: number;
    /** Tests only: answers the 16 hex digits that make a key its writer's own. */
    readonly random?: () => string;
    /** @default {@link MAX_HISTORY_OBJECTS} */
    readonly maxObjects?: number;
    /** @default {@link HISTORY_DEADLINE_MS} */
    readonly deadlineMs?: number;
}

const newestFirst = (a: BlobListing, b: BlobListing): number => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0);

export class AuditLog {
    private readonly concurrency: number;
    private readonly random: () => string;
    private readonly maxObjects: number;
    private readonly deadlineMs: number;

    constructor(
        private readonly blobs: Blobs,
        options: AuditLogOptions = {},
    ) {
        this.concurrency = options.concurrency ?? 32;
        this.random = options.random ?? (() => randomBytes(8).toString("hex"));
        this.maxObjects = options.maxObjects ?? MAX_HISTORY_OBJECTS;
        this.deadlineMs = options.deadlineMs ?? HISTORY_DEADLINE_MS;
    }

    /** The log on `backend`, or undefined for a backend vnv cannot reach directly (gs://, azblob://). */
    static for(backend: Backend, options: Omit<AuditLogOptions, "random"> = {}): AuditLog | undefined {
        const blobs = blobsFor(backend);
        return blobs === undefined ? undefined : new AuditLog(blobs, options);
    }

    /**
     * Writes `event` as one new object and answers it as written (with its id). `durationMs` is
     * rounded, an `error` longer than {@link MAX_ERROR} cut. Throws {@link AuditEventError} for
     * an event the reader would refuse, and nothing is written then.
     */
    async append(event: NewAuditEvent): Promise<AuditEvent> {
        const error = event.error !== undefined && event.error.length > MAX_ERROR ? `${event.error.slice(0, MAX_ERROR - 1)}…` : event.error;
        const durationMs = typeof event.durationMs === "number" ? Math.round(event.durationMs) : event.durationMs;
        for (let attempt = 0; attempt < 5; attempt++) {
            const candidate = {
                schema: AUDIT_SCHEMA,
                id: `${isIso(event.at) ? stamp(event.at) : "?"}-${this.random()}`,
                at: event.at,
                actor: event.actor,
                action: event.action,
                environment: event.environment,
                version: event.version,
                digests: event.digests,
                result: event.result,
                ...(error !== undefined ? { error } : {}),
                durationMs,
                ...(event.url !== undefined ? { url: event.url } : {}),
                ...(event.expiresAt !== undefined ? { expiresAt: event.expiresAt } : {}),
                ...(event.runUrl !== undefined ? { runUrl: event.runUrl } : {}),
                ...(event.reason !== undefined ? { reason: event.reason } : {}),
            };
            const read = readEvent(candidate);
            if (read.problems !== undefined) {
                throw new AuditEventError(read.problems);
            }
            const bytes = Buffer.from(`${JSON.stringify(read.event)}\n`, "utf8");
            const key = auditKey(read.event.id);
            if ((await this.blobs.create(key, bytes)) === "created") {
                return read.event;
            }
            // Taken. By our own write, when a retried request found its first attempt's object?
            if ((await this.readOwn(key, bytes.length))?.equals(bytes)) {
                return read.event;
            }
        }
        throw new Error(`no free key for an audit event under ${AUDIT_PREFIX} after 5 attempts (is the random source broken?)`);
    }

    /** The object at `key` if it is one of at most `size` bytes (else it is not ours). */
    private async readOwn(key: string, size: number): Promise<Buffer | undefined> {
        try {
            return await this.blobs.read(key, { maxBytes: size });
        } catch (e) {
            if (e instanceof BlobTooLargeError || e instanceof BlobNotObjectError) {
                return undefined;
            }
            throw e;
        }
    }

    /**
     * The events that pass `filter`, newest first, and every entry under the log's prefix that is
     * not an event. Throws {@link HistoryBoundError} when the listing holds more entries than its
     * bound or the whole read takes longer than its own.
     */
    async read(filter: AuditFilter = {}): Promise<AuditHistory> {
        const { since, limit } = filter;
        if (since !== undefined && Number.isNaN(since.getTime())) {
            throw new RangeError("since is not a valid time");
        }
        if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) {
            throw new RangeError(`limit ${limit} is not a positive whole number`);
        }
        const deadline = AbortSignal.timeout(this.deadlineMs);
        try {
            return await this.readWithin(filter, deadline);
        } catch (e) {
            if (deadline.aborted) {
                throw new HistoryBoundError(
                    `reading the history under ${AUDIT_PREFIX} took longer than ${this.deadlineMs / 1000} s, vnv's bound; nothing is shown rather than a part (is the backend slow or unreachable? --since reads less)`,
                );
            }
            if (e instanceof ListingTooLargeError) {
                throw new HistoryBoundError(
                    `the history holds more than ${this.maxObjects} entries under ${AUDIT_PREFIX}${since === undefined ? "" : " since then"}, more than vnv reads; --since reads only the recent ones, and old events can be expired (an S3 lifecycle rule on ${AUDIT_PREFIX})`,
                );
            }
            throw e;
        }
    }

    private async readWithin(filter: AuditFilter, signal: AbortSignal): Promise<AuditHistory> {
        const { since, limit } = filter;
        // From `since` on, by key; events of years the key cannot spell are found by the filter below.
        const year = since?.getUTCFullYear();
        const startAfter = since !== undefined && year !== undefined && year >= 0 && year <= 9999 ? `${AUDIT_PREFIX}${stamp(since.toISOString())}` : undefined;
        const listed = await this.blobs.list(AUDIT_PREFIX, { ...(startAfter !== undefined ? { startAfter } : {}), maxKeys: this.maxObjects, signal });
        const entries = [...listed].sort(newestFirst);
        const events: AuditEvent[] = [];
        const problems: AuditProblem[] = [];
        const actions: readonly AuditAction[] | undefined = typeof filter.action === "string" ? [filter.action] : filter.action;
        const wanted = (e: AuditEvent): boolean =>
            (filter.environment === undefined || e.environment === filter.environment) &&
            (filter.version === undefined || versionMatches(e.version, filter.version)) &&
            (since === undefined || Date.parse(e.at) >= since.getTime()) &&
            (actions === undefined || actions.includes(e.action)) &&
            (filter.result === undefined || e.result === filter.result);
        const batch = this.concurrency * 2;
        for (let i = 0; i < entries.length && events.length < (limit ?? Number.POSITIVE_INFINITY); i += batch) {
            const read = await mapLimit(entries.slice(i, i + batch), this.concurrency, (entry) => this.readEntry(entry, signal));
            for (const r of read) {
                if (r === undefined) {
                    continue;
                }
                if ("problem" in r) {
                    problems.push(r);
                } else if (wanted(r) && events.length < (limit ?? Number.POSITIVE_INFINITY)) {
                    events.push(r);
                }
            }
        }
        return { events, problems };
    }

    /** One listed entry as an event, or what is wrong with it; undefined when it was removed since the listing. */
    private async readEntry(entry: BlobListing, signal: AbortSignal): Promise<AuditEvent | AuditProblem | undefined> {
        const { key } = entry;
        const notObject = (kind: Exclude<BlobListing["kind"], "object">): AuditProblem => ({
            key,
            problem: `${kindText(kind)}, not an event: the history holds objects only (not followed, not read)`,
        });
        if (entry.kind !== "object") {
            return notObject(entry.kind);
        }
        if (entry.size > MAX_EVENT_BYTES) {
            return { key, problem: `${entry.size} bytes, more than an event's ${MAX_EVENT_BYTES} (not read)` };
        }
        let bytes: Buffer | undefined;
        try {
            bytes = await this.blobs.read(key, { maxBytes: MAX_EVENT_BYTES, signal });
        } catch (e) {
            if (e instanceof BlobTooLargeError) {
                return { key, problem: `${e.size ?? "more than"} bytes, more than an event's ${MAX_EVENT_BYTES} (not read past them)` };
            }
            if (e instanceof BlobNotObjectError) {
                return notObject(e.kind);
            }
            throw e;
        }
        if (bytes === undefined) {
            return undefined; // removed since the listing (a retention rule): not an event, not a problem
        }
        try {
            return parseAuditEvent(key, bytes);
        } catch (e) {
            if (e instanceof AuditEventError) {
                return { key, problem: e.problems.join("; ") };
            }
            throw e;
        }
    }
}

/**
 * Who is acting and from which CI run, from the environment: `$GITHUB_ACTOR` and the run's
 * link in GitHub Actions, else `user@host`. Always an actor the log accepts.
 */
export function auditContext(env: NodeJS.ProcessEnv): { actor: string; runUrl?: string } {
    const clean = (s: string): string => s.replace(new RegExp(CONTROL.source, "g"), "").slice(0, MAX_TEXT);
    let actor = clean(env.GITHUB_ACTOR ?? "");
    if (actor === "") {
        let user = env.USER ?? env.USERNAME ?? "";
        try {
            user = os.userInfo().username;
        } catch {
            // no passwd entry: keep $USER
        }
        actor = clean(`${user || "unknown"}@${os.hostname() || "unknown"}`);
    }
    const server = env.GITHUB_SERVER_URL ?? "https://github.com";
    const repository = env.GITHUB_REPOSITORY ?? "";
    const run = env.GITHUB_RUN_ID ?? "";
    const attempt = env.GITHUB_RUN_ATTEMPT ?? "";
    const runUrl =
        /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository) && /^\d{1,20}$/.test(run) && isUrl(server)
            ? `${server.replace(/\/+$/, "")}/${repository}/actions/runs/${run}${/^\d{1,5}$/.test(attempt) ? `/attempts/${attempt}` : ""}`
            : undefined;
    return runUrl !== undefined ? { actor, runUrl } : { actor };
}
