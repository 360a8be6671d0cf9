/** `vnv dataset …`: the datasets environments' databases start from (rules/datasets.ts). */
import { type Command, Option } from "commander";
import { UsageError } from "../../errors";
import { limitInput } from "../../inputs";
import { type CliContext, engineCommand } from "../context";
import { type OnTarget, onDocker } from "./env";

export function datasetCommands(program: Command, ctx: CliContext): void {
    const dataset = program.command("dataset").description("the datasets in dev's dataset repository: versions, snapshots, who uses them");
    lsCommand(dataset, ctx);
}

function lsCommand(dataset: Command, ctx: CliContext): void {
    engineCommand(dataset.command("ls"))
        .description("list the datasets (the newest first): when made, size, source (a build or a snapshot of an environment), the environments using each")
        .addOption(new Option("--on <target>", "only the environments on aws or on docker count as users (default: both)").choices(["aws", "docker"]))
        .option("--limit <n>", "datasets listed, the highest tags (1 to 1000)", "100")
        .action(async (opts: OnTarget & { limit: string }) => {
            const limit = limitInput(opts.limit);
            const image = (await ctx.stackFile("dev")).settings.ephemeral?.database?.dataset?.image;
            if (image === undefined) {
                throw new UsageError("dev's configuration names no datasets (vnv:ephemeral.database.dataset.image, the datasets' repository)");
            }
            const uses = opts.on === "docker" ? [] : await (await ctx.driver(opts)).datasetUses();
            if (opts.on !== "aws") {
                const { datasetUses } = require("../../docker/dataset") as typeof import("../../docker/dataset");
                uses.push(...(await onDocker(ctx, opts, (target) => datasetUses(target), [])));
            }
            const { listDatasets } = require("../../release/datasets") as typeof import("../../release/datasets");
            const listing = await listDatasets(await ctx.registry(), image, uses, limit);
            const { datasetsText } = require("../render") as typeof import("../render");
            ctx.emit(opts, listing, datasetsText(listing));
        });
}
