/**
 * One description of a version's containers, from which both targets are rendered: the ECS
 * task definitions (components/ecsServices.ts) and the Docker Compose project
 * (rules/compose.ts). What runs on Docker is what ECS is given: image by digest, variables
 * (vnv's own four included), secrets by name, health check, port, name, start order, storage.
 * test/containers.agree.test.ts holds the two renderings to each other.
 *
 * The description is generic over `V`, the type of a value known only when the target runs
 * (a Pulumi Output on ECS, a string on Docker), so both renderings share it unchanged.
 *
 * Pure module: no `@pulumi/*` import.
 */
import { containerStorage, type ContainerStorage } from "./containerStorage";
import { DATABASE_DATA_PATH, type DatabaseSpec, databaseService, withDatabaseClient, withoutDatabaseVariables } from "./database";
import { datasetEnvironment, loaderName } from "./datasets";
import type { ContainerHealthCheck, ServiceSpec } from "./service";

/** The variables vnv gives every container (rules/service.ts refuses them in configuration). */
export const VNV_VARIABLES = ["RELEASE_VERSION", "IMAGE_TAG", "IMAGE_DIGEST", "FRONTEND_BUCKET"] as const;

export interface Container<V> {
    /** Service name: also the name other services reach it by (Service Connect, Compose's network). */
    readonly name: string;
    /** Image repository without tag; the container runs `repository@digest`. */
    readonly repository: string;
    readonly digest: V | string;
    /** Plain variables, sorted by name, vnv's own included. */
    readonly environment: readonly { readonly name: string; readonly value: V | string }[];
    /** Secret variables by name, sorted: where each value comes from is the target's (an ARN on ECS). */
    readonly secrets: readonly { readonly name: string; readonly from: V | string }[];
    readonly port: number;
    readonly public: boolean;
    /** The path a public service answers its health on. */
    readonly healthCheckPath: string;
    readonly healthCheck?: ContainerHealthCheck;
    /** Services started before this one, once they are steady (healthy, when they have a health check). */
    readonly after: readonly string[];
    /** A read-only root and the paths the image writes to (Security Hub ECS.5). */
    readonly storage: ContainerStorage;
    /** Never two at once (a database). */
    readonly oneAtATime: boolean;
    /** A database's dataset: loaded into its data path before it starts (rules/datasets.ts). */
    readonly load?: DatasetLoad;
}

/**
 * The container that loads a dataset: the dataset image, run once to success before the
 * database starts, with the database's data path mounted (a task volume on ECS, the database's
 * named volume on Docker). Its own command loads, or does nothing when the data path holds a
 * dataset already (rules/datasets.ts).
 */
export interface DatasetLoad {
    /** `neo4j-dataset`. */
    readonly name: string;
    readonly repository: string;
    readonly digest: string;
    /** The dataset's version (its tag). */
    readonly tag: string;
    readonly environment: readonly { readonly name: string; readonly value: string }[];
    /** The data path both containers mount. */
    readonly dataPath: string;
}

export interface DescribeInput<V> {
    /** Canonical version: RELEASE_VERSION, and IMAGE_TAG unless the service has a tag of its own. */
    readonly version: string;
    /** The services as configured (without the environment's own database). */
    readonly services: readonly ServiceSpec[];
    /** The environment's own database, run as one more service. */
    readonly database?: DatabaseSpec;
    /** `sha256:…` per service (pinned, or resolved by the target). */
    readonly digests: Readonly<Record<string, V | string>>;
    /** The environment's frontend bucket: FRONTEND_BUCKET. */
    readonly frontendBucket: V | string;
    /** Secrets only the target knows (an own database's credentials): service → variable → source. */
    readonly targetSecrets?: Readonly<Record<string, Readonly<Record<string, V | string>>>>;
}

/**
 * The services an environment runs: the configured ones (with the own database's variables
 * taken away and given by the database instead) and the database itself.
 */
export function environmentServices(services: readonly ServiceSpec[], database: DatabaseSpec | undefined): ServiceSpec[] {
    if (database === undefined) {
        return [...services];
    }
    return [...withoutDatabaseVariables(services, database).map((s) => withDatabaseClient(s, database)), databaseService(database)];
}

/** Every container of the environment, in start order (each after those it waits for). */
export function describeContainers<V>(input: DescribeInput<V>): Container<V>[] {
    const containers = startOrder(environmentServices(input.services, input.database)).map((spec) => describeContainer(spec, input));
    return withDatasetLoad(containers, input.database);
}

/** The containers with the database's dataset loader attached to the database's (ECS gets its services merged already). */
export function withDatasetLoad<V>(containers: readonly Container<V>[], database: DatabaseSpec | undefined): Container<V>[] {
    const load = datasetLoad(database);
    return load === undefined ? [...containers] : containers.map((c) => (c.name === database?.name ? { ...c, load } : c));
}

/** The loader of the database's dataset, when it has one (pinned by digest, as every image). */
function datasetLoad(database: DatabaseSpec | undefined): DatasetLoad | undefined {
    const dataset = database?.dataset;
    if (database === undefined || dataset === undefined) {
        return undefined;
    }
    const { tag, digest } = dataset;
    if (tag === undefined || digest === undefined) {
        throw new Error(`the dataset ${dataset.image}:${tag ?? "?"} is not pinned (tag and digest): every container runs its image by digest`);
    }
    return {
        name: loaderName(database.name),
        repository: dataset.image,
        digest,
        tag,
        environment: datasetEnvironment({ image: dataset.image, tag, digest }, DATABASE_DATA_PATH),
        dataPath: DATABASE_DATA_PATH,
    };
}

function describeContainer<V>(spec: ServiceSpec, input: DescribeInput<V>): Container<V> {
    const digest = input.digests[spec.name];
    if (digest === undefined) {
        throw new Error(`no digest for ${spec.name}: every container runs its image by digest`);
    }
    const environment: Record<string, V | string> = {
        ...(spec.environment ?? {}),
        RELEASE_VERSION: input.version,
        IMAGE_TAG: spec.tag ?? input.version,
        IMAGE_DIGEST: digest,
        FRONTEND_BUCKET: input.frontendBucket,
    };
    const secrets: Record<string, V | string> = { ...(spec.secrets ?? {}), ...(input.targetSecrets?.[spec.name] ?? {}) };
    return {
        name: spec.name,
        repository: spec.image,
        digest,
        environment: sortedEntries(environment).map(([name, value]) => ({ name, value })),
        // The orders task definitions have always had: a new order would be a new revision of each.
        secrets: Object.entries(secrets)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([name, from]) => ({ name, from })),
        port: spec.port,
        public: spec.public ?? false,
        healthCheckPath: spec.healthCheckPath ?? "/health",
        ...(spec.healthCheck === undefined ? {} : { healthCheck: spec.healthCheck }),
        after: [...(spec.after ?? [])],
        storage: containerStorage(spec),
        oneAtATime: spec.oneAtATime ?? false,
    };
}

/** By name, in code-point order. */
function sortedEntries<T>(record: Readonly<Record<string, T>>): [string, T][] {
    return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The services in an order where each comes after those it waits for (`after`; checked acyclic by serviceProblems). */
export function startOrder<S extends { readonly name: string; readonly after?: readonly string[] }>(services: readonly S[]): S[] {
    const out: S[] = [];
    const placed = new Set<string>();
    const place = (s: S): void => {
        if (placed.has(s.name)) {
            return;
        }
        placed.add(s.name);
        for (const n of s.after ?? []) {
            const other = services.find((o) => o.name === n);
            if (other !== undefined) {
                place(other);
            }
        }
        out.push(s);
    };
    services.forEach(place);
    return out;
}
