/** `vnv release …`: a version's images in the registry: check, list, promote, verify. */
import type { Command } from "commander";
import { imagesOf } from "../../../infra/settings";
import { compareVersions, type Version } from "../../../rules/versions";
import { UsageError } from "../../errors";
import type { AuditDraft } from "../../history/auditing";
import { envTagInput, limitInput, stackInput, versionInput } from "../../inputs";
import type { Placement } from "../../release/catalogue";
import type { ReleaseRecord } from "../../release/record";
import type { CheckResult, ImageSource } from "../../release/release";
import type { RegistryClient } from "../../../registry/client";
import { terminalText } from "../../../rules/terminal";
import { type CliContext, type SharedOptions, withBackend, withJson, withState } from "../context";

/** The releases recorded in the history (all, or `version`'s): what each release is (automation/release/record.ts). */
export async function recordsOf(ctx: CliContext, opts: { backend?: string }, version?: Version): Promise<Map<string, ReleaseRecord>> {
    const backend = ctx.backend(opts);
    const { AuditLog } = require("../../history/audit") as typeof import("../../history/audit");
    const { releaseRecords } = require("../../release/record") as typeof import("../../release/record");
    const trail = AuditLog.for(backend);
    if (trail === undefined) {
        ctx.log(`no history on ${backend.kind}://: releases cannot be checked against their records`);
        return new Map();
    }
    return releaseRecords(trail, version);
}

/**
 * Where versions run: every ephemeral environment (with its expiry), and prod and dev as their
 * stacks' outputs say (automation/release/running.ts), with how that differs from their last
 * successful deploy in the audit trail.
 */
async function placementsOf(ctx: CliContext, opts: SharedOptions): Promise<Placement[]> {
    const driver = await ctx.driver(opts);
    const rows = await driver.list();
    const out: Placement[] = rows
        .filter((r) => r.status !== "malformed" && r.version !== undefined)
        .map((r) => ({
            where: "ephemeral",
            stack: r.stack,
            version: r.version!,
            ...(r.expiresAt === undefined ? {} : { expiresAt: r.expiresAt }),
            ...(r.url === undefined ? {} : { url: r.url }),
        }));
    const { AuditLog } = require("../../history/audit") as typeof import("../../history/audit");
    const { runningFrom } = require("../../release/running") as typeof import("../../release/running");
    const trail = AuditLog.for(ctx.backend(opts));
    const running = await Promise.all(
        (["prod", "dev"] as const).map(async (stack) => {
            const [outputs, deployed] = await Promise.all([
                driver.store.outputs(stack),
                trail?.read({ environment: stack, action: ["deploy", "rollback"], result: "succeeded", limit: 1 }),
            ]);
            return runningFrom(stack, outputs, deployed?.events[0]);
        }),
    );
    for (const r of running) {
        if (r !== undefined && "problem" in r) {
            ctx.log(r.problem);
        } else if (r !== undefined) {
            out.push(r.placement);
        }
    }
    return out;
}

export function releaseCommands(program: Command, ctx: CliContext): void {
    const release = program.command("release").description("release images: check that a version exists, promote a release candidate, verify releases");
    checkCommand(release, ctx);
    lsCommand(release, ctx);
    promoteCommand(release, ctx);
    verifyCommand(release, ctx);
}

/**
 * The dataset a version's environments start from (rules/datasets.ts): the one its images name
 * (or dev's default), resolved like an image; a dataset that does not exist fails the check.
 */
async function datasetOf(ctx: CliContext, client: RegistryClient, result: CheckResult, sources: readonly ImageSource[]) {
    const policy = (await ctx.stackFile("dev")).settings.ephemeral?.database?.dataset;
    const { chooseDataset } = require("../../release/dataset") as typeof import("../../release/dataset");
    const ofVersion = new Set(sources.filter((s) => s.tag === undefined).map((s) => s.name));
    const versioned = result.images.filter((i) => ofVersion.has(i.service) && i.digest !== undefined);
    return chooseDataset(
        client,
        policy,
        versioned.map((i) => ({ service: i.service, image: i.image, digest: i.digest! })),
        undefined,
    );
}

function datasetLine(d: { image: string; tag: string; digest: string; source: string }): string {
    return `dataset ${terminalText(`${d.image}:${d.tag}`)}  ${terminalText(d.digest)}  (${d.source === "label" ? "named by the version's images" : "dev's default"})`;
}

/** The images of `stack`'s services, as its stack file names them. */
async function servicesOf(ctx: CliContext, stack: "dev" | "prod") {
    return imagesOf((await ctx.stackFile(stack)).settings);
}

function checkCommand(release: Command, ctx: CliContext): void {
    withJson(withBackend(release.command("check <version>")))
        .description("check that every service image of <version> exists in its registry; print each digest")
        .option("--stack <name>", "whose services: dev or prod", "dev")
        .option("--pin", "write vnv:version and vnv:digests into Pulumi.<stack>.yaml, so `pulumi up` deploys exactly these digests")
        .action(async (versionText: string, opts: { stack: string; pin?: boolean; backend?: string; json?: boolean }) => {
            const version = versionInput(versionText);
            const stack = stackInput(opts.stack);
            const [client, images] = await Promise.all([ctx.registry(), servicesOf(ctx, stack)]);
            const { checkRelease, MissingImagesError } = require("../../release/release") as typeof import("../../release/release");
            const { ReleaseMovedError, verifyReleases } = require("../../release/record") as typeof import("../../release/record");
            const { checkText } = require("../render") as typeof import("../render");
            const result = await checkRelease(client, images, version.canonical);
            // A release is also held against its record, in every spelling: released means immutable.
            const record = version.kind === "release" && result.missing.length === 0 ? (await recordsOf(ctx, opts, version)).get(version.canonical) : undefined;
            const verdict = record === undefined ? undefined : (await verifyReleases(client, images, [record])).verdicts[0];
            const dataset = stack === "dev" && result.missing.length === 0 ? await datasetOf(ctx, client, result, images) : undefined;
            const shown = { ...result, ...(dataset === undefined ? {} : { dataset }) };
            ctx.emit(
                opts,
                verdict === undefined ? shown : { ...shown, released: verdict.recorded, moved: verdict.moved },
                `${checkText(result)}${dataset === undefined ? "" : `\n${datasetLine(dataset)}`}`,
            );
            if (result.missing.length > 0) {
                return ctx.problem(new MissingImagesError(result).message);
            }
            if (verdict !== undefined && verdict.moved.length > 0) {
                return ctx.problem(new ReleaseMovedError([verdict]).message);
            }
            if (opts.pin) {
                const { writePins } = require("../../release/pins") as typeof import("../../release/pins");
                const pin = async () => writePins(ctx.dir, stack, result.version, result.digests);
                const auditor = await ctx.auditor(ctx.backend(opts));
                const draft: AuditDraft = { action: "pin", environment: stack, version: result.version, digests: { ...result.digests } };
                const file = auditor === undefined ? await pin() : await auditor.run(draft, pin);
                ctx.log(`pinned ${result.version} and ${Object.keys(result.digests).length} digest(s) in ${file}`);
            }
        });
}

function lsCommand(release: Command, ctx: CliContext): void {
    withJson(withState(release.command("ls")))
        .description("the versions the registry holds for a stack's images, newest first: complete or which images are missing, kind, where each runs")
        .option("--stack <name>", "whose images: dev or prod", "dev")
        .option("--limit <n>", "the newest n versions (versions that run somewhere are always shown), 1 to 1000", "30")
        .action(async (opts: SharedOptions & { stack: string; limit: string }) => {
            const stack = stackInput(opts.stack);
            const limit = limitInput(opts.limit);
            const [images, placements, records, client] = await Promise.all([
                servicesOf(ctx, stack),
                placementsOf(ctx, opts),
                recordsOf(ctx, opts),
                ctx.registry(),
            ]);
            const { catalogue, catalogueText } = require("../../release/catalogue") as typeof import("../../release/catalogue");
            // The datasets' column when dev names a datasets' repository (versions name theirs by a label of their images).
            const datasets = (await ctx.stackFile("dev")).settings.ephemeral?.database?.dataset !== undefined;
            const result = await catalogue(client, images, placements, { limit, records, datasets });
            ctx.emit(opts, result, catalogueText(result));
        });
}

function promoteCommand(release: Command, ctx: CliContext): void {
    withJson(withBackend(release.command("promote <release>")))
        .description("promote a release candidate to <release> (vX.Y.Z) by tagging the same manifests; no rebuild, no pull")
        .option("--from <rc>", "the release candidate (default: the highest vX.Y.Z-rc.N present for every service, in semver order)")
        .option("--env-tag <tag>", "environment tag of the double tagging, moved along (a word such as prod or test, never a version)", "prod")
        .option("--stack <name>", "whose services: dev or prod", "dev")
        .option("--dry-run", "check everything and say what would be tagged, tag nothing")
        .action(async (target: string, opts: { from?: string; envTag: string; stack: string; dryRun?: boolean; backend?: string; json?: boolean }) => {
            const release = versionInput(target);
            if (opts.from !== undefined) {
                versionInput(opts.from, "--from");
            }
            const envTag = envTagInput(opts.envTag);
            const [images, client] = await Promise.all([servicesOf(ctx, stackInput(opts.stack)), ctx.registry()]);
            const auditor = opts.dryRun ? undefined : await ctx.auditor(ctx.backend(opts));
            const { applyPromotion, planPromotion } = require("../../release/release") as typeof import("../../release/release");
            const promote = async (draft?: AuditDraft) => {
                const recorded = (await recordsOf(ctx, opts, release)).get(release.canonical);
                const plan = await planPromotion(client, images, target, { from: opts.from, envTag, recorded });
                const written = opts.dryRun ? [] : await applyPromotion(client, plan);
                if (draft !== undefined) {
                    draft.digests = Object.fromEntries(plan.steps.map((step) => [step.service, step.digest]));
                }
                return { plan, written };
            };
            const draft: AuditDraft = { action: "promote", environment: envTag, version: release.canonical, digests: {} };
            const { plan, written } = auditor === undefined ? await promote() : await auditor.run(draft, promote);
            const { promoteText } = require("../render") as typeof import("../render");
            ctx.emit(opts, { ...plan, dryRun: opts.dryRun ?? false, written }, promoteText(plan, opts.dryRun ?? false));
        });
}

function verifyCommand(release: Command, ctx: CliContext): void {
    withJson(withBackend(release.command("verify")))
        .description("hold every release recorded in the history against its registry: each tag, in every spelling, where its first promotion put it")
        .option("--stack <name>", "whose images: dev or prod", "dev")
        .action(async (opts: { stack: string; backend?: string; json?: boolean }) => {
            const stack = stackInput(opts.stack);
            const backend = ctx.backend(opts);
            const { AuditLog } = require("../../history/audit") as typeof import("../../history/audit");
            const { notifierFrom } = require("../../environments/notify") as typeof import("../../environments/notify");
            const { ReleaseMovedError, verifyReleases, verifyText } = require("../../release/record") as typeof import("../../release/record");
            const notifier = notifierFrom(ctx.deps.env, ctx.log);
            if (AuditLog.for(backend) === undefined) {
                throw new UsageError(`the history is kept in file:// and s3:// backends; ${backend.url} keeps none, so no release has a record`);
            }
            const records = [...(await recordsOf(ctx, opts)).values()].sort((a, b) => compareVersions(b.version, a.version));
            const result = await verifyReleases(await ctx.registry(), await servicesOf(ctx, stack), records);
            const moved = result.verdicts.filter((v) => v.moved.length > 0);
            ctx.emit(opts, { checked: records.length, moved: moved.map((v) => v.version), ...result }, verifyText(result));
            for (const v of moved) {
                await notifier.announce({ kind: "release-moved", version: v.version, released: v.recorded, moved: v.moved });
            }
            if (moved.length > 0) {
                ctx.problem(new ReleaseMovedError(moved).message);
            }
        });
}
