/**
 * What drift is, from the events of a refresh preview (automation/environments/drift.ts; the
 * events' shape is verified on the real engine in test/drift.engine.test.ts).
 */
import { strict as assert } from "node:assert";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { driftOf, ownedByAws } from "../automation/environments/drift";

/** A refresh event of the resource `name` whose outputs went from `old` to `now`. */
function refreshed(type: string, name: string, old: Record<string, unknown>, now: Record<string, unknown>): EngineEvent {
    return {
        sequence: 1,
        timestamp: 0,
        resOutputsEvent: { metadata: { op: "update", urn: `urn:pulumi:dev::vnv::${type}::${name}`, type, old: { outputs: old }, new: { outputs: now } } },
    } as unknown as EngineEvent; // only the fields driftOf reads
}

const SERVICE = "aws:ecs/service:Service";
const TARGET = "aws:appautoscaling/target:Target";
/** dev: every service sleeps. */
const dev = ownedByAws([{ name: "proxy-server" }, { name: "redis" }], true);
/** prod: proxy-server scales, redis runs a fixed count. */
const prod = ownedByAws([{ name: "proxy-server", scaling: { max: 4 } }, { name: "redis" }], false);

describe("drift", () => {
    it("a sleeping service's target whose bounds the working hours or sleep set is not drift", () => {
        const r = driftOf([refreshed(TARGET, "vnv-services-proxy-server-hours", { minCapacity: 1, maxCapacity: 1 }, { minCapacity: 0, maxCapacity: 0 })], dev);
        assert.deepEqual([r.drifted, r.unchanged], [[], 1]);
    });

    it("a task count Application Auto Scaling sets (a sleeping or scaling service) is not drift", () => {
        const events = (name: string) => [refreshed(SERVICE, name, { desiredCount: 2 }, { desiredCount: 0 })];
        assert.deepEqual([driftOf(events("vnv-services-redis"), dev).drifted, driftOf(events("vnv-services-proxy-server"), prod).drifted], [[], []]);
    });

    it("a fixed service's count changed by hand in prod is drift", () => {
        assert.equal(driftOf([refreshed(SERVICE, "vnv-services-redis", { desiredCount: 1 }, { desiredCount: 0 })], prod).drifted.length, 1);
    });

    it("prod's scaling bounds changed by hand are drift", () => {
        const r = driftOf(
            [refreshed(TARGET, "vnv-services-proxy-server-scaling", { minCapacity: 2, maxCapacity: 4 }, { minCapacity: 2, maxCapacity: 1 })],
            prod,
        );
        assert.deepEqual(
            r.drifted.map((d) => d.keys),
            [["maxCapacity"]],
        );
    });

    it("any other change of an owned resource is drift, named without the owned outputs", () => {
        const r = driftOf(
            [refreshed(SERVICE, "vnv-services-redis", { desiredCount: 2, taskDefinition: "a:1" }, { desiredCount: 0, taskDefinition: "a:2" })],
            dev,
        );
        assert.deepEqual(
            r.drifted.map((d) => d.keys),
            [["taskDefinition"]],
        );
    });
});
