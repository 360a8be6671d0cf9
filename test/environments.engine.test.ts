/**
 * @engine: ephemeral environments on the real engine, a file backend in a temporary directory
 * and stand-in programs (no cloud).
 */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import type { AuthProgramFactory } from "../automation/environments/environments";
import { CapacityError, describeLock, LeaseHeldError, StackLockedError } from "../automation/errors";
import { TAG } from "../rules/metadata";
import { main } from "../automation/cli/program";
import { BACKENDS, backendUrl, onBackend } from "../harness/backends";
import { backendFile, backendFiles, makeDriver, owner, PASSPHRASE, stackFiles, tempDir, ttl, useTempDir, v, workspaceOptions } from "../harness/driver";
import { killTree, running } from "../harness/processes";
import { authStandIn, standIn } from "../harness/standins";

const HOUR = 3_600_000;

/** A reaper whose clock runs two hours ahead (a real reap decides by its own clock, never by a given time). */
const inTwoHours = (dir: string) => makeDriver(dir, { auth: undefined, clock: () => new Date(Date.now() + 2 * HOUR) });

/** The redirect list the auth stand-in registered. */
async function authUris(dir: string): Promise<string[]> {
    const ws = await LocalWorkspace.create(await workspaceOptions(dir));
    const outputs = await ws.stackOutputs("auth");
    return outputs.redirectUris!.value as string[];
}

for (const kind of BACKENDS)
    describe(`@engine ephemeral environments (${kind})`, function () {
        onBackend(kind);
        this.timeout(300_000);
        const tmp = useTempDir();

        it("lives through up, ls, update, extend and down, registering and dropping its redirect URIs", async () => {
            const env = makeDriver(tmp());
            const up = await env.up(v("v1.2.3-RC1"), { ttl: ttl("2h"), owner: owner("ana") });
            assert.deepEqual([up.stack, up.url, up.created], ["v1-2-3-rc-1", "https://1-2-3-rc-1.step-studio.be", true]);
            assert.equal(up.outputs.apiToken, "[secret]");

            const [row] = await env.list();
            assert.equal(row!.version, "v1.2.3-rc.1");
            assert.equal(row!.owner, "ana");
            assert.equal(new Date(row!.expiresAt!).getTime() - new Date(row!.createdAt!).getTime(), 2 * HOUR);
            assert.ok(row!.resourceCount! >= 3, `resource count ${row!.resourceCount}`);
            assert.ok((await authUris(tmp())).includes("https://1-2-3-rc-1.step-studio.be/auth/callback"));

            const again = await env.up(v("v1.2.3-rc.1"));
            assert.equal(again.created, false);
            assert.equal(again.expiresAt, row!.expiresAt, "an update without --ttl keeps the expiry");

            const before = (await env.list())[0]!;
            const extended = await env.extend(v("v1.2.3-rc.1"), ttl("5h"));
            assert.equal(extended.expiresAt.getTime() - extended.createdAt.getTime(), 5 * HOUR);
            const after = (await env.list())[0]!;
            assert.equal(after.lastUpdate, before.lastUpdate, "extend ran an update");

            await env.down(v("v1.2.3-rc.1"));
            assert.deepEqual(await env.list(), []);
            assert.deepEqual(await stackFiles(tmp()), ["vnv/auth.json"]);
            assert.ok(!(await authUris(tmp())).some((u) => u.includes("1-2-3-rc-1")));
        });
    });

for (const kind of BACKENDS)
    describe(`@engine reaper (${kind})`, function () {
        onBackend(kind);
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
            await env.up(v("v1.0.0-rc.1"), { ttl: ttl("1h") });
            await env.up(v("v1.0.0-rc.2"), { ttl: ttl("3h") });
            await env.up(v("v1.0.0-rc.3"), { ttl: ttl("1h") });
            const summary = await inTwoHours(tmp()).reap({ concurrency: 2 });
            assert.deepEqual(summary.destroyed, ["v1-0-0-rc-1", "v1-0-0-rc-3"]);
            assert.deepEqual(summary.failed, []);
            assert.deepEqual(
                (await env.list()).map((e) => e.stack),
                ["v1-0-0-rc-2"],
            );
            assert.deepEqual(await stackFiles(tmp()), ["vnv/v1-0-0-rc-2.json"]);
        });

        it("leaves a protected stack with an expired ephemeral tag alone", async () => {
            const expired = { [TAG.kind]: "ephemeral", [TAG.expiresAt]: "2020-01-01T00:00:00.000Z" };
            await foreignStack("dev", expired);
            await foreignStack("demo", expired);
            const env = makeDriver(tmp(), { auth: undefined, protectedStacks: ["demo"] });
            const summary = await env.reap();
            assert.deepEqual(summary.destroyed, []);
            assert.deepEqual(summary.skipped.map((s) => `${s.stack}: ${s.reason}`).sort(), ["demo: protected", "dev: protected"]);
            assert.deepEqual(await stackFiles(tmp()), ["vnv/demo.json", "vnv/dev.json"]);
        });

        it("leaves a stack without vnv:kind=ephemeral alone, whatever its expiry", async () => {
            await foreignStack("shared-db", { [TAG.expiresAt]: "2020-01-01T00:00:00.000Z" });
            const env = makeDriver(tmp(), { auth: undefined });
            const summary = await env.reap();
            assert.deepEqual(summary.destroyed, []);
            assert.equal(summary.skipped[0]!.reason, "not an ephemeral environment");
        });

        it("a dry run destroys nothing and says what it would destroy", async () => {
            const env = makeDriver(tmp(), { auth: undefined });
            await env.up(v("v2.0.0-rc.1"), { ttl: ttl("1h") });
            const summary = await env.reap({ dryRun: true, now: new Date(Date.now() + 2 * HOUR) });
            assert.deepEqual(summary.wouldDestroy, ["v2-0-0-rc-1"]);
            assert.deepEqual(await stackFiles(tmp()), ["vnv/v2-0-0-rc-1.json"]);
        });

        it("a reaper on another machine, with only the backend URL and passphrase, destroys a stack with secrets in its state", async () => {
            await makeDriver(tmp(), { auth: undefined }).up(v("v3.0.0-rc.1"), { ttl: ttl("1h") });
            const state = await backendFile(tmp(), ".pulumi/stacks/vnv/v3-0-0-rc-1.json");
            assert.ok(state.includes("ciphertext") && !state.includes("token-for-"), "the stand-in's secret is not encrypted in the state");
            const elsewhere = tempDir("vnv-reaper-");
            try {
                // A fresh PULUMI_HOME and workspace: nothing but the backend and the passphrase is shared.
                const reaper = makeDriver(tmp(), { auth: undefined, pulumiHome: `${elsewhere}/home`, clock: () => new Date(Date.now() + 2 * HOUR) });
                const summary = await reaper.reap();
                assert.deepEqual([summary.destroyed, summary.failed], [["v3-0-0-rc-1"], []]);
                assert.deepEqual(await stackFiles(tmp()), []);
            } finally {
                fs.rmSync(elsewhere, { recursive: true, force: true });
            }
        });

        it("an environment extended after the reaper planned is not destroyed: its tags are read again before it acts", async () => {
            await makeDriver(tmp(), { auth: undefined }).up(v("v4.1.0-rc.1"), { ttl: ttl("1h") });
            const reaper = inTwoHours(tmp());
            const list = reaper.store.list.bind(reaper.store);
            let extended = false;
            reaper.store.list = async (options) => {
                const stacks = await list(options);
                if (!extended) {
                    extended = true; // confirmed between the reaper's plan and its act
                    await inTwoHours(tmp()).extend(v("v4.1.0-rc.1"), ttl("2d"), { revive: true });
                }
                return stacks;
            };
            const summary = await reaper.reap();
            assert.deepEqual(summary.destroyed, []);
            assert.match(summary.skipped.find((s) => s.stack === "v4-1-0-rc-1")?.reason ?? "", /tags changed since the plan/);
            assert.deepEqual(await stackFiles(tmp()), ["vnv/v4-1-0-rc-1.json"]);
        });

        it("an extend while the reaper destroys the environment is refused as busy, never confirmed", async () => {
            const pause = `${tmp()}/pause`;
            await makeDriver(tmp(), { auth: undefined, program: standIn({ pauseFile: pause }) }).up(v("v4.2.0-rc.1"), { ttl: ttl("1h") });
            fs.writeFileSync(pause, ""); // holds the destroy
            const reaping = inTwoHours(tmp()).reap();
            try {
                for (let i = 0; (await backendFiles(tmp(), ".vnv/leases")).length === 0; i++) {
                    assert.ok(i < 600, "the reaper never held the environment");
                    await new Promise((r) => setTimeout(r, 100));
                }
                await assert.rejects(inTwoHours(tmp()).extend(v("v4.2.0-rc.1"), ttl("2d"), { revive: true }), (e: unknown) => e instanceof LeaseHeldError);
            } finally {
                fs.rmSync(pause, { force: true });
            }
            assert.deepEqual((await reaping).destroyed, ["v4-2-0-rc-1"]);
            assert.deepEqual(await backendFiles(tmp(), ".vnv/leases"), [], "the reaper left its hold behind");
        });

        it("a failed up leaves the environment tagged with its expiry, and the reaper collects it", async () => {
            const env = makeDriver(tmp(), { auth: undefined, program: standIn({ failFor: ["v4.0.0-rc.1"] }) });
            await assert.rejects(env.up(v("v4.0.0-rc.1"), { ttl: ttl("1h") }), /stand-in failure/);
            const [row] = await env.list();
            assert.equal(row!.stack, "v4-0-0-rc-1");
            const summary = await inTwoHours(tmp()).reap();
            assert.deepEqual(summary.destroyed, ["v4-0-0-rc-1"]);
        });
    });

for (const kind of BACKENDS)
    describe(`@engine environments under contention (${kind})`, function () {
        onBackend(kind);
        this.timeout(300_000);
        const tmp = useTempDir();

        it("two concurrent ups of different versions both succeed, in different slots", async () => {
            const env = makeDriver(tmp(), { auth: undefined });
            const [a, b] = await Promise.all([env.up(v("v5.0.0-rc.1")), env.up(v("v5.0.0-rc.2"))]);
            assert.deepEqual([a.created, b.created], [true, true]);
            assert.notEqual(a.outputs.slot, b.outputs.slot);
        });

        it("concurrent ups converge on one redirect list holding every live environment", async () => {
            const env = makeDriver(tmp());
            const ups = await Promise.all([env.up(v("v5.1.0-rc.1")), env.up(v("v5.1.0-rc.2"))]);
            assert.deepEqual(
                ups.map((u) => u.auth),
                ups.map((u) => ({ ok: true, uris: u.auth?.ok ? u.auth.uris : -1 })),
                JSON.stringify(ups.map((u) => u.auth)),
            );
            const uris = await authUris(tmp());
            assert.ok(uris.includes("https://5-1-0-rc-1.step-studio.be/") && uris.includes("https://5-1-0-rc-2.step-studio.be/"), uris.join(" "));
        });

        it("eight ups of distinct versions at once all succeed, in distinct slots", async () => {
            const env = makeDriver(tmp(), { auth: undefined });
            const versions = Array.from({ length: 8 }, (_, i) => `v6.${i}.0-rc.1`);
            const results = await Promise.allSettled(versions.map((text) => env.up(v(text))));
            assert.deepEqual(
                results.filter((r) => r.status === "rejected").map((r) => String((r as PromiseRejectedResult).reason)),
                [],
            );
            const live = await env.live();
            assert.equal(live.length, 8);
            assert.equal(new Set(live.map((m) => m.slot)).size, 8, JSON.stringify(live.map((m) => [m.stack, m.slot])));
        });

        it("two concurrent ups of the same version: one proceeds, the other fails saying who holds the lock", async () => {
            const env = makeDriver(tmp(), { auth: undefined, program: standIn({ createDelayMs: 6000 }) });
            const results = await Promise.allSettled([env.up(v("v6.0.0-rc.1")), env.up(v("v6.0.0-rc.1"))]);
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
                const child = spawn(process.execPath, ["-r", "tsx/cjs", path.join(__dirname, "..", "harness", "child.ts"), "up", tmp(), "v6.1.0-rc.1", pause], {
                    stdio: ["ignore", "pipe", "pipe"],
                    env: { ...process.env, VNV_TEST_BACKEND_URL: backendUrl(tmp()), TMPDIR: tmp() }, // its work directories die with the test's
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
                /(StackLockedError|LeaseHeldError): environment v6-1-0-rc-1 is being (created by another run right now|changed by another run: .*@.* \(pid \d+\) since )/,
            );
        });

        it("refuses an environment beyond the capacity, listing the live ones and their expiry", async () => {
            const env = makeDriver(tmp(), { auth: undefined, maxEnvironments: 1 });
            await env.up(v("v7.0.0-rc.1"));
            await assert.rejects(
                env.up(v("v7.0.0-rc.2")),
                (e: unknown) => e instanceof CapacityError && /at most 1 environments .*\n\s+v7\.0\.0-rc\.1\s+expires /.test((e as Error).message),
            );
            assert.deepEqual(await stackFiles(tmp()), ["vnv/v7-0-0-rc-1.json"]);
        });
    });

describe("bad input is refused before any stack exists", function () {
    this.timeout(60_000);
    const tmp = useTempDir();

    async function vnv(args: string[]): Promise<{ code: number; err: string }> {
        let err = "";
        const code = await main(args, {
            env: { PULUMI_CONFIG_PASSPHRASE: PASSPHRASE, PULUMI_BACKEND_URL: `file://${tmp()}/state` },
            stdout: () => undefined,
            stderr: (t) => {
                err += t;
            },
            program: standIn(),
        });
        return { code, err };
    }

    for (const version of ["latest", "v1.2", "1.2.3-beta.1", "v1.2.3_rc1"]) {
        it(`refuses the version ${version} with exit code 2`, async () => {
            const r = await vnv(["env", "up", version]);
            assert.equal(r.code, 2, r.err);
            assert.ok(r.err.includes(JSON.stringify(version)), r.err);
            assert.deepEqual(await stackFiles(tmp()), []);
        });
    }

    for (const [what, write] of [
        ["missing", () => undefined],
        ["a directory", (file: string) => fs.mkdirSync(file)],
        ["not YAML", (file: string) => fs.writeFileSync(file, "config: [unclosed\n")],
        ["a list", (file: string) => fs.writeFileSync(file, "- config\n")],
        ["a config that is not a mapping", (file: string) => fs.writeFileSync(file, "config: 42\n")],
    ] as const) {
        it(`a Pulumi.dev.yaml that is ${what} is bad input (exit 2) naming the file`, async () => {
            const project = `${tmp()}/project`;
            fs.mkdirSync(project);
            write(`${project}/Pulumi.dev.yaml`);
            let err = "";
            const code = await main(["env", "ls"], {
                env: { PULUMI_CONFIG_PASSPHRASE: PASSPHRASE, PULUMI_BACKEND_URL: `file://${tmp()}/state` },
                stdout: () => undefined,
                stderr: (t) => (err += t),
                projectDir: project,
            });
            assert.equal(code, 2, err);
            assert.ok(err.includes(`cannot read ${project}/Pulumi.dev.yaml`), err);
        });
    }

    for (const bad of ["-1h", "abc", "0h", "4d"]) {
        it(`refuses the TTL ${bad} with exit code 2`, async () => {
            const r = await vnv(["env", "up", "v1.2.3-rc.1", "--ttl", bad]);
            assert.equal(r.code, 2, r.err);
            assert.match(r.err, /invalid --ttl/);
            assert.deepEqual(await stackFiles(tmp()), []);
        });
    }
});

for (const kind of BACKENDS)
    describe(`@engine recovery from a killed run (${kind})`, function () {
        onBackend(kind);
        this.timeout(300_000);
        const tmp = useTempDir();

        /** Starts `op` in a child process group, waits until the stand-in resource is mid-operation, then SIGKILLs the group. */
        async function killMidway(op: "up" | "down", version: string, marker: RegExp): Promise<void> {
            const pause = `${tmp()}/pause`;
            fs.writeFileSync(pause, "");
            const child = spawn(process.execPath, ["-r", "tsx/cjs", path.join(__dirname, "..", "harness", "child.ts"), op, tmp(), version, pause], {
                detached: true,
                stdio: ["ignore", "pipe", "pipe"],
                env: { ...process.env, VNV_TEST_BACKEND_URL: backendUrl(tmp()), TMPDIR: tmp() }, // its work directories die with the test's
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
            const killed = killTree(child.pid!); // the node process, the pulumi CLI it runs and the CLI's plugins
            await exited;
            fs.rmSync(pause);
            await new Promise((r) => setTimeout(r, 200));
            assert.deepEqual(killed.filter(running), [], "a process of the killed run is still running");
        }

        it("an up killed midway is recovered by the next up: stale lock cleared, pending operations cleared", async () => {
            await killMidway("up", "v8.0.0-rc.1", /dynamic:Resource vnv-marker creating/);
            const state = JSON.parse(await backendFile(tmp(), ".pulumi/stacks/vnv/v8-0-0-rc-1.json"));
            assert.ok((state.checkpoint.latest.pending_operations ?? []).length > 0, "the killed run left no pending operation");
            assert.ok(
                (await backendFiles(tmp(), ".pulumi/locks")).some((f) => f.endsWith(".json")),
                "the killed run left no lock",
            );
            const lines: string[] = [];
            const env = makeDriver(tmp(), { auth: undefined, log: (l) => lines.push(l) });
            const up = await env.up(v("v8.0.0-rc.1"));
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
            await makeDriver(tmp(), { auth: undefined, program: standIn({ pauseFile: `${tmp()}/pause` }) }).up(v("v9.0.0-rc.1"));
            await killMidway("down", "v9.0.0-rc.1", /dynamic:Resource vnv-marker deleting/);
            const lines: string[] = [];
            const env = makeDriver(tmp(), { auth: undefined, log: (l) => lines.push(l) });
            await env.down(v("v9.0.0-rc.1"));
            assert.ok(
                lines.some((l) => /clearing stale lock/.test(l)),
                lines.join("\n"),
            );
            assert.deepEqual(await stackFiles(tmp()), []);
        });
    });

describe("@engine the command line's results are complete and honest", function () {
    this.timeout(300_000);
    const tmp = useTempDir();

    async function vnv(args: string[], authProgram?: AuthProgramFactory, clock?: () => Date): Promise<{ code: number; out: string; err: string }> {
        let out = "";
        let err = "";
        const code = await main(args, {
            env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: PASSPHRASE, PULUMI_BACKEND_URL: `file://${tmp()}/state` },
            stdout: (t) => {
                out += t;
            },
            stderr: (t) => {
                err += t;
            },
            program: standIn(),
            authProgram: authProgram ?? authStandIn,
            pulumiHome: `${tmp()}/home`,
            ...(clock === undefined ? {} : { clock }),
            waitDefault: "0",
        });
        return { code, out, err };
    }

    const failingAuth: AuthProgramFactory = () => async () => {
        throw new Error("Azure AD answered 503");
    };

    it("failure 5: when the redirect list fails during reap, the summary still lists every destroyed environment, and the exit code is 1", async () => {
        const env = makeDriver(tmp(), { auth: undefined });
        await env.up(v("v1.0.0-rc.1"), { ttl: ttl("1h") });
        await env.up(v("v1.0.0-rc.2"), { ttl: ttl("1h") });
        const r = await vnv(["env", "reap", "--json"], failingAuth, () => new Date(Date.now() + 2 * HOUR));
        assert.equal(r.code, 1, r.err);
        const summary = JSON.parse(r.out);
        assert.deepEqual(summary.destroyed, ["v1-0-0-rc-1", "v1-0-0-rc-2"]);
        assert.equal(summary.auth.ok, false);
        assert.match(summary.auth.error, /Azure AD answered 503/);
        assert.match(r.err, /redirect list of the shared application was not updated/);
    });

    it("failure 6: env ls shows environments only, malformed ones as such, and who holds a lock", async () => {
        const opts = await workspaceOptions(tmp());
        for (const name of ["dev", "prod", "auth"]) {
            await LocalWorkspace.createStack({ stackName: name, projectName: "vnv", program: async () => ({}) }, opts);
        }
        const bad = await LocalWorkspace.createStack({ stackName: "v3-0-0", projectName: "vnv", program: async () => ({}) }, opts);
        await bad.setTag(TAG.kind, "ephemeral");
        await bad.setTag(TAG.expiresAt, "1700000000");
        const pause = `${tmp()}/pause`;
        fs.writeFileSync(pause, "");
        const slow = makeDriver(tmp(), { auth: undefined, program: standIn({ pauseFile: pause }) });
        const running = slow.up(v("v2.0.0-rc.1"));
        const env = makeDriver(tmp(), { auth: undefined });
        let rows = await env.list();
        for (let i = 0; i < 200 && !rows.some((r) => (r.locks ?? []).length > 0); i++) {
            await new Promise((r) => setTimeout(r, 100));
            rows = await env.list();
        }
        fs.rmSync(pause);
        await running;
        assert.deepEqual(rows.map((r) => [r.stack, r.status]).sort(), [
            ["v2-0-0-rc-1", "live"],
            ["v3-0-0", "malformed"],
        ]);
        const locked = rows.find((r) => r.stack === "v2-0-0-rc-1")!;
        assert.match(describeLock(locked.locks![0]!), /@.* \(pid \d+\) since /);
        assert.match(rows.find((r) => r.stack === "v3-0-0")!.problem!, /vnv:expires-at is not a time as vnv writes it/);
        const text = await vnv(["env", "ls"]);
        assert.ok(!/https:\/\/\s/.test(text.out) && !/^(dev|prod|auth)\s/m.test(text.out), text.out);
        assert.match(text.out, /^v3-0-0\s+MALFORMED \(never acted on\)/m);
    });

    it("failure 10: extending an environment to an expiry already past is refused, and nothing changes", async () => {
        const created = new Date(Date.now() - 5 * HOUR);
        await makeDriver(tmp(), { auth: undefined, clock: () => created }).up(v("v4.0.0-rc.1"), { ttl: ttl("1h") });
        const before = (await makeDriver(tmp(), { auth: undefined }).list())[0]!;
        // --revive: it has expired already (refused on its own, see cli.engine), and the new expiry is past too.
        const r = await vnv(["env", "extend", "v4.0.0-rc.1", "--ttl", "2h", "--revive"]);
        assert.equal(r.code, 2, r.err);
        assert.match(r.err, /which is past: a TTL longer than 5h/);
        assert.equal((await makeDriver(tmp(), { auth: undefined }).list())[0]!.expiresAt, before.expiresAt);
    });

    it("failure 9: a stack created a moment ago, with no tags yet, does not break listing, reaping or a concurrent up", async () => {
        await LocalWorkspace.createStack({ stackName: "v5-0-0", projectName: "vnv", program: async () => ({}) }, await workspaceOptions(tmp()));
        const env = makeDriver(tmp(), { auth: undefined });
        assert.deepEqual((await env.store.list()).find((s) => s.name === "v5-0-0")!.tags, {});
        assert.equal((await env.up(v("v5.0.0-rc.1"))).created, true);
        assert.deepEqual(
            (await env.list()).map((r) => [r.stack, r.status]),
            [
                ["v5-0-0-rc-1", "live"],
                ["v5-0-0", "malformed"],
            ],
        );
    });
});
