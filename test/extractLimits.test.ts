/**
 * The frontend extraction is bounded while it streams: decompressed bytes (one layer, all
 * layers), tar entries, zstd windows (@registry: against the real registry on loopback, with
 * compression bombs built in the test); and what a registry answers is checked before layers are
 * read: descriptors, media types, the number of layers, each layer's digest (a scripted server
 * on loopback, which can answer what no real registry would).
 */
import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { RegistryClient } from "../registry/client";
import { type ExtractOptions, extractImage } from "../registry/extract";
import { gzipBomb, type LayerEntry, pushLayeredImage, tarOf, zstdBomb, zstdDeclaring } from "../harness/layers";
import { startRegistry, type TestRegistry } from "../harness/registry";

const ROOT = "usr/share/nginx/html";
const MiB = 1024 * 1024;
const SITE: LayerEntry[] = [{ name: `${ROOT}/index.html`, content: "<h1>x</h1>" }];

/** Runs `work`, sampling the resident set size meanwhile: its growth at the peak, and how `work` ended. */
async function rssGrowth(work: () => Promise<unknown>): Promise<{ growth: number; error: unknown }> {
    const base = process.memoryUsage().rss;
    let peak = base;
    const sample = () => {
        peak = Math.max(peak, process.memoryUsage().rss);
    };
    const timer = setInterval(sample, 5);
    let error: unknown;
    try {
        await work();
    } catch (e) {
        error = e;
    } finally {
        clearInterval(timer);
        sample();
    }
    return { growth: peak - base, error };
}

describe("@registry the frontend extraction is bounded while it streams", function () {
    this.timeout(120_000);
    let reg: TestRegistry;
    let dir: string;
    const client = new RegistryClient({ credentials: () => undefined, backoffMs: 10 });
    before(async () => {
        reg = await startRegistry();
    });
    after(async () => {
        await reg.stop();
    });
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-extract-limits-"));
    });
    afterEach(() => {
        fs.rmSync(dir, { recursive: true, force: true });
    });
    const extract = (tag: string, options: Partial<ExtractOptions> = {}) =>
        extractImage(client, `${reg.host}/infrasoftbe/app`, tag, { from: `/${ROOT}`, to: dir, ...options });

    for (const [kind, bomb] of [
        ["gzip", gzipBomb],
        ["zstd", zstdBomb],
    ] as const) {
        it(`a small ${kind} layer that decompresses to 1 GiB stops at the layer's limit, without the memory growing with it`, async () => {
            const bytes = await bomb("var/cache/big.bin", 1024);
            assert.ok(bytes.length < 2 * MiB, `the bomb is ${bytes.length} bytes`);
            const digest = await pushLayeredImage(reg, "infrasoftbe/app", `${kind}-bomb`, [
                { compression: "gzip", entries: SITE },
                { compression: kind, bytes },
            ]);
            const { growth, error } = await rssGrowth(() => extract(`${kind}-bomb`, { maxUnpackedLayerBytes: 128 * MiB }));
            assert.ok(growth < 200 * MiB, `the resident set grew by ${Math.round(growth / MiB)} MiB`);
            assert.match(
                String(error),
                /layer 2 of 2 \(sha256:[0-9a-f]{64}\) decompresses to more than the 134217728 bytes allowed for one layer; stopped there/,
            );
            assert.ok(String(error).includes(digest), "the error names the image's digest");
            assert.deepEqual(fs.readdirSync(dir), []);
        });
    }

    it("the layers together stop at the limit for all of them, naming the layer where it was passed", async () => {
        const bytes = await gzipBomb("var/cache/big.bin", 48);
        await pushLayeredImage(reg, "infrasoftbe/app", "two-bombs", [
            { compression: "gzip", bytes },
            { compression: "gzip", bytes },
        ]);
        await assert.rejects(
            extract("two-bombs", { maxUnpackedLayerBytes: 64 * MiB, maxUnpackedBytes: 64 * MiB }),
            /the layers decompress to more than the 67108864 bytes allowed for all layers together; stopped at layer 2 of 2/,
        );
    });

    it("a zstd frame asking for a window beyond 8 MiB is refused before it is decoded", async () => {
        const tar = await tarOf(SITE);
        await pushLayeredImage(reg, "infrasoftbe/app", "wide-window", [{ compression: "zstd", bytes: zstdDeclaring(tar, 1024 * MiB) }]);
        const { growth, error } = await rssGrowth(() => extract("wide-window"));
        assert.ok(growth < 200 * MiB, `the resident set grew by ${Math.round(growth / MiB)} MiB`);
        assert.match(String(error), /a zstd frame needs a window of 1073741824 bytes, more than the 8388608 allowed/);
    });

    it("the number of tar entries is bounded, outside the root too", async () => {
        const many: LayerEntry[] = Array.from({ length: 30 }, (_, i) => ({ name: `var/lib/x${i}`, content: "" }));
        await pushLayeredImage(reg, "infrasoftbe/app", "many-entries", [{ compression: "gzip", entries: [...SITE, ...many] }]);
        await assert.rejects(extract("many-entries", { maxEntries: 20 }), /more than the 20 tar entries allowed in all layers together/);
    });
});

/** A registry on loopback answering any manifest request with `manifest` and any blob request with `blob`; the paths asked for are kept. */
async function scriptedRegistry(manifest: object, blob: Buffer): Promise<{ host: string; paths: string[]; close(): Promise<void> }> {
    const paths: string[] = [];
    const body = Buffer.from(JSON.stringify(manifest));
    const server = http.createServer((req, res) => {
        paths.push(req.url ?? "");
        if (req.url?.includes("/manifests/")) {
            res.writeHead(200, { "content-type": "application/vnd.oci.image.manifest.v1+json" }).end(body);
        } else {
            res.writeHead(200, { "content-type": "application/octet-stream" }).end(blob);
        }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return {
        host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
        paths,
        close: () => {
            server.closeAllConnections();
            return new Promise<void>((r) => server.close(() => r()));
        },
    };
}

const manifestOf = (layers: object[]) => ({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", size: 2, digest: `sha256:${"0".repeat(64)}` },
    layers,
});

describe("the frontend extraction checks what a registry answers before it reads layers", () => {
    let dir: string;
    const client = new RegistryClient({ credentials: () => undefined, backoffMs: 10, attempts: 1 });
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-extract-answers-"));
    });
    afterEach(() => {
        fs.rmSync(dir, { recursive: true, force: true });
    });
    async function extractFrom(manifest: object, blob: Buffer): Promise<{ error: unknown; paths: string[] }> {
        const reg = await scriptedRegistry(manifest, blob);
        try {
            await extractImage(client, `${reg.host}/infrasoftbe/app`, "v1.0.0", { from: `/${ROOT}`, to: dir });
            return { error: undefined, paths: reg.paths };
        } catch (e) {
            return { error: e, paths: reg.paths };
        } finally {
            await reg.close();
        }
    }

    it("a layer whose bytes do not hash to its digest fails the extraction, and nothing is written", async () => {
        const good = await tarOf(SITE);
        const forged = await tarOf([{ name: `${ROOT}/index.html`, content: "<h1>forged</h1>" }]);
        const digest = `sha256:${createHash("sha256").update(good).digest("hex")}`;
        const { error } = await extractFrom(manifestOf([{ mediaType: "application/vnd.oci.image.layer.v1.tar", size: good.length, digest }]), forged);
        assert.match(String(error), new RegExp(`${digest}: the blob hashes to sha256:`));
        assert.deepEqual(fs.readdirSync(dir), []);
    });

    it("a layer descriptor without a sha256 digest is refused before any blob is asked for", async () => {
        const { error, paths } = await extractFrom(
            manifestOf([{ mediaType: "application/vnd.oci.image.layer.v1.tar", size: 1, digest: "../../x" }]),
            Buffer.alloc(0),
        );
        assert.match(String(error), /layer 1 is not a descriptor with a sha256 digest and a media type/);
        assert.deepEqual(
            paths.filter((p) => p.includes("/blobs/")),
            [],
        );
    });

    it("a layer of a media type that is not a tar layer is refused, naming it, before any blob is asked for", async () => {
        const digest = `sha256:${"1".repeat(64)}`;
        const { error, paths } = await extractFrom(manifestOf([{ mediaType: "application/x-\u001b[31mrar", size: 1, digest }]), Buffer.alloc(0));
        assert.match(String(error), /layer 1 \(sha256:1{64}\) has the media type "application\/x-\\u001b\[31mrar", not a tar layer vnv can unpack/);
        assert.deepEqual(
            paths.filter((p) => p.includes("/blobs/")),
            [],
        );
    });

    it("an image of more than 128 layers is refused before any blob is asked for", async () => {
        const layer = { mediaType: "application/vnd.oci.image.layer.v1.tar", size: 1, digest: `sha256:${"1".repeat(64)}` };
        const { error, paths } = await extractFrom(manifestOf(Array.from({ length: 129 }, () => layer)), Buffer.alloc(0));
        assert.match(String(error), /129 layers, more than the 128 allowed/);
        assert.deepEqual(
            paths.filter((p) => p.includes("/blobs/")),
            [],
        );
    });

    it("a layer is cut off as it streams once it passes its compressed limit, even without a Content-Length", async () => {
        let sent = 0;
        let closed = false;
        // Zeros (a tar archive's end blocks, which a reader skips), 64 KiB every 5 ms, without end.
        const server = http.createServer((req, res) => {
            if (req.url?.includes("/manifests/")) {
                const layer = { mediaType: "application/vnd.oci.image.layer.v1.tar", size: 1, digest: `sha256:${"1".repeat(64)}` };
                res.writeHead(200, { "content-type": "application/vnd.oci.image.manifest.v1+json" }).end(JSON.stringify(manifestOf([layer])));
                return;
            }
            res.writeHead(200, { "content-type": "application/octet-stream" });
            const timer = setInterval(() => {
                sent += 64 * 1024;
                res.write(Buffer.alloc(64 * 1024));
            }, 5);
            res.on("close", () => {
                closed = true;
                clearInterval(timer);
            });
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        try {
            const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
            const quick = new RegistryClient({ credentials: () => undefined, attempts: 1, timeoutMs: 10_000 });
            await assert.rejects(
                extractImage(quick, `${host}/infrasoftbe/app`, "v1.0.0", { from: `/${ROOT}`, to: dir, maxLayerBytes: MiB }),
                /sha256:1{64}: more than the 1048576 bytes allowed/,
            );
            await new Promise((r) => setTimeout(r, 100));
            assert.ok(closed, "the download was not cancelled");
            assert.ok(sent < 16 * MiB, `${sent} bytes were sent`);
        } finally {
            server.closeAllConnections();
            await new Promise<void>((r) => server.close(() => r()));
        }
    });
});
