/**
 * Ephemeral environments, one Pulumi stack per version, on a self-managed backend, and the
 * long-lived stacks' deploy and drift: the library the command line is a thin layer over. It
 * takes typed inputs only (automation/inputs.ts parses them). Each command is a module of named
 * steps over one {@link Runtime}: up.ts, longLived.ts, lifecycle.ts, listing.ts, reaping.ts.
 *
 * The program is a dependency ({@link ProgramFactory}): the real one is the environment
 * definition of infra/ run as an inline program; tests pass stand-ins that need no cloud.
 */
import type { Stack } from "@pulumi/pulumi/automation";
import { ephemeralFromDev } from "../../infra/ephemeral";
import { type EnvironmentSettings, parseSettings, SettingsError } from "../../infra/settings";
import { parseDatasetReference, type PinnedDataset } from "../../rules/datasets";
import { mapLimit } from "../util";
import { type EnvironmentMeta, planReap, type ReapDecision, stackRole, type TagRules } from "../../rules/metadata";
import { stackName as versionStack } from "../../rules/naming";
import { formatDuration, ttlText } from "../../rules/ttl";
import type { WorkingHours } from "../../rules/schedule";
import { parseVersion, type Version } from "../../rules/versions";
import { EnvironmentNotFoundError, NotEphemeralError, UsageError } from "../errors";
import type { AuditDraft } from "../history/auditing";
import type { Ttl } from "../inputs";
import { blobsFor } from "../state/blobs";
import { Locks } from "../state/locks";
import { StackStore } from "../state/stackStore";
import { AuthOwner } from "./authOwner";
import type { DriftReport } from "./drift";
import { awaitHealth, type HealthReport } from "./health";
import { Leases } from "./leases";
import { downEnvironment, extendEnvironment, statusOf } from "./lifecycle";
import { listEnvironments } from "./listing";
import { deployLongLived, driftOf, pinnedDigests } from "./longLived";
import type { Announcement } from "./notify";
import type { ReapSummary } from "./reaper";
import { reapEnvironments } from "./reaping";
import { type SleepResult, setSleep } from "./sleep";
import type { Runtime } from "./runtime";
import { capacityFor, liveOf } from "./slots";
import type { DeployResult, DownResult, DriverConfig, EnvironmentInfo, StatusResult, UpResult } from "./types";
import { type UpOptions, upEnvironment } from "./up";

export * from "./types";

export class Environments implements Runtime {
    readonly project: string;
    readonly store: StackStore;
    readonly cfg: DriverConfig;
    readonly clock: () => Date;
    readonly log: (line: string) => void;
    readonly locks: Locks;
    readonly leases: Leases;
    readonly authOwner: AuthOwner | undefined;
    private devCache: EnvironmentSettings | undefined;

    constructor(cfg: DriverConfig) {
        this.cfg = cfg;
        this.project = cfg.projectName ?? "vnv";
        this.clock = cfg.clock ?? (() => new Date());
        this.log = cfg.log ?? (() => undefined);
        const { backend, secrets, cli, pulumiHome, pluginDownloads } = cfg;
        this.store = new StackStore({ project: this.project, backend, secrets, cli, pulumiHome, pluginDownloads });
        this.locks = new Locks({
            staleLockAfterMs: cfg.staleLockAfterMs,
            clock: this.clock,
            log: this.log,
            engineOutput: cfg.engineOutput,
            pendingOperations: (stack) => this.store.pendingOperations(stack),
        });
        const staleAfterMs = cfg.staleLockAfterMs ?? 2 * 3_600_000;
        this.leases = new Leases(blobsFor(cfg.backend), this.project, { staleAfterMs, clock: this.clock, log: this.log });
        const bounds = { redirectPaths: this.dev().auth.redirectPaths, ...this.tagBounds() };
        this.authOwner = cfg.auth === undefined ? undefined : new AuthOwner({ ...cfg.auth, ...bounds }, this.store, this.locks, this.log, cfg.engineOutput);
    }

    /**
     * The dev stack's own settings: what every environment shares whatever its version (the
     * domain, the services and their paths, the redirect paths), since ephemeral settings are
     * derived from them (infra/ephemeral.ts). Bad settings are a {@link UsageError}.
     */
    private dev(): EnvironmentSettings {
        this.devCache ??= this.parsed(this.cfg.devSettings, "the dev configuration is not valid");
        return this.devCache;
    }

    private parsed(raw: Readonly<Record<string, unknown>>, what: string): EnvironmentSettings {
        try {
            return parseSettings(raw, { project: this.project, region: this.cfg.region });
        } catch (e) {
            throw e instanceof SettingsError ? new UsageError(`${what}:\n  - ${e.problems.join("\n  - ")}`) : e;
        }
    }

    settingsFor(version: Version, slot: number, digests?: Readonly<Record<string, string>>, dataset?: PinnedDataset): EnvironmentSettings {
        const platformStack = this.cfg.platformStack ?? `organization/${this.project}/dev`;
        const pinned = dataset === undefined ? {} : { dataset: { image: dataset.image, tag: dataset.tag, digest: dataset.digest } };
        const raw = ephemeralFromDev(this.cfg.devSettings, { version: version.canonical, platformStack, slot, digests, ...pinned });
        return this.parsed(raw, "the dev configuration does not make a valid ephemeral environment");
    }

    workingHours(): WorkingHours | undefined {
        return this.dev().workingHours;
    }

    capacity(): number {
        const dev = this.dev();
        return capacityFor(dev.services, dev.hostname, this.cfg.maxEnvironments);
    }

    /** What tags must agree with besides the time (see {@link TagRules}): the dev configuration's domain and maximum TTL. */
    private tagBounds(): Omit<TagRules, "now"> {
        const keep = this.cfg.ttl.maxKeepMs;
        return { domain: this.dev().domain, maxTtlMs: this.cfg.ttl.maxMs, ...(keep === undefined ? {} : { maxKeepMs: keep }) };
    }

    tagRules(now: Date = this.clock()): TagRules {
        return { ...this.tagBounds(), now };
    }

    audited<T>(draft: AuditDraft, operation: (draft: AuditDraft) => Promise<T>): Promise<T> {
        const auditor = this.cfg.audit;
        return auditor === undefined ? operation(draft) : auditor.run(draft, operation);
    }

    /** Announces, never failing the operation (the notifier logs what it could not deliver). */
    async announce(a: Announcement): Promise<void> {
        await this.cfg.notifier?.announce(a);
    }

    async metaOf(stack: Stack): Promise<EnvironmentMeta> {
        const role = stackRole(stack.name, await this.store.tags(stack), this.tagRules());
        if (role.role !== "environment") {
            throw new NotEphemeralError(stack.name, role.role === "malformed" ? `malformed: ${role.problem}` : "not tagged vnv:kind=ephemeral");
        }
        return role.meta;
    }

    private checkTtl(ttl: Ttl | undefined): void {
        if (ttl !== undefined && ttl.ms > this.cfg.ttl.maxMs) {
            throw new UsageError(
                `invalid --ttl ${JSON.stringify(ttl.text)}: at most ${formatDuration(this.cfg.ttl.maxMs)} (vnv:ephemeral.maxTtl), counted from creation`,
            );
        }
    }

    /**
     * Creates or updates `version`'s environment (automation/environments/up.ts), holding it.
     * Everything is validated before any stack is touched; a new environment gets its tags (and
     * so its expiry) before the update, so a failed `up` is still collected by the reaper. On a
     * live one, `ttl` sets a new expiry.
     */
    async up(version: Version, options: UpOptions = {}): Promise<UpResult> {
        this.checkTtl(options.ttl);
        const name = versionStack(version);
        const draft: AuditDraft = { action: "deploy", environment: name, version: version.canonical, digests: {} };
        return this.leases.hold(name, "up", () => this.audited(draft, (d) => upEnvironment(this, version, options, d)));
    }

    /** Deploys prod or dev as pinned in its stack file (automation/environments/longLived.ts), recorded. */
    async deployStack(settings: EnvironmentSettings, action: "deploy" | "rollback" = "deploy"): Promise<DeployResult> {
        const draft: AuditDraft = { action, environment: settings.environment, version: settings.version, digests: pinnedDigests(settings) };
        return this.audited(draft, (d) => deployLongLived(this, settings, d));
    }

    /** What changed outside vnv in prod or dev since its last update; nothing is written. */
    async drift(settings: EnvironmentSettings): Promise<DriftReport> {
        return driftOf(this, settings);
    }

    /** The health of `version`'s environment now: one round of probes through its URL. */
    async status(version: Version): Promise<StatusResult> {
        return statusOf(this, version);
    }

    /**
     * Sets the expiry to creation + `ttl`, holding the environment; an expired one only with
     * `revive`. With `keep` (a reason) the bound is vnv:ephemeral.maxKeep instead of maxTtl, and
     * `ttl` defaults to it; without, a kept environment's reason is dropped.
     */
    async extend(version: Version, ttl: Ttl | undefined, options: { revive?: boolean; keep?: string } = {}): Promise<EnvironmentMeta> {
        const keep = options.keep;
        const maxKeepMs = this.cfg.ttl.maxKeepMs;
        if (keep !== undefined && maxKeepMs === undefined) {
            throw new UsageError("--keep: Pulumi.dev.yaml sets no vnv:ephemeral.maxKeep, the longest a kept environment may live: nothing was changed");
        }
        if (keep === undefined) {
            this.checkTtl(ttl);
        } else if (ttl !== undefined && ttl.ms > maxKeepMs!) {
            throw new UsageError(
                `invalid --ttl ${JSON.stringify(ttl.text)}: at most ${formatDuration(maxKeepMs!)} for a kept environment (vnv:ephemeral.maxKeep), counted from creation`,
            );
        }
        const wanted = ttl ?? (keep === undefined ? undefined : { text: ttlText(maxKeepMs!), ms: maxKeepMs! });
        if (wanted === undefined) {
            throw new UsageError("--ttl is required unless --keep is given");
        }
        const name = versionStack(version);
        const draft: AuditDraft = {
            action: "extend",
            environment: name,
            version: version.canonical,
            digests: {},
            ...(keep === undefined ? {} : { reason: keep }),
        };
        return this.leases.hold(name, "extend", () =>
            this.audited(draft, async (d) => {
                const meta = await extendEnvironment(this, version, wanted, options.revive ?? false, keep);
                Object.assign(d, { expiresAt: meta.expiresAt.toISOString(), url: `https://${meta.hostname}` });
                return meta;
            }),
        );
    }

    /** Destroys `version`'s environment, then removes its stack, holding it. */
    async down(version: Version): Promise<DownResult> {
        const name = versionStack(version);
        const draft: AuditDraft = { action: "destroy", environment: name, version: version.canonical, digests: {} };
        return this.leases.hold(name, "down", () => this.audited(draft, () => downEnvironment(this, version)));
    }

    /** The live ephemeral environments (by their tags). */
    async live(): Promise<EnvironmentMeta[]> {
        return liveOf(await this.store.list(), this.tagRules());
    }

    /** Each live environment and the dataset its stack's `dataset` output says it runs (`vnv dataset ls`). */
    async datasetUses(): Promise<{ environment: string; reference: string }[]> {
        const outputs = await mapLimit(await this.live(), 4, async (m) => ({ stack: m.stack, dataset: (await this.store.outputs(m.stack))?.dataset }));
        return outputs.flatMap((o) =>
            typeof o.dataset === "string" && parseDatasetReference(o.dataset) !== undefined ? [{ environment: o.stack, reference: o.dataset }] : [],
        );
    }

    /** Every environment, and every stack that claims to be one but is malformed, for `env ls`. */
    async list(now: Date = this.clock()): Promise<EnvironmentInfo[]> {
        return listEnvironments(this, now);
    }

    /** What the reaper would do at `now`. */
    async planReap(now: Date = this.clock()): Promise<ReapDecision[]> {
        return planReap(await this.store.list(), this.tagRules(now), this.cfg.protectedStacks ?? []);
    }

    /** Destroys every expired environment (automation/environments/reaping.ts); `now` is for dry runs only. */
    async reap(options: { dryRun?: boolean; now?: Date; concurrency?: number } = {}): Promise<ReapSummary> {
        return reapEnvironments(this, options);
    }

    /**
     * Puts the services of `name` (an environment's stack, or dev) to sleep, or wakes them and
     * waits for their health (automation/environments/sleep.ts).
     */
    async sleep(name: string, asleep: boolean, forMs?: number): Promise<SleepResult & { health?: HealthReport }> {
        const result = await setSleep(this, name, asleep, this.workingHours(), forMs);
        const health = this.cfg.health;
        if (asleep || health === undefined || health.afterUp === false) {
            return result;
        }
        const settings = name === "dev" ? this.dev() : await this.settingsOf(name);
        const report = await awaitHealth(settings.services, health.base(settings.hostname), health.wait ?? {}, (line) => this.log(`${name}: ${line}`));
        return { ...result, health: report };
    }

    /** The settings of the live environment of stack `name`. */
    private async settingsOf(name: string): Promise<EnvironmentSettings> {
        const stack = await this.store.select(name);
        if (stack === undefined) {
            throw new EnvironmentNotFoundError(name);
        }
        const meta = await this.metaOf(stack);
        return this.settingsFor(parseVersion(meta.version), meta.slot);
    }

    /** Brings the auth owner stack in line with the live environments (undefined: no owner configured). */
    async reconcileAuth(): Promise<string[] | undefined> {
        return this.authOwner?.reconcile();
    }
}
