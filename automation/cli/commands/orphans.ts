/**
 * `vnv env orphans`: resources tagged for an environment whose stack is gone, found through the
 * Resource Groups Tagging API of the dev stack's region (automation/environments/orphans.ts).
 * It lists; `--out <file>` saves that list as a plan, and `--apply <file>` deletes exactly the
 * plan's resources that are still orphans (automation/environments/orphanSweep.ts).
 */
import type { Command } from "commander";
import { UsageError } from "../../errors";
import type { OrphanPlan } from "../../environments/orphans";
import { type CliContext, engineCommand } from "../context";

export function orphansCommand(env: Command, ctx: CliContext): void {
    engineCommand(env.command("orphans"))
        .description(
            "list resources tagged for an environment whose stack is gone (a failed destroy, a lost stack), by environment, through the Resource Groups Tagging API of Pulumi.dev.yaml's region; prod, dev and protected stacks are never orphans. --out saves the list as a plan; --apply deletes that plan's resources that are still orphans",
        )
        .option("--out <file>", "also write the list as a plan for --apply")
        .option("--apply <file>", "delete the resources of this plan (written by --out) that are still orphans now; nothing else")
        .action(async (opts: { json?: boolean; backend?: string; out?: string; apply?: string }) => {
            if (opts.out !== undefined && opts.apply !== undefined) {
                throw new UsageError("--out makes a plan and --apply deletes one: one at a time, so the plan is read before anything is deleted");
            }
            const sweep = require("../../environments/orphanSweep") as typeof import("../../environments/orphanSweep");
            const saved = opts.apply === undefined ? undefined : sweep.readPlan(opts.apply);
            const { plan, region } = await currentPlan(ctx, opts);
            const backend = ctx.backend(opts).url;
            if (saved === undefined) {
                if (opts.out !== undefined) {
                    sweep.savePlan(opts.out, plan, backend);
                    ctx.log(`wrote the plan to ${opts.out}: \`vnv env orphans --apply ${opts.out}\` deletes what in it is still an orphan then`);
                }
                const { orphansText } = require("../../environments/orphans") as typeof import("../../environments/orphans");
                return ctx.emit(opts, plan, orphansText(plan));
            }
            const { awsDeleters } = require("../../environments/deleters") as typeof import("../../environments/deleters");
            const { awsClientConfig } = require("../../aws") as typeof import("../../aws");
            const result = await sweep.sweep(saved, plan, backend, awsDeleters(awsClientConfig(ctx.deps.env, region)), ctx.log);
            const { terminalText: t } = require("../../../rules/terminal") as typeof import("../../../rules/terminal");
            const lines = [
                ...result.deleted.map((arn) => `deleted  ${t(arn)}`),
                ...result.skipped.map((s) => `skipped  ${t(s.arn)}: ${t(s.reason)}`),
                ...result.left.map((l) => `left     ${t(l.arn)}: vnv does not delete ${t(l.kind)}; delete it by hand`),
                ...result.failed.map((f) => `FAILED   ${t(f.arn)}: ${f.reason}`),
                `${result.deleted.length} deleted, ${result.skipped.length} skipped, ${result.left.length} left, ${result.failed.length} failed`,
            ];
            ctx.emit(opts, result, lines.join("\n"));
            const failure = sweep.sweepFailure(result);
            if (failure !== undefined) {
                ctx.problem(failure.message);
            }
        });
}

/** The orphans now, from the Tagging API, against the stacks of the backend. */
export async function currentPlan(ctx: CliContext, opts: { backend?: string }): Promise<{ plan: OrphanPlan; region: string }> {
    const { settings, region } = await ctx.stackFile("dev");
    const where = region ?? settings.region;
    const stacks = new Set((await (await ctx.driver({ ...opts, wait: "0" })).store.list()).map((s) => s.name));
    const policy = settings.ephemeral;
    const protectedNames = new Set(["prod", "dev", ...(policy?.protectedStacks ?? []), ...(policy === undefined ? [] : [policy.authStack])]);
    const { ResourceGroupsTaggingAPIClient } =
        require("@aws-sdk/client-resource-groups-tagging-api") as typeof import("@aws-sdk/client-resource-groups-tagging-api");
    const { awsClientConfig } = require("../../aws") as typeof import("../../aws");
    const client = new ResourceGroupsTaggingAPIClient(awsClientConfig(ctx.deps.env, where));
    const { planOrphans, taggedResources } = require("../../environments/orphans") as typeof import("../../environments/orphans");
    ctx.log(`reading the resources tagged vnv:project=${settings.project} in ${where}`);
    return {
        plan: planOrphans(await taggedResources(client, settings.project), stacks, protectedNames, { project: settings.project, region: where }),
        region: where,
    };
}
