/**
 * The events of the audit trail (schema 1): their fields and forms, their keys, and the strict
 * reading of an object as an event (automation/history/audit.ts stores and lists them).
 */
import { tryParseVersion } from "../../rules/versions";

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
 * - `snapshot`: an environment's database captured as a new dataset (`env snapshot`); `digests`
 *   holds `snapshot` → the new dataset image's digest
 * - `rollback`: prod or dev deployed again with the digests of an earlier successful deploy
 *   (`vnv rollback`); `version` and `digests` are the ones it returned to
 * - `sleep`, `wake`: an environment's services put to 0 tasks or back by hand (`env sleep|wake`)
 * - `idle`: the reaper brought an unused environment's expiry forward (vnv:ephemeral.idleAfter)
 */
export const AUDIT_ACTIONS = ["deploy", "update", "extend", "destroy", "reap", "promote", "pin", "snapshot", "rollback", "sleep", "wake", "idle"] as const;
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
    /** Why, when the operator said (`env extend --keep <reason>`), at most {@link MAX_TEXT} characters. */
    readonly reason?: string;
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
    /** Only this kind of operation, or these kinds. */
    readonly action?: AuditAction | readonly AuditAction[];
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
export const MAX_TEXT = 200;
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
    "reason",
]);
const ID = /^(\d{8}T\d{9}Z)-[0-9a-f]{16}$/;
const KEY = /^\.vnv\/history\/v1\/(\d{8}T\d{9}Z-[0-9a-f]{16})\.json$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const SERVICE = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
export const CONTROL = /[\u0000-\u001f\u007f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: an error message keeps its lines and tabs, nothing else
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f]/;

export const isIso = (v: unknown): v is string => typeof v === "string" && ISO.test(v) && !Number.isNaN(Date.parse(v)) && new Date(v).toISOString() === v;

/** `2026-11-27T10:00:00.123Z` → `20261127T100000123Z`: fixed width, sorts as the time does (years 0000-9999). */
export function stamp(iso: string): string {
    return iso.replace(/[-:.]/g, "");
}

export function isUrl(v: string): boolean {
    try {
        const u = new URL(v);
        return (u.protocol === "https:" || u.protocol === "http:") && u.href.length <= MAX_URL;
    } catch {
        return false;
    }
}

/** The event `value` is, or every way it is not one. */
export function readEvent(value: unknown): { event: AuditEvent; problems?: undefined } | { event?: undefined; problems: string[] } {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return { problems: ["not a JSON object"] };
    }
    const o = value as Record<string, unknown>;
    const problems = [...envelopeProblems(o), ...textProblems(o), ...digestProblems(o.digests), ...outcomeProblems(o)];
    return problems.length > 0 ? { problems } : { event: eventOf(o) };
}

/** The fields, the schema, the id and the time. */
function envelopeProblems(o: Record<string, unknown>): string[] {
    const problems: string[] = [];
    const extra = Object.keys(o).filter((k) => !FIELDS.has(k));
    if (extra.length > 0) {
        problems.push(`fields schema ${AUDIT_SCHEMA} does not have: ${extra.map((k) => JSON.stringify(k)).join(", ")}`);
    }
    if (o.schema !== AUDIT_SCHEMA) {
        problems.push(`schema is ${JSON.stringify(o.schema) ?? "missing"}, expected ${AUDIT_SCHEMA}`);
    }
    if (typeof o.id !== "string" || !ID.test(o.id)) {
        problems.push("id is not <YYYYMMDDTHHMMSSmmmZ>-<16 hex digits>");
    } else if (isIso(o.at) && !o.id.startsWith(`${stamp(o.at)}-`)) {
        problems.push(`id ${o.id} does not start with the time of at (${o.at})`);
    }
    if (!isIso(o.at)) {
        problems.push("at is not a time as toISOString writes it (2026-11-27T10:00:00.000Z)");
    }
    if (!(AUDIT_ACTIONS as readonly unknown[]).includes(o.action)) {
        problems.push(`action is ${JSON.stringify(o.action) ?? "missing"}, expected one of ${AUDIT_ACTIONS.join(", ")}`);
    }
    return problems;
}

/** One text field: a string, bounded, without control characters (line breaks allowed where `lines`). */
function textProblem(o: Record<string, unknown>, field: string, options: { empty?: boolean; max?: number; lines?: boolean } = {}): string | undefined {
    const v = o[field];
    const max = options.max ?? MAX_TEXT;
    if (typeof v !== "string") {
        return `${field} is ${v === undefined ? "missing" : "not a string"}`;
    }
    if (v === "" && !options.empty) {
        return `${field} is empty`;
    }
    if (v.length > max) {
        return `${field} is longer than ${max} characters`;
    }
    return (options.lines ? CONTROL_BUT_LINES : CONTROL).test(v) ? `${field} holds control characters` : undefined;
}

/** Who, where, which version, and the URLs. */
function textProblems(o: Record<string, unknown>): string[] {
    const problems = [
        textProblem(o, "actor"),
        textProblem(o, "environment"),
        textProblem(o, "version", { empty: true }),
        ...(o.reason === undefined ? [] : [textProblem(o, "reason")]),
    ];
    for (const field of ["url", "runUrl"] as const) {
        const v = o[field];
        if (v !== undefined && (typeof v !== "string" || !isUrl(v))) {
            problems.push(`${field} is not an http(s) URL of at most ${MAX_URL} characters`);
        }
    }
    return problems.filter((p): p is string => p !== undefined);
}

/** A map of service name → sha256 digest, bounded. */
function digestProblems(digests: unknown): string[] {
    if (typeof digests !== "object" || digests === null || Array.isArray(digests)) {
        return [`digests is ${digests === undefined ? "missing" : "not an object"}`];
    }
    const problems: string[] = [];
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
    return problems;
}

/** The result, its error, the duration and the expiry. */
function outcomeProblems(o: Record<string, unknown>): string[] {
    const problems: string[] = [];
    if (o.result !== "succeeded" && o.result !== "failed") {
        problems.push(`result is ${JSON.stringify(o.result) ?? "missing"}, expected succeeded or failed`);
    }
    if (o.result === "failed" || o.error !== undefined) {
        const error = textProblem(o, "error", { max: MAX_ERROR, lines: true });
        problems.push(...(error === undefined ? [] : [error]), ...(o.result === "succeeded" ? ["error is given for an operation that succeeded"] : []));
    }
    if (typeof o.durationMs !== "number" || !Number.isSafeInteger(o.durationMs) || o.durationMs < 0) {
        problems.push("durationMs is not a whole number of milliseconds, at least 0");
    }
    if (o.expiresAt !== undefined && !isIso(o.expiresAt)) {
        problems.push("expiresAt is not a time as toISOString writes it");
    }
    return problems;
}

/** A new object, field by field, in one order: nothing of the input but the checked values. */
function eventOf(o: Record<string, unknown>): AuditEvent {
    return {
        schema: AUDIT_SCHEMA,
        id: o.id as string,
        at: o.at as string,
        actor: o.actor as string,
        action: o.action as AuditAction,
        environment: o.environment as string,
        version: o.version as string,
        digests: Object.fromEntries(Object.entries(o.digests as Record<string, string>)),
        result: o.result as AuditResult,
        ...(o.error !== undefined ? { error: o.error as string } : {}),
        durationMs: o.durationMs as number,
        ...(o.url !== undefined ? { url: o.url as string } : {}),
        ...(o.expiresAt !== undefined ? { expiresAt: o.expiresAt as string } : {}),
        ...(o.runUrl !== undefined ? { runUrl: o.runUrl as string } : {}),
        ...(o.reason !== undefined ? { reason: o.reason as string } : {}),
    };
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
export function versionMatches(recorded: string, wanted: string): boolean {
    const a = tryParseVersion(recorded);
    const b = tryParseVersion(wanted);
    return a !== undefined && b !== undefined ? a.canonical === b.canonical : recorded === wanted;
}
