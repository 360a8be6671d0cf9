/**
 * Working hours: when dev and its ephemeral environments run. Outside them their services are
 * scaled to 0 tasks by Application Auto Scaling's own scheduled actions (no job of ours has to
 * run), and back to their count when the hours start again.
 *
 * Schedules are Application Auto Scaling's cron expressions, six fields
 * `cron(minutes hours day-of-month month day-of-week year)` with `?` in the day of the month
 * when days of the week are given, read in the action's IANA time zone (Application Auto
 * Scaling API reference, PutScheduledAction: Schedule, Timezone). So "07:00 to 19:00, Monday to
 * Friday, Europe/Brussels" is a wake at `cron(0 7 ? * MON,TUE,WED,THU,FRI *)` and a sleep at
 * `cron(0 19 ? * MON,TUE,WED,THU,FRI *)`, both in Europe/Brussels: asleep from Friday 19:00 to
 * Monday 07:00 as well, and daylight saving time is AWS's to follow.
 *
 * Pure module: no `@pulumi/*` import.
 */

export const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Day = (typeof DAYS)[number];

export interface WorkingHours {
    /** An IANA time zone (`Europe/Brussels`). */
    readonly timeZone: string;
    /** The days the hours hold, in the week's order. */
    readonly days: readonly Day[];
    /** `HH:MM`, the services start. */
    readonly from: string;
    /** `HH:MM`, later the same day, the services stop. */
    readonly to: string;
}

export const WORKING_DAYS: readonly Day[] = ["mon", "tue", "wed", "thu", "fri"];

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;
const ZONE = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/;

/** Whether `zone` is an IANA time zone this Node knows (`Intl`'s own list, as AWS's follows the IANA database). */
export function isTimeZone(zone: string): boolean {
    if (zone.length > 64 || !ZONE.test(zone)) {
        return false;
    }
    try {
        new Intl.DateTimeFormat("en", { timeZone: zone });
        return true;
    } catch {
        return false;
    }
}

/** Minutes after midnight of `HH:MM`, or undefined. */
export function clockMinutes(text: string): number | undefined {
    const m = CLOCK.exec(text);
    return m === null ? undefined : Number(m[1]) * 60 + Number(m[2]);
}

/** Problems with working hours, each naming the field under `at`. */
export function workingHoursProblems(h: WorkingHours, at: string): string[] {
    const problems: string[] = [];
    if (!isTimeZone(h.timeZone)) {
        problems.push(`${at}.timeZone: ${JSON.stringify(h.timeZone.slice(0, 80))} is not an IANA time zone, such as Europe/Brussels or UTC`);
    }
    if (h.days.length === 0 || new Set(h.days).size !== h.days.length || h.days.some((d) => !DAYS.includes(d))) {
        problems.push(`${at}.days: expected one or more of ${DAYS.join(", ")}, each once, got ${JSON.stringify(h.days)}`);
    }
    const from = clockMinutes(h.from);
    const to = clockMinutes(h.to);
    for (const [key, value, minutes] of [
        ["from", h.from, from],
        ["to", h.to, to],
    ] as const) {
        if (minutes === undefined) {
            problems.push(`${at}.${key}: expected a time of day HH:MM (00:00 to 23:59), got ${JSON.stringify(String(value).slice(0, 20))}`);
        }
    }
    if (from !== undefined && to !== undefined && from >= to) {
        problems.push(`${at}: from (${h.from}) must come before to (${h.to}) on the same day; hours across midnight are not supported`);
    }
    return problems;
}

/** The wake and sleep schedules of valid working hours (see the module's comment). */
export function workingHoursSchedules(h: WorkingHours): { wake: string; sleep: string } {
    const days = DAYS.filter((d) => h.days.includes(d))
        .map((d) => d.toUpperCase())
        .join(",");
    const at = (clock: string): string => {
        const minutes = clockMinutes(clock) ?? 0;
        return `cron(${minutes % 60} ${Math.floor(minutes / 60)} ? * ${days} *)`;
    };
    return { wake: at(h.from), sleep: at(h.to) };
}

const clocks = new Map<string, Intl.DateTimeFormat>();

/** The zone's weekday and wall clock, one formatter per zone (making one costs far more than using it). */
function clockOf(zone: string): Intl.DateTimeFormat {
    let clock = clocks.get(zone);
    if (clock === undefined) {
        clock = new Intl.DateTimeFormat("en-US", { timeZone: zone, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
        clocks.set(zone, clock);
    }
    return clock;
}

/**
 * Whether valid working hours have the services asleep at `at`: outside `from`–`to` on the
 * hours' days, read in their time zone (the schedules fire at the same wall-clock times).
 */
export function asleepAt(h: WorkingHours, at: Date): boolean {
    const parts = Object.fromEntries(
        clockOf(h.timeZone)
            .formatToParts(at)
            .map((p) => [p.type, p.value]),
    );
    const day = String(parts.weekday ?? "").toLowerCase() as Day;
    const minutes = Number(parts.hour) * 60 + Number(parts.minute);
    return !(h.days.includes(day) && minutes >= (clockMinutes(h.from) ?? 0) && minutes < (clockMinutes(h.to) ?? 0));
}

/** How far {@link nextChange} looks: a week and a day holds a change for any valid hours. */
const SCAN_MINUTES = 8 * 24 * 60;
/** Changes already found, by hours and minute: `env ls` asks the same for every environment. */
const changes = new Map<string, number>();

/**
 * The first whole minute after `after` at which valid working hours wake or put the services to
 * sleep (where {@link asleepAt} changes), read minute by minute on the zone's own clock.
 */
export function nextChange(h: WorkingHours, after: Date): Date {
    const start = asleepAt(h, after);
    const first = Math.floor(after.getTime() / 60_000) + 1;
    const key = `${h.timeZone} ${h.days.join()} ${h.from} ${h.to} ${first} ${start}`;
    const known = changes.get(key);
    if (known !== undefined) {
        return new Date(known);
    }
    for (let m = first; m < first + SCAN_MINUTES; m++) {
        const at = new Date(m * 60_000);
        if (asleepAt(h, at) !== start) {
            if (changes.size >= 256) {
                changes.clear();
            }
            changes.set(key, at.getTime());
            return at;
        }
    }
    // Unreachable for valid hours (one day at least, from before to).
    throw new Error(`working hours ${h.from}-${h.to} in ${h.timeZone} never change`);
}

/**
 * A sleep or wake asked for by hand (`vnv env sleep|wake`, or `env up` waking an environment),
 * kept as the stack's `vnv:sleep` tag: `asleep@<ISO time>`, `awake@<ISO time>`, or a wake that
 * ends `awake@<ISO time>;until=<ISO time>` (a one-time scheduled action puts it back to sleep).
 */
export interface SleepDemand {
    readonly asleep: boolean;
    readonly at: Date;
    /** A wake's end. */
    readonly until?: Date;
}

/** How long a wake outside the working hours lasts unless told (`vnv env wake --for`). */
export const DEFAULT_OVERTIME_MS = 2 * 3_600_000;
/** The longest wake with an end (`--for`): the hours' next change comes sooner for any sensible hours. */
export const MAX_OVERTIME_MS = 12 * 3_600_000;

const ISO = "(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z)";
const DEMAND = new RegExp(`^(asleep|awake)@${ISO}(?:;until=${ISO})?$`);

/** The tag's value of a demand. */
export function sleepDemandTag(d: SleepDemand): string {
    return `${d.asleep ? "asleep" : "awake"}@${d.at.toISOString()}${d.until === undefined ? "" : `;until=${d.until.toISOString()}`}`;
}

/** A `vnv:sleep` tag's demand, or undefined when it is absent or not one vnv writes (backend data: hostile). */
export function parseSleepDemand(text: string | undefined): SleepDemand | undefined {
    const m = text === undefined || text.length > 80 ? null : DEMAND.exec(text);
    if (m === null) {
        return undefined;
    }
    const time = (iso: string | undefined) => (iso === undefined ? undefined : new Date(iso));
    const [at, until] = [time(m[2]), time(m[3])];
    const exact = (d: Date | undefined, iso: string | undefined) => d === undefined || (!Number.isNaN(d.getTime()) && d.toISOString() === iso);
    if (at === undefined || !exact(at, m[2]) || !exact(until, m[3])) {
        return undefined;
    }
    if (until !== undefined && (m[1] === "asleep" || until.getTime() <= at.getTime() || until.getTime() - at.getTime() > MAX_OVERTIME_MS)) {
        return undefined;
    }
    return { asleep: m[1] === "asleep", at, ...(until === undefined ? {} : { until }) };
}

/**
 * When a wake at `now` ends: after `forMs` (outside the hours, {@link DEFAULT_OVERTIME_MS} unless
 * told), or never by itself (undefined) when the hours' next change comes first, or when
 * nothing ends it (no hours and no `forMs`; in the hours without `forMs`: their end does).
 */
export function wakeEnd(hours: WorkingHours | undefined, now: Date, forMs: number | undefined): Date | undefined {
    const length = forMs ?? (hours !== undefined && asleepAt(hours, now) ? DEFAULT_OVERTIME_MS : undefined);
    if (length === undefined) {
        return undefined;
    }
    const end = new Date(now.getTime() + length);
    return hours !== undefined && end.getTime() >= nextChange(hours, now).getTime() ? undefined : end;
}

/** Whether an environment's services sleep at `now`, and why. */
export interface SleepState {
    readonly asleep: boolean;
    /** `demand`: by `vnv env sleep|wake` (or `env up`); `hours`: by the working hours; none: it always runs. */
    readonly by?: "demand" | "hours";
    /** When its state next changes by itself: a wake's end, or the hours' next change. */
    readonly until?: string;
}

/**
 * The sleep of an environment with these working hours (or none) and this last demand at `now`:
 * a demand holds until the hours' next change after it (the scheduled action that fires then
 * sets the count again), a wake with an end only until that end; without hours a demand holds
 * until the next one.
 */
export function sleepState(hours: WorkingHours | undefined, demand: SleepDemand | undefined, now: Date): SleepState {
    const change = hours === undefined ? undefined : nextChange(hours, now);
    const holds =
        demand !== undefined && demand.at.getTime() <= now.getTime() && (hours === undefined || nextChange(hours, demand.at).getTime() > now.getTime());
    if (holds) {
        const ended = demand.until !== undefined && demand.until.getTime() <= now.getTime();
        const until = !ended && demand.until !== undefined ? demand.until : change;
        return { asleep: demand.asleep || ended, by: "demand", ...(until === undefined ? {} : { until: until.toISOString() }) };
    }
    return change === undefined ? { asleep: false } : { asleep: asleepAt(hours!, now), by: "hours", until: change.toISOString() };
}
