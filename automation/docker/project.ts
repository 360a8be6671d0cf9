/**
 * A version's environment as a Compose project: the containers ECS is given (rules/containers.ts)
 * plus what AWS provides and a Docker host does not, each named here:
 * - an S3 API (`vnv-s3`, the image dev's `vnv:ephemeral.docker.s3Image` pins) holding the
 *   frontend bucket, with its data in a named volume; the services get `AWS_ENDPOINT_URL` to it
 *   and generated keys (on ECS: the task role);
 * - the own database's data in a named volume (on Fargate the task's storage);
 * - ports: slot N publishes on firstPort + 10·N …, the default public service first.
 * Secrets are named, never written: their values are given to Compose's process (see engine.ts).
 */
import type { DockerPolicy } from "../../infra/settings/docker";
import { PORTS_PER_ENVIRONMENT } from "../../infra/settings/docker";
import type { EnvironmentSettings } from "../../infra/settings";
import { type ComposeFile, composeProject } from "../../rules/compose";
import { type Container, describeContainers } from "../../rules/containers";
import { DATABASE_DATA_PATH, databaseSecretKeys, pinnedDataset } from "../../rules/database";
import { datasetReference, LOADED_DATASET_LABEL } from "../../rules/datasets";
import type { EnvironmentMeta } from "../../rules/metadata";
import { UsageError } from "../errors";
import { composeProjectName, metaLabels } from "./labels";

/** The S3 API's service name, port and data path. */
export const S3_SERVICE = { name: "vnv-s3", port: 7070, dataPath: "/data" } as const;
/** The region S3 clients sign for (versitygw's default). */
export const S3_REGION = "us-east-1";
/** Variables only the Docker target gives the version's services (plain, then secret). */
export const DOCKER_VARIABLES = { plain: ["AWS_ENDPOINT_URL", "AWS_REGION"], secrets: ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] } as const;

export interface DockerProject {
    readonly project: string;
    readonly file: ComposeFile;
    /** The environment's URL: the default public service. */
    readonly url: string;
    /** Host port per published service (public services, then the S3 API). */
    readonly ports: Readonly<Record<string, number>>;
    /** Every secret variable a container reads, and where its value comes from. */
    readonly secrets: Readonly<Record<string, SecretSource>>;
    /** The version's containers as described (what ECS is given), without the Docker additions. */
    readonly described: readonly Container<string>[];
}

/** A secret's value: generated per environment (a key of the generated set), or configured (given to vnv at run time). */
export type SecretSource = { readonly generated: GeneratedKey } | { readonly configured: string };
export type GeneratedKey = "s3Access" | "s3Secret" | "dbUser" | "dbPassword" | "dbAuth";

/** The ports of the environment in `slot`: public services in order (the default one first), then the S3 API. */
export function portsOf(settings: EnvironmentSettings, policy: DockerPolicy, slot: number): Record<string, number> {
    const publics = settings.services.filter((s) => s.public ?? false);
    const ordered = [...publics.filter((s) => (s.paths ?? []).length === 0), ...publics.filter((s) => (s.paths ?? []).length > 0)];
    const names = [...ordered.map((s) => s.name), S3_SERVICE.name];
    if (names.length > PORTS_PER_ENVIRONMENT) {
        throw new UsageError(
            `the Docker target publishes at most ${PORTS_PER_ENVIRONMENT - 1} public services per environment; this one has ${ordered.length}`,
        );
    }
    const first = policy.firstPort + slot * PORTS_PER_ENVIRONMENT;
    if (first + PORTS_PER_ENVIRONMENT - 1 > 65535) {
        throw new UsageError(`slot ${slot} would publish beyond port 65535 (firstPort ${policy.firstPort}): lower vnv:ephemeral.docker.firstPort`);
    }
    return Object.fromEntries(names.map((n, i) => [n, first + i]));
}

/** The Compose project of `settings` (an ephemeral environment's, digests pinned) under `meta`. */
export function dockerProject(settings: EnvironmentSettings, meta: EnvironmentMeta, policy: DockerPolicy): DockerProject {
    const names = [...settings.services.map((s) => s.name), ...(settings.database === undefined ? [] : [settings.database.name])];
    if (names.includes(S3_SERVICE.name)) {
        throw new UsageError(`a service is named ${S3_SERVICE.name}, the name the Docker target gives its S3 API: rename it`);
    }
    const digests = Object.fromEntries(
        [...settings.services, ...(settings.database === undefined ? [] : [settings.database])].map((s) => {
            if (s.digest === undefined) {
                throw new Error(`${s.name} has no pinned digest: the Docker target runs images by digest only`);
            }
            return [s.name, s.digest];
        }),
    );
    const dbKeys = settings.database === undefined ? {} : databaseSecretKeys(settings.database);
    const targetSecrets = Object.fromEntries(
        Object.entries(dbKeys).map(([service, vars]) => [service, Object.fromEntries(Object.keys(vars).map((v) => [v, "generated"]))]),
    );
    const described = describeContainers<string>({
        version: settings.version,
        services: settings.services,
        ...(settings.database === undefined ? {} : { database: settings.database }),
        digests,
        frontendBucket: settings.frontend.bucketName,
        targetSecrets,
    });
    const ports = portsOf(settings, policy, meta.slot);
    const defaultService = settings.services.find((s) => (s.public ?? false) && (s.paths ?? []).length === 0);
    const url = `http://${policy.address}:${ports[defaultService?.name ?? S3_SERVICE.name]}`;
    const containers = [...described.map((c) => withS3Access(c, settings.database?.name)), s3Container(policy)];
    const file = composeProject(containers, {
        project: composeProjectName(settings.project, meta.stack),
        labels: { ...metaLabels(settings.project, meta, url), ...datasetLabel(settings) },
        address: policy.address,
        ports,
        dataPaths: { [S3_SERVICE.name]: S3_SERVICE.dataPath, ...(settings.database === undefined ? {} : { [settings.database.name]: DATABASE_DATA_PATH }) },
    });
    return { project: file.name, file, url, ports, secrets: secretSources(containers, dbKeys), described };
}

/** The dataset the environment's database was made from, on every object (target.ts keptDataset). */
function datasetLabel(settings: EnvironmentSettings): Record<string, string> {
    const d = pinnedDataset(settings.database);
    return d === undefined ? {} : { [LOADED_DATASET_LABEL]: datasetReference(d) };
}

/** A version's service, given the S3 API (the database is not a client of it). */
function withS3Access(c: Container<string>, database: string | undefined): Container<string> {
    if (c.name === database) {
        return c;
    }
    const environment = [
        ...c.environment,
        { name: "AWS_ENDPOINT_URL", value: `http://${S3_SERVICE.name}:${S3_SERVICE.port}` },
        { name: "AWS_REGION", value: S3_REGION },
    ];
    const secrets = [...c.secrets, { name: "AWS_ACCESS_KEY_ID", from: "generated" }, { name: "AWS_SECRET_ACCESS_KEY", from: "generated" }];
    const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    return { ...c, environment: environment.sort(byName), secrets: secrets.sort(byName) };
}

/** The S3 API: its image's own command (`versitygw posix /data`), root keys as secrets, its data in a named volume. */
function s3Container(policy: DockerPolicy): Container<string> {
    const [repository, digest] = policy.s3Image.split("@") as [string, string];
    return {
        name: S3_SERVICE.name,
        repository,
        digest,
        environment: [],
        secrets: [
            { name: "ROOT_ACCESS_KEY", from: "generated" },
            { name: "ROOT_SECRET_KEY", from: "generated" },
        ],
        port: S3_SERVICE.port,
        public: false,
        healthCheckPath: "/",
        after: [],
        storage: { readonlyRootFilesystem: true, volumes: [], mountPoints: [] },
        oneAtATime: true,
    };
}

/** Where each secret variable's value comes from; one name, one value across the project. */
function secretSources(containers: readonly Container<string>[], dbKeys: Record<string, Record<string, string>>): Record<string, SecretSource> {
    const generated: Record<string, GeneratedKey> = {
        AWS_ACCESS_KEY_ID: "s3Access",
        AWS_SECRET_ACCESS_KEY: "s3Secret",
        ROOT_ACCESS_KEY: "s3Access",
        ROOT_SECRET_KEY: "s3Secret",
    };
    const dbKey: Record<string, GeneratedKey> = { auth: "dbAuth", username: "dbUser", password: "dbPassword" };
    for (const vars of Object.values(dbKeys)) {
        for (const [variable, key] of Object.entries(vars)) {
            generated[variable] = dbKey[key]!;
        }
    }
    const sources: Record<string, SecretSource> = {};
    for (const c of containers) {
        for (const { name, from } of c.secrets) {
            const source: SecretSource = generated[name] !== undefined && from === "generated" ? { generated: generated[name] } : { configured: from };
            const known = sources[name];
            if (known !== undefined && JSON.stringify(known) !== JSON.stringify(source)) {
                throw new UsageError(
                    `the secret ${name} has two sources in this environment; on Docker one name holds one value: give both services the same source or rename one`,
                );
            }
            sources[name] = source;
        }
    }
    return sources;
}
