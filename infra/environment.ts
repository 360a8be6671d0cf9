/**
 * The one definition of an environment: settings in, stack outputs out. `pulumi up` calls it
 * through infra/index.ts with settings from config; the automation calls it as an inline
 * program with settings built in code.
 */
import { albIdleTimeout } from "../rules/connections";
import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import {
    type AccessLogsTarget,
    type EcsPlacementOutput,
    LogBucket,
    type SharedPlatform,
    TestPlatform,
    VersionedStack,
    type VersionedStackArgs,
} from "../components";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RegistryClient } from "../registry/client";
import { credentialsFrom } from "../registry/credentials";
import { extractImage } from "../registry/extract";
import { loadBalancerLogPrefix, partitionOf } from "../rules/accessLogs";
import { frontendFilesProblem } from "../rules/frontendFiles";
import { parseRepository } from "../rules/imageReference";
import { pathParts } from "../rules/layerPaths";
import { pinnedDataset } from "../rules/database";
import { datasetReference } from "../rules/datasets";
import { DATA_VOLUME_DEFAULTS } from "../rules/ecsSnapshot";
import { dumpBucketName, logBucketName, shortHash } from "../rules/naming";
import { BaselineGuard, baselineContext } from "./baseline";
import { createsCluster, declaresEcsServiceLinkedRole, ecsServiceLinkedRole } from "./serviceLinkedRole";
import { type EnvironmentSettings, ROLE_RULES } from "./settings";

export interface EnvironmentOutputs {
    url: pulumi.Output<string>;
    version: pulumi.Output<string>;
    imageDigests: pulumi.Output<Record<string, string>>;
    bucket: pulumi.Output<string>;
    /** The URIs this environment needs registered in Azure AD. */
    redirectUris: pulumi.Output<string[]>;
    /** The cluster, the services' ECS names and whether ECS Exec is on (`vnv env exec`). */
    ecs: pulumi.Output<EcsPlacementOutput>;
    /** Each public service's ALB metric dimensions (the reaper's inactivity rule reads RequestCount there). */
    requests: pulumi.Output<{ loadBalancer: string; targetGroup: string }[]>;
    /** The dataset its own database was made from (`image:tag@digest`, rules/datasets.ts); env up keeps it. */
    dataset?: string;
    /** Dev only: what ephemeral environments attach to (read through a StackReference). */
    platform?: Record<string, pulumi.Input<unknown>>;
}

/** Tags every AWS resource of the environment carries (provider default tags). */
export function environmentTags(settings: EnvironmentSettings): Record<string, string> {
    return {
        "vnv:project": settings.project,
        "vnv:environment": settings.environment,
        "vnv:role": settings.role,
        "vnv:version": settings.version,
        "managed-by": "pulumi",
    };
}

/** What {@link defineEnvironment} takes besides the settings. */
export interface DefineOptions {
    /** The frontend's static files, taken from its image (see {@link frontendFiles}). @default [] */
    readonly frontendFiles?: readonly { readonly key: string; readonly path: string }[];
    /** The AWS provider of the environment. @default one made from the settings ({@link awsProvider}) */
    readonly provider?: aws.Provider;
    /** The retained bucket of this version exists already: adopt it (see FrontendBucket). @default false */
    readonly adoptBucket?: boolean;
    /** The retained log bucket exists already: adopt it (see LogBucket). @default false */
    readonly adoptLogBucket?: boolean;
    /** Declare the account's ECS service-linked role (infra/serviceLinkedRole.ts). @default false */
    readonly serviceLinkedRole?: boolean;
}

/** The environment's AWS provider: its region, and the environment's tags on every resource. */
export function awsProvider(settings: EnvironmentSettings): aws.Provider {
    return new aws.Provider(`${settings.project}-aws`, {
        region: settings.region as aws.Region,
        defaultTags: { tags: environmentTags(settings) },
    });
}

/**
 * The program of a stack: looks up what the definition must know before it registers anything
 * (whether a retained bucket of this version is already there), then defines the environment.
 */
export async function deployEnvironment(settings: EnvironmentSettings, extract: FrontendExtractor = frontendFiles): Promise<EnvironmentOutputs> {
    const provider = awsProvider(settings);
    const adoptBucket = settings.frontend.retain && (await bucketExists(settings.frontend.bucketName, provider));
    const logs = logBucketOf(settings);
    const adoptLogBucket = logs !== undefined && ROLE_RULES[settings.role].retain && (await bucketExists(logs, provider));
    const serviceLinkedRole = createsCluster(settings) && (await declaresEcsServiceLinkedRole(settings, provider));
    return defineEnvironment(settings, { provider, adoptBucket, adoptLogBucket, serviceLinkedRole, frontendFiles: await extract(settings) });
}

/** Takes the frontend's files out of its image (or answers none when the stack names no image). */
export type FrontendExtractor = (settings: EnvironmentSettings) => Promise<{ key: string; path: string }[]>;

/**
 * The frontend's static files: its image at the pinned digest (or the version's tag when
 * nothing is pinned), extracted through the registry API with the credentials vnv reads for
 * registries (`VNV_REGISTRY_CREDENTIALS`, the Docker config) into a directory kept per digest.
 * The deploy fails (naming the image, its digest and the root) when the root yields no files or
 * no `index.html` at its top, or when the extraction refuses anything (registry/extract.ts); a
 * kept directory is used again only when its listing passes the same rules and every file in it
 * is still a regular file.
 */
export const frontendFiles: FrontendExtractor = async (settings) => {
    const image = settings.frontend.image;
    if (image === undefined) {
        return [];
    }
    const client = new RegistryClient({ credentials: credentialsFrom(process.env) });
    const digest = settings.frontend.digest ?? (await client.resolve(image, settings.version)).digest;
    // Kept per digest and directory of the image: the same image read at another root is other files.
    const dir = path.join(os.tmpdir(), "vnv-frontend", `${digest.replace(":", "-")}-${shortHash(settings.frontend.root)}`);
    const done = `${dir}.files.json`;
    let files = keptFiles(dir, done);
    if (files === undefined) {
        fs.rmSync(done, { force: true });
        fs.rmSync(dir, { recursive: true, force: true });
        files = (await extractImage(client, image, digest, { from: settings.frontend.root, to: dir, check: frontendFilesProblem })).files;
        fs.writeFileSync(done, JSON.stringify(files));
    }
    return files.map((key) => ({ key, path: path.join(dir, key) }));
};

/** The listing of a kept extraction, if it is one vnv wrote and may deploy; undefined otherwise. */
function keptFiles(dir: string, done: string): readonly string[] | undefined {
    let listed: unknown;
    try {
        listed = JSON.parse(fs.readFileSync(done, "utf8"));
    } catch {
        return undefined;
    }
    if (!Array.isArray(listed) || !listed.every((k) => typeof k === "string" && pathParts(k)?.join("/") === k && k !== "")) {
        return undefined;
    }
    if (frontendFilesProblem(listed) !== undefined) {
        return undefined;
    }
    const regular = (key: string) => {
        try {
            return fs.lstatSync(path.join(dir, key)).isFile();
        } catch {
            return false;
        }
    };
    return listed.every(regular) ? listed : undefined;
}

/**
 * Whether a bucket exists, through the provider's `getBucket`. Only "not found" means absent
 * (terraform-provider-aws, s3/bucket_data_source.go: `reading S3 Bucket (…): couldn't find
 * resource`); any other answer (access denied, throttling) fails the update.
 */
export async function bucketExists(bucket: string, provider: aws.Provider): Promise<boolean> {
    try {
        await aws.s3.getBucket({ bucket }, { provider });
        return true;
    } catch (e) {
        if (String((e as Error)?.message ?? e).includes("couldn't find resource")) {
            return false;
        }
        throw e;
    }
}

/**
 * Defines one environment from settings. Creates resources: call it inside a Pulumi program.
 * Every AWS resource waits for the security baseline's verdict (infra/baseline.ts).
 */
export function defineEnvironment(settings: EnvironmentSettings, options: DefineOptions = {}): EnvironmentOutputs {
    const provider = options.provider ?? awsProvider(settings);
    const guard = new BaselineGuard(baselineContext(settings, logBucketOf(settings)));
    const base = { providers: { aws: provider, ...registryLookups(settings) }, transformations: [guard.transformation] };
    const opts = options.serviceLinkedRole
        ? { ...base, transformations: [guard.transformation, ecsServiceLinkedRole(settings, { provider, transformations: base.transformations })] }
        : base;
    try {
        const logs = createLogBucket(settings, options.adoptLogBucket ?? false, opts);
        const accessLogs = (prefix: string) => (logs === undefined ? undefined : { bucket: logs.bucketName, prefix: loadBalancerLogPrefix(prefix) });
        const platform = settings.testPlatform
            ? new TestPlatform(
                  `${settings.project}-platform`,
                  {
                      domain: settings.domain,
                      hostedZoneId: settings.hostedZoneId,
                      vpcId: settings.network.vpcId,
                      publicSubnetIds: [...settings.network.publicSubnetIds],
                      // The same address type as dev's own ALB: ephemeral settings derive theirs from it.
                      ipAddressType: settings.ingress.mode === "dedicated" ? settings.ingress.ipAddressType : undefined,
                      accessLogs: accessLogs(PLATFORM_LOGS),
                      // Ephemeral environments run dev's services behind it: the timeout dev's own ALB has.
                      idleTimeout: albIdleTimeout(settings.services, settings.ingress.mode === "dedicated" ? settings.ingress.idleTimeout : undefined),
                  },
                  opts,
              )
            : undefined;
        const serverAccessLogs = ROLE_RULES[settings.role].serverAccessLogs ? logs?.bucketName : undefined;
        const env = new VersionedStack(settings.project, versionedStackArgs(settings, options, accessLogs(ENVIRONMENT_LOGS), serverAccessLogs), opts);
        return {
            url: env.url,
            version: env.version,
            imageDigests: env.imageDigests,
            bucket: env.bucketName,
            redirectUris: env.redirectUris,
            ecs: env.ecs,
            requests: env.requests,
            ...datasetOutput(settings),
            ...(platform ? { platform: platform.outputs() } : {}),
        };
    } finally {
        guard.seal();
    }
}

/** Access-log prefixes in the log bucket: the test platform's shared ALB, the environment's own. */
const PLATFORM_LOGS = "platform";
const ENVIRONMENT_LOGS = "environment";

/** The log bucket's name, when the stack has an ALB of its own or the test platform's (else none). */
export function logBucketOf(settings: EnvironmentSettings): string | undefined {
    const albs = settings.ingress.mode === "dedicated" || settings.testPlatform;
    return albs && ROLE_RULES[settings.role].accessLogDays > 0 ? logBucketName(settings.frontend.bucketPrefix) : undefined;
}

/** The stack's log bucket (ELB.5, S3.9): its ALBs' access logs and, in production, its buckets' server access logs. */
function createLogBucket(settings: EnvironmentSettings, adopt: boolean, opts: pulumi.ComponentResourceOptions): LogBucket | undefined {
    const name = logBucketOf(settings);
    if (name === undefined) {
        return undefined;
    }
    const rules = ROLE_RULES[settings.role];
    return new LogBucket(
        `${settings.project}-logs`,
        {
            bucketName: name,
            region: settings.region,
            expirationDays: rules.accessLogDays,
            loadBalancerPrefixes: [
                ...(settings.testPlatform ? [loadBalancerLogPrefix(PLATFORM_LOGS)] : []),
                ...(settings.ingress.mode === "dedicated" ? [loadBalancerLogPrefix(ENVIRONMENT_LOGS)] : []),
            ],
            // The version buckets (`<prefix>-v…`), the current one and those kept from earlier versions.
            serverLogSources: rules.serverAccessLogs ? [`arn:${partitionOf(settings.region)}:s3:::${settings.frontend.bucketPrefix}-v*`] : [],
            retain: rules.retain,
            forceDestroy: rules.forceDestroy,
            adopt: adopt && rules.retain,
        },
        opts,
    );
}

function versionedStackArgs(
    settings: EnvironmentSettings,
    options: DefineOptions,
    accessLogs: AccessLogsTarget | undefined,
    serverAccessLogs: pulumi.Output<string> | undefined,
): VersionedStackArgs {
    const ingress =
        settings.ingress.mode === "shared"
            ? {
                  mode: "shared" as const,
                  platform: { ...readPlatform(settings.ingress.platformStack), dualstack: settings.ingress.dualstack },
                  slot: settings.ingress.slot,
              }
            : {
                  mode: "dedicated" as const,
                  deletionProtection: settings.ingress.deletionProtection,
                  ipAddressType: settings.ingress.ipAddressType,
                  idleTimeout: settings.ingress.idleTimeout,
                  accessLogs,
              };
    return {
        project: settings.project,
        environment: settings.environment,
        version: settings.version,
        hostname: settings.hostname,
        hostedZoneId: settings.hostedZoneId,
        region: settings.region,
        network: {
            vpcId: settings.network.vpcId,
            publicSubnetIds: [...settings.network.publicSubnetIds],
            privateSubnetIds: [...settings.network.privateSubnetIds],
            assignPublicIp: settings.network.assignPublicIp,
        },
        services: settings.services,
        ...(settings.database === undefined ? {} : { database: settings.database }),
        // A database loaded from a dataset can be snapshotted (rules/ecsSnapshot.ts).
        ...(settings.database?.dataset === undefined
            ? {}
            : { snapshots: { bucketName: dumpBucketName(settings.frontend.bucketPrefix, settings.version), volumeSizeInGb: DATA_VOLUME_DEFAULTS.sizeInGb } }),
        registryCredentials: settings.registries,
        capacity: settings.capacity,
        logRetentionDays: settings.logRetentionDays,
        exec: settings.exec,
        sleeps: ROLE_RULES[settings.role].sleeps,
        ...(settings.workingHours === undefined ? {} : { workingHours: settings.workingHours }),
        ingress,
        ...(settings.alarms ? { watch: settings.alerts === undefined ? {} : { alerts: settings.alerts } } : {}),
        frontend: { ...settings.frontend, adopt: options.adoptBucket ?? false, files: options.frontendFiles ?? [], serverAccessLogs },
        redirectPaths: settings.auth.redirectPaths,
        ownRedirects: settings.auth.manageRedirects
            ? { applicationId: settings.auth.applicationId!, type: settings.auth.type, extraRedirectUris: settings.auth.extraRedirectUris }
            : undefined,
    };
}

/**
 * The docker provider for the digest lookups of images that come without a pinned digest (a
 * hand-run `pulumi up` without `release check --pin`). It authenticates to the private
 * registries (`vnv:registries`) those images come from with the credentials `docker login`
 * stored (`~/.docker/config.json` or `$DOCKER_CONFIG`), which the provider reads only for the
 * addresses in its `registryAuth`; other registries are asked anonymously. No provider at all
 * when everything is pinned: `env up` and pinned deploys need no docker plugin.
 */
function registryLookups(settings: EnvironmentSettings): { docker?: docker.Provider } {
    const unpinned = [...settings.services, ...(settings.database === undefined ? [] : [settings.database])].filter((s) => s.digest === undefined);
    if (unpinned.length === 0) {
        return {};
    }
    const hosts = [...new Set(unpinned.map((s) => parseRepository(s.image).registry))].filter((h) => h in settings.registries).sort();
    return { docker: new docker.Provider(`${settings.project}-registries`, { registryAuth: hosts.map((address) => ({ address })) }) };
}

/** The test platform's outputs from the dev stack (`platform` output of {@link defineEnvironment}). */
export function readPlatform(stack: string): SharedPlatform {
    const ref = new pulumi.StackReference(stack);
    const platform = ref.requireOutput("platform") as pulumi.Output<Record<string, unknown>>;
    const field = (key: string): pulumi.Output<string> =>
        platform.apply((p) => {
            const v = p?.[key];
            if (typeof v !== "string" || v === "") {
                throw new Error(`stack ${stack} has no platform.${key} output: deploy the dev stack (testPlatform: true) first`);
            }
            return v;
        });
    return {
        listenerArn: field("httpsListenerArn"),
        albSecurityGroupId: field("albSecurityGroupId"),
        albDnsName: field("albDnsName"),
        albZoneId: field("albZoneId"),
        clusterArn: field("clusterArn"),
    };
}

/** The `dataset` output of an environment whose database was made from one (the stand-in programs export it too). */
export function datasetOutput(settings: EnvironmentSettings): { dataset?: string } {
    const d = pinnedDataset(settings.database);
    return d === undefined ? {} : { dataset: datasetReference(d) };
}
