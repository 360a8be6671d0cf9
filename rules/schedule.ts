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

/**
 * Whether valid working hours have the services asleep at `at`: outside `from`–`to` on the
 * hours' days, read in their time zone (the schedules fire at the same wall-clock times).
 */
export function asleepAt(h: WorkingHours, at: Date): boolean {
    const parts = Object.fromEntries(
        new Intl.DateTimeFormat("en-US", { timeZone: h.timeZone, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
            .formatToParts(at)
            .map((p) => [p.type, p.value]),
    );
    const day = String(parts.weekday ?? "").toLowerCase() as Day;
    const minutes = Number(parts.hour) * 60 + Number(parts.minute);
    return !(h.days.includes(day) && minutes >= (clockMinutes(h.from) ?? 0) && minutes < (clockMinutes(h.to) ?? 0));
}
