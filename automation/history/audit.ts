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
import { tryParseVersion } from "../../rules/versions";
import { type BlobListing, BlobNotObjectError, type Blobs, BlobTooLargeError, blobsFor, kindText, ListingTooLargeError } from "../state/blobs";
import type { Backend } from "../inputs";
import { mapLimit } from "../util";

export const AUDIT_SCHEMA = 1;
/** Where the events of schema 1 live; another schema gets another prefix. */
export const AUDIT_PREFIX = ".vnv/history/v1/";

/**
 * What an event records; one event per environment touched.
 *
 * - `deploy`: an environment created (the first `env up` of a version, or of dev or prod)
 * - `update`: a live environment updated (`env up` again: new digests, configuration or TTL)
 * - `extend`: a live environment's expiry moved, nothing else (`env extend`)
 * - `destroy`: an environment destroyed and its stack removed by hand (`env down`)
 * - `reap`: an expired environment destroyed and removed by the reaper (`env reap`)
 * - `promote`: a release candidate promoted to a release (`release promote`); `environment` is
 *   the environment tag moved along (`prod`), `version` the release
 * - `pin`: a checked release pinned into a stack file (`release check --pin`); `environment` is
 *   the stack (`dev`, `prod`)
 */
export const AUDIT_ACTIONS = ["deploy", "update", "extend", "destroy", "reap", "promote", "pin"] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
export type AuditResult = "succeeded" | "failed";

export interface AuditEvent {
    readonly schema: typeof AUDIT_SCHEMA;
    /** `<YYYYMMDDTHHMMSSmmmZ>-<16 hex>`: the object's name without `.json`. */
    readonly id: string;
    /** When the operation started, as `toISOString` writes it. */
    readonly at: string;
    /** Who: `$GITHUB_ACTOR` in a workflow, else `user@host` (see {@link auditContext}). */
    readonly actor: string;
    readonly action: AuditAction;
    /** The stack name as given (`prod`, `dev`, `v1-2-3-rc-1`), or the environment tag for `promote`. */
    readonly environment: string;
    /** The version as given (canonical where the caller has it); empty when unknown (a malformed stack reaped). */
    readonly version: string;
    /** Service → `sha256:…` digest deployed, promoted or pinned; empty when none. */
    readonly digests: Readonly<Record<string, string>>;
    readonly result: AuditResult;
    /** Why it failed (present exactly when `result` is `failed`), at most {@link MAX_ERROR} characters. */
    readonly error?: string;
    /** How long the operation took, in whole milliseconds. */
    readonly durationMs: number;
    /** The environment's URL. */
    readonly url?: string;
    /** The environment's expiry after the operation, as `toISOString` writes it. */
    readonly expiresAt?: string;
    /** The CI run that did it. */
    readonly runUrl?: string;
}

/** What a caller appends: the id and the schema are the log's. */
export type NewAuditEvent = Omit<AuditEvent, "id" | "schema">;

export interface AuditFilter {
    /** Only this environment (exact text). */
    readonly environment?: string;
    /** Only this version: any spelling of it (`v1.2.3-rc.1`, `1.2.3-RC1`); text that is no version matches exactly. */
    readonly version?: string;
    /** Only events that started at or after this moment. */
    readonly since?: Date;
    /** Only this kind of operation. */
    readonly action?: AuditAction;
    /** Only operations with this result. */
    readonly result?: AuditResult;
    /** At most this many events, the newest. */
    readonly limit?: number;
}

export interface AuditProblem {
    readonly key: string;
    readonly problem: string;
}

export interface AuditHistory {
    /** Newest first. */
    readonly events: AuditEvent[];
    /** Objects under the log's prefix that are not events, each with what is wrong. */
    readonly problems: AuditProblem[];
}

/** Thrown by {@link AuditLog.append} for an event it would not be able to read back. */
export class AuditEventError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(`invalid audit event: ${problems.join("; ")}`);
        this.name = "AuditEventError";
    }
}

/** Longest `error` kept; {@link AuditLog.append} cuts longer messages (the whole one is in the run's output). */
export const MAX_ERROR = 4000;
/** Largest object the reader reads as an event. */
export const MAX_EVENT_BYTES = 64 * 1024;
/** Most entries the reader lists under the prefix (from `since` on): past it, `read` fails naming the bound. */
export const MAX_HISTORY_OBJECTS = 200_000;
/** Longest a whole `read` may take: past it, `read` fails naming the bound. */
export const HISTORY_DEADLINE_MS = 120_000;

/** The history could not be read within its bounds (entries listed, time): nothing is answered, since a part would mislead. */
export class HistoryBoundError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "HistoryBoundError";
    }
}
const MAX_TEXT = 200;
const MAX_URL = 2000;
const MAX_DIGESTS = 64;

const FIELDS: ReadonlySet<string> = new Set([
    "schema",
    "id",
    "at",
    "actor",
    "action",
    "environment",
    "version",
    "digests",
    "result",
    "error",
    "durationMs",
    "url",
    "expiresAt",
    "runUrl",
]);
const ID = /^(\d{8}T\d{9}Z)-[0-9a-f]{16}$/;
const KEY = /^\.vnv\/history\/v1\/(\d{8}T\d{9}Z-[0-9a-f]{16})\.json$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const SERVICE = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: an error message keeps its lines and tabs, nothing else
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f]/;

const isIso = (v: unknown): v is string => typeof v === "string" && ISO.test(v) && !Number.isNaN(Date.parse(v)) && new Date(v).toISOString() === v;

/** `2026-11-27T10:00:00.123Z` → `20261127T100000123Z`: fixed width, sorts as the time does (years 0000-9999). */
function stamp(iso: string): string {
    return iso.replace(/[-:.]/g, "");
}

function isUrl(v: string): boolean {
    try {
        const u = new URL(v);
        return (u.protocol === "https:" || u.protocol === "http:") && u.href.length <= MAX_URL;
    } catch {
        return false;
    }
}

/** The event `value` is, or every way it is not one. */
function readEvent(value: unknown): { event: AuditEvent; problems?: undefined } | { event?: undefined; problems: string[] } {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return { problems: ["not a JSON object"] };
    }
    const o = value as Record<string, unknown>;
    const problems: string[] = [];
    const extra = Object.keys(o).filter((k) => !FIELDS.has(k));
    if (extra.length > 0) {
        problems.push(`fields schema ${AUDIT_SCHEMA} does not have: ${extra.map((k) => JSON.stringify(k)).join(", ")}`);
    }
    if (o.schema !== AUDIT_SCHEMA) {
        problems.push(`schema is ${JSON.stringify(o.schema) ?? "missing"}, expected ${AUDIT_SCHEMA}`);
    }
    const text = (field: string, options: { empty?: boolean; max?: number; lines?: boolean } = {}): void => {
        const v = o[field];
        const max = options.max ?? MAX_TEXT;
        if (typeof v !== "string") {
            problems.push(`${field} is ${v === undefined ? "missing" : "not a string"}`);
        } else if (v === "" && !options.empty) {
            problems.push(`${field} is empty`);
        } else if (v.length > max) {
            problems.push(`${field} is longer than ${max} characters`);
        } else if ((options.lines ? CONTROL_BUT_LINES : CONTROL).test(v)) {
            problems.push(`${field} holds control characters`);
        }
    };
    if (typeof o.id !== "string" || !ID.test(o.id)) {
        problems.push("id is not <YYYYMMDDTHHMMSSmmmZ>-<16 hex digits>");
    } else if (isIso(o.at) && !o.id.startsWith(`${stamp(o.at)}-`)) {
        problems.push(`id ${o.id} does not start with the time of at (${o.at})`);
    }
    if (!isIso(o.at)) {
        problems.push("at is not a time as toISOString writes it (2026-11-27T10:00:00.000Z)");
    }
    text("actor");
    if (!(AUDIT_ACTIONS as readonly unknown[]).includes(o.action)) {
        problems.push(`action is ${JSON.stringify(o.action) ?? "missing"}, expected one of ${AUDIT_ACTIONS.join(", ")}`);
    }
    text("environment");
    text("version", { empty: true });
    const digests = o.digests;
    if (typeof digests !== "object" || digests === null || Array.isArray(digests)) {
        problems.push(`digests is ${digests === undefined ? "missing" : "not an object"}`);
    } else {
        const entries = Object.entries(digests);
        if (entries.length > MAX_DIGESTS) {
            problems.push(`digests has more than ${MAX_DIGESTS} services`);
        }
        for (const [service, digest] of entries.slice(0, MAX_DIGESTS)) {
            if (!SERVICE.test(service)) {
                problems.push(`digests: ${JSON.stringify(service.slice(0, 80))} is not a service name`);
            } else if (typeof digest !== "string" || !DIGEST.test(digest)) {
                problems.push(`digests.${service} is not sha256: followed by 64 lowercase hex digits`);
            }
        }
    }
    if (o.result !== "succeeded" && o.result !== "failed") {
        problems.push(`result is ${JSON.stringify(o.result) ?? "missing"}, expected succeeded or failed`);
    }
    if (o.result === "failed" || o.error !== undefined) {
        text("error", { max: MAX_ERROR, lines: true });
        if (o.result === "succeeded") {
            problems.push("error is given for an operation that succeeded");
        }
    }
    if (typeof o.durationMs !== "number" || !Number.isSafeInteger(o.durationMs) || o.durationMs < 0) {
        problems.push("durationMs is not a whole number of milliseconds, at least 0");
    }
    for (const field of ["url", "runUrl"] as const) {
        const v = o[field];
        if (v !== undefined && (typeof v !== "string" || !isUrl(v))) {
            problems.push(`${field} is not an http(s) URL of at most ${MAX_URL} characters`);
        }
    }
    if (o.expiresAt !== undefined && !isIso(o.expiresAt)) {
        problems.push("expiresAt is not a time as toISOString writes it");
    }
    if (problems.length > 0) {
        return { problems };
    }
    // A new object, field by field, in one order: nothing of the input but the checked values.
    const event: AuditEvent = {
        schema: AUDIT_SCHEMA,
        id: o.id as string,
        at: o.at as string,
        actor: o.actor as string,
        action: o.action as AuditAction,
        environment: o.environment as string,
        version: o.version as string,
        digests: Object.fromEntries(Object.entries(digests as Record<string, string>)),
        result: o.result as AuditResult,
        ...(o.error !== undefined ? { error: o.error as string } : {}),
        durationMs: o.durationMs as number,
        ...(o.url !== undefined ? { url: o.url as string } : {}),
        ...(o.expiresAt !== undefined ? { expiresAt: o.expiresAt as string } : {}),
        ...(o.runUrl !== undefined ? { runUrl: o.runUrl as string } : {}),
    };
    return { event };
}

/** The key of the event `id`. */
export function auditKey(id: string): string {
    return `${AUDIT_PREFIX}${id}.json`;
}

/** Reads the object at `key` as an event; throws {@link AuditEventError} saying what is wrong. */
export function parseAuditEvent(key: string, bytes: Buffer): AuditEvent {
    const m = KEY.exec(key);
    if (m === null) {
        throw new AuditEventError([`not an event's key (${AUDIT_PREFIX}<YYYYMMDDTHHMMSSmmmZ>-<16 hex digits>.json)`]);
    }
    if (bytes.length > MAX_EVENT_BYTES) {
        throw new AuditEventError([`${bytes.length} bytes, more than an event's ${MAX_EVENT_BYTES}`]);
    }
    let value: unknown;
    try {
        value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    } catch (e) {
        throw new AuditEventError([`not JSON in UTF-8 (${(e as Error).message})`]);
    }
    const read = readEvent(value);
    if (read.problems !== undefined) {
        throw new AuditEventError(read.problems);
    }
    if (read.event.id !== m[1]) {
        throw new AuditEventError([`its id ${read.event.id} is not its key's`]);
    }
    return read.event;
}

/** True when `wanted` names the event's version: by the version rules when both are versions, else by their text. */
function versionMatches(recorded: string, wanted: string): boolean {
    const a = tryParseVersion(recorded);
    const b = tryParseVersion(wanted);
    return a !== undefined && b !== undefined ? a.canonical === b.canonical : recorded === wanted;
}

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
        const wanted = (e: AuditEvent): boolean =>
            (filter.environment === undefined || e.environment === filter.environment) &&
            (filter.version === undefined || versionMatches(e.version, filter.version)) &&
            (since === undefined || Date.parse(e.at) >= since.getTime()) &&
            (filter.action === undefined || e.action === filter.action) &&
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
