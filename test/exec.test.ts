/** `vnv env exec`'s reading of the stack's outputs and its command line (automation/environments/exec.ts). */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { meaningOf } from "../automation/errors";
import { commandWords, ecsPlacement, planExec, runningTask, shellWord } from "../automation/environments/exec";

const CLUSTER = "arn:aws:ecs:eu-central-1:123456789012:cluster/vnv-dev-cluster-1a2b3c4";
const placement = (ecs: unknown) => ecsPlacement("v1-2-3-rc-1", { ecs });
const good = { cluster: CLUSTER, services: { "proxy-server": "vnv-services-proxy-server-1a2b" }, exec: true };

describe("env exec", () => {
    it("reads the cluster's region from its ARN and each service's ECS name", () => {
        const p = placement(good);
        assert.deepEqual([p.region, p.services["proxy-server"], p.exec], ["eu-central-1", "vnv-services-proxy-server-1a2b", true]);
    });

    it("refuses outputs that are not what vnv writes: no ecs, a cluster that is no ARN, odd names, an exec that is no boolean", () => {
        for (const bad of [
            undefined,
            "x",
            { ...good, cluster: "vnv-dev" },
            { ...good, cluster: `${CLUSTER}\n--region evil` },
            { ...good, services: { "proxy-server": "name with spaces" } },
            { ...good, services: { "Proxy Server": "x" } },
            { ...good, exec: "true" },
        ]) {
            assert.throws(() => placement(bad), /exports no ECS placement vnv reads/, JSON.stringify(bad));
        }
    });

    it("an environment without ECS Exec is refused before any program runs (bad input)", () => {
        assert.throws(
            () => planExec("prod", placement({ ...good, exec: false }), "proxy-server", ["/bin/sh"]),
            (e: Error) => meaningOf(e) === "bad-input" && /vnv:exec: true/.test(e.message),
        );
    });

    it("no command is a shell; a command is bounded in words and length, without NUL or line breaks", () => {
        assert.deepEqual(commandWords([]), ["/bin/sh"]);
        assert.throws(() => commandWords(Array.from({ length: 65 }, () => "x")), /at most 64/);
        assert.throws(() => commandWords(["x".repeat(1025)]), /longer than 1024/);
        assert.throws(() => commandWords(["ls\nrm -rf /"]), /line break/);
    });

    it("a task is taken only as a task ARN; none running says so", () => {
        const plan = planExec("dev", placement(good), "proxy-server", ["/bin/sh"]);
        const arn = `arn:aws:ecs:eu-central-1:123456789012:task/vnv-dev-cluster-1a2b3c4/${"0f".repeat(16)}`;
        assert.equal(runningTask(plan, `${arn}\n`), arn);
        assert.throws(() => runningTask(plan, "None\n"), /runs no task now/);
        assert.throws(() => runningTask(plan, "arn:aws:ecs:x; rm -rf /"), /no task ARN/);
    });

    it("any word survives shell quoting as itself", () => {
        const word = fc.string({ unit: fc.constantFrom("a", " ", "'", '"', "\\", "$", "`", "*", ";", "é", "-", "="), maxLength: 12 });
        fc.assert(
            fc.property(fc.array(word, { minLength: 1, maxLength: 6 }), (words) => {
                const r = spawnSync("sh", ["-c", `for w in ${words.map(shellWord).join(" ")}; do printf '%s\\0' "$w"; done`], { encoding: "utf8" });
                return r.stdout === words.map((w) => `${w}\0`).join("");
            }),
            { numRuns: 60 },
        );
    });
});
