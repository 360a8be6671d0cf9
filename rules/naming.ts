/**
 * Every name vnv derives from a version or a role, within the AWS limits of docs/architecture.md ("Platform facts").
 *
 * Rules:
 * - a name that fits is used as is; a longer one is cut and ends in `-x` + 9 hex digits of a
 *   SHA-256 of the whole name, so two different inputs never share a name (the `x` never occurs
 *   in a version label, so a shortened name cannot equal an unshortened one);
 * - version labels start with a digit, so they never collide with the fixed environment names
 *   (`dev`, `prod`) or with other host names under the domain;
 * - logical names of auto-named resources leave room for Pulumi's 8-character suffix.
 *
 * Pure module: no `@pulumi/*` import.
 */
import { createHash } from "node:crypto";
import { parseVersion, type Version } from "./versions";

/** AWS and DNS limits this module keeps to (docs/architecture.md, "Platform facts"). */
export const LIMITS = {
    /** Pulumi auto-naming appends `-` and 7 random characters. */
    autoNameSuffix: 8,
    albName: 32,
    targetGroupName: 32,
    bucketName: 63,
    iamRoleName: 64,
    ecsName: 255,
    dnsLabel: 63,
    dnsName: 253,
    logGroupName: 512,
    stackName: 100,
    /** ALB listener rule priorities. */
    rulePriorityMax: 50000,
    /** Condition values per listener rule, counted across its conditions. */
    conditionValuesPerRule: 5,
} as const;

const HASH_LEN = 9;

/** Thrown when a name cannot be made valid (a bad prefix, domain or service name). */
export class NamingError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "NamingError";
    }
}

/** First `HASH_LEN` hex digits of SHA-256 of `text`. */
export function shortHash(text: string): string {
    return createHash("sha256").update(text).digest("hex").slice(0, HASH_LEN);
}

/**
 * `name` when it fits in `max`, else a deterministic shortening: a prefix of `name` (trailing
 * `-` removed), `-x` and a hash of the whole of `name`.
 */
export function fit(name: string, max: number): string {
    if (name.length <= max) {
        return name;
    }
    const tail = `-x${shortHash(name)}`;
    if (max < tail.length + 1) {
        throw new NamingError(`cannot fit ${JSON.stringify(name)} in ${max} characters`);
    }
    const head = name.slice(0, max - tail.length).replace(/-+$/, "");
    return head + tail;
}

function versionOf(v: Version | string): Version {
    return typeof v === "string" ? parseVersion(v) : v;
}

/**
 * The DNS label of a version: `v1.2.3-rc.1` → `1-2-3-rc-1`, `1.1.0-SNAPSHOT` → `1-1-0-snapshot`,
 * `v1.2.3.snap.20241001` → `1-2-3-snap-20241001`. At most 63 characters, `[a-z0-9-]`, starts with a
 * digit. Spellings of one version (`-RC1`, `-rc.1`) share a label; different versions never do.
 */
export function dnsLabel(version: Version | string): string {
    const label = versionOf(version).canonical.slice(1).toLowerCase().replace(/\./g, "-");
    return fit(label, LIMITS.dnsLabel);
}

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Checks a domain (`step-studio.be`): lowercase labels of `[a-z0-9-]`, at most 253 characters. */
export function validateDomain(domain: string): string {
    const labels = domain.split(".");
    if (domain.length > LIMITS.dnsName || labels.length < 2 || !labels.every((l) => DNS_LABEL.test(l))) {
        throw new NamingError(
            `invalid domain ${JSON.stringify(domain)}: expected lowercase DNS labels of [a-z0-9-] separated by dots, at most ${LIMITS.dnsName} characters`,
        );
    }
    return domain;
}

/** `https://` host of an ephemeral environment: `1-2-3-rc-1.step-studio.be`. */
export function hostname(version: Version | string, domain: string): string {
    validateDomain(domain);
    const host = `${dnsLabel(version)}.${domain}`;
    if (host.length > LIMITS.dnsName) {
        throw new NamingError(`host name ${host} is longer than ${LIMITS.dnsName} characters: use a shorter domain`);
    }
    return host;
}

/**
 * Pulumi stack name of a version's environment: `v1-2-3-rc-1`. The `v` keeps it apart from
 * `dev`, `prod` and other fixed stacks.
 */
export function stackName(version: Version | string): string {
    return fit(`v${dnsLabel(version)}`, LIMITS.stackName);
}

const BUCKET_PREFIX = /^[a-z0-9][a-z0-9-]*[a-z0-9]$/;

/**
 * Frontend bucket of a version: `studio-app-test` + `v1.2.3-rc.1` → `studio-app-test-v1-2-3-rc-1`.
 * 3–63 characters of `[a-z0-9-]`, no dots (dots break virtual-hosted HTTPS).
 */
export function bucketName(prefix: string, version: Version | string): string {
    if (!BUCKET_PREFIX.test(prefix) || prefix.length > 40 || prefix.includes("--")) {
        throw new NamingError(
            `invalid bucket prefix ${JSON.stringify(prefix)}: expected 2-40 characters of [a-z0-9-], starting and ending with a letter or digit`,
        );
    }
    return fit(`${prefix}-v${dnsLabel(version)}`, LIMITS.bucketName);
}

/**
 * The log bucket of a stack: `studio-app-prod` → `studio-app-prod-logs`. Never a version's bucket:
 * those are `<prefix>-v…`.
 */
export function logBucketName(prefix: string): string {
    bucketName(prefix, "v0.0.0");
    return `${prefix}-logs`;
}

/**
 * The private bucket a version's database snapshots pass through (rules/ecsSnapshot.ts):
 * `studio-app` and `v1.2.3-rc.1` → `studio-app-dumps-1-2-3-rc-1`. Never `<prefix>-v…`, which are
 * the version buckets.
 */
export function dumpBucketName(prefix: string, version: Version | string): string {
    bucketName(prefix, "v0.0.0");
    return fit(`${prefix}-dumps-${dnsLabel(version)}`, LIMITS.bucketName);
}

const SERVICE_NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;

/** Checks a service name (`proxy-server`): 2–32 characters of `[a-z0-9-]`, starting with a letter. */
export function validateServiceName(name: string): string {
    if (!SERVICE_NAME.test(name) || name.includes("--")) {
        throw new NamingError(`invalid service name ${JSON.stringify(name)}: expected 2-32 characters of [a-z0-9-], starting with a letter, not ending with -`);
    }
    return name;
}

/**
 * Logical name of a child resource: `${parent}-${role}`, fitted so that the physical name
 * Pulumi derives from it (plus its 8-character suffix) stays within `physicalMax`.
 * The parent prefix is always kept whole: a parent name too long for that is an error.
 */
export function childName(parent: string, role: string, physicalMax: number = Infinity): string {
    const max = physicalMax - LIMITS.autoNameSuffix;
    const name = `${parent}-${role}`;
    if (name.length <= max) {
        return name;
    }
    const roomForRole = max - parent.length - 1;
    if (roomForRole < HASH_LEN + 3) {
        throw new NamingError(
            `component name ${JSON.stringify(parent)} is too long for a child limited to ${physicalMax} characters: use at most ${max - HASH_LEN - 4} characters`,
        );
    }
    return `${parent}-${fit(role, roomForRole)}`;
}

/** Logical name of an ALB: physical name ≤ 32 after auto-naming. */
export function albLogicalName(parent: string): string {
    return childName(parent, "alb", LIMITS.albName);
}

/** Logical name of a service's target group: physical name ≤ 32 after auto-naming. */
export function targetGroupLogicalName(parent: string, service: string): string {
    return childName(parent, service, LIMITS.targetGroupName);
}

/** Logical name of an IAM role: physical name ≤ 64 after auto-naming. */
export function roleLogicalName(parent: string, role: string): string {
    return childName(parent, role, LIMITS.iamRoleName);
}

/** Environment name used in tags, log groups and the service namespace: `prod`, `dev`, `v1-2-3-rc-1`. */
export function environmentName(role: "prod" | "dev" | "ephemeral", version: Version | string): string {
    return role === "ephemeral" ? stackName(version) : role;
}

/** CloudWatch log group of a service: `/vnv/v1-2-3-rc-1/proxy-server`. */
export function logGroupName(project: string, environment: string, service: string): string {
    return fit(`/${project}/${environment}/${validateServiceName(service)}`, LIMITS.logGroupName);
}

/** What every log group of an environment starts with: `/vnv/v1-2-3-rc-1/` (the slash ends the name: `/vnv/dev/` is not `/vnv/dev-2/`). */
export function logGroupPrefix(project: string, environment: string): string {
    return `/${project}/${environment}/`;
}

/** Cloud Map namespace of an environment's Service Connect: `v1-2-3-rc-1.vnv.internal`. */
export function serviceNamespaceName(project: string, environment: string): string {
    return `${fit(environment, LIMITS.dnsLabel)}.${project}.internal`;
}

/**
 * Listener-rule priority for the `index`-th rule (0-based) of the environment in `slot` on a
 * shared listener. Each slot owns a block of `rulesPerSlot` priorities, so environments in
 * different slots never collide; within a slot, lower indices are evaluated first.
 */
export function rulePriority(slot: number, index: number, rulesPerSlot: number = 10): number {
    if (!Number.isInteger(rulesPerSlot) || rulesPerSlot < 1) {
        throw new NamingError(`rulesPerSlot must be a positive integer, got ${rulesPerSlot}`);
    }
    const maxSlot = Math.floor(LIMITS.rulePriorityMax / rulesPerSlot) - 1;
    if (!Number.isInteger(slot) || slot < 0 || slot > maxSlot) {
        throw new NamingError(`ingress slot must be an integer from 0 to ${maxSlot}, got ${slot}`);
    }
    if (!Number.isInteger(index) || index < 0 || index >= rulesPerSlot) {
        throw new NamingError(`an environment has at most ${rulesPerSlot} listener rules on a shared listener; rule ${index + 1} does not fit`);
    }
    return slot * rulesPerSlot + index + 1;
}

/** Splits `values` into chunks of at most `size` (listener-rule condition values). */
export function chunk<T>(values: readonly T[], size: number): T[][] {
    if (!Number.isInteger(size) || size < 1) {
        throw new NamingError(`chunk size must be a positive integer, got ${size}`);
    }
    const out: T[][] = [];
    for (let i = 0; i < values.length; i += size) {
        out.push(values.slice(i, i + size));
    }
    return out;
}
