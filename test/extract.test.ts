/**
 * @registry: the frontend's static files taken out of a multi-layer image through the registry
 * API, without Docker, against the real registry on loopback.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RegistryClient } from "../registry/client";
import { extractImage } from "../registry/extract";
import { frontendFiles } from "../infra/environment";
import { stackSettings } from "./fixtures";
import { type LayerEntry, type LayerSpec, pushLayeredImage } from "./support/layers";
import { startRegistry, type TestRegistry } from "./support/registry";

const ROOT = "usr/share/nginx/html";

/** The bottom layer of most images here: nginx's configuration and a first version of the site. */
const BASE: LayerSpec = {
    compression: "gzip",
    entries: [
        { name: "etc/nginx/nginx.conf", content: "worker_processes 1;" },
        { name: `${ROOT}/index.html`, content: "<h1>old</h1>" },
        { name: `${ROOT}/assets/app.1a2b3c.js`, content: "console.log(1)" },
        { name: `${ROOT}/debug.map`, content: "secret source map" },
        { name: `${ROOT}/old/a.txt`, content: "a" },
    ],
};

/** A second layer: a new index, a whiteout, an opaque directory with a new file. */
const UPDATE: LayerEntry[] = [
    { name: `./${ROOT}/index.html`, content: "<h1>v2</h1>" },
    { name: `${ROOT}/.wh.debug.map`, content: "" },
    { name: `${ROOT}/old/.wh..wh..opq`, content: "" },
    { name: `${ROOT}/old/b.txt`, content: "b" },
];

describe("@registry the frontend's files out of its image", function () {
    this.timeout(60_000);
    let reg: TestRegistry;
    let dir: string;
    let tmp: string;
    const savedTmpdir = process.env.TMPDIR;
    const client = new RegistryClient({ credentials: () => undefined, backoffMs: 10 });
    const image = () => `${reg.host}/infrasoftbe/app`;
    before(async () => {
        reg = await startRegistry();
        // The program keeps extractions under os.tmpdir(): this suite's own, removed after it.
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-extract-tmp-"));
        process.env.TMPDIR = tmp;
    });
    after(async () => {
        process.env.TMPDIR = savedTmpdir;
        if (savedTmpdir === undefined) {
            delete process.env.TMPDIR;
        }
        fs.rmSync(tmp, { recursive: true, force: true });
        await reg.stop();
    });
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(tmp, "vnv-extract-"));
    });
    afterEach(() => {
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const push = (tag: string, layers: readonly LayerSpec[]) => pushLayeredImage(reg, "infrasoftbe/app", tag, layers);
    const twoLayers = (tag: string, more: readonly LayerEntry[] = []) => push(tag, [BASE, { compression: "zstd", entries: [...UPDATE, ...more] }]);
    const extract = (tag: string, options: Partial<Parameters<typeof extractImage>[3]> = {}) =>
        extractImage(client, image(), tag, { from: `/${ROOT}`, to: dir, ...options });
    /** The program's extraction of `digest` (what a deploy runs). */
    const deployFiles = (digest: string, root = `/${ROOT}`) => {
        const base = stackSettings("dev");
        return frontendFiles({ ...base, frontend: { ...base.frontend, image: image(), digest, root } });
    };

    it("takes the directory's files, top layer last: a changed file is the top one, others kept", async () => {
        await twoLayers("v1.0.0");
        const r = await extract("v1.0.0");
        assert.deepEqual(r.files, ["assets/app.1a2b3c.js", "index.html", "old/b.txt"]);
        assert.equal(fs.readFileSync(path.join(dir, "index.html"), "utf8"), "<h1>v2</h1>");
        assert.ok(!fs.existsSync(path.join(dir, "etc")), "a file outside the directory was taken");
    });

    it("honours whiteouts: a deleted file and an opaque directory's lower content are gone", async () => {
        await twoLayers("v1.0.1");
        const r = await extract("v1.0.1");
        assert.ok(!r.files.includes("debug.map"));
        assert.ok(!r.files.includes("old/a.txt"));
        assert.ok(r.files.includes("old/b.txt"));
    });

    it("a refused entry fails the extraction, naming each refused path and why, and writes nothing", async () => {
        await twoLayers("v1.0.2", [
            { name: `${ROOT}/../../../../tmp/evil.txt`, content: "pwned" },
            { name: `${ROOT}/link`, type: "symlink", linkname: "/etc/passwd" },
        ]);
        await assert.rejects(extract("v1.0.2"), (e: Error) => {
            assert.match(e.message, /2 entries of the image refused/);
            assert.match(e.message, /"usr\/share\/nginx\/html\/..\/..\/..\/..\/tmp\/evil.txt": climbs out of the image's root/);
            assert.match(e.message, /"usr\/share\/nginx\/html\/link": a symlink entry to "\/etc\/passwd": only plain files and directories are copied/);
            return true;
        });
        assert.deepEqual(fs.readdirSync(dir), [], "files were written although the extraction failed");
        assert.ok(!fs.existsSync("/tmp/evil.txt") || fs.readFileSync("/tmp/evil.txt", "utf8") !== "pwned");
    });

    it("the program takes the pinned frontend image's files once per digest, for the bucket", async () => {
        const digest = await twoLayers("v1.0.4");
        const files = await deployFiles(digest);
        assert.deepEqual(
            files.map((f) => f.key),
            ["assets/app.1a2b3c.js", "index.html", "old/b.txt"],
        );
        assert.equal(fs.readFileSync(files.find((f) => f.key === "index.html")!.path, "utf8"), "<h1>v2</h1>");
        assert.deepEqual(await deployFiles(digest), files, "a second run reads the same files again");
    });

    it("stops at the size and file-count limits, naming them", async () => {
        await twoLayers("v1.0.3");
        await assert.rejects(extract("v1.0.3", { maxFiles: 2 }), /3 files .* more than the 2 allowed/);
        await assert.rejects(extract("v1.0.3", { maxBytes: 10 }), /more than the 10 allowed/);
    });
});
