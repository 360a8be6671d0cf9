import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BackendLayoutError, BackendReader, s3Location } from "../automation/state/backendReader";
import { backendInput } from "../automation/inputs";

const made: string[] = [];
after(() => {
    for (const dir of made) {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

function backendIn(files: Record<string, string>): BackendReader {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-layout-"));
    made.push(dir);
    for (const [rel, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), text);
    }
    return BackendReader.for(backendInput(`file://${dir}`, {}, dir))!;
}

describe("reading a backend's own layout", () => {
    it("refuses a layout version it does not know, loudly", async () => {
        const reader = backendIn({ ".pulumi/meta.yaml": "version: 2\n", ".pulumi/stacks/vnv/a.json": "{}" });
        await assert.rejects(reader.list("vnv"), (e: unknown) => e instanceof BackendLayoutError && /layout version 2/.test((e as Error).message));
    });

    it("refuses the legacy layout without projects rather than listing nothing", async () => {
        const reader = backendIn({ ".pulumi/stacks/a.json": "{}" });
        await assert.rejects(reader.list("vnv"), /legacy layout/);
    });

    it("refuses a tag file of another version", async () => {
        const reader = backendIn({
            ".pulumi/meta.yaml": "version: 1\n",
            ".pulumi/stacks/vnv/a.json": "{}",
            ".pulumi/stacks/vnv/a.pulumi-tags": '{"version":2,"tags":{}}',
        });
        await assert.rejects(reader.list("vnv"), /tag-file version 2/);
    });

    it("a stack without a tag file yet has no tags; a tag file without a stack is no stack", async () => {
        const reader = backendIn({
            ".pulumi/meta.yaml": "version: 1\n",
            ".pulumi/stacks/vnv/new.json": "{}",
            ".pulumi/stacks/vnv/gone.pulumi-tags": '{"version":1,"tags":{"vnv:kind":"ephemeral"}}',
        });
        assert.deepEqual(await reader.list("vnv"), [{ name: "new", tags: {} }]);
    });

    it("reads region, endpoint, path style, profile and prefix from an s3:// URL as the engine does", () => {
        assert.deepEqual(s3Location("s3://state/team-a?region=eu-central-1&endpoint=http://127.0.0.1:9000&s3ForcePathStyle=true&profile=vnv"), {
            bucket: "state",
            prefix: "team-a/",
            region: "eu-central-1",
            endpoint: "http://127.0.0.1:9000",
            forcePathStyle: true,
            profile: "vnv",
        });
        assert.equal(s3Location("s3://state").prefix, "");
    });
});
