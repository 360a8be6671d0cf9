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
import { shortHash } from "../rules/naming";
import { stackSettings } from "../harness/fixtures";
import { type LayerEntry, type LayerSpec, pushLayeredImage } from "../harness/layers";
import { startRegistry, type TestRegistry } from "../harness/registry";

const ROOT = "usr/share/nginx/html";

/** The bottom layer of most images here: nginx's configuration and a first version of the site. */
const BASE_ENTRIES: LayerEntry[] = [
    { name: "etc/nginx/nginx.conf", content: "worker_processes 1;" },
    { name: `${ROOT}/index.html`, content: "<h1>old</h1>" },
    { name: `${ROOT}/assets/app.1a2b3c.js`, content: "console.log(1)" },
    { name: `${ROOT}/debug.map`, content: "secret source map" },
    { name: `${ROOT}/old/a.txt`, content: "a" },
];
const BASE: LayerSpec = { compression: "gzip", entries: BASE_ENTRIES };

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

    it("the deploy fails when the root matches nothing in the image, naming the image, its digest and the root", async () => {
        const digest = await push("v2.0.0", [BASE]);
        await assert.rejects(deployFiles(digest, "/usr/share/nginx/www"), (e: Error) => {
            assert.ok(e.message.includes(`${image()}@${digest}`), e.message);
            assert.match(e.message, /directory "\/usr\/share\/nginx\/www": matches nothing in the image/);
            return true;
        });
    });

    it("the deploy fails when the root is a symbolic link, naming where it points", async () => {
        const digest = await push("v2.0.1", [
            {
                compression: "gzip",
                entries: [
                    { name: "srv/site/index.html", content: "<h1>x</h1>" },
                    { name: ROOT, type: "symlink", linkname: "/srv/site" },
                ],
            },
        ]);
        await assert.rejects(
            deployFiles(digest),
            /@sha256:[0-9a-f]{64}, directory "\/usr\/share\/nginx\/html": is a symbolic link to "\/srv\/site", not a directory/,
        );
    });

    it("the deploy fails when an ancestor of the root is a symbolic link", async () => {
        const digest = await push("v2.0.2", [
            {
                compression: "gzip",
                entries: [
                    { name: "opt/nginx/html/index.html", content: "<h1>x</h1>" },
                    { name: "usr/share/nginx", type: "symlink", linkname: "/opt/nginx" },
                ],
            },
        ]);
        await assert.rejects(deployFiles(digest), /its ancestor "\/usr\/share\/nginx" is a symbolic link to "\/opt\/nginx", not a directory/);
    });

    it("the deploy fails when the root holds no files", async () => {
        const digest = await push("v2.0.3", [{ compression: "gzip", entries: [{ name: `${ROOT}/` }, { name: `${ROOT}/static/` }] }]);
        await assert.rejects(deployFiles(digest), /directory "\/usr\/share\/nginx\/html": holds no files/);
    });

    it("the deploy fails when index.html is not at the root's top, naming the one found deeper", async () => {
        const digest = await push("v2.0.4", [
            {
                compression: "gzip",
                entries: [
                    { name: `${ROOT}/dist/index.html`, content: "<h1>x</h1>" },
                    { name: `${ROOT}/dist/app.js`, content: "1" },
                ],
            },
        ]);
        await assert.rejects(deployFiles(digest), /has no index.html at its top \(there is "dist\/index.html": the root is likely one directory too high\)/);
    });

    it("a kept extraction whose listing fails the rules is not deployed: the image is extracted again", async () => {
        const digest = await twoLayers("v2.0.5");
        const kept = path.join(tmp, "vnv-frontend", `${digest.replace(":", "-")}-${shortHash(`/${ROOT}`)}`);
        fs.mkdirSync(kept, { recursive: true });
        fs.writeFileSync(`${kept}.files.json`, "[]");
        assert.deepEqual(
            (await deployFiles(digest)).map((f) => f.key),
            ["assets/app.1a2b3c.js", "index.html", "old/b.txt"],
        );
    });

    it("refusals are listed 20 at most, then counted; each name is shown escaped", async () => {
        const hostile = `${ROOT}/\u001b[2J\u202egnp.exe`;
        const links: LayerEntry[] = Array.from({ length: 25 }, (_, i) => ({ name: `${ROOT}/l${i}`, type: "symlink" as const, linkname: "x" }));
        await twoLayers("v2.0.6", [{ name: hostile, type: "symlink", linkname: "/\u009b31m" }, ...links]);
        await assert.rejects(extract("v2.0.6"), (e: Error) => {
            assert.match(e.message, /26 entries of the image refused/);
            assert.equal(e.message.split("\n").filter((l) => l.includes(": a symlink entry to")).length, 20);
            assert.match(e.message, /… and 6 more$/);
            assert.ok(e.message.includes('html/\\u001b[2J\\u202egnp.exe": a symlink entry to "/\\x9b31m"'), e.message);
            const raw = e.message.split("\n").filter((l) => /[\p{Cc}\p{Cf}]/u.test(l));
            assert.deepEqual(raw, [], "a raw control or bidi character reached the message");
            return true;
        });
    });

    it("a whiteout of the root itself deletes the lower layers' files under it; what its own layer adds stays", async () => {
        await push("v3.0.0", [
            BASE,
            {
                compression: "zstd",
                entries: [
                    { name: "usr/share/nginx/.wh.html", content: "" },
                    { name: `${ROOT}/index.html`, content: "new" },
                ],
            },
        ]);
        assert.deepEqual((await extract("v3.0.0")).files, ["index.html"]);
        assert.equal(fs.readFileSync(path.join(dir, "index.html"), "utf8"), "new");
    });

    it("a whiteout of an ancestor of the root deletes the root's files", async () => {
        await push("v3.0.1", [BASE, { compression: "zstd", entries: [{ name: "usr/share/.wh.nginx", content: "" }] }]);
        await assert.rejects(extract("v3.0.1"), /matches nothing in the image \("\/usr\/share\/nginx" is not in the image\)/);
    });

    it("an opaque marker in an ancestor of the root deletes the lower layers' files under the root", async () => {
        await push("v3.0.2", [
            BASE,
            {
                compression: "zstd",
                entries: [
                    { name: "usr/share/nginx/.wh..wh..opq", content: "" },
                    { name: `${ROOT}/index.html`, content: "new" },
                ],
            },
        ]);
        assert.deepEqual((await extract("v3.0.2")).files, ["index.html"]);
    });

    it("whiteouts apply at any depth and spare what their own layer adds, whatever the order of the archive", async () => {
        await push("v3.0.3", [
            {
                compression: "gzip",
                entries: [...BASE_ENTRIES, { name: `${ROOT}/a/b/c/d.txt`, content: "d" }, { name: `${ROOT}/a/b/c/e.txt`, content: "e" }],
            },
            {
                compression: "gzip",
                entries: [
                    { name: `${ROOT}/assets/new.js`, content: "2" },
                    { name: `${ROOT}/.wh.assets`, content: "" },
                    { name: `${ROOT}/a/b/c/.wh.d.txt`, content: "" },
                ],
            },
        ]);
        assert.deepEqual((await extract("v3.0.3")).files, ["a/b/c/e.txt", "assets/new.js", "debug.map", "index.html", "old/a.txt"]);
    });

    it("a directory replaces a file of the same path from a lower layer", async () => {
        await push("v3.0.4", [
            {
                compression: "gzip",
                entries: [
                    { name: `${ROOT}/index.html`, content: "i" },
                    { name: `${ROOT}/docs`, content: "a file" },
                ],
            },
            { compression: "gzip", entries: [{ name: `${ROOT}/docs/` }, { name: `${ROOT}/docs/index.html`, content: "d" }] },
        ]);
        assert.deepEqual((await extract("v3.0.4")).files, ["docs/index.html", "index.html"]);
        assert.equal(fs.readFileSync(path.join(dir, "docs", "index.html"), "utf8"), "d");
    });

    it("a file replaces a directory of the same path from a lower layer, and everything under it", async () => {
        await push("v3.0.5", [
            {
                compression: "gzip",
                entries: [
                    { name: `${ROOT}/index.html`, content: "i" },
                    { name: `${ROOT}/docs/a.html`, content: "a" },
                ],
            },
            { compression: "gzip", entries: [{ name: `${ROOT}/docs`, content: "now a file" }] },
        ]);
        assert.deepEqual((await extract("v3.0.5")).files, ["docs", "index.html"]);
        assert.equal(fs.readFileSync(path.join(dir, "docs"), "utf8"), "now a file");
    });
});
