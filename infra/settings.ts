/**
 * The typed, validated settings of one environment, built from raw configuration values.
 *
 * `infra/config.ts` feeds it Pulumi config (`vnv:*` keys) for `pulumi up`; the automation feeds
 * it values built in code for ephemeral stacks. Every problem names its key (`vnv:services[1].port`)
 * and what is allowed, and all problems are reported at once.
 *
 * No `@pulumi/*` import: parsing is tested on its own.
 */

import type { RegistryCredentials } from "../rules/iamPolicies";
import { bucketName, environmentName, validateDomain, hostname as versionHost } from "../rules/naming";
import { redirectUriProblem } from "../rules/redirects";
import { CAPACITIES, type Capacity, type ServiceSpec, serviceProblems } from "../rules/service";
import { parseVersion, VersionError } from "../rules/versions";

export type Role = "prod" | "dev" | "ephemeral";
export const ROLES: readonly Role[] = ["prod", "dev", "ephemeral"];

export interface NetworkSettings {
    readonly vpcId: string;
    readonly publicSubnetIds: readonly string[];
    readonly privateSubnetIds: readonly string[];
    readonly assignPublicIp: boolean;
}

export type IngressSettings =
    | { readonly mode: "dedicated"; readonly deletionProtection: boolean; readonly ipAddressType: "ipv4" | "dualstack" }
    | {
          readonly mode: "shared";
          readonly platformStack: string;
          readonly slot: number;
          /** The platform's ALB is dualstack (then the environment gets an AAAA alias too). */
          readonly dualstack: boolean;
      };

export interface FrontendSettings {
    readonly bucketPrefix: string;
    readonly bucketName: string;
    readonly publicWebsite: boolean;
    readonly forceDestroy: boolean;
    readonly retain: boolean;
}

export interface AuthSettings {
    /** `/applications/<object id>` of the Azure AD application, when this stack owns its list. */
    readonly applicationId?: string;
    readonly type: "SPA" | "Web";
    readonly redirectPaths: readonly string[];
    /** This stack registers the redirect list (it is the list's only owner). */
    readonly manageRedirects: boolean;
    /** URIs that stay registered besides this environment's (localhost for developers). */
    readonly extraRedirectUris: readonly string[];
}

export interface EnvironmentSettings {
    readonly project: string;
    readonly role: Role;
    /** Canonical version. */
    readonly version: string;
    /** `prod`, `dev`, or the version's stack name. */
    readonly environment: string;
    readonly region: string;
    readonly domain: string;
    readonly hostname: string;
    readonly hostedZoneId: string;
    readonly network: NetworkSettings;
    readonly services: readonly ServiceSpec[];
    readonly capacity: Capacity;
    readonly logRetentionDays: number;
    readonly ingress: IngressSettings;
    readonly frontend: FrontendSettings;
    readonly auth: AuthSettings;
    /** The stack also provides the test platform (dev). */
    readonly testPlatform: boolean;
    /** Pull credentials per private registry host (`ghcr.io`), for Fargate and the digest lookups. */
    readonly registries: Readonly<Record<string, RegistryCredentials>>;
    /** Dev only: the rules of the ephemeral environments derived from it. */
    readonly ephemeral?: EphemeralPolicy;
}

/** How ephemeral environments are run (the dev stack's `vnv:ephemeral`). */
export interface EphemeralPolicy {
    /** TTL when `env up` is given none. */
    readonly defaultTtl: string;
    /** The longest TTL anyone may ask for, counted from creation. */
    readonly maxTtl: string;
    /** At most this many live environments (never above what the shared ALB holds). */
    readonly maxEnvironments?: number;
    /** Stacks the reaper never touches besides dev and prod. */
    readonly protectedStacks: readonly string[];
    /** The dev stack as a StackReference name. */
    readonly platformStack: string;
    /** A lock older than this is stale even when its process cannot be checked. */
    readonly staleLockAfter: string;
    /** The stack that owns the shared application's redirect list. */
    readonly authStack: string;
    /** `/applications/<object id>` of the shared test application; absent: no reconciliation. */
    readonly authApplicationId?: string;
    /** Hosts whose redirect URIs always stay registered. */
    readonly fixedRedirectHosts: readonly string[];
}

/** Raw values by key without the `vnv:` namespace; objects already parsed from JSON/YAML. */
export type RawSettings = Readonly<Record<string, unknown>>;

/** The keys `vnv:` configuration may hold. */
export const SETTING_KEYS = [
    "role",
    "version",
    "domain",
    "hostname",
    "hostedZoneId",
    "network",
    "services",
    "capacity",
    "logRetentionDays",
    "ingress",
    "frontend",
    "auth",
    "testPlatform",
    "ephemeral",
    "digests",
    "registries",
] as const;

/** CloudWatch Logs' allowed retention values. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** What each role implies where the configuration is silent. */
export const ROLE_DEFAULTS: Readonly<
    Record<
        Role,
        {
            ingress: "dedicated" | "shared";
            capacity: Capacity;
            minPublicTasks: number;
            logRetentionDays: number;
            retain: boolean;
            forceDestroy: boolean;
            deletionProtection: boolean;
            testPlatform: boolean;
            bucketPrefix: string;
        }
    >
> = {
    prod: {
        ingress: "dedicated",
        capacity: "FARGATE",
        minPublicTasks: 2,
        logRetentionDays: 90,
        retain: true,
        forceDestroy: false,
        deletionProtection: true,
        testPlatform: false,
        bucketPrefix: "studio-app-prod",
    },
    // Dev's bucket of the previous version is removed at a version change, objects and all: a
    // non-empty bucket could not be deleted and would fail the update.
    dev: {
        ingress: "dedicated",
        capacity: "FARGATE",
        minPublicTasks: 1,
        logRetentionDays: 30,
        retain: false,
        forceDestroy: true,
        deletionProtection: false,
        testPlatform: true,
        bucketPrefix: "studio-app-dev",
    },
    ephemeral: {
        ingress: "shared",
        capacity: "FARGATE_SPOT",
        minPublicTasks: 1,
        logRetentionDays: 3,
        retain: false,
        forceDestroy: true,
        deletionProtection: false,
        testPlatform: false,
        bucketPrefix: "studio-app-test",
    },
};

/** Thrown for configuration that cannot make an environment; lists every problem. */
export class SettingsError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
        this.name = "SettingsError";
    }
}

/**
 * The Pulumi engine hands every configuration value to the program as a string: objects and
 * lists arrive as their JSON text, whatever the key. Every top-level value is therefore taken
 * either parsed (a stack file read with a YAML parser, settings built in code) or as JSON text
 * (config through the engine), so no structured key depends on a list of names. Text that is
 * not a JSON object or list stays text and is judged by the key's reader.
 */
function structured(value: unknown): unknown {
    if (typeof value !== "string" || !/^\s*[[{]/.test(value)) {
        return value;
    }
    try {
        const parsed: unknown = JSON.parse(value);
        return typeof parsed === "object" && parsed !== null ? parsed : value;
    } catch {
        return value;
    }
}

/** Reads typed values out of a raw object, collecting problems instead of throwing. */
class Reader {
    readonly problems: string[] = [];
    constructor(private readonly ns: string) {}

    key(path: string): string {
        return `${this.ns}:${path}`;
    }

    fail(path: string, message: string): void {
        this.problems.push(`${this.key(path)}: ${message}`);
    }

    string(value: unknown, path: string, opts: { required?: boolean; pattern?: RegExp; allowed?: string } = {}): string | undefined {
        if (value === undefined || value === null || value === "") {
            if (opts.required ?? false) {
                this.fail(path, `missing; expected ${opts.allowed ?? "a string"}`);
            }
            return undefined;
        }
        if (typeof value !== "string") {
            this.fail(path, `expected ${opts.allowed ?? "a string"}, got ${JSON.stringify(value)}`);
            return undefined;
        }
        if (opts.pattern && !opts.pattern.test(value)) {
            this.fail(path, `expected ${opts.allowed ?? opts.pattern.source}, got ${JSON.stringify(value)}`);
            return undefined;
        }
        return value;
    }

    oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[], fallback?: T): T | undefined {
        if (value === undefined || value === null || value === "") {
            if (fallback === undefined) {
                this.fail(path, `missing; expected one of ${allowed.join(", ")}`);
            }
            return fallback;
        }
        if (typeof value !== "string" || !allowed.includes(value as T)) {
            this.fail(path, `expected one of ${allowed.join(", ")}, got ${JSON.stringify(value)}`);
            return fallback;
        }
        return value as T;
    }

    integer(value: unknown, path: string, min: number, max: number, fallback?: number): number | undefined {
        if (value === undefined || value === null || value === "") {
            if (fallback === undefined) {
                this.fail(path, `missing; expected an integer from ${min} to ${max}`);
            }
            return fallback;
        }
        const n = typeof value === "string" && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
        if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
            this.fail(path, `expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
            return fallback;
        }
        return n;
    }

    boolean(value: unknown, path: string, fallback: boolean): boolean {
        if (value === undefined || value === null || value === "") {
            return fallback;
        }
        if (value === true || value === "true") {
            return true;
        }
        if (value === false || value === "false") {
            return false;
        }
        this.fail(path, `expected true or false, got ${JSON.stringify(value)}`);
        return fallback;
    }

    object(value: unknown, path: string, required: boolean): Record<string, unknown> | undefined {
        if (value === undefined || value === null) {
            if (required) {
                this.fail(path, "missing; expected an object");
            }
            return undefined;
        }
        if (typeof value !== "object" || Array.isArray(value)) {
            this.fail(path, `expected an object, got ${JSON.stringify(value)}`);
            return undefined;
        }
        return value as Record<string, unknown>;
    }

    list(value: unknown, path: string, required: boolean): unknown[] | undefined {
        if (value === undefined || value === null) {
            if (required) {
                this.fail(path, "missing; expected a list");
            }
            return undefined;
        }
        if (!Array.isArray(value)) {
            this.fail(path, `expected a list, got ${JSON.stringify(value)}`);
            return undefined;
        }
        return value;
    }

    strings(value: unknown, path: string, pattern: RegExp, allowed: string, required: boolean): string[] {
        const list = this.list(value, path, required) ?? [];
        return list.flatMap((v, i) => {
            const s = this.string(v, `${path}[${i}]`, { required: true, pattern, allowed });
            return s === undefined ? [] : [s];
        });
    }

    unknownKeys(obj: Record<string, unknown> | undefined, path: string, known: readonly string[]): void {
        for (const k of Object.keys(obj ?? {})) {
            if (!known.includes(k)) {
                this.fail(`${path}.${k}`, `unknown key; known keys: ${known.join(", ")}`);
            }
        }
    }
}

const VPC = /^vpc-[0-9a-f]{8,17}$/;
const SUBNET = /^subnet-[0-9a-f]{8,17}$/;
const ZONE = /^Z[A-Z0-9]{1,31}$/;
const APPLICATION_ID = /^\/applications\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const STACK_REF = /^([A-Za-z0-9_.-]+\/){0,2}[A-Za-z0-9_.-]+$/;
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const SERVICE_KEYS = [
    "name",
    "image",
    "tag",
    "digest",
    "port",
    "public",
    "paths",
    "healthCheckPath",
    "cpu",
    "memory",
    "desiredCount",
    "environment",
    "secrets",
];

/**
 * Builds settings from raw values; throws {@link SettingsError} listing every problem.
 * @param raw values by key without namespace (`role`, `services`, …)
 * @param context the project (`vnv`), its config namespace and the AWS region
 */
export function parseSettings(given: RawSettings, context: { project: string; region: string | undefined; namespace?: string }): EnvironmentSettings {
    const r = new Reader(context.namespace ?? context.project);
    const raw: RawSettings = Object.fromEntries(Object.entries(given).map(([k, v]) => [k, structured(v)]));
    for (const k of Object.keys(raw)) {
        if (!(SETTING_KEYS as readonly string[]).includes(k)) {
            r.fail(k, `unknown key; known keys: ${SETTING_KEYS.join(", ")}`);
        }
    }
    const role = r.oneOf(raw.role, "role", ROLES) ?? "dev";
    const defaults = ROLE_DEFAULTS[role];

    let version = "v0.0.0";
    const versionText = r.string(raw.version, "version", { required: true, allowed: "a version such as v1.2.3-rc.1" });
    if (versionText !== undefined) {
        try {
            version = parseVersion(versionText).canonical;
        } catch (e) {
            if (!(e instanceof VersionError)) {
                throw e;
            }
            r.fail("version", e.message);
        }
    }
    const environment = environmentName(role, version);

    let region = context.region ?? "";
    if (!REGION.test(region)) {
        r.problems.push(
            `aws:region: ${context.region === undefined ? "missing" : `got ${JSON.stringify(context.region)}`}; expected a region such as eu-central-1`,
        );
        region = "eu-central-1";
    }

    let domain = r.string(raw.domain, "domain", { required: true, allowed: "a domain such as step-studio.be" }) ?? "example.com";
    try {
        validateDomain(domain);
    } catch (e) {
        r.fail("domain", (e as Error).message);
        domain = "example.com";
    }

    let hostname: string;
    if (role === "ephemeral") {
        if (raw.hostname !== undefined) {
            r.fail("hostname", "an ephemeral environment's host is derived from its version; remove the key");
        }
        hostname = versionHost(version, domain);
    } else {
        hostname = r.string(raw.hostname, "hostname", { required: true, allowed: `a host under ${domain}` }) ?? domain;
        if (hostname !== domain && !hostname.endsWith(`.${domain}`)) {
            r.fail("hostname", `${JSON.stringify(hostname)} is not ${domain} or a host under it`);
        } else if (/^\d/.test(hostname)) {
            r.fail("hostname", `${JSON.stringify(hostname)} starts with a digit: such hosts are reserved for version environments`);
        }
    }
    const hostedZoneId =
        r.string(raw.hostedZoneId, "hostedZoneId", { required: true, pattern: ZONE, allowed: "a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ" }) ?? "";

    const net = r.object(raw.network, "network", true);
    r.unknownKeys(net, "network", ["vpcId", "publicSubnetIds", "privateSubnetIds", "assignPublicIp"]);
    const network: NetworkSettings = {
        vpcId: r.string(net?.vpcId, "network.vpcId", { required: net !== undefined, pattern: VPC, allowed: "a VPC id such as vpc-0a1b2c3d4e5f60718" }) ?? "",
        publicSubnetIds: r.strings(net?.publicSubnetIds, "network.publicSubnetIds", SUBNET, "subnet ids such as subnet-0a1b2c3d", net !== undefined),
        privateSubnetIds: r.strings(net?.privateSubnetIds, "network.privateSubnetIds", SUBNET, "subnet ids such as subnet-0a1b2c3d", net !== undefined),
        assignPublicIp: r.boolean(net?.assignPublicIp, "network.assignPublicIp", false),
    };
    if (net !== undefined && network.privateSubnetIds.length === 0) {
        r.fail("network.privateSubnetIds", "at least one subnet is needed for the tasks");
    }

    const ing = r.object(raw.ingress, "ingress", false);
    r.unknownKeys(ing, "ingress", ["mode", "deletionProtection", "ipAddressType", "platformStack", "slot", "dualstack"]);
    const mode = r.oneOf(ing?.mode, "ingress.mode", ["dedicated", "shared"] as const, defaults.ingress) ?? defaults.ingress;
    let ingress: IngressSettings;
    if (role === "ephemeral" && mode !== "shared") {
        r.fail("ingress.mode", "an ephemeral environment uses the shared ingress of the test platform (it owns no certificate)");
    }
    if (role === "prod" && mode !== "dedicated") {
        r.fail("ingress.mode", "production uses a dedicated ingress");
    }
    if (mode === "shared") {
        for (const k of ["deletionProtection", "ipAddressType"]) {
            if (ing?.[k] !== undefined) {
                r.fail(`ingress.${k}`, "only a dedicated ingress takes this; the shared ALB belongs to the test platform");
            }
        }
        ingress = {
            mode,
            platformStack:
                r.string(ing?.platformStack, "ingress.platformStack", {
                    required: true,
                    pattern: STACK_REF,
                    allowed: "the dev stack, such as organization/vnv/dev",
                }) ?? "",
            slot: r.integer(ing?.slot, "ingress.slot", 0, 4999) ?? 0,
            dualstack: r.boolean(ing?.dualstack, "ingress.dualstack", false),
        };
    } else {
        for (const k of ["platformStack", "slot", "dualstack"]) {
            if (ing?.[k] !== undefined) {
                r.fail(`ingress.${k}`, "only a shared ingress takes this");
            }
        }
        ingress = {
            mode,
            deletionProtection: r.boolean(ing?.deletionProtection, "ingress.deletionProtection", defaults.deletionProtection),
            ipAddressType: r.oneOf(ing?.ipAddressType, "ingress.ipAddressType", ["ipv4", "dualstack"] as const, "ipv4") ?? "ipv4",
        };
        if (network.publicSubnetIds.length < 2 && net !== undefined) {
            r.fail("network.publicSubnetIds", "a dedicated ALB needs public subnets in at least two availability zones");
        }
    }

    const capacity = r.oneOf(raw.capacity, "capacity", CAPACITIES, defaults.capacity) ?? defaults.capacity;
    const logRetentionDays = r.integer(raw.logRetentionDays, "logRetentionDays", 1, 3653, defaults.logRetentionDays) ?? defaults.logRetentionDays;
    if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
        r.fail("logRetentionDays", `expected one of CloudWatch's values ${LOG_RETENTION_DAYS.join(", ")}, got ${logRetentionDays}`);
    }

    const services = pinDigests(r, parseServices(r, raw.services, role, defaults.minPublicTasks), raw.digests);

    const fe = r.object(raw.frontend, "frontend", false);
    r.unknownKeys(fe, "frontend", ["bucketPrefix", "publicWebsite", "forceDestroy", "retain"]);
    const bucketPrefix =
        r.string(fe?.bucketPrefix, "frontend.bucketPrefix", { pattern: /^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$/, allowed: "2-40 characters of [a-z0-9-]" }) ??
        defaults.bucketPrefix;
    const forceDestroy = r.boolean(fe?.forceDestroy, "frontend.forceDestroy", defaults.forceDestroy);
    const retain = r.boolean(fe?.retain, "frontend.retain", defaults.retain);
    if (forceDestroy && role === "prod") {
        r.fail("frontend.forceDestroy", "production's buckets are kept (frontend.retain), never force-destroyed");
    }
    if (retain && forceDestroy) {
        r.fail("frontend.retain", "conflicts with frontend.forceDestroy");
    }
    let frontendBucket = "";
    try {
        frontendBucket = bucketName(bucketPrefix, version);
    } catch (e) {
        r.fail("frontend.bucketPrefix", (e as Error).message);
    }
    const frontend: FrontendSettings = {
        bucketPrefix,
        bucketName: frontendBucket,
        publicWebsite: r.boolean(fe?.publicWebsite, "frontend.publicWebsite", false),
        forceDestroy,
        retain,
    };

    const au = r.object(raw.auth, "auth", false);
    r.unknownKeys(au, "auth", ["applicationId", "type", "redirectPaths", "manageRedirects", "extraRedirectUris"]);
    const manageRedirects = r.boolean(au?.manageRedirects, "auth.manageRedirects", false);
    const auth: AuthSettings = {
        applicationId: r.string(au?.applicationId, "auth.applicationId", {
            required: manageRedirects,
            pattern: APPLICATION_ID,
            allowed: "/applications/<object id> of the Azure AD application",
        }),
        type: r.oneOf(au?.type, "auth.type", ["SPA", "Web"] as const, "SPA") ?? "SPA",
        redirectPaths: au?.redirectPaths === undefined ? ["/"] : r.strings(au.redirectPaths, "auth.redirectPaths", /^\/[^\s]*$/, "paths starting with /", true),
        manageRedirects,
        extraRedirectUris: r.strings(au?.extraRedirectUris, "auth.extraRedirectUris", /^\S+$/, "redirect URIs", false),
    };
    auth.extraRedirectUris.forEach((uri, i) => {
        const problem = redirectUriProblem(uri);
        if (problem !== undefined) {
            r.fail(`auth.extraRedirectUris[${i}]`, problem);
        }
    });
    if (manageRedirects && role === "ephemeral") {
        r.fail("auth.manageRedirects", "an ephemeral environment never owns the redirect list; the automation's auth stack does");
    }

    const testPlatform = r.boolean(raw.testPlatform, "testPlatform", defaults.testPlatform);
    if (testPlatform && role !== "dev") {
        r.fail("testPlatform", "only the dev stack provides the test platform");
    }

    const ephemeral = parseEphemeralPolicy(r, raw.ephemeral, role, hostname, context.project);
    const registries = parseRegistries(r, raw.registries);

    if (r.problems.length > 0) {
        throw new SettingsError(r.problems);
    }
    return {
        ephemeral,
        project: context.project,
        role,
        version,
        environment,
        region,
        domain,
        hostname,
        hostedZoneId,
        network,
        services,
        capacity,
        logRetentionDays,
        ingress,
        frontend,
        auth,
        testPlatform,
        registries,
    };
}

const REGISTRY_HOST = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:\d{1,5})?$/;
/** A whole Secrets Manager secret ARN (ECS takes no JSON key in `credentialsParameter`). */
const SECRET = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const KMS_KEY = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/**
 * `vnv:registries` (registry host → `{credentialsSecretArn, kmsKeyArn?}`): the private
 * registries' pull credentials. Fargate pulls with the secret (`repositoryCredentials`); the
 * execution role may read exactly it, and decrypt it with `kmsKeyArn` when a customer managed
 * key encrypts it.
 */
function parseRegistries(r: Reader, value: unknown): Record<string, RegistryCredentials> {
    const o = r.object(value, "registries", false) ?? {};
    const out: Record<string, RegistryCredentials> = {};
    for (const [host, entry] of Object.entries(o)) {
        const at = `registries.${host}`;
        if (!REGISTRY_HOST.test(host) || host === "docker.io") {
            r.fail(at, "expected a private registry host such as ghcr.io or registry.example.com:5000 (Docker Hub's public images need none)");
            continue;
        }
        const e = r.object(entry, at, true);
        r.unknownKeys(e, at, ["credentialsSecretArn", "kmsKeyArn"]);
        const secretArn = r.string(e?.credentialsSecretArn, `${at}.credentialsSecretArn`, {
            required: e !== undefined,
            pattern: SECRET,
            allowed: "the ARN of a Secrets Manager secret holding the registry's username and password",
        });
        const kmsKeyArn = r.string(e?.kmsKeyArn, `${at}.kmsKeyArn`, {
            pattern: KMS_KEY,
            allowed: "the ARN of the customer managed KMS key (arn:aws:kms:<region>:<account>:key/<id>)",
        });
        if (secretArn !== undefined) {
            out[host] = kmsKeyArn === undefined ? { secretArn } : { secretArn, kmsKeyArn };
        }
    }
    return out;
}

const DURATION = /^(\d+[smhdw])+$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * `vnv:digests` (service → sha256 digest, written by `vnv release check --pin`): the digests
 * the stack pins instead of resolving tags, so a deploy runs exactly what was checked.
 */
function pinDigests(r: Reader, services: ServiceSpec[], value: unknown): ServiceSpec[] {
    const o = r.object(value, "digests", false);
    if (o === undefined) {
        return services;
    }
    for (const [name, digest] of Object.entries(o)) {
        if (!services.some((svc) => svc.name === name)) {
            r.fail(`digests.${name}`, `no service named ${name}; services: ${services.map((svc) => svc.name).join(", ")}`);
        } else if (typeof digest !== "string" || !DIGEST.test(digest)) {
            r.fail(`digests.${name}`, `expected sha256: followed by 64 lowercase hex digits, got ${JSON.stringify(digest)}`);
        }
    }
    return services.map((svc) => (typeof o[svc.name] === "string" && DIGEST.test(o[svc.name] as string) ? { ...svc, digest: o[svc.name] as string } : svc));
}

function parseEphemeralPolicy(r: Reader, value: unknown, role: Role, devHost: string, project: string): EphemeralPolicy | undefined {
    const o = r.object(value, "ephemeral", false);
    if (o === undefined) {
        return role === "dev"
            ? {
                  defaultTtl: "6h",
                  maxTtl: "3d",
                  protectedStacks: [],
                  platformStack: `organization/${project}/dev`,
                  staleLockAfter: "2h",
                  authStack: "auth",
                  fixedRedirectHosts: [devHost],
              }
            : undefined;
    }
    if (role !== "dev") {
        r.fail("ephemeral", "only the dev stack, which ephemeral environments derive from, takes this");
        return undefined;
    }
    r.unknownKeys(o, "ephemeral", [
        "defaultTtl",
        "maxTtl",
        "maxEnvironments",
        "protectedStacks",
        "platformStack",
        "staleLockAfter",
        "authStack",
        "authApplicationId",
        "fixedRedirectHosts",
    ]);
    const duration = { pattern: DURATION, allowed: "a duration such as 30m, 6h, 1d or 1d12h" };
    return {
        defaultTtl: r.string(o.defaultTtl, "ephemeral.defaultTtl", duration) ?? "6h",
        maxTtl: r.string(o.maxTtl, "ephemeral.maxTtl", duration) ?? "3d",
        maxEnvironments: o.maxEnvironments === undefined ? undefined : r.integer(o.maxEnvironments, "ephemeral.maxEnvironments", 1, 5000),
        protectedStacks: r.strings(o.protectedStacks, "ephemeral.protectedStacks", STACK_REF, "stack names", false),
        platformStack:
            r.string(o.platformStack, "ephemeral.platformStack", { pattern: STACK_REF, allowed: "the dev stack, such as organization/vnv/dev" }) ??
            `organization/${project}/dev`,
        staleLockAfter: r.string(o.staleLockAfter, "ephemeral.staleLockAfter", duration) ?? "2h",
        authStack: r.string(o.authStack, "ephemeral.authStack", { pattern: /^[A-Za-z0-9_.-]+$/, allowed: "a stack name" }) ?? "auth",
        authApplicationId: r.string(o.authApplicationId, "ephemeral.authApplicationId", {
            pattern: APPLICATION_ID,
            allowed: "/applications/<object id> of the Azure AD application",
        }),
        fixedRedirectHosts:
            o.fixedRedirectHosts === undefined
                ? [devHost]
                : r.strings(o.fixedRedirectHosts, "ephemeral.fixedRedirectHosts", /^[a-z0-9.-]+$/, "host names", true),
    };
}

function parseServices(r: Reader, value: unknown, role: Role, minPublicTasks: number): ServiceSpec[] {
    const list = r.list(value, "services", true) ?? [];
    if (value !== undefined && list.length === 0) {
        r.fail("services", "at least one service is needed");
    }
    const services: ServiceSpec[] = [];
    list.forEach((item, i) => {
        const at = `services[${i}]`;
        const o = r.object(item, at, true);
        if (o === undefined) {
            return;
        }
        r.unknownKeys(o, at, SERVICE_KEYS);
        const isPublic = r.boolean(o.public, `${at}.public`, false);
        const configured = r.integer(o.desiredCount, `${at}.desiredCount`, 0, 100, isPublic ? minPublicTasks : 1);
        let desiredCount = configured ?? 1;
        if (role === "ephemeral") {
            desiredCount = 1;
        } else if (role === "prod" && isPublic && desiredCount < minPublicTasks) {
            r.fail(`${at}.desiredCount`, `production runs at least ${minPublicTasks} tasks of a public service, got ${desiredCount}`);
        }
        services.push({
            name: String(o.name ?? ""),
            image: String(o.image ?? ""),
            tag: o.tag === undefined ? undefined : String(o.tag),
            digest: o.digest === undefined ? undefined : String(o.digest),
            port: r.integer(o.port, `${at}.port`, 1, 65535) ?? 0,
            public: isPublic,
            paths: r.strings(o.paths, `${at}.paths`, /^\S+$/, "ALB path patterns", false),
            healthCheckPath: o.healthCheckPath === undefined ? undefined : String(o.healthCheckPath),
            cpu: r.integer(o.cpu, `${at}.cpu`, 256, 16384, 256) ?? 256,
            memory: r.integer(o.memory, `${at}.memory`, 512, 122880, 512) ?? 512,
            desiredCount,
            environment: stringMap(r, o.environment, `${at}.environment`),
            secrets: stringMap(r, o.secrets, `${at}.secrets`),
        });
    });
    // Field checks shared with the components (names, images, sizes, one default route),
    // skipping fields already reported above.
    const reported = new Set(r.problems.map((p) => p.split(": ")[0]));
    for (const p of serviceProblems(services, "services")) {
        if (!reported.has(r.key(p.split(": ")[0]!))) {
            r.problems.push(r.key(p));
        }
    }
    return services;
}

function stringMap(r: Reader, value: unknown, path: string): Record<string, string> {
    const o = r.object(value, path, false) ?? {};
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(o)) {
        if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") {
            r.fail(`${path}.${k}`, `expected a string, got ${JSON.stringify(v)}`);
            continue;
        }
        out[k] = String(v);
    }
    return out;
}
