/** `vnv env …`: ephemeral environments, one per version. Each command: parse, call the library, print. */
import { type Command, Option } from "commander";
import { ttlPolicy } from "../../../rules/ttl";
import { UsageError } from "../../errors";
import { concurrencyInput, currentOwner, datasetInput, instantInput, keepInput, ownerInput, ttlInput, versionInput } from "../../inputs";
import { type CliContext, engineCommand, type SharedOptions, withWait } from "../context";
import type { DockerEnvironments } from "../../docker/target";
import type { EnvironmentInfo, ReapSummary } from "../../environments/types";
import { meaningOf } from "../../errors";
import { execCommand } from "./exec";
import { orphansCommand } from "./orphans";
import { sleepCommands } from "./sleep";

export function envCommands(program: Command, ctx: CliContext): void {
    const env = program.command("env").description("ephemeral environments, one per version (https://1-2-3-rc-1.<domain>)");
    upCommand(env, ctx);
    statusCommand(env, ctx);
    downCommand(env, ctx);
    lsCommand(env, ctx);
    extendCommand(env, ctx);
    reapCommand(env, ctx);
    snapshotCommand(env, ctx);
    execCommand(env, ctx, withTarget);
    orphansCommand(env, ctx);
    sleepCommands(env, ctx);
}

/** `--on`: where the environment runs. */
function withTarget(cmd: Command): Command {
    return cmd.addOption(
        new Option("--on <target>", "where the environment runs: aws (ECS behind the shared ALB) or docker (a Compose project on DOCKER_HOST)")
            .choices(["aws", "docker"])
            .default("aws"),
    );
}

/** `--on` of the commands over every environment: one target only; without it, both. */
function withTargets(cmd: Command): Command {
    return cmd.addOption(
        new Option("--on <target>", "only the environments on aws or on docker (default: both, docker when Pulumi.dev.yaml configures it)").choices([
            "aws",
            "docker",
        ]),
    );
}

export type OnTarget = SharedOptions & { on?: "aws" | "docker"; secretsFile?: string };

async function dockerTarget(ctx: CliContext, opts: OnTarget) {
    const { makeDockerTarget } = require("../dockerDriver") as typeof import("../dockerDriver");
    return makeDockerTarget(ctx, opts);
}

/** The largest TTL dev's stack file allows (vnv:ephemeral.maxTtl). */
async function maxTtlMs(ctx: CliContext): Promise<number> {
    const policy = (await ctx.stackFile("dev")).settings.ephemeral!;
    return ttlPolicy(policy.defaultTtl, policy.maxTtl).maxMs;
}

function upCommand(env: Command, ctx: CliContext): void {
    withTarget(withWait(engineCommand(env.command("up <version>"))))
        .description("create or update the environment of <version> (e.g. v1.2.3-rc.1); prints its URL")
        .option("--ttl <duration>", "time to live from creation, e.g. 6h (default and maximum from Pulumi.dev.yaml); on a live environment, sets a new expiry")
        .option("--owner <name>", "who the environment is for (default: your user name)")
        .option(
            "--secrets-file <file>",
            "--on docker: NAME=value lines for the secrets the services read, in a file outside the repository (else $VNV_SECRET_<NAME>)",
        )
        .option("--dataset <version>", "a new environment's database starts from this dataset (default: the one the version's images name, else dev's default)")
        .action(async (versionText: string, opts: OnTarget & { ttl?: string; owner?: string; dataset?: string }) => {
            const version = versionInput(versionText);
            const ttl = opts.ttl === undefined ? undefined : ttlInput(opts.ttl, await maxTtlMs(ctx));
            const owner = opts.owner === undefined ? currentOwner(ctx.deps.env) : ownerInput(opts.owner);
            const dataset = opts.dataset === undefined ? undefined : datasetInput(opts.dataset);
            if (opts.on === "docker") {
                const target = await dockerTarget(ctx, opts);
                const r = await ctx.announcedBy("env up", version.canonical, target.cfg.announce, () => target.up(version, { ttl, owner, dataset }));
                ctx.emit(
                    opts,
                    r,
                    `${r.url}\n${r.created ? "created" : "updated"} ${r.stack} on Docker, expires ${r.expiresAt}${r.health?.healthy ? ", healthy" : ""}`,
                );
                await ctx.unhealthy(r.health);
                return;
            }
            const driver = await ctx.driver(opts);
            const r = await ctx.announced("env up", version.canonical, driver, () => driver.up(version, { ttl, owner, dataset }));
            const { estimateText } = require("../../environments/cost") as typeof import("../../environments/cost");
            const price = r.estimate === undefined ? "" : `\n${estimateText(r.estimate, driver.cfg.region ?? r.estimate.table.region)}`;
            ctx.emit(
                opts,
                r,
                `${r.url}\n${r.created ? "created" : "updated"} ${r.stack}, expires ${r.expiresAt}${r.health?.healthy ? ", healthy" : ""}${price}`,
            );
            ctx.authNotUpdated(r.auth);
            await ctx.unhealthy(r.health);
        });
}

function statusCommand(env: Command, ctx: CliContext): void {
    withTarget(engineCommand(env.command("status <version>")))
        .description("ask the environment of <version> for its health now: each public service's health path through its URL")
        .action(async (versionText: string, opts: OnTarget) => {
            const version = versionInput(versionText);
            const result =
                opts.on === "docker"
                    ? await (await dockerTarget(ctx, { ...opts, wait: "0" })).status(version)
                    : await (await ctx.driver({ ...opts, wait: "0" })).status(version);
            const { statusText } = require("../render") as typeof import("../render");
            ctx.emit(opts, result, statusText(result));
            await ctx.unhealthy(result.health);
        });
}

function downCommand(env: Command, ctx: CliContext): void {
    withTarget(engineCommand(env.command("down <version>")))
        .description("destroy the environment of <version> and remove its stack (--on docker: its containers, network and volumes)")
        .action(async (versionText: string, opts: OnTarget) => {
            const version = versionInput(versionText);
            if (opts.on === "docker") {
                const target = await dockerTarget(ctx, opts);
                const { downDocker } = require("../../docker/lifecycle") as typeof import("../../docker/lifecycle");
                const result = await ctx.announcedBy("env down", version.canonical, target.cfg.announce, () => downDocker(target, version));
                ctx.emit(opts, result, `removed ${result.stack}`);
                return;
            }
            const driver = await ctx.driver(opts);
            const result = await ctx.announced("env down", version.canonical, driver, () => driver.down(version));
            ctx.emit(opts, result, `destroyed ${result.stack}`);
            ctx.authNotUpdated(result.auth);
        });
}

function lsCommand(env: Command, ctx: CliContext): void {
    withTargets(engineCommand(env.command("ls")))
        .description("list the environments (and stacks that claim to be one but are malformed): version, URL, owner, times, last update, lock")
        .action(async (opts: OnTarget) => {
            const rows: EnvironmentInfo[] = opts.on === "docker" ? [] : await (await ctx.driver(opts)).list();
            if (opts.on !== "aws") {
                rows.push(...(await onDocker(ctx, opts, (target, lifecycle) => lifecycle.listDocker(target, target.cfg.clock()), [])));
            }
            const { environmentsTable } = require("../render") as typeof import("../render");
            ctx.emit(opts, rows, environmentsTable(rows));
        });
}

function extendCommand(env: Command, ctx: CliContext): void {
    withTarget(engineCommand(env.command("extend <version>")))
        .description(
            "set the expiry of <version>'s environment to creation + --ttl (no update runs); refused when that is already past. --keep <reason> keeps it longer, up to vnv:ephemeral.maxKeep",
        )
        .option("--ttl <duration>", "time to live from creation, e.g. 4h (required without --keep; with it, default vnv:ephemeral.maxKeep)")
        .option("--keep <reason>", "why it must live past the maximum TTL (shown in env ls, kept in the history); its bound is vnv:ephemeral.maxKeep")
        .option("--revive", "also for an environment that has expired already (the reaper may be collecting it)")
        .action(async (versionText: string, opts: OnTarget & { ttl?: string; keep?: string; revive?: boolean }) => {
            const version = versionInput(versionText);
            const keep = opts.keep === undefined ? undefined : keepInput(opts.keep);
            if (opts.ttl === undefined && keep === undefined) {
                throw new UsageError("--ttl is required (or --keep <reason>, to keep it up to vnv:ephemeral.maxKeep)");
            }
            const policy = (await ctx.stackFile("dev")).settings.ephemeral!;
            const bounds = ttlPolicy(policy.defaultTtl, policy.maxTtl, policy.maxKeep);
            // A kept environment's bound (maxKeep) is the library's to hold, saying so.
            const ttl = opts.ttl === undefined ? undefined : keep === undefined ? ttlInput(opts.ttl, bounds.maxMs) : ttlInput(opts.ttl);
            const revive = opts.revive ?? false;
            if (opts.on === "docker") {
                if (keep !== undefined || ttl === undefined) {
                    throw new UsageError("--keep is for environments on aws: a Docker environment lives within vnv:ephemeral.maxTtl");
                }
                const { extendDocker } = require("../../docker/lifecycle") as typeof import("../../docker/lifecycle");
                const meta = await extendDocker(await dockerTarget(ctx, opts), version, ttl, revive);
                ctx.emit(opts, { stack: meta.stack, expiresAt: meta.expiresAt.toISOString() }, `${meta.stack} expires ${meta.expiresAt.toISOString()}`);
                return;
            }
            const meta = await (await ctx.driver(opts)).extend(version, ttl, { revive, ...(keep === undefined ? {} : { keep }) });
            const { terminalText } = require("../../../rules/terminal") as typeof import("../../../rules/terminal");
            ctx.emit(
                opts,
                { stack: meta.stack, expiresAt: meta.expiresAt.toISOString(), ...(meta.keep === undefined ? {} : { keep: meta.keep }) },
                `${meta.stack} expires ${meta.expiresAt.toISOString()}${meta.keep === undefined ? "" : `, kept: ${terminalText(meta.keep)}`}`,
            );
        });
}

function reapCommand(env: Command, ctx: CliContext): void {
    withTargets(engineCommand(env.command("reap")))
        .description("destroy and remove every ephemeral environment whose expiry has passed (never dev, prod, protected or malformed stacks)")
        .option("--dry-run", "only say what would be destroyed")
        .option("--now <time>", "with --dry-run: plan as if it were this ISO 8601 time (with a time zone); a real reap decides by the time it acts")
        .addOption(new Option("--concurrency <n>", "environments destroyed at once, 1 to 32").default("2"))
        .option("--orphans", "also report resources tagged for an environment whose stack is gone (vnv env orphans; the Tagging API of dev's region)")
        .action(async (opts: OnTarget & { dryRun?: boolean; now?: string; concurrency: string; orphans?: boolean }) => {
            const now = opts.now === undefined ? undefined : instantInput(opts.now);
            if (now !== undefined && !opts.dryRun) {
                throw new UsageError("--now is for planning only: add --dry-run (a real reap decides by the time it acts, never by a given one)");
            }
            const concurrency = concurrencyInput(opts.concurrency);
            const reapAws = async () => {
                const driver = await ctx.driver(opts);
                return ctx.announced("env reap", undefined, driver, () => driver.reap({ dryRun: opts.dryRun, now, concurrency }));
            };
            const aws = opts.on === "docker" ? undefined : await reapAws();
            const docker =
                opts.on === "aws"
                    ? undefined
                    : await onDocker(
                          ctx,
                          opts,
                          (target, lifecycle) => lifecycle.reapDocker(target, { dryRun: opts.dryRun ?? false, now, concurrency }),
                          undefined,
                      );
            const summary = aws !== undefined && docker !== undefined ? mergeReaps(aws, docker) : (aws ?? docker);
            if (summary === undefined) {
                return; // unreachable: --on docker answers or throws
            }
            if (opts.orphans && opts.on !== "docker") {
                Object.assign(summary, { orphans: await orphansSeen(ctx, opts) });
            }
            const { reapText } = require("../render") as typeof import("../render");
            ctx.emit(opts, summary, reapText(summary));
            if (summary.failed.length > 0) {
                ctx.problem(`${summary.failed.length} environment(s) could not be destroyed: ${summary.failed.map((f) => f.stack).join(", ")}`);
            }
            ctx.authNotUpdated(summary.auth);
        });
}

function snapshotCommand(env: Command, ctx: CliContext): void {
    withTarget(engineCommand(env.command("snapshot <version>")))
        .description(
            "capture the database of <version>'s environment as a new dataset, pushed beside its dataset (on ECS from an EBS snapshot, the database running on; on Docker the database stops for the dump)",
        )
        .option("--as <name>", "the new dataset's tag, never one that exists (default: <stack>.<UTC time>)")
        .action(async (versionText: string, opts: OnTarget & { as?: string }) => {
            const version = versionInput(versionText);
            const as = opts.as === undefined ? undefined : datasetInput(opts.as, "--as");
            if (opts.on !== "docker") {
                const { snapshotOnEcs } = require("../../environments/ecsSnapshot") as typeof import("../../environments/ecsSnapshot");
                const driver = await ctx.driver(opts);
                const r = await snapshotOnEcs(driver, version, { ...(as === undefined ? {} : { as }), registry: await ctx.registry() });
                ctx.emit(opts, r, snapshotText(r));
                return;
            }
            const { snapshot } = require("../../docker/snapshot") as typeof import("../../docker/snapshot");
            const r = await snapshot(await dockerTarget(ctx, opts), version, { ...(as === undefined ? {} : { as }) });
            ctx.emit(opts, r, snapshotText(r));
        });
}

/** What a snapshot made, and how to start an environment from it. */
function snapshotText(r: { reference: string; files: number; bytes: number; from: { tag: string }; dataset: { tag: string } }): string {
    return `${r.reference}\n${r.files} file(s), ${r.bytes} bytes, from ${r.from.tag}; start an environment from it: vnv env up <version> --dataset ${r.dataset.tag}`;
}

/**
 * `work` over the Docker target when dev configures one; a Docker host that cannot be reached
 * is reported (the command exits 1 after its output), never fatal for the AWS environments.
 */
export async function onDocker<T>(
    ctx: CliContext,
    opts: OnTarget,
    work: (target: DockerEnvironments, lifecycle: typeof import("../../docker/lifecycle")) => Promise<T>,
    otherwise: T,
): Promise<T> {
    const { dockerConfigured } = require("../dockerDriver") as typeof import("../dockerDriver");
    if (opts.on === "docker") {
        // Asked for by name: a target that is not configured, or cannot be reached, is the answer.
        return work(await dockerTarget(ctx, opts), require("../../docker/lifecycle") as typeof import("../../docker/lifecycle"));
    }
    if (!(await dockerConfigured(ctx))) {
        return otherwise;
    }
    try {
        return await work(await dockerTarget(ctx, opts), require("../../docker/lifecycle") as typeof import("../../docker/lifecycle"));
    } catch (e) {
        if (meaningOf(e) === "bad-input") {
            throw e;
        }
        ctx.problem(`Docker environments: ${(e as Error).message}`);
        return otherwise;
    }
}

/** The orphans the reaper sees: by environment, how many resources; a Tagging API it cannot read is a problem (exit 1), never fatal for the reap. */
async function orphansSeen(ctx: CliContext, opts: OnTarget): Promise<{ environment: string; resources: number }[] | undefined> {
    try {
        const { currentPlan } = require("./orphans") as typeof import("./orphans");
        const { plan } = await currentPlan(ctx, opts);
        return plan.orphans.map((o) => ({ environment: o.environment, resources: o.resources.length }));
    } catch (e) {
        ctx.problem(`orphans: ${(e as Error).message}`);
        return undefined;
    }
}

function mergeReaps(a: ReapSummary, b: ReapSummary): ReapSummary {
    return {
        ...a,
        destroyed: [...a.destroyed, ...b.destroyed],
        wouldDestroy: [...a.wouldDestroy, ...b.wouldDestroy],
        skipped: [...a.skipped, ...b.skipped],
        failed: [...a.failed, ...b.failed],
    };
}
