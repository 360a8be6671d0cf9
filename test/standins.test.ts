/**
 * @registry: the stand-in images written without Docker (standins/), pushed to the real registry
 * on loopback and read back through the registry API: the manifest, the config and the layers
 * agree (digests, diff ids of the uncompressed tars), and the layers hold what Docker runs
 * (modes, owners, links). Whether they run on Docker Engine is for a test with an engine.
 */
import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { extract as tarExtract, type Header } from "tar-stream";
import { startRegistry, type TestRegistry } from "../harness/registry";
import { RegistryClient } from "../registry/client";
import { extractImage } from "../registry/extract";
import { busyboxBinary, staticElfProblem } from "../standins/busybox";
import { pushStandin, pushStandinImage, type StandinSpec } from "../standins/images";
import { CONFIG_TYPE, LAYER_TYPE, MANIFEST_TYPE } from "../standins/oci";
import { pushS3Api, versitygwBinary } from "../standins/s3api";

interface Manifest {
    mediaType: string;
    config: { mediaType: string; digest: string; size: number };
    layers: Array<{ mediaType: string; digest: string; size: number }>;
}
interface Config {
    architecture: string;
    os: string;
    config: Record<string, unknown> & { Healthcheck?: { Test: string[] }; Env?: string[]; User?: string; Entrypoint?: string[] };
    rootfs: { type: string; diff_ids: string[] };
    history: unknown[];
}
type Files = Map<string, { header: Header; content: Buffer }>;

const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

async function entriesOf(tar: Buffer): Promise<Files> {
    const files: Files = new Map();
    const x = tarExtract();
    x.on("entry", (header, stream, next) => {
        const parts: Buffer[] = [];
        stream.on("data", (c: unknown) => parts.push(c as Buffer)); // tar-stream streams Buffers
        stream.on("end", () => {
            files.set(header.name, { header, content: Buffer.concat(parts) });
            next();
        });
    });
    const done = new Promise<void>((resolve, reject) => {
        x.on("finish", resolve);
        x.on("error", reject);
    });
    x.end(tar);
    await done;
    return files;
}

/** The image `repo:tag` as the registry holds it: manifest, config, and every layer's files (checked against the digests). */
async function readBack(client: RegistryClient, image: string, tag: string) {
    const m = await client.manifest(image, tag);
    const manifest = JSON.parse(m.bytes.toString("utf8")) as Manifest;
    const config = JSON.parse((await client.blob(image, manifest.config.digest, 1 << 20)).toString("utf8")) as Config;
    const layers: Files[] = [];
    const diffIds: string[] = [];
    for (const l of manifest.layers) {
        const tar = gunzipSync(await client.blob(image, l.digest, 100 << 20));
        diffIds.push(sha(tar));
        layers.push(await entriesOf(tar));
    }
    const files: Files = new Map();
    for (const layer of layers) for (const [k, v] of layer) files.set(k, v);
    return { digest: m.digest, mediaType: m.mediaType, manifest, config, diffIds, files, layers };
}

describe("@registry stand-in images written without Docker", function () {
    this.timeout(120_000);
    let reg: TestRegistry;
    let client: RegistryClient;
    const busyboxSize = () => fs.statSync("/bin/busybox").size;

    before(async () => {
        reg = await startRegistry();
        client = new RegistryClient({ credentials: () => undefined, backoffMs: 10 });
    });
    after(async () => {
        await reg?.stop();
    });

    const specs: Record<StandinSpec["kind"], StandinSpec> = {
        http: { kind: "http", service: "api", port: 8081 },
        database: { kind: "database", service: "neo4j" },
        frontend: { kind: "frontend", service: "web" },
        dataset: { kind: "dataset", service: "dataset", files: [{ path: "nodes.csv", content: "id\n1\n" }] },
    };
    for (const [kind, spec] of Object.entries(specs)) {
        it(`${kind}: the tag names the digest pushed, a docker v2 manifest of gzip layers whose diff ids are the uncompressed tars'`, async () => {
            const digest = await pushStandinImage(`http://${reg.host}`, `demo/${kind}`, "v1.2.3", spec);
            const got = await readBack(client, `${reg.host}/demo/${kind}`, "v1.2.3");
            assert.equal(got.digest, digest);
            assert.equal(got.mediaType, MANIFEST_TYPE);
            assert.equal(got.manifest.config.mediaType, CONFIG_TYPE);
            assert.deepEqual(
                got.manifest.layers.map((l) => l.mediaType),
                // The busybox base, the program; a dataset's files in a layer of their own.
                kind === "dataset" ? [LAYER_TYPE, LAYER_TYPE, LAYER_TYPE] : [LAYER_TYPE, LAYER_TYPE],
            );
            assert.deepEqual(got.config.rootfs, { type: "layers", diff_ids: got.diffIds });
            assert.equal(got.config.history.length, got.manifest.layers.length);
            assert.deepEqual([got.config.architecture, got.config.os], ["amd64", "linux"]);
        });
    }

    it("the base layer: an executable static busybox, its applets linked to it, /tmp writable by all", async () => {
        await pushStandinImage(reg.host, "demo/base", "v1", specs.http);
        const { files } = await readBack(client, `${reg.host}/demo/base`, "v1");
        const busybox = files.get("bin/busybox");
        assert.equal(busybox?.header.mode, 0o755);
        assert.equal(busybox?.content.length, busyboxSize());
        assert.equal(staticElfProblem(busybox.content), undefined);
        for (const applet of ["sh", "httpd", "nc", "wget", "sed", "test"]) {
            assert.deepEqual([files.get(`bin/${applet}`)?.header.type, files.get(`bin/${applet}`)?.header.linkname], ["symlink", "busybox"], applet);
        }
        assert.equal(files.get("tmp/")?.header.mode, 0o1777);
        assert.match(files.get("etc/passwd")?.content.toString() ?? "", /^nobody:x:65534:65534:/m);
    });

    it("http: an executable entrypoint script run as nobody on the port asked, its health check on /health", async () => {
        await pushStandinImage(reg.host, "demo/http", "v2.0.0", specs.http);
        const { files, config } = await readBack(client, `${reg.host}/demo/http`, "v2.0.0");
        const entrypoint = config.config.Entrypoint?.[0] ?? "";
        assert.equal(entrypoint, "/usr/local/bin/standin-http");
        assert.equal(files.get(entrypoint.slice(1))?.header.mode, 0o755);
        assert.match(files.get(entrypoint.slice(1))?.content.toString() ?? "", /^#!\/bin\/sh\n/);
        assert.deepEqual(config.config.ExposedPorts, { "8081/tcp": {} });
        assert.equal(config.config.User, "65534:65534");
        assert.ok(config.config.Env?.includes("STANDIN_VERSION=v2.0.0"));
        assert.ok(config.config.Env?.includes("STANDIN_SHOW_ENV=RELEASE_VERSION IMAGE_DIGEST"));
        assert.match(config.config.Healthcheck?.Test.join(" ") ?? "", /^CMD-SHELL wget .*\/health/);
    });

    it("database: /data is a volume owned by nobody, and its health check reads /data/created", async () => {
        await pushStandinImage(reg.host, "demo/db", "v1", specs.database);
        const { files, config } = await readBack(client, `${reg.host}/demo/db`, "v1");
        assert.deepEqual([files.get("data/")?.header.uid, files.get("data/")?.header.mode], [65534, 0o755]);
        assert.deepEqual(config.config.Volumes, { "/data": {} });
        assert.deepEqual(config.config.ExposedPorts, { "7687/tcp": {} });
        assert.match(config.config.Healthcheck?.Test[1] ?? "", /test -f \/data\/created/);
    });

    it("frontend: vnv's own extraction takes its files out of /usr/share/nginx/html, naming the version", async () => {
        const digest = await pushStandinImage(reg.host, "demo/web", "v3.1.0", specs.frontend);
        const to = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-standins-"));
        try {
            const out = await extractImage(client, `${reg.host}/demo/web`, "v3.1.0", { from: "/usr/share/nginx/html", to: path.join(to, "site") });
            assert.equal(out.digest, digest);
            assert.deepEqual(out.files, ["assets/app.js", "index.html"]);
            assert.match(fs.readFileSync(path.join(to, "site", "index.html"), "utf8"), /<span id="version">v3\.1\.0<\/span>/);
        } finally {
            fs.rmSync(to, { recursive: true, force: true });
        }
    });

    it("the same stand-in pushed twice has one digest; another version shares every layer and differs in its config", async () => {
        const a = await pushStandinImage(reg.host, "demo/same", "v1.0.0", specs.http);
        const again = await pushStandinImage(reg.host, "demo/same", "v1.0.0", specs.http);
        await pushStandinImage(reg.host, "demo/same", "v1.0.1", specs.http);
        const one = await readBack(client, `${reg.host}/demo/same`, "v1.0.0");
        const two = await readBack(client, `${reg.host}/demo/same`, "v1.0.1");
        assert.equal(again, a);
        assert.deepEqual(two.manifest.layers, one.manifest.layers);
        assert.notEqual(two.manifest.config.digest, one.manifest.config.digest);
    });

    it("a second push sends only what the registry lacks: blobs it has are not uploaded again", async () => {
        const first = await pushStandin(reg.host, "demo/again", "v1", specs.database);
        const second = await pushStandin(reg.host, "demo/again", "v2", specs.database);
        assert.ok(first.bytesPushed > busyboxSize() / 3, `first push ${first.bytesPushed} bytes`);
        assert.ok(second.bytesPushed < 4096, `second push ${second.bytesPushed} bytes`);
    });

    it("refuses names a registry would refuse, before sending anything", async () => {
        await assert.rejects(pushStandinImage(reg.host, "Demo/UPPER", "v1", specs.http), /not a repository name/);
        await assert.rejects(pushStandinImage(reg.host, "demo/x", "v1/../x", specs.http), /not a tag/);
        await assert.rejects(pushStandinImage(reg.host, "demo/x", "v1", { ...specs.http, service: "a b" } as StandinSpec), /not a service name/);
        await assert.rejects(pushStandinImage(reg.host, "demo/x", "v1", { kind: "http", service: "a", port: 8080, showEnv: ["A;rm"] }), /not a variable/);
    });

    it("s3api: versitygw, static and executable, started by its script as nobody, /health its health check", async () => {
        const pushed = await pushS3Api(reg.host, "demo/s3api", "v1.8.0");
        const { files, config, digest } = await readBack(client, `${reg.host}/demo/s3api`, "v1.8.0");
        const binary = files.get("usr/local/bin/versitygw");
        assert.equal(digest, pushed.digest);
        assert.equal(pushed.reference, `${reg.host}/demo/s3api@${digest}`);
        assert.equal(binary?.header.mode, 0o755);
        assert.equal(binary?.content.length, fs.statSync(versitygwBinary()).size);
        assert.equal(staticElfProblem(binary.content), undefined);
        assert.deepEqual([config.config.Entrypoint, config.config.Cmd], [["/usr/local/bin/s3api-start"], ["posix", "/data/buckets"]]);
        assert.equal(files.get("data/meta/")?.header.uid, 65534);
        assert.ok(config.config.Env?.includes("VGW_PORT=:7070"));
        assert.match(config.config.Healthcheck?.Test[1] ?? "", /wget .*:\$\{VGW_PORT##\*:\}\/health/);
    });
});

describe("a static busybox", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-busybox-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("/bin/busybox when VNV_BUSYBOX is not set and it is static", async () => {
        assert.equal(await busyboxBinary({}), "/bin/busybox");
    });

    it("VNV_BUSYBOX that is not a program: an error saying to install busybox-static", async () => {
        const file = path.join(dir, "busybox");
        fs.writeFileSync(file, "#!/bin/sh\n", { mode: 0o755 });
        await assert.rejects(busyboxBinary({ VNV_BUSYBOX: file }), /not an ELF program: install Debian's busybox-static/);
    });

    it("VNV_BUSYBOX that needs a dynamic loader is refused", async () => {
        await assert.rejects(busyboxBinary({ VNV_BUSYBOX: process.execPath }), /dynamically linked/);
    });

    it("an ELF program for another machine is refused", () => {
        const elf = Buffer.from(fs.readFileSync("/bin/busybox").subarray(0, 4096));
        elf.writeUInt16LE(183, 18); // EM_AARCH64
        assert.match(staticElfProblem(elf) ?? "", /not x86-64/);
    });
});
