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
import { Reader, structured } from "./reader";
import { LOG_RETENTION_DAYS as LOG_RETENTION, ROLE_RULES } from "./roles";
import {
    readAuth,
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

/** Every image of the environment's version: the services', and the frontend's as `frontend`. */
export function imagesOf(settings: Pick<EnvironmentSettings, "services" | "frontend">): { name: string; image: string; tag?: string }[] {
    return [
        ...settings.services.map((s) => ({ name: s.name, image: s.image, ...(s.tag === undefined ? {} : { tag: s.tag }) })),
        ...(settings.frontend.image === undefined ? [] : [{ name: "frontend", image: settings.frontend.image }]),
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
    const services = readServices(r, raw.services, raw.digests, rules, role);
    const frontend = readFrontend(r, raw.frontend, rules, identity.version, raw.digests);
    const auth = readAuth(r, raw.auth, rules);
    const testPlatform = readTestPlatform(r, raw.testPlatform, rules);
    const registries = readRegistries(r, raw.registries);
    const ephemeral = readEphemeralPolicy(r, raw.ephemeral, rules, identity.hostname, context.project);

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
    };
}
