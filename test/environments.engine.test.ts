/**
 * @engine: ephemeral environments on the real engine, a file backend in a temporary directory
 * and stand-in programs (no cloud).
 */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { CapacityError, StackLockedError, UsageError } from "../automation/errors";
import { TAG } from "../rules/metadata";
import { makeDriver, stackFiles, tempDir, useTempDir, workspaceOptions } from "./support/driver";
import { standIn } from "./support/standins";

const HOUR = 3_600_000;

/** The redirect list the auth stand-in registered. */
async function authUris(dir: string): Promise<string[]> {
    const ws = await LocalWorkspace.create(await workspaceOptions(dir));
    const outputs = await ws.stackOutputs("auth");
    return outputs.redirectUris!.value as string[];
}

describe("@engine ephemeral environments", function () {
    this.timeout(300_000);
    const tmp = useTempDir();

    it("lives through up, ls, update, extend and down, registering and dropping its redirect URIs", async () => {
        const env = makeDriver(tmp());
        const up = await env.up("v1.2.3-RC1", { ttl: "2h", owner: "ana" });
        assert.deepEqual([up.stack, up.url, up.created], ["v1-2-3-rc-1", "https://1-2-3-rc-1.step-studio.be", true]);
        assert.equal(up.outputs.apiToken, "[secret]");

        const [row] = await env.list();
        assert.equal(row!.version, "v1.2.3-rc.1");
        assert.equal(row!.owner, "ana");
        assert.equal(new Date(row!.expiresAt).getTime() - new Date(row!.createdAt).getTime(), 2 * HOUR);
        assert.ok(row!.resourceCount! >= 3, `resource count ${row!.resourceCount}`);
        assert.ok((await authUris(tmp())).includes("https://1-2-3-rc-1.step-studio.be/auth/callback"));

        const again = await env.up("v1.2.3-rc.1");
        assert.equal(again.created, false);
        assert.equal(again.expiresAt, row!.expiresAt, "an update without --ttl keeps the expiry");

        const before = (await env.list())[0]!;
        const extended = await env.extend("v1.2.3-rc.1", "5h");
        assert.equal(extended.expiresAt.getTime() - extended.createdAt.getTime(), 5 * HOUR);
        const after = (await env.list())[0]!;
        assert.equal(after.lastUpdate, before.lastUpdate, "extend ran an update");

        await env.down("v1.2.3-rc.1");
        assert.deepEqual(await env.list(), []);
        assert.deepEqual(stackFiles(tmp()), ["vnv/auth.json"]);
        assert.ok(!(await authUris(tmp())).some((u) => u.includes("1-2-3-rc-1")));
    });
});

describe("@engine reaper", function () {
    this.timeout(300_000);
    const tmp = useTempDir();

    /** A stack that is not made by `env up`, with the given tags. */
    async function foreignStack(name: string, tags: Record<string, string>): Promise<void> {
        const stack = await LocalWorkspace.createStack({ stackName: name, projectName: "vnv", program: async () => ({}) }, await workspaceOptions(tmp()));
        for (const [k, v] of Object.entries(tags)) {
            await stack.setTag(k, v);
        }
    }

    it("destroys exactly the expired ephemeral stacks", async () => {
        const env = makeDriver(tmp(), { auth: undefined });
        await env.up("v1.0.0-rc.1", { ttl: "1h" });
        await env.up("v1.0.0-rc.2", { ttl: "3h" });
        await env.up("v1.0.0-rc.3", { ttl: "1h" });
        const summary = await env.reap({ now: new Date(Date.now() + 2 * HOUR), concurrency: 2 });
        assert.deepEqual(summary.destroyed, ["v1-0-0-rc-1", "v1-0-0-rc-3"]);
        assert.deepEqual(summary.failed, []);
        assert.deepEqual(
            (await env.list()).map((e) => e.stack),
            ["v1-0-0-rc-2"],
        );
        assert.deepEqual(stackFiles(tmp()), ["vnv/v1-0-0-rc-2.json"]);
    });

    it("leaves a protected stack with an expired ephemeral tag alone", async () => {
        const expired = { [TAG.kind]: "ephemeral", [TAG.expiresAt]: "2020-01-01T00:00:00.000Z" };
        await foreignStack("dev", expired);
        await foreignStack("demo", expired);
        const env = makeDriver(tmp(), { auth: undefined, protectedStacks: ["demo"] });
        const summary = await env.reap();
        assert.deepEqual(summary.destroyed, []);
        assert.deepEqual(summary.skipped.map((s) => `${s.stack}: ${s.reason}`).sort(), ["demo: protected", "dev: protected"]);
        assert.deepEqual(stackFiles(tmp()), ["vnv/demo.json", "vnv/dev.json"]);
    });

    it("leaves a stack without vnv:kind=ephemeral alone, whatever its expiry", async () => {
        await foreignStack("shared-db", { [TAG.expiresAt]: "2020-01-01T00:00:00.000Z" });
        const env = makeDriver(tmp(), { auth: undefined });
        const summary = await env.reap();
        assert.deepEqual(summary.destroyed, []);
        assert.equal(summary.skipped[0]!.reason, "not tagged vnv:kind=ephemeral");
    });

    it("a dry run destroys nothing and says what it would destroy", async () => {
        const env = makeDriver(tmp(), { auth: undefined });
        await env.up("v2.0.0-rc.1", { ttl: "1h" });
        const summary = await env.reap({ dryRun: true, now: new Date(Date.now() + 2 * HOUR) });
        assert.deepEqual(summary.wouldDestroy, ["v2-0-0-rc-1"]);
        assert.deepEqual(stackFiles(tmp()), ["vnv/v2-0-0-rc-1.json"]);
    });

    it("a reaper on another machine, with only the backend URL and passphrase, destroys a stack with secrets in its state", async () => {
        await makeDriver(tmp(), { auth: undefined }).up("v3.0.0-rc.1", { ttl: "1h" });
        const state = fs.readFileSync(`${tmp()}/state/.pulumi/stacks/vnv/v3-0-0-rc-1.json`, "utf8");
        assert.ok(state.includes("ciphertext") && !state.includes("token-for-"), "the stand-in's secret is not encrypted in the state");
        const elsewhere = tempDir("vnv-reaper-");
        try {
            // A fresh PULUMI_HOME and workspace: nothing but the backend and the passphrase is shared.
            const reaper = makeDriver(tmp(), { auth: undefined, pulumiHome: `${elsewhere}/home` });
            const summary = await reaper.reap({ now: new Date(Date.now() + 2 * HOUR) });
            assert.deepEqual([summary.destroyed, summary.failed], [["v3-0-0-rc-1"], []]);
            assert.deepEqual(stackFiles(tmp()), []);
        } finally {
            fs.rmSync(elsewhere, { recursive: true, force: true });
        }
    });

    it("a failed up leaves the environment tagged with its expiry, and the reaper collects it", async () => {
        const env = makeDriver(tmp(), { auth: undefined, program: standIn({ failFor: ["v4.0.0-rc.1"] }) });
        await assert.rejects(env.up("v4.0.0-rc.1", { ttl: "1h" }), /stand-in failure/);
        const [row] = await env.list();
        assert.equal(row!.stack, "v4-0-0-rc-1");
        const summary = await env.reap({ now: new Date(Date.now() + 2 * HOUR) });
        assert.deepEqual(summary.destroyed, ["v4-0-0-rc-1"]);
    });
});

describe("@engine environments under contention", function () {
    this.timeout(300_000);
    const tmp = useTempDir();

    it("two concurrent ups of different versions both succeed, in different slots", async () => {
        const env = makeDriver(tmp(), { auth: undefined });
        const [a, b] = await Promise.all([env.up("v5.0.0-rc.1"), env.up("v5.0.0-rc.2")]);
        assert.deepEqual([a.created, b.created], [true, true]);
        assert.notEqual(a.outputs.slot, b.outputs.slot);
    });

    it("concurrent ups converge on one redirect list holding every live environment", async () => {
        const env = makeDriver(tmp());
        await Promise.all([env.up("v5.1.0-rc.1"), env.up("v5.1.0-rc.2")]);
        const uris = await authUris(tmp());
        assert.ok(uris.includes("https://5-1-0-rc-1.step-studio.be/") && uris.includes("https://5-1-0-rc-2.step-studio.be/"), uris.join(" "));
    });

    it("two concurrent ups of the same version: one proceeds, the other fails saying who holds the lock", async () => {
        const env = makeDriver(tmp(), { auth: undefined, program: standIn({ createDelayMs: 6000 }) });
        const results = await Promise.allSettled([env.up("v6.0.0-rc.1"), env.up("v6.0.0-rc.1")]);
        const ok = results.filter((r) => r.status === "fulfilled");
        const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
        assert.equal(ok.length, 1, JSON.stringify(results.map((r) => (r.status === "rejected" ? String(r.reason) : "ok"))));
        assert.ok(failed[0]!.reason instanceof StackLockedError, String(failed[0]!.reason));
        assert.match(failed[0]!.reason.message, /being created by another run right now|being changed by another run: .*@.* \(pid \d+\) since /);
    });

    it("two processes running up of the same version at once: exactly one proceeds, the other fails clearly", async () => {
        const pause = `${tmp()}/pause`;
        fs.writeFileSync(pause, ""); // holds the create, so the two runs overlap
        const run = () => {
            const child = spawn(process.execPath, ["-r", "tsx/cjs", path.join(__dirname, "support", "child.ts"), "up", tmp(), "v6.1.0-rc.1", pause], {
                stdio: ["ignore", "pipe", "pipe"],
            });
            let out = "";
            child.stdout!.on("data", (d) => (out += d));
            child.stderr!.on("data", (d) => (out += d));
            return { child, output: () => out, exit: new Promise<number>((r) => child.on("exit", (code) => r(code ?? -1))) };
        };
        const [a, b] = [run(), run()];
        const deadline = Date.now() + 120_000;
        while (!/dynamic:Resource vnv-marker creating/.test(a.output() + b.output()) && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 100));
        }
        await new Promise((r) => setTimeout(r, 3000));
        fs.rmSync(pause);
        const codes = await Promise.all([a.exit, b.exit]);
        assert.deepEqual([...codes].sort(), [0, 1], `${a.output()}\n----\n${b.output()}`);
        const loser = codes[0] === 1 ? a.output() : b.output();
        assert.match(
            loser,
            /StackLockedError: environment v6-1-0-rc-1 is being (created by another run right now|changed by another run: .*@.* \(pid \d+\) since )/,
        );
    });

    it("refuses an environment beyond the capacity, listing the live ones and their expiry", async () => {
        const env = makeDriver(tmp(), { auth: undefined, maxEnvironments: 1 });
        await env.up("v7.0.0-rc.1");
        await assert.rejects(
            env.up("v7.0.0-rc.2"),
            (e: unknown) => e instanceof CapacityError && /at most 1 environments .*\n\s+v7\.0\.0-rc\.1\s+expires /.test((e as Error).message),
        );
        assert.deepEqual(stackFiles(tmp()), ["vnv/v7-0-0-rc-1.json"]);
    });
});

describe("@engine bad input is refused before any stack exists", function () {
    this.timeout(60_000);
    const tmp = useTempDir();

    for (const version of ["latest", "v1.2", "1.2.3-beta.1", "v1.2.3_rc1"]) {
        it(`refuses the version ${version}`, async () => {
            await assert.rejects(makeDriver(tmp()).up(version), (e: unknown) => e instanceof UsageError && e.message.includes(JSON.stringify(version)));
            assert.deepEqual(stackFiles(tmp()), []);
        });
    }

    for (const ttl of ["-1h", "abc", "0h", "4d"]) {
        it(`refuses the TTL ${ttl}`, async () => {
            await assert.rejects(makeDriver(tmp()).up("v1.2.3-rc.1", { ttl }), (e: unknown) => e instanceof UsageError && /TTL/.test((e as Error).message));
            assert.deepEqual(stackFiles(tmp()), []);
        });
    }
});

describe("@engine recovery from a killed run", function () {
    this.timeout(300_000);
    const tmp = useTempDir();

    /** Starts `op` in a child process group, waits until the stand-in resource is mid-operation, then SIGKILLs the group. */
    async function killMidway(op: "up" | "down", version: string, marker: RegExp): Promise<void> {
        const pause = `${tmp()}/pause`;
        fs.writeFileSync(pause, "");
        const child = spawn(process.execPath, ["-r", "tsx/cjs", path.join(__dirname, "support", "child.ts"), op, tmp(), version, pause], {
            detached: true,
            stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        child.stdout!.on("data", (d) => (out += d));
        child.stderr!.on("data", (d) => (out += d));
        const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
        const deadline = Date.now() + 120_000;
        while (!marker.test(out)) {
            if (Date.now() > deadline || child.exitCode !== null) {
                throw new Error(`the child never reached ${marker}:\n${out}`);
            }
            await new Promise((r) => setTimeout(r, 100));
        }
        await new Promise((r) => setTimeout(r, 500));
        process.kill(-child.pid!, "SIGKILL"); // the node process and the pulumi CLI it runs
        await exited;
        fs.rmSync(pause);
    }

    it("an up killed midway is recovered by the next up: stale lock cleared, pending operations cleared", async () => {
        await killMidway("up", "v8.0.0-rc.1", /dynamic:Resource vnv-marker creating/);
        const state = JSON.parse(fs.readFileSync(`${tmp()}/state/.pulumi/stacks/vnv/v8-0-0-rc-1.json`, "utf8"));
        assert.ok((state.checkpoint.latest.pending_operations ?? []).length > 0, "the killed run left no pending operation");
        assert.ok(
            fs.readdirSync(`${tmp()}/state/.pulumi/locks`, { recursive: true }).some((f) => String(f).endsWith(".json")),
            "the killed run left no lock",
        );
        const lines: string[] = [];
        const env = makeDriver(tmp(), { auth: undefined, log: (l) => lines.push(l) });
        const up = await env.up("v8.0.0-rc.1");
        assert.equal(up.created, false);
        assert.ok(
            lines.some((l) => /clearing stale lock/.test(l)),
            lines.join("\n"),
        );
        assert.ok(
            lines.some((l) => /clearing \d+ pending operation/.test(l)),
            lines.join("\n"),
        );
        assert.equal((await env.list())[0]!.stack, "v8-0-0-rc-1");
    });

    it("a down killed midway is recovered by the next down", async () => {
        // The pause file is absent now, so this create is quick; the delete will find it.
        await makeDriver(tmp(), { auth: undefined, program: standIn({ pauseFile: `${tmp()}/pause` }) }).up("v9.0.0-rc.1");
        await killMidway("down", "v9.0.0-rc.1", /dynamic:Resource vnv-marker deleting/);
        const lines: string[] = [];
        const env = makeDriver(tmp(), { auth: undefined, log: (l) => lines.push(l) });
        await env.down("v9.0.0-rc.1");
        assert.ok(
            lines.some((l) => /clearing stale lock/.test(l)),
            lines.join("\n"),
        );
        assert.deepEqual(stackFiles(tmp()), []);
    });
});
