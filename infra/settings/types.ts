/**
 * The typed settings of one environment, and the keys `vnv:` configuration may hold.
 * No `@pulumi/*` import.
 */
import type { WorkingHours } from "../../rules/schedule";
import type { DatabaseSpec } from "../../rules/database";
import type { DockerPolicy } from "./docker";
import type { RegistryCredentials } from "../../rules/iamPolicies";
import type { Capacity, ServiceSpec } from "../../rules/service";

export type Role = "prod" | "dev" | "ephemeral";
export const ROLES: readonly Role[] = ["prod", "dev", "ephemeral"];

export interface NetworkSettings {
    readonly vpcId: string;
    readonly publicSubnetIds: readonly string[];
    readonly privateSubnetIds: readonly string[];
    readonly assignPublicIp: boolean;
}

export type IngressSettings =
    | {
          readonly mode: "dedicated";
          readonly deletionProtection: boolean;
          readonly ipAddressType: "ipv4" | "dualstack";
          /** Seconds an idle connection stays open at the ALB (1–4000). @default 60, or what streaming services need (rules/connections.ts) */
          readonly idleTimeout?: number;
      }
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
    /** The frontend's image, one more image of the version (`ghcr.io/infrasoftbe/infrasoft-vnv-app`); absent: no files but release.json. */
    readonly image?: string;
    /** Its digest, pinned by `release check --pin` (`vnv:digests.frontend`) or by `env up`. */
    readonly digest?: string;
    /** The directory of the image that holds the static files. */
    readonly root: string;
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
    /** Ephemeral only: the environment's own database (from dev's `vnv:ephemeral.database`). */
    readonly database?: DatabaseSpec;
    /** Alarms on the public services, deployment alarms with rollback among them (prod and dev). */
    readonly alarms: boolean;
    /** Where the alarms are sent (`vnv:alerts`); absent: nowhere, they still stop deploys. */
    readonly alerts?: AlertSettings;
    /** ECS Exec into the services' tasks (`vnv:exec`; default: dev and ephemeral yes, prod no). */
    readonly exec: boolean;
    /** When dev and its ephemeral environments run (`vnv:workingHours`); absent: always. */
    readonly workingHours?: WorkingHours;
}

/** `vnv:alerts`: the team's channels for alarms. */
export interface AlertSettings {
    readonly email?: readonly string[];
    readonly slack?: { readonly workspaceId: string; readonly channelId: string };
    readonly teams?: { readonly teamId: string; readonly channelId: string; readonly tenantId: string };
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
    /** The reaper announces an environment once when it expires within this. */
    readonly expiryNotice: string;
    /**
     * US dollars a day all ephemeral environments together may cost, by vnv's estimate
     * (rules/prices.ts): `env up` of a new one that would exceed it is refused. Absent: no budget.
     */
    readonly dailyBudget?: number;
    /** The longest an environment kept with a reason may live, from creation (`env extend --keep`); absent: no keeping. */
    readonly maxKeep?: string;
    /** Awake time without a request through the ALB after which the reaper warns and reaps an environment; absent: no inactivity rule. */
    readonly idleAfter?: string;
    /** The stack that owns the shared application's redirect list. */
    readonly authStack: string;
    /** `/applications/<object id>` of the shared test application; absent: no reconciliation. */
    readonly authApplicationId?: string;
    /** Hosts whose redirect URIs always stay registered. */
    readonly fixedRedirectHosts: readonly string[];
    /** The database each ephemeral environment runs for itself; absent: none. */
    readonly database?: DatabaseSpec;
    /** How ephemeral environments run on a Docker host; absent: no Docker target. */
    readonly docker?: DockerPolicy;
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
    "database",
    "alerts",
    "exec",
    "workingHours",
] as const;

/**
 * Keys only an ephemeral environment's settings carry. They are built in code by the
 * automation and never read through the engine; a stack file that sets them is refused.
 */
export const EPHEMERAL_ONLY_KEYS: readonly (typeof SETTING_KEYS)[number][] = ["database"];

/** Thrown for configuration that cannot make an environment; lists every problem. */
export class SettingsError extends Error {
    /** Bad input (rules/meaning.ts). */
    readonly meaning = "bad-input";
    constructor(readonly problems: readonly string[]) {
        super(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
        this.name = "SettingsError";
    }
}
