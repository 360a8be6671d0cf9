/**
 * Ephemeral environments, one Pulumi stack per version, on a self-managed backend:
 * up, down, ls, extend, reap, and the reconciliation of the shared Azure AD redirect list.
 *
 * The program is a dependency ({@link ProgramFactory}): the real one is the environment
 * definition of infra/ run as an inline program; tests pass stand-ins that need no cloud.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import {
    ConcurrentUpdateError,
    LocalWorkspace,
    type PulumiFn,
    type StackSummary as PulumiStackSummary,
    type Stack,
    StackAlreadyExistsError,
    StackNotFoundError,
} from "@pulumi/pulumi/automation";
import { planRules } from "../rules/listenerRules";
import { hostname as versionHost, stackName as versionStack } from "../rules/naming";
import { redirectUrisFor, validateRedirectList } from "../rules/redirects";
import type { ServiceSpec } from "../rules/service";
import { parseVersion, type Version, VersionError } from "../rules/versions";
import { ephemeralFromDev } from "../infra/ephemeral";
import { type EnvironmentSettings, parseSettings, type RawSettings, SettingsError } from "../infra/settings";
import type { Secrets } from "./backend";
import {
    CapacityError,
    describeLock,
    EnvironmentNotFoundError,
    type LockInfo,
    NotEphemeralError,
    OperationError,
    parseLocks,
    StackLockedError,
    UsageError,
} from "./errors";
import {
    claimedSlots,
    type EnvironmentMeta,
    environmentCapacity,
    lowestFreeSlot,
    metaToTags,
    planReap,
    type ReapDecision,
    reslot,
    type StackSummary,
    shortStackName,
    TAG,
    tagsToMeta,
} from "../rules/metadata";
import { engineEnv, pulumiCommand, type ResolvedCli } from "./pulumiCli";
import { expiryFor, formatDuration, parseDuration, TtlError, type TtlPolicy } from "../rules/ttl";

/** Builds the inline program of one environment from its settings. */
export type ProgramFactory = (settings: EnvironmentSettings) => PulumiFn;
/** Builds the inline program of the auth owner stack from the complete redirect list. */
export type AuthProgramFactory = (redirectUris: readonly string[]) => PulumiFn;

export interface AuthOwnerConfig {
    /** Stack that owns the shared application's redirect list. @default "auth" */
    readonly stackName?: string;
    /** Hosts whose URIs always stay registered (dev, localhost is given in extraUris). */
    readonly fixedHosts: readonly string[];
    /** Further URIs that stay registered (`http://localhost:3000/`). @default [] */
    readonly extraUris?: readonly string[];
    readonly program: AuthProgramFactory;
}

export interface DriverConfig {
    /** Pulumi project of the stacks. @default "vnv" */
    readonly projectName?: string;
    readonly backendUrl: string;
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
    readonly auth?: AuthOwnerConfig;
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

export interface EnvironmentInfo {
    readonly stack: string;
    readonly version: string;
    readonly url: string;
    readonly owner: string;
    readonly createdAt: string;
    readonly expiresAt: string;
    /** Milliseconds until expiry (negative once expired). */
    readonly timeLeftMs: number;
    readonly timeLeft: string;
    readonly lastUpdate: string | undefined;
    readonly resourceCount: number | undefined;
    readonly updateInProgress: boolean;
}

export interface UpResult {
    readonly stack: string;
    readonly version: string;
    readonly url: string;
    readonly created: boolean;
    readonly expiresAt: string;
    readonly outputs: Record<string, unknown>;
}

export interface ReapSummary {
    readonly now: string;
    readonly dryRun: boolean;
    readonly destroyed: string[];
    /** Dry run: what would be destroyed. */
    readonly wouldDestroy: string[];
    readonly skipped: Array<{ stack: string; reason: string }>;
    readonly failed: Array<{ stack: string; reason: string }>;
}

const HOUR = 3_600_000;

export class Environments {
    readonly project: string;
    private readonly cfg: DriverConfig;
    private readonly clock: () => Date;
    private readonly log: (line: string) => void;

    constructor(cfg: DriverConfig) {
        this.cfg = cfg;
        this.project = cfg.projectName ?? "vnv";
        this.clock = cfg.clock ?? (() => new Date());
        this.log = cfg.log ?? (() => undefined);
    }

    // ---------------------------------------------------------------- inputs

    /** Parses a version given by a user; a bad one is a {@link UsageError}. */
    version(text: string): Version {
        return userVersion(text);
    }

    private checkTtl(ttl: string | undefined): void {
        if (ttl === undefined) {
            return;
        }
        try {
            const ms = parseDuration(ttl, "TTL");
            if (ms > this.cfg.ttl.maxMs) {
                throw new TtlError(`TTL ${ttl} is above the maximum of ${formatDuration(this.cfg.ttl.maxMs)}`);
            }
        } catch (e) {
            if (e instanceof TtlError) {
                throw new UsageError(e.message);
            }
            throw e;
        }
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
        const rules = planRules(settings.services, { hostname: settings.hostname, slot: 0 }).length;
        const targetGroups = settings.services.filter((s) => s.public ?? false).length;
        return environmentCapacity(rules, targetGroups, this.cfg.maxEnvironments);
    }

    // ---------------------------------------------------------------- workspace

    private async workspace(program?: PulumiFn): Promise<LocalWorkspace> {
        const envVars = engineEnv(this.cfg.cli, {
            home: this.cfg.pulumiHome,
            backendUrl: this.cfg.backendUrl,
            pluginDownloads: this.cfg.pluginDownloads,
            passphrase: "passphrase" in this.cfg.secrets ? this.cfg.secrets.passphrase : undefined,
        });
        return LocalWorkspace.create({
            program,
            envVars,
            pulumiCommand: await pulumiCommand(this.cfg.cli),
            secretsProvider: this.cfg.secrets.provider,
            projectSettings: { name: this.project, runtime: "nodejs", backend: { url: this.cfg.backendUrl } },
        });
    }

    private async select(name: string): Promise<Stack | undefined> {
        const ws = await this.workspace(noProgram);
        try {
            return await LocalWorkspace.selectStack({ stackName: name, projectName: this.project, program: noProgram }, wsOptions(ws));
        } catch (e) {
            if (e instanceof StackNotFoundError) {
                return undefined;
            }
            throw e;
        }
    }

    /** Every stack of the project with its tags (read with bounded concurrency). */
    async stacks(concurrency: number = 4): Promise<Array<StackSummary & { summary: PulumiStackSummary }>> {
        const ws = await this.workspace(noProgram);
        const summaries = await ws.listStacks();
        return mapLimit(summaries, concurrency, async (summary) => ({
            name: shortStackName(summary.name),
            tags: await ws.listTags(shortStackName(summary.name)),
            summary,
        }));
    }

    // ---------------------------------------------------------------- locks and recovery

    /**
     * Runs `op` on `stack`; when the stack is locked, clears the lock if every holder is gone
     * (its process is dead on this host, or the lock is older than the stale age) and runs it
     * again; otherwise fails with who holds it, where and since when.
     */
    private async withLock<T>(stack: Stack, what: string, op: () => Promise<T>): Promise<T> {
        for (let attempt = 0; ; attempt++) {
            try {
                return await op();
            } catch (e) {
                if (!(e instanceof ConcurrentUpdateError)) {
                    throw e;
                }
                const locks = parseLocks(String(e.message));
                const stale = locks.length > 0 && locks.every((l) => this.isStale(l));
                if (stale && attempt < 2) {
                    this.log(`${stack.name}: ${what}: clearing stale lock(s) of ${locks.map(describeLock).join("; ")}`);
                    await stack.cancel();
                    continue;
                }
                if (locks.length === 0 && attempt < 3) {
                    // Two runs that locked at the same instant both back off; try again shortly.
                    await sleep(200 + Math.random() * 800);
                    continue;
                }
                throw new StackLockedError(stack.name, locks);
            }
        }
    }

    private isStale(lock: LockInfo): boolean {
        const age = this.clock().getTime() - lock.since.getTime();
        if (age > (this.cfg.staleLockAfterMs ?? 2 * HOUR)) {
            return true;
        }
        return lock.host === os.hostname() && !processAlive(lock.pid);
    }

    /** Clears what an interrupted update or destroy left in the state: pending operations. */
    private async recover(stack: Stack): Promise<void> {
        const state = await stack.exportStack();
        const pending = (state.deployment as { pending_operations?: unknown[] } | undefined)?.pending_operations ?? [];
        if (pending.length > 0) {
            this.log(`${stack.name}: clearing ${pending.length} pending operation(s) left by an interrupted run`);
            await this.withLock(stack, "refresh", () => stack.refresh({ clearPendingCreates: true, onOutput: this.cfg.engineOutput }));
        }
    }

    // ---------------------------------------------------------------- commands

    /**
     * Creates or updates `version`'s environment. Everything is validated before any stack is
     * touched. A new environment gets its tags (and so its expiry) before the update, so a
     * failed `up` is still collected by the reaper. On a live one, `ttl` extends the expiry.
     */
    async up(versionText: string, options: { ttl?: string; owner?: string; digests?: Readonly<Record<string, string>> } = {}): Promise<UpResult> {
        const version = this.version(versionText);
        this.checkTtl(options.ttl);
        const name = versionStack(version);
        const checked = this.settingsFor(version, 0, options.digests); // the configuration is valid for this version
        const owner = options.owner ?? safeUser();
        let digests = options.digests;
        if (digests === undefined && this.cfg.checkImages !== undefined) {
            this.log(`${name}: checking the images of ${version.canonical}`);
            digests = await this.cfg.checkImages(version, checked.services);
        }

        let stack = await this.select(name);
        let meta: EnvironmentMeta;
        let created = false;
        if (stack === undefined) {
            ({ stack, meta } = await this.create(version, name, owner, options.ttl));
            created = true;
        } else {
            meta = await this.metaOf(stack);
        }
        const settings = this.settingsFor(version, meta.slot, digests);
        // The stack is already selected: give its workspace the program instead of selecting again.
        (stack.workspace as LocalWorkspace).program = this.cfg.program(settings);
        await this.recover(stack);
        this.log(`${name}: ${created ? "creating" : "updating"} ${version.canonical} at https://${settings.hostname}`);
        const target = stack;
        const result = await this.withLock(target, "up", () => target.up({ onOutput: this.cfg.engineOutput }));
        if (!created && options.ttl !== undefined) {
            meta = await this.setExpiry(stack, meta, options.ttl);
        }
        this.log(`${name}: ${result.summary.result}, expires ${meta.expiresAt.toISOString()}`);
        await this.reconcileAuth();
        return {
            stack: name,
            version: version.canonical,
            url: `https://${settings.hostname}`,
            created,
            expiresAt: meta.expiresAt.toISOString(),
            outputs: Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.secret ? "[secret]" : v.value])),
        };
    }

    /** A new stack with its metadata, in a free slot, within capacity. */
    private async create(version: Version, name: string, owner: string, ttl: string | undefined): Promise<{ stack: Stack; meta: EnvironmentMeta }> {
        const all = await this.stacks();
        const live = liveOf(all);
        const max = this.capacity();
        if (live.length >= max) {
            throw new CapacityError(max, live);
        }
        const ws = await this.workspace(noProgram);
        let stack: Stack;
        try {
            stack = await LocalWorkspace.createStack({ stackName: name, projectName: this.project, program: noProgram }, wsOptions(ws));
        } catch (e) {
            if (e instanceof StackAlreadyExistsError) {
                throw new StackLockedError(name, [], `environment ${name} is being created by another run right now; try again when it has finished`);
            }
            throw e;
        }
        const createdAt = this.clock();
        let meta: EnvironmentMeta = {
            stack: name,
            version: version.canonical,
            hostname: versionHost(version, this.settingsFor(version, 0).domain),
            owner,
            createdAt,
            expiresAt: expiryFor(createdAt, ttl, this.cfg.ttl),
            slot: lowestFreeSlot(claimedSlots(all, name)),
        };
        await this.writeTags(stack, meta);
        // The slot is reserved optimistically: written, then checked. Of two runs that chose the
        // same slot, the later writer always sees the other and moves (both may move); a move
        // picks among the lowest free slots at random, so the runs soon part.
        for (let attempt = 0; ; attempt++) {
            const taken = claimedSlots(await this.stacks(), name);
            if (!taken.includes(meta.slot)) {
                break;
            }
            if (attempt >= 10) {
                throw new OperationError(`${name}: could not reserve a slot on the shared listener; try again`);
            }
            meta = { ...meta, slot: reslot(taken, Math.random()) };
            await stack.setTag(TAG.slot, String(meta.slot));
            await sleep(Math.random() * 300);
        }
        this.log(`${name}: created stack in slot ${meta.slot}, owner ${owner}, expires ${meta.expiresAt.toISOString()}`);
        return { stack, meta };
    }

    private async writeTags(stack: Stack, meta: EnvironmentMeta): Promise<void> {
        for (const [key, value] of Object.entries(metaToTags(meta))) {
            await stack.setTag(key, value);
        }
    }

    private async metaOf(stack: Stack): Promise<EnvironmentMeta> {
        const meta = tagsToMeta(stack.name, await stack.listTags());
        if ("problem" in meta) {
            throw new NotEphemeralError(stack.name, meta.problem);
        }
        return meta;
    }

    private async setExpiry(stack: Stack, meta: EnvironmentMeta, ttl: string): Promise<EnvironmentMeta> {
        let expiresAt: Date;
        try {
            expiresAt = expiryFor(meta.createdAt, ttl, this.cfg.ttl);
        } catch (e) {
            throw e instanceof TtlError ? new UsageError(e.message) : e;
        }
        await stack.setTag(TAG.expiresAt, expiresAt.toISOString());
        return { ...meta, expiresAt };
    }

    /** Sets the expiry to creation + `ttl` (no update runs). */
    async extend(versionText: string, ttl: string): Promise<EnvironmentMeta> {
        const version = this.version(versionText);
        this.checkTtl(ttl);
        const name = versionStack(version);
        const stack = await this.select(name);
        if (stack === undefined) {
            throw new EnvironmentNotFoundError(name);
        }
        const meta = await this.setExpiry(stack, await this.metaOf(stack), ttl);
        this.log(`${name}: expires ${meta.expiresAt.toISOString()} (${formatDuration(meta.expiresAt.getTime() - this.clock().getTime())} left)`);
        return meta;
    }

    /** Destroys `version`'s environment, then removes its stack. */
    async down(versionText: string): Promise<{ stack: string }> {
        const version = this.version(versionText);
        const name = versionStack(version);
        const stack = await this.select(name);
        if (stack === undefined) {
            throw new EnvironmentNotFoundError(name);
        }
        await this.metaOf(stack);
        await this.destroy(stack);
        await this.reconcileAuth();
        return { stack: name };
    }

    private async destroy(stack: Stack): Promise<void> {
        await this.recover(stack);
        this.log(`${stack.name}: destroying`);
        await this.withLock(stack, "destroy", () => stack.destroy({ onOutput: this.cfg.engineOutput }));
        await this.withLock(stack, "remove", () => stack.workspace.removeStack(stack.name));
        this.log(`${stack.name}: destroyed and removed`);
    }

    /** The live ephemeral environments (by their tags). */
    async live(): Promise<EnvironmentMeta[]> {
        return liveOf(await this.stacks());
    }

    /** Every ephemeral environment, for `env ls`. */
    async list(now: Date = this.clock()): Promise<EnvironmentInfo[]> {
        const rows: EnvironmentInfo[] = [];
        for (const s of await this.stacks()) {
            const meta = tagsToMeta(s.name, s.tags);
            if ("problem" in meta) {
                continue;
            }
            const left = meta.expiresAt.getTime() - now.getTime();
            rows.push({
                stack: s.name,
                version: meta.version,
                url: `https://${meta.hostname}`,
                owner: meta.owner,
                createdAt: meta.createdAt.toISOString(),
                expiresAt: meta.expiresAt.toISOString(),
                timeLeftMs: left,
                timeLeft: left > 0 ? formatDuration(left) : `expired ${formatDuration(-left)} ago`,
                lastUpdate: s.summary.lastUpdate,
                resourceCount: s.summary.resourceCount,
                updateInProgress: s.summary.updateInProgress ?? false,
            });
        }
        return rows.sort((a, b) => a.expiresAt.localeCompare(b.expiresAt));
    }

    /** What the reaper would do at `now`. */
    async planReap(now: Date = this.clock()): Promise<ReapDecision[]> {
        return planReap(await this.stacks(), now, this.cfg.protectedStacks ?? []);
    }

    /**
     * Destroys and removes every ephemeral stack whose expiry has passed, `concurrency` at a
     * time. One failure does not stop the others; the summary lists each outcome.
     */
    async reap(options: { dryRun?: boolean; now?: Date; concurrency?: number } = {}): Promise<ReapSummary> {
        const now = options.now ?? this.clock();
        const concurrency = options.concurrency ?? 2;
        if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32) {
            throw new UsageError(`invalid concurrency ${concurrency}: expected an integer from 1 to 32`);
        }
        const plan = await this.planReap(now);
        const summary: ReapSummary = { now: now.toISOString(), dryRun: options.dryRun ?? false, destroyed: [], wouldDestroy: [], skipped: [], failed: [] };
        for (const d of plan) {
            if (d.action === "skip") {
                summary.skipped.push({ stack: d.stack, reason: d.reason });
            }
        }
        const doomed = plan.filter((d) => d.action === "destroy");
        if (summary.dryRun) {
            summary.wouldDestroy.push(...doomed.map((d) => d.stack));
            return summary;
        }
        await mapLimit(doomed, concurrency, async (d) => {
            try {
                const stack = await this.select(d.stack);
                if (stack === undefined) {
                    summary.skipped.push({ stack: d.stack, reason: "removed meanwhile" });
                    return;
                }
                await this.destroy(stack);
                summary.destroyed.push(d.stack);
            } catch (e) {
                summary.failed.push({ stack: d.stack, reason: firstLine(e) });
                this.log(`${d.stack}: reap failed: ${firstLine(e)}`);
            }
        });
        summary.destroyed.sort();
        if (summary.destroyed.length > 0) {
            await this.reconcileAuth();
        }
        return summary;
    }

    // ---------------------------------------------------------------- auth owner

    /** The complete redirect list: fixed hosts, extra URIs and every live environment's host. */
    async redirectList(): Promise<string[]> {
        const auth = this.cfg.auth;
        if (auth === undefined) {
            return [];
        }
        const paths = this.settingsFor(parseVersion("v0.0.0"), 0).auth.redirectPaths;
        const hosts = [...auth.fixedHosts, ...(await this.live()).map((l) => l.hostname).filter(Boolean)];
        return validateRedirectList([...hosts.flatMap((h) => redirectUrisFor(h, paths)), ...(auth.extraUris ?? [])]);
    }

    /**
     * Brings the auth owner stack in line with the live environments. Updates to it are
     * serialised by its lock; a run that finds it locked waits and tries again.
     */
    async reconcileAuth(): Promise<string[] | undefined> {
        const auth = this.cfg.auth;
        if (auth === undefined) {
            return undefined;
        }
        const name = auth.stackName ?? "auth";
        let uris = await this.redirectList();
        for (let attempt = 0; ; attempt++) {
            const program = auth.program(uris);
            let stack: Stack;
            try {
                const ws = await this.workspace(program);
                stack = await LocalWorkspace.createOrSelectStack({ stackName: name, projectName: this.project, program }, wsOptions(ws));
            } catch (e) {
                if (e instanceof StackAlreadyExistsError && attempt < 20) {
                    continue; // created by a concurrent run a moment ago: select it next time
                }
                throw e;
            }
            try {
                await this.withLock(stack, "auth", () => stack.up({ onOutput: this.cfg.engineOutput }));
            } catch (e) {
                if (!(e instanceof StackLockedError) || attempt >= 20) {
                    throw e;
                }
                await sleep(250 + Math.random() * 750);
                uris = await this.redirectList();
                continue;
            }
            // Another run may have changed the set of environments while this list was being
            // applied, or applied an older list after it: look again, and converge.
            const now = await this.redirectList();
            if (now.length === uris.length && now.every((u, i) => u === uris[i])) {
                this.log(`${name}: ${uris.length} redirect URI(s) registered`);
                return uris;
            }
            if (attempt >= 20) {
                throw new OperationError(`${name}: the redirect list keeps changing; run again to converge`);
            }
            uris = now;
        }
    }
}

/** The ephemeral environments among `stacks` (by their tags). */
function liveOf(stacks: readonly StackSummary[]): EnvironmentMeta[] {
    return stacks.map((s) => tagsToMeta(s.name, s.tags)).filter((m): m is EnvironmentMeta => !("problem" in m));
}

/** Parses a version given by a user; a bad one is a {@link UsageError}. */
export function userVersion(text: string): Version {
    try {
        return parseVersion(text);
    } catch (e) {
        if (e instanceof VersionError) {
            throw new UsageError(e.message);
        }
        throw e;
    }
}

/** Checks a TTL given by a user (the maximum is checked by the driver). */
export function userTtl(text: string | undefined): void {
    if (text === undefined) {
        return;
    }
    try {
        parseDuration(text, "TTL");
    } catch (e) {
        throw e instanceof TtlError ? new UsageError(e.message) : e;
    }
}

/** An inline program that declares nothing: for stacks only selected, tagged or destroyed. */
const noProgram: PulumiFn = async () => ({});

function wsOptions(ws: LocalWorkspace): Parameters<typeof LocalWorkspace.selectStack>[1] {
    return {
        workDir: ws.workDir,
        pulumiHome: ws.pulumiHome,
        envVars: ws.envVars,
        pulumiCommand: ws.pulumiCommand,
        secretsProvider: ws.secretsProvider,
    };
}

/**
 * Whether the process that took a lock on this host still runs. On Linux, /proc also tells a
 * zombie (killed, not yet reaped: dead for our purpose) and a reused pid (no longer a pulumi
 * process) apart from a live holder.
 */
export function processAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "EPERM";
    }
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
        if (state === "Z" || state === "X") {
            return false;
        }
        const argv0 = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0] ?? "";
        return argv0 === "pulumi" || argv0.endsWith("/pulumi");
    } catch {
        return true; // no /proc: trust kill(0)
    }
}

function safeUser(): string {
    try {
        return os.userInfo().username;
    } catch {
        return process.env.USER ?? "unknown";
    }
}

function sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
}

export function firstLine(e: unknown): string {
    const text = e instanceof Error ? e.message : String(e);
    const lines = text
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean);
    const useful = lines.find((l) => /^error:/i.test(l)) ?? lines[0] ?? "unknown error";
    return useful.length > 300 ? `${useful.slice(0, 300)}…` : useful;
}

/** Runs `fn` over `items`, at most `limit` at a time; answers results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array(items.length);
    let next = 0;
    const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
        while (next < items.length) {
            const i = next++;
            results[i] = await fn(items[i]!);
        }
    });
    await Promise.all(workers);
    return results;
}
