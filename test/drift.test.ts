/**
 * What drift is, from the events of a refresh preview (automation/environments/drift.ts; the
 * events' shape is verified on the real engine in test/drift.engine.test.ts).
 */
import { strict as assert } from "node:assert";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { driftOf } from "../automation/environments/drift";

/** A refresh event of one resource whose outputs went from `old` to `now`. */
function refreshed(type: string, old: Record<string, unknown>, now: Record<string, unknown>): EngineEvent {
    return {
        sequence: 1,
        timestamp: 0,
        resOutputsEvent: { metadata: { op: "update", urn: `urn:pulumi:dev::vnv::${type}::x`, type, old: { outputs: old }, new: { outputs: now } } },
    } as unknown as EngineEvent; // only the fields driftOf reads
}

describe("drift", () => {
    it("a scalable target whose bounds the working hours or sleep set is not drift", () => {
        const r = driftOf([refreshed("aws:appautoscaling/target:Target", { minCapacity: 1, maxCapacity: 1 }, { minCapacity: 0, maxCapacity: 0 })]);
        assert.deepEqual([r.drifted, r.unchanged], [[], 1]);
    });

    it("a service whose task count Application Auto Scaling set is not drift", () => {
        assert.deepEqual(driftOf([refreshed("aws:ecs/service:Service", { desiredCount: 2 }, { desiredCount: 0 })]).drifted, []);
    });

    it("any other change of the same resources is drift, named without the owned outputs", () => {
        const r = driftOf([refreshed("aws:ecs/service:Service", { desiredCount: 2, taskDefinition: "a:1" }, { desiredCount: 0, taskDefinition: "a:2" })]);
        assert.deepEqual(
            r.drifted.map((d) => d.keys),
            [["taskDefinition"]],
        );
    });

    it("outputs of those names on another type are drift", () => {
        assert.equal(driftOf([refreshed("aws:autoscaling/group:Group", { minCapacity: 1 }, { minCapacity: 0 })]).drifted.length, 1);
    });
});
