/**
 * What each role implies and permits, in one table, and every default in one constant.
 * docs/architecture.md, "Roles", explains why each rule is there. No `@pulumi/*` import.
 */
import type { Capacity } from "../../rules/service";
import type { Role } from "./types";

export interface RoleRules {
    /** The ingress modes the role may use; the first is its default. */
    readonly ingress: readonly ("dedicated" | "shared")[];
    /** Why another mode is refused. */
    readonly ingressReason: string;
    readonly capacity: Capacity;
    /** Tasks a public service runs at least (prod: two, so one task can fail). */
    readonly minPublicTasks: number;
    /** Every service runs exactly this many tasks, whatever is configured (ephemeral: one). */
    readonly fixedTasks?: number;
    readonly logRetentionDays: number;
    readonly bucketPrefix: string;
    /** Buckets kept when the version changes or the stack goes (prod's audit trail). */
    readonly retain: boolean;
    /** Buckets deleted with their objects (dev at a version change, ephemeral at the end). */
    readonly forceDestroy: boolean;
    /** Why force-destroying is refused, when it is. */
    readonly forceDestroyRefused?: string;
    readonly deletionProtection: boolean;
    /** Whether the stack provides the test platform by default, and whether it may. */
    readonly testPlatform: boolean;
    readonly testPlatformAllowed: boolean;
    /** The host comes from the version (`1-2-3-rc-1.<domain>`), never from configuration. */
    readonly hostFromVersion: boolean;
    /** Whether the stack may own an application's redirect list (the ephemeral one never does). */
    readonly ownsRedirectsAllowed: boolean;
    /** Whether the stack takes `vnv:ephemeral` (dev, which ephemeral environments derive from). */
    readonly ephemeralPolicy: boolean;
    /** Whether the stack may run its own database (`vnv:database`); dev and prod keep their configured one. */
    readonly ownDatabase: boolean;
    /** Days the stack's log bucket keeps access logs (ELB.5, S3.9); 0: the role has no log bucket (no ALB of its own). */
    readonly accessLogDays: number;
    /** The frontend buckets' server access logs go to the log bucket (Security Hub S3.9). */
    readonly serverAccessLogs: boolean;
    /**
     * Alarms on the public services, deploys rolled back when they turn red, and `vnv:alerts`.
     * Not for ephemeral environments: they live hours, nobody is on call for them, and their
     * health is what `env up` waits for.
     */
    readonly alarms: boolean;
    /** ECS Exec (`vnv env exec`): a shell in a running task, its session logged; `vnv:exec` overrides. */
    readonly exec: boolean;
    /** Services but the database may sleep (`vnv env sleep`, `vnv:workingHours`); prod never sleeps. */
    readonly sleeps: boolean;
}

export const ROLE_RULES: Readonly<Record<Role, RoleRules>> = {
    prod: {
        ingress: ["dedicated"],
        ingressReason: "production uses a dedicated ingress",
        capacity: "FARGATE",
        minPublicTasks: 2,
        logRetentionDays: 90,
        bucketPrefix: "studio-app-prod",
        retain: true,
        forceDestroy: false,
        forceDestroyRefused: "production's buckets are kept (frontend.retain), never force-destroyed",
        deletionProtection: true,
        testPlatform: false,
        testPlatformAllowed: false,
        hostFromVersion: false,
        ownsRedirectsAllowed: true,
        ephemeralPolicy: false,
        ownDatabase: false,
        accessLogDays: 365,
        serverAccessLogs: true,
        alarms: true,
        exec: false,
        sleeps: false,
    },
    dev: {
        ingress: ["dedicated", "shared"],
        ingressReason: "",
        capacity: "FARGATE",
        minPublicTasks: 1,
        logRetentionDays: 30,
        bucketPrefix: "studio-app-dev",
        retain: false,
        // Dev's bucket of the previous version is removed at a version change, objects and all:
        // a non-empty bucket could not be deleted and would fail the update.
        forceDestroy: true,
        deletionProtection: false,
        testPlatform: true,
        testPlatformAllowed: true,
        hostFromVersion: false,
        ownsRedirectsAllowed: true,
        ephemeralPolicy: true,
        ownDatabase: false,
        accessLogDays: 30,
        serverAccessLogs: false,
        alarms: true,
        exec: true,
        sleeps: true,
    },
    ephemeral: {
        ingress: ["shared"],
        ingressReason: "an ephemeral environment uses the shared ingress of the test platform (it owns no certificate)",
        capacity: "FARGATE_SPOT",
        minPublicTasks: 1,
        fixedTasks: 1,
        logRetentionDays: 3,
        bucketPrefix: "studio-app-test",
        retain: false,
        forceDestroy: true,
        deletionProtection: false,
        testPlatform: false,
        testPlatformAllowed: false,
        hostFromVersion: true,
        ownsRedirectsAllowed: false,
        ephemeralPolicy: false,
        ownDatabase: true,
        accessLogDays: 0,
        serverAccessLogs: false,
        alarms: false,
        exec: true,
        sleeps: true,
    },
};

/** Every default that does not depend on the role. */
export const DEFAULTS = {
    ipAddressType: "ipv4",
    assignPublicIp: false,
    publicWebsite: false,
    /** The web server's document root in the frontend image (nginx's). */
    frontendRoot: "/usr/share/nginx/html",
    auth: { type: "SPA", redirectPaths: ["/"] as readonly string[], manageRedirects: false },
    service: { public: false, cpu: 256, memory: 512, tasks: 1 },
    ephemeral: { defaultTtl: "6h", maxTtl: "3d", staleLockAfter: "2h", expiryNotice: "1h", authStack: "auth", dev: "dev" },
} as const;

/** CloudWatch Logs' allowed retention values. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
