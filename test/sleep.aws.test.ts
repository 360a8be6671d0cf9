/**
 * `vnv env sleep|wake`, `env status` and `env up` of a sleeping environment, against moto's
 * Application Auto Scaling and ECS on loopback (moto refuses a scalable target for an ECS service
 * it does not hold, as AWS does), with stacks in a real backend made by the real engine, and the
 * repository's own working hours (Pulumi.dev.yaml: 07:00–19:00, Monday to Friday, Europe/Brussels).
 */
import { strict as assert } from "node:assert";
import {
    ApplicationAutoScalingClient,
    DescribeScalableTargetsCommand,
    DescribeScheduledActionsCommand,
    RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import { CreateClusterCommand, CreateServiceCommand, ECSClient } from "@aws-sdk/client-ecs";
import type { CliDeps } from "../automation/cli/program";
import { runCli } from "../harness/cli";
import { ecsPlacement } from "../automation/environments/exec";
import { atSchedule, WAKE_END_ACTION } from "../automation/environments/sleep";
import type { Environments } from "../automation/environments/environments";
import { makeDriver, useTempDir, v } from "../harness/driver";
import { startServer } from "../harness/http";
import { motoClient, S3_ENV, useMoto } from "../harness/s3";
import { standIn } from "../harness/standins";
import type { ProgramFactory } from "../automation/environments/environments";

const REGION = "eu-central-1"; // Pulumi.dev.yaml's
/** Wednesday 11:00 in Brussels: in the working hours, which end at 19:00 (18:00 UTC). */
const IN_HOURS = new Date("2026-12-02T10:00:00.000Z");
/** Wednesday 21:00 in Brussels: outside them, until Thursday 07:00 (06:00 UTC). */
const AT_NIGHT = new Date("2026-12-02T20:00:00.000Z");

describe("@engine sleep and wake, on moto's Application Auto Scaling", function () {
    this.timeout(180_000);
    const tmp = useTempDir("vnv-sleep-");
    const moto = useMoto();
    let n = 0;

    const scaling = () => new ApplicationAutoScalingClient(motoClient(moto(), REGION));
    const driver = (clock: Date, program: ProgramFactory = standIn()): Environments =>
        makeDriver(tmp(), { clock: () => clock, program, scaling: () => scaling() });

    /**
     * A live environment of a new version, created by the engine at `clock`, whose cluster and
     * services exist in moto's ECS with their scalable targets at their counts (as the real
     * program leaves them). Its stack name and its sleeping services' counts.
     */
    async function live(
        clock: Date,
        program?: ProgramFactory,
    ): Promise<{ stack: string; version: string; counts: Record<string, number>; ids: Record<string, string> }> {
        const version = `v7.${n++}.0-rc.1`;
        const d = driver(clock, program);
        // Named as the stand-in names them (harness/standins.ts), made before the first up, which may act on them.
        const settings = d.settingsFor(v(version), 0);
        const clusterName = `vnv-${settings.environment}-cluster-1a2b3c4`;
        const ecs = new ECSClient(motoClient(moto(), REGION));
        await ecs.send(new CreateClusterCommand({ clusterName }));
        const ids: Record<string, string> = {};
        for (const name of [...settings.services.map((s) => s.name), ...(settings.database === undefined ? [] : [settings.database.name])]) {
            const serviceName = `vnv-services-${name}-5d6e7f8`;
            await ecs.send(new CreateServiceCommand({ cluster: clusterName, serviceName, desiredCount: 1, launchType: "FARGATE" }));
            ids[name] = `service/${clusterName}/${serviceName}`;
        }
        const up = await d.up(v(version));
        const placement = ecsPlacement(up.stack, up.outputs);
        assert.deepEqual(Object.keys(placement.services).sort(), Object.keys(ids).sort());
        for (const [service, count] of Object.entries(placement.sleep)) {
            if ((await capacities({ counts: { [service]: count }, ids }))[service] !== undefined) {
                continue; // up acted on it already (created at night)
            }
            await scaling().send(
                new RegisterScalableTargetCommand({
                    ServiceNamespace: "ecs",
                    ResourceId: ids[service],
                    ScalableDimension: "ecs:service:DesiredCount",
                    MinCapacity: count,
                    MaxCapacity: count,
                }),
            );
        }
        return { stack: up.stack, version, counts: { ...placement.sleep }, ids };
    }

    /** Each sleeping service's [min, max] in moto now. */
    async function capacities(env: { counts: Record<string, number>; ids: Record<string, string> }): Promise<Record<string, [number, number]>> {
        const ids = Object.keys(env.counts).map((s) => env.ids[s]!);
        const answer = await scaling().send(
            new DescribeScalableTargetsCommand({ ServiceNamespace: "ecs", ScalableDimension: "ecs:service:DesiredCount", ResourceIds: ids }),
        );
        const byId = new Map((answer.ScalableTargets ?? []).map((t) => [t.ResourceId, [t.MinCapacity!, t.MaxCapacity!] as [number, number]]));
        return Object.fromEntries(Object.keys(env.counts).map((s) => [s, byId.get(env.ids[s]!)!]));
    }

    async function wakeEnds(env: { ids: Record<string, string> }): Promise<string[]> {
        const answer = await scaling().send(new DescribeScheduledActionsCommand({ ServiceNamespace: "ecs", ScheduledActionNames: [WAKE_END_ACTION] }));
        const ids = new Set(Object.values(env.ids));
        return (answer.ScheduledActions ?? []).filter((a) => ids.has(a.ResourceId!)).map((a) => a.Schedule!);
    }

    const vnv = (args: string[], clock: Date, overrides: Partial<CliDeps> = {}) =>
        runCli(args, tmp(), { env: { ...S3_ENV, AWS_ENDPOINT_URL: moto().endpoint }, clock: () => clock, ...overrides });

    const zeros = (counts: Record<string, number>) => Object.fromEntries(Object.keys(counts).map((s) => [s, [0, 0]]));
    const back = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).map(([s, c]) => [s, [c, c]]));

    it("env sleep holds every service but the database at 0 tasks, and env ls says asleep by hand until the hours' end", async () => {
        const env = await live(IN_HOURS);
        assert.ok(Object.keys(env.counts).length > 0 && Object.keys(env.ids).length >= Object.keys(env.counts).length);
        const r = await vnv(["env", "sleep", env.version, "--json"], IN_HOURS);
        assert.equal(r.code, 0, r.err);
        assert.deepEqual(await capacities(env), zeros(env.counts));
        const [row] = JSON.parse((await vnv(["env", "ls", "--json", "--on", "aws"], IN_HOURS)).out);
        assert.deepEqual(row.sleep, { asleep: true, by: "demand", until: "2026-12-02T18:00:00.000Z" });
    });

    it("the database never sleeps: its service is not among the ones sleep acts on", async () => {
        const env = await live(IN_HOURS);
        const r = JSON.parse((await vnv(["env", "sleep", env.version, "--json"], IN_HOURS)).out);
        const database = Object.keys(env.ids).filter((s) => !(s in env.counts));
        assert.deepEqual(database, ["neo4j"], "the fixture runs its own database");
        assert.deepEqual(
            r.services.map((s: { service: string }) => s.service),
            Object.keys(env.counts).sort(),
        );
        assert.ok(database.every((s) => !r.services.some((x: { service: string }) => x.service === s)));
    });

    it("sleep and wake are recorded in the history", async () => {
        const env = await live(IN_HOURS);
        await vnv(["env", "sleep", env.version], IN_HOURS);
        await vnv(["env", "wake", env.version], new Date(IN_HOURS.getTime() + 60_000)); // a later event: newest first
        const history = JSON.parse((await vnv(["history", "--env", env.stack, "--json"], IN_HOURS)).out) as { events: { action: string; result: string }[] };
        assert.deepEqual(
            history.events.slice(0, 2).map((e) => `${e.action} ${e.result}`),
            ["wake succeeded", "sleep succeeded"],
        );
    });

    it("env wake in the working hours brings each service back to its count, with no end of its own", async () => {
        const env = await live(IN_HOURS);
        await vnv(["env", "sleep", env.version], IN_HOURS);
        const r = await vnv(["env", "wake", env.version, "--json"], IN_HOURS);
        assert.equal(r.code, 0, r.err);
        assert.deepEqual([await capacities(env), await wakeEnds(env)], [back(env.counts), []]);
    });

    it("env wake outside the working hours ends after two hours: a one-time scheduled action to 0 on each service", async () => {
        const env = await live(IN_HOURS);
        const r = await vnv(["env", "wake", env.version, "--json"], AT_NIGHT);
        assert.equal(r.code, 0, r.err);
        const end = atSchedule(new Date(AT_NIGHT.getTime() + 2 * 3_600_000));
        assert.equal(end, "at(2026-12-02T22:00:00)");
        assert.deepEqual(
            await wakeEnds(env),
            Object.keys(env.counts).map(() => end),
        );
        assert.deepEqual(JSON.parse(r.out).state, { asleep: false, by: "demand", until: "2026-12-02T22:00:00.000Z" });
    });

    it("env wake --for sets its end; a later sleep removes it", async () => {
        const env = await live(IN_HOURS);
        await vnv(["env", "wake", env.version, "--for", "30m"], AT_NIGHT);
        assert.deepEqual(
            await wakeEnds(env),
            Object.keys(env.counts).map(() => "at(2026-12-02T20:30:00)"),
        );
        await vnv(["env", "sleep", env.version], AT_NIGHT);
        assert.deepEqual(await wakeEnds(env), []);
    });

    it("--for longer than 12 hours is refused with exit 2, before anything is read", async () => {
        const r = await vnv(["env", "wake", "v7.99.0", "--for", "13h"], IN_HOURS);
        assert.equal(r.code, 2, r.err);
        assert.match(r.err, /invalid --for "13h": at most 12h/);
    });

    it("prod never sleeps: refused with exit 2", async () => {
        const r = await vnv(["env", "sleep", "prod"], IN_HOURS);
        assert.equal(r.code, 2, r.err);
        assert.match(r.err, /prod never sleeps/);
    });

    it("an environment whose stack does not say which services sleep (an older vnv) is refused naming the remedy, exit 1", async () => {
        const older: ProgramFactory = (settings) => async () => {
            const outputs = (await standIn()(settings)()) as Record<string, unknown> & { ecs: Record<string, unknown> };
            const { sleep: _, ...ecs } = outputs.ecs;
            return { ...outputs, ecs };
        };
        const env = await live(IN_HOURS, older);
        const r = await vnv(["env", "sleep", env.version], IN_HOURS);
        assert.equal(r.code, 1, r.err);
        assert.match(r.err, /has no service that may sleep: .*`vnv env up` again/);
    });

    it("Application Auto Scaling refusing a target is an error naming the action and the target, exit 1", async () => {
        const version = `v7.${n++}.0-rc.1`;
        await driver(IN_HOURS).up(v(version)); // no cluster, no services in moto's ECS
        const r = await vnv(["env", "sleep", version], IN_HOURS);
        assert.equal(r.code, 1, r.err);
        assert.match(
            r.err,
            /application-autoscaling:RegisterScalableTarget on service\/vnv-v7-\d+-0-rc-1-cluster-1a2b3c4\/vnv-services-\S+ failed: \w+Exception/,
        );
    });

    it("env status of a sleeping environment says asleep from AWS, probes nothing and exits 0", async () => {
        const env = await live(IN_HOURS);
        await vnv(["env", "sleep", env.version], IN_HOURS);
        const r = await vnv(["env", "status", env.version], IN_HOURS, { healthBase: () => "http://127.0.0.1:9" });
        assert.equal(r.code, 0, r.err);
        assert.match(r.out, /: asleep \(not probed\)/);
    });

    it("env up of an environment put to sleep by hand wakes it", async () => {
        const env = await live(IN_HOURS);
        await vnv(["env", "sleep", env.version], IN_HOURS);
        const later = new Date(IN_HOURS.getTime() + 3_600_000);
        await driver(later).up(v(env.version));
        assert.deepEqual(await capacities(env), back(env.counts));
        const [row] = JSON.parse((await vnv(["env", "ls", "--json", "--on", "aws"], later)).out);
        assert.equal(row.sleep.asleep, false);
    });

    it("env up at night of an environment asleep by its hours wakes it for two hours and waits for its health", async () => {
        const env = await live(IN_HOURS);
        const server = await startServer(() => 200);
        try {
            const health = { base: () => server.url, wait: { timeoutMs: 10_000, intervalMs: 50 }, afterUp: true };
            const r = await makeDriver(tmp(), { clock: () => AT_NIGHT, scaling: () => scaling(), health }).up(v(env.version));
            assert.deepEqual(
                [r.health?.healthy, await capacities(env), await wakeEnds(env)],
                [true, back(env.counts), Object.keys(env.counts).map(() => "at(2026-12-02T22:00:00)")],
            );
            assert.ok(server.requests.length > 0);
        } finally {
            await server.close();
        }
    });

    it("an environment created at night runs two hours, then sleeps until the hours start", async () => {
        const env = await live(AT_NIGHT);
        assert.deepEqual(
            await wakeEnds(env),
            Object.keys(env.counts).map(() => "at(2026-12-02T22:00:00)"),
        );
        const ls = async (at: Date) => JSON.parse((await vnv(["env", "ls", "--json", "--on", "aws"], at)).out)[0].sleep;
        assert.deepEqual(await ls(AT_NIGHT), { asleep: false, by: "demand", until: "2026-12-02T22:00:00.000Z" });
        assert.deepEqual(await ls(new Date("2026-12-02T23:00:00.000Z")), { asleep: true, by: "demand", until: "2026-12-03T06:00:00.000Z" });
    });
});
