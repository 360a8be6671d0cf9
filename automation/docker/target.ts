/**
 * Ephemeral environments on a Docker host (`vnv env … --on docker`): the journey of the AWS
 * target, with Compose as the engine and the labels of the project's objects as the state.
 *
 * `env up`: every check first (the engine answers, the images exist, secrets are given, the
 * engine pulls every image, the frontend's files extract), then the S3 API alone, the bucket
 * filled, then every service up to healthy (`up --wait`, then each public service's health path
 * through its published port), recorded and announced. The reaper's rules are the AWS ones
 * (rules/metadata.ts): labels that are not exactly vnv's make a malformed environment, never
 * acted on.
 */
import type { DockerPolicy } from "../../infra/settings/docker";
import { type EnvironmentSettings, parseSettings, type RawSettings, SettingsError } from "../../infra/settings";
import { ephemeralFromDev } from "../../infra/ephemeral";
import type { RegistryClient } from "../../registry/client";
import { datasetReference, loaderName, type PinnedDataset } from "../../rules/datasets";
import { type EnvironmentMeta, lowestFreeSlot, type TagRules } from "../../rules/metadata";
import { hostname as versionHost, stackName as versionStack } from "../../rules/naming";
import type { TtlPolicy } from "../../rules/ttl";
import type { Version } from "../../rules/versions";
import { EnvironmentNotFoundError, UsageError } from "../errors";
import type { Auditor, AuditDraft } from "../history/auditing";
import type { Owner, Ttl } from "../inputs";
import type { ChosenDataset, ResolvedImage } from "../release/dataset";
import type { ImageSource } from "../release/release";
import { checkOnce, type HealthReport, type HealthTarget, type WaitOptions } from "../environments/health";
import type { Announcement } from "../environments/notify";
import { StepClock } from "../environments/runtime";
import type { DockerEngine, DockerObject } from "./engine";
import { extractFrontend, fillBucket } from "./frontend";
import { labelsToTags, projectMeta } from "./labels";
import { type DockerProject, dockerProject, portsOf, S3_SERVICE } from "./project";
import { datasetFor, datasetStatus } from "./dataset";
import { secretValues } from "./secrets";

export interface DockerTargetConfig {
    readonly project: string;
    readonly devSettings: RawSettings;
    readonly region: string | undefined;
    readonly policy: DockerPolicy;
    readonly ttl: TtlPolicy;
    readonly domain: string;
    readonly engine: DockerEngine;
    readonly registry: RegistryClient;
    readonly checkImages: (version: Version, images: readonly ImageSource[]) => Promise<Readonly<Record<string, string>>>;
    /** The dataset a new environment starts from (release/dataset.ts chooseDataset); absent: none. */
    readonly chooseDataset?: (images: readonly ResolvedImage[], explicit: string | undefined) => Promise<ChosenDataset | undefined>;
    /** Values of configured secrets by variable name; throws a UsageError naming the missing ones. */
    readonly configuredSecrets: (names: readonly string[]) => Record<string, string>;
    readonly clock: () => Date;
    readonly log: (line: string) => void;
    readonly audit?: Auditor;
    readonly announce: (a: Announcement) => Promise<void>;
    /** Health after up, through the published ports. */
    readonly health: { readonly wait: WaitOptions; readonly afterUp: boolean };
    /** Compose's `--wait-timeout`. */
    readonly waitSeconds: number;
}

/** One Docker environment as the labels of its objects tell it. */
export interface DockerEnvironment {
    readonly stack: string;
    readonly project: string;
    readonly objects: readonly DockerObject[];
    readonly found: { meta: EnvironmentMeta; url: string } | { problem: string };
}

/** The history's name of a Docker environment (`docker-v1-2-3-rc-1`): its own line beside the AWS one. */
export function historyName(stack: string): string {
    return `docker-${stack}`;
}

/** What `up` checked and will make. */
interface UpPlan {
    readonly version: Version;
    readonly stack: string;
    readonly digests: Readonly<Record<string, string>>;
    readonly settings: EnvironmentSettings;
    readonly meta: EnvironmentMeta;
    readonly project: DockerProject;
    readonly secrets: Record<string, string>;
    readonly files: Awaited<ReturnType<typeof extractFrontend>>;
    readonly created: boolean;
    readonly draft: AuditDraft;
    readonly dataset: PinnedDataset | undefined;
}

export interface UpOptions {
    readonly ttl?: Ttl;
    readonly owner: Owner;
    /** `--dataset`: the dataset a new environment starts from. */
    readonly dataset?: string;
}

export class DockerEnvironments {
    /** The project a failing `up` removes (a new one only). */
    private removeOnFailure: string | undefined;
    constructor(readonly cfg: DockerTargetConfig) {}

    rules(now: Date = this.cfg.clock()): TagRules {
        return { domain: this.cfg.domain, maxTtlMs: this.cfg.ttl.maxMs, now };
    }

    /** `version`'s settings as an ephemeral environment, digests (and its dataset) pinned; bad configuration is a UsageError. */
    settingsFor(version: Version, digests?: Readonly<Record<string, string>>, dataset?: PinnedDataset): EnvironmentSettings {
        const pinned = dataset === undefined ? {} : { dataset: { image: dataset.image, tag: dataset.tag, digest: dataset.digest } };
        const raw = ephemeralFromDev(this.cfg.devSettings, { version: version.canonical, platformStack: "docker", slot: 0, digests, ...pinned });
        try {
            return parseSettings(raw, { project: this.cfg.project, region: this.cfg.region });
        } catch (e) {
            throw e instanceof SettingsError ? new UsageError(`the dev configuration does not make a valid environment on Docker: ${e.message}`) : e;
        }
    }

    /** Every vnv environment on the engine, by Compose project. */
    async environments(now: Date = this.cfg.clock()): Promise<DockerEnvironment[]> {
        const objects = await this.cfg.engine.objects(this.cfg.project);
        const byProject = new Map<string, DockerObject[]>();
        for (const o of objects) {
            byProject.set(o.project, [...(byProject.get(o.project) ?? []), o]);
        }
        const prefix = `${this.cfg.project}-`;
        return [...byProject.entries()].map(([project, objs]) => {
            const stack = project.startsWith(prefix) ? project.slice(prefix.length) : project;
            const found = project.startsWith(prefix)
                ? projectMeta(
                      stack,
                      authoritative(objs).map((o) => o.labels),
                      this.rules(now),
                  )
                : { problem: `its Compose project ${project} is not named ${prefix}<version>` };
            return { stack, project, objects: objs, found };
        });
    }

    async find(version: Version): Promise<DockerEnvironment | undefined> {
        const stack = versionStack(version);
        return (await this.environments()).find((e) => e.stack === stack);
    }

    audited<T>(draft: AuditDraft, operation: (draft: AuditDraft) => Promise<T>): Promise<T> {
        return this.cfg.audit === undefined ? operation(draft) : this.cfg.audit.run(draft, operation);
    }

    /** Creates or updates `version`'s environment on the engine (see the module's comment). */
    async up(version: Version, options: UpOptions) {
        const steps = new StepClock();
        const plan = await this.plan(version, options, steps);
        try {
            return await this.audited(plan.draft, (d) => this.apply(plan, d, steps));
        } catch (e) {
            // Nothing half-made: a new environment that did not come up is removed again.
            if (this.removeOnFailure === plan.project.project) {
                this.cfg.log(`${plan.stack}: removing what was made: ${(e as Error).message.split("\n")[0]}`);
                await this.cfg.engine.down(plan.project.project).catch((d: unknown) => this.cfg.log(`${plan.stack}: could not remove it: ${String(d)}`));
            }
            throw e;
        } finally {
            this.removeOnFailure = undefined;
            plan.files.remove();
        }
    }

    /** Every check before anything is touched: the engine, the images, the existing environment, the secrets, the frontend's files. */
    private async plan(version: Version, options: UpOptions, steps: StepClock): Promise<UpPlan> {
        const stack = versionStack(version);
        const unpinned = this.settingsFor(version); // the configuration is valid for this version
        await steps.time("engine", () => this.cfg.engine.ping());
        const checked = await steps.time("check images", () => this.cfg.checkImages(version, imagesOfSettings(unpinned)));
        const all = await this.environments();
        const existing = all.find((e) => e.stack === stack);
        if (existing !== undefined && "problem" in existing.found) {
            throw malformed(stack, existing.found.problem, version);
        }
        const dataset = await steps.time("dataset", () => datasetFor(this.cfg, version, unpinned, checked, existing, options.dataset));
        const settings = this.settingsFor(version, checked, dataset);
        const digests =
            dataset === undefined || settings.database === undefined ? checked : { ...checked, [loaderName(settings.database.name)]: dataset.digest };
        const meta = this.metaFor(version, settings, options, existing, all);
        const project = dockerProject(settings, meta, this.cfg.policy);
        const secrets = await this.secretsFor(project, existing, settings.database?.name);
        await steps.time("pull images", () => this.cfg.engine.pull(project.file, secrets, this.cfg.waitSeconds + 120));
        const files = await steps.time("frontend files", () => extractFrontend(this.cfg.registry, settings));
        const created = existing === undefined;
        const draft: AuditDraft = {
            action: created ? "deploy" : "update",
            environment: historyName(stack),
            version: version.canonical,
            digests: { ...digests },
        };
        return { version, stack, digests, settings, meta, project, secrets, files, created, draft, dataset };
    }

    /** The S3 API alone, its bucket filled, every service up to healthy; recorded in `d` and announced. */
    private async apply(plan: UpPlan, d: AuditDraft, steps: StepClock) {
        const { version, stack, digests, settings, meta, project, secrets, created } = plan;
        this.cfg.log(`${stack}: ${created ? "creating" : "updating"} ${version.canonical} on Docker (${this.cfg.engine.host}) at ${project.url}`);
        if (created) {
            this.removeOnFailure = project.project;
        }
        await steps.time("S3 API", () => this.cfg.engine.up(project.file, secrets, { waitSeconds: this.cfg.waitSeconds, services: [S3_SERVICE.name] }));
        const endpoint = `http://${reachable(this.cfg.policy)}:${project.ports[S3_SERVICE.name]}`;
        const release = { version: version.canonical, bucket: settings.frontend.bucketName, images: { ...digests } };
        const keys = { accessKeyId: secrets.ROOT_ACCESS_KEY!, secretAccessKey: secrets.ROOT_SECRET_KEY! };
        await steps.time("bucket", () => fillBucket(endpoint, keys, settings.frontend.bucketName, plan.files, release));
        await steps.time("compose up", () => this.cfg.engine.up(project.file, secrets, { waitSeconds: this.cfg.waitSeconds }));
        const health = this.cfg.health.afterUp ? await steps.time("health", () => this.awaitHealthy(settings, project)) : undefined;
        const expiresAt = meta.expiresAt.toISOString();
        Object.assign(d, { url: project.url, expiresAt, ...(health?.healthy === false ? { failure: "not healthy" } : {}) });
        if (health?.healthy ?? true) {
            await this.cfg.announce({ kind: "up", created, version: version.canonical, url: project.url, owner: meta.owner, expiresAt });
        }
        return {
            stack,
            version: version.canonical,
            url: project.url,
            created,
            expiresAt,
            outputs: {
                project: project.project,
                ports: project.ports,
                digests,
                ...(plan.dataset === undefined ? {} : { dataset: datasetReference(plan.dataset) }),
            },
            ...(health === undefined ? {} : { health }),
            steps: steps.laps,
        };
    }

    /** A new environment's metadata (the lowest free slot), or the existing one's, with a new expiry when a TTL is given. */
    private metaFor(
        version: Version,
        settings: EnvironmentSettings,
        options: { ttl?: Ttl; owner: Owner },
        existing: DockerEnvironment | undefined,
        all: readonly DockerEnvironment[],
    ): EnvironmentMeta {
        if (existing !== undefined && "meta" in existing.found) {
            const meta = existing.found.meta;
            return options.ttl === undefined ? meta : { ...meta, expiresAt: new Date(meta.createdAt.getTime() + options.ttl.ms) };
        }
        const taken = all.flatMap((e) => ("meta" in e.found ? [e.found.meta.slot] : slotOfLabels(e)));
        const createdAt = this.cfg.clock();
        return {
            stack: versionStack(version),
            version: version.canonical,
            hostname: versionHost(version, settings.domain),
            owner: options.owner,
            createdAt,
            expiresAt: new Date(createdAt.getTime() + (options.ttl?.ms ?? this.cfg.ttl.defaultMs)),
            slot: lowestFreeSlot(taken),
        };
    }

    /** Every secret's value (see secrets.ts). */
    secretsFor(project: DockerProject, existing: DockerEnvironment | undefined, database: string | undefined, options: { carryConfigured?: boolean } = {}) {
        return secretValues(this.cfg, project, existing, database, options);
    }

    /** Each public service's health path through its published port. */
    healthTargets(settings: EnvironmentSettings, ports: Readonly<Record<string, number>>): HealthTarget[] {
        const address = reachable(this.cfg.policy);
        return settings.services
            .filter((s) => (s.public ?? false) && ports[s.name] !== undefined)
            .map((s) => ({ service: s.name, url: `http://${address}:${ports[s.name]}${s.healthCheckPath ?? "/health"}` }));
    }

    private async awaitHealthy(settings: EnvironmentSettings, project: DockerProject): Promise<HealthReport> {
        const targets = this.healthTargets(settings, project.ports);
        const { waitHealthy, UnhealthyError, progressLine } = require("../environments/health") as typeof import("../environments/health");
        this.cfg.log(`waiting until ${targets.map((t) => t.service).join(", ")} answer their health path on ${this.cfg.policy.address}`);
        try {
            return await waitHealthy(targets, [], { ...this.cfg.health.wait, onProgress: (r) => this.cfg.log(progressLine(r, this.cfg.health.wait.streak)) });
        } catch (e) {
            if (e instanceof UnhealthyError) {
                this.cfg.log(e.message);
                return e.report;
            }
            throw e;
        }
    }

    /** One round of probes (`env status`). */
    async status(version: Version) {
        const found = await this.found(version);
        const settings = this.settingsFor(version);
        const ports = portsOf(settings, this.cfg.policy, found.meta.slot);
        const health = await checkOnce(this.healthTargets(settings, ports), []);
        const dataset = settings.database === undefined ? undefined : datasetStatus(found.env, settings.database.name);
        return {
            stack: found.env.stack,
            version: version.canonical,
            url: found.url,
            expiresAt: found.meta.expiresAt.toISOString(),
            health,
            ...(dataset === undefined ? {} : { dataset }),
        };
    }

    /** The environment of `version` with well-formed labels, or the error that says why not. */
    async found(version: Version): Promise<{ env: DockerEnvironment; meta: EnvironmentMeta; url: string }> {
        const env = await this.find(version);
        if (env === undefined) {
            throw new EnvironmentNotFoundError(
                versionStack(version),
                `no Docker environment of ${version.canonical} on ${this.cfg.engine.host}: \`vnv env ls\` lists them`,
            );
        }
        if ("problem" in env.found) {
            throw malformed(env.stack, env.found.problem, version);
        }
        return { env, meta: env.found.meta, url: env.found.url };
    }
}

/**
 * The objects whose labels are the environment's metadata: its containers (recreated with new
 * labels by an extension), or, when none is left, its volumes (labelled once, at creation).
 */
export function authoritative(objects: readonly DockerObject[]): DockerObject[] {
    const containers = objects.filter((o) => o.kind === "container");
    return containers.length > 0 ? containers : [...objects];
}

/** The images `env up` checks: the version's services, its frontend, its own database. */
function imagesOfSettings(settings: EnvironmentSettings): ImageSource[] {
    const { imagesOf } = require("../../infra/settings") as typeof import("../../infra/settings");
    return imagesOf(settings);
}

/** A malformed project's slot, when its labels still name one (so a new environment does not take its ports). */
function slotOfLabels(e: DockerEnvironment): number[] {
    const slot = e.objects.map((o) => labelsToTags(o.labels)["vnv:slot"]).find((s) => s !== undefined && /^(0|[1-9]\d{0,3})$/.test(s));
    return slot === undefined ? [] : [Number(slot)];
}

function malformed(stack: string, problem: string, version: Version): UsageError {
    return new UsageError(`the Docker environment ${stack} is malformed (${problem}): \`vnv env down ${version.canonical} --on docker\` removes it`);
}

/** The address vnv reaches published ports at (all interfaces are reached on loopback). */
function reachable(policy: DockerPolicy): string {
    return policy.address === "0.0.0.0" ? "127.0.0.1" : policy.address;
}
