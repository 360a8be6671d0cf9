/**
 * @engine: listing many environments straight from the backend (automation/state/backendReader.ts),
 * on a directory and on a real S3 API: the same stacks and tags the CLI reports, the reaper's
 * decision over all of them, and correct answers while other runs create and remove stacks.
 * How fast it is over 200 environments with S3 latency: `npm run bench:listing`.
 */
import { strict as assert } from "node:assert";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { BACKENDS, onBackend } from "../harness/backends";
import { makeDriver, useTempDir, workspaceOptions } from "../harness/driver";
import { seedEnvironments } from "../harness/seed";

/** Tags without those the engine adds when it shows them (`pulumi:project`, stack_tags.go `updateStackTagsFromMetadata`). */
const withoutSystemTags = (tags: Record<string, string>): Record<string, string> =>
    Object.fromEntries(Object.entries(tags).filter(([k]) => !k.startsWith("pulumi:")));

const byName = <T extends { name: string }>(xs: readonly T[]): T[] => [...xs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

for (const kind of BACKENDS)
    describe(`@engine listing from the backend (${kind})`, function () {
        onBackend(kind);
        this.timeout(300_000);
        const tmp = useTempDir("vnv-list-");

        it("lists every stack with the tags the CLI reports for it", async () => {
            const names = await seedEnvironments(tmp(), 40, new Date());
            const env = makeDriver(tmp(), { auth: undefined });
            const direct = byName(await env.store.list()).map(({ name, tags }) => ({ name, tags }));
            const viaCli = byName(await env.store.list({ via: "cli", concurrency: 8 })).map(({ name, tags }) => ({ name, tags }));
            assert.deepEqual(
                direct.map((s) => s.name),
                [...names].sort(),
            );
            assert.deepEqual(direct, viaCli);
        });

        it("a new stack's tags are one object the engine reads as its own, and a tag the engine sets later joins them", async () => {
            const env = makeDriver(tmp(), { auth: undefined });
            const stack = await env.store.create("tagged-new");
            const tags = { "vnv:kind": "ephemeral", "vnv:owner": "ana", "vnv:expires-at": "2026-12-02T00:00:00.000Z" };
            // no `pulumi stack tag set` process: the stack's setTag is not called
            const noTagProcess = Object.create(stack, { setTag: { value: () => Promise.reject(new Error("a tag set through the engine")) } }) as typeof stack;
            await env.store.tagNew(noTagProcess, tags);
            assert.deepEqual(withoutSystemTags((await stack.listTags()) ?? {}), tags);
            await stack.setTag("vnv:slot", "3");
            assert.deepEqual(await env.store.tags(stack), { ...tags, "vnv:slot": "3" });
        });

        it("a stack that has a tag file already keeps it: the new tags are set through the engine, beside the old", async () => {
            const env = makeDriver(tmp(), { auth: undefined });
            const stack = await env.store.create("tagged-before");
            await stack.setTag("team", "blue");
            await env.store.tagNew(stack, { "vnv:kind": "ephemeral" });
            assert.deepEqual(withoutSystemTags((await stack.listTags()) ?? {}), { team: "blue", "vnv:kind": "ephemeral" });
        });

        it("the reaper's decision covers every environment: exactly the expired half is destroyed", async () => {
            const now = new Date();
            await seedEnvironments(tmp(), 40, now);
            const plan = await makeDriver(tmp(), { auth: undefined }).planReap(now);
            assert.equal(plan.length, 40);
            assert.equal(plan.filter((d) => d.action === "destroy").length, 20);
        });

        it("stays correct while other runs create and remove stacks", async () => {
            const now = new Date();
            const stable = await seedEnvironments(tmp(), 20, now);
            const env = makeDriver(tmp(), { auth: undefined });
            const options = await workspaceOptions(tmp());
            let churning = true;
            const churn = (async () => {
                for (let i = 0; churning; i++) {
                    const stack = await LocalWorkspace.createStack({ stackName: `churn-${i}`, projectName: "vnv", program: async () => ({}) }, options);
                    await stack.setTag("vnv:kind", "ephemeral");
                    await stack.workspace.removeStack(`churn-${i}`);
                }
            })();
            try {
                for (let round = 0; round < 8; round++) {
                    const rows = await env.list(now);
                    const names = rows.map((r) => r.stack);
                    assert.equal(new Set(names).size, names.length, `a stack listed twice: ${names.join(" ")}`);
                    assert.deepEqual(names.filter((n) => stable.includes(n)).sort(), [...stable].sort());
                    const plan = await env.planReap(now);
                    assert.deepEqual(
                        plan
                            .filter((d) => d.action === "destroy")
                            .map((d) => d.stack)
                            .sort(),
                        stable.filter((_, i) => i % 2 === 0).sort(),
                    );
                }
            } finally {
                churning = false;
                await churn;
            }
        });
    });
