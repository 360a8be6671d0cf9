/**
 * A version's containers (rules/containers.ts) rendered as one Docker Compose project: the same
 * images by digest, variables, health checks, names and start order ECS is given. Where Docker
 * differs from Fargate, the difference is named here:
 * - Service Connect names are Compose service names on the project's network (`redis:6379`).
 * - "after, once steady" is `depends_on` with `service_healthy` (or `service_started` for a
 *   service without a health check).
 * - A public service is published on the target's address at a port of its own (there is no
 *   load balancer routing paths on one host).
 * - A task volume (a writable path) is an anonymous volume: the container's own, removed with
 *   the project; a database's data path is a named volume, kept across container restarts.
 * - A secret is named without a value (`NAME: null`): Compose takes its value from the process
 *   that runs it, so no secret is ever written into the file.
 * - ECS restarts a stopped task; here `restart: unless-stopped` does.
 * - Every container gets an init process (`init: true`): an image whose process 1 ignores
 *   SIGTERM (busybox httpd) would otherwise hold every stop for its 10 s grace.
 * - A database's dataset loader (a non-essential container its task runs to success first) is a
 *   service of its own, `restart: "no"`, on the database's named volume; the database depends on
 *   it with `service_completed_successfully` (ECS: `dependsOn` with `SUCCESS`).
 *
 * Every text is escaped for Compose's interpolation (`$` → `$$`): a value with `${…}` in it
 * (a health check's shell expansion, a hostile variable) reaches the container as written.
 *
 * Pure module: no `@pulumi/*` import.
 */
import type { Container } from "./containers";

/** Compose's project names: lowercase letters, digits, dashes and underscores, starting with a letter or digit. */
export const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export interface ComposeTarget {
    /** The Compose project (`vnv-v1-2-3-rc-1`). */
    readonly project: string;
    /** Labels of every container and named volume (vnv's metadata). */
    readonly labels: Readonly<Record<string, string>>;
    /** The address public services are published on (`127.0.0.1`). */
    readonly address: string;
    /** Host port per published service. */
    readonly ports: Readonly<Record<string, number>>;
    /** Named volumes: service → the path its data lives at (a database's `/data`). */
    readonly dataPaths?: Readonly<Record<string, string>>;
}

export interface ComposeService {
    readonly image: string;
    readonly environment: Record<string, string | null>;
    readonly healthcheck?: { test: string[]; interval: string; timeout: string; retries: number; start_period: string };
    readonly ports: { target: number; published: string; host_ip: string; protocol: "tcp" }[];
    readonly read_only: boolean;
    readonly volumes: ({ type: "volume"; target: string } | { type: "volume"; source: string; target: string })[];
    readonly depends_on: Record<string, { condition: "service_healthy" | "service_started" | "service_completed_successfully" }>;
    readonly labels: Record<string, string>;
    readonly restart: "unless-stopped" | "no";
    readonly init: true;
}

export interface ComposeFile {
    readonly name: string;
    readonly services: Record<string, ComposeService>;
    readonly volumes: Record<string, { labels: Record<string, string> }>;
    readonly networks: { default: { labels: Record<string, string> } };
}

/** `$` doubled: Compose reads the text as written, interpolating nothing. */
export function composeText(text: string): string {
    return text.replaceAll("$", "$$$$");
}

function escapedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [composeText(k), composeText(v)]));
}

/** The named volume of a service's data (`neo4j-data`). */
export function dataVolumeName(service: string): string {
    return `${service}-data`;
}

/** The Compose project of `containers` (in start order) on `target`. */
export function composeProject(containers: readonly Container<string>[], target: ComposeTarget): ComposeFile {
    if (!PROJECT_NAME.test(target.project)) {
        throw new Error(`${JSON.stringify(target.project)} is not a Compose project name (lowercase letters, digits, - and _)`);
    }
    const labels = escapedRecord(target.labels);
    const services: Record<string, ComposeService> = {};
    const volumes: Record<string, { labels: Record<string, string> }> = {};
    for (const c of containers) {
        const dataPath = target.dataPaths?.[c.name];
        if (dataPath !== undefined) {
            volumes[dataVolumeName(c.name)] = { labels };
        }
        const service = composeService(c, containers, target, labels, dataPath);
        if (c.load !== undefined) {
            if (dataPath === undefined) {
                throw new Error(`${c.name} loads a dataset but has no named volume for its data`);
            }
            services[c.load.name] = loaderService(c.load, dataVolumeName(c.name), labels);
            service.depends_on[c.load.name] = { condition: "service_completed_successfully" };
        }
        services[c.name] = service;
    }
    return { name: target.project, services, volumes, networks: { default: { labels } } };
}

/** The longest a container health check waits between runs on a local engine. */
export const LOCAL_CHECK_SECONDS = 2;

/**
 * ECS's interval on a local engine: at most {@link LOCAL_CHECK_SECONDS}, with as many more
 * retries as keep the time to "unhealthy" (interval × retries) at least ECS's. Engine 20.10 runs
 * the first check one interval after the start (`start_interval` needs Engine 25), and
 * `up --wait` and `service_healthy` wait for it: a 10 s interval made every `env up` on Docker
 * 8 s longer for nothing, a check being a process on the same host.
 */
export function localCheck(hc: { readonly intervalSeconds: number; readonly retries: number }): { interval: string; retries: number } {
    const interval = Math.min(hc.intervalSeconds, LOCAL_CHECK_SECONDS);
    return { interval: `${interval}s`, retries: Math.ceil((hc.retries * hc.intervalSeconds) / interval) };
}

function composeService(
    c: Container<string>,
    all: readonly Container<string>[],
    target: ComposeTarget,
    labels: Record<string, string>,
    dataPath: string | undefined,
): ComposeService {
    const port = target.ports[c.name];
    const environment: Record<string, string | null> = {};
    for (const { name, value } of c.environment) {
        environment[composeText(name)] = composeText(value);
    }
    for (const { name } of c.secrets) {
        environment[composeText(name)] = null; // its value comes from the process running Compose
    }
    const hc = c.healthCheck;
    return {
        image: composeText(`${c.repository}@${c.digest}`),
        environment,
        ...(hc === undefined
            ? {}
            : {
                  healthcheck: {
                      test: hc.command.map(composeText),
                      ...localCheck(hc),
                      timeout: `${hc.timeoutSeconds}s`,
                      start_period: `${hc.startPeriodSeconds}s`,
                  },
              }),
        ports: port === undefined ? [] : [{ target: c.port, published: String(port), host_ip: target.address, protocol: "tcp" }],
        read_only: c.storage.readonlyRootFilesystem,
        volumes: [
            ...c.storage.mountPoints.map((m) => ({ type: "volume" as const, target: m.containerPath })),
            ...(dataPath === undefined ? [] : [{ type: "volume" as const, source: dataVolumeName(c.name), target: dataPath }]),
        ],
        depends_on: Object.fromEntries(
            c.after.map((n) => [n, { condition: all.find((o) => o.name === n)?.healthCheck === undefined ? "service_started" : "service_healthy" }] as const),
        ),
        labels,
        restart: "unless-stopped",
        init: true,
    };
}

/** The dataset loader: the dataset image's own command, once, on the database's volume. */
function loaderService(load: NonNullable<Container<string>["load"]>, volume: string, labels: Record<string, string>): ComposeService {
    return {
        image: composeText(`${load.repository}@${load.digest}`),
        environment: Object.fromEntries(load.environment.map(({ name, value }) => [composeText(name), composeText(value)])),
        ports: [],
        read_only: true,
        volumes: [{ type: "volume", source: volume, target: load.dataPath }],
        depends_on: {},
        labels,
        restart: "no",
        init: true,
    };
}
