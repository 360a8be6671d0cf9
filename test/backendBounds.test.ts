/**
 * The backend reader (automation/state/backendReader.ts) against a hostile backend: the layout file,
 * tag files, checkpoints and lock files are read within their bounds, and a listing within its
 * own; on a directory and on a real S3 API (moto, @engine).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { BACKEND_BOUNDS, BackendObjectError, BackendReader } from "../automation/state/backendReader";
import { type Blobs, blobsFor, ListingTooLargeError } from "../automation/state/blobs";
import { backendInput } from "../automation/inputs";
import { BACKENDS, backendUrl, onBackend } from "../harness/backends";

const GiB = 1024 * 1024 * 1024;
const STACKS = ".pulumi/stacks/vnv/";
const LOCKS = ".pulumi/locks/organization/vnv/";

for (const kind of BACKENDS)
    describe(`${kind === "s3" ? "@engine " : ""}the backend reader is bounded (${kind})`, function () {
        onBackend(kind);
        this.timeout(60_000);
        let dir = "";
        beforeEach(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-reader-"));
        });
        afterEach(() => {
            fs.rmSync(dir, { recursive: true, force: true });
        });
        const backend = () => backendInput(backendUrl(dir), {}, path.join(dir, "state"));
        const blobs = (): Blobs => blobsFor(backend())!;
        const reader = () => BackendReader.for(backend())!;
        /** Objects at their keys; a number is an object of that many bytes (sparse on a directory, spaces on S3). */
        const put = async (objects: Record<string, string | Buffer | number>) => {
            for (const [key, content] of Object.entries({ ".pulumi/meta.yaml": "version: 1\n", ...objects })) {
                if (typeof content === "number" && kind === "file") {
                    const file = path.join(dir, "state", key);
                    fs.mkdirSync(path.dirname(file), { recursive: true });
                    fs.closeSync(fs.openSync(file, "w"));
                    fs.truncateSync(file, content);
                } else {
                    await blobs().create(key, typeof content === "number" ? Buffer.alloc(content, 0x20) : Buffer.from(content));
                }
            }
        };
        /** Larger than a Buffer holds on a directory (reading it whole fails), a few MiB over S3. */
        const huge = (bound: number) => (kind === "file" ? 3 * GiB : bound + 1024 * 1024);
        const naming = (key: string, problem: RegExp) => (e: unknown) => e instanceof BackendObjectError && e.key === key && problem.test(e.message);

        it("a tag file over its bound fails the listing naming it, and is never read whole", async () => {
            await put({ [`${STACKS}a.json`]: "{}", [`${STACKS}a.pulumi-tags`]: huge(BACKEND_BOUNDS.tagBytes) });
            await assert.rejects(reader().list("vnv"), naming(`${STACKS}a.pulumi-tags`, /bytes, more than the 1048576 bytes vnv reads of a tag file/));
        });

        it("a tag file that is not JSON fails the listing naming it", async () => {
            await put({ [`${STACKS}a.json`]: "{}", [`${STACKS}a.pulumi-tags`]: '{"version":1,' });
            await assert.rejects(reader().list("vnv"), naming(`${STACKS}a.pulumi-tags`, /not JSON in UTF-8/));
        });

        it("a checkpoint over its bound fails the listing with details naming it, and is never read", async () => {
            await put({ [`${STACKS}a.json`]: huge(BACKEND_BOUNDS.checkpointBytes), [`${STACKS}a.pulumi-tags`]: '{"version":1,"tags":{}}' });
            assert.deepEqual(await reader().list("vnv"), [{ name: "a", tags: {} }]); // without details: not read at all
            await assert.rejects(
                reader().list("vnv", { details: true }),
                naming(`${STACKS}a.json`, /bytes, more than the 134217728 bytes vnv reads of a checkpoint/),
            );
        });

        it("a gzipped checkpoint that unpacks past the bound fails naming it, unpacked no further", async () => {
            const bomb = gzipSync(Buffer.alloc(BACKEND_BOUNDS.checkpointBytes + 1024), { level: 9 });
            await put({ [`${STACKS}a.json.gz`]: bomb, [`${STACKS}a.pulumi-tags`]: '{"version":1,"tags":{}}' });
            await assert.rejects(reader().list("vnv", { details: true }), naming(`${STACKS}a.json.gz`, /more than 134217728 bytes unpacked/));
        });

        it("a lock file over its bound, or not JSON, is still a lock: held by someone unknown", async () => {
            await put({
                [`${STACKS}a.json`]: "{}",
                [`${STACKS}b.json`]: "{}",
                [`${LOCKS}a/1.json`]: huge(BACKEND_BOUNDS.lockBytes),
                [`${LOCKS}b/2.json`]: "{not json",
            });
            const locks = await reader().locks("vnv");
            assert.deepEqual([...locks.entries()].map(([stack, held]) => [stack, held.map((l) => [l.url, l.user, l.host])]).sort(), [
                ["a", [[`${LOCKS}a/1.json`, "?", "?"]]],
                ["b", [[`${LOCKS}b/2.json`, "?", "?"]]],
            ]);
        });

        it("the layout file over its bound fails naming it", async () => {
            await put({ ".pulumi/meta.yaml": huge(BACKEND_BOUNDS.layoutBytes), [`${STACKS}a.json`]: "{}" });
            await assert.rejects(reader().list("vnv"), naming(".pulumi/meta.yaml", /bytes, more than the 65536 bytes vnv reads of the layout file/));
        });

        it("a listing of more entries than its bound fails, rather than answer a part or grow without end", async () => {
            await put({ "k/1": "1", "k/2": "2", "k/3": "3" });
            assert.equal((await blobs().list("k/", { maxKeys: 3 })).length, 3);
            await assert.rejects(
                blobs().list("k/", { maxKeys: 2 }),
                (e: unknown) => e instanceof ListingTooLargeError && /more than 2 entries under k\//.test(e.message),
            );
            await assert.rejects(blobs().list("k/", { maxKeys: 2, recursive: true }), ListingTooLargeError);
        });
    });
