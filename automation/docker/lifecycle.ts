/**
 * The rest of a Docker environment's life: listed, extended, brought down, reaped. The same
 * rules as on AWS: the expiry counts from creation, an expired environment is extended only
 * with `revive`, and the reaper re-reads an environment's labels just before it acts, acting
 * only when they are the ones it planned on and still say expired.
 */
import { type EnvironmentMeta, sameMeta, decideReap } from "../../rules/metadata";
import { stackName as versionStack } from "../../rules/naming";
import { formatDuration } from "../../rules/ttl";
import type { Version } from "../../rules/versions";
import { OperationError } from "../errors";
import type { Ttl } from "../inputs";
import type { AuditDraft } from "../history/auditing";
import { type ReapSummary, reap } from "../environments/reaper";
import type { EnvironmentInfo } from "../environments/types";
import { labelsToTags } from "./labels";
import { dockerProject } from "./project";
import { authoritative, type DockerEnvironment, type DockerEnvironments, historyName } from "./target";
import { keptDataset } from "./dataset";

/** `env ls` rows of the Docker environments (target `docker`). */
export async function listDocker(target: DockerEnvironments, now: Date): Promise<(EnvironmentInfo & { target: "docker" })[]> {
    const envs = await target.environments(now);
    return envs.map((e) => {
        const common = { stack: historyName(e.stack), target: "docker" as const, lastUpdate: undefined, resourceCount: e.objects.length, locks: null };
        if ("problem" in e.found) {
            return { ...common, status: "malformed" as const, problem: e.found.problem };
        }
        const meta = e.found.meta;
        const left = meta.expiresAt.getTime() - now.getTime();
        return {
            ...common,
            status: left > 0 ? ("live" as const) : ("expired" as const),
            version: meta.version,
            url: e.found.url,
            owner: meta.owner,
            createdAt: meta.createdAt.toISOString(),
            expiresAt: meta.expiresAt.toISOString(),
            timeLeftMs: left,
            timeLeft: left > 0 ? formatDuration(left) : `expired ${formatDuration(-left)} ago`,
        };
    });
}

/** A new expiry (creation + `ttl`): the project's objects are labelled anew, its containers recreated with the same images and secrets. */
export async function extendDocker(target: DockerEnvironments, version: Version, ttl: Ttl, revive: boolean): Promise<EnvironmentMeta> {
    const found = await target.found(version);
    const now = target.cfg.clock();
    if (!revive && found.meta.expiresAt.getTime() <= now.getTime()) {
        throw new OperationError(
            `${historyName(found.env.stack)} expired at ${found.meta.expiresAt.toISOString()} and the reaper may be collecting it: nothing was changed. ` +
                `To bring it back, run \`vnv env extend ${version.canonical} --ttl ${ttl.text} --revive --on docker\``,
        );
    }
    const meta = { ...found.meta, expiresAt: new Date(found.meta.createdAt.getTime() + ttl.ms) };
    if (meta.expiresAt.getTime() <= now.getTime()) {
        throw new OperationError(`creation + ${ttl.text} is ${meta.expiresAt.toISOString()}, already past: give a longer --ttl`);
    }
    const draft: AuditDraft = { action: "extend", environment: historyName(found.env.stack), version: version.canonical, digests: {} };
    return target.audited(draft, async (d) => {
        const digests = runningDigests(found.env);
        const settings = target.settingsFor(version, digests, keptDataset(found.env));
        const project = dockerProject(settings, meta, target.cfg.policy);
        const secrets = await target.secretsFor(project, found.env, settings.database?.name, { carryConfigured: true });
        await target.cfg.engine.up(project.file, secrets, { waitSeconds: target.cfg.waitSeconds });
        Object.assign(d, { expiresAt: meta.expiresAt.toISOString(), url: project.url, digests });
        return meta;
    });
}

/** The digests the containers run (`repository@sha256:…` as Compose was given them). */
function runningDigests(env: DockerEnvironment): Record<string, string> {
    const digests: Record<string, string> = {};
    for (const o of env.objects) {
        const digest = o.image?.match(/@(sha256:[0-9a-f]{64})$/)?.[1];
        if (o.kind === "container" && o.service !== undefined && digest !== undefined) {
            digests[o.service] = digest;
        }
    }
    return digests;
}

/** Removes every container, network and volume of `version`'s environment (a malformed one too). */
export async function downDocker(target: DockerEnvironments, version: Version): Promise<{ stack: string }> {
    const env = await target.find(version);
    const stack = versionStack(version);
    if (env === undefined) {
        await target.found(version); // throws EnvironmentNotFoundError
    }
    const draft: AuditDraft = { action: "destroy", environment: historyName(stack), version: version.canonical, digests: {} };
    await target.audited(draft, async () => {
        await target.cfg.engine.down(env!.project);
        await target.cfg.announce({ kind: "destroyed", version: version.canonical, by: "down" });
    });
    return { stack: historyName(stack) };
}

/** The reaper over the engine's environments (rules/metadata.ts decides, as on AWS). */
export async function reapDocker(target: DockerEnvironments, options: { dryRun: boolean; now?: Date; concurrency: number }): Promise<ReapSummary> {
    const envs = await target.environments(options.now);
    const tagsOf = (e: DockerEnvironment) => ("problem" in e.found ? { "vnv:kind": "ephemeral" } : labelsToTags(authoritative(e.objects)[0]!.labels));
    const summary = await reap(
        {
            stacks: async () => envs.map((e) => ({ name: e.stack, tags: tagsOf(e) })),
            destroy: async (stack, meta, planned) => {
                const now = (await target.environments()).find((e) => e.stack === stack);
                if (now === undefined) {
                    return "gone";
                }
                const decided = decideReap({ name: stack, tags: tagsOf(now) }, target.rules());
                if (!sameMeta(tagsOf(now), planned) || decided.action !== "destroy") {
                    return { skipped: `its labels changed since the plan (${decided.reason})` };
                }
                const draft: AuditDraft = { action: "reap", environment: historyName(stack), version: meta.version, digests: {} };
                await target.audited(draft, () => target.cfg.engine.down(now.project));
                return "destroyed";
            },
            protectedStacks: [],
            log: target.cfg.log,
            destroyed: (meta) => target.cfg.announce({ kind: "destroyed", version: meta.version, by: "reaper" }),
        },
        { rules: target.rules(options.now), dryRun: options.dryRun, concurrency: options.concurrency },
    );
    const named = (s: string) => historyName(s);
    return {
        ...summary,
        destroyed: summary.destroyed.map(named),
        wouldDestroy: summary.wouldDestroy.map(named),
        skipped: summary.skipped.map((s) => ({ ...s, stack: named(s.stack) })),
        failed: summary.failed.map((s) => ({ ...s, stack: named(s.stack) })),
    };
}
