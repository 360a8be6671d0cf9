/**
 * The `--since` of `vnv history`: a moment, given as a date, a time with a time zone, or a
 * duration back from now. Pure: no `@pulumi/*` import, no clock (callers pass `now`).
 *
 * | input                                         | means                                   |
 * |-----------------------------------------------|-----------------------------------------|
 * | `2026-11-27`                                  | that day's midnight, UTC                |
 * | `2026-11-27T10:00Z`, `2026-11-27T10:00:30+01:00`, `2026-11-27T10:00:30.250Z` | that moment |
 * | `90m`, `36h`, `7d`, `2w`, `1d12h`             | that long before `now` (units s m h d w) |
 *
 * Nothing else: no time without a time zone (whose zone?), no lowercase `t`/`z`, no spaces,
 * no impossible dates (`2026-02-30`), no zero or negative durations.
 */
import { parseDuration, TtlError } from "./ttl";

export const SINCE_FORMS =
    "a date (2026-11-27, midnight UTC), a time with a time zone (2026-11-27T10:00Z, 2026-11-27T10:00:00+01:00) or a duration back from now (90m, 36h, 7d, 1d12h; units s, m, h, d, w)";

/** Thrown for a `--since` that is none of the accepted forms. */
export class SinceError extends Error {
    constructor(
        readonly input: string,
        what: string,
        reason?: string,
    ) {
        super(`invalid ${what} ${JSON.stringify(input)}: ${reason === undefined ? "" : `${reason}; `}expected ${SINCE_FORMS}`);
        this.name = "SinceError";
    }
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|([+-])(\d{2}):(\d{2}))$/;
const DURATION = /^(\d+[smhdw])+$/;

/** The UTC moment of a calendar date and time, or undefined when one of them does not exist. */
function utc(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number): number | undefined {
    if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) {
        return undefined;
    }
    const d = new Date(0);
    d.setUTCFullYear(year, month - 1, day); // not Date.UTC: it reads years 0-99 as 1900-1999
    d.setUTCHours(hour, minute, second, ms);
    return d.getUTCDate() === day && d.getUTCMonth() === month - 1 ? d.getTime() : undefined;
}

/** The moment `text` means, `now` being now; throws {@link SinceError} naming the input otherwise. */
export function parseSince(text: string, now: Date, what: string = "--since"): Date {
    if (typeof text !== "string") {
        throw new SinceError(String(text), what, "not a string");
    }
    const date = DATE.exec(text);
    if (date !== null) {
        const t = utc(Number(date[1]), Number(date[2]), Number(date[3]), 0, 0, 0, 0);
        if (t === undefined) {
            throw new SinceError(text, what, "no such date");
        }
        return new Date(t);
    }
    const time = TIME.exec(text);
    if (time !== null) {
        const [, y, mo, d, h, mi, s, frac, zone, sign, oh, om] = time;
        const t = utc(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s ?? 0), Number((frac ?? "0").padEnd(3, "0")));
        if (t === undefined) {
            throw new SinceError(text, what, "no such date or time of day");
        }
        if (zone === "Z") {
            return new Date(t);
        }
        if (Number(oh) > 14 || Number(om) > 59) {
            throw new SinceError(text, what, "no such time zone offset (at most ±14:00)");
        }
        const offset = (Number(oh) * 60 + Number(om)) * 60_000;
        return new Date(sign === "+" ? t - offset : t + offset);
    }
    if (DURATION.test(text)) {
        let ms: number;
        try {
            ms = parseDuration(text, what);
        } catch (e) {
            if (e instanceof TtlError) {
                throw new SinceError(text, what, "not a positive duration of a representable length");
            }
            throw e;
        }
        const since = new Date(now.getTime() - ms);
        if (Number.isNaN(since.getTime())) {
            throw new SinceError(text, what, "too long ago");
        }
        return since;
    }
    throw new SinceError(text, what);
}
