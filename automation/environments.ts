/**
 * Ephemeral environments, one Pulumi stack per version, on a self-managed backend: the commands
 * up, down, extend, ls and reap over the stack store, locks, slots, reaper and auth owner.
 * Takes typed inputs only (automation/inputs.ts parses them).
 *
 * The program is a dependency ({@link ProgramFactory}): the real one is the environment
 * definition of infra/ run as an inline program; tests pass stand-ins that need no cloud.
 */
import type { LocalWorkspace, PulumiFn, Stack } from "@pulumi/pulumi/automation";
import { ephemeralFromDev } from "../infra/ephemeral";
import { type EnvironmentSettings, parseSettings, type RawSettings, SettingsError } from "../infra/settings";
import { type EnvironmentMeta, type ReapDecision, planReap, stackRole } from "../rules/metadata";
import { hostname as versionHost, stackName as versionStack } from "../rules/naming";
import type { ServiceSpec } from "../rules/service";
import { formatDuration, type TtlPolicy } from "../rules/ttl";
import { parseVersion, type Version } from "../rules/versions";
import { AuthOwner, type AuthOutcome, type AuthOwnerConfig } from "./authOwner";
import { EnvironmentNotFoundError, type LockInfo, NotEphemeralError, UsageError } from "./errors";
import { currentOwner, type Backend, type Owner, type Secrets, type Ttl } from "./inputs";
import { Locks } from "./locks";
import type { ResolvedCli } from "./pulumiCli";
import { type ReapSummary, reap } from "./reaper";
import { capacityFor, createInSlot, liveOf } from "./slots";
import { StackStore } from "./stackStore";

export type { AuthOutcome, ReapSummary };
/** Builds the inline program of one environment from its settings. */
export type ProgramFactory = (settings: EnvironmentSettings) => PulumiFn;
export type { AuthProgramFactory } from "./authOwner";

export interface DriverConfig {
    /** Pulumi project of the stacks. @default "vnv" */
    readonly projectName?: string;
    readonly backend: Backend;
    readonly secrets: Secrets;
    readonly cli: ResolvedCli;
    /** PULUMI_HOME for the engine (tests give each run its own). */
    readonly pulumiHome?: string;
    /** Let the engine download missing provider plugins. @default false */
    readonly pluginDownloads?: boolean;
    readonly program: ProgramFactory;
    /** The dev stack's configuration (`vnv:` keys) and region: what ephemeral settings derive from. */
    readonly devSettings: RawSettings;
    readonly region: string | undefined;
    /** The dev stack as a StackReference name. @default "organization/<project>/dev" */
    readonly platformStack?: string;
    readonly ttl: TtlPolicy;
    /** Stack names the reaper never touches, besides dev and prod. @default [] */
    readonly protectedStacks?: readonly string[];
    /** At most this many live environments; never above what the shared ALB holds. */
    readonly maxEnvironments?: number;
    /** A lock older than this is stale even if its process may live on another machine. @default 2h */
    readonly staleLockAfterMs?: number;
    /** The owner of the shared application's redirect list (its paths come from the settings). */
    readonly auth?: Omit<AuthOwnerConfig, "redirectPaths">;
    /**
     * Checks that every image of the version exists and answers their digests, before any stack
     * is touched (`release check`); the environment pins exactly these. @default no check
     */
    readonly checkImages?: (version: Version, services: readonly ServiceSpec[]) => Promise<Readonly<Record<string, string>>>;
    /** @default () => new Date() */
    readonly clock?: () => Date;
    /** Progress lines. @default none */
    readonly log?: (line: string) => void;
    /** Engine output, streamed. @default none */
    readonly engineOutput?: (text: string) => void;
}

/** One row of `env ls`: an environment, or a stack that claims to be one but is malformed. */
export interface EnvironmentInfo {
    readonly stack: string;
    readonly status: "live" | "expired" | "malformed";
    /** Why a malformed stack is never acted on. */
    readonly problem?: string;
    readonly version?: string;
    readonly url?: string;
    readonly owner?: string;
    readonly createdAt?: string;
    readonly expiresAt?: string;
    /** Milliseconds until expiry (negative once expired). */
    readonly timeLeftMs?: number;
    readonly timeLeft?: string;
    readonly lastUpdate: string | undefined;
    readonly resourceCount: number | undefined;
    /** Who holds the stack's lock right now (an update or destroy in progress); null where the backend cannot tell. */
    readonly locks: readonly LockInfo[] | null;
}

export interface UpResult {
    readonly stack: string;
    readonly version: string;
    readonly url: string;
    readonly created: boolean;
    readonly expiresAt: string;
    readonly outputs: Record<string, unknown>;
    /** The redirect list after the update (absent without an owner). */
    readonly auth?: AuthOutcome;
}

export interface DownResult {
    readonly stack: string;
    readonly auth?: AuthOutcome;
}

export class Environments {
    readonly project: string;
    readonly store: StackStore;
    private readonly cfg: DriverConfig;
    private readonly clock: () => Date;
    private readonly log: (line: string) => void;
    private readonly locks: Locks;
    private readonly authOwner: AuthOwner | undefined;

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
        this.authOwner =
            cfg.auth === undefined
                ? undefined
                : new AuthOwner(
                      { ...cfg.auth, redirectPaths: this.settingsFor(parseVersion("v0.0.0"), 0).auth.redirectPaths },
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
        this.checkTtl(options.ttl);
        const name = versionStack(version);
        const checked = this.settingsFor(version, 0, options.digests); // the configuration is valid for this version
        let digests = options.digests;
        if (digests === undefined && this.cfg.checkImages !== undefined) {
            this.log(`${name}: checking the images of ${version.canonical}`);
            digests = await this.cfg.checkImages(version, checked.services);
        }

        let stack = await this.store.select(name);
        let meta: EnvironmentMeta;
        const created = stack === undefined;
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
                this.log,
            ));
        } else {
            meta = await this.metaOf(stack);
        }
        const settings = this.settingsFor(version, meta.slot, digests);
        // The stack is already selected: give its workspace the program instead of selecting again.
        (stack.workspace as LocalWorkspace).program = this.cfg.program(settings);
        await this.locks.recover(stack);
        this.log(`${name}: ${created ? "creating" : "updating"} ${version.canonical} at https://${settings.hostname}`);
        const target = stack;
        const result = await this.locks.run(target, "up", () => target.up({ onOutput: this.cfg.engineOutput }));
        if (!created && options.ttl !== undefined) {
            meta = await this.setExpiry(stack, meta, options.ttl);
        }
        this.log(`${name}: ${result.summary.result}, expires ${meta.expiresAt.toISOString()}`);
        return {
            stack: name,
            version: version.canonical,
            url: `https://${settings.hostname}`,
            created,
            expiresAt: meta.expiresAt.toISOString(),
            outputs: Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.secret ? "[secret]" : v.value])),
            ...(await this.authOutcome()),
        };
    }

    private async metaOf(stack: Stack): Promise<EnvironmentMeta> {
        const role = stackRole(stack.name, (await stack.listTags()) ?? {});
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

    /** Sets the expiry to creation + `ttl` (no update runs); refused when that is already past. */
    async extend(version: Version, ttl: Ttl): Promise<EnvironmentMeta> {
        this.checkTtl(ttl);
        const name = versionStack(version);
        const stack = await this.store.select(name);
        if (stack === undefined) {
            throw new EnvironmentNotFoundError(name);
        }
        const meta = await this.setExpiry(stack, await this.metaOf(stack), ttl);
        this.log(`${name}: expires ${meta.expiresAt.toISOString()} (${formatDuration(meta.expiresAt.getTime() - this.clock().getTime())} left)`);
        return meta;
    }

    /** Destroys `version`'s environment, then removes its stack. */
    async down(version: Version): Promise<DownResult> {
        const name = versionStack(version);
        const stack = await this.store.select(name);
        if (stack === undefined) {
            throw new EnvironmentNotFoundError(name);
        }
        await this.metaOf(stack);
        await this.destroy(stack);
        return { stack: name, ...(await this.authOutcome()) };
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
        return liveOf(await this.store.list());
    }

    /** Every environment, and every stack that claims to be one but is malformed, for `env ls`. */
    async list(now: Date = this.clock()): Promise<EnvironmentInfo[]> {
        const rows: EnvironmentInfo[] = [];
        const [stacks, locks] = await Promise.all([this.store.list({ details: true }), this.store.locks()]);
        for (const s of stacks) {
            const role = stackRole(s.name, s.tags);
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
        return planReap(await this.store.list(), now, this.cfg.protectedStacks ?? []);
    }

    /** Destroys every expired environment (see automation/reaper.ts); the summary is always complete. */
    async reap(options: { dryRun?: boolean; now?: Date; concurrency?: number } = {}): Promise<ReapSummary> {
        return reap(
            {
                stacks: () => this.store.list(),
                destroy: async (name) => {
                    const stack = await this.store.select(name);
                    if (stack === undefined) {
                        return false;
                    }
                    await this.destroy(stack);
                    return true;
                },
                reconcileAuth: this.authOwner === undefined ? undefined : () => this.authOwner!.outcome(),
                protectedStacks: this.cfg.protectedStacks ?? [],
                log: this.log,
            },
            { now: options.now ?? this.clock(), dryRun: options.dryRun ?? false, concurrency: options.concurrency ?? 2 },
        );
    }

    /** Brings the auth owner stack in line with the live environments (undefined: no owner configured). */
    async reconcileAuth(): Promise<string[] | undefined> {
        return this.authOwner?.reconcile();
    }

    private async authOutcome(): Promise<{ auth?: AuthOutcome }> {
        return this.authOwner === undefined ? {} : { auth: await this.authOwner.outcome() };
    }
}
