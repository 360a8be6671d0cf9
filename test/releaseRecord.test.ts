/**
 * @registry: released means immutable, and proven (automation/release/record.ts). The first
 * promotion of a release records its digests in the history; `release check`, `release ls`,
 * `release verify`, `release promote` and `deploy` hold every tag of the release, in every
 * spelling, against that record. The command line in-process, against a real registry on
 * loopback and a history on a directory; nothing here runs the engine.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import fc from "fast-check";
import * as os from "node:os";
import * as path from "node:path";
import type { AuditEvent } from "../automation/history/audit";
import { main } from "../automation/cli/program";
import { recordsFrom } from "../automation/release/record";
import { indexTags } from "../automation/release/release";
import { parseVersion, tryParseVersion } from "../rules/versions";
import { versionText } from "../harness/arbitraries";
import { RegistryClient } from "../registry/client";
import { PASSPHRASE } from "../harness/driver";
import { startServer, type TestServer } from "../harness/http";
import { projectOn, pushVersion, VERSIONED } from "../harness/project";
import { pushImage, startRegistry, type TestRegistry } from "../harness/registry";

interface Run {
    code: number;
    out: string;
    err: string;
}

const DIGEST = /sha256:[0-9a-f]{64}/;

describe("@registry released means immutable: a release is the digests of its first promotion", function () {
    this.timeout(120_000);
    let reg: TestRegistry;
    let dir: string;
    let project: string;
    const client = new RegistryClient({ credentials: () => undefined, backoffMs: 10 });
    beforeEach(async () => {
        reg = await startRegistry();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-record-"));
        project = projectOn(reg, dir);
    });
    afterEach(async () => {
        await reg.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    async function vnv(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
        let out = "";
        let err = "";
        const code = await main(args, {
            env: { PATH: process.env.PATH, HOME: process.env.HOME, PULUMI_CONFIG_PASSPHRASE: PASSPHRASE, PULUMI_BACKEND_URL: `file://${dir}/state`, ...env },
            stdout: (t) => (out += t),
            stderr: (t) => (err += t),
            projectDir: project,
            pulumiHome: `${dir}/home`,
            registry: client,
        });
        return { code, out, err };
    }

    const image = (svc: string): string => `${reg.host}/infrasoftbe/${svc}`;

    /** Promotes `release` from its rc.1 (pushed here); answers the digests the promotion recorded. */
    async function released(release: string = "v1.2.3"): Promise<Record<string, string>> {
        await pushVersion(reg, `${release}-rc.1`);
        const r = await vnv(["release", "promote", release, "--json"]);
        assert.equal(r.code, 0, r.err);
        return Object.fromEntries((JSON.parse(r.out).steps as Array<{ service: string; digest: string }>).map((s) => [s.service, s.digest]));
    }

    /** Points `tag` of a service's image at a new build. */
    const move = (svc: string, tag: string): Promise<string> => pushImage(reg, `infrasoftbe/${svc}`, tag, `${svc}, rebuilt behind everyone's back`);

    it("the first promotion of a release records the digest of every image it tagged in the history", async () => {
        const digests = await released();
        const history = await vnv(["history", "--json"]);
        const [event] = JSON.parse(history.out).events;
        assert.deepEqual([event.action, event.version, event.result, event.digests], ["promote", "v1.2.3", "succeeded", digests]);
        assert.deepEqual(
            Object.keys(digests).sort(),
            [...VERSIONED]
                .sort()
                .map((s) => (s === "app" ? "frontend" : s))
                .sort(),
        );
    });

    it("release check passes a release whose tags are where its first promotion put them", async () => {
        await released();
        const r = await vnv(["release", "check", "v1.2.3", "--json"]);
        assert.equal(r.code, 0, r.err);
        assert.deepEqual(JSON.parse(r.out).moved, []);
    });

    it("release check fails (exit 1) for a release whose tag moved since its first promotion, naming the image, the tag and both digests", async () => {
        const digests = await released();
        const now = await move("pnp-server", "v1.2.3");
        const r = await vnv(["release", "check", "v1.2.3", "--json"]);
        assert.equal(r.code, 1);
        assert.deepEqual(JSON.parse(r.out).moved, [{ service: "pnp-server", image: image("pnp-server"), tag: "v1.2.3", recorded: digests["pnp-server"], now }]);
        assert.ok(
            r.err.includes(`v1.2.3 is not what was released (promoted `) &&
                r.err.includes(`pnp-server ${image("pnp-server")}:v1.2.3 now points at ${now}, released as ${digests["pnp-server"]}`),
            r.err,
        );
    });

    it("release check fails (exit 1) for a release whose other spelling (1.2.3) points elsewhere", async () => {
        const digests = await released();
        const now = await move("event-bridge", "1.2.3");
        const r = await vnv(["release", "check", "1.2.3", "--json"]);
        assert.equal(r.code, 1);
        assert.deepEqual(JSON.parse(r.out).moved, [
            { service: "event-bridge", image: image("event-bridge"), tag: "1.2.3", recorded: digests["event-bridge"], now },
        ]);
    });

    it("release check --pin of a release that moved pins nothing", async () => {
        await released();
        await move("proxy-server", "v1.2.3");
        const before = fs.readFileSync(path.join(project, "Pulumi.prod.yaml"), "utf8");
        const r = await vnv(["release", "check", "v1.2.3", "--stack", "prod", "--pin"]);
        assert.equal(r.code, 1);
        assert.equal(fs.readFileSync(path.join(project, "Pulumi.prod.yaml"), "utf8"), before);
    });

    it("deploy refuses (exit 2, nothing touched) a stack file that pins a release at digests other than its first promotion's", async () => {
        const digests = await released();
        assert.equal((await vnv(["release", "check", "v1.2.3", "--stack", "prod", "--pin"])).code, 0);
        const now = await move("neo-server", "v1.2.3");
        const file = fs.readFileSync(path.join(project, "Pulumi.prod.yaml"), "utf8");
        fs.writeFileSync(path.join(project, "Pulumi.prod.yaml"), file.replace(digests["neo-server"]!, now));
        const r = await vnv(["deploy", "prod"]);
        assert.equal(r.code, 2, r.err);
        assert.ok(
            r.err.includes(`Pulumi.prod.yaml pins v1.2.3 with digests other than the release's (promoted `) &&
                r.err.includes(`neo-server pins ${now}, released as ${digests["neo-server"]}`),
            r.err,
        );
        assert.ok(!fs.existsSync(path.join(dir, "state", ".pulumi")), "the deploy touched the backend");
    });

    it("release ls flags a release whose tag moved: MOVED in its row, what moved below the table, and moved in --json", async () => {
        await released("v1.2.3");
        await released("v1.2.4");
        const now = await move("app", "1.2.3");
        const json = await vnv(["release", "ls", "--json"]);
        assert.equal(json.code, 0, json.err);
        const rows = JSON.parse(json.out).versions as Array<{ version: string; moved?: Array<{ service: string; now: string }>; released?: string }>;
        const row = (v: string) => rows.find((r) => r.version === v);
        assert.deepEqual(
            row("v1.2.3")?.moved?.map((m) => [m.service, m.now]),
            [["frontend", now]],
        );
        assert.deepEqual(row("v1.2.4")?.moved, []);
        assert.match(row("v1.2.4")?.released ?? "", /^promoted \d{4}-.* by /);
        const text = await vnv(["release", "ls"]);
        assert.match(text.out, /^v1\.2\.3\s+release\s+MOVED since released: frontend/m);
        assert.match(text.out, /^v1\.2\.4\s+release\s+complete/m);
        assert.ok(text.out.includes(`v1.2.3 MOVED: frontend ${image("app")}:1.2.3 now points at ${now}`), text.out);
    });

    describe("release verify, and its announcement", () => {
        let hook: TestServer;
        beforeEach(async () => {
            hook = await startServer(() => 200);
        });
        afterEach(async () => {
            await hook.close();
        });
        const env = () => ({ VNV_WEBHOOK_URL: hook.url, VNV_WEBHOOK_FORMAT: "slack" });

        it("every recorded release where its first promotion put it: exit 0, nothing announced", async () => {
            await released("v1.2.3");
            await released("v2.0.0");
            const r = await vnv(["release", "verify", "--json"], env());
            assert.equal(r.code, 0, r.err);
            const result = JSON.parse(r.out);
            assert.deepEqual([result.checked, result.moved, result.verdicts.map((v: { version: string }) => v.version)], [2, [], ["v2.0.0", "v1.2.3"]]);
            assert.deepEqual(hook.requests, []);
        });

        it("a release whose tag moved, in any spelling: exit 1, named, and announced to the team", async () => {
            const digests = await released("v1.2.3");
            await released("v2.0.0");
            const now = await move("pnp-server", "1.2.3");
            const r = await vnv(["release", "verify"], env());
            assert.equal(r.code, 1);
            assert.match(r.out, /^v2\.0\.0\s+promoted .*\s+as released$/m);
            assert.match(r.out, new RegExp(`^v1\\.2\\.3\\s+promoted .*\\s+MOVED: pnp-server .*:1\\.2\\.3 now points at ${now}`, "m"));
            assert.match(r.err, /v1\.2\.3 is not what was released/);
            assert.equal(hook.requests.length, 1);
            const text = JSON.parse(hook.requests[0]!.body).text as string;
            assert.match(text, /^\*Release v1\.2\.3 has moved: its tags no longer point where it was released\*/);
            assert.ok(text.includes(`pnp-server:1.2.3 now ${now}, released as ${digests["pnp-server"]}`), text);
        });

        it("names the releases in the registry that no record covers: they cannot be proven", async () => {
            await released("v1.2.3");
            await pushVersion(reg, "v0.9.0");
            const r = await vnv(["release", "verify", "--json"], env());
            assert.equal(r.code, 0, r.err);
            assert.deepEqual(JSON.parse(r.out).unrecorded, ["v0.9.0"]);
        });
    });

    it("promote cannot bless a release that moved: pointing it at another candidate and promoting that one is refused (exit 1)", async () => {
        const digests = await released("v1.2.3");
        await pushVersion(reg, "v1.2.3-rc.2");
        for (const svc of VERSIONED) {
            await client.tag(image(svc), "v1.2.3", await client.manifest(image(svc), "v1.2.3-rc.2"));
        }
        const r = await vnv(["release", "promote", "v1.2.3", "--from", "v1.2.3-rc.2"]);
        assert.equal(r.code, 1);
        assert.match(
            r.err,
            new RegExp(
                `proxy-server: v1\\.2\\.3 was released as ${digests["proxy-server"]} \\(promoted .*\\), not ${DIGEST.source} of v1\\.2\\.3-rc\\.2; releases are immutable`,
            ),
        );
    });
});

describe("a release's record", () => {
    const d = (c: string) => `sha256:${c.repeat(64)}`;
    const event = (at: string, version: string, digests: Record<string, string>, result: "succeeded" | "failed" = "succeeded"): AuditEvent => ({
        schema: 1,
        id: `${at.replace(/[-:.]/g, "")}-${"0".repeat(16)}`,
        at,
        actor: "ana",
        action: "promote",
        environment: "prod",
        version,
        digests,
        result,
        ...(result === "failed" ? { error: "boom" } : {}),
        durationMs: 1,
    });

    it("is, per service, the digest of the earliest successful promotion of the release in any spelling", () => {
        const records = recordsFrom([
            event("2026-11-27T12:00:00.000Z", "1.2.3", { api: d("b"), web: d("c") }),
            event("2026-11-27T09:00:00.000Z", "v1.2.3", { api: d("x") }, "failed"),
            event("2026-11-27T10:00:00.000Z", "v1.2.3", { api: d("a") }),
            event("2026-11-27T11:00:00.000Z", "v2.0.0", { api: d("e") }),
        ]);
        assert.deepEqual(records.get("v1.2.3"), {
            version: "v1.2.3",
            at: "2026-11-27T10:00:00.000Z",
            actor: "ana",
            origin: "promoted 2026-11-27T10:00:00.000Z by ana",
            digests: { api: d("a"), web: d("c") },
        });
        assert.deepEqual([...records.keys()].sort(), ["v1.2.3", "v2.0.0"]);
    });
});

describe("a repository's tags by version (promote's and verify's index)", () => {
    const tag = fc.oneof(versionText, fc.constantFrom("latest", "prod", "test", "main", "sha-1a2b3c"));

    it("leaves out text that is no tag of the spec's grammar, even one the version rules would read (spaces, line breaks around a version)", () => {
        fc.assert(
            fc.property(versionText, fc.constantFrom(" ", "\n", "\t", "\r\n", "\u00a0", "\u2028", "\ufeff"), (version, space) => {
                assert.deepEqual([...indexTags([`${space}${version}`, `${version}${space}`]).keys()], []);
            }),
        );
    });

    it("holds every tag that is a version under its canonical spelling, once, and nothing else", () => {
        fc.assert(
            fc.property(fc.array(tag, { maxLength: 60 }), (tags) => {
                const index = indexTags(tags);
                for (const [canonical, spellings] of index) {
                    assert.equal(new Set(spellings).size, spellings.length);
                    for (const s of spellings) {
                        assert.equal(parseVersion(s).canonical, canonical);
                    }
                }
                const versions = tags.filter((t) => tryParseVersion(t) !== undefined);
                assert.deepEqual(new Set([...index.values()].flat()), new Set(versions));
            }),
        );
    });
});
