/**
 * Sleep outside working hours: the settings' rules (rules/schedule.ts), and under the strict
 * mocks the scalable targets and scheduled actions Application Auto Scaling runs by itself.
 */

// The mocks first: they are set when this module loads, before any program code runs.
import { ofType, type Recorded, run, T } from "../harness/mocks";
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { defineEnvironment } from "../infra/environment";
import type { EnvironmentSettings } from "../infra/settings";
import { ephemeralSettings, problemsOf, stackSettings } from "../harness/fixtures";
import { asleepAt, clockMinutes, DAYS, isTimeZone, type WorkingHours, workingHoursProblems, workingHoursSchedules } from "../rules/schedule";

const BRUSSELS: WorkingHours = { timeZone: "Europe/Brussels", days: ["mon", "tue", "wed", "thu", "fri"], from: "07:00", to: "19:00" };

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

        it("a time zone is an IANA name Node knows; anything else is not", () => {
            assert.deepEqual(
                ["Europe/Brussels", "UTC", "America/Argentina/Buenos_Aires", "Mars/Olympus", "CET+1", "../etc/passwd", "x".repeat(65)].map(isTimeZone),
                [true, true, true, false, false, false, false],
            );
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

        it("prod has no schedule, and its fixed services keep their count under deploys", () => {
            assert.deepEqual(actions(prod), []);
            const redis = ofType(prod, T.service).find((s) => s.name.endsWith("-redis"))!;
            assert.deepEqual(redis.ignoreChanges, []);
        });
    });
});
