/** @engine: the `vnv` command line, in-process, on the real engine with stand-in programs. */
import { DATASET_LABEL } from "../rules/datasets";
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { type CliDeps, main, VERSION } from "../automation/cli/program";
import { RegistryClient } from "../registry/client";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { AuditLog } from "../automation/history/audit";
import { backendInput } from "../automation/inputs";
import { stackSettings } from "../harness/fixtures";
import { makeDriver, PASSPHRASE, stackFiles, useTempDir, workspaceOptions } from "../harness/driver";
import { startServer, type TestServer } from "../harness/http";
import { pushImage, startRegistry, type TestRegistry } from "../harness/registry";
import { projectOn, VERSIONED } from "../harness/project";
import { authStandIn, standIn } from "../harness/standins";

/** Pushes every versioned image of `version` (and redis, and the ephemeral environments' neo4j) into the test registry. */
async function pushVersion(reg: TestRegistry, version: string, skip: string[] = []): Promise<void> {
    for (const svc of VERSIONED.filter((v) => !skip.includes(v))) {
        await pushImage(reg, `infrasoftbe/${svc}`, version, `${svc}@${version}`);
    }
    await pushImage(reg, "library/redis", "7.4-alpine", "redis");
    await pushImage(reg, "library/neo4j", "5.26-community", "neo4j");
}

interface Run {
    code: number;
    out: string;
    err: string;
}

describe("@engine vnv command line", function () {
    this.timeout(300_000);
    const tmp = useTempDir("vnv-cli-");
    let reg: TestRegistry;
    let project: string;
    beforeEach(async () => {
        reg = await startRegistry();
        project = projectOn(reg, tmp());
    });
    afterEach(async () => {
        await reg.stop();
    });

    async function vnv(
        args: string[],
        env: NodeJS.ProcessEnv = { ...process.env, PULUMI_CONFIG_PASSPHRASE: PASSPHRASE },
        overrides: Partial<CliDeps> = {},
    ): Promise<Run> {
        let out = "";
        let err = "";
        const code = await main(args, {
            env: { ...env, PULUMI_BACKEND_URL: `file://${tmp()}/state` },
            stdout: (t) => (out += t),
            stderr: (t) => (err += t),
            program: standIn(),
            authProgram: authStandIn,
            pulumiHome: `${tmp()}/home`,
            waitDefault: "0",
            projectDir: project,
            registry: new RegistryClient({ credentials: () => undefined, backoffMs: 10 }),
            ...overrides,
        });
        return { code, out, err };
    }

    it("up, ls, extend, reap --dry-run and down, with --json for machines", async () => {
        await pushVersion(reg, "v1.4.0-rc.2");
        const up = await vnv(["env", "up", "v1.4.0-rc.2", "--ttl", "2h", "--owner", "ana", "--json"]);
        assert.equal(up.code, 0, up.err);
        assert.equal(JSON.parse(up.out).url, "https://1-4-0-rc-2.step-studio.be");
        assert.match(up.err, /vnv: v1-4-0-rc-2: creating v1\.4\.0-rc\.2/, "no progress lines");

        const ls = await vnv(["env", "ls", "--json"]);
        const [row] = JSON.parse(ls.out);
        assert.deepEqual([row.version, row.owner], ["v1.4.0-rc.2", "ana"]);

        const text = await vnv(["env", "ls"]);
        assert.match(
            text.out,
            /^VERSION\s+URL\s+OWNER\s+CREATED\s+EXPIRES\s+LEFT\s+SLEEP\s+COST SO FAR \+ TO EXPIRY\s+LAST UPDATE\s+RESOURCES\s+UPDATING\nv1\.4\.0-rc\.2\s+https:\/\/1-4-0-rc-2\.step-studio\.be\s+ana .*\sno$/m,
        );

        const extend = await vnv(["env", "extend", "v1.4.0-rc.2", "--ttl", "5h", "--json"]);
        assert.equal(extend.code, 0, extend.err);

        const later = new Date(Date.now() + 6 * 3_600_000).toISOString();
        const dry = await vnv(["env", "reap", "--dry-run", "--now", later, "--json"]);
        assert.deepEqual(JSON.parse(dry.out).wouldDestroy, ["v1-4-0-rc-2"]);

        const down = await vnv(["env", "down", "v1.4.0-rc.2"]);
        assert.equal(down.code, 0, down.err);
        assert.equal(down.out, "destroyed v1-4-0-rc-2\n");
        assert.deepEqual(await stackFiles(tmp()), ["vnv/auth.json"]);
    });

    it("a real reap never decides by a clock from the command line: --now without --dry-run is refused with exit 2, nothing destroyed", async () => {
        await pushVersion(reg, "v1.4.1-rc.1");
        assert.equal((await vnv(["env", "up", "v1.4.1-rc.1", "--ttl", "1h"])).code, 0);
        const later = new Date(Date.now() + 2 * 3_600_000).toISOString();
        const r = await vnv(["env", "reap", "--now", later]);
        assert.equal(r.code, 2, r.err);
        assert.match(r.err, /--now is for planning only: add --dry-run/);
        assert.ok((await stackFiles(tmp())).includes("vnv/v1-4-1-rc-1.json"));
    });

    it("extend refuses an environment that has expired already (exit 2), and revives it only with --revive", async () => {
        await pushVersion(reg, "v1.4.2-rc.1");
        assert.equal((await vnv(["env", "up", "v1.4.2-rc.1", "--ttl", "1h"])).code, 0);
        const later = { clock: () => new Date(Date.now() + 2 * 3_600_000) };
        const refused = await vnv(["env", "extend", "v1.4.2-rc.1", "--ttl", "5h"], undefined, later);
        assert.equal(refused.code, 2, refused.err);
        assert.match(refused.err, /v1-4-2-rc-1 expired at .* nothing was changed.*--revive/s);
        const revived = await vnv(["env", "extend", "v1.4.2-rc.1", "--ttl", "5h", "--revive", "--json"], undefined, later);
        assert.equal(revived.code, 0, revived.err);
    });

    it("env up checks the images first: the stack pins the digests the registry gave", async () => {
        await pushVersion(reg, "v1.5.0-rc.1");
        const check = await vnv(["release", "check", "v1.5.0-rc.1", "--json"]);
        const up = await vnv(["env", "up", "v1.5.0-rc.1", "--json"]);
        assert.equal(up.code, 0, up.err);
        // The environment's own database is pinned beside the version's images.
        const { neo4j, ...digests } = JSON.parse(up.out).outputs.digests;
        assert.deepEqual(digests, JSON.parse(check.out).digests);
        assert.match(neo4j, /^sha256:[0-9a-f]{64}$/);
    });

    it("env up with a missing image fails naming it, before any stack is created", async () => {
        await pushVersion(reg, "v1.6.0-rc.1", ["pnp-server"]);
        const up = await vnv(["env", "up", "v1.6.0-rc.1"]);
        assert.equal(up.code, 1);
        assert.match(
            up.err,
            new RegExp(
                `1 image\\(s\\) of v1\\.6\\.0-rc\\.1 missing: pnp-server \\(${reg.host.replace(/\./g, "\\.")}/infrasoftbe/pnp-server:v1\\.6\\.0-rc\\.1\\)`,
            ),
        );
        assert.deepEqual(await stackFiles(tmp()), []);
    });

    it("release check prints each digest and exits 1 naming the missing images", async () => {
        await pushVersion(reg, "v1.7.0-rc.1", ["neo-server"]);
        const r = await vnv(["release", "check", "v1.7.0-rc.1"]);
        assert.equal(r.code, 1);
        assert.match(r.out, /infrasoftbe\/proxy-server:v1\.7\.0-rc\.1\s+sha256:[0-9a-f]{64}/);
        assert.match(r.out, /infrasoftbe\/neo-server:v1\.7\.0-rc\.1\s+MISSING/);
        assert.match(r.err, /missing: neo-server/);
    });

    it("release check --pin writes the version and digests into the stack file, comments kept", async () => {
        await pushVersion(reg, "v1.8.0");
        const r = await vnv(["release", "check", "v1.8.0", "--stack", "prod", "--pin", "--json"]);
        assert.equal(r.code, 0, r.err);
        const text = fs.readFileSync(path.join(project, "Pulumi.prod.yaml"), "utf8");
        assert.match(text, /vnv:version: v1\.8\.0/);
        assert.match(text, /# Production: dedicated ALB/);
        for (const [svc, digest] of Object.entries(JSON.parse(r.out).digests as Record<string, string>)) {
            assert.ok(text.includes(`${svc}: ${digest}`), `${svc} not pinned`);
        }
    });

    it("release promote tags the highest candidate as the release and prod; twice is a no-op", async () => {
        await pushVersion(reg, "v2.0.0-rc.9");
        await pushVersion(reg, "v2.0.0-rc.10");
        const first = await vnv(["release", "promote", "v2.0.0", "--json"]);
        assert.equal(first.code, 0, first.err);
        const plan = JSON.parse(first.out);
        assert.equal(plan.from, "v2.0.0-rc.10");
        assert.equal(plan.written.length, 10); // five images of the version (four services and the frontend), release and prod tags
        const second = await vnv(["release", "promote", "v2.0.0", "--json"]);
        assert.deepEqual(JSON.parse(second.out).written, []);
        const client = new RegistryClient({ credentials: () => undefined });
        const rc = await client.resolve(`${reg.host}/infrasoftbe/proxy-server`, "v2.0.0-rc.10");
        assert.equal((await client.resolve(`${reg.host}/infrasoftbe/proxy-server`, "prod")).digest, rc.digest);
    });

    describe("done means healthy, and the team hears of it", () => {
        let health: TestServer;
        let hook: TestServer;
        afterEach(async () => {
            await health?.close();
            await hook?.close();
        });

        async function run(args: string[], healthy: (n: number) => number, hookStatus: number = 200, extra: Partial<CliDeps> = {}): Promise<Run> {
            health = await startServer(healthy);
            hook = await startServer(() => hookStatus);
            const env = { ...process.env, PULUMI_CONFIG_PASSPHRASE: PASSPHRASE, VNV_WEBHOOK_URL: hook.url, VNV_WEBHOOK_FORMAT: "slack" };
            return vnv(args, env, { healthBase: () => health.url, healthIntervalMs: 20, ...extra });
        }

        it("env up returns once every public service answers its health path, showing progress, and announces the environment", async () => {
            await pushVersion(reg, "v4.0.0-rc.1");
            const r = await run(["env", "up", "v4.0.0-rc.1", "--json", "--owner", "ana", "--wait", "30s"], (n) => (n < 3 ? 503 : 200));
            assert.equal(r.code, 0, r.err);
            assert.equal(JSON.parse(r.out).health.healthy, true);
            assert.match(r.err, /proxy-server HTTP 503/);
            assert.match(r.err, /proxy-server HTTP 200 ✓/);
            assert.ok(health.requests.every((q) => q.path === "/health"));
            const messages = hook.requests.map((q) => JSON.parse(q.body).text as string);
            assert.deepEqual(messages, [
                `*New environment: v4.0.0-rc.1*\nURL: https://4-0-0-rc-1.step-studio.be\nOwner: ana\nExpires: ${JSON.parse(r.out).expiresAt}`,
            ]);
        });

        it("env up that never becomes healthy prints its result, names the service and what it answered, and exits 1", async () => {
            await pushVersion(reg, "v4.1.0-rc.1");
            const r = await run(["env", "up", "v4.1.0-rc.1", "--json", "--wait", "1s"], () => 503);
            assert.equal(r.code, 1, r.err);
            assert.equal(JSON.parse(r.out).health.healthy, false);
            assert.match(r.err, /not healthy after \d+ s: proxy-server \(http:\/\/127\.0\.0\.1:\d+\/health\) last answered HTTP 503/);
        });

        it("env up says what the environment will cost before creating it; env ls what each has cost and will cost, and the total", async () => {
            await pushVersion(reg, "v4.5.0-rc.1");
            const up = await run(["env", "up", "v4.5.0-rc.1", "--json", "--wait", "0"], () => 200);
            assert.equal(up.code, 0, up.err);
            assert.ok(JSON.parse(up.out).estimate.day > 0);
            assert.match(up.err, /v4-5-0-rc-1: about \$\d+\.\d\d an hour awake, \$\d+\.\d\d a day \(us-east-1 prices of 2026-06-17, not eu-central-1's/);
            const [row] = JSON.parse((await vnv(["env", "ls", "--json"])).out);
            assert.deepEqual(Object.keys(row.cost), ["soFar", "toExpiry", "day"]);
            assert.match((await vnv(["env", "ls"])).out, /\ntotal: <?\$\d+\.\d\d so far, \$\d+\.\d\d more until their expiry, \$\d+\.\d\d a day now/);
        });

        it("a new environment past vnv:ephemeral.dailyBudget is refused with exit 2, naming the total and the budget; nothing is made", async () => {
            const devFile = path.join(project, "Pulumi.dev.yaml");
            fs.writeFileSync(devFile, fs.readFileSync(devFile, "utf8").replace(/dailyBudget: \d+/, "dailyBudget: 1"));
            await pushVersion(reg, "v4.6.0-rc.1");
            const r = await run(["env", "up", "v4.6.0-rc.1", "--wait", "0"], () => 200);
            assert.equal(r.code, 2, r.err);
            assert.match(
                r.err,
                /v4-6-0-rc-1 would take the ephemeral environments to \$\d+\.\d\d a day .* more than vnv:ephemeral\.dailyBudget, \$1 a day: nothing was created/,
            );
            assert.ok(!(await stackFiles(tmp())).some((f) => f.includes("v4-6-0")));
        });

        it("a daily budget with no price table to hold it refuses a new environment (exit 1), nothing made", async () => {
            fs.rmSync(path.join(project, "prices"), { recursive: true });
            await pushVersion(reg, "v4.7.0-rc.1");
            const r = await run(["env", "up", "v4.7.0-rc.1", "--wait", "0"], () => 200);
            assert.equal(r.code, 1, r.err);
            assert.match(r.err, /vnv:ephemeral\.dailyBudget is set but there is no price table to hold it/);
            assert.ok(!(await stackFiles(tmp())).some((f) => f.includes("v4-7-0")));
        });

        it("a webhook that answers 500 never fails env up", async () => {
            await pushVersion(reg, "v4.2.0-rc.1");
            const r = await run(["env", "up", "v4.2.0-rc.1", "--wait", "30s"], () => 200, 500);
            assert.equal(r.code, 0, r.err);
            assert.match(r.err, /not delivered: the webhook answered HTTP 500; carrying on/);
        });

        it("env status asks the environment now, with --json, and exits 1 when it is not healthy", async () => {
            await pushVersion(reg, "v4.3.0-rc.1");
            assert.equal((await run(["env", "up", "v4.3.0-rc.1", "--wait", "0"], () => 200)).code, 0);
            await health.close();
            await hook.close();
            const ok = await run(["env", "status", "v4.3.0-rc.1", "--json"], () => 200);
            assert.equal(ok.code, 0, ok.err);
            assert.deepEqual(
                JSON.parse(ok.out).health.services.map((s: { service: string; seen: string }) => [s.service, s.seen]),
                [["proxy-server", "HTTP 200"]],
            );
            await health.close();
            await hook.close();
            const bad = await run(["env", "status", "v4.3.0-rc.1"], () => 502);
            assert.equal(bad.code, 1);
            assert.match(bad.out, /NOT healthy[\s\S]*FAIL\s+proxy-server .* HTTP 502/);
        });

        it("the reaper announces an environment about to expire once, not at every run", async () => {
            await pushVersion(reg, "v4.4.0-rc.1");
            assert.equal((await run(["env", "up", "v4.4.0-rc.1", "--ttl", "1h", "--wait", "0"], () => 200)).code, 0);
            const soon = Date.now() + 30 * 60_000;
            for (const expected of [["v4-4-0-rc-1"], []]) {
                await health.close();
                await hook.close();
                const r = await run(["env", "reap", "--json"], () => 200, 200, { clock: () => new Date(soon) });
                assert.equal(r.code, 0, r.err);
                assert.deepEqual(JSON.parse(r.out).noticed, expected);
                assert.equal(hook.requests.length, expected.length);
            }
        });
    });

    it("failure 7: a candidate tagged in the seed's other spelling (v3.0.0-RC10) is understood and promoted", async () => {
        await pushVersion(reg, "v3.0.0-rc.9");
        await pushVersion(reg, "v3.0.0-RC10");
        const r = await vnv(["release", "promote", "v3.0.0", "--json"]);
        assert.equal(r.code, 0, r.err);
        assert.equal(JSON.parse(r.out).from, "v3.0.0-rc.10");
        const client = new RegistryClient({ credentials: () => undefined });
        const rc = await client.resolve(`${reg.host}/infrasoftbe/proxy-server`, "v3.0.0-RC10");
        assert.equal((await client.resolve(`${reg.host}/infrasoftbe/proxy-server`, "v3.0.0")).digest, rc.digest);
        const check = await vnv(["release", "check", "v3.0.0-rc.10", "--json"]);
        assert.equal(check.code, 0, check.err);
    });

    it("an up whose redirect list cannot be updated still prints its result, then exits 1", async () => {
        await pushVersion(reg, "v3.1.0-rc.1");
        const failing = () => async () => {
            throw new Error("Azure AD answered 503");
        };
        const { code, out, err } = await vnv(["env", "up", "v3.1.0-rc.1", "--json"], undefined, { authProgram: failing });
        assert.equal(code, 1, err);
        assert.equal(JSON.parse(out || "{}").url, "https://3-1-0-rc-1.step-studio.be", err);
        assert.match(JSON.parse(out).auth.error, /Azure AD answered 503/);
        assert.match(err, /redirect list of the shared application was not updated/);
    });

    it("failure 8: with no Pulumi CLI anywhere, the error names every place tried and the remedy", async () => {
        const r = await vnv(["env", "ls"], { PULUMI_CONFIG_PASSPHRASE: PASSPHRASE, PATH: "", VNV_CACHE_DIR: `${tmp()}/empty-cache` });
        assert.equal(r.code, 1, r.err);
        assert.match(r.err, /no usable Pulumi CLI found\. Tried:/);
        assert.match(r.err, /pulumi on PATH: absent/);
        assert.match(r.err, /empty-cache.*absent/);
        assert.match(r.err, /npm run setup:pulumi/);
        assert.match(r.err, /VNV_PULUMI_ROOT to a directory holding bin\/pulumi/);
    });

    it("--version prints vnv's version", async () => {
        const r = await vnv(["--version"]);
        assert.equal(r.code, 0);
        assert.equal(r.out.trim(), VERSION);
    });

    it("a missing passphrase is refused with exit code 2 before any stack exists", async () => {
        const env = { ...process.env };
        delete env.PULUMI_CONFIG_PASSPHRASE;
        delete env.PULUMI_CONFIG_PASSPHRASE_FILE;
        const r = await vnv(["env", "up", "v1.4.0-rc.2"], env);
        assert.equal(r.code, 2);
        assert.match(r.err, /no secrets provider: set PULUMI_CONFIG_PASSPHRASE/);
        assert.deepEqual(await stackFiles(tmp()), []);
    });

    it("a bad version, TTL or concurrency is refused with exit code 2, naming it", async () => {
        for (const [args, message] of [
            [["env", "up", "v1.2"], /invalid version "v1\.2"/],
            [["env", "up", "v1.2.3", "--ttl", "abc"], /invalid --ttl "abc"/],
            [["env", "up", "v1.2.3", "--ttl", "9d"], /invalid --ttl "9d": at most 3d/],
            [["env", "reap", "--concurrency", "x"], /invalid --concurrency "x"/],
            [["env", "reap", "--now", "tomorrow"], /invalid --now "tomorrow"/],
            [["env", "up", "v1.2.3", "--backend", "https://api.pulumi.com"], /invalid --backend "https:\/\/api\.pulumi\.com"/],
            [["env", "up", "v1.2.3", "--backend", "file://"], /invalid --backend "file:\/\/": no directory/],
            [["env", "up", "v1.2.3", "--owner", "a\nb"], /invalid --owner "a\\nb"/],
            [["release", "promote", "v1.2.3", "--env-tag", "v1.2.2"], /releases are never moved/],
        ] as const) {
            const r = await vnv([...args]);
            assert.equal(r.code, 2, `${args.join(" ")}: ${r.err}`);
            assert.match(r.err, message);
        }
        assert.deepEqual(await stackFiles(tmp()), []);
    });

    it("down of an environment that does not exist fails with exit code 4", async () => {
        const r = await vnv(["env", "down", "v9.9.9"]);
        assert.equal(r.code, 4);
        assert.match(r.err, /no environment v9-9-9/);
    });

    describe("env exec", () => {
        it("prints the exact ECS Exec command into the service's running task when the AWS CLI or its Session Manager plugin is missing", async () => {
            await pushVersion(reg, "v9.1.0-rc.1");
            assert.equal((await vnv(["env", "up", "v9.1.0-rc.1"])).code, 0);
            const r = await vnv(["env", "exec", "v9.1.0-rc.1", "proxy-server", "--", "ls", "-la", "/it's"], undefined, { onPath: () => false });
            assert.equal(r.code, 0, r.err);
            assert.match(r.err, /not found on PATH/);
            const line = r.out.trim();
            assert.match(
                line,
                /^aws ecs execute-command --region eu-central-1 --cluster arn:aws:ecs:eu-central-1:\d{12}:cluster\/vnv-v9-1-0-rc-1-\S+ --container proxy-server --interactive --command /,
            );
            // Pasted into a shell (with an `aws` that prints its arguments): the task comes from
            // list-tasks of the service, and the command ECS runs is the words given, quoted.
            const shell = spawnSync("bash", ["-c", `aws() { if [ "$2" = list-tasks ]; then echo "TASK:$*"; else printf '%s\\n' "$@"; fi; }; ${line}`], {
                encoding: "utf8",
            });
            assert.equal(shell.status, 0, shell.stderr);
            const args = shell.stdout.split("\n");
            assert.match(args[args.indexOf("--task") + 1]!, /^TASK:ecs list-tasks .*--service-name vnv-services-proxy-server-5d6e7f8 --desired-status RUNNING/);
            const run = spawnSync("sh", ["-c", `printf '%s\\n' ${args[args.indexOf("--command") + 1]}`], { encoding: "utf8" });
            assert.deepEqual(run.stdout.split("\n").slice(0, -1), ["ls", "-la", "/it's"]);
        });

        it("opens the session through the AWS CLI, into the task the service runs now", async () => {
            await pushVersion(reg, "v9.2.0-rc.1");
            assert.equal((await vnv(["env", "up", "v9.2.0-rc.1"])).code, 0);
            const task = `arn:aws:ecs:eu-west-1:123456789012:task/vnv-v9-2-0-rc-1-cluster-1a2b3c4/${"ab".repeat(16)}`;
            const ran: string[][] = [];
            const r = await vnv(["env", "exec", "v9.2.0-rc.1", "pnp-server"], undefined, {
                onPath: () => true,
                capture: async (file, args) => {
                    ran.push([file, ...args]);
                    return { code: 0, stdout: `${task}\n`, stderr: "" };
                },
                interactive: async (file, args) => {
                    ran.push([file, ...args]);
                    return 0;
                },
            });
            assert.equal(r.code, 0, r.err);
            assert.deepEqual(
                ran.map((a) => a.slice(0, 3)),
                [
                    ["aws", "ecs", "list-tasks"],
                    ["aws", "ecs", "execute-command"],
                ],
            );
            assert.deepEqual(ran[1]!.slice(-4), ["--command", "/bin/sh", "--task", task]);
        });

        it("an environment without ECS Exec (prod, by default) is refused, naming the setting (exit 2)", async () => {
            await makeDriver(tmp()).store.create("prod");
            await pushVersion(reg, "v9.3.0");
            assert.equal((await vnv(["release", "check", "v9.3.0", "--stack", "prod", "--pin"])).code, 0);
            assert.equal((await vnv(["deploy", "prod"])).code, 0);
            const r = await vnv(["env", "exec", "prod", "proxy-server"], undefined, { onPath: () => false });
            assert.equal(r.code, 2);
            assert.match(r.err, /prod's services run without ECS Exec .*vnv:exec: true/);
            assert.equal(r.out, "");
        });

        it("a service the environment does not have is refused, naming those it has (exit 2)", async () => {
            await pushVersion(reg, "v9.4.0-rc.1");
            assert.equal((await vnv(["env", "up", "v9.4.0-rc.1"])).code, 0);
            const r = await vnv(["env", "exec", "v9.4.0-rc.1", "postgres"], undefined, { onPath: () => false });
            assert.equal(r.code, 2);
            assert.match(r.err, /has no service "postgres": it has event-bridge, .*proxy-server/);
        });
    });

    describe("the audit trail, deploys of prod and dev, rollback and the version catalogue", () => {
        const history = async (...args: string[]) => {
            const r = await vnv(["history", "--json", ...args]);
            assert.equal(r.code, 0, r.err);
            return JSON.parse(r.out).events as Array<Record<string, unknown> & { digests: Record<string, string> }>;
        };

        it("up, extend and down each append one event, newest first, with who, version, digests, result and duration", async () => {
            await pushVersion(reg, "v5.0.0-rc.1");
            const up = await vnv(["env", "up", "v5.0.0-rc.1", "--ttl", "2h", "--json"]);
            assert.equal(up.code, 0, up.err);
            assert.equal((await vnv(["env", "extend", "v5.0.0-rc.1", "--ttl", "3h"])).code, 0);
            assert.equal((await vnv(["env", "down", "v5.0.0-rc.1"])).code, 0);
            const events = await history();
            assert.deepEqual(
                events.map((e) => [e.action, e.environment, e.version, e.result]),
                [
                    ["destroy", "v5-0-0-rc-1", "v5.0.0-rc.1", "succeeded"],
                    ["extend", "v5-0-0-rc-1", "v5.0.0-rc.1", "succeeded"],
                    ["deploy", "v5-0-0-rc-1", "v5.0.0-rc.1", "succeeded"],
                ],
            );
            assert.deepEqual(events[2]!.digests, JSON.parse(up.out).outputs.digests);
            assert.ok(events.every((e) => typeof e.actor === "string" && e.actor !== "" && typeof e.durationMs === "number"));
        });

        it("the trail outlives the environment: its stack is gone, its history is not", async () => {
            await pushVersion(reg, "v5.1.0-rc.1");
            await vnv(["env", "up", "v5.1.0-rc.1"]);
            await vnv(["env", "down", "v5.1.0-rc.1"]);
            assert.deepEqual(await stackFiles(tmp()), ["vnv/auth.json"]); // the redirect list's owner stays
            assert.equal((await history("--env", "v5.1.0-rc.1")).length, 2);
        });

        it("a failed up records the failure with the engine's reason first", async () => {
            await pushVersion(reg, "v5.2.0-rc.1");
            const r = await vnv(["env", "up", "v5.2.0-rc.1"], undefined, { program: standIn({ failFor: ["v5.2.0-rc.1"] }) });
            assert.equal(r.code, 1);
            const [event] = await history("--version", "5.2.0-RC1");
            assert.equal(event!.result, "failed");
            // The reason comes first (not the SDK's "code: -2" and the whole engine output).
            assert.match(String(event!.error).split("\n")[0]!, /^error: .*stand-in failure for v5\.2\.0-rc\.1/);
        });

        it("bad input records nothing: it is refused before anything runs", async () => {
            assert.equal((await vnv(["env", "up", "v5.3.0-rc.1", "--ttl", "99d"])).code, 2);
            assert.deepEqual(await history(), []);
        });

        it("history refuses a bad --since or --env, naming it and the accepted forms (exit 2)", async () => {
            const since = await vnv(["history", "--since", "yesterday"]);
            assert.equal(since.code, 2);
            assert.match(since.err, /--since "yesterday"/);
            const env = await vnv(["history", "--env", "Prod!"]);
            assert.equal(env.code, 2);
            assert.match(env.err, /invalid --env "Prod!"/);
        });

        it("deploy refuses a stack file that pins no digests, before anything runs", async () => {
            const r = await vnv(["deploy", "prod"]);
            assert.equal(r.code, 2);
            assert.match(r.err, /Pulumi\.prod\.yaml pins no digest for .*vnv release check <version> --stack prod --pin/);
        });

        it("deploy never creates the stack: against a backend without prod it fails naming the backend (exit 4)", async () => {
            await pushVersion(reg, "v6.2.0");
            assert.equal((await vnv(["release", "check", "v6.2.0", "--stack", "prod", "--pin"])).code, 0);
            const r = await vnv(["deploy", "prod"]);
            assert.equal(r.code, 4);
            assert.match(r.err, /no stack prod on file:.*pulumi stack init prod/);
            assert.deepEqual(await stackFiles(tmp()), []);
        });

        it("rollback: pinning an older version and deploying returns prod to that version's exact digests, visible in history", async () => {
            await makeDriver(tmp()).store.create("prod"); // prod exists: created once by the team
            await pushVersion(reg, "v6.0.0");
            await pushVersion(reg, "v6.1.0");
            const pin = async (version: string) => {
                const r = await vnv(["release", "check", version, "--stack", "prod", "--pin", "--json"]);
                assert.equal(r.code, 0, r.err);
                return JSON.parse(r.out).digests as Record<string, string>;
            };
            const deploy = async () => {
                const r = await vnv(["deploy", "prod", "--json"]);
                assert.equal(r.code, 0, r.err);
                return JSON.parse(r.out);
            };
            const old = await pin("v6.0.0");
            await deploy();
            await pin("v6.1.0");
            await deploy();
            await pin("v6.0.0");
            const back = await deploy();
            assert.equal(back.version, "v6.0.0");
            assert.deepEqual(back.outputs.digests, old);
            const deploys = (await history("--env", "prod")).filter((e) => e.action === "deploy");
            assert.deepEqual(
                deploys.map((e) => e.version),
                ["v6.0.0", "v6.1.0", "v6.0.0"],
            );
            assert.deepEqual(deploys[0]!.digests, old);
            assert.deepEqual(
                (await history("--env", "prod")).filter((e) => e.action === "pin").map((e) => e.version),
                ["v6.0.0", "v6.1.0", "v6.0.0"],
            );
        });

        describe("vnv rollback", () => {
            const prodFile = () => fs.readFileSync(path.join(project, "Pulumi.prod.yaml"), "utf8");
            /** prod deployed with each version in turn, through vnv; the digests pinned for each. */
            async function deployed(...versions: string[]): Promise<Array<Record<string, string>>> {
                await makeDriver(tmp()).store.create("prod");
                const pinned: Array<Record<string, string>> = [];
                for (const version of versions) {
                    await pushVersion(reg, version);
                    const check = await vnv(["release", "check", version, "--stack", "prod", "--pin", "--json"]);
                    assert.equal(check.code, 0, check.err);
                    pinned.push(JSON.parse(check.out).digests);
                    const r = await vnv(["deploy", "prod"]);
                    assert.equal(r.code, 0, r.err);
                }
                return pinned;
            }

            it("returns prod to the previous deploy's exact digests, showing the difference first, and records a rollback", async () => {
                const [old] = await deployed("v6.3.0", "v6.4.0");
                const r = await vnv(["rollback", "prod", "--yes", "--json"]);
                assert.equal(r.code, 0, r.err);
                const result = JSON.parse(r.out);
                assert.deepEqual([result.version, result.rolledBackFrom.version], ["v6.3.0", "v6.4.0"]);
                assert.deepEqual(result.outputs.digests, old);
                assert.match(
                    r.err,
                    /roll prod back from v6\.4\.0 [^\n]*\nvnv: +to v6\.3\.0[^\n]*\n(?:vnv: +[a-z-]+ +sha256:[0-9a-f]{12} -> sha256:[0-9a-f]{12}\n){5}/,
                );
                assert.match(prodFile(), /vnv:version: v6\.3\.0/);
                const [event] = await history("--env", "prod");
                assert.deepEqual([event!.action, event!.version, event!.result], ["rollback", "v6.3.0", "succeeded"]);
                assert.deepEqual(event!.digests, old);
            });

            it("with no earlier successful deploy in the history: exit 2, nothing pinned, deployed or recorded", async () => {
                await deployed("v6.5.0");
                const file = prodFile();
                const events = await history();
                const r = await vnv(["rollback", "prod", "--yes"]);
                assert.equal(r.code, 2);
                assert.match(r.err, /no successful deploy of prod before v6\.5\.0 .*nothing to roll back to/);
                assert.equal(prodFile(), file);
                assert.deepEqual(await history(), events);
            });

            it("a recorded deploy whose version vnv cannot pin (history is hostile input) is refused before the stack file is touched (exit 2)", async () => {
                await makeDriver(tmp()).store.create("prod");
                const trail = AuditLog.for(backendInput(`file://${tmp()}/state`, {}, ""))!;
                const digests = { "proxy-server": `sha256:${"1".repeat(64)}` };
                await trail.append({
                    at: new Date().toISOString(),
                    actor: "x",
                    action: "deploy",
                    environment: "prod",
                    version: "latest",
                    digests,
                    result: "succeeded",
                    durationMs: 1,
                });
                await new Promise((r) => setTimeout(r, 5)); // the trail orders by time
                await pushVersion(reg, "v6.9.5");
                assert.equal((await vnv(["release", "check", "v6.9.5", "--stack", "prod", "--pin"])).code, 0);
                assert.equal((await vnv(["deploy", "prod"])).code, 0);
                const file = prodFile();
                const r = await vnv(["rollback", "prod", "--yes"]);
                assert.equal(r.code, 2, r.err);
                assert.match(r.err, /records no version vnv can pin \("latest"\)/);
                assert.equal(prodFile(), file);
            });

            it("asks first: without a terminal and without --yes, or answered no, nothing changes (exit 2)", async () => {
                await deployed("v6.6.0", "v6.7.0");
                const file = prodFile();
                const noTerminal = await vnv(["rollback", "prod"]);
                assert.equal(noTerminal.code, 2);
                assert.match(noTerminal.err, /no terminal to ask on: pass --yes/);
                let asked = "";
                const no = await vnv(["rollback", "prod"], undefined, {
                    confirm: async (q) => {
                        asked = q;
                        return false;
                    },
                });
                assert.equal(no.code, 2);
                assert.match(asked, /roll prod back to v6\.6\.0\? \[y\/N\]/);
                assert.equal(prodFile(), file);
                assert.equal((await vnv(["rollback", "prod"], undefined, { confirm: async () => true })).code, 0);
                assert.match(prodFile(), /vnv:version: v6\.6\.0/);
            });

            it("a rollback whose health check fails exits 1 and is recorded as a failed rollback", async () => {
                await deployed("v6.8.0", "v6.9.0");
                const health = await startServer(() => 503);
                try {
                    const r = await vnv(["rollback", "prod", "--yes", "--wait", "1s"], undefined, { healthBase: () => health.url, healthIntervalMs: 20 });
                    assert.equal(r.code, 1, r.err);
                    assert.match(r.err, /HTTP 503/);
                } finally {
                    await health.close();
                }
                const [event] = await history("--env", "prod", "--action", "rollback");
                assert.deepEqual([event!.version, event!.result], ["v6.8.0", "failed"]);
            });
        });

        it("a promotion is recorded with the digests it tagged; a dry run is not", async () => {
            await pushVersion(reg, "v7.0.0-rc.1");
            assert.equal((await vnv(["release", "promote", "v7.0.0", "--dry-run"])).code, 0);
            assert.deepEqual(await history(), []);
            assert.equal((await vnv(["release", "promote", "v7.0.0"])).code, 0);
            const [event] = await history();
            assert.deepEqual([event!.action, event!.environment, event!.version], ["promote", "prod", "v7.0.0"]);
            assert.equal(Object.keys(event!.digests).length, 5);
        });

        it("release ls lists the registry's versions newest first, complete or not, and where each runs", async () => {
            await pushVersion(reg, "v8.0.0-rc.1");
            await pushVersion(reg, "v8.0.0-rc.2", ["pnp-server"]);
            await pushVersion(reg, "v8.0.0");
            assert.equal((await vnv(["env", "up", "v8.0.0-rc.1", "--ttl", "2h"])).code, 0);
            const r = await vnv(["release", "ls", "--json"]);
            assert.equal(r.code, 0, r.err);
            const versions = JSON.parse(r.out).versions as Array<{
                version: string;
                kind: string;
                complete: boolean;
                missing: string[];
                runs: { where: string; expiresAt?: string }[];
            }>;
            const mine = versions.filter((v) => v.version.startsWith("v8."));
            assert.deepEqual(
                mine.map((v) => [v.version, v.kind, v.complete]),
                [
                    ["v8.0.0", "release", true],
                    ["v8.0.0-rc.2", "candidate", false],
                    ["v8.0.0-rc.1", "candidate", true],
                ],
            );
            assert.deepEqual(mine[1]!.missing, ["pnp-server"]);
            assert.deepEqual(
                mine[2]!.runs.map((p) => p.where),
                ["ephemeral"],
            );
            assert.ok(mine[2]!.runs[0]!.expiresAt);
            const text = await vnv(["release", "ls", "--limit", "2"]);
            assert.equal(text.code, 0, text.err);
            assert.match(text.out, /v8\.0\.0-rc\.1/, "a version that runs somewhere is shown beyond the limit");
        });
    });

    it("release ls reads what prod runs from its stack: an update outside vnv deploy (a hand-run pulumi up) is shown, and said", async () => {
        await pushVersion(reg, "v8.1.0");
        const handRun = await LocalWorkspace.createOrSelectStack(
            { stackName: "prod", projectName: "vnv", program: standIn()(stackSettings("prod", { version: "v8.1.0" })) },
            await workspaceOptions(tmp()),
        );
        await handRun.up(); // no vnv: no deploy event in the history
        const r = await vnv(["release", "ls", "--json"]);
        assert.equal(r.code, 0, r.err);
        const row = (JSON.parse(r.out).versions as Array<{ version: string; runs: { where: string; note?: string }[] }>).find((v) => v.version === "v8.1.0");
        const prod = row?.runs.find((p) => p.where === "prod");
        assert.match(prod?.note ?? "", /no deploy recorded: updated outside vnv deploy/, r.out);
    });

    it("env up registers the environment's redirect URIs alongside its update, in a process of its own", async () => {
        await pushVersion(reg, "v9.1.0-rc.1");
        const pause = path.join(tmp(), "pause");
        fs.writeFileSync(pause, "");
        const checkpoint = path.join(tmp(), "state", ".pulumi", "stacks", "vnv", "auth.json");
        const uri = "https://9-1-0-rc-1.step-studio.be/";
        const up = vnv(["env", "up", "v9.1.0-rc.1", "--json"], undefined, {
            program: standIn({ pauseFile: pause }),
            authAlongside: { kind: "module", module: require.resolve("../harness/standins"), exportName: "authStandIn" },
        });
        try {
            // The environment's update is held by the pause file: the list must be registered meanwhile.
            for (let i = 0; !(fs.existsSync(checkpoint) && fs.readFileSync(checkpoint, "utf8").includes(uri)); i++) {
                assert.ok(i < 300, "the redirect list was not registered while the update ran"); // 30 s; the pause holds up to 60 s
                await new Promise((r) => setTimeout(r, 100));
            }
        } finally {
            fs.rmSync(pause, { force: true });
        }
        const r = await up;
        assert.equal(r.code, 0, r.err);
        assert.deepEqual(JSON.parse(r.out).auth, { ok: true, uris: 4 }); // dev's and this environment's, two paths each
    });

    it("env up pins the dataset the version's images name: its output and the history's digest; the next up keeps it, another --dataset is refused (exit 2)", async () => {
        const v = "v9.3.0-rc.1";
        await pushVersion(reg, v);
        await pushImage(reg, "infrasoftbe/neo-server", v, `neo-server@${v}`, "docker", "amd64", { [DATASET_LABEL]: "2026.11" });
        const dataset = await pushImage(reg, "infrasoftbe/dataset", "2026.11", "a dataset");
        const first = await vnv(["env", "up", v, "--json"]);
        assert.equal(first.code, 0, first.err);
        assert.equal(JSON.parse(first.out).outputs.dataset, `${reg.host}/infrasoftbe/dataset:2026.11@${dataset}`);
        const { events } = JSON.parse((await vnv(["history", "--env", "v9-3-0-rc-1", "--json"])).out);
        assert.equal(events[0].digests["neo4j-dataset"], dataset);
        // The version's images now name another dataset: the live environment keeps the one it was made with.
        await pushImage(reg, "infrasoftbe/neo-server", v, `neo-server@${v}`, "docker", "amd64", { [DATASET_LABEL]: "2026.12" });
        await pushImage(reg, "infrasoftbe/dataset", "2026.12", "another dataset");
        const second = await vnv(["env", "up", v, "--json"]);
        assert.equal(second.code, 0, second.err);
        assert.equal(JSON.parse(second.out).outputs.dataset, JSON.parse(first.out).outputs.dataset);
        const other = await vnv(["env", "up", v, "--dataset", "2026.12"]);
        assert.equal(other.code, 2, other.err);
        assert.match(other.err, /v9-3-0-rc-1 runs the dataset 2026\.11; a dataset is loaded when an environment is made/);
    });

    it("env status and dataset ls say which dataset an environment on AWS runs (whether it loaded is ECS's to tell: unknown without AWS)", async () => {
        const v = "v9.4.0-rc.1";
        await pushVersion(reg, v);
        await pushImage(reg, "infrasoftbe/neo-server", v, `neo-server@${v}`, "docker", "amd64", { [DATASET_LABEL]: "2026.11" });
        const dataset = await pushImage(reg, "infrasoftbe/dataset", "2026.11", "a dataset");
        await pushImage(reg, "infrasoftbe/dataset", "2026.10", "an older dataset");
        assert.equal((await vnv(["env", "up", v])).code, 0);
        const server = await startServer(() => 200);
        try {
            const status = await vnv(["env", "status", v], undefined, { healthBase: () => server.url });
            assert.equal(status.code, 0, status.err);
            // No AWS here: ECS, which keeps the loader's exit code, cannot be asked (ecsSnapshot.engine.test.ts asks moto's).
            assert.match(status.out, /dataset 2026\.11 \(.*infrasoftbe\/dataset@sha256:[0-9a-f]{64}\): unknown, ECS could not be asked: /);
        } finally {
            await server.close();
        }
        const ls = await vnv(["dataset", "ls", "--on", "aws", "--json"]);
        assert.equal(ls.code, 0, ls.err);
        const rows = JSON.parse(ls.out).datasets as { tag: string; digest: string; source: string; usedBy: string[] }[];
        assert.deepEqual(
            rows.map((r) => [r.tag, r.source, r.usedBy]),
            [
                ["2026.11", "build", ["v9-4-0-rc-1"]],
                ["2026.10", "build", []],
            ],
        );
        assert.equal(rows[0]?.digest, dataset);
    });

    it("release ls shows the dataset each version's images name", async () => {
        await pushVersion(reg, "v9.5.0-rc.1");
        await pushVersion(reg, "v9.5.0-rc.2");
        await pushImage(reg, "infrasoftbe/neo-server", "v9.5.0-rc.2", "neo-server@v9.5.0-rc.2", "docker", "amd64", { [DATASET_LABEL]: "2026.11" });
        const r = await vnv(["release", "ls", "--json"]);
        assert.equal(r.code, 0, r.err);
        const versions = JSON.parse(r.out).versions as { version: string; dataset?: unknown }[];
        assert.deepEqual(
            versions.filter((v) => v.version.startsWith("v9.5.")).map((v) => [v.version, v.dataset]),
            [
                ["v9.5.0-rc.2", { tag: "2026.11", by: ["neo-server"] }],
                ["v9.5.0-rc.1", { none: true }],
            ],
        );
        const text = await vnv(["release", "ls"]);
        assert.match(text.out, /^VERSION +KIND +IMAGES +DATASET +RUNS$/m);
        assert.match(text.out, /^v9\.5\.0-rc\.2 +candidate +complete +2026\.11 +-$/m);
    });

    it("an update keeps the environment's fixed-tag images (its database) at their digests, even when the tag moved", async () => {
        await pushVersion(reg, "v9.2.0-rc.1");
        const first = await vnv(["env", "up", "v9.2.0-rc.1", "--json"]);
        assert.equal(first.code, 0, first.err);
        await pushImage(reg, "library/neo4j", "5.26-community", "neo4j, a newer build");
        const second = await vnv(["env", "up", "v9.2.0-rc.1", "--json"]);
        assert.equal(second.code, 0, second.err);
        assert.equal(JSON.parse(second.out).outputs.digests.neo4j, JSON.parse(first.out).outputs.digests.neo4j);
        assert.match(second.err, /keeps .*library\/neo4j:5\.26-community at sha256:/);
    });
});
