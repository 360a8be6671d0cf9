import { strict as assert } from "node:assert";
import fc from "fast-check";
import {
    claimedSlots,
    type EnvironmentMeta,
    environmentCapacity,
    lowestFreeSlot,
    metaToTags,
    planReap,
    reslot,
    type StackSummary,
    TAG,
    tagsToMeta,
} from "../rules/metadata";

const now = new Date("2026-11-23T12:00:00Z");

function meta(stack: string, expiresAt: string, slot: number = 0): EnvironmentMeta {
    return {
        stack,
        version: "v1.2.3-rc.1",
        hostname: `${stack.slice(1)}.step-studio.be`,
        owner: "ana",
        createdAt: new Date("2026-11-23T00:00:00Z"),
        expiresAt: new Date(expiresAt),
        slot,
    };
}

function ephemeral(stack: string, expiresAt: string): StackSummary {
    return { name: stack, tags: metaToTags(meta(stack, expiresAt)) };
}

describe("environment metadata", () => {
    it("reads back what it writes as tags", () => {
        const m = meta("v1-2-3", "2026-11-23T18:00:00.000Z", 4);
        assert.deepEqual(tagsToMeta("v1-2-3", metaToTags(m)), m);
    });

    it("writes kind and expiry first, so a half-tagged stack is still collected", () => {
        assert.deepEqual(Object.keys(metaToTags(meta("v1", "2026-11-23T18:00:00Z"))).slice(0, 2), [TAG.kind, TAG.expiresAt]);
    });

    it("the reaper destroys exactly the expired ephemeral stacks", () => {
        const plan = planReap([ephemeral("v1", "2026-11-23T11:00:00Z"), ephemeral("v2", "2026-11-23T13:00:00Z"), ephemeral("v3", "2026-11-23T12:00:00Z")], now);
        assert.deepEqual(
            plan.filter((d) => d.action === "destroy").map((d) => d.stack),
            ["v1", "v3"],
        );
    });

    it("the reaper never touches dev, prod or a protected stack, whatever its tags", () => {
        const plan = planReap(
            [ephemeral("dev", "2020-01-01T00:00:00Z"), ephemeral("organization/vnv/prod", "2020-01-01T00:00:00Z"), ephemeral("demo", "2020-01-01T00:00:00Z")],
            now,
            ["demo"],
        );
        assert.deepEqual(
            plan.map((d) => d.action),
            ["skip", "skip", "skip"],
        );
    });

    it("the reaper never touches a stack without vnv:kind=ephemeral", () => {
        const plan = planReap([{ name: "shared-db", tags: { [TAG.expiresAt]: "2020-01-01T00:00:00Z" } }], now);
        assert.deepEqual(plan, [{ stack: "shared-db", action: "skip", reason: "not an ephemeral environment" }]);
    });

    it("the reaper skips an ephemeral stack whose expiry it cannot read", () => {
        const plan = planReap([{ name: "v1", tags: { [TAG.kind]: "ephemeral", [TAG.expiresAt]: "soon" } }], now);
        assert.equal(plan[0]!.action, "skip");
    });

    it("failure 1: an expiry tag that is a bare number is malformed, and the reaper never acts on it", () => {
        for (const expiry of ["5", "1700000000", "2000", "2026-11-23", "2026-11-23T11:00:00Z", "Mon, 23 Nov 2026 11:00:00 GMT"]) {
            const tags = { ...metaToTags(meta("v1-2-3", "2026-11-23T11:00:00.000Z")), [TAG.expiresAt]: expiry };
            const [decision] = planReap([{ name: "v1-2-3", tags }], now);
            assert.deepEqual([decision!.action, decision!.reason.startsWith("malformed, never acted on: tag vnv:expires-at")], ["skip", true], expiry);
        }
    });

    it("tags are read as strictly as vnv writes them: a changed version, owner, host or slot is malformed", () => {
        const good = metaToTags(meta("v1-2-3", "2026-11-23T11:00:00.000Z"));
        for (const [key, value] of [
            [TAG.version, "v1.2.3-RC1"],
            [TAG.owner, "ana\nv9 https://evil"],
            [TAG.hostname, "Evil.example"],
            [TAG.slot, "07"],
            [TAG.createdAt, "2026-11-24T00:00:00.000Z"],
        ] as const) {
            const read = tagsToMeta("v1-2-3", { ...good, [key]: value });
            assert.ok("problem" in read, `${key}=${value} was accepted`);
        }
    });

    it("property: any tags vnv did not write exactly are malformed or read back unchanged", () => {
        const good = metaToTags(meta("v1-2-3", "2026-11-23T11:00:00.000Z", 2));
        fc.assert(
            fc.property(fc.constantFrom(...Object.keys(good)), fc.string({ maxLength: 30 }), (key, value) => {
                const read = tagsToMeta("v1-2-3", { ...good, [key]: value });
                return "problem" in read || JSON.stringify(metaToTags(read)) === JSON.stringify({ ...good, [key]: value });
            }),
        );
    });

    it("property: the reaper destroys only ephemeral, unprotected, expired stacks", () => {
        const stack = fc.record({
            name: fc.constantFrom("dev", "prod", "demo", "v1", "v2", "v3", "auth"),
            kind: fc.constantFrom("ephemeral", "long-lived", undefined),
            offsetMin: fc.integer({ min: -600, max: 600 }),
        });
        fc.assert(
            fc.property(fc.array(stack, { maxLength: 12 }), (stacks) => {
                const summaries = stacks.map((s) => {
                    const { [TAG.kind]: _kind, ...tags } = metaToTags(meta(s.name, new Date(now.getTime() + s.offsetMin * 60_000).toISOString()));
                    return { name: s.name, tags: { ...tags, ...(s.kind ? { [TAG.kind]: s.kind } : {}) } };
                });
                const plan = planReap(summaries, now, ["demo"]);
                plan.forEach((d, i) => {
                    const s = stacks[i]!;
                    const shouldDestroy = !["dev", "prod", "demo"].includes(s.name) && s.kind === "ephemeral" && s.offsetMin <= 0;
                    assert.equal(d.action === "destroy", shouldDestroy, JSON.stringify(s));
                });
            }),
        );
    });

    it("takes the lowest free slot", () => {
        assert.equal(lowestFreeSlot([0, 1, 3]), 2);
        assert.equal(lowestFreeSlot([]), 0);
    });

    it("counts slots claimed by other stacks, even half-tagged ones", () => {
        assert.deepEqual(
            claimedSlots(
                [
                    { name: "a", tags: { [TAG.slot]: "2" } },
                    { name: "b", tags: { [TAG.slot]: "x" } },
                    { name: "self", tags: { [TAG.slot]: "0" } },
                ],
                "self",
            ),
            [2],
        );
    });

    it("property: after a conflict, a new slot is free", () => {
        fc.assert(
            fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 40 }), { maxLength: 30 }), fc.double({ min: 0, max: 0.999 }), (taken, r) => {
                assert.ok(!taken.includes(reslot(taken, r)));
            }),
        );
    });

    it("derives the number of environments from the ALB's rule and target-group quotas", () => {
        assert.equal(environmentCapacity(3, 3), 33);
        assert.equal(environmentCapacity(2, 4), 25);
        assert.equal(environmentCapacity(3, 3, 10), 10);
        assert.equal(environmentCapacity(3, 3, 50), 33);
    });
});
