/**
 * The sections of the configuration, one reader each: identity (role, version, hosts), network,
 * ingress, services and their pinned digests, frontend, auth, registries and the ephemeral
 * policy. Each takes the raw value and the role's rules and reports its problems to the Reader.
 * No `@pulumi/*` import.
 */
import { readDataset } from "./dataset";
import { readDockerPolicy } from "./docker";
import { MAX_WRITABLE_PATHS, writablePathsProblems } from "../../rules/containerStorage";
import { DATABASE_DEFAULTS, type DatabaseSpec, databaseProblems } from "../../rules/database";
import type { RegistryCredentials } from "../../rules/iamPolicies";
import { bucketName, environmentName, hostname as versionHost, validateDomain } from "../../rules/naming";
import { redirectUriProblem } from "../../rules/redirects";
import { type ServiceSpec, serviceProblems } from "../../rules/service";
import { parseVersion, VersionError } from "../../rules/versions";
import { ALB_IDLE } from "../../rules/connections";
import { readConnections, readRollout, readScaling } from "./operations";
import type { Reader } from "./reader";
import { DEFAULTS, type RoleRules } from "./roles";
import type { AuthSettings, EnvironmentSettings, EphemeralPolicy, FrontendSettings, IngressSettings, NetworkSettings, RawSettings, Role } from "./types";

const VPC = /^vpc-[0-9a-f]{8,17}$/;
const SUBNET = /^subnet-[0-9a-f]{8,17}$/;
const ZONE = /^Z[A-Z0-9]{1,31}$/;
const APPLICATION_ID = /^\/applications\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const STACK_REF = /^([A-Za-z0-9_.-]+\/){0,2}[A-Za-z0-9_.-]+$/;
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const DURATION = /^(\d+[smhdw])+$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const IMAGE = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+$/;
const REGISTRY_HOST = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:\d{1,5})?$/;
/** A whole Secrets Manager secret ARN (ECS takes no JSON key in `credentialsParameter`). */
const SECRET = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const KMS_KEY = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
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
    "writablePaths",
    "rollout",
    "scaling",
    "timeouts",
    "streaming",
    "websocket",
];

export type Identity = Pick<EnvironmentSettings, "version" | "environment" | "region" | "domain" | "hostname" | "hostedZoneId">;

/** Version, environment name, region, domain, host and hosted zone. */
export function readIdentity(r: Reader, raw: RawSettings, role: Role, rules: RoleRules, givenRegion: string | undefined): Identity {
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
    let region = givenRegion ?? "";
    if (!REGION.test(region)) {
        r.problems.push(`aws:region: ${givenRegion === undefined ? "missing" : `got ${JSON.stringify(givenRegion)}`}; expected a region such as eu-central-1`);
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
    if (rules.hostFromVersion) {
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
    return { version, environment: environmentName(role, version), region, domain, hostname, hostedZoneId };
}

export function readNetwork(r: Reader, value: unknown): NetworkSettings & { readonly given: boolean } {
    const net = r.object(value, "network", true);
    r.unknownKeys(net, "network", ["vpcId", "publicSubnetIds", "privateSubnetIds", "assignPublicIp"]);
    const given = net !== undefined;
    const subnets = "subnet ids such as subnet-0a1b2c3d";
    const network = {
        given,
        vpcId: r.string(net?.vpcId, "network.vpcId", { required: given, pattern: VPC, allowed: "a VPC id such as vpc-0a1b2c3d4e5f60718" }) ?? "",
        publicSubnetIds: r.strings(net?.publicSubnetIds, "network.publicSubnetIds", SUBNET, subnets, given),
        privateSubnetIds: r.strings(net?.privateSubnetIds, "network.privateSubnetIds", SUBNET, subnets, given),
        assignPublicIp: r.boolean(net?.assignPublicIp, "network.assignPublicIp", DEFAULTS.assignPublicIp),
    };
    if (given && network.privateSubnetIds.length === 0) {
        r.fail("network.privateSubnetIds", "at least one subnet is needed for the tasks");
    }
    return network;
}

export function readIngress(r: Reader, value: unknown, rules: RoleRules, network: { publicSubnetIds: readonly string[]; given: boolean }): IngressSettings {
    const ing = r.object(value, "ingress", false);
    r.unknownKeys(ing, "ingress", ["mode", "deletionProtection", "ipAddressType", "idleTimeout", "platformStack", "slot", "dualstack"]);
    const mode = r.oneOf(ing?.mode, "ingress.mode", ["dedicated", "shared"] as const, rules.ingress[0]) ?? rules.ingress[0]!;
    if (!rules.ingress.includes(mode)) {
        r.fail("ingress.mode", rules.ingressReason);
    }
    const refuse = (keys: string[], why: string): void => {
        for (const k of keys.filter((key) => ing?.[key] !== undefined)) {
            r.fail(`ingress.${k}`, why);
        }
    };
    if (mode === "shared") {
        refuse(["deletionProtection", "ipAddressType", "idleTimeout"], "only a dedicated ingress takes this; the shared ALB belongs to the test platform");
        return {
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
    }
    refuse(["platformStack", "slot", "dualstack"], "only a shared ingress takes this");
    if (network.given && network.publicSubnetIds.length < 2) {
        r.fail("network.publicSubnetIds", "a dedicated ALB needs public subnets in at least two availability zones");
    }
    return {
        mode,
        deletionProtection: r.boolean(ing?.deletionProtection, "ingress.deletionProtection", rules.deletionProtection),
        ipAddressType: r.oneOf(ing?.ipAddressType, "ingress.ipAddressType", ["ipv4", "dualstack"] as const, DEFAULTS.ipAddressType) ?? DEFAULTS.ipAddressType,
        ...optional("idleTimeout", ing?.idleTimeout === undefined ? undefined : r.integer(ing.idleTimeout, "ingress.idleTimeout", ALB_IDLE.min, ALB_IDLE.max)),
    };
}

/** The services, with the digests of `vnv:digests` pinned (written by `vnv release check --pin`). */
export function readServices(r: Reader, value: unknown, digests: unknown, rules: RoleRules, role: Role, database?: string): ServiceSpec[] {
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
        const isPublic = r.boolean(o.public, `${at}.public`, DEFAULTS.service.public);
        const configured =
            r.integer(o.desiredCount, `${at}.desiredCount`, 0, 100, isPublic ? rules.minPublicTasks : DEFAULTS.service.tasks) ?? DEFAULTS.service.tasks;
        if (rules.fixedTasks === undefined && role === "prod" && isPublic && configured < rules.minPublicTasks) {
            r.fail(`${at}.desiredCount`, `production runs at least ${rules.minPublicTasks} tasks of a public service, got ${configured}`);
        }
        const text = (key: string): string | undefined => r.string(o[key], `${at}.${key}`, {});
        services.push({
            name: text("name") ?? "",
            image: text("image") ?? "",
            tag: text("tag"),
            digest: text("digest"),
            port: r.integer(o.port, `${at}.port`, 1, 65535) ?? 0,
            public: isPublic,
            paths: r.strings(o.paths, `${at}.paths`, /^\S+$/, "ALB path patterns", false),
            healthCheckPath: text("healthCheckPath"),
            cpu: r.integer(o.cpu, `${at}.cpu`, 256, 16384, DEFAULTS.service.cpu) ?? DEFAULTS.service.cpu,
            memory: r.integer(o.memory, `${at}.memory`, 512, 122880, DEFAULTS.service.memory) ?? DEFAULTS.service.memory,
            desiredCount: rules.fixedTasks ?? configured,
            environment: stringMap(r, o.environment, `${at}.environment`),
            secrets: stringMap(r, o.secrets, `${at}.secrets`),
            ...readWritablePaths(r, o.writablePaths, `${at}.writablePaths`),
            ...readRollout(r, o.rollout, at),
            ...readScaling(r, o.scaling, at, { role, isPublic, desiredCount: rules.fixedTasks ?? configured }),
            ...readConnections(r, o, at),
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
    return pinDigests(r, services, digests, database);
}

/**
 * A service's `writablePaths`: a list of absolute paths, counted before its entries are read,
 * each judged by rules/containerStorage.ts. A list with any problem is reported whole and dropped.
 */
function readWritablePaths(r: Reader, value: unknown, at: string): { writablePaths?: string[] } {
    const list = r.list(value, at, false);
    if (list === undefined) {
        return {};
    }
    if (list.length > MAX_WRITABLE_PATHS) {
        r.fail(at, `at most ${MAX_WRITABLE_PATHS} writable paths, got ${list.length}`);
        return {};
    }
    const strings = list.filter((p): p is string => typeof p === "string");
    if (strings.length < list.length) {
        list.forEach((p, i) => {
            if (typeof p !== "string") {
                r.fail(`${at}[${i}]`, `expected an absolute path such as /tmp, got ${JSON.stringify(p)}`);
            }
        });
        return {};
    }
    const problems = writablePathsProblems(strings, at);
    for (const p of problems) {
        r.problems.push(r.key(p));
    }
    return problems.length === 0 ? { writablePaths: strings } : {};
}

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Judged fully by serviceProblems; here only its shape. */
const NAME = /^[a-z0-9-]+$/;

/**
 * An own database (`vnv:database` of an ephemeral environment, `vnv:ephemeral.database` of
 * dev, which ephemeral environments take it from). `at` is the key it is read under.
 */
export function readDatabase(r: Reader, value: unknown, at: string, services: readonly ServiceSpec[], digests: unknown): DatabaseSpec | undefined {
    const o = r.object(value, at, false);
    if (o === undefined) {
        return undefined;
    }
    r.unknownKeys(o, at, ["name", "image", "tag", "digest", "port", "cpu", "memory", "clients", "variables", "dataset"]);
    const d = DATABASE_DEFAULTS;
    const name = r.string(o.name, `${at}.name`, { pattern: NAME, allowed: "a service name (lowercase letters, digits, hyphens)" }) ?? d.name;
    const vars = r.object(o.variables, `${at}.variables`, false);
    r.unknownKeys(vars, `${at}.variables`, Object.keys(d.variables));
    const variable = (key: keyof typeof d.variables): string =>
        r.string(vars?.[key], `${at}.variables.${key}`, { pattern: ENV_NAME, allowed: "an environment variable name ([A-Za-z_][A-Za-z0-9_]*)" }) ??
        d.variables[key];
    const pinned = typeof digests === "object" && digests !== null && !Array.isArray(digests) ? (digests as Record<string, unknown>)[name] : undefined;
    const digest = r.string(o.digest ?? pinned, o.digest !== undefined ? `${at}.digest` : `digests.${name}`, {
        pattern: DIGEST,
        allowed: "sha256: followed by 64 lowercase hex digits",
    });
    const spec: DatabaseSpec = {
        name,
        image:
            r.string(o.image, `${at}.image`, { required: true, pattern: IMAGE, allowed: "an image repository without tag, such as docker.io/library/neo4j" }) ??
            "",
        tag: r.string(o.tag, `${at}.tag`, { required: true, pattern: TAG, allowed: "the image's tag, such as 5.26.0-community" }) ?? "",
        ...(digest === undefined ? {} : { digest }),
        port: r.integer(o.port, `${at}.port`, 1, 65535, d.port) ?? d.port,
        cpu: r.integer(o.cpu, `${at}.cpu`, 256, 16384, d.cpu) ?? d.cpu,
        memory: r.integer(o.memory, `${at}.memory`, 512, 122880, d.memory) ?? d.memory,
        clients: r.strings(o.clients, `${at}.clients`, NAME, "service names", true),
        variables: { uri: variable("uri"), auth: variable("auth"), username: variable("username"), password: variable("password") },
        ...optional("dataset", readDataset(r, o.dataset, `${at}.dataset`, at === "database")),
    };
    const reported = new Set(r.problems.map((p) => p.split(": ")[0]));
    for (const p of [...databaseProblems(spec, services, at), ...serviceProblems([{ ...spec, desiredCount: 1 }], at).map((p) => p.replace(`${at}[0]`, at))]) {
        if (!reported.has(r.key(p.split(": ")[0]!))) {
            r.problems.push(r.key(p));
        }
    }
    return spec;
}

function optional<K extends string, T>(key: K, value: T | undefined): { [k in K]?: T } {
    return (value === undefined ? {} : { [key]: value }) as { [k in K]?: T };
}

function pinDigests(r: Reader, services: ServiceSpec[], value: unknown, database?: string): ServiceSpec[] {
    const o = r.object(value, "digests", false);
    if (o === undefined) {
        return services;
    }
    for (const [name, digest] of Object.entries(o)) {
        if (name === "frontend" || name === database) {
            continue; // the frontend's and the own database's digests, read with them
        }
        if (!services.some((svc) => svc.name === name)) {
            r.fail(`digests.${name}`, `no service named ${name}; services: ${services.map((svc) => svc.name).join(", ")}`);
        } else if (typeof digest !== "string" || !DIGEST.test(digest)) {
            r.fail(`digests.${name}`, `expected sha256: followed by 64 lowercase hex digits, got ${JSON.stringify(digest)}`);
        }
    }
    return services.map((svc) => {
        const pinned = o[svc.name];
        return typeof pinned === "string" && DIGEST.test(pinned) ? { ...svc, digest: pinned } : svc;
    });
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

export function readFrontend(r: Reader, value: unknown, rules: RoleRules, version: string, digests: unknown): FrontendSettings {
    const fe = r.object(value, "frontend", false);
    r.unknownKeys(fe, "frontend", ["bucketPrefix", "publicWebsite", "forceDestroy", "retain", "image", "root", "digest"]);
    const image = r.string(fe?.image, "frontend.image", {
        pattern: IMAGE,
        allowed: "an image repository without tag, such as ghcr.io/infrasoftbe/infrasoft-vnv-app",
    });
    const root =
        r.string(fe?.root, "frontend.root", {
            pattern: /^\/[A-Za-z0-9._/-]*$/,
            allowed: "an absolute directory of the image, such as /usr/share/nginx/html",
        }) ?? DEFAULTS.frontendRoot;
    if (root.split("/").includes("..")) {
        r.fail("frontend.root", `${JSON.stringify(root)} climbs out of the image's root`);
    }
    // Read only: `vnv:digests` as a whole is checked with the services.
    const pinned = typeof digests === "object" && digests !== null && !Array.isArray(digests) ? (digests as Record<string, unknown>).frontend : undefined;
    const digest = r.string(fe?.digest ?? pinned, fe?.digest !== undefined ? "frontend.digest" : "digests.frontend", {
        pattern: DIGEST,
        allowed: "sha256: followed by 64 lowercase hex digits",
    });
    if (digest !== undefined && image === undefined) {
        r.fail("frontend.digest", "a digest needs frontend.image");
    }
    const bucketPrefix =
        r.string(fe?.bucketPrefix, "frontend.bucketPrefix", { pattern: /^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$/, allowed: "2-40 characters of [a-z0-9-]" }) ??
        rules.bucketPrefix;
    const forceDestroy = r.boolean(fe?.forceDestroy, "frontend.forceDestroy", rules.forceDestroy);
    const retain = r.boolean(fe?.retain, "frontend.retain", rules.retain);
    if (forceDestroy && rules.forceDestroyRefused !== undefined) {
        r.fail("frontend.forceDestroy", rules.forceDestroyRefused);
    }
    if (retain && forceDestroy) {
        r.fail("frontend.retain", "conflicts with frontend.forceDestroy");
    }
    let name = "";
    try {
        name = bucketName(bucketPrefix, version);
    } catch (e) {
        r.fail("frontend.bucketPrefix", (e as Error).message);
    }
    return {
        bucketPrefix,
        bucketName: name,
        publicWebsite: r.boolean(fe?.publicWebsite, "frontend.publicWebsite", DEFAULTS.publicWebsite),
        forceDestroy,
        retain,
        root,
        ...(image === undefined ? {} : { image }),
        ...(digest === undefined ? {} : { digest }),
    };
}

export function readAuth(r: Reader, value: unknown, rules: RoleRules): AuthSettings {
    const au = r.object(value, "auth", false);
    r.unknownKeys(au, "auth", ["applicationId", "type", "redirectPaths", "manageRedirects", "extraRedirectUris"]);
    const manageRedirects = r.boolean(au?.manageRedirects, "auth.manageRedirects", DEFAULTS.auth.manageRedirects);
    const auth: AuthSettings = {
        applicationId: r.string(au?.applicationId, "auth.applicationId", {
            required: manageRedirects,
            pattern: APPLICATION_ID,
            allowed: "/applications/<object id> of the Azure AD application",
        }),
        type: r.oneOf(au?.type, "auth.type", ["SPA", "Web"] as const, DEFAULTS.auth.type) ?? DEFAULTS.auth.type,
        redirectPaths:
            au?.redirectPaths === undefined
                ? [...DEFAULTS.auth.redirectPaths]
                : r.strings(au.redirectPaths, "auth.redirectPaths", /^\/[^\s]*$/, "paths starting with /", true),
        manageRedirects,
        extraRedirectUris: r.strings(au?.extraRedirectUris, "auth.extraRedirectUris", /^\S+$/, "redirect URIs", false),
    };
    auth.extraRedirectUris.forEach((uri, i) => {
        const problem = redirectUriProblem(uri);
        if (problem !== undefined) {
            r.fail(`auth.extraRedirectUris[${i}]`, problem);
        }
    });
    if (manageRedirects && !rules.ownsRedirectsAllowed) {
        r.fail("auth.manageRedirects", "an ephemeral environment never owns the redirect list; the automation's auth stack does");
    }
    return auth;
}

export function readTestPlatform(r: Reader, value: unknown, rules: RoleRules): boolean {
    const testPlatform = r.boolean(value, "testPlatform", rules.testPlatform);
    if (testPlatform && !rules.testPlatformAllowed) {
        r.fail("testPlatform", "only the dev stack provides the test platform");
    }
    return testPlatform;
}

/**
 * `vnv:registries` (registry host → `{credentialsSecretArn, kmsKeyArn?}`): the registries' pull
 * credentials (private ones, and Docker Hub's: no image is pulled from it anonymously). Fargate pulls with the secret (`repositoryCredentials`); the
 * execution role may read exactly it, and decrypt it with `kmsKeyArn` when a customer managed
 * key encrypts it.
 */
export function readRegistries(r: Reader, value: unknown): Record<string, RegistryCredentials> {
    const o = r.object(value, "registries", false) ?? {};
    const out: Record<string, RegistryCredentials> = {};
    for (const [host, entry] of Object.entries(o)) {
        const at = `registries.${host}`;
        if (!REGISTRY_HOST.test(host)) {
            r.fail(at, "expected a registry host such as ghcr.io, docker.io or registry.example.com:5000");
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

/** `vnv:ephemeral`: how the ephemeral environments derived from dev are run. */
export function readEphemeralPolicy(
    r: Reader,
    value: unknown,
    rules: RoleRules,
    devHost: string,
    project: string,
    services: readonly ServiceSpec[],
): EphemeralPolicy | undefined {
    const o = r.object(value, "ephemeral", false);
    if (!rules.ephemeralPolicy) {
        if (o !== undefined) {
            r.fail("ephemeral", "only the dev stack, which ephemeral environments derive from, takes this");
        }
        return undefined;
    }
    const d = DEFAULTS.ephemeral;
    const platformStack = `organization/${project}/${d.dev}`;
    r.unknownKeys(o, "ephemeral", [
        "defaultTtl",
        "maxTtl",
        "maxEnvironments",
        "protectedStacks",
        "platformStack",
        "staleLockAfter",
        "expiryNotice",
        "dailyBudget",
        "maxKeep",
        "idleAfter",
        "authStack",
        "authApplicationId",
        "fixedRedirectHosts",
        "database",
        "docker",
    ]);
    const docker = readDockerPolicy(r, o?.docker, "ephemeral.docker");
    const duration = { pattern: DURATION, allowed: "a duration such as 30m, 6h, 1d or 1d12h" };
    return {
        defaultTtl: r.string(o?.defaultTtl, "ephemeral.defaultTtl", duration) ?? d.defaultTtl,
        maxTtl: r.string(o?.maxTtl, "ephemeral.maxTtl", duration) ?? d.maxTtl,
        maxEnvironments: o?.maxEnvironments === undefined ? undefined : r.integer(o.maxEnvironments, "ephemeral.maxEnvironments", 1, 5000),
        protectedStacks: r.strings(o?.protectedStacks, "ephemeral.protectedStacks", STACK_REF, "stack names", false),
        platformStack:
            r.string(o?.platformStack, "ephemeral.platformStack", { pattern: STACK_REF, allowed: "the dev stack, such as organization/vnv/dev" }) ??
            platformStack,
        staleLockAfter: r.string(o?.staleLockAfter, "ephemeral.staleLockAfter", duration) ?? d.staleLockAfter,
        expiryNotice: r.string(o?.expiryNotice, "ephemeral.expiryNotice", duration) ?? d.expiryNotice,
        ...(o?.dailyBudget === undefined ? {} : { dailyBudget: r.integer(o.dailyBudget, "ephemeral.dailyBudget", 1, 100_000) }),
        ...(o?.maxKeep === undefined ? {} : { maxKeep: r.string(o.maxKeep, "ephemeral.maxKeep", duration) }),
        ...(o?.idleAfter === undefined ? {} : { idleAfter: r.string(o.idleAfter, "ephemeral.idleAfter", duration) }),
        authStack: r.string(o?.authStack, "ephemeral.authStack", { pattern: /^[A-Za-z0-9_.-]+$/, allowed: "a stack name" }) ?? d.authStack,
        authApplicationId: r.string(o?.authApplicationId, "ephemeral.authApplicationId", {
            pattern: APPLICATION_ID,
            allowed: "/applications/<object id> of the Azure AD application",
        }),
        fixedRedirectHosts:
            o?.fixedRedirectHosts === undefined
                ? [devHost]
                : r.strings(o.fixedRedirectHosts, "ephemeral.fixedRedirectHosts", /^[a-z0-9.-]+$/, "host names", true),
        database: readDatabase(r, o?.database, "ephemeral.database", services, undefined),
        ...(docker === undefined ? {} : { docker }),
    };
}
