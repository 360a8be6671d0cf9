/**
 * Time-to-live of ephemeral environments: parsing durations (`6h`, `90m`, `1d12h`), expiry,
 * and how time left is shown. Pure: no `@pulumi/*` import, no clock (callers pass `now`).
 */

export class TtlError extends Error {
    /** Bad input (rules/meaning.ts). */
    readonly meaning = "bad-input";
    constructor(message: string) {
        super(message);
        this.name = "TtlError";
    }
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION = /^(\d+[smhdw])+$/;
export const DURATION_FORMS = "a positive duration such as 30m, 6h, 1d or 1d12h (units s, m, h, d, w)";

/** Milliseconds of a duration like `6h` or `1h30m`; throws {@link TtlError} naming the input. */
export function parseDuration(text: string, what: string = "duration"): number {
    const t = String(text).trim();
    if (!DURATION.test(t)) {
        throw new TtlError(`invalid ${what} ${JSON.stringify(text)}: expected ${DURATION_FORMS}`);
    }
    let ms = 0;
    for (const [, n, unit] of t.matchAll(/(\d+)([smhdw])/g)) {
        ms += Number(n) * UNITS[unit!]!;
    }
    if (!Number.isSafeInteger(ms) || ms <= 0) {
        throw new TtlError(`invalid ${what} ${JSON.stringify(text)}: expected ${DURATION_FORMS}`);
    }
    return ms;
}

/** `2h 5m`, `3d 4h`, `45s`; negative durations as `-…`. */
export function formatDuration(ms: number): string {
    const sign = ms < 0 ? "-" : "";
    const parts = inUnits(Math.abs(Math.round(ms / 1000)), [
        ["d", 86_400],
        ["h", 3_600],
        ["m", 60],
        ["s", 1],
    ]).slice(0, 2);
    return sign + (parts.join(" ") || "0s");
}

/** `amount` in the units, largest first, each with its count (units with none left out). */
function inUnits(amount: number, units: readonly (readonly [string, number])[]): string[] {
    let rest = amount;
    const parts: string[] = [];
    for (const [unit, size] of units) {
        if (rest >= size) {
            parts.push(`${Math.floor(rest / size)}${unit}`);
            rest %= size;
        }
    }
    return parts;
}

export interface TtlPolicy {
    /** TTL when none is asked for. */
    readonly defaultMs: number;
    /** The largest TTL anyone may ask for (counted from creation). */
    readonly maxMs: number;
    /** The longest a kept environment may live, from creation (`env extend --keep`); none: no keeping. */
    readonly maxKeepMs?: number;
}

export function ttlPolicy(defaultTtl: string, maxTtl: string, maxKeep?: string): TtlPolicy {
    const defaultMs = parseDuration(defaultTtl, "default TTL");
    const maxMs = parseDuration(maxTtl, "maximum TTL");
    if (defaultMs > maxMs) {
        throw new TtlError(`default TTL ${defaultTtl} is above the maximum TTL ${maxTtl}`);
    }
    if (maxKeep === undefined) {
        return { defaultMs, maxMs };
    }
    const maxKeepMs = parseDuration(maxKeep, "maximum kept life");
    if (maxKeepMs < maxMs) {
        throw new TtlError(`maximum kept life ${maxKeep} is below the maximum TTL ${maxTtl}`);
    }
    return { defaultMs, maxMs, maxKeepMs };
}

/** A duration as the command line takes it back: `1d6h`, `12h`, `45m` (whole minutes, at least 1m). */
export function ttlText(ms: number): string {
    return inUnits(Math.max(1, Math.round(ms / 60_000)), [
        ["d", 1440],
        ["h", 60],
        ["m", 1],
    ]).join("");
}

/**
 * Expiry of an environment created at `createdAt` with `ttl` (text, or undefined for the
 * default). TTL is counted from creation; above the maximum it is refused.
 */
export function expiryFor(createdAt: Date, ttl: string | undefined, policy: TtlPolicy): Date {
    const ms = ttl === undefined ? policy.defaultMs : parseDuration(ttl, "TTL");
    if (ms > policy.maxMs) {
        throw new TtlError(`TTL ${ttl} is above the maximum of ${formatDuration(policy.maxMs)}`);
    }
    return new Date(createdAt.getTime() + ms);
}

/** Parses a time given on the command line (`--now`): ISO 8601. */
export function parseTime(text: string, what: string = "time"): Date {
    const d = new Date(text);
    if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(d.getTime())) {
        throw new TtlError(`invalid ${what} ${JSON.stringify(text)}: expected an ISO 8601 time such as 2026-11-23T18:00:00Z`);
    }
    return d;
}
