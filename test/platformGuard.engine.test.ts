/**
 * @engine: the test platform's guard on the real engine and a real file backend: dev can be
 * neither destroyed nor have what environments attach to replaced while a stack tagged as an
 * ephemeral environment lives on the same backend, and the refusal names it.
 */
import { strict as assert } from "node:assert";
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import { PlatformGuard } from "../components/platformGuard";
import { useTempDir, workspaceOptions } from "../harness/driver";

describe("@engine the test platform's guard", function () {
    this.timeout(120_000);
    const dir = useTempDir("vnv-guard-");

    async function platform(listener: string): Promise<Stack> {
        return LocalWorkspace.createOrSelectStack(
            {
                stackName: "dev",
                projectName: "vnv",
                program: async () => {
                    new PlatformGuard("vnv-platform-guard", {
                        attachments: { httpsListenerArn: listener, clusterArn: "arn:aws:ecs:eu-central-1:123456789012:cluster/c" },
                    });
                },
            },
            await workspaceOptions(dir()),
        );
    }

    async function environment(name: string): Promise<Stack> {
        const stack = await LocalWorkspace.createOrSelectStack(
            { stackName: name, projectName: "vnv", program: async () => ({}) },
            await workspaceOptions(dir()),
        );
        await stack.setTag("vnv:kind", "ephemeral");
        return stack;
    }

    async function failure(op: Promise<unknown>): Promise<string> {
        try {
            await op;
        } catch (e) {
            return String((e as Error).message);
        }
        assert.fail("expected the operation to be refused");
    }

    it("dev is not destroyed while an environment is attached, and the refusal names it", async () => {
        const dev = await platform("listener-1");
        await dev.up();
        await environment("v1-2-3-rc-1");
        assert.match(
            await failure(dev.destroy()),
            /the test platform cannot be destroyed while 1 ephemeral environment\(s\) are attached to the test platform: .*v1-2-3-rc-1/,
        );
        assert.equal((await dev.exportStack()).deployment.resources.filter((r: { type: string }) => r.type === "pulumi-nodejs:dynamic:Resource").length, 1);
    });

    it("what environments attach to is not replaced while one is attached", async () => {
        await (await platform("listener-1")).up();
        await environment("v1-2-3-rc-1");
        assert.match(await failure((await platform("listener-2")).up()), /httpsListenerArn cannot change .* attached to the test platform: .*v1-2-3-rc-1/);
    });

    it("with no environment attached, dev changes and is destroyed", async () => {
        const dev = await platform("listener-1");
        await dev.up();
        const env = await environment("v1-2-3-rc-1");
        await env.workspace.removeStack("v1-2-3-rc-1");
        assert.equal((await (await platform("listener-2")).up()).summary.result, "succeeded");
        assert.equal((await dev.destroy()).summary.result, "succeeded");
    });
});
