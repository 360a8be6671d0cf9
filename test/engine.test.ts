/**
 * @engine: the real Pulumi engine (the CLI from tools/pulumi) on a file:// backend in a
 * temporary directory, with an inline program that needs no cloud provider.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { engineEnv, pulumiCommand, resolveCli } from "../automation/state/pulumiCli";
import { jsonFilesUnder } from "../harness/driver";

class Greeting extends pulumi.ComponentResource {
    public readonly text: pulumi.Output<string>;
    constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
        super("vnvtest:index:Greeting", name, {}, opts);
        this.text = pulumi.output(`hello from ${name}`);
        this.registerOutputs({ text: this.text });
    }
}

describe("@engine Pulumi engine smoke test", function () {
    this.timeout(180_000);
    let tmp: string;
    before(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-engine-"));
    });
    after(() => {
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("creates, updates, tags, lists, destroys and removes a stack on a file backend, keeping secrets secret", async () => {
        const started = Date.now();
        const cli = resolveCli();
        const backend = path.join(tmp, "state");
        fs.mkdirSync(backend);
        const envVars = engineEnv(cli, { home: path.join(tmp, "home"), passphrase: "smoke-test-passphrase", backendUrl: `file://${backend}` });
        const stack = await LocalWorkspace.createStack(
            {
                stackName: "smoke",
                projectName: "vnvsmoke",
                program: async () => {
                    const greeting = new Greeting("greeting");
                    return { text: greeting.text, token: pulumi.secret("s3cr3t-value") };
                },
            },
            {
                workDir: fs.mkdtempSync(path.join(tmp, "workspace-")), // inside the test's directory, removed with it
                pulumiCommand: await pulumiCommand(cli),
                envVars,
                secretsProvider: "passphrase",
                projectSettings: { name: "vnvsmoke", runtime: "nodejs", backend: { url: `file://${backend}` } },
            },
        );
        const up = await stack.up();
        assert.equal(up.summary.result, "succeeded");
        assert.equal(up.outputs.text!.value, "hello from greeting");
        assert.equal(up.outputs.token!.secret, true);
        const outputs = await stack.outputs();
        assert.equal(outputs.token!.secret, true);

        const files = jsonFilesUnder(path.join(backend, ".pulumi", "stacks"));
        assert.equal(files.length, 1, files.join(" "));
        const onDisk = fs.readFileSync(path.join(backend, ".pulumi", "stacks", files[0]!), "utf8");
        assert.ok(onDisk.includes("s3cr3t") === false && onDisk.includes("ciphertext"), "the secret is not encrypted in the state file");

        await stack.setTag("vnv:kind", "ephemeral");
        assert.equal(await stack.getTag("vnv:kind"), "ephemeral");

        const stacks = await stack.workspace.listStacks();
        assert.deepEqual(
            stacks.map((s) => s.name),
            ["smoke"],
        );
        assert.equal(stacks[0]!.resourceCount, 2); // the stack and the component

        const destroyed = await stack.destroy();
        assert.equal(destroyed.summary.result, "succeeded");
        await stack.workspace.removeStack("smoke");
        assert.deepEqual(jsonFilesUnder(path.join(backend, ".pulumi", "stacks")), []);
        console.log(`      engine ${cli.version} (${cli.source}): smoke test took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    });
});
