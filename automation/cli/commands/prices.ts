/**
 * `vnv prices show|refresh`: the price table estimates use (rules/prices.ts), and its refresh
 * from the AWS Price List bulk offer files (automation/prices/offers.ts).
 */
import type { Command } from "commander";
import { UsageError } from "../../errors";
import { type CliContext, withJson } from "../context";

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

export function pricesCommands(program: Command, ctx: CliContext): void {
    const prices = program.command("prices").description("the prices vnv's cost estimates use, and their refresh from the AWS Price List");
    withJson(prices.command("show"))
        .description("print the price table of dev's region (or --region), each price with where it was read")
        .option("--region <region>", "an AWS region such as eu-central-1 (default: Pulumi.dev.yaml's)")
        .action(async (opts: { region?: string; json?: boolean }) => {
            const region = await regionOf(ctx, opts.region);
            const { priceTableFor } = require("../../prices/table") as typeof import("../../prices/table");
            const loaded = priceTableFor(ctx.dir, region);
            if (loaded === undefined) {
                throw new UsageError(`no price table under ${ctx.dir}/prices: \`vnv prices refresh --region ${region}\` writes one`);
            }
            const { table, substitute } = loaded;
            const { terminalText: t } = require("../../../rules/terminal") as typeof import("../../../rules/terminal");
            const lines = [
                `${table.region} prices of ${table.date}${substitute ? ` (${region} has no table of its own: \`vnv prices refresh --region ${region}\`)` : ""}`,
                ...Object.entries(table.prices).map(([key, p]) => `  ${key.padEnd(20)} $${p.usd}  ${t(p.source)}`),
                `  assumed: ${table.assumptions.logGbPerTaskDay} GB of logs per task and day`,
            ];
            ctx.emit(opts, { ...table, substitute }, lines.join("\n"));
        });
    withJson(prices.command("refresh"))
        .description(
            "read the region's prices from the AWS Price List bulk offer files (VNV_PRICE_LIST_URL to use a mirror) and write prices/<region>.json; prices not found keep their earlier value, said",
        )
        .option("--region <region>", "an AWS region such as eu-central-1 (default: Pulumi.dev.yaml's)")
        .action(async (opts: { region?: string; json?: boolean }) => {
            const region = await regionOf(ctx, opts.region);
            const table = require("../../prices/table") as typeof import("../../prices/table");
            const { PRICE_LIST_URL, refreshPrices } = require("../../prices/offers") as typeof import("../../prices/offers");
            const earlier = table.priceTableFor(ctx.dir, region);
            if (earlier === undefined) {
                throw new UsageError(`no price table under ${ctx.dir}/prices to start from (prices/us-east-1.json is committed)`);
            }
            const today = (ctx.deps.clock?.() ?? new Date()).toISOString().slice(0, 10);
            const base = ctx.deps.env.VNV_PRICE_LIST_URL ?? PRICE_LIST_URL;
            const r = await refreshPrices(region, base, today, earlier.table, undefined, ctx.log);
            const file = table.tableFile(ctx.dir, region);
            table.writeTable(file, r.table);
            const lines = r.changes.map(
                (c) => `  ${c.key.padEnd(20)} ${c.before ?? "-"} → ${c.after ?? "-"}${c.found ? "" : "  (not in the offer files: kept)"}`,
            );
            ctx.emit(opts, { file, ...r }, [`wrote ${file}`, ...lines].join("\n"));
        });
}

/** `--region`, or dev's stack file's. */
async function regionOf(ctx: CliContext, given: string | undefined): Promise<string> {
    if (given !== undefined) {
        if (!REGION.test(given)) {
            throw new UsageError(`invalid --region ${JSON.stringify(given.slice(0, 40))}: an AWS region such as eu-central-1`);
        }
        return given;
    }
    const { settings, region } = await ctx.stackFile("dev");
    return region ?? settings.region;
}
