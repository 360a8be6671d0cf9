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
    sameMeta,
    type StackSummary,
    TAG,
    stackRole,
    type TagRules,
    tagsToMeta,
    CLOCK_SKEW_MS,
} from "../rules/metadata";
import { hostname, stackName } from "../rules/naming";
import { parseVersion } from "../rules/versions";
import { versionText } from "../harness/arbitraries";

const now = new Date("2026-11-23T12:00:00Z");
const DAY = 86_400_000;
const rules: TagRules = { domain: "step-studio.be", maxTtlMs: 3 * DAY, now };

/** The metadata vnv writes for `version` (on its own stack, with its own host), expiring at `expiresAt`. */
function meta(version: string, expiresAt: string, slot: number = 0): EnvironmentMeta {
    return {
        stack: stackName(version),
        version,
        hostname: hostname(version, "step-studio.be"),
        owner: "ana",
        createdAt: new Date("2026-11-23T00:00:00Z"),
        expiresAt: new Date(expiresAt),
        slot,
    };
}

function ephemeral(version: string, expiresAt: string): StackSummary {
    const m = meta(version, expiresAt);
    return { name: m.stack, tags: metaToTags(m) };
}

/** Tags of `version` as vnv writes them, on a stack named `stack`. */
function on(stack: string, version: string, expiresAt: string): StackSummary {
    return { name: stack, tags: metaToTags(meta(version, expiresAt)) };
}

describe("environment metadata", () => {
    it("reads back what it writes as tags", () => {
        const m = meta("v1.2.3", "2026-11-23T18:00:00.000Z", 4);
        assert.deepEqual(tagsToMeta("v1-2-3", metaToTags(m), rules), m);
    });

    it("writes kind and expiry first, so a half-tagged stack is still collected", () => {
        assert.deepEqual(Object.keys(metaToTags(meta("v1.0.0", "2026-11-23T18:00:00Z"))).slice(0, 2), [TAG.kind, TAG.expiresAt]);
    });

    it("the reaper destroys exactly the expired ephemeral stacks", () => {
        const plan = planReap(
            [ephemeral("v1.0.0", "2026-11-23T11:00:00Z"), ephemeral("v2.0.0", "2026-11-23T13:00:00Z"), ephemeral("v3.0.0", "2026-11-23T12:00:00Z")],
            rules,
        );
        assert.deepEqual(
            plan.filter((d) => d.action === "destroy").map((d) => d.stack),
            ["v1-0-0", "v3-0-0"],
        );
    });

    it("the reaper never touches dev, prod or a protected stack, whatever its tags", () => {
        const plan = planReap(
            [
                on("dev", "v1.0.0", "2026-11-23T01:00:00Z"),
                on("organization/vnv/prod", "v1.0.0", "2026-11-23T01:00:00Z"),
                on("demo", "v1.0.0", "2026-11-23T01:00:00Z"),
            ],
            rules,
            ["demo"],
        );
        assert.deepEqual(
            plan.map((d) => d.action),
            ["skip", "skip", "skip"],
        );
    });

    it("the reaper never touches a stack without vnv:kind=ephemeral", () => {
        const plan = planReap([{ name: "shared-db", tags: { [TAG.expiresAt]: "2020-01-01T00:00:00Z" } }], rules);
        assert.deepEqual(plan, [{ stack: "shared-db", action: "skip", reason: "not an ephemeral environment" }]);
    });

    it("the reaper skips an ephemeral stack whose expiry it cannot read", () => {
        const plan = planReap([{ name: "v1", tags: { [TAG.kind]: "ephemeral", [TAG.expiresAt]: "soon" } }], rules);
        assert.equal(plan[0]!.action, "skip");
    });

    it("failure 1: an expiry tag that is a bare number is malformed, and the reaper never acts on it", () => {
        for (const expiry of ["5", "1700000000", "2000", "2026-11-23", "2026-11-23T11:00:00Z", "Mon, 23 Nov 2026 11:00:00 GMT"]) {
            const tags = { ...metaToTags(meta("v1.2.3", "2026-11-23T11:00:00.000Z")), [TAG.expiresAt]: expiry };
            const [decision] = planReap([{ name: "v1-2-3", tags }], rules);
            assert.deepEqual([decision!.action, decision!.reason.startsWith("malformed, never acted on: tag vnv:expires-at")], ["skip", true], expiry);
        }
    });

    it("tags are read as strictly as vnv writes them: a changed version, owner, host or slot is malformed", () => {
        const good = metaToTags(meta("v1.2.3", "2026-11-23T11:00:00.000Z"));
        for (const [key, value] of [
            [TAG.version, "v1.2.3-RC1"],
            [TAG.owner, "ana\nv9 https://evil"],
            [TAG.hostname, "Evil.example"],
            [TAG.slot, "07"],
            [TAG.createdAt, "2026-11-24T00:00:00.000Z"],
        ] as const) {
            const read = tagsToMeta("v1-2-3", { ...good, [key]: value }, rules);
            assert.ok("problem" in read, `${key}=${value} was accepted`);
        }
    });

    it("tags of one version on another version's stack are malformed, and the reaper never acts on them", () => {
        const [decision] = planReap([on("v1-2-4", "v1.2.3", "2026-11-23T01:00:00.000Z")], rules);
        assert.equal(decision!.action, "skip");
        assert.match(decision!.reason, /^malformed, never acted on: tag vnv:version is v1\.2\.3, whose stack is v1-2-3, not v1-2-4/);
    });

    it("prod or auth carrying an environment's tags is malformed, never an environment", () => {
        for (const stack of ["prod", "auth", "organization/vnv/auth"]) {
            const role = stackRole(stack, metaToTags(meta("v1.2.3", "2026-11-23T18:00:00.000Z")), rules);
            assert.equal(role.role, "malformed", stack);
        }
    });

    it("a host outside the domain, or not the version's own, is malformed", () => {
        const good = metaToTags(meta("v1.2.3", "2026-11-23T18:00:00.000Z"));
        for (const host of ["1-2-3.evil.example", "1-2-4.step-studio.be", "x.1-2-3.step-studio.be"]) {
            const read = tagsToMeta("v1-2-3", { ...good, [TAG.hostname]: host }, rules);
            assert.ok("problem" in read && read.problem.startsWith(`tag ${TAG.hostname} is ${host}`), `${host}: ${JSON.stringify(read)}`);
        }
    });

    it("a creation time in the future beyond the clock skew is malformed; within it, believed", () => {
        const at = (createdMs: number) =>
            tagsToMeta("v1-2-3", metaToTags({ ...meta("v1.2.3", new Date(createdMs + DAY).toISOString()), createdAt: new Date(createdMs) }), rules);
        assert.ok("problem" in at(now.getTime() + CLOCK_SKEW_MS + 1000), "a creation beyond the skew was believed");
        assert.ok(!("problem" in at(now.getTime() + CLOCK_SKEW_MS - 1000)), "a creation within the skew was refused");
    });

    it("an expiry beyond the maximum TTL from creation is malformed, so never listed as live forever", () => {
        const created = new Date("2026-11-23T00:00:00.000Z");
        const read = tagsToMeta(
            "v1-2-3",
            metaToTags({ ...meta("v1.2.3", new Date(created.getTime() + 3 * DAY + 1000).toISOString()), createdAt: created }),
            rules,
        );
        assert.ok("problem" in read && /beyond the maximum TTL/.test(read.problem), JSON.stringify(read));
        const far = tagsToMeta("v1-2-3", metaToTags(meta("v1.2.3", "9999-12-31T23:59:59.999Z")), rules);
        assert.ok("problem" in far, "an expiry in the year 9999 was read as an environment");
    });

    describe("kept environments (env extend --keep)", () => {
        const created = new Date("2026-11-23T00:00:00.000Z");
        const kept = (reason: string, days: number) =>
            metaToTags({ ...meta("v1.2.3", new Date(created.getTime() + days * DAY).toISOString()), createdAt: created, keep: reason });

        it("a reason lets an environment live up to the maximum kept life, read back with it", () => {
            const read = tagsToMeta("v1-2-3", kept("client demo on Friday", 10), { ...rules, maxKeepMs: 14 * DAY });
            assert.ok(!("problem" in read) && read.keep === "client demo on Friday", JSON.stringify(read));
        });

        it("a bound lowered after it was kept, or keeping switched off, holds it to the new bound: it expires there, never malformed and never acted on", () => {
            const expiries = [{ ...rules, maxKeepMs: 7 * DAY }, rules].map((r) => {
                const read = tagsToMeta("v1-2-3", kept("demo", 10), r);
                return "problem" in read ? read.problem : read.expiresAt.toISOString();
            });
            assert.deepEqual(expiries, ["2026-11-30T00:00:00.000Z", "2026-11-26T00:00:00.000Z"]);
        });

        it("without a reason, an expiry beyond the maximum TTL stays malformed", () => {
            const { "vnv:keep": _k, ...plain } = kept("demo", 10);
            assert.ok("problem" in tagsToMeta("v1-2-3", plain, { ...rules, maxKeepMs: 14 * DAY }));
        });

        it("a reason with control characters, edge spaces or over 200 characters is malformed", () => {
            const problems = ["demo\u001b[2J", " demo", "x".repeat(201), ""].map(
                (r) => "problem" in tagsToMeta("v1-2-3", kept(r, 1), { ...rules, maxKeepMs: 14 * DAY }),
            );
            assert.deepEqual(problems, [true, true, true, true]);
        });

        it("the reason is among the tags the reaper compares before it destroys: a keep set meanwhile stops it", () => {
            assert.ok(!sameMeta(kept("demo", 1), { ...kept("demo", 1), "vnv:keep": "other" }));
        });
    });

    it("property: what vnv writes for any version on its own stack is an environment", () => {
        fc.assert(
            fc.property(versionText, fc.integer({ min: 0, max: 3 * DAY }), (text, ttlMs) => {
                const m = { ...meta(parseVersion(text).canonical, new Date(Date.parse("2026-11-23T00:00:00.000Z") + ttlMs).toISOString()) };
                assert.deepEqual(tagsToMeta(m.stack, metaToTags(m), rules), m);
            }),
        );
    });

    it("property: any tags vnv did not write exactly are malformed or read back unchanged", () => {
        const good = metaToTags(meta("v1.2.3", "2026-11-23T11:00:00.000Z", 2));
        fc.assert(
            fc.property(fc.constantFrom(...Object.keys(good)), fc.string({ maxLength: 30 }), (key, value) => {
                const read = tagsToMeta("v1-2-3", { ...good, [key]: value }, rules);
                return "problem" in read || JSON.stringify(metaToTags(read)) === JSON.stringify({ ...good, [key]: value });
            }),
        );
    });

    it("property: the reaper destroys only expired ephemeral stacks of a version, never dev, prod, auth or a protected one", () => {
        const stack = fc.record({
            name: fc.constantFrom("dev", "prod", "demo", "v1.0.0", "v2.0.0", "v3.0.0", "auth"),
            kind: fc.constantFrom("ephemeral", "long-lived", undefined),
            offsetMin: fc.integer({ min: -600, max: 600 }),
        });
        fc.assert(
            fc.property(fc.array(stack, { maxLength: 12 }), (stacks) => {
                const summaries = stacks.map((s) => {
                    const version = s.name.startsWith("v") ? s.name : "v9.0.0";
                    const { [TAG.kind]: _kind, ...tags } = metaToTags(meta(version, new Date(now.getTime() + s.offsetMin * 60_000).toISOString()));
                    return { name: s.name.startsWith("v") ? stackName(version) : s.name, tags: { ...tags, ...(s.kind ? { [TAG.kind]: s.kind } : {}) } };
                });
                const plan = planReap(summaries, rules, ["demo"]);
                plan.forEach((d, i) => {
                    const s = stacks[i]!;
                    // Only a version's own stack is an environment: dev, prod, auth and demo never are, whatever their tags.
                    const shouldDestroy = s.name.startsWith("v") && s.kind === "ephemeral" && s.offsetMin <= 0;
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
