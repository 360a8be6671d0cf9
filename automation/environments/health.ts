/**
 * "Done means healthy": after an update, every public service must answer its health path with
 * 2xx through the environment's URL, a few times in a row (one lucky answer from a flapping
 * service is not health). Progress is reported while waiting; at the timeout the error names
 * each service that is not healthy and what was last seen (HTTP status, TLS error, refused).
 */
import { routedService } from "../../rules/listenerRules";
import type { ServiceSpec } from "../../rules/service";
import { OperationError } from "../errors";
import { sleep } from "../util";
import { probeWebSocket } from "./websocket";

export interface HealthTarget {
    readonly service: string;
    readonly url: string;
    /** Open a WebSocket at `url` (the service's `websocket` path) instead of asking for a 2xx. @default false */
    readonly websocket?: boolean;
}

export interface ServiceHealth extends HealthTarget {
    readonly healthy: boolean;
    /** What the last probe saw: `HTTP 200`, `HTTP 503`, `TLS error: …`, `connection refused`, `timed out`. */
    readonly seen: string;
    /** 2xx answers in a row. */
    readonly streak: number;
}

export interface HealthReport {
    readonly healthy: boolean;
    readonly services: readonly ServiceHealth[];
    /** Public services whose health path the URL routes to another service: the target group checks them. */
    readonly notReachable: readonly { service: string; reason: string }[];
    readonly elapsedMs: number;
}

export class UnhealthyError extends OperationError {
    constructor(readonly report: HealthReport) {
        super(
            `not healthy after ${Math.round(report.elapsedMs / 1000)} s: ${report.services
                .filter((s) => !s.healthy)
                .map((s) => `${s.service} (${s.url}) last answered ${s.seen}`)
                .join("; ")}`,
        );
        this.name = "UnhealthyError";
    }
}

/**
 * What to probe: each public service at `base` + its health path, when the environment's
 * routing sends that path to it. A path-routed service whose health path reaches another
 * service is left to its target group's health check (and said so).
 */
export function healthTargets(
    services: readonly ServiceSpec[],
    base: string,
): { targets: HealthTarget[]; notReachable: { service: string; reason: string }[] } {
    const targets: HealthTarget[] = [];
    const notReachable: { service: string; reason: string }[] = [];
    for (const s of services.filter((x) => x.public ?? false)) {
        const path = s.healthCheckPath ?? "/health";
        const reached = routedService(services, path);
        if (reached === s.name) {
            targets.push({ service: s.name, url: `${base.replace(/\/$/, "")}${path}` });
        } else {
            notReachable.push({ service: s.name, reason: `${path} is routed to ${reached}; its target group checks it` });
        }
        // Settings refuse a WebSocket path routed elsewhere (rules/connections.ts): nothing else checks an upgrade.
        if (s.websocketPath !== undefined) {
            targets.push({ service: s.name, url: `${base.replace(/\/$/, "")}${s.websocketPath}`, websocket: true });
        }
    }
    return { targets, notReachable };
}

/** One probe: `HTTP <status>` or what kept an answer from coming. */
export async function probe(url: string, options: { timeoutMs?: number; fetch?: typeof fetch } = {}): Promise<{ ok: boolean; seen: string }> {
    try {
        const res = await (options.fetch ?? fetch)(url, { redirect: "manual", signal: AbortSignal.timeout(options.timeoutMs ?? 5_000) });
        await res.body?.cancel();
        return { ok: res.status >= 200 && res.status < 300, seen: `HTTP ${res.status}` };
    } catch (e) {
        return { ok: false, seen: describeFailure(e) };
    }
}

function describeFailure(e: unknown): string {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const code = cause?.code ?? (e as { name?: string }).name ?? "";
    if (code === "ECONNREFUSED") {
        return "connection refused";
    }
    if (code === "TimeoutError" || code === "UND_ERR_CONNECT_TIMEOUT" || code === "UND_ERR_HEADERS_TIMEOUT") {
        return "timed out";
    }
    if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
        return "host not found (DNS)";
    }
    if (/CERT|TLS|SSL/i.test(code) || /certificate|TLS|SSL/i.test(cause?.message ?? "")) {
        return `TLS error: ${cause?.message ?? code}`;
    }
    return cause?.message ?? (e as Error).message;
}

export interface WaitOptions {
    /** Give up after this long. @default 10 minutes */
    readonly timeoutMs?: number;
    /** Between rounds of probes. @default 5 s */
    readonly intervalMs?: number;
    /** 2xx answers in a row that make a service healthy. @default 3 */
    readonly streak?: number;
    readonly probeTimeoutMs?: number;
    readonly onProgress?: (report: HealthReport) => void;
    readonly fetch?: typeof fetch;
}

/** One round of probes over `previous` (each service's state so far); `needed` answers in a row make it healthy. */
async function round(previous: readonly ServiceHealth[], needed: number, options: WaitOptions): Promise<ServiceHealth[]> {
    return Promise.all(
        previous.map(async (s) => {
            const seen = s.websocket
                ? await probeWebSocket(s.url, { timeoutMs: options.probeTimeoutMs })
                : await probe(s.url, { timeoutMs: options.probeTimeoutMs, fetch: options.fetch });
            const streak = seen.ok ? s.streak + 1 : 0;
            return { ...s, seen: seen.seen, streak, healthy: streak >= needed };
        }),
    );
}

function reportOf(services: ServiceHealth[], notReachable: HealthReport["notReachable"], started: number): HealthReport {
    return { healthy: services.every((s) => s.healthy), services, notReachable, elapsedMs: Date.now() - started };
}

function fresh(targets: readonly HealthTarget[]): ServiceHealth[] {
    return targets.map((t) => ({ ...t, healthy: false, seen: "not asked yet", streak: 0 }));
}

/** Probes every target until each is healthy; throws {@link UnhealthyError} at the timeout. */
export async function waitHealthy(
    targets: readonly HealthTarget[],
    notReachable: HealthReport["notReachable"],
    options: WaitOptions = {},
): Promise<HealthReport> {
    const started = Date.now();
    let services = fresh(targets);
    for (;;) {
        services = await round(services, options.streak ?? 3, options);
        const report = reportOf(services, notReachable, started);
        options.onProgress?.(report);
        if (report.healthy) {
            return report;
        }
        if (Date.now() - started + (options.intervalMs ?? 5_000) > (options.timeoutMs ?? 600_000)) {
            throw new UnhealthyError(report);
        }
        await sleep(options.intervalMs ?? 5_000);
    }
}

/** One round of probes, for `env status`: healthy means every target answered 2xx now. */
export async function checkOnce(
    targets: readonly HealthTarget[],
    notReachable: HealthReport["notReachable"],
    options: WaitOptions = {},
): Promise<HealthReport> {
    const started = Date.now();
    return reportOf(await round(fresh(targets), 1, options), notReachable, started);
}

/** `proxy-server HTTP 200 (3/3), event-bridge HTTP 503` */
export function progressLine(report: HealthReport, streak: number = 3): string {
    return report.services.map((s) => `${s.service} ${s.seen}${s.healthy ? " ✓" : s.streak > 0 ? ` (${s.streak}/${streak})` : ""}`).join(", ");
}

/** {@link waitHealthy} for the targets of `services` at `base`, progress to `log`; a timeout is answered, not thrown. */
export async function awaitHealth(services: readonly ServiceSpec[], base: string, wait: WaitOptions, log: (line: string) => void): Promise<HealthReport> {
    const { targets, notReachable } = healthTargets(services, base);
    const paths = targets.filter((t) => !t.websocket).map((t) => t.service);
    const sockets = targets.filter((t) => t.websocket).map((t) => t.service);
    const opens = sockets.length === 0 ? "" : ` and ${sockets.join(", ")} ${sockets.length === 1 ? "opens a WebSocket" : "open WebSockets"}`;
    log(`waiting until ${paths.join(", ")} ${paths.length === 1 ? "answers its" : "answer their"} health path${opens} at ${base}`);
    try {
        return await waitHealthy(targets, notReachable, { ...wait, onProgress: (r) => log(progressLine(r, wait.streak)) });
    } catch (e) {
        if (e instanceof UnhealthyError) {
            log(e.message);
            return e.report;
        }
        throw e;
    }
}
