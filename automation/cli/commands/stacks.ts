/** `vnv deploy` and `vnv drift`: the long-lived stacks, prod and dev, as their stack files pin them. */
import type { Command } from "commander";
import { parseVersion, tryParseVersion } from "../../../rules/versions";
import type { EnvironmentSettings } from "../../../infra/settings";
import { meaningOf, UsageError } from "../../errors";
import { stackInput, versionInput } from "../../inputs";
import type { RollbackPlan } from "../../release/rollback";
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

    rollbackCommand(program, ctx);

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

type RollbackOptions = SharedOptions & { from?: string; yes?: boolean; dryRun?: boolean };

function rollbackCommand(program: Command, ctx: CliContext): void {
    withWait(engineCommand(program.command("rollback <stack>")))
        .description(
            "deploy prod or dev again with the digests of its previous successful deploy (from the history): shows what changes, asks, pins, deploys, waits until healthy, records it",
        )
        .option("--from <version>", "refuse unless the newest deploy of <stack> is this version (two people rolling back at once move one step, not two)")
        .option("-y, --yes", "do not ask (required where there is no terminal to ask on, as in a workflow)")
        .option("--dry-run", "only say what the rollback would deploy")
        .action(async (stackText: string, opts: RollbackOptions) => {
            const stack = stackInput(stackText, "stack");
            const expected = opts.from === undefined ? undefined : versionInput(opts.from, "--from").canonical;
            const { planRollback, rollbackText } = require("../../release/rollback") as typeof import("../../release/rollback");
            const plan = planRollback(stack, await deploysOf(ctx, opts, stack), expected);
            const pins = pinsOf(plan, (await ctx.stackFile(stack)).settings);
            if (opts.dryRun) {
                return ctx.emit(opts, { ...plan, dryRun: true }, rollbackText(plan));
            }
            ctx.log(rollbackText(plan).replaceAll("\n", "\nvnv: "));
            await confirmed(ctx, opts, `roll ${stack} back to ${plan.to.version}? [y/N] `);
            const { writePins } = require("../../release/pins") as typeof import("../../release/pins");
            const fs = require("node:fs") as typeof import("node:fs");
            const file = `${ctx.dir}/Pulumi.${stack}.yaml`;
            const before = fs.readFileSync(file, "utf8");
            const rollBack = async () => {
                writePins(ctx.dir, stack, plan.to.version, pins);
                ctx.forget(stack);
                const { settings } = await ctx.stackFile(stack);
                const driver = await ctx.driver(opts);
                return ctx.announced(`rollback ${stack}`, plan.to.version, driver, () => driver.deployStack(settings, "rollback"));
            };
            const result = await rollBack().catch((e: unknown) => {
                if (meaningOf(e) !== "failed") {
                    fs.writeFileSync(file, before); // refused before anything ran (bad file, no stack, locked): the pin is taken back
                }
                throw e;
            });
            const { deployText } = require("../render") as typeof import("../render");
            ctx.emit(opts, { ...result, rolledBackFrom: plan.from, changes: plan.changes }, `${deployText(result)}\nrolled back from ${plan.from.version}`);
            await ctx.unhealthy(result.health);
        });
}

/** The deploys and rollbacks of `stack` the history holds, newest first; a history is required. */
async function deploysOf(ctx: CliContext, opts: SharedOptions, stack: string) {
    const backend = ctx.backend(opts);
    const { AuditLog } = require("../../history/audit") as typeof import("../../history/audit");
    const { DEPLOYING_ACTIONS } = require("../../release/rollback") as typeof import("../../release/rollback");
    const trail = AuditLog.for(backend);
    if (trail === undefined) {
        throw new UsageError(`rollback finds the previous deploy in the history, kept in file:// and s3:// backends; ${backend.url} keeps none`);
    }
    const history = await trail.read({ environment: stack, action: DEPLOYING_ACTIONS, limit: 1000 });
    for (const p of history.problems) {
        ctx.log(`history entry ${p.key} is not an event vnv reads (${p.problem}): left out of the plan`);
    }
    return history.events;
}

/** The digests to pin: the target's, for every image the stack file deploys today; one it has none for refuses the rollback. */
function pinsOf(plan: RollbackPlan, settings: EnvironmentSettings): Record<string, string> {
    if (tryParseVersion(plan.to.version) === undefined) {
        throw new UsageError(
            `the deploy of ${plan.stack} at ${plan.to.at} records no version vnv can pin (${JSON.stringify(plan.to.version.slice(0, 60))}): nothing was changed`,
        );
    }
    const names = [...settings.services.map((s) => s.name), ...(settings.frontend.image === undefined ? [] : ["frontend"])];
    const missing = names.filter((n) => plan.to.digests[n] === undefined);
    if (missing.length > 0) {
        throw new UsageError(
            `the deploy of ${plan.to.version} at ${plan.to.at} has no digest for ${missing.join(", ")} (added to Pulumi.${plan.stack}.yaml since): roll forward instead, \`vnv release check <version> --stack ${plan.stack} --pin\` then \`vnv deploy ${plan.stack}\``,
        );
    }
    return Object.fromEntries(names.map((n) => [n, plan.to.digests[n] as string]));
}

/** Asks on the terminal, unless --yes; no terminal and no --yes, or any answer but yes: nothing is done. */
async function confirmed(ctx: CliContext, opts: RollbackOptions, question: string): Promise<void> {
    if (opts.yes) {
        return;
    }
    if (ctx.deps.confirm === undefined) {
        throw new UsageError("rollback asks before it deploys, and there is no terminal to ask on: pass --yes (nothing was changed)");
    }
    if (!(await ctx.deps.confirm(question))) {
        throw new UsageError("rollback not confirmed: nothing was changed");
    }
}
