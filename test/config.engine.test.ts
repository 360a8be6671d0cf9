/**
 * @engine: the stack configuration through the real Pulumi engine. The engine hands config to
 * the program as strings (objects and lists as JSON text); the program's own reader must make
 * of it exactly the settings the stack file holds, for every committed stack file, for prod as
 * `release check --pin` leaves it, and for a file that sets every key the settings know.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { writePins } from "../automation/release/pins";
import { loadSettings } from "../infra/config";
import { parseSettings, SETTING_KEYS, EPHEMERAL_ONLY_KEYS } from "../infra/settings";
import { PROJECT_DIR, readStackFile } from "../infra/stackFile";
import { useTempDir, workspaceOptions } from "../harness/driver";

const FIXTURES = path.join(__dirname, "stacks");

/** Stack names of the committed `Pulumi.<stack>.yaml` files. */
function committedStacks(): string[] {
    return fs
        .readdirSync(PROJECT_DIR)
        .map((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/**
 * Runs an inline program that only calls the program's config reader, on the stack whose file
 * is `dir/Pulumi.<stack>.yaml`; answers the settings it produced (JSON) or the error it threw.
 */
async function settingsThroughEngine(dir: string, stack: string): Promise<unknown> {
    const options = await workspaceOptions(dir);
    const ws = await LocalWorkspace.createOrSelectStack(
        {
            stackName: stack,
            projectName: "vnv",
            program: async () => {
                try {
                    return { settings: JSON.stringify(loadSettings()) };
                } catch (e) {
                    return { error: (e as Error).message };
                }
            },
        },
        { ...options, workDir: dir },
    );
    const up = await ws.up();
    assert.equal(up.summary.result, "succeeded");
    const error = up.outputs.error?.value as string | undefined;
    if (error !== undefined) {
        assert.fail(`the program's config reader failed on Pulumi.${stack}.yaml through the engine:\n${error}`);
    }
    return JSON.parse(up.outputs.settings!.value as string);
}

/** The settings the stack file makes when read directly (the YAML reader, no engine). */
function settingsFromFile(dir: string, stack: string): unknown {
    const { raw, region } = readStackFile(stack, "vnv", dir);
    return JSON.parse(JSON.stringify(parseSettings(raw, { project: "vnv", region })));
}

function copyStackFile(from: string, dir: string, stack: string, as: string = stack): void {
    fs.copyFileSync(path.join(from, `Pulumi.${stack}.yaml`), path.join(dir, `Pulumi.${as}.yaml`));
}

describe("@engine stack configuration through the real engine", function () {
    this.timeout(120_000);
    const dir = useTempDir("vnv-config-");

    it("there are committed stack files to check", () => {
        assert.deepEqual(committedStacks(), ["dev", "prod"]);
    });

    for (const stack of committedStacks()) {
        it(`Pulumi.${stack}.yaml reaches the program and parses to the settings the file holds`, async () => {
            copyStackFile(PROJECT_DIR, dir(), stack);
            assert.deepEqual(await settingsThroughEngine(dir(), stack), settingsFromFile(dir(), stack));
        });
    }

    it("prod as `release check --pin` leaves it parses through the engine, with the pinned digests", async () => {
        copyStackFile(PROJECT_DIR, dir(), "prod");
        const services = readStackFile("prod").raw.services as { name: string }[];
        const digests = Object.fromEntries(services.map((s, i) => [s.name, `sha256:${String(i).repeat(64)}`]));
        writePins(dir(), "prod", "v1.2.4", digests);
        const settings = (await settingsThroughEngine(dir(), "prod")) as { version: string; services: { name: string; digest?: string }[] };
        assert.equal(settings.version, "v1.2.4");
        assert.deepEqual(Object.fromEntries(settings.services.map((s) => [s.name, s.digest])), digests);
        assert.deepEqual(settings, settingsFromFile(dir(), "prod"));
    });

    it("a stack file that sets every settings key parses through the engine as from the file", async () => {
        copyStackFile(FIXTURES, dir(), "every-key", "full");
        assert.deepEqual(await settingsThroughEngine(dir(), "full"), settingsFromFile(dir(), "full"));
    });
});

describe("the every-key stack file", () => {
    it("sets every key the settings know, so a new key is read through the engine before it lands", () => {
        const { raw } = readStackFile("every-key", "vnv", FIXTURES);
        // Keys only ephemeral settings carry are built in code, never read through the engine.
        assert.deepEqual(Object.keys(raw).sort(), SETTING_KEYS.filter((k) => !EPHEMERAL_ONLY_KEYS.includes(k)).sort());
    });
});
