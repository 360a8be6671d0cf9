/**
 * Snapshots' mechanics without Docker: which entries of a dump become a dataset's files
 * (rules/datasets.ts snapshotPath), the layer made of them (registry/snapshotLayer.ts), and the
 * new image pushed on top of a dataset image in a real registry (registry/appendLayer.ts),
 * read back with vnv's own layer extraction.
 */
import { strict as assert } from "node:assert";
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import fc from "fast-check";
import { useTempDir } from "../harness/driver";
import { type LayerEntry, tarOf } from "../harness/layers";
import { pushImage, startRegistry, type TestRegistry } from "../harness/registry";
import { appendLayer } from "../registry/appendLayer";
import { RegistryClient, RegistryError } from "../registry/client";
import { extractImage } from "../registry/extract";
import { labelsOf } from "../registry/imageLayers";
import { DumpRefusedError, snapshotLayer } from "../registry/snapshotLayer";
import { isImageTag } from "../rules/imageReference";
import { snapshotPath, snapshotTag } from "../rules/datasets";
import { pushStandinImage } from "../standins";

const segment = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/).filter((s) => s !== "." && s !== "..");

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
    yield bytes;
}

function sha256(bytes: Buffer): string {
    return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

describe("snapshots", () => {
    describe("which entries of a dump become a dataset's files", () => {
        it("a plain file or directory under vnv-dump/ goes under dataset/, by the same relative name", () => {
            fc.assert(
                fc.property(fc.array(segment, { minLength: 1, maxLength: 6 }), fc.boolean(), (parts, dir) => {
                    const name = `vnv-dump/${parts.join("/")}${dir ? "/" : ""}`;
                    const to = snapshotPath({ name, type: dir ? "directory" : "file" });
                    assert.deepEqual(to, { path: `dataset/${parts.join("/")}${dir ? "/" : ""}` });
                }),
            );
        });

        it("a name that climbs (..), is absolute, is elsewhere than vnv-dump/, or has a control character is refused", () => {
            fc.assert(
                fc.property(
                    fc.array(segment, { maxLength: 4 }),
                    fc.constantFrom("..", "", ".", "/etc", "other", "a\u001b[31m", "b\\c"),
                    fc.nat(4),
                    (parts, bad, at) => {
                        const all = [...parts];
                        all.splice(Math.min(at, all.length), 0, bad);
                        const name = bad === "other" || bad === "/etc" ? `${bad}/${parts.join("/")}` : `vnv-dump/${all.join("/")}`;
                        const to = snapshotPath({ name, type: "file" });
                        if ("path" in to) {
                            // Only an empty last part ("vnv-dump/a/") may pass, and a file there is a directory name.
                            assert.ok(bad === "" && at >= parts.length, `${JSON.stringify(name)} → ${to.path}`);
                        }
                    },
                ),
            );
        });

        for (const type of ["symlink", "link", "character-device", "block-device", "fifo"]) {
            it(`a ${type} is refused: a dump holds regular files and directories only`, () => {
                const to = snapshotPath({ name: "vnv-dump/graph", type });
                assert.ok("problem" in to);
                assert.match(to.problem, new RegExp(`is a ${type}`));
            });
        }

        it("a name starting with .wh. is refused: a layer takes it for a whiteout", () => {
            fc.assert(
                fc.property(fc.array(segment, { maxLength: 3 }), segment, fc.nat(3), (parts, rest, at) => {
                    const all = [...parts];
                    all.splice(Math.min(at, all.length), 0, `.wh.${rest}`);
                    const to = snapshotPath({ name: `vnv-dump/${all.join("/")}`, type: "file" });
                    assert.ok("problem" in to && /\.wh\./.test(to.problem), JSON.stringify(to));
                }),
            );
        });

        it("a name longer than 1024 characters is refused", () => {
            const to = snapshotPath({ name: `vnv-dump/${"a".repeat(1020)}`, type: "file" });
            assert.ok("problem" in to);
            assert.match(to.problem, /longer than 1024/);
        });

        it("a snapshot's default tag is a tag, and names the stack and the UTC time", () => {
            fc.assert(
                fc.property(fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2999-12-31T23:59:59Z"), noInvalidDate: true }), (at) => {
                    const tag = snapshotTag("v1-2-3-rc-1", at);
                    assert.ok(isImageTag(tag), tag);
                    assert.ok(tag.startsWith("v1-2-3-rc-1."), tag);
                    assert.equal(tag.slice(-15), at.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15));
                }),
            );
        });
    });

    describe("the layer made of a dump", () => {
        const tmp = useTempDir("vnv-snapshot-layer-");
        const DUMP: LayerEntry[] = [
            { name: "vnv-dump/" },
            { name: "vnv-dump/graph/" },
            { name: "vnv-dump/graph/nodes.csv", content: "id\n1\n" },
            { name: "vnv-dump/edges.csv", content: "from,to\n" },
        ];

        async function entriesOf(file: string): Promise<string[]> {
            const { extract } = await import("tar-stream");
            const ex = extract();
            const names: string[] = [];
            const done = (async () => {
                for await (const e of ex) {
                    names.push(`${e.header.type} ${e.header.name}`);
                    e.resume();
                }
            })();
            ex.end(gunzipSync(fs.readFileSync(file)));
            await done;
            return names;
        }

        it("replaces /dataset whole: its directory and an opaque whiteout first, then the dump's entries under dataset/", async () => {
            const file = path.join(tmp(), "layer.tar.gz");
            const layer = await snapshotLayer(once(await tarOf(DUMP)), file);
            assert.deepEqual(await entriesOf(file), [
                "directory dataset/",
                "file dataset/.wh..wh..opq",
                "directory dataset/graph/",
                "file dataset/graph/nodes.csv",
                "file dataset/edges.csv",
            ]);
            assert.equal(layer.files, 2);
            assert.equal(layer.bytes, 13);
        });

        it("its digest is the gzip's sha256 and its diff_id the tar's", async () => {
            const file = path.join(tmp(), "layer.tar.gz");
            const layer = await snapshotLayer(once(await tarOf(DUMP)), file);
            const gz = fs.readFileSync(file);
            assert.equal(layer.digest, sha256(gz));
            assert.equal(layer.size, gz.length);
            assert.equal(layer.diffId, sha256(gunzipSync(gz)));
        });

        it("the same files make the same layer (the same digest), whenever they were dumped", async () => {
            const dumpAt = async (mtime: Date) => {
                const { pack } = await import("tar-stream");
                const p = pack();
                p.entry({ name: "vnv-dump/", type: "directory", mtime });
                p.entry({ name: "vnv-dump/nodes.csv", mtime }, "id\n1\n");
                p.finalize();
                const chunks: Buffer[] = [];
                for await (const c of p) {
                    chunks.push(c as Buffer);
                }
                return Buffer.concat(chunks);
            };
            const early = await dumpAt(new Date("2026-01-01T00:00:00Z"));
            const late = await dumpAt(new Date("2026-12-01T00:00:00Z"));
            assert.notEqual(sha256(early), sha256(late));
            const a = await snapshotLayer(once(early), path.join(tmp(), "a.tar.gz"));
            const b = await snapshotLayer(once(late), path.join(tmp(), "b.tar.gz"));
            assert.equal(a.digest, b.digest);
        });

        it("a dump holding a symbolic link is refused whole, naming it, and no layer file is left", async () => {
            const file = path.join(tmp(), "layer.tar.gz");
            const dump = [...DUMP, { name: "vnv-dump/passwd", type: "symlink" as const, linkname: "/etc/passwd" }];
            await assert.rejects(snapshotLayer(once(await tarOf(dump)), file), (e: Error) => {
                assert.ok(e instanceof DumpRefusedError);
                assert.match(e.message, /"vnv-dump\/passwd" is a symlink/);
                return true;
            });
            assert.equal(fs.existsSync(file), false);
        });

        it("a dump of more entries than allowed is refused, and no layer file is left", async () => {
            const file = path.join(tmp(), "layer.tar.gz");
            await assert.rejects(snapshotLayer(once(await tarOf(DUMP)), file, { entries: 2, bytes: 1e9, path: 1024 }), /more than 2 entries/);
            assert.equal(fs.existsSync(file), false);
        });

        it("a dump of more bytes than allowed is refused, and no layer file is left", async () => {
            const file = path.join(tmp(), "layer.tar.gz");
            await assert.rejects(snapshotLayer(once(await tarOf(DUMP)), file, { entries: 100, bytes: 10, path: 1024 }), /more than 10 bytes/);
            assert.equal(fs.existsSync(file), false);
        });

        const refusals: [string, LayerEntry[], RegExp][] = [
            ["a path twice", [...DUMP, { name: "vnv-dump/edges.csv", content: "again" }], /"vnv-dump\/edges\.csv" twice/],
            [
                "a path under a file",
                [...DUMP, { name: "vnv-dump/edges.csv/" }, { name: "vnv-dump/edges.csv/x", content: "" }],
                /"vnv-dump\/edges\.csv\/" twice/,
            ],
            ["a file under a file", [...DUMP, { name: "vnv-dump/edges.csv/x", content: "" }], /under a file of the same name/],
            ["entries before the dump's own directory", [{ name: "vnv-dump/x.csv", content: "" }, ...DUMP], /does not start with its own directory/],
            ["no entry at all", [], /the dump is empty/],
            ["no file", [{ name: "vnv-dump/" }, { name: "vnv-dump/graph/" }], /holds no file/],
        ];
        for (const [what, dump, message] of refusals) {
            it(`a dump with ${what} is refused whole, and no layer file is left`, async () => {
                const file = path.join(tmp(), "layer.tar.gz");
                await assert.rejects(snapshotLayer(once(await tarOf(dump)), file), (e: Error) => e instanceof DumpRefusedError && message.test(e.message));
                assert.equal(fs.existsSync(file), false);
            });
        }

        it("a dump cut off in the middle of a file is a failure the caller catches, and no layer file is left", async () => {
            const file = path.join(tmp(), "layer.tar.gz");
            const whole = await tarOf([{ name: "vnv-dump/" }, { name: "vnv-dump/big.bin", content: "x".repeat(4 * 1024 * 1024) }]);
            const unhandled: unknown[] = [];
            const listen = (e: unknown) => unhandled.push(e);
            process.on("unhandledRejection", listen);
            try {
                await assert.rejects(snapshotLayer(once(whole.subarray(0, 2 * 1024 * 1024)), file), /Unexpected end of data/);
                await new Promise((resolve) => setTimeout(resolve, 200));
            } finally {
                process.off("unhandledRejection", listen);
            }
            assert.deepEqual(unhandled.map(String), [], "a rejection nobody handles ends a process run by node");
            assert.equal(fs.existsSync(file), false);
        });
    });
});

describe("@registry snapshots: the image, in a real registry", function () {
    this.timeout(60_000);
    const tmp = useTempDir("vnv-snapshot-image-");
    let reg: TestRegistry;
    const client = new RegistryClient({ credentials: () => undefined });
    const REPO = "infrasoftbe/dataset";
    let image: string;
    let base: string;

    before(async () => {
        reg = await startRegistry();
        image = `${reg.host}/${REPO}`;
        base = await pushStandinImage(reg.host, REPO, "2026.11", {
            kind: "dataset",
            service: "dataset",
            files: [
                { path: "nodes.csv", content: "id\n1\n" },
                { path: "edges.csv", content: "from,to\n" },
            ],
        });
    });
    after(async () => reg?.stop());

    async function layer() {
        const dump = await tarOf([{ name: "vnv-dump/" }, { name: "vnv-dump/nodes.csv", content: "id\n7\n" }]);
        return snapshotLayer(once(dump), path.join(tmp(), "layer.tar.gz"));
    }

    it("holds the dump's files under /dataset and none of the base dataset's", async () => {
        const pushed = await appendLayer(client, image, base, await layer(), { tag: "snap-1", labels: {}, createdBy: "test", created: new Date(0) });
        const to = path.join(tmp(), "files");
        const got = await extractImage(client, image, pushed.digest, { from: "/dataset", to });
        assert.deepEqual(got.files, ["nodes.csv"]);
        assert.equal(fs.readFileSync(path.join(to, "nodes.csv"), "utf8"), "id\n7\n");
    });

    it("carries the base's labels and the snapshot's", async () => {
        const pushed = await appendLayer(client, image, base, await layer(), {
            tag: "snap-2",
            labels: { "be.step-studio.vnv.dataset.source": "a test" },
            createdBy: "test",
            created: new Date(0),
        });
        const labels = await labelsOf(client, image, pushed.digest);
        assert.equal(labels["be.step-studio.vnv.dataset.source"], "a test");
        assert.equal((await client.resolve(image, "snap-2")).digest, pushed.digest);
    });

    it("a base whose config does not match its layers is refused and nothing is tagged", async () => {
        const hostile = await pushImage(reg, REPO, "hostile", "diff_ids that list no layer");
        await assert.rejects(
            appendLayer(client, image, hostile, await layer(), { tag: "snap-3", labels: {}, createdBy: "test", created: new Date(0) }),
            /rootfs\.diff_ids do not match its layers one for one; nothing was pushed/,
        );
        await assert.rejects(client.resolve(image, "snap-3"), (e: unknown) => e instanceof RegistryError && e.kind === "not-found");
    });

    it("a blob the repository holds already is not uploaded again", async () => {
        const bytes = randomBytes(1000);
        assert.equal(await client.pushBlob(image, sha256(bytes), bytes), "pushed");
        assert.equal(await client.pushBlob(image, sha256(bytes), bytes), "present");
    });
});

describe("snapshots: a registry that opens an upload elsewhere", () => {
    let server: http.Server;
    let origin = "";
    const uploads: string[] = [];
    let location: string | undefined;

    before(async () => {
        server = http.createServer((req, res) => {
            uploads.push(`${req.method} ${req.url}`);
            if (req.method === "HEAD") {
                res.writeHead(404).end();
            } else if (req.method === "POST") {
                res.writeHead(202, location === undefined ? {} : { location }).end();
            } else {
                res.writeHead(201).end();
            }
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        origin = `127.0.0.1:${(server.address() as { port: number }).port}`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    beforeEach(() => {
        uploads.length = 0;
    });

    for (const [what, to] of [
        ["on another origin", "http://127.0.0.2:9/v2/upload"],
        ["without a Location", undefined],
    ] as const) {
        it(`an upload opened ${what} is refused: the blob is never sent`, async () => {
            location = to;
            const client = new RegistryClient({ credentials: () => undefined });
            const bytes = Buffer.from("a blob");
            await assert.rejects(client.pushBlob(`${origin}/infrasoftbe/dataset`, sha256(bytes), bytes), /opened the upload at no URL of its own/);
            assert.deepEqual(
                uploads.map((u) => u.split(" ")[0]),
                ["HEAD", "POST"],
            );
        });
    }
});
