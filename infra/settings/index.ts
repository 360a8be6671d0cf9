/**
 * The typed, validated settings of one environment, built from raw configuration values.
 *
 * `infra/config.ts` feeds it Pulumi config (`vnv:*` keys) for `pulumi up`; the automation feeds
 * it values built in code for ephemeral stacks. Every problem names its key (`vnv:services[1].port`),
 * the value and what is allowed, and all problems are reported at once. The sections are read
 * one at a time (sections.ts), the role's rules come from one table (roles.ts).
 *
 * A schema library (zod 4) was weighed: the configuration arrives as strings from the engine
 * (`"30"`, `"true"`, JSON text) and every message must name the `vnv:` key, the value and what is
 * allowed; that is a custom coercion and a custom message per field in zod too, so the small
 * Reader stays and the sections stay plain functions.
 *
 * No `@pulumi/*` import: parsing is tested on its own.
 */
import { albIdleProblems } from "../../rules/connections";
import { type DatabaseSpec, databaseVariableNames } from "../../rules/database";
import { anonymousPullProblems, readAlerts, readWorkingHours } from "./operations";
import { Reader, structured } from "./reader";
import { LOG_RETENTION_DAYS as LOG_RETENTION, ROLE_RULES } from "./roles";
import {
    readAuth,
    readDatabase,
    readEphemeralPolicy,
    readFrontend,
    readIdentity,
    readIngress,
    readNetwork,
    readRegistries,
    readServices,
    readTestPlatform,
} from "./sections";
import { type EnvironmentSettings, ROLES, type RawSettings, SETTING_KEYS, SettingsError } from "./types";

export { DEFAULTS, LOG_RETENTION_DAYS, ROLE_RULES, type RoleRules } from "./roles";

/** Every image of the environment's version: the services', the frontend's as `frontend`, the own database's. */
export function imagesOf(settings: Pick<EnvironmentSettings, "services" | "frontend" | "database">): { name: string; image: string; tag?: string }[] {
    const db = settings.database;
    return [
        ...settings.services.map((s) => ({ name: s.name, image: s.image, ...(s.tag === undefined ? {} : { tag: s.tag }) })),
        ...(settings.frontend.image === undefined ? [] : [{ name: "frontend", image: settings.frontend.image }]),
        ...(db === undefined ? [] : [{ name: db.name, image: db.image, tag: db.tag }]),
    ];
}
export * from "./types";

/**
 * Builds settings from raw values; throws {@link SettingsError} listing every problem.
 * @param given values by key without namespace (`role`, `services`, …), parsed or as the engine gives them
 * @param context the project (`vnv`), its config namespace and the AWS region
 */
export function parseSettings(given: RawSettings, context: { project: string; region: string | undefined; namespace?: string }): EnvironmentSettings {
    const r = new Reader(context.namespace ?? context.project);
    const raw: RawSettings = Object.fromEntries(Object.entries(given).map(([k, v]) => [k, structured(v)]));
    for (const k of Object.keys(raw)) {
        if (!(SETTING_KEYS as readonly string[]).includes(k)) {
            r.fail(k, `unknown key; known keys: ${SETTING_KEYS.join(", ")}`);
        }
    }
    const role = r.oneOf(raw.role, "role", ROLES) ?? "dev";
    const rules = ROLE_RULES[role];

    const identity = readIdentity(r, raw, role, rules, context.region);
    const { given: _given, ...network } = readNetwork(r, raw.network);
    const ingress = readIngress(r, raw.ingress, rules, { publicSubnetIds: network.publicSubnetIds, given: _given });
    const capacity = r.oneOf(raw.capacity, "capacity", ["FARGATE", "FARGATE_SPOT"] as const, rules.capacity) ?? rules.capacity;
    const logRetentionDays = r.integer(raw.logRetentionDays, "logRetentionDays", 1, 3653, rules.logRetentionDays) ?? rules.logRetentionDays;
    if (!LOG_RETENTION.includes(logRetentionDays)) {
        r.fail("logRetentionDays", `expected one of CloudWatch's values ${LOG_RETENTION.join(", ")}, got ${logRetentionDays}`);
    }
    const databaseName = typeof raw.database === "object" && raw.database !== null ? String((raw.database as { name?: unknown }).name ?? "neo4j") : undefined;
    const services = readServices(r, raw.services, raw.digests, rules, role, databaseName);
    const database = readOwnDatabase(r, raw, rules, services);
    const frontend = readFrontend(r, raw.frontend, rules, identity.version, raw.digests);
    const auth = readAuth(r, raw.auth, rules);
    const testPlatform = readTestPlatform(r, raw.testPlatform, rules);
    const registries = readRegistries(r, raw.registries);
    const ephemeral = readEphemeralPolicy(r, raw.ephemeral, rules, identity.hostname, context.project, services);
    const alerts = readAlerts(r, raw.alerts, rules.alarms);
    const exec = r.boolean(raw.exec, "exec", rules.exec);
    const workingHours = readWorkingHours(r, raw.workingHours, role);
    for (const p of albIdleProblems(services, ingress.mode === "dedicated" ? ingress.idleTimeout : undefined, r.key("ingress.idleTimeout"))) {
        r.problems.push(p);
    }
    for (const p of anonymousPullProblems(pulledImages(services, database, ephemeral?.database), registries)) {
        r.fail(p.at, p.message);
    }

    if (r.problems.length > 0) {
        throw new SettingsError(r.problems);
    }
    return {
        project: context.project,
        role,
        ...identity,
        network,
        services,
        capacity,
        logRetentionDays,
        ingress,
        frontend,
        auth,
        testPlatform,
        registries,
        ephemeral,
        ...(database === undefined ? {} : { database }),
        alarms: rules.alarms,
        ...(alerts === undefined ? {} : { alerts }),
        exec,
        ...(workingHours === undefined ? {} : { workingHours }),
    };
}

/** Every image Fargate pulls for the environment (and, for dev, for its ephemeral environments), with its key. */
function pulledImages(services: EnvironmentSettings["services"], database: DatabaseSpec | undefined, ephemeralDatabase: DatabaseSpec | undefined) {
    const ofDatabase = (db: DatabaseSpec | undefined, at: string) =>
        db === undefined
            ? []
            : [{ at: `${at}.image`, image: db.image }, ...(db.dataset === undefined ? [] : [{ at: `${at}.dataset.image`, image: db.dataset.image }])];
    return [
        ...services.map((s, i) => ({ at: `services[${i}].image`, image: s.image })),
        ...ofDatabase(database, "database"),
        ...ofDatabase(ephemeralDatabase, "ephemeral.database"),
    ];
}

/**
 * The environment's own database: only an ephemeral environment runs one, and then no service
 * may carry a value of its own for the database's variables (it would reach another
 * environment's database, dev's most likely).
 */
function readOwnDatabase(r: Reader, raw: RawSettings, rules: (typeof ROLE_RULES)[keyof typeof ROLE_RULES], services: EnvironmentSettings["services"]) {
    if (!rules.ownDatabase) {
        if (raw.database !== undefined) {
            r.fail(
                "database",
                "only an ephemeral environment runs its own database; dev and prod keep the database their services are configured with (ephemeral environments take theirs from dev's vnv:ephemeral.database)",
            );
        }
        return undefined;
    }
    const database = readDatabase(r, raw.database, "database", services, raw.digests);
    const dataset = database?.dataset;
    if (dataset !== undefined && (dataset.tag === undefined || dataset.digest === undefined)) {
        r.fail("database.dataset", "the dataset an environment runs is pinned, tag and digest, as `vnv env up` writes it");
    }
    if (database !== undefined) {
        const names = databaseVariableNames(database);
        services.forEach((s, i) => {
            for (const [kind, values] of [
                ["environment", s.environment],
                ["secrets", s.secrets],
            ] as const) {
                for (const key of Object.keys(values ?? {}).filter((k) => names.includes(k))) {
                    r.fail(`services[${i}].${kind}.${key}`, `the environment's own database provides ${key}; a value given here would reach another database`);
                }
            }
        });
    }
    return database;
}
