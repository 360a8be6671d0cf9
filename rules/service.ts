/**
 * The description of one ECS service, shared by EcsServices and Ingress, and its checks.
 *
 * Pure module: no `@pulumi/*` import.
 */
import { connectionProblems, type ServiceTimeouts } from "./connections";
import { writablePathsProblems } from "./containerStorage";
import { validateServiceName } from "./naming";

export type Capacity = "FARGATE" | "FARGATE_SPOT";
export const CAPACITIES: readonly Capacity[] = ["FARGATE", "FARGATE_SPOT"];

export interface ServiceSpec {
    /** Short name (`proxy-server`); also the Service Connect name other services reach it by. */
    readonly name: string;
    /** Image repository without tag (`ghcr.io/infrasoftbe/infrasoft-vnv-proxy-server`). */
    readonly image: string;
    /** Tag to resolve instead of the environment's version (`7.4-alpine` for redis). @default the version */
    readonly tag?: string;
    /** Digest to pin as is (`sha256:…`), resolved beforehand by the automation. @default resolved from the tag */
    readonly digest?: string;
    /** Container port. */
    readonly port: number;
    /** Reached through the load balancer. @default false */
    readonly public?: boolean;
    /**
     * Path patterns routed to this public service. A public service without paths takes
     * everything else (the listener's default); exactly one public service has none.
     * @default []
     */
    readonly paths?: readonly string[];
    /** HTTP health-check path for the target group. @default "/health" */
    readonly healthCheckPath?: string;
    /** Fargate CPU units. */
    readonly cpu: number;
    /** Fargate memory (MiB). */
    readonly memory: number;
    /** Number of tasks. */
    readonly desiredCount: number;
    /** Plain environment variables (never secrets). @default {} */
    readonly environment?: Readonly<Record<string, string>>;
    /** Secrets: variable name → SSM parameter or Secrets Manager ARN. @default {} */
    readonly secrets?: Readonly<Record<string, string>>;
    /** Capacity of this service instead of the environment's (an own database runs on FARGATE, never Spot). @default the environment's */
    readonly capacity?: Capacity;
    /** Services of the environment this one starts after, once they are steady. @default [] */
    readonly after?: readonly string[];
    /**
     * The container's own health check: the task counts as started (and the service as steady)
     * only once it passes. @default none
     */
    readonly healthCheck?: ContainerHealthCheck;
    /**
     * Never two tasks at once: a new task starts after the old one stopped (a database that
     * must not run twice). @default false (a new task starts beside the old one)
     */
    readonly oneAtATime?: boolean;
    /**
     * The paths the image writes to, each a read-write task volume; the root file system is
     * read-only (Security Hub ECS.5). @default ["/tmp"]
     */
    readonly writablePaths?: readonly string[];
    /**
     * Why this container keeps a writable root file system: set by vnv for an image that cannot
     * start with a read-only one (never from configuration), and named by the baseline check as
     * its exemption from ECS.5. @default none (read-only root)
     */
    readonly writableRoot?: string;
    /** Target tracking between `desiredCount` and `scaling.max` tasks (production's public services). @default a fixed count */
    readonly scaling?: ServiceScaling;
    /** Service Connect timeouts of its port (rules/connections.ts). @default ECS's: 15 s per request, idle 300 s (HTTP) or 1 h (TCP) */
    readonly timeouts?: ServiceTimeouts;
    /** Holds long-lived streams (event streams, WebSockets): no per-request limit, an hour idle, an ALB that waits as long. @default false */
    readonly streaming?: boolean;
    /** A path that answers a WebSocket upgrade: the health wait opens one through the load balancer. @default none */
    readonly websocketPath?: string;
}

/** How a service scales: from its `desiredCount` up to `max` tasks, tracking CPU and, when given, requests per target. */
export interface ServiceScaling {
    readonly max: number;
    /** Average CPU the tasks are kept at (percent of their reservation). */
    readonly cpuPercent: number;
    /** Load balancer requests per task per minute the tasks are kept at. @default not tracked */
    readonly requestsPerTarget?: number;
}

export const SCALING_DEFAULTS = { cpuPercent: 60 } as const;

/** An ECS container health check (`CMD-SHELL` command). */
export interface ContainerHealthCheck {
    readonly command: readonly string[];
    readonly intervalSeconds: number;
    readonly timeoutSeconds: number;
    readonly retries: number;
    readonly startPeriodSeconds: number;
}

/** Fargate's CPU units and the memory (MiB) each allows. */
export const FARGATE_SIZES: Readonly<Record<number, readonly number[]>> = {
    256: [512, 1024, 2048],
    512: [1024, 2048, 3072, 4096],
    1024: range(2048, 8192, 1024),
    2048: range(4096, 16384, 1024),
    4096: range(8192, 30720, 1024),
    8192: range(16384, 61440, 4096),
    16384: range(32768, 122880, 8192),
};

function range(from: number, to: number, step: number): number[] {
    const out: number[] = [];
    for (let n = from; n <= to; n += step) {
        out.push(n);
    }
    return out;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const IMAGE = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECRET_ARN = /^arn:aws[a-z-]*:(ssm|secretsmanager):[a-z0-9-]+:\d{12}:(parameter\/|secret:).+$/;
const RESERVED_ENV = ["RELEASE_VERSION", "IMAGE_TAG", "IMAGE_DIGEST", "FRONTEND_BUCKET"];

export function isDigest(text: string): boolean {
    return DIGEST.test(text);
}

/**
 * Problems with a list of services, each naming the field (`services[1].port`) and what is allowed.
 * An empty answer means the list is usable.
 */
export function serviceProblems(services: readonly ServiceSpec[], where: string = "services"): string[] {
    const problems: string[] = [];
    const seen = new Set<string>();
    const ports = new Set<number>();
    services.forEach((s, i) => {
        const at = `${where}[${i}]`;
        try {
            validateServiceName(s.name);
        } catch (e) {
            problems.push(`${at}.name: ${(e as Error).message}`);
        }
        if (seen.has(s.name)) {
            problems.push(`${at}.name: ${JSON.stringify(s.name)} appears twice; service names must be unique`);
        }
        seen.add(s.name);
        if (!IMAGE.test(s.image)) {
            problems.push(
                `${at}.image: ${JSON.stringify(s.image)} is not an image repository without tag, such as ghcr.io/infrasoftbe/infrasoft-vnv-proxy-server`,
            );
        }
        if (s.tag !== undefined && !TAG.test(s.tag)) {
            problems.push(`${at}.tag: ${JSON.stringify(s.tag)} is not a valid image tag`);
        }
        if (s.digest !== undefined && !isDigest(s.digest)) {
            problems.push(`${at}.digest: ${JSON.stringify(s.digest)} is not sha256: followed by 64 lowercase hex digits`);
        }
        if (!Number.isInteger(s.port) || s.port < 1 || s.port > 65535) {
            problems.push(`${at}.port: expected an integer from 1 to 65535, got ${JSON.stringify(s.port)}`);
        } else if (ports.has(s.port)) {
            problems.push(`${at}.port: port ${s.port} is used by another service of the environment`);
        }
        ports.add(s.port);
        const memories = FARGATE_SIZES[s.cpu];
        if (memories === undefined) {
            problems.push(`${at}.cpu: expected one of ${Object.keys(FARGATE_SIZES).join(", ")}, got ${JSON.stringify(s.cpu)}`);
        } else if (!memories.includes(s.memory)) {
            problems.push(
                `${at}.memory: ${s.cpu} CPU units allow ${memories[0]} to ${memories[memories.length - 1]} MiB in Fargate's steps, got ${JSON.stringify(s.memory)}`,
            );
        }
        if (!Number.isInteger(s.desiredCount) || s.desiredCount < 0 || s.desiredCount > 100) {
            problems.push(`${at}.desiredCount: expected an integer from 0 to 100, got ${JSON.stringify(s.desiredCount)}`);
        }
        for (const p of s.paths ?? []) {
            if (!/^\/[A-Za-z0-9_\-.$/~"'@:+*?&=]*$/.test(p) || p.length > 128) {
                problems.push(`${at}.paths: ${JSON.stringify(p)} is not an ALB path pattern (starts with /, at most 128 characters)`);
            }
        }
        if ((s.paths ?? []).length > 0 && !(s.public ?? false)) {
            problems.push(`${at}.paths: only a public service can have paths`);
        }
        problems.push(...writablePathsProblems(s.writablePaths ?? [], `${at}.writablePaths`));
        problems.push(...scalingProblems(s, at));
        problems.push(...connectionProblems(s, at, services));
        if (s.healthCheckPath !== undefined && !/^\/\S*$/.test(s.healthCheckPath)) {
            problems.push(`${at}.healthCheckPath: expected a path starting with /, got ${JSON.stringify(s.healthCheckPath)}`);
        }
        for (const key of [...Object.keys(s.environment ?? {}), ...Object.keys(s.secrets ?? {})]) {
            if (!ENV_NAME.test(key)) {
                problems.push(`${at}: ${JSON.stringify(key)} is not an environment variable name ([A-Za-z_][A-Za-z0-9_]*)`);
            }
            if (RESERVED_ENV.includes(key)) {
                problems.push(`${at}: ${key} is set by vnv itself; choose another name`);
            }
        }
        for (const [key, arn] of Object.entries(s.secrets ?? {})) {
            if (!SECRET_ARN.test(arn)) {
                problems.push(`${at}.secrets.${key}: expected an SSM parameter or Secrets Manager ARN, got ${JSON.stringify(arn)}`);
            }
            if (key in (s.environment ?? {})) {
                problems.push(`${at}.secrets.${key}: also set as a plain environment variable; a secret goes in secrets only`);
            }
        }
    });
    services.forEach((s, i) => {
        for (const other of s.after ?? []) {
            if (other === s.name || !services.some((o) => o.name === other)) {
                problems.push(`${where}[${i}].after: ${JSON.stringify(other)} is not another service of the environment`);
            }
        }
        if (s.capacity !== undefined && !CAPACITIES.includes(s.capacity)) {
            problems.push(`${where}[${i}].capacity: expected ${CAPACITIES.join(" or ")}, got ${JSON.stringify(s.capacity)}`);
        }
    });
    const cycle = startCycle(services);
    if (cycle !== undefined) {
        problems.push(`${where}: services wait for one another in a circle (${cycle.join(" → ")})`);
    }
    const publics = services.filter((s) => s.public ?? false);
    const defaults = publics.filter((s) => (s.paths ?? []).length === 0);
    if (publics.length > 0 && defaults.length !== 1) {
        problems.push(
            `${where}: exactly one public service must have no paths (it takes the listener's default route); found ${defaults.length}: ${defaults.map((s) => s.name).join(", ") || "none"}`,
        );
    }
    return problems;
}

function scalingProblems(s: ServiceSpec, at: string): string[] {
    const scaling = s.scaling;
    if (scaling === undefined) {
        return [];
    }
    const problems: string[] = [];
    if (!(s.public ?? false)) {
        problems.push(`${at}.scaling: only a public service scales`);
    }
    if (!Number.isInteger(scaling.max) || scaling.max < Math.max(1, s.desiredCount) || scaling.max > 100) {
        problems.push(`${at}.scaling.max: expected an integer from desiredCount (${s.desiredCount}) to 100, got ${JSON.stringify(scaling.max)}`);
    }
    if (!Number.isInteger(scaling.cpuPercent) || scaling.cpuPercent < 10 || scaling.cpuPercent > 90) {
        problems.push(`${at}.scaling.cpuPercent: expected an integer from 10 to 90, got ${JSON.stringify(scaling.cpuPercent)}`);
    }
    const requests = scaling.requestsPerTarget;
    if (requests !== undefined && (!Number.isInteger(requests) || requests < 1 || requests > 1_000_000)) {
        problems.push(`${at}.scaling.requestsPerTarget: expected an integer from 1 to 1000000, got ${JSON.stringify(requests)}`);
    }
    return problems;
}

/** A circle of `after` references, or undefined. */
function startCycle(services: readonly ServiceSpec[]): string[] | undefined {
    const after = new Map(services.map((s) => [s.name, s.after ?? []]));
    const state = new Map<string, "visiting" | "done">();
    const visit = (name: string, trail: string[]): string[] | undefined => {
        if (state.get(name) === "visiting") {
            return [...trail.slice(trail.indexOf(name)), name];
        }
        if (state.get(name) === "done") {
            return undefined;
        }
        state.set(name, "visiting");
        for (const next of after.get(name) ?? []) {
            const found = visit(next, [...trail, name]);
            if (found !== undefined) {
                return found;
            }
        }
        state.set(name, "done");
        return undefined;
    };
    for (const s of services) {
        const found = visit(s.name, []);
        if (found !== undefined) {
            return found;
        }
    }
    return undefined;
}

/** The public service that takes the default route. */
export function defaultService(services: readonly ServiceSpec[]): ServiceSpec | undefined {
    return services.find((s) => (s.public ?? false) && (s.paths ?? []).length === 0);
}
