/**
 * The values of a Docker environment's secrets, given to its containers at run time (never
 * written into the Compose file): configured ones from the user (rules in cli/dockerDriver.ts),
 * generated ones (the S3 API's keys, the database's password) new for a new environment and
 * carried over from its running containers otherwise, so an update keeps the data readable.
 */
import { randomBytes } from "node:crypto";
import { DATABASE_USER } from "../../rules/database";
import type { DockerEngine } from "./engine";
import { type DockerProject, type GeneratedKey, S3_SERVICE } from "./project";
import type { DockerEnvironment } from "./target";

export interface SecretSources {
    readonly engine: DockerEngine;
    /** Values of configured secrets by variable name; throws a UsageError naming the missing ones. */
    readonly configuredSecrets: (names: readonly string[]) => Record<string, string>;
}

/** Every secret's value: configured ones as given, generated ones carried over from the running containers, else new. */
export async function secretValues(
    cfg: SecretSources,
    project: DockerProject,
    existing: DockerEnvironment | undefined,
    database: string | undefined,
    options: { carryConfigured?: boolean } = {},
): Promise<Record<string, string>> {
    const configured = Object.entries(project.secrets).flatMap(([name, s]) => ("configured" in s ? [name] : []));
    const running = options.carryConfigured && existing !== undefined ? await runningValues(cfg.engine, existing, configured) : {};
    const given = { ...running, ...cfg.configuredSecrets(configured.filter((n) => running[n] === undefined)) };
    const carried = existing === undefined ? {} : await carriedSecrets(cfg.engine, existing, database);
    const password = carried.dbPassword ?? randomBytes(24).toString("hex");
    const generated: Record<GeneratedKey, string> = {
        s3Access: carried.s3Access ?? `vnv${randomBytes(8).toString("hex")}`,
        s3Secret: carried.s3Secret ?? randomBytes(24).toString("hex"),
        dbUser: DATABASE_USER,
        dbPassword: password,
        dbAuth: `${DATABASE_USER}/${password}`,
    };
    return Object.fromEntries(Object.entries(project.secrets).map(([name, s]) => [name, "generated" in s ? generated[s.generated] : given[name]!]));
}

/** The values the running containers hold for `names` (an extension keeps what runs). */
async function runningValues(engine: DockerEngine, existing: DockerEnvironment, names: readonly string[]): Promise<Record<string, string>> {
    const values: Record<string, string> = {};
    for (const c of existing.objects.filter((o) => o.kind === "container")) {
        const env = await engine.containerEnv(c.id);
        for (const n of names.filter((x) => env[x] !== undefined)) {
            values[n] = env[n]!;
        }
    }
    return values;
}

async function carriedSecrets(engine: DockerEngine, existing: DockerEnvironment, database: string | undefined): Promise<Partial<Record<GeneratedKey, string>>> {
    const envOf = async (service: string | undefined): Promise<Record<string, string>> => {
        const c = existing.objects.find((o) => o.kind === "container" && o.service === service);
        return c === undefined ? {} : engine.containerEnv(c.id);
    };
    const s3 = await envOf(S3_SERVICE.name);
    const db: Record<string, string> = database === undefined ? {} : await envOf(database);
    const auth = db.NEO4J_AUTH;
    return {
        ...(s3.ROOT_ACCESS_KEY === undefined ? {} : { s3Access: s3.ROOT_ACCESS_KEY }),
        ...(s3.ROOT_SECRET_KEY === undefined ? {} : { s3Secret: s3.ROOT_SECRET_KEY }),
        ...(auth?.startsWith(`${DATABASE_USER}/`) ? { dbPassword: auth.slice(DATABASE_USER.length + 1) } : {}),
    };
}
