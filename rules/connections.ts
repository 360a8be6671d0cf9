/**
 * How long a connection to a service may last: its Service Connect timeouts (what its callers'
 * Envoy proxies allow), the load balancer's idle timeout, and the WebSocket path the health wait
 * opens through the load balancer.
 *
 * ECS's defaults cut what a streaming service does: 15 s per request and 300 s idle for an HTTP
 * port, 1 h idle for a TCP port (AWS ECS API reference, TimeoutConfiguration); the ALB closes a
 * connection idle for 60 s (Elastic Load Balancing, Application Load Balancer attributes,
 * idle_timeout.timeout_seconds). A service marked `streaming` gets no per-request limit and an
 * idle limit of an hour, and the ALB in front of it is given at least as long.
 *
 * Pure module: no `@pulumi/*` import.
 */
import { routedService } from "./listenerRules";
import type { ServiceSpec } from "./service";

/** Service Connect timeouts of one service, in seconds; 0 disables a limit. */
export interface ServiceTimeouts {
    /** How long its callers wait for a whole answer. Only an HTTP port (a public service's) has it. */
    readonly perRequestSeconds?: number;
    /** How long a connection to it may stay idle. */
    readonly idleSeconds?: number;
}

/** The largest timeout vnv accepts (a day); ECS accepts up to 2147483647 s. */
export const MAX_TIMEOUT_SECONDS = 86_400;
/** A streaming service's idle limit when none is given: ECS's own default for TCP. */
export const STREAMING_IDLE_SECONDS = 3_600;
/** The ALB's idle timeout: its default, and its range (Application Load Balancer attributes). */
export const ALB_IDLE = { default: 60, min: 1, max: 4_000 } as const;

/**
 * The `timeout` of the service's Service Connect entry, or undefined for ECS's defaults.
 * Only a public service's port declares the HTTP protocol (components/ecsServices.ts), and ECS
 * allows `perRequestTimeoutSeconds` only on a port whose protocol is not TCP
 * (AWS ECS API reference, TimeoutConfiguration): a private service never gets one.
 */
export function serviceConnectTimeout(s: ServiceSpec): { idleTimeoutSeconds?: number; perRequestTimeoutSeconds?: number } | undefined {
    const http = s.public ?? false;
    const idle = s.timeouts?.idleSeconds ?? (s.streaming ? STREAMING_IDLE_SECONDS : undefined);
    const perRequest = http ? (s.streaming ? 0 : s.timeouts?.perRequestSeconds) : undefined;
    if (idle === undefined && perRequest === undefined) {
        return undefined;
    }
    return { ...(idle === undefined ? {} : { idleTimeoutSeconds: idle }), ...(perRequest === undefined ? {} : { perRequestTimeoutSeconds: perRequest }) };
}

/**
 * The idle timeout a streaming public service needs of the load balancer: its own idle limit,
 * capped at the ALB's most (4000 s), which is also what "no limit" (0) comes to.
 */
function neededOfAlb(s: ServiceSpec): number {
    const idle = s.timeouts?.idleSeconds ?? STREAMING_IDLE_SECONDS;
    return idle === 0 ? ALB_IDLE.max : Math.min(idle, ALB_IDLE.max);
}

/** The streaming public services and what each needs of the ALB's idle timeout. */
function streamingPublic(services: readonly ServiceSpec[]): { name: string; needs: number }[] {
    return services.filter((s) => (s.public ?? false) && (s.streaming ?? false)).map((s) => ({ name: s.name, needs: neededOfAlb(s) }));
}

/** The ALB's idle timeout: as configured, else the ALB's default raised to what the streaming public services need. */
export function albIdleTimeout(services: readonly ServiceSpec[], configured?: number): number {
    return configured ?? Math.max(ALB_IDLE.default, ...streamingPublic(services).map((s) => s.needs));
}

/** A configured ALB idle timeout that would cut a streaming service's connections before Service Connect does. */
export function albIdleProblems(services: readonly ServiceSpec[], configured: number | undefined, at: string): string[] {
    if (configured === undefined) {
        return [];
    }
    return streamingPublic(services)
        .filter((s) => s.needs > configured)
        .map(
            (s) =>
                `${at}: ${configured} s would close ${s.name}'s idle streams at the load balancer before its own idle limit (${s.needs} s); raise it to at least ${s.needs} or lower ${s.name}'s timeouts.idle`,
        );
}

/** Problems with one service's timeouts, streaming flag and WebSocket path, each naming the field. */
export function connectionProblems(s: ServiceSpec, at: string, services: readonly ServiceSpec[]): string[] {
    const problems: string[] = [];
    const isPublic = s.public ?? false;
    for (const [key, value] of [
        ["perRequest", s.timeouts?.perRequestSeconds],
        ["idle", s.timeouts?.idleSeconds],
    ] as const) {
        if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > MAX_TIMEOUT_SECONDS)) {
            problems.push(`${at}.timeouts.${key}: expected whole seconds from 0 (no limit) to ${MAX_TIMEOUT_SECONDS}, got ${JSON.stringify(value)}`);
        }
    }
    if (s.timeouts?.perRequestSeconds !== undefined && !isPublic) {
        problems.push(
            `${at}.timeouts.perRequest: only a public service's port speaks HTTP through Service Connect; ECS allows a per-request timeout only there (AWS ECS API reference, TimeoutConfiguration), a TCP port has an idle timeout only`,
        );
    }
    if (s.timeouts?.perRequestSeconds !== undefined && (s.streaming ?? false)) {
        problems.push(`${at}.timeouts.perRequest: a streaming service has no per-request limit; remove one of the two`);
    }
    const path = s.websocketPath;
    if (path !== undefined) {
        if (!isPublic) {
            problems.push(`${at}.websocket: only a public service is probed through the load balancer`);
        } else if (!/^\/[A-Za-z0-9_\-.~/%]{0,127}$/.test(path)) {
            problems.push(
                `${at}.websocket: expected a path starting with / (letters, digits, - _ . ~ / %; at most 128 characters), got ${JSON.stringify(path)}`,
            );
        } else if (routedService(services, path) !== s.name) {
            problems.push(
                `${at}.websocket: ${path} is routed to ${routedService(services, path) ?? "no service"}, not to ${s.name}; give a path its paths match`,
            );
        }
    }
    return problems;
}
