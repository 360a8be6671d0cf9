import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { engineEnv, PulumiCliNotFoundError, resolveCli } from "../automation/state/pulumiCli";

describe("Pulumi CLI resolution", () => {
    it("without any CLI, says how to get one", () => {
        const empty = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-nocli-"));
        assert.throws(
            () => resolveCli({ PATH: empty, VNV_CACHE_DIR: empty, HOME: empty }),
            (e: unknown) => e instanceof PulumiCliNotFoundError && /npm run setup:pulumi/.test(e.message) && /pulumi on PATH: absent/.test(e.message),
        );
    });

    it("a VNV_PULUMI_ROOT without a runnable bin/pulumi is an error naming it, not a silent fallback", () => {
        const empty = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-nocli-"));
        assert.throws(
            () => resolveCli({ ...process.env, VNV_PULUMI_ROOT: empty }),
            (e: unknown) => e instanceof PulumiCliNotFoundError && e.message.includes(path.join(empty, "bin", "pulumi")),
        );
    });

    it("the engine runs quiet and hermetic: no update check, no plugin downloads, its own home", () => {
        const env = engineEnv({ root: "/x", binary: "/x/bin/pulumi", version: "3.259.0", source: "cache" }, { home: "/tmp/h", passphrase: "p" });
        assert.equal(env.PULUMI_SKIP_UPDATE_CHECK, "true");
        assert.equal(env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION, "true");
        assert.equal(env.PULUMI_HOME, "/tmp/h");
        assert.ok(env.PATH!.startsWith("/x/bin"), "the CLI's directory (dynamic-provider launcher) comes first on PATH");
    });
});
