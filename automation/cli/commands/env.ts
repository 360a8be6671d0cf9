/** `vnv env …`: ephemeral environments, one per version. Each command: parse, call the library, print. */
import { type Command, Option } from "commander";
import { ttlPolicy } from "../../../rules/ttl";
import { UsageError } from "../../errors";
import { concurrencyInput, currentOwner, instantInput, ownerInput, ttlInput, versionInput } from "../../inputs";
import { type CliContext, engineCommand, type SharedOptions, withWait } from "../context";

export function envCommands(program: Command, ctx: CliContext): void {
    const env = program.command("env").description("ephemeral environments, one per version (https://1-2-3-rc-1.<domain>)");
    upCommand(env, ctx);
    statusCommand(env, ctx);
    downCommand(env, ctx);
    lsCommand(env, ctx);
    extendCommand(env, ctx);
    reapCommand(env, ctx);
}

/** The largest TTL dev's stack file allows (vnv:ephemeral.maxTtl). */
async function maxTtlMs(ctx: CliContext): Promise<number> {
    const policy = (await ctx.stackFile("dev")).settings.ephemeral!;
    return ttlPolicy(policy.defaultTtl, policy.maxTtl).maxMs;
}

function upCommand(env: Command, ctx: CliContext): void {
    withWait(engineCommand(env.command("up <version>")))
        .description("create or update the environment of <version> (e.g. v1.2.3-rc.1); prints its URL")
        .option("--ttl <duration>", "time to live from creation, e.g. 6h (default and maximum from Pulumi.dev.yaml); on a live environment, sets a new expiry")
        .option("--owner <name>", "who the environment is for (default: your user name)")
        .action(async (versionText: string, opts: SharedOptions & { ttl?: string; owner?: string }) => {
            const version = versionInput(versionText);
            const ttl = opts.ttl === undefined ? undefined : ttlInput(opts.ttl, await maxTtlMs(ctx));
            const owner = opts.owner === undefined ? currentOwner(ctx.deps.env) : ownerInput(opts.owner);
            const driver = await ctx.driver(opts);
            const r = await ctx.announced("env up", version.canonical, driver, () => driver.up(version, { ttl, owner }));
            ctx.emit(opts, r, `${r.url}\n${r.created ? "created" : "updated"} ${r.stack}, expires ${r.expiresAt}${r.health?.healthy ? ", healthy" : ""}`);
            ctx.authNotUpdated(r.auth);
            await ctx.unhealthy(r.health);
        });
}

function statusCommand(env: Command, ctx: CliContext): void {
    engineCommand(env.command("status <version>"))
        .description("ask the environment of <version> for its health now: each public service's health path through its URL")
        .action(async (versionText: string, opts: SharedOptions) => {
            const version = versionInput(versionText);
            const result = await (await ctx.driver({ ...opts, wait: "0" })).status(version);
            const { statusText } = require("../render") as typeof import("../render");
            ctx.emit(opts, result, statusText(result));
            await ctx.unhealthy(result.health);
        });
}

function downCommand(env: Command, ctx: CliContext): void {
    engineCommand(env.command("down <version>"))
        .description("destroy the environment of <version> and remove its stack")
        .action(async (versionText: string, opts: SharedOptions) => {
            const version = versionInput(versionText);
            const driver = await ctx.driver(opts);
            const result = await ctx.announced("env down", version.canonical, driver, () => driver.down(version));
            ctx.emit(opts, result, `destroyed ${result.stack}`);
            ctx.authNotUpdated(result.auth);
        });
}

function lsCommand(env: Command, ctx: CliContext): void {
    engineCommand(env.command("ls"))
        .description("list the environments (and stacks that claim to be one but are malformed): version, URL, owner, times, last update, lock")
        .action(async (opts: SharedOptions) => {
            const rows = await (await ctx.driver(opts)).list();
            const { environmentsTable } = require("../render") as typeof import("../render");
            ctx.emit(opts, rows, environmentsTable(rows));
        });
}

function extendCommand(env: Command, ctx: CliContext): void {
    engineCommand(env.command("extend <version>"))
        .description("set the expiry of <version>'s environment to creation + --ttl (no update runs); refused when that is already past")
        .requiredOption("--ttl <duration>", "time to live from creation, e.g. 4h")
        .option("--revive", "also for an environment that has expired already (the reaper may be collecting it)")
        .action(async (versionText: string, opts: SharedOptions & { ttl: string; revive?: boolean }) => {
            const version = versionInput(versionText);
            const ttl = ttlInput(opts.ttl, await maxTtlMs(ctx));
            const meta = await (await ctx.driver(opts)).extend(version, ttl, { revive: opts.revive ?? false });
            ctx.emit(opts, { stack: meta.stack, expiresAt: meta.expiresAt.toISOString() }, `${meta.stack} expires ${meta.expiresAt.toISOString()}`);
        });
}

function reapCommand(env: Command, ctx: CliContext): void {
    engineCommand(env.command("reap"))
        .description("destroy and remove every ephemeral environment whose expiry has passed (never dev, prod, protected or malformed stacks)")
        .option("--dry-run", "only say what would be destroyed")
        .option("--now <time>", "with --dry-run: plan as if it were this ISO 8601 time (with a time zone); a real reap decides by the time it acts")
        .addOption(new Option("--concurrency <n>", "environments destroyed at once, 1 to 32").default("2"))
        .action(async (opts: SharedOptions & { dryRun?: boolean; now?: string; concurrency: string }) => {
            const now = opts.now === undefined ? undefined : instantInput(opts.now);
            if (now !== undefined && !opts.dryRun) {
                throw new UsageError("--now is for planning only: add --dry-run (a real reap decides by the time it acts, never by a given one)");
            }
            const concurrency = concurrencyInput(opts.concurrency);
            const driver = await ctx.driver(opts);
            const summary = await ctx.announced("env reap", undefined, driver, () => driver.reap({ dryRun: opts.dryRun, now, concurrency }));
            const { reapText } = require("../render") as typeof import("../render");
            ctx.emit(opts, summary, reapText(summary));
            if (summary.failed.length > 0) {
                ctx.problem(`${summary.failed.length} environment(s) could not be destroyed: ${summary.failed.map((f) => f.stack).join(", ")}`);
            }
            ctx.authNotUpdated(summary.auth);
        });
}
