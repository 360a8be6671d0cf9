/**
 * The inactivity rule (vnv:ephemeral.idleAfter): the reaper reads each environment's requests
 * from moto's CloudWatch on loopback (RequestCount of its target groups, as the ALB publishes
 * them) and brings forward the expiry of one nobody used, so the same run warns its owner with
 * the way to extend; stacks in a real backend made by the real engine.
 */
import { strict as assert } from "node:assert";
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import type { Announcement, Notifier } from "../automation/environments/notify";
import { idleWindowStart, parseRequests } from "../automation/environments/idle";
import { makeDriver, ttl, useTempDir, v } from "../harness/driver";
import { motoClient, useMoto } from "../harness/s3";
import { awakeHoursBetween } from "../rules/prices";
import type { WorkingHours } from "../rules/schedule";
import { ttlPolicy } from "../rules/ttl";

const BRUSSELS: WorkingHours = { timeZone: "Europe/Brussels", days: ["mon", "tue", "wed", "thu", "fri"], from: "07:00", to: "19:00" };
/** Wednesday 16:00 in Brussels; Pulumi.dev.yaml's hours make the last 2 awake hours 14:00 to 16:00. */
const NOW = new Date("2026-12-02T15:00:00.000Z");
const TUESDAY = new Date("2026-12-01T09:00:00.000Z");
const HOUR = 3_600_000;

describe("@engine the inactivity rule, on moto's CloudWatch", function () {
    this.timeout(180_000);
    const tmp = useTempDir("vnv-idle-");
    const moto = useMoto();
    let n = 0;

    const cloudwatch = () => new CloudWatchClient(motoClient(moto()));
    const sent: Announcement[] = [];
    const notifier: Notifier = {
        announce: async (a) => {
            sent.push(a);
            return { delivered: true };
        },
    };
    const driver = (clock: Date) =>
        makeDriver(tmp(), {
            clock: () => clock,
            ttl: ttlPolicy("3d", "3d", "14d"),
            idleAfterMs: 2 * HOUR,
            expiryNoticeMs: HOUR,
            cloudwatch: () => cloudwatch(),
            notifier,
        });

    /** A live environment made on Tuesday, expiring Friday; its target groups. */
    async function madeTuesday(): Promise<{ stack: string; version: string; groups: { loadBalancer: string; targetGroup: string }[] }> {
        const version = `v9.${n++}.0-rc.1`;
        const up = await driver(TUESDAY).up(v(version));
        const groups = parseRequests(up.outputs);
        assert.ok(groups !== undefined && groups.length > 0, "the stand-in names its target groups");
        return { stack: up.stack, version, groups };
    }

    /** `count` requests to `group` at `at`, as the ALB publishes them. */
    async function requests(group: { loadBalancer: string; targetGroup: string }, at: Date, count: number): Promise<void> {
        await cloudwatch().send(
            new PutMetricDataCommand({
                Namespace: "AWS/ApplicationELB",
                MetricData: [
                    {
                        MetricName: "RequestCount",
                        Dimensions: [
                            { Name: "LoadBalancer", Value: group.loadBalancer },
                            { Name: "TargetGroup", Value: group.targetGroup },
                        ],
                        Timestamp: at,
                        Value: count,
                        Unit: "Count",
                    },
                ],
            }),
        );
    }

    const expiryOf = async (stack: string) => (await driver(NOW).list(NOW)).find((r) => r.stack === stack)?.expiresAt;

    it("an environment nobody used in the window expires at the end of the notice, and is warned in the same run", async () => {
        sent.length = 0;
        const idle = await madeTuesday();
        const summary = await driver(NOW).reap();
        assert.deepEqual(summary.idled, [{ stack: idle.stack, expiresAt: "2026-12-02T16:00:00.000Z" }]);
        assert.equal(await expiryOf(idle.stack), "2026-12-02T16:00:00.000Z");
        assert.ok(sent.some((a) => a.kind === "expiring" && a.version === idle.version));
    });

    it("one with a request in the window is left alone", async () => {
        const used = await madeTuesday();
        await requests(used.groups[0]!, new Date(NOW.getTime() - 30 * 60_000), 3);
        const summary = await driver(NOW).reap();
        assert.ok(!(summary.idled ?? []).some((i) => i.stack === used.stack));
        assert.equal(await expiryOf(used.stack), "2026-12-04T09:00:00.000Z");
    });

    it("a request before the window does not count", async () => {
        const stale = await madeTuesday();
        await requests(stale.groups[0]!, new Date("2026-12-02T11:00:00.000Z"), 50); // 12:00 in Brussels, before 14:00
        const summary = await driver(NOW).reap();
        assert.ok((summary.idled ?? []).some((i) => i.stack === stale.stack));
    });

    it("one extended within the window is its owner saying it is in use: left alone for a whole window", async () => {
        const extended = await madeTuesday();
        await driver(new Date(NOW.getTime() - 30 * 60_000)).extend(v(extended.version), ttl("3d"));
        const summary = await driver(NOW).reap();
        assert.ok(!(summary.idled ?? []).some((i) => i.stack === extended.stack));
    });

    it("a kept environment is never brought forward", async () => {
        const kept = await madeTuesday();
        await driver(TUESDAY).extend(v(kept.version), undefined, { keep: "client demo" });
        const summary = await driver(NOW).reap();
        assert.ok(!(summary.idled ?? []).some((i) => i.stack === kept.stack));
    });
});

describe("the inactivity rule's window and inputs", () => {
    it("without working hours the window is the idle time back from now", () => {
        assert.equal(idleWindowStart(undefined, NOW, 2 * HOUR).toISOString(), "2026-12-02T13:00:00.000Z");
    });

    it("with working hours it reaches back over the night and the weekend: 2 awake hours before Monday 08:00 start Friday 17:00", () => {
        assert.equal(idleWindowStart(BRUSSELS, new Date("2026-12-07T07:00:00.000Z"), 2 * HOUR).toISOString(), "2026-12-04T17:00:00.000Z");
    });

    it("the window holds the idle time in awake hours, to the minute", () => {
        for (const now of ["2026-12-07T07:00:00.000Z", "2026-12-02T15:30:00.000Z", "2026-12-05T12:00:00.000Z"].map((t) => new Date(t))) {
            const start = idleWindowStart(BRUSSELS, now, 24 * HOUR);
            assert.ok(Math.abs(awakeHoursBetween(BRUSSELS, start, now) - 24) <= 1 / 60, now.toISOString());
        }
    });

    it("a requests output that is not what vnv writes is not read: other shapes, names, or too many target groups", () => {
        const good = { loadBalancer: "app/vnv-dev-alb/0123456789abcdef", targetGroup: "targetgroup/v1-web/0123456789abcdef" };
        assert.deepEqual(
            [
                parseRequests({ requests: [good] }),
                parseRequests({ requests: [{ ...good, targetGroup: "targetgroup/x/../../etc" }] }),
                parseRequests({ requests: "app/x" }),
                parseRequests({ requests: Array.from({ length: 21 }, () => good) }),
                parseRequests({}),
            ].map((r) => r?.length),
            [1, undefined, undefined, undefined, undefined],
        );
    });
});
