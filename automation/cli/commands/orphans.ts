/**
 * `vnv env orphans`: resources tagged for an environment whose stack is gone, found through the
 * Resource Groups Tagging API of the dev stack's region (automation/environments/orphans.ts).
 * It lists; it deletes nothing.
 */
import type { Command } from "commander";
import { type CliContext, engineCommand } from "../context";

export function orphansCommand(env: Command, ctx: CliContext): void {
    engineCommand(env.command("orphans"))
        .description(
            "list resources tagged for an environment whose stack is gone (a failed destroy, a lost stack), by environment, through the Resource Groups Tagging API of Pulumi.dev.yaml's region; prod, dev and protected stacks are never orphans; deletes nothing",
        )
        .action(async (opts: { json?: boolean; backend?: string }) => {
            const { settings, region } = await ctx.stackFile("dev");
            const where = region ?? settings.region;
            const stacks = new Set((await (await ctx.driver({ ...opts, wait: "0" })).store.list()).map((s) => s.name));
            const policy = settings.ephemeral;
            const protectedNames = new Set(["prod", "dev", ...(policy?.protectedStacks ?? []), ...(policy === undefined ? [] : [policy.authStack])]);
            const { ResourceGroupsTaggingAPIClient } =
                require("@aws-sdk/client-resource-groups-tagging-api") as typeof import("@aws-sdk/client-resource-groups-tagging-api");
            const { awsClientConfig } = require("../aws") as typeof import("../aws");
            const client = new ResourceGroupsTaggingAPIClient(awsClientConfig(ctx.deps.env, where));
            const { orphansText, planOrphans, taggedResources } = require("../../environments/orphans") as typeof import("../../environments/orphans");
            ctx.log(`reading the resources tagged vnv:project=${settings.project} in ${where}`);
            const plan = planOrphans(await taggedResources(client, settings.project), stacks, protectedNames, { project: settings.project, region: where });
            ctx.emit(opts, plan, orphansText(plan));
        });
}
