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
import { pushLayeredImage } from "./support/layers";
import { startRegistry, type TestRegistry } from "./support/registry";

const ROOT = "usr/share/nginx/html";

describe("@registry the frontend's files out of its image", function () {
    this.timeout(60_000);
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
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-extract-"));
    });
    afterEach(() => {
        fs.rmSync(dir, { recursive: true, force: true });
    });

    async function image(tag: string): Promise<string> {
        return pushLayeredImage(reg, "infrasoftbe/app", tag, [
            {
                compression: "gzip" as const,
                entries: [
                    { name: "etc/nginx/nginx.conf", content: "worker_processes 1;" },
                    { name: `${ROOT}/index.html`, content: "<h1>old</h1>" },
                    { name: `${ROOT}/assets/app.1a2b3c.js`, content: "console.log(1)" },
                    { name: `${ROOT}/debug.map`, content: "secret source map" },
                    { name: `${ROOT}/old/a.txt`, content: "a" },
                ],
            },
            {
                compression: "zstd" as const,
                entries: [
                    { name: `./${ROOT}/index.html`, content: "<h1>v2</h1>" },
                    { name: `${ROOT}/.wh.debug.map`, content: "" },
                    { name: `${ROOT}/old/.wh..wh..opq`, content: "" },
                    { name: `${ROOT}/old/b.txt`, content: "b" },
                    { name: `${ROOT}/../../../../tmp/evil.txt`, content: "pwned" },
                    { name: `${ROOT}/link`, type: "symlink" as const, linkname: "/etc/passwd" },
                ],
            },
        ]);
    }

    it("takes the directory's files, top layer last: a changed file is the top one, others kept", async () => {
        await image("v1.0.0");
        const r = await extractImage(client, `${reg.host}/infrasoftbe/app`, "v1.0.0", { from: `/${ROOT}`, to: dir });
        assert.deepEqual(r.files, ["assets/app.1a2b3c.js", "index.html", "old/b.txt"]);
        assert.equal(fs.readFileSync(path.join(dir, "index.html"), "utf8"), "<h1>v2</h1>");
        assert.ok(!fs.existsSync(path.join(dir, "etc")), "a file outside the directory was taken");
    });

    it("honours whiteouts: a deleted file and an opaque directory's lower content are gone", async () => {
        await image("v1.0.1");
        const r = await extractImage(client, `${reg.host}/infrasoftbe/app`, "v1.0.1", { from: `/${ROOT}`, to: dir });
        assert.ok(!r.files.includes("debug.map"));
        assert.ok(!r.files.includes("old/a.txt"));
        assert.ok(r.files.includes("old/b.txt"));
    });

    it("writes nothing outside the target: a climbing path and a link are refused and named", async () => {
        await image("v1.0.2");
        const r = await extractImage(client, `${reg.host}/infrasoftbe/app`, "v1.0.2", { from: `/${ROOT}`, to: dir });
        assert.ok(!fs.existsSync("/tmp/evil.txt") || fs.readFileSync("/tmp/evil.txt", "utf8") !== "pwned");
        assert.deepEqual(
            r.refused.map((x) => x.reason),
            ["climbs out of the image's root", "a symlink entry: only plain files are copied"],
        );
    });

    it("the program takes the pinned frontend image's files once per digest, for the bucket", async () => {
        const digest = await image("v1.0.4");
        const base = stackSettings("dev");
        const settings = { ...base, frontend: { ...base.frontend, image: `${reg.host}/infrasoftbe/app`, digest, root: `/${ROOT}` } };
        const files = await frontendFiles(settings);
        assert.deepEqual(
            files.map((f) => f.key),
            ["assets/app.1a2b3c.js", "index.html", "old/b.txt"],
        );
        assert.equal(fs.readFileSync(files.find((f) => f.key === "index.html")!.path, "utf8"), "<h1>v2</h1>");
        assert.deepEqual(await frontendFiles(settings), files, "a second run reads the same files again");
    });

    it("stops at the size and file-count limits, naming them", async () => {
        await image("v1.0.3");
        await assert.rejects(
            extractImage(client, `${reg.host}/infrasoftbe/app`, "v1.0.3", { from: `/${ROOT}`, to: dir, maxFiles: 2 }),
            /3 files .* more than the 2 allowed/,
        );
        await assert.rejects(
            extractImage(client, `${reg.host}/infrasoftbe/app`, "v1.0.3", { from: `/${ROOT}`, to: dir, maxBytes: 10 }),
            /more than the 10 allowed/,
        );
    });
});
