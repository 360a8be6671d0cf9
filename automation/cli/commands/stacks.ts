/** `vnv deploy` and `vnv drift`: the long-lived stacks, prod and dev, as their stack files pin them. */
import type { Command } from "commander";
import { parseVersion } from "../../../rules/versions";
import { UsageError } from "../../errors";
import { stackInput } from "../../inputs";
import { type CliContext, engineCommand, type SharedOptions, withWait } from "../context";
import { recordsOf } from "./release";

export function stackCommands(program: Command, ctx: CliContext): void {
    withWait(engineCommand(program.command("deploy <stack>")))
        .description("deploy prod or dev as pinned in Pulumi.<stack>.yaml (`release check --pin`), wait until healthy, record it")
        .action(async (stackText: string, opts: SharedOptions) => {
            const stack = stackInput(stackText, "stack");
            const { settings } = await ctx.stackFile(stack);
            const unpinned = [
                ...settings.services.filter((s) => s.digest === undefined).map((s) => s.name),
                ...(settings.frontend.image !== undefined && settings.frontend.digest === undefined ? ["frontend"] : []),
            ];
            if (unpinned.length > 0) {
                throw new UsageError(
                    `Pulumi.${stack}.yaml pins no digest for ${unpinned.join(", ")}: run \`vnv release check <version> --stack ${stack} --pin\` first, so exactly the checked images are deployed`,
                );
            }
            const version = parseVersion(settings.version);
            const record = version.kind === "release" ? (await recordsOf(ctx, opts, version)).get(version.canonical) : undefined;
            if (record !== undefined) {
                const { checkPins } = require("../../release/record") as typeof import("../../release/record");
                checkPins(stack, { ...Object.fromEntries(settings.services.map((s) => [s.name, s.digest])), frontend: settings.frontend.digest }, record);
            }
            const driver = await ctx.driver(opts);
            const result = await ctx.announced(`deploy ${stack}`, settings.version, driver, () => driver.deployStack(settings));
            const { deployText } = require("../render") as typeof import("../render");
            ctx.emit(opts, result, deployText(result));
            await ctx.unhealthy(result.health);
        });

    engineCommand(program.command("drift <stack>"))
        .description("what changed outside vnv in prod or dev: every resource read from its provider (a refresh, previewed: nothing written); exit 1 on drift")
        .action(async (stackText: string, opts: SharedOptions) => {
            const stack = stackInput(stackText, "stack");
            const { settings } = await ctx.stackFile(stack);
            const driver = await ctx.driver({ ...opts, wait: "0" });
            const report = await ctx.announced(`drift ${stack}`, settings.version, driver, () => driver.drift(settings));
            const { driftText } = require("../render") as typeof import("../render");
            ctx.emit(opts, report, driftText(report));
            if (report.drifted.length > 0) {
                ctx.problem(`${report.drifted.length} resource(s) of ${stack} changed outside vnv`);
            }
        });
}
