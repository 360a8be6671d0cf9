/** What `vnv rollback` returns to, planned from the history alone (automation/release/rollback.ts). */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import type { AuditEvent } from "../automation/history/events";
import { NothingToRollBackError, planRollback, rollbackText } from "../automation/release/rollback";
import { meaningOf } from "../automation/errors";

const digest = (n: number) => `sha256:${n.toString(16).padStart(64, "0")}`;
/** The digests of version `v` (each service its own). */
const digestsOf = (v: number) => ({ "proxy-server": digest(v * 10 + 1), "pnp-server": digest(v * 10 + 2), frontend: digest(v * 10 + 3) });

let clock = 0;
/** One event of prod; `v` the minor version deployed. */
function event(action: "deploy" | "rollback" | "pin", v: number, result: "succeeded" | "failed" = "succeeded", environment = "prod"): AuditEvent {
    clock += 1;
    const at = new Date(Date.UTC(2026, 11, 1, 0, 0, clock)).toISOString();
    return {
        schema: 1,
        id: `${at.replace(/[-:.]/g, "")}-${clock.toString(16).padStart(16, "0")}`,
        at,
        actor: "ana",
        action,
        environment,
        version: `v1.${v}.0`,
        digests: digestsOf(v),
        result,
        ...(result === "failed" ? { error: "boom" } : {}),
        durationMs: 1,
    };
}
/** Oldest first as written, newest first as the trail lists them. */
const listed = (...events: AuditEvent[]) => [...events].reverse();

describe("rollback plan", () => {
    it("goes back from the newest deploy to the successful one before it, listing each digest that changes", () => {
        const plan = planRollback("prod", listed(event("deploy", 1), event("deploy", 2)));
        assert.deepEqual([plan.from.version, plan.to.version], ["v1.2.0", "v1.1.0"]);
        assert.deepEqual(
            plan.changes.map((c) => [c.service, c.from, c.to]),
            ["frontend", "pnp-server", "proxy-server"].map((s) => [s, digestsOf(2)[s as "frontend"], digestsOf(1)[s as "frontend"]]),
        );
    });

    it("a failed newest deploy is rolled back to the last successful one", () => {
        const plan = planRollback("prod", listed(event("deploy", 1), event("deploy", 2), event("deploy", 3, "failed")));
        assert.deepEqual([plan.from.version, plan.from.result, plan.to.version], ["v1.3.0", "failed", "v1.2.0"]);
    });

    it("failed deploys are never a target", () => {
        const plan = planRollback("prod", listed(event("deploy", 1), event("deploy", 2, "failed"), event("deploy", 3)));
        assert.equal(plan.to.version, "v1.1.0");
    });

    it("a second rollback goes further back, never forward to what the first one undid", () => {
        const plan = planRollback("prod", listed(event("deploy", 1), event("deploy", 2), event("deploy", 3), event("rollback", 2)));
        assert.deepEqual([plan.from.version, plan.to.version], ["v1.2.0", "v1.1.0"]);
    });

    it("a redeploy of the same digests is skipped: the target has other digests", () => {
        const plan = planRollback("prod", listed(event("deploy", 1), event("deploy", 2), event("deploy", 2)));
        assert.equal(plan.to.version, "v1.1.0");
    });

    it("only the stack's deploys and rollbacks count: pins and other environments are ignored", () => {
        const plan = planRollback("prod", listed(event("deploy", 1), event("deploy", 5, "succeeded", "dev"), event("pin", 6), event("deploy", 2)));
        assert.equal(plan.to.version, "v1.1.0");
    });

    it("no deploy in the history: nothing to roll back to, bad input (exit 2)", () => {
        assert.throws(
            () => planRollback("prod", listed(event("deploy", 1, "succeeded", "dev"))),
            (e: Error) => e instanceof NothingToRollBackError && meaningOf(e) === "bad-input" && /holds no deploy of prod/.test(e.message),
        );
    });

    it("one deploy only: nothing earlier to roll back to", () => {
        assert.throws(
            () => planRollback("prod", listed(event("deploy", 1))),
            (e: Error) => e instanceof NothingToRollBackError && /no successful deploy of prod before v1\.1\.0/.test(e.message),
        );
    });

    it("--from: refused when the newest deploy is another version (someone deployed since)", () => {
        const events = listed(event("deploy", 1), event("deploy", 2), event("deploy", 3));
        assert.throws(
            () => planRollback("prod", events, "v1.2.0"),
            (e: Error) => meaningOf(e) === "bad-input" && /newest deploy of prod is v1\.3\.0/.test(e.message),
        );
        assert.equal(planRollback("prod", events, "1.3.0").to.version, "v1.2.0", "any spelling of the version");
    });

    it("the target is always an earlier successful state with other digests than the one rolled back", () => {
        const step = fc.record({
            action: fc.constantFrom("deploy" as const, "rollback" as const),
            v: fc.integer({ min: 1, max: 4 }),
            ok: fc.boolean(),
        });
        fc.assert(
            fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), (steps) => {
                const events = steps.map((s) => event(s.action, s.v, s.ok ? "succeeded" : "failed"));
                try {
                    const plan = planRollback("prod", listed(...events));
                    const target = events.find((e) => e.id === plan.to.id);
                    return (
                        target !== undefined &&
                        target.result === "succeeded" &&
                        target.id < plan.from.id &&
                        plan.to.version !== plan.from.version &&
                        plan.changes.length > 0
                    );
                } catch (e) {
                    return e instanceof NothingToRollBackError;
                }
            }),
        );
    });

    it("the plan's text names both versions and every changed service", () => {
        const text = rollbackText(planRollback("prod", listed(event("deploy", 1), event("deploy", 2))));
        assert.match(text, /roll prod back from v1\.2\.0 .*\n.*to v1\.1\.0/);
        assert.match(text, /proxy-server\s+sha256:0{9}\S* -> sha256:/);
    });
});
