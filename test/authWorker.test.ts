import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { authOutcomeInChild } from "../automation/environments/authWorker";

/** Worker processes still running. */
function workers(): string[] {
    try {
        return execFileSync("pgrep", ["-f", "automation/environments/authWorker"], { encoding: "utf8" })
            .split("\n")
            .filter((l) => l !== "");
    } catch {
        return []; // pgrep exits 1 when nothing matches
    }
}

describe("the redirect list's child process", function () {
    this.timeout(60_000);
    const job = {
        store: {
            project: "vnv",
            backend: { url: `file://${path.join(os.tmpdir(), "vnv-never-created")}`, kind: "file" as const },
            secrets: { provider: "passphrase", passphrase: "x" },
            cli: { root: "/nonexistent", binary: "/nonexistent/bin/pulumi", version: "3.259.0", source: "PATH" as const },
        },
        owner: { fixedHosts: ["dev.step-studio.be"], redirectPaths: ["/"], domain: "step-studio.be", maxTtlMs: 3 * 86_400_000 },
    };

    it("a program it cannot build is an answer naming it, not a crash, and the process is gone after it", async () => {
        const lines: string[] = [];
        const outcome = await authOutcomeInChild(
            { ...job, program: { kind: "module", module: require.resolve("../harness/standins"), exportName: "noSuchFactory" } },
            (l) => lines.push(l),
        );
        assert.equal(outcome.ok, false);
        assert.match(outcome.ok ? "" : outcome.error, /exports no program factory noSuchFactory/);
        for (let i = 0; workers().length > 0; i++) {
            assert.ok(i < 100, `left running: ${workers().join(", ")}`);
            await new Promise((r) => setTimeout(r, 100));
        }
    });

    it("a child that gives no answer in time is stopped, and said so", async () => {
        const outcome = await authOutcomeInChild(
            { ...job, program: { kind: "module", module: require.resolve("../harness/standins"), exportName: "authStandIn" } },
            () => undefined,
            undefined,
            { timeoutMs: 1 },
        );
        assert.deepEqual(outcome, { ok: false, error: "the redirect list's process gave no answer within 0 s and was stopped" });
    });
});
