/**
 * The audit trail (automation/history/audit.ts) and the create-only writes it stands on
 * (automation/state/blobs.ts), on a directory and on a real S3 API on loopback (moto). No Pulumi engine
 * is needed; the S3 run is tagged @engine as every test that needs moto's server is, so that
 * `npm run test:unit` (which needs nothing but `npm ci`) leaves it out.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AUDIT_PREFIX, AuditEventError, AuditLog, auditContext, auditKey, type NewAuditEvent } from "../automation/history/audit";
import { type Blobs, blobsFor } from "../automation/state/blobs";
import { backendInput } from "../automation/inputs";
import { BACKENDS, backendFiles, backendUrl, onBackend } from "../harness/backends";

const DIGESTS = { "proxy-server": `sha256:${"a".repeat(64)}`, frontend: `sha256:${"0123456789abcdef".repeat(4)}` };

function event(overrides: Partial<NewAuditEvent> = {}): NewAuditEvent {
    return {
        at: "2026-11-27T10:00:00.000Z",
        actor: "alice",
        action: "deploy",
        environment: "v1-2-3-rc-1",
        version: "v1.2.3-rc.1",
        digests: DIGESTS,
        result: "succeeded",
        durationMs: 93_512,
        url: "https://1-2-3-rc-1.step-studio.be",
        expiresAt: "2026-11-27T16:00:00.000Z",
        runUrl: "https://github.com/infrasoftbe/vnv/actions/runs/123456789",
        ...overrides,
    };
}

/** The time `ms` milliseconds after 10:00 on the 27th, as events carry it. */
const at = (ms: number) => new Date(Date.parse("2026-11-27T10:00:00.000Z") + ms).toISOString();
/** A random source answering `ids` in turn (16 hex digits each). */
const randoms = (...ids: number[]) => {
    let i = 0;
    return () => (ids[i++] ?? 0).toString(16).padStart(16, "0");
};

describe("the audit trail's reach", () => {
    it("has no log for a backend it cannot reach directly (gs://, azblob://)", () => {
        assert.equal(AuditLog.for(backendInput("gs://vnv-state", {}, "/tmp")), undefined);
        assert.equal(AuditLog.for(backendInput("azblob://vnv-state", {}, "/tmp")), undefined);
        assert.equal(blobsFor(backendInput("gs://vnv-state", {}, "/tmp")), undefined);
    });

    it("names the GitHub actor and the run's link in a workflow", () => {
        const env = { GITHUB_ACTOR: "octocat", GITHUB_REPOSITORY: "infrasoftbe/vnv", GITHUB_RUN_ID: "42", GITHUB_RUN_ATTEMPT: "2" };
        assert.deepEqual(auditContext(env), { actor: "octocat", runUrl: "https://github.com/infrasoftbe/vnv/actions/runs/42/attempts/2" });
    });

    it("names user@host outside a workflow", () => {
        assert.deepEqual(auditContext({}), { actor: `${os.userInfo().username}@${os.hostname()}` });
    });
});

for (const kind of BACKENDS)
    describe(`${kind === "s3" ? "@engine " : ""}audit trail in the state backend (${kind})`, function () {
        onBackend(kind);
        this.timeout(60_000);
        let dir = "";
        beforeEach(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-audit-"));
        });
        afterEach(() => {
            fs.rmSync(dir, { recursive: true, force: true });
        });
        /** This test's backend (its own directory, or its own prefix of the bucket). */
        const backend = () => backendInput(backendUrl(dir), {}, path.join(dir, "state"));
        const blobs = (): Blobs => blobsFor(backend())!;
        const log = (options?: { random?: () => string; concurrency?: number }) =>
            options === undefined ? AuditLog.for(backend())! : new AuditLog(blobs(), options);

        it("reads an appended event back identical, with its id and schema", async () => {
            const written = await log().append(event());
            assert.deepEqual(written, { schema: 1, id: written.id, ...event() });
            assert.deepEqual(await log().read(), { events: [written], problems: [] });
        });

        it("records a failure with its message, lines kept", async () => {
            const failed = await log().append(event({ action: "reap", result: "failed", error: "error: update failed\n  resource x: timeout" }));
            const [read] = (await log().read()).events;
            assert.deepEqual(read, failed);
            assert.equal(read?.error, "error: update failed\n  resource x: timeout");
        });

        it("refuses an event it could not read back, and writes nothing", async () => {
            for (const bad of [
                event({ result: "failed" }), // a failure without its message
                event({ error: "no" }), // a success with one
                event({ at: "2026-11-27T10:00:00Z" }), // not as toISOString writes it
                event({ digests: { app: "sha256:short" } }),
                event({ action: "deploy-all" as NewAuditEvent["action"] }),
                event({ actor: "" }),
                event({ url: "ftp://x" }),
            ]) {
                await assert.rejects(log().append(bad), AuditEventError, JSON.stringify(bad));
            }
            assert.deepEqual(await backendFiles(dir, ".vnv"), []);
        });

        it("keeps events outside .pulumi/, one object per event named by its id, the engine's layout untouched", async () => {
            const ids = [];
            for (let i = 0; i < 3; i++) {
                ids.push((await log().append(event({ at: at(i) }))).id);
            }
            assert.deepEqual(await backendFiles(dir, ".vnv/history/v1"), ids.map((id) => `${id}.json`).sort());
            assert.ok(
                ids.every((id) => auditKey(id).startsWith(AUDIT_PREFIX) && /^20261127T10000000\dZ-[0-9a-f]{16}$/.test(id)),
                ids.join(" "),
            );
            assert.deepEqual(await backendFiles(dir, ".pulumi"), []);
        });

        it("create-only: a second create of a key answers exists and leaves the first object as it was", async () => {
            const b = blobs();
            assert.equal(await b.create("x/y/z.json", Buffer.from("first")), "created");
            assert.equal(await b.create("x/y/z.json", Buffer.from("second")), "exists");
            assert.equal((await b.read("x/y/z.json"))?.toString(), "first");
        });

        it("of 20 concurrent creates of one key exactly one is created, and its bytes are there whole", async () => {
            const b = blobs();
            const bodies = Array.from({ length: 20 }, (_, i) => Buffer.alloc(64 * 1024, i));
            const answers = await Promise.all(bodies.map((body) => b.create("race.json", body)));
            const winners = answers.flatMap((a, i) => (a === "created" ? [i] : []));
            assert.equal(winners.length, 1, answers.join(" "));
            assert.ok((await b.read("race.json"))?.equals(bodies[winners[0]!]!));
        });

        it("a listing shows only created objects, never a create's temporary one", async () => {
            const b = blobs();
            await Promise.all(Array.from({ length: 10 }, (_, i) => b.create(`d/${i}.json`, Buffer.from(String(i)))));
            assert.deepEqual(
                (await b.list("d/", { recursive: true })).map((o) => o.key),
                Array.from({ length: 10 }, (_, i) => `d/${i}.json`),
            );
        });

        it("a listing from a key on (startAfter) answers only the keys after it, in key order", async () => {
            const b = blobs();
            for (const k of ["k/3", "k/1", "k/4", "k/2", "k/2a"]) {
                await b.create(k, Buffer.from(k));
            }
            assert.deepEqual(
                (await b.list("k/", { startAfter: "k/2" })).map((o) => o.key),
                ["k/2a", "k/3", "k/4"],
            );
        });

        it("20 concurrent appenders all land, none overwritten", async () => {
            const written = await Promise.all(Array.from({ length: 20 }, (_, i) => log().append(event({ actor: `writer-${i}` }))));
            const { events, problems } = await log().read();
            assert.deepEqual(problems, []);
            assert.equal(new Set(events.map((e) => e.id)).size, 20);
            assert.deepEqual(events.map((e) => e.actor).sort(), written.map((e) => e.actor).sort());
        });

        it("never overwrites an event whose id is taken: the appender takes another", async () => {
            const first = await log({ random: randoms(1) }).append(event({ actor: "first" }));
            const second = await log({ random: randoms(1, 2) }).append(event({ actor: "second" }));
            assert.notEqual(second.id, first.id);
            const { events } = await log().read();
            assert.deepEqual(events.map((e) => e.actor).sort(), ["first", "second"]);
        });

        it("writes an event once when its own object is already there byte for byte (a retried request)", async () => {
            const first = await log({ random: randoms(7) }).append(event());
            const again = await log({ random: randoms(7) }).append(event());
            assert.deepEqual(again, first);
            assert.deepEqual((await log().read()).events, [first]);
        });

        it("answers newest first, whatever the order of appending", async () => {
            for (const ms of [2, 0, 3, 1]) {
                await log().append(event({ at: at(ms) }));
            }
            assert.deepEqual(
                (await log().read()).events.map((e) => e.at),
                [at(3), at(2), at(1), at(0)],
            );
        });

        it("filters by environment", async () => {
            await log().append(event({ environment: "prod", at: at(0) }));
            await log().append(event({ environment: "dev", at: at(1) }));
            await log().append(event({ environment: "prod", at: at(2) }));
            assert.deepEqual(
                (await log().read({ environment: "prod" })).events.map((e) => e.at),
                [at(2), at(0)],
            );
        });

        it("filters by action and result: the last successful deploy, however many pins and failures came after", async () => {
            await log().append(event({ action: "deploy", result: "succeeded", version: "v1.0.0", at: at(0) }));
            await log().append(event({ action: "pin", result: "succeeded", version: "v1.1.0", at: at(1) }));
            await log().append(event({ action: "deploy", result: "failed", error: "boom", version: "v1.1.0", at: at(2) }));
            const { events } = await log().read({ action: "deploy", result: "succeeded", limit: 1 });
            assert.deepEqual(
                events.map((e) => e.version),
                ["v1.0.0"],
            );
        });

        it("filters by version in any spelling of it; text that is no version matches as it is", async () => {
            await log().append(event({ version: "v1.2.3-rc.1", at: at(0) }));
            await log().append(event({ version: "v1.2.3", at: at(1) }));
            await log().append(event({ version: "v1.2.4-rc.1", at: at(2) }));
            await log().append(event({ version: "nightly", at: at(3) }));
            const versions = async (v: string) => (await log().read({ version: v })).events.map((e) => e.version);
            assert.deepEqual(await versions("1.2.3-RC1"), ["v1.2.3-rc.1"]);
            assert.deepEqual(await versions("1.2.3"), ["v1.2.3"]);
            assert.deepEqual(await versions("nightly"), ["nightly"]);
            assert.deepEqual(await versions("Nightly"), []);
        });

        it("filters by since: events from that moment on, the moment itself included", async () => {
            for (const ms of [-1, 0, 1, 60_000]) {
                await log().append(event({ at: at(ms) }));
            }
            assert.deepEqual(
                (await log().read({ since: new Date(at(0)) })).events.map((e) => e.at),
                [at(60_000), at(1), at(0)],
            );
        });

        it("with since, lists from that moment on: an older object is not even read", async () => {
            await blobs().create(auditKey(`20261127T095959999Z-${"0".repeat(16)}`), Buffer.from("broken"));
            const recent = await log().append(event({ at: at(0) }));
            assert.deepEqual(await log().read({ since: new Date(at(0)) }), { events: [recent], problems: [] });
        });

        it("answers the newest `limit` events", async () => {
            for (let ms = 0; ms < 5; ms++) {
                await log().append(event({ at: at(ms) }));
            }
            assert.deepEqual(
                (await log({ concurrency: 1 }).read({ limit: 2 })).events.map((e) => e.at),
                [at(4), at(3)],
            );
        });

        it("reports each malformed object as a problem naming its key, and still reads the events around it", async () => {
            const good = await log().append(event({ at: at(0) }));
            const b = blobs();
            const goodBytes = (await b.read(auditKey(good.id)))!;
            const goodJson = JSON.parse(goodBytes.toString()) as Record<string, unknown>;
            const key = (n: number) => auditKey(`20261127T1000000${String(n).padStart(2, "0")}Z-${"f".repeat(16)}`);
            const objects: [string, string | Buffer, RegExp][] = [
                [key(10), "{not json", /not JSON/],
                [key(11), Buffer.from([0x7b, 0xff, 0x7d]), /not JSON in UTF-8/],
                [key(12), "[]", /not a JSON object/],
                [key(13), JSON.stringify({ ...goodJson, schema: 2 }), /schema is 2/],
                [key(14), goodBytes, /not its key's/],
                [key(15), JSON.stringify({ ...goodJson, extra: true }), /does not have: "extra"/],
                [key(16), JSON.stringify({ ...goodJson, digests: { app: "latest" } }), /digests\.app/],
                [
                    key(17),
                    JSON.stringify({ ...goodJson, durationMs: -1, actor: "a\u001b[2Jb" }),
                    /durationMs.*; actor holds control characters|actor holds control characters; .*durationMs/,
                ],
                [key(18), `${JSON.stringify(goodJson)}${" ".repeat(70_000)}`, /more than an event's/],
                [`${AUDIT_PREFIX}notes.txt`, "hello", /not an event's key/],
            ];
            for (const [k, bytes] of objects) {
                assert.equal(await b.create(k, Buffer.from(bytes)), "created");
            }
            const { events, problems } = await log().read();
            assert.deepEqual(events, [good]);
            assert.deepEqual(problems.map((p) => p.key).sort(), objects.map(([k]) => k).sort());
            for (const [k, , problem] of objects) {
                assert.match(problems.find((p) => p.key === k)!.problem, problem, k);
            }
        });
    });
