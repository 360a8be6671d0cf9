/**
 * An ephemeral environment's own graph database: seed 000 ties every version to a consistent
 * Neo4j dataset and wants environments isolated, so an environment of a version runs its own
 * disposable database (the image the team names in `vnv:ephemeral.database`) instead of
 * talking to dev's. Credentials are generated per environment and reach the database and its
 * clients only as ECS secrets (JSON keys of one Secrets Manager secret); the application's
 * startup import seeds the empty database.
 *
 * Pure module: no `@pulumi/*` import.
 */
import { type DatasetSpec, loaderName, type PinnedDataset } from "./datasets";
import { SNAPSHOT_LOGS } from "./ecsSnapshot";
import type { ServiceSpec } from "./service";

/** The environment variables a client of the database receives. */
export interface DatabaseVariables {
    /** `bolt://<name>:<port>`, plain. */
    readonly uri: string;
    /** `neo4j/<password>`, the form Neo4j itself reads (`NEO4J_AUTH`), as a secret. */
    readonly auth: string;
    readonly username: string;
    readonly password: string;
}

export interface DatabaseSpec {
    /** Service name, and the Service Connect name clients reach it by (`neo4j`). */
    readonly name: string;
    /** Image repository without tag (`docker.io/library/neo4j`). */
    readonly image: string;
    /** Its tag (`5.26.0-community`); resolved to a digest and pinned by `env up`. */
    readonly tag: string;
    /** Pinned digest (`sha256:…`). */
    readonly digest?: string;
    /** Bolt port. */
    readonly port: number;
    readonly cpu: number;
    readonly memory: number;
    /** Services that get the credentials (`neo-server`). */
    readonly clients: readonly string[];
    /** Names of the variables the clients receive. */
    readonly variables: DatabaseVariables;
    /** The dataset loaded into it before it starts (rules/datasets.ts); absent: it starts empty. */
    readonly dataset?: DatasetSpec;
}

/** Neo4j's initial user: the image only lets `NEO4J_AUTH` set the password of `neo4j`. */
export const DATABASE_USER = "neo4j";

export const DATABASE_DEFAULTS = {
    name: "neo4j",
    port: 7687,
    cpu: 1024,
    memory: 2048,
    variables: { uri: "NEO4J_URI", auth: "NEO4J_AUTH", username: "NEO4J_USERNAME", password: "NEO4J_PASSWORD" },
} as const;

/**
 * Why the database keeps a writable root file system (its exemption from Security Hub ECS.5).
 * The official image's entrypoint (neo4j/docker-neo4j, docker-image-src/5/coredb/docker-entrypoint.sh),
 * started as root as ECS starts it, runs `chown -R neo4j:neo4j /var/lib/neo4j` and then writes
 * the Docker defaults and every NEO4J_* setting into /var/lib/neo4j/conf/neo4j.conf; both fail on
 * a read-only root (bash -eu stops the container). Volumes for /data and /logs (the image's
 * VOLUMEs, the documented read-write mount points) would not help: /var/lib/neo4j holds the
 * binaries and the shipped neo4j.conf, and a Fargate volume over conf/ starts empty.
 */
export const DATABASE_WRITABLE_ROOT =
    "the official Neo4j image's entrypoint chowns /var/lib/neo4j and rewrites conf/neo4j.conf at every start (docker-entrypoint.sh), which a read-only root file system refuses";

/** The JSON keys of the credentials secret, per variable. */
export const SECRET_KEYS = { auth: "auth", username: "username", password: "password" } as const;

/** The credentials secret's value for `password`. */
export function credentialsDocument(password: string): string {
    return JSON.stringify({ [SECRET_KEYS.username]: DATABASE_USER, [SECRET_KEYS.password]: password, [SECRET_KEYS.auth]: `${DATABASE_USER}/${password}` });
}

/** The database's data directory in the official image (its VOLUME): a named volume on Docker. */
export const DATABASE_DATA_PATH = "/data";

/**
 * Which key of the credentials each service's variables read: the database gets `NEO4J_AUTH`
 * (the image reads `neo4j/<password>` at its first start), each client all three.
 */
export function databaseSecretKeys(spec: DatabaseSpec): Record<string, Record<string, keyof typeof SECRET_KEYS>> {
    const client = { [spec.variables.auth]: "auth", [spec.variables.username]: "username", [spec.variables.password]: "password" } as const;
    return {
        [spec.name]: { NEO4J_AUTH: "auth" },
        ...Object.fromEntries(spec.clients.map((c) => [c, { ...client }])),
    };
}

/** `vnv/v1-2-3-rc-1/neo4j-credentials`: where an operator finds an environment's database credentials. */
export function credentialsSecretName(project: string, environment: string, database: string): string {
    return `${project}/${environment}/${database}-credentials`;
}

/**
 * Every variable name the database owns: its configured names and the defaults. A renamed
 * variable does not let dev's value under the default name (dev's `NEO4J_AUTH`) through.
 */
export function databaseVariableNames(spec: DatabaseSpec): string[] {
    return [...new Set([...Object.values(spec.variables), ...Object.values(DATABASE_DEFAULTS.variables)])];
}

/**
 * The services without any value for the database's variables: whatever the dev configuration
 * gives them (dev's own database address and credentials) never reaches the environment.
 */
export function withoutDatabaseVariables(services: readonly ServiceSpec[], spec: DatabaseSpec): ServiceSpec[] {
    const names = new Set(databaseVariableNames(spec));
    const keep = (o: Readonly<Record<string, string>> | undefined) => Object.fromEntries(Object.entries(o ?? {}).filter(([k]) => !names.has(k)));
    return services.map((s) => ({ ...s, environment: keep(s.environment), secrets: keep(s.secrets) }));
}

/**
 * The database as one more service of the environment: internal (no route, no target group),
 * one task on FARGATE (a Spot interruption would lose the dataset the clients imported), its
 * own credentials as `NEO4J_AUTH` (added by the component from the generated secret). Clients
 * start after it is steady, so their startup import finds it listening.
 */
export function databaseService(spec: DatabaseSpec): ServiceSpec {
    return {
        // Bolt accepting the generated credentials, not just a running process: cypher-shell
        // ships in the image, and NEO4J_AUTH (neo4j/<password>) is in its environment.
        healthCheck: {
            command: [
                "CMD-SHELL",
                `cypher-shell -a bolt://localhost:${spec.port} -u ${DATABASE_USER} -p "\${NEO4J_AUTH#${DATABASE_USER}/}" "RETURN 1" || exit 1`,
            ],
            intervalSeconds: 10,
            timeoutSeconds: 10,
            retries: 6,
            startPeriodSeconds: 120,
        },
        // Two databases behind one Service Connect name during a rollout would split the data.
        oneAtATime: true,
        writableRoot: DATABASE_WRITABLE_ROOT,
        writablePaths: [],
        name: spec.name,
        image: spec.image,
        tag: spec.tag,
        ...(spec.digest === undefined ? {} : { digest: spec.digest }),
        port: spec.port,
        public: false,
        cpu: spec.cpu,
        memory: spec.memory,
        desiredCount: 1,
        capacity: "FARGATE",
    };
}

/** A client with the database's address; its credentials come as secrets from the component. */
export function withDatabaseClient(service: ServiceSpec, spec: DatabaseSpec): ServiceSpec {
    if (!spec.clients.includes(service.name)) {
        return service;
    }
    return {
        ...service,
        environment: {
            ...(service.environment ?? {}),
            [spec.variables.uri]: `bolt://${spec.name}:${spec.port}`,
            // A new database is an empty one: its clients restart with it, and import again.
            ...(spec.digest === undefined ? {} : { VNV_DATABASE_IMAGE: `${spec.image}@${spec.digest}` }),
            // Another dataset is another database: the clients restart with it too.
            ...(spec.dataset?.digest === undefined ? {} : { VNV_DATABASE_DATASET: `${spec.dataset.image}@${spec.dataset.digest}` }),
        },
        after: [...new Set([...(service.after ?? []), spec.name])],
    };
}

/** Problems of a database spec against the environment's services, each naming its field. */
export function databaseProblems(spec: DatabaseSpec, services: readonly ServiceSpec[], where: string): string[] {
    const problems: string[] = [];
    if (services.some((s) => s.name === spec.name)) {
        problems.push(`${where}.name: ${JSON.stringify(spec.name)} is already a service of the environment; name the database another way`);
    }
    if (services.some((s) => s.port === spec.port)) {
        problems.push(`${where}.port: ${spec.port} is used by a service of the environment`);
    }
    if (spec.dataset !== undefined && services.some((s) => s.name === loaderName(spec.name))) {
        problems.push(`${where}.dataset: a service is named ${loaderName(spec.name)}, the name of the database's dataset loader; rename it`);
    }
    if (spec.dataset !== undefined && (services.some((s) => s.name === SNAPSHOT_LOGS) || spec.name === SNAPSHOT_LOGS)) {
        problems.push(`${where}.dataset: a service is named ${SNAPSHOT_LOGS}, the name of the snapshot task's log group (rules/ecsSnapshot.ts); rename it`);
    }
    if (spec.clients.length === 0) {
        problems.push(`${where}.clients: name at least one service that uses the database`);
    }
    for (const c of spec.clients) {
        if (!services.some((s) => s.name === c)) {
            problems.push(`${where}.clients: ${JSON.stringify(c)} is not a service; services: ${services.map((s) => s.name).join(", ")}`);
        }
    }
    const names = Object.values(spec.variables);
    if (new Set(names).size !== names.length) {
        problems.push(`${where}.variables: each variable needs its own name, got ${names.join(", ")}`);
    }
    return problems;
}

/** The database's dataset when it is pinned (tag and digest), as an environment runs it. */
export function pinnedDataset(spec: Pick<DatabaseSpec, "dataset"> | undefined): PinnedDataset | undefined {
    const d = spec?.dataset;
    return d?.tag === undefined || d.digest === undefined ? undefined : { image: d.image, tag: d.tag, digest: d.digest };
}
