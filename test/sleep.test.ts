/**
 * Sleep outside working hours: the settings' rules (rules/schedule.ts), and under the strict
 * mocks the scalable targets and scheduled actions Application Auto Scaling runs by itself.
 */

// The mocks first: they are set when this module loads, before any program code runs.
import { ofType, outputValue, type Recorded, run, T } from "../harness/mocks";
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { defineEnvironment } from "../infra/environment";
import type { EnvironmentSettings } from "../infra/settings";
import { ephemeralSettings, problemsOf, stackSettings } from "../harness/fixtures";
import {
    asleepAt,
    clockMinutes,
    DAYS,
    isTimeZone,
    MAX_OVERTIME_MS,
    nextChange,
    parseSleepDemand,
    type SleepDemand,
    sleepDemandTag,
    sleepState,
    wakeEnd,
    type WorkingHours,
    workingHoursProblems,
    workingHoursSchedules,
} from "../rules/schedule";
import { atSchedule } from "../automation/environments/sleep";

const BRUSSELS: WorkingHours = { timeZone: "Europe/Brussels", days: ["mon", "tue", "wed", "thu", "fri"], from: "07:00", to: "19:00" };

const clockArbitrary = fc
    .integer({ min: 0, max: 23 * 60 + 59 })
    .map((m) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`);
/** Valid working hours in a few zones, summer time included. */
const hoursArbitrary = fc
    .tuple(
        clockArbitrary,
        clockArbitrary,
        fc.subarray([...DAYS], { minLength: 1 }),
        fc.constantFrom("UTC", "Europe/Brussels", "America/New_York", "Asia/Kolkata"),
    )
    .filter(([a, b]) => a !== b)
    .map(([a, b, days, timeZone]): WorkingHours => {
        const [from, to] = [a, b].sort();
        return { timeZone, days, from: from!, to: to! };
    });

async function deploy(settings: EnvironmentSettings): Promise<Recorded[]> {
    return (await run(() => defineEnvironment(settings))).resources;
}

describe("sleep outside working hours", () => {
    describe("the schedules", () => {
        it("07:00 to 19:00 on weekdays in Brussels wakes at 7 and sleeps at 19 on those days, in that time zone", () => {
            assert.deepEqual(workingHoursSchedules(BRUSSELS), {
                wake: "cron(0 7 ? * MON,TUE,WED,THU,FRI *)",
                sleep: "cron(0 19 ? * MON,TUE,WED,THU,FRI *)",
            });
        });

        it("minutes are kept, and days are written in the week's order whatever order they were given in", () => {
            assert.deepEqual(workingHoursSchedules({ ...BRUSSELS, days: ["sat", "mon"], from: "08:30", to: "17:45" }), {
                wake: "cron(30 8 ? * MON,SAT *)",
                sleep: "cron(45 17 ? * MON,SAT *)",
            });
        });

        it("any valid hours give two six-field cron expressions that fire at from and at to", () => {
            const clock = fc
                .integer({ min: 0, max: 23 * 60 + 59 })
                .map((m) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`);
            fc.assert(
                fc.property(clock, clock, fc.subarray([...DAYS], { minLength: 1 }), (a, b, days) => {
                    const [from, to] = [a, b].sort();
                    const hours = { timeZone: "UTC", days, from: from!, to: to! };
                    if (workingHoursProblems(hours, "h").length > 0) {
                        return a === b;
                    }
                    const { wake, sleep } = workingHoursSchedules(hours);
                    const fields = (cron: string) => cron.slice(5, -1).split(" ");
                    const at = (cron: string) => Number(fields(cron)[1]) * 60 + Number(fields(cron)[0]);
                    return fields(wake).length === 6 && at(wake) === clockMinutes(hours.from) && at(sleep) === clockMinutes(hours.to);
                }),
            );
        });

        it("asleep is outside from–to on the days, read on the zone's own clock, summer time included", () => {
            const at = (iso: string) => asleepAt(BRUSSELS, new Date(iso));
            assert.deepEqual(
                [
                    at("2026-12-05T12:00:00Z"), // Saturday noon
                    at("2026-12-07T09:00:00Z"), // Monday 10:00 in winter (UTC+1)
                    at("2026-12-07T05:30:00Z"), // Monday 06:30
                    at("2026-12-07T18:00:00Z"), // Monday 19:00: the sleep's minute
                    at("2026-06-08T05:30:00Z"), // Monday 07:30 in summer (UTC+2)
                    at("2026-06-08T17:30:00Z"), // Monday 19:30 in summer
                ],
                [true, false, true, true, false, true],
            );
        });

        it("the next change is the first minute the services wake or sleep: Friday evening's is Monday's wake, in the zone's own time", () => {
            const at = (iso: string) => nextChange(BRUSSELS, new Date(iso)).toISOString();
            assert.deepEqual(
                [at("2026-12-04T18:30:00Z"), at("2026-12-07T05:59:59Z"), at("2026-12-07T06:00:00Z"), at("2026-03-27T10:00:00Z")],
                ["2026-12-07T06:00:00.000Z", "2026-12-07T06:00:00.000Z", "2026-12-07T18:00:00.000Z", "2026-03-27T18:00:00.000Z"],
            );
        });

        it("for any hours and any instant, the state changes at the next change and not a minute before", () => {
            fc.assert(
                fc.property(hoursArbitrary, fc.date({ min: new Date("2020-01-01Z"), max: new Date("2030-01-01Z"), noInvalidDate: true }), (hours, when) => {
                    const change = nextChange(hours, when);
                    const before = new Date(change.getTime() - 60_000);
                    return (
                        change.getTime() > when.getTime() &&
                        asleepAt(hours, change) !== asleepAt(hours, when) &&
                        (before.getTime() <= when.getTime() || asleepAt(hours, before) === asleepAt(hours, when))
                    );
                }),
                { numRuns: 60 },
            );
        });

        it("a time zone is an IANA name Node knows; anything else is not", () => {
            assert.deepEqual(
                ["Europe/Brussels", "UTC", "America/Argentina/Buenos_Aires", "Mars/Olympus", "CET+1", "../etc/passwd", "x".repeat(65)].map(isTimeZone),
                [true, true, true, false, false, false, false],
            );
        });
    });

    describe("sleep by hand", () => {
        const WEDNESDAY_11 = new Date("2026-12-02T10:00:00.000Z"); // in the hours
        const WEDNESDAY_21 = new Date("2026-12-02T20:00:00.000Z"); // outside them

        it("a demand's tag reads back as written, with or without a wake's end", () => {
            const time = fc.date({ min: new Date("2020-01-01Z"), max: new Date("2090-01-01Z"), noInvalidDate: true });
            fc.assert(
                fc.property(fc.boolean(), time, fc.integer({ min: 1, max: MAX_OVERTIME_MS }), fc.boolean(), (asleep, at, length, ends) => {
                    const demand: SleepDemand = asleep || !ends ? { asleep, at } : { asleep, at, until: new Date(at.getTime() + length) };
                    return JSON.stringify(parseSleepDemand(sleepDemandTag(demand))) === JSON.stringify(demand);
                }),
            );
        });

        it("a tag vnv never writes is no demand: other words, loose times, a sleep with an end, an end before its start or after 12 hours", () => {
            const read = [
                "asleep@2026-12-02T10:00:00.000Z",
                "dozing@2026-12-02T10:00:00.000Z",
                "asleep@2026-12-02T10:00:00Z",
                "asleep@2026-02-30T10:00:00.000Z",
                "asleep@2026-12-02T10:00:00.000Z;until=2026-12-02T11:00:00.000Z",
                "awake@2026-12-02T10:00:00.000Z;until=2026-12-02T09:00:00.000Z",
                "awake@2026-12-02T10:00:00.000Z;until=2026-12-02T22:00:00.001Z",
                `asleep@2026-12-02T10:00:00.000Z${" ".repeat(80)}`,
                "\u001b[2Jasleep@2026-12-02T10:00:00.000Z",
            ].map((t) => parseSleepDemand(t) !== undefined);
            assert.deepEqual(read, [true, false, false, false, false, false, false, false, false]);
        });

        it("a sleep by hand in the hours holds until their end, then the hours decide", () => {
            const demand = { asleep: true, at: WEDNESDAY_11 };
            assert.deepEqual(sleepState(BRUSSELS, demand, new Date("2026-12-02T17:59:00Z")), { asleep: true, by: "demand", until: "2026-12-02T18:00:00.000Z" });
            assert.deepEqual(sleepState(BRUSSELS, demand, new Date("2026-12-03T07:00:00Z")), { asleep: false, by: "hours", until: "2026-12-03T18:00:00.000Z" });
        });

        it("a wake at night with an end is asleep again after it, until the hours start", () => {
            const demand = { asleep: false, at: WEDNESDAY_21, until: new Date("2026-12-02T22:00:00Z") };
            assert.deepEqual(
                [sleepState(BRUSSELS, demand, new Date("2026-12-02T21:59:00Z")).asleep, sleepState(BRUSSELS, demand, new Date("2026-12-02T22:00:00Z"))],
                [false, { asleep: true, by: "demand", until: "2026-12-03T06:00:00.000Z" }],
            );
        });

        it("without working hours a demand holds until the next one, and no demand is always awake", () => {
            assert.deepEqual(
                [sleepState(undefined, { asleep: true, at: WEDNESDAY_11 }, new Date("2027-01-01Z")), sleepState(undefined, undefined, WEDNESDAY_11)],
                [{ asleep: true, by: "demand" }, { asleep: false }],
            );
        });

        it("a demand from the future (a clock ahead) is not believed", () => {
            assert.deepEqual(sleepState(BRUSSELS, { asleep: true, at: new Date("2026-12-02T11:00:00Z") }, WEDNESDAY_11).asleep, false);
        });

        it("a wake lasts two hours at night, --for when given, and has no end of its own when the hours' next change comes first or nothing ends it", () => {
            const end = (hours: WorkingHours | undefined, at: Date, forMs?: number) => wakeEnd(hours, at, forMs)?.toISOString();
            assert.deepEqual(
                [
                    end(BRUSSELS, WEDNESDAY_21),
                    end(BRUSSELS, WEDNESDAY_21, 30 * 60_000),
                    end(BRUSSELS, WEDNESDAY_11),
                    end(BRUSSELS, WEDNESDAY_11, 3_600_000),
                    end(BRUSSELS, new Date("2026-12-03T05:00:00Z")),
                    end(undefined, WEDNESDAY_21),
                    end(undefined, WEDNESDAY_21, 3_600_000),
                ],
                [
                    "2026-12-02T22:00:00.000Z",
                    "2026-12-02T20:30:00.000Z",
                    undefined,
                    "2026-12-02T11:00:00.000Z",
                    undefined,
                    undefined,
                    "2026-12-02T21:00:00.000Z",
                ],
            );
        });

        it("a wake's end is Application Auto Scaling's one-time schedule, at(yyyy-mm-ddThh:mm:ss) in UTC", () => {
            assert.equal(atSchedule(new Date("2026-12-02T22:00:00.000Z")), "at(2026-12-02T22:00:00)");
        });
    });

    describe("settings", () => {
        it("dev's stack file sleeps from 19:00 to 07:00 and at weekends, Brussels time, and its ephemeral environments inherit it", () => {
            assert.deepEqual([stackSettings("dev").workingHours, ephemeralSettings("v1.2.3-rc.1").workingHours], [BRUSSELS, BRUSSELS]);
        });

        it("prod never sleeps: working hours there are refused, saying why", () => {
            assert.deepEqual(
                problemsOf(() => stackSettings("prod", { workingHours: BRUSSELS })),
                ["vnv:workingHours: prod never sleeps: working hours are for dev and its ephemeral environments"],
            );
        });

        it("days default to Monday to Friday", () => {
            const { days: _d, ...rest } = BRUSSELS;
            assert.deepEqual(stackSettings("dev", { workingHours: rest }).workingHours?.days, ["mon", "tue", "wed", "thu", "fri"]);
        });

        it("an unknown zone, a day that is none, a time that is none and hours across midnight are refused, each named", () => {
            const problems = problemsOf(() =>
                stackSettings("dev", { workingHours: { timeZone: "Europe/Bruxelles", days: ["mon", "fun"], from: "7am", to: "19:00" } }),
            );
            assert.deepEqual(
                problems.map((p) => p.slice(0, p.indexOf(": ", 4))),
                ["vnv:workingHours.timeZone", "vnv:workingHours.days", "vnv:workingHours.from"],
            );
            assert.deepEqual(
                problemsOf(() => stackSettings("dev", { workingHours: { ...BRUSSELS, from: "22:00", to: "06:00" } })),
                ["vnv:workingHours: from (22:00) must come before to (06:00) on the same day; hours across midnight are not supported"],
            );
        });
    });

    describe("under the strict mocks", () => {
        let dev: Recorded[];
        let ephemeral: Recorded[];
        let prod: Recorded[];
        before(async () => {
            dev = await deploy(stackSettings("dev"));
            ephemeral = await deploy(ephemeralSettings("v1.2.3-rc.1"));
            prod = await deploy(stackSettings("prod"));
        });

        const actions = (resources: readonly Recorded[]) => ofType(resources, T.scheduledAction);
        const serviceOf = (r: Recorded) =>
            r.name
                .replace(/-(wake|sleep)$/, "")
                .split("-")
                .slice(1)
                .join("-");

        it("every service of an ephemeral environment but its database sleeps and wakes, in Brussels time", () => {
            const services = ofType(ephemeral, T.service).map((s) => s.name.split("-").slice(1).join("-"));
            const sleeping = [...new Set(actions(ephemeral).map(serviceOf))].sort();
            assert.deepEqual(sleeping, services.filter((s) => !s.endsWith("neo4j")).sort());
            assert.ok(
                services.some((s) => s.endsWith("neo4j")),
                "the fixture has its own database",
            );
            assert.ok(actions(ephemeral).every((a) => a.inputs.timezone === "Europe/Brussels"));
        });

        it("asleep means 0 tasks at 19:00 on weekdays; awake means the service's count at 07:00", () => {
            const web = actions(dev).filter((a) => a.name.includes("-proxy-server-"));
            const by = Object.fromEntries(web.map((a) => [a.name.split("-").pop(), [a.inputs.schedule, a.inputs.scalableTargetAction]]));
            assert.deepEqual(by, {
                wake: ["cron(0 7 ? * MON,TUE,WED,THU,FRI *)", { minCapacity: 1, maxCapacity: 1 }],
                sleep: ["cron(0 19 ? * MON,TUE,WED,THU,FRI *)", { minCapacity: 0, maxCapacity: 0 }],
            });
        });

        it("each action acts on its service's own scalable target, held at the service's count", () => {
            const targets = ofType(dev, T.scalingTarget);
            assert.equal(targets.length, ofType(dev, T.service).length);
            for (const a of actions(dev)) {
                assert.ok(
                    targets.some((t) => t.inputs.resourceId === a.inputs.resourceId),
                    a.name,
                );
            }
            assert.ok(targets.every((t) => t.inputs.minCapacity === t.inputs.maxCapacity));
        });

        it("a deploy at night does not wake a sleeping service: its task count is left to the schedule", () => {
            assert.ok(ofType(dev, T.service).every((s) => s.ignoreChanges.includes("desiredCount")));
        });

        it("without working hours dev's services but the database still get a target at their count, for sleep by hand, and no schedule", async () => {
            const { workingHours: _h, ...settings } = stackSettings("dev");
            const resources = await deploy(settings);
            assert.deepEqual(actions(resources), []);
            assert.equal(ofType(resources, T.scalingTarget).length, ofType(resources, T.service).length);
        });

        it("the stack's ecs output names the services that may sleep, each with the count it wakes to; the database is not one", async () => {
            const { result } = await run(() => defineEnvironment(ephemeralSettings("v1.2.3-rc.1")));
            const ecs = await outputValue(result.ecs);
            const sleep = ecs.sleep;
            const services = Object.keys(ecs.services);
            assert.deepEqual(Object.keys(sleep).sort(), services.filter((s) => !s.endsWith("neo4j")).sort());
            assert.ok(Object.values(sleep).every((count) => count === 1));
        });

        it("prod has no schedule, and its fixed services keep their count under deploys", () => {
            assert.deepEqual(actions(prod), []);
            assert.ok(
                ofType(prod, T.scalingTarget).every((t) => t.inputs.minCapacity < t.inputs.maxCapacity),
                "only scaling's targets",
            );
            const redis = ofType(prod, T.service).find((s) => s.name.endsWith("-redis"))!;
            assert.deepEqual(redis.ignoreChanges, []);
        });
    });
});
