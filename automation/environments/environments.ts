/**
 * Ephemeral environments, one Pulumi stack per version, on a self-managed backend: the commands
 * up, down, extend, ls and reap over the stack store, locks, slots, reaper and auth owner.
 * Takes typed inputs only (automation/inputs.ts parses them).
 *
 * The program is a dependency ({@link ProgramFactory}): the real one is the environment
 * definition of infra/ run as an inline program; tests pass stand-ins that need no cloud.
 */
import type { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { ephemeralFromDev } from "../../infra/ephemeral";
import { type EnvironmentSettings, imagesOf, parseSettings, SettingsError } from "../../infra/settings";
import { decideReap, type EnvironmentMeta, planReap, type ReapDecision, sameMeta, stackRole, type TagMap, type TagRules } from "../../rules/metadata";
import { hostname as versionHost, stackName as versionStack } from "../../rules/naming";
import { formatDuration } from "../../rules/ttl";
import { parseVersion, type Version } from "../../rules/versions";
import { type AuditDraft, type Auditor, AuditWriteError } from "../history/auditing";
import { type AuthOutcome, AuthOwner } from "./authOwner";
import { authOutcomeInChild } from "./authWorker";
import { blobsFor } from "../state/blobs";
import { checkDrift, type DriftReport } from "./drift";
import { describeLock, EnvironmentNotFoundError, LeaseHeldError, NotEphemeralError, UsageError } from "../errors";
import { awaitHealth, checkOnce, type HealthReport, healthTargets, UnhealthyError } from "./health";
import { currentOwner, type Owner, type Ttl } from "../inputs";
import { Leases } from "./leases";
import { Locks } from "../state/locks";
import { type Announcement, noticeExpiring } from "./notify";
import { type ReapAct, type ReapSummary, reap } from "./reaper";
import { capacityFor, createInSlot, liveOf } from "./slots";
import { StackStore } from "../state/stackStore";
import type { DeployResult, DownResult, DriverConfig, EnvironmentInfo, StatusResult, UpResult } from "./types";

export * from "./types";

/** Milliseconds spent in each step of a command. */
class StepClock {
    readonly laps: { step: string; ms: number }[] = [];
    private last = Date.now();

    lap(step: string): void {
        const now = Date.now();
        this.laps.push({ step, ms: now - this.last });
        this.last = now;
    }
}

export class Environments {
    readonly project: string;
    readonly store: StackStore;
    private readonly cfg: DriverConfig;
    private readonly clock: () => Date;
    private readonly log: (line: string) => void;
    private readonly locks: Locks;
    private readonly leases: Leases;
    private readonly authOwner: AuthOwner | undefined;
    private platform: EnvironmentSettings | undefined;

    constructor(cfg: DriverConfig) {
        this.cfg = cfg;
        this.project = cfg.projectName ?? "vnv";
        this.clock = cfg.clock ?? (() => new Date());
        this.log = cfg.log ?? (() => undefined);
        this.store = new StackStore({
            project: this.project,
            backend: cfg.backend,
            secrets: cfg.secrets,
            cli: cfg.cli,
            pulumiHome: cfg.pulumiHome,
            pluginDownloads: cfg.pluginDownloads,
        });
        this.locks = new Locks({ staleLockAfterMs: cfg.staleLockAfterMs, clock: this.clock, log: this.log, engineOutput: cfg.engineOutput });
        this.leases = new Leases(blobsFor(cfg.backend), this.project, {
            staleAfterMs: cfg.staleLockAfterMs ?? 2 * 3_600_000,
            clock: this.clock,
            log: this.log,
        });
        this.authOwner =
            cfg.auth === undefined
                ? undefined
                : new AuthOwner(
                      { ...cfg.auth, redirectPaths: this.settingsFor(parseVersion("v0.0.0"), 0).auth.redirectPaths, ...this.tagBounds() },
                      this.store,
                      this.locks,
                      this.log,
                      cfg.engineOutput,
                  );
    }

    /** The settings of `version`'s environment in `slot`; bad settings are a {@link UsageError}. */
    settingsFor(version: Version, slot: number, digests?: Readonly<Record<string, string>>): EnvironmentSettings {
        const raw = ephemeralFromDev(this.cfg.devSettings, {
            version: version.canonical,
            platformStack: this.cfg.platformStack ?? `organization/${this.project}/dev`,
            slot,
            digests,
        });
        try {
            return parseSettings(raw, { project: this.project, region: this.cfg.region });
        } catch (e) {
            if (e instanceof SettingsError) {
                throw new UsageError(`the dev configuration does not make a valid ephemeral environment:\n  - ${e.problems.join("\n  - ")}`);
            }
            throw e;
        }
    }

    /** How many environments may be live at once (the shared ALB's bound, or lower). */
    capacity(): number {
        const settings = this.settingsFor(parseVersion("v0.0.0"), 0);
        return capacityFor(settings.services, settings.hostname, this.cfg.maxEnvironments);
    }

    /** What tags must agree with besides the time (see {@link TagRules}): the dev configuration's domain and maximum TTL. */
    private tagBounds(): Omit<TagRules, "now"> {
        this.platform ??= this.settingsFor(parseVersion("v0.0.0"), 0);
        return { domain: this.platform.domain, maxTtlMs: this.cfg.ttl.maxMs };
    }

    /** The rules an environment's tags are read by at `now`. */
    tagRules(now: Date = this.clock()): TagRules {
        return { ...this.tagBounds(), now };
    }

    private checkTtl(ttl: Ttl | undefined): void {
        if (ttl !== undefined && ttl.ms > this.cfg.ttl.maxMs) {
            throw new UsageError(
                `invalid --ttl ${JSON.stringify(ttl.text)}: at most ${formatDuration(this.cfg.ttl.maxMs)} (vnv:ephemeral.maxTtl), counted from creation`,
            );
        }
    }

    /**
     * Creates or updates `version`'s environment. Everything is validated before any stack is
     * touched. A new environment gets its tags (and so its expiry) before the update, so a
     * failed `up` is still collected by the reaper. On a live one, `ttl` sets a new expiry.
     */
    async up(version: Version, options: { ttl?: Ttl; owner?: Owner; digests?: Readonly<Record<string, string>> } = {}): Promise<UpResult> {
        const name = versionStack(version);
        return this.leases.hold(name, "up", () =>
            this.audited({ action: "deploy", environment: name, version: version.canonical, digests: {} }, (draft) => this.upAudited(version, options, draft)),
        );
    }

    /** Runs `operation` as one event of the audit trail (when one is configured). */
    private audited<T>(draft: AuditDraft, operation: (draft: AuditDraft) => Promise<T>): Promise<T> {
        const auditor: Auditor | undefined = this.cfg.audit;
        return auditor === undefined ? operation(draft) : auditor.run(draft, operation);
    }

    private async upAudited(
        version: Version,
        options: { ttl?: Ttl; owner?: Owner; digests?: Readonly<Record<string, string>> },
        draft: AuditDraft,
    ): Promise<UpResult> {
        this.checkTtl(options.ttl);
        const steps = new StepClock();
        const name = versionStack(version);
        const checked = this.settingsFor(version, 0, options.digests); // the configuration is valid for this version
        let digests = options.digests;
        if (digests === undefined && this.cfg.checkImages !== undefined) {
            this.log(`${name}: checking the images of ${version.canonical}`);
            digests = await this.cfg.checkImages(version, imagesOf(checked));
        }
        steps.lap("check images");

        let stack = await this.store.select(name);
        steps.lap("select stack");
        let meta: EnvironmentMeta;
        const created = stack === undefined;
        draft.action = created ? "deploy" : "update";
        if (stack !== undefined && digests !== undefined) {
            digests = await this.keepFixedDigests(stack, checked, digests);
        }
        draft.digests = { ...(digests ?? {}) };
        if (stack === undefined) {
            const createdAt = this.clock();
            ({ stack, meta } = await createInSlot(
                this.store,
                {
                    stack: name,
                    version: version.canonical,
                    hostname: versionHost(version, checked.domain),
                    owner: options.owner ?? currentOwner(process.env),
                    createdAt,
                    expiresAt: new Date(createdAt.getTime() + (options.ttl?.ms ?? this.cfg.ttl.defaultMs)),
                },
                this.capacity(),
                this.tagRules(createdAt),
                this.log,
            ));
        } else {
            meta = await this.metaOf(stack);
        }
        steps.lap(created ? "create stack, tags, slot" : "read tags");
        const settings = this.settingsFor(version, meta.slot, digests);
        // The stack is already selected: give its workspace the program instead of selecting again.
        (stack.workspace as LocalWorkspace).program = this.cfg.program(settings);
        if (!created) {
            await this.locks.recover(stack); // a stack made a moment ago has nothing to recover
            steps.lap("recovery check");
        }
        this.log(`${name}: ${created ? "creating" : "updating"} ${version.canonical} at https://${settings.hostname}`);
        const target = stack;
        // The environment is tagged (live) already, so its redirect URIs can be registered while
        // it is updated: in a child process, since two inline programs at once in one process
        // share the SDK's process-wide error handling (a failing auth program failed the
        // environment's own update). Without a child, the list is registered after the update.
        const alongside = this.authAlongside();
        const result = await this.locks
            .run(target, "up", () => target.up({ onOutput: this.cfg.engineOutput }))
            .catch(async (e: unknown) => {
                await alongside; // never leave the child behind
                throw e;
            });
        steps.lap("engine update");
        const auth = alongside === undefined ? await this.authOutcome() : { auth: await alongside };
        steps.lap(alongside === undefined ? "redirect list" : "redirect list (alongside, waited for)");
        if (!created && options.ttl !== undefined) {
            meta = await this.setExpiry(stack, meta, options.ttl);
        }
        this.log(`${name}: ${result.summary.result}, expires ${meta.expiresAt.toISOString()}`);
        const health = await this.waitHealthy(settings);
        steps.lap("health");
        const url = `https://${settings.hostname}`;
        draft.url = url;
        draft.expiresAt = meta.expiresAt.toISOString();
        if (health !== undefined && !health.healthy) {
            draft.failure = new UnhealthyError(health).message;
        } else if (auth.auth !== undefined && !auth.auth.ok) {
            draft.failure = `the environment is up, but the redirect list of the shared application was not updated: ${auth.auth.error}`;
        }
        if (health?.healthy ?? true) {
            await this.announce({ kind: "up", created, version: version.canonical, url, owner: meta.owner, expiresAt: meta.expiresAt.toISOString() });
        }
        return {
            stack: name,
            version: version.canonical,
            url,
            created,
            expiresAt: meta.expiresAt.toISOString(),
            outputs: Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.secret ? "[secret]" : v.value])),
            ...auth,
            ...(health === undefined ? {} : { health }),
            steps: steps.laps,
        };
    }

    /**
     * Deploys a long-lived stack (`prod`, `dev`) with `settings` from its stack file, pinned by
     * `release check --pin`: the same definition `pulumi up` runs, as an inline program; then
     * waits until every public service answers through the URL, announces, and records the
     * deploy in the audit trail. An unhealthy result is reported (and recorded as a failure).
     */
    async deployStack(settings: EnvironmentSettings): Promise<DeployResult> {
        const name = settings.environment;
        const digests = Object.fromEntries(
            [...settings.services.map((s) => [s.name, s.digest] as const), ["frontend", settings.frontend.digest] as const].filter(
                (e): e is readonly [string, string] => e[1] !== undefined,
            ),
        );
        return this.audited({ action: "deploy", environment: name, version: settings.version, digests }, async (draft) => {
            const steps = new StepClock();
            // Selected, never created: a deploy against the wrong backend must not make a new prod.
            const stack = await this.store.select(name, this.cfg.program(settings));
            if (stack === undefined) {
                throw new EnvironmentNotFoundError(
                    name,
                    `no stack ${name} on ${this.cfg.backend.url}: point --backend (or PULUMI_BACKEND_URL) at the backend that holds it, or create it once with \`pulumi stack init ${name}\``,
                );
            }
            steps.lap("select stack");
            await this.locks.recover(stack);
            steps.lap("recovery check");
            const url = `https://${settings.hostname}`;
            draft.url = url;
            this.log(`${name}: deploying ${settings.version} at ${url}`);
            const result = await this.locks.run(stack, "up", () => stack.up({ onOutput: this.cfg.engineOutput }));
            steps.lap("engine update");
            this.log(`${name}: ${result.summary.result}`);
            const health = await this.waitHealthy(settings);
            steps.lap("health");
            if (health !== undefined && !health.healthy) {
                draft.failure = new UnhealthyError(health).message;
            } else {
                await this.announce({ kind: "deployed", stack: name as "prod" | "dev", version: settings.version, url });
            }
            return {
                stack: name,
                version: settings.version,
                url,
                digests,
                outputs: Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.secret ? "[secret]" : v.value])),
                ...(health === undefined ? {} : { health }),
                steps: steps.laps,
            };
        });
    }

    /**
     * What changed outside vnv in a long-lived stack (`prod`, `dev`) since its last update: a
     * refresh previewed with the definition of its stack file, nothing written (see
     * automation/environments/drift.ts). Drift is announced; the stack is selected, never created.
     */
    async drift(settings: EnvironmentSettings): Promise<DriftReport> {
        const name = settings.environment;
        const stack = await this.store.select(name, this.cfg.program(settings));
        if (stack === undefined) {
            throw new EnvironmentNotFoundError(
                name,
                `no stack ${name} on ${this.cfg.backend.url}: point --backend (or PULUMI_BACKEND_URL) at the backend that holds it`,
            );
        }
        this.log(`${name}: reading every resource from its provider (a refresh, previewed: nothing is written)`);
        const report = await this.locks.run(stack, "drift", () => checkDrift(stack, this.clock(), this.cfg.engineOutput));
        if (report.drifted.length > 0) {
            await this.announce({
                kind: "drift",
                stack: name,
                resources: report.drifted.map((d) => `${d.change} ${d.urn.split("::").pop() ?? d.urn} (${d.type})`),
            });
        }
        return report;
    }

    /**
     * An environment keeps the digests of its fixed-tag images (`redis:7.4-alpine`, its own
     * database's `neo4j:5.26-community`) for its life: an update changes the version's images
     * only. A moving tag that moved meanwhile would otherwise replace the database, empty, under
     * a running application. Read from the environment's `imageDigests` output (`digests` of
     * stand-ins); an image it has no digest for yet takes the one just checked.
     */
    private async keepFixedDigests(stack: Stack, settings: EnvironmentSettings, checked: Readonly<Record<string, string>>): Promise<Record<string, string>> {
        const outputs = await stack.outputs();
        const previous = (outputs.imageDigests?.value ?? outputs.digests?.value) as Record<string, unknown> | undefined;
        const fixed = imagesOf(settings).filter((i) => i.tag !== undefined);
        const kept: Record<string, string> = { ...checked };
        for (const image of fixed) {
            const digest = previous?.[image.name];
            if (typeof digest === "string" && /^sha256:[0-9a-f]{64}$/.test(digest) && digest !== checked[image.name]) {
                this.log(`${stack.name}: keeps ${image.image}:${image.tag} at ${digest} (the tag has moved to ${checked[image.name] ?? "?"})`);
                kept[image.name] = digest;
            }
        }
        return kept;
    }

    /** Waits for the services' health (see {@link DriverConfig.health}); a timeout is reported, not thrown. */
    private async waitHealthy(settings: EnvironmentSettings): Promise<HealthReport | undefined> {
        const health = this.cfg.health;
        if (health === undefined || health.afterUp === false) {
            return undefined;
        }
        return awaitHealth(settings.services, health.base(settings.hostname), health.wait ?? {}, (line) => this.log(`${settings.environment}: ${line}`));
    }

    /** The health of `version`'s environment now: one round of probes through its URL. */
    async status(version: Version): Promise<StatusResult> {
        const name = versionStack(version);
        const stack = await this.store.select(name);
        if (stack === undefined) {
            throw new EnvironmentNotFoundError(name);
        }
        const meta = await this.metaOf(stack);
        const settings = this.settingsFor(version, meta.slot);
        const base = this.cfg.health?.base(settings.hostname) ?? `https://${settings.hostname}`;
        const { targets, notReachable } = healthTargets(settings.services, base);
        const health = await checkOnce(targets, notReachable, this.cfg.health?.wait);
        return { stack: name, version: version.canonical, url: `https://${settings.hostname}`, expiresAt: meta.expiresAt.toISOString(), health };
    }

    /** Announces, never failing the operation (the notifier logs what it could not deliver). */
    async announce(a: Announcement): Promise<void> {
        await this.cfg.notifier?.announce(a);
    }

    private async metaOf(stack: Stack): Promise<EnvironmentMeta> {
        const role = stackRole(stack.name, (await stack.listTags()) ?? {}, this.tagRules());
        if (role.role !== "environment") {
            throw new NotEphemeralError(stack.name, role.role === "malformed" ? `malformed: ${role.problem}` : "not tagged vnv:kind=ephemeral");
        }
        return role.meta;
    }

    private async setExpiry(stack: Stack, meta: EnvironmentMeta, ttl: Ttl): Promise<EnvironmentMeta> {
        const expiresAt = new Date(meta.createdAt.getTime() + ttl.ms);
        const now = this.clock();
        if (expiresAt.getTime() <= now.getTime()) {
            const needed = formatDuration(now.getTime() - meta.createdAt.getTime());
            throw new UsageError(
                `--ttl ${ttl.text} counts from the creation of ${stack.name} (${meta.createdAt.toISOString()}) and ends ${expiresAt.toISOString()}, which is past: ` +
                    `a TTL longer than ${needed} is needed (at most ${formatDuration(this.cfg.ttl.maxMs)}); nothing was changed`,
            );
        }
        await stack.setTag("vnv:expires-at", expiresAt.toISOString());
        return { ...meta, expiresAt };
    }

    /**
     * Sets the expiry to creation + `ttl` (no update runs), holding the environment (the reaper
     * cannot destroy it meanwhile); refused when that is already past, and for an environment
     * that has expired already unless `revive` (the reaper may be about to collect it).
     */
    async extend(version: Version, ttl: Ttl, options: { revive?: boolean } = {}): Promise<EnvironmentMeta> {
        const name = versionStack(version);
        this.checkTtl(ttl);
        return this.leases.hold(name, "extend", () =>
            this.audited({ action: "extend", environment: name, version: version.canonical, digests: {} }, async (draft) => {
                const meta = await this.extendAudited(version, ttl, options.revive ?? false);
                draft.expiresAt = meta.expiresAt.toISOString();
                draft.url = `https://${meta.hostname}`;
                return meta;
            }),
        );
    }

    private async extendAudited(version: Version, ttl: Ttl, revive: boolean): Promise<EnvironmentMeta> {
        const name = versionStack(version);
        const stack = await this.store.select(name);
        if (stack === undefined) {
            throw new EnvironmentNotFoundError(name);
        }
        const current = await this.metaOf(stack);
        const now = this.clock();
        if (!revive && current.expiresAt.getTime() <= now.getTime()) {
            throw new UsageError(
                `${name} expired at ${current.expiresAt.toISOString()} and the reaper may be collecting it: nothing was changed. ` +
                    `To bring it back, run \`vnv env extend ${version.canonical} --ttl ${ttl.text} --revive\` (or \`vnv env up ${version.canonical}\` after it is gone)`,
            );
        }
        const meta = await this.setExpiry(stack, current, ttl);
        this.log(`${name}: expires ${meta.expiresAt.toISOString()} (${formatDuration(meta.expiresAt.getTime() - this.clock().getTime())} left)`);
        return meta;
    }

    /** Destroys `version`'s environment, then removes its stack. */
    async down(version: Version): Promise<DownResult> {
        const name = versionStack(version);
        return this.leases.hold(name, "down", () =>
            this.audited({ action: "destroy", environment: name, version: version.canonical, digests: {} }, () => this.downAudited(version)),
        );
    }

    private async downAudited(version: Version): Promise<DownResult> {
        const name = versionStack(version);
        const stack = await this.store.select(name);
        if (stack === undefined) {
            throw new EnvironmentNotFoundError(name);
        }
        await this.metaOf(stack);
        await this.destroy(stack);
        const auth = await this.authOutcome();
        await this.announce({ kind: "destroyed", version: version.canonical, by: "down" });
        return { stack: name, ...auth };
    }

    private async destroy(stack: Stack): Promise<void> {
        await this.locks.recover(stack);
        this.log(`${stack.name}: destroying`);
        await this.locks.run(stack, "destroy", () => stack.destroy({ onOutput: this.cfg.engineOutput }));
        await this.locks.run(stack, "remove", () => stack.workspace.removeStack(stack.name));
        this.log(`${stack.name}: destroyed and removed`);
    }

    /** The live ephemeral environments (by their tags). */
    async live(): Promise<EnvironmentMeta[]> {
        return liveOf(await this.store.list(), this.tagRules());
    }

    /** Every environment, and every stack that claims to be one but is malformed, for `env ls`. */
    async list(now: Date = this.clock()): Promise<EnvironmentInfo[]> {
        const rows: EnvironmentInfo[] = [];
        const [stacks, locks] = await Promise.all([this.store.list({ details: true }), this.store.locks()]);
        for (const s of stacks) {
            const role = stackRole(s.name, s.tags, this.tagRules(now));
            if (role.role === "other") {
                continue;
            }
            const common = {
                stack: s.name,
                lastUpdate: s.lastUpdate,
                resourceCount: s.resourceCount,
                locks: locks === undefined ? null : (locks.get(s.name) ?? []),
            };
            if (role.role === "malformed") {
                rows.push({ ...common, status: "malformed", problem: role.problem });
                continue;
            }
            const meta = role.meta;
            const left = meta.expiresAt.getTime() - now.getTime();
            rows.push({
                ...common,
                status: left > 0 ? "live" : "expired",
                version: meta.version,
                url: `https://${meta.hostname}`,
                owner: meta.owner,
                createdAt: meta.createdAt.toISOString(),
                expiresAt: meta.expiresAt.toISOString(),
                timeLeftMs: left,
                timeLeft: left > 0 ? formatDuration(left) : `expired ${formatDuration(-left)} ago`,
            });
        }
        // Soonest expiry first; malformed stacks last, by name.
        const key = (r: EnvironmentInfo): string => `${r.expiresAt === undefined ? "1" : "0"}${r.expiresAt ?? ""}${r.stack}`;
        return rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    }

    /** What the reaper would do at `now`. */
    async planReap(now: Date = this.clock()): Promise<ReapDecision[]> {
        return planReap(await this.store.list(), this.tagRules(now), this.cfg.protectedStacks ?? []);
    }

    /**
     * Destroys every expired environment (see automation/environments/reaper.ts); the summary is always
     * complete. A real run decides by the driver's clock: `now` (a clock to plan by) is for dry
     * runs only. Each environment is held while its tags are read again, decided again and it is
     * destroyed: one whose tags changed since the plan, or that is held by another run, is skipped.
     */
    async reap(options: { dryRun?: boolean; now?: Date; concurrency?: number } = {}): Promise<ReapSummary> {
        const dryRun = options.dryRun ?? false;
        if (options.now !== undefined && !dryRun) {
            throw new UsageError("a clock to plan by (--now) is for dry runs only (--dry-run): a real reap decides by the time it acts");
        }
        const now = options.now ?? this.clock();
        const summary = await reap(
            {
                stacks: () => this.store.list(),
                destroy: (name, meta, planned) => this.reapOne(name, meta, planned),
                reconcileAuth: this.authOwner === undefined ? undefined : () => this.authOwner!.outcome(),
                protectedStacks: this.cfg.protectedStacks ?? [],
                log: this.log,
                destroyed: (meta) => this.announce({ kind: "destroyed", version: meta.version, by: "reaper" }),
            },
            { rules: this.tagRules(now), dryRun, concurrency: options.concurrency ?? 2 },
        );
        if (!summary.dryRun && this.cfg.notifier !== undefined) {
            summary.noticed = await noticeExpiring(this.store, this.cfg.notifier, this.tagRules(), this.cfg.expiryNoticeMs ?? 3_600_000);
        }
        return summary;
    }

    /** One environment the reaper's plan doomed: held, its tags read and judged again, then destroyed and recorded. */
    private async reapOne(name: string, planned: EnvironmentMeta, plannedTags: TagMap): Promise<ReapAct> {
        try {
            return await this.leases.hold(name, "reap", async () => {
                const stack = await this.store.select(name);
                if (stack === undefined) {
                    return "gone";
                }
                const tags = (await stack.listTags()) ?? {};
                if (!sameMeta(tags, plannedTags)) {
                    return { skipped: "its tags changed since the plan (extended, or changed by hand): decided again by the next run" };
                }
                const decision = decideReap({ name, tags }, this.tagRules(), this.cfg.protectedStacks ?? []);
                if (decision.action !== "destroy") {
                    return { skipped: `no longer to destroy: ${decision.reason}` };
                }
                const draft: AuditDraft = { action: "reap", environment: name, version: planned.version, digests: {} };
                draft.expiresAt = planned.expiresAt.toISOString();
                draft.url = `https://${planned.hostname}`;
                try {
                    await this.audited(draft, () => this.destroy(stack));
                } catch (e) {
                    // Destroyed, only its event is missing: still destroyed (announced, and the
                    // redirect list updated), the missing event said.
                    if (!(e instanceof AuditWriteError)) {
                        throw e;
                    }
                    this.log(`${name}: ${e.message}`);
                }
                return "destroyed";
            });
        } catch (e) {
            if (e instanceof LeaseHeldError) {
                return { skipped: `held by another run (${e.locks.map(describeLock).join("; ") || "holder unknown"}): decided again by the next run` };
            }
            throw e;
        }
    }

    /** Brings the auth owner stack in line with the live environments (undefined: no owner configured). */
    async reconcileAuth(): Promise<string[] | undefined> {
        return this.authOwner?.reconcile();
    }

    /** The redirect list's update started in a child process, when configured (see {@link DriverConfig.auth}). */
    private authAlongside(): Promise<AuthOutcome> | undefined {
        const auth = this.cfg.auth;
        if (auth?.alongside === undefined) {
            return undefined;
        }
        const { alongside, program: _p, ...owner } = auth;
        return authOutcomeInChild(
            {
                store: this.store.cfg,
                owner: { ...owner, redirectPaths: this.settingsFor(parseVersion("v0.0.0"), 0).auth.redirectPaths, ...this.tagBounds() },
                program: alongside,
                ...(this.cfg.staleLockAfterMs === undefined ? {} : { staleLockAfterMs: this.cfg.staleLockAfterMs }),
            },
            (line) => this.log(line),
            this.cfg.engineOutput,
        );
    }

    private async authOutcome(): Promise<{ auth?: AuthOutcome }> {
        return this.authOwner === undefined ? {} : { auth: await this.authOwner.outcome() };
    }
}
