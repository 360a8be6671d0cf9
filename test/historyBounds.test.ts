/**
 * The history's reader against a hostile backend (automation/history/audit.ts over automation/state/blobs.ts):
 * every object bounded before it is read, every entry that is not an object reported by name,
 * the listing and the whole read bounded; on a directory and on a real S3 API (moto, @engine).
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AUDIT_PREFIX, AuditLog, auditKey, MAX_EVENT_BYTES, type NewAuditEvent } from "../automation/history/audit";
import { BlobNotObjectError, type Blobs, BlobTooLargeError, blobsFor, s3Blobs } from "../automation/state/blobs";
import { backendInput } from "../automation/inputs";
import { BACKENDS, backendUrl, onBackend } from "../harness/backends";
import { S3_ENV, startS3, type TestS3 } from "../harness/s3";

const event = (at: string, overrides: Partial<NewAuditEvent> = {}): NewAuditEvent => ({
    at,
    actor: "alice",
    action: "deploy",
    environment: "prod",
    version: "v1.2.3",
    digests: { "proxy-server": `sha256:${"a".repeat(64)}` },
    result: "succeeded",
    durationMs: 1000,
    ...overrides,
});
/** An event's key at `ms` past 10:00 on the 27th, with the random part `n`. */
const keyAt = (ms: number, n = 15) => auditKey(`20261127T100000${String(ms).padStart(3, "0")}Z-${n.toString(16).repeat(16)}`);
const GiB = 1024 * 1024 * 1024;

for (const kind of BACKENDS)
    describe(`${kind === "s3" ? "@engine " : ""}the history's reader is bounded (${kind})`, function () {
        onBackend(kind);
        this.timeout(60_000);
        let dir = "";
        beforeEach(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-bounds-"));
        });
        afterEach(() => {
            fs.rmSync(dir, { recursive: true, force: true });
        });
        const blobs = (): Blobs => blobsFor(backendInput(backendUrl(dir), {}, path.join(dir, "state")))!;
        const log = (options: { maxObjects?: number } = {}) => new AuditLog(blobs(), options);
        /** A file of `size` bytes that takes no room (sparse), at `key` of the directory backend. */
        const sparse = (key: string, size: number) => {
            const file = path.join(dir, "state", key);
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.closeSync(fs.openSync(file, "w"));
            fs.truncateSync(file, size);
        };

        it("an object larger than an event is reported by its name and never read; the events around it are", async () => {
            const good = await log().append(event("2026-11-27T10:00:00.000Z"));
            const huge = keyAt(1);
            if (kind === "file") {
                sparse(huge, 3 * GiB); // more than a Buffer holds: reading it whole fails
            } else {
                await blobs().create(huge, Buffer.alloc(1024 * 1024, 0x20));
            }
            const { events, problems } = await log().read();
            assert.deepEqual(events, [good]);
            assert.equal(problems.length, 1);
            assert.equal(problems[0]!.key, huge);
            assert.match(problems[0]!.problem, new RegExp(`^\\d+ bytes, more than an event's ${MAX_EVENT_BYTES} \\(not read\\)$`));
        });

        it("a directory under the history's prefix is reported by its name, never silently left out", async () => {
            const good = await log().append(event("2026-11-27T10:00:00.000Z"));
            if (kind === "file") {
                fs.mkdirSync(path.join(dir, "state", AUDIT_PREFIX, "archive"), { recursive: true });
            }
            await blobs().create(`${AUDIT_PREFIX}archive/old.json`, Buffer.from("{}"));
            const { events, problems } = await log().read();
            assert.deepEqual(events, [good]);
            assert.deepEqual(problems, [
                { key: `${AUDIT_PREFIX}archive/`, problem: "a directory, not an event: the history holds objects only (not followed, not read)" },
            ]);
        });

        it("a listing of more entries than its bound fails naming the bound, rather than answer a part", async () => {
            for (let ms = 0; ms < 4; ms++) {
                await log().append(event(`2026-11-27T10:00:00.00${ms}Z`));
            }
            assert.equal((await log({ maxObjects: 4 }).read()).events.length, 4);
            await assert.rejects(log({ maxObjects: 3 }).read(), (e: Error) => /more than 3 entries under \.vnv\/history\/v1\/.*--since/.test(e.message));
        });

        if (kind === "file") {
            it("a symbolic link is reported by its name and never followed, even to an object that is an event", async () => {
                const good = await log().append(event("2026-11-27T10:00:00.000Z"));
                const link = keyAt(5);
                const target = path.join(dir, "elsewhere.json");
                const copy = JSON.parse(fs.readFileSync(path.join(dir, "state", auditKey(good.id)), "utf8")) as Record<string, unknown>;
                fs.writeFileSync(target, JSON.stringify({ ...copy, id: path.basename(link, ".json") }));
                fs.symlinkSync(target, path.join(dir, "state", link));
                const { events, problems } = await log().read();
                assert.deepEqual(events, [good]);
                assert.deepEqual(problems, [{ key: link, problem: "a symbolic link, not an event: the history holds objects only (not followed, not read)" }]);
            });

            it("a named pipe is reported by its name and never opened (reading it would wait for a writer forever)", async () => {
                const good = await log().append(event("2026-11-27T10:00:00.000Z"));
                const pipe = keyAt(6);
                assert.equal(spawnSync("mkfifo", [path.join(dir, "state", pipe)]).status, 0);
                const { events, problems } = await log().read();
                assert.deepEqual(events, [good]);
                assert.equal(problems[0]?.key, pipe);
                assert.match(problems[0]!.problem, /^neither a file nor a directory \(a pipe, socket or device\), not an event/);
            });

            it("a read checks what it opened: a symbolic link, a pipe or an object over the bound is refused, not read", async () => {
                const b = blobs();
                await b.create("x/real.json", Buffer.from("{}"));
                fs.symlinkSync(path.join(dir, "state", "x", "real.json"), path.join(dir, "state", "x", "link.json"));
                assert.equal(spawnSync("mkfifo", [path.join(dir, "state", "x", "pipe")]).status, 0);
                sparse("x/huge", 3 * GiB);
                await assert.rejects(b.read("x/link.json"), (e: unknown) => e instanceof BlobNotObjectError && e.kind === "symlink");
                await assert.rejects(b.read("x/pipe"), (e: unknown) => e instanceof BlobNotObjectError && e.kind === "other");
                await assert.rejects(b.read("x/huge", { maxBytes: 1024 }), (e: unknown) => e instanceof BlobTooLargeError && e.size === 3 * GiB);
                assert.deepEqual(await b.read("x/real.json", { maxBytes: 2 }), Buffer.from("{}"));
                await assert.rejects(b.read("x/real.json", { maxBytes: 1 }), BlobTooLargeError);
            });
        }
    });

describe("@engine the history's reader on a slow S3 API (moto behind a proxy that delays and counts)", function () {
    this.timeout(120_000);
    let s3: TestS3;
    const saved: Record<string, string | undefined> = {};
    before(async () => {
        s3 = await startS3({ delayMs: 150 });
        for (const [k, v] of Object.entries(S3_ENV)) {
            saved[k] = process.env[k];
            process.env[k] = v;
        }
    });
    after(async () => {
        await s3?.stop();
        for (const [k, v] of Object.entries(saved)) {
            if (v === undefined) {
                delete process.env[k];
            } else {
                process.env[k] = v;
            }
        }
    });
    let n = 0;
    const fresh = (): Blobs => s3Blobs(s3.backendUrl(`slow-${++n}`));

    it("an object over the bound is never downloaded: its size in the listing says no before any GET", async () => {
        const b = fresh();
        await b.create(keyAt(1), Buffer.alloc(32 * 1024 * 1024, 0x20));
        const before = s3.served();
        const { problems } = await new AuditLog(b).read();
        assert.equal(problems[0]?.key, keyAt(1));
        assert.ok(s3.served() - before < 64 * 1024, `${s3.served() - before} bytes came`);
    });

    it("a read past the bound stops the download: far fewer bytes come than the object holds", async () => {
        const b = fresh();
        await b.create("big.json", Buffer.alloc(32 * 1024 * 1024, 0x20));
        const before = s3.served();
        await assert.rejects(b.read("big.json", { maxBytes: MAX_EVENT_BYTES }), (e: unknown) => e instanceof BlobTooLargeError && e.size === 32 * 1024 * 1024);
        assert.ok(s3.served() - before < 16 * 1024 * 1024, `${s3.served() - before} bytes came`);
    });

    it("the whole read is bounded in time: past the bound it fails saying so, rather than answer a part", async () => {
        const b = fresh();
        const log = new AuditLog(b, { concurrency: 1, deadlineMs: 500 });
        for (let ms = 0; ms < 6; ms++) {
            await log.append(event(`2026-11-27T10:00:00.00${ms}Z`));
        }
        const started = Date.now();
        await assert.rejects(log.read(), /took longer than 0\.5 s/);
        assert.ok(Date.now() - started < 1_500, `${Date.now() - started} ms`);
    });
});
