/**
 * @engine: ephemeral environments on the real engine, a file backend in a temporary directory
 * and stand-in programs (no cloud).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { CapacityError, StackLockedError, UsageError } from "../automation/errors";
import { TAG } from "../automation/metadata";
import { engineEnv, pulumiCommand, resolveCli } from "../automation/pulumiCli";
import { makeDriver, PASSPHRASE, stackFiles, tempDir } from "./support/driver";
import { standIn } from "./support/standins";

const HOUR = 3_600_000;

async function authUris(dir: string): Promise<string[]> {
    const cli = resolveCli();
    const ws = await LocalWorkspace.create({
        pulumiCommand: await pulumiCommand(cli),
        envVars: engineEnv(cli, { home: `${dir}/home`, passphrase: PASSPHRASE, backendUrl: `file://${dir}/state` }),
        projectSettings: { name: "vnv", runtime: "nodejs", backend: { url: `file://${dir}/state` } },
    });
    const outputs = await ws.stackOutputs("auth");
    return outputs.redirectUris!.value as string[];
}

describe("@engine ephemeral environments", function () {
    this.timeout(300_000);
    let dir: string;
    beforeEach(() => {
        dir = tempDir();
    });
    afterEach(() => {
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("lives through up, ls, update, extend and down, registering and dropping its redirect URIs", async () => {
        const env = makeDriver(dir);
        const up = await env.up("v1.2.3-RC1", { ttl: "2h", owner: "ana" });
        assert.deepEqual([up.stack, up.url, up.created], ["v1-2-3-rc-1", "https://1-2-3-rc-1.step-studio.be", true]);
        assert.equal(up.outputs.apiToken, "[secret]");

        const [row] = await env.list();
        assert.equal(row!.version, "v1.2.3-rc.1");
        assert.equal(row!.owner, "ana");
        assert.equal(new Date(row!.expiresAt).getTime() - new Date(row!.createdAt).getTime(), 2 * HOUR);
        assert.ok(row!.resourceCount! >= 3, `resource count ${row!.resourceCount}`);
        assert.ok((await authUris(dir)).includes("https://1-2-3-rc-1.step-studio.be/auth/callback"));

        const again = await env.up("v1.2.3-rc.1");
        assert.equal(again.created, false);
        assert.equal(again.expiresAt, row!.expiresAt, "an update without --ttl keeps the expiry");

        const before = (await env.list())[0]!;
        const extended = await env.extend("v1.2.3-rc.1", "5h");
        assert.equal(extended.expiresAt.getTime() - extended.createdAt.getTime(), 5 * HOUR);
        const after = (await env.list())[0]!;
        assert.equal(after.lastUpdate, before.lastUpdate, "extend ran an update");

        await env.down("v1.2.3-rc.1");
        assert.deepEqual(await env.list(), []);
        assert.deepEqual(stackFiles(dir), ["vnv/auth.json"]);
        assert.ok(!(await authUris(dir)).some((u) => u.includes("1-2-3-rc-1")));
    });
});
