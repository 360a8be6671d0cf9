/**
 * Ephemeral settings from the dev stack's configuration: the same services, images, network
 * and domain, with what makes an environment ephemeral changed and every dev-only choice
 * (host, dedicated ingress, test platform, log retention, capacity, bucket prefix, ownership of
 * the redirect list) dropped so the ephemeral role's defaults apply.
 *
 * No `@pulumi/*` import.
 */
import { DATABASE_DEFAULTS } from "../rules/database";
import type { Capacity } from "../rules/service";
import type { RawSettings } from "./settings";

export interface EphemeralOptions {
    readonly version: string;
    /** The dev stack the shared ingress comes from (`organization/vnv/dev`). */
    readonly platformStack: string;
    /** Slot on the shared listener (see Ingress). */
    readonly slot: number;
    /** @default "FARGATE_SPOT" (the ephemeral role's default) */
    readonly capacity?: Capacity;
    /** Per-service digests resolved beforehand (`release check`), pinned as is. */
    readonly digests?: Readonly<Record<string, string>>;
    /** The own database's dataset, resolved beforehand (or kept), pinned whole; absent: the database starts empty. */
    readonly dataset?: { readonly image: string; readonly tag: string; readonly digest: string };
}

const DEV_ONLY = ["hostname", "ingress", "testPlatform", "logRetentionDays", "capacity", "role", "version", "ephemeral", "digests", "alerts"];

export function ephemeralFromDev(dev: RawSettings, options: EphemeralOptions): RawSettings {
    const raw: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(dev)) {
        if (!DEV_ONLY.includes(k)) {
            raw[k] = structuredClone(v);
        }
    }
    if (isObject(raw.frontend)) {
        const { bucketPrefix: _p, retain: _r, digest: _d, ...frontend } = raw.frontend;
        const digest = options.digests?.frontend;
        raw.frontend = digest === undefined ? frontend : { ...frontend, digest };
    }
    if (isObject(raw.auth)) {
        const { manageRedirects: _m, applicationId: _a, ...auth } = raw.auth;
        raw.auth = auth;
    }
    // The environment's own database, when dev names one; what dev gives its services for the
    // database's variables (dev's database address and credentials) stays behind.
    const database = isObject(dev.ephemeral) && isObject(dev.ephemeral.database) ? structuredClone(dev.ephemeral.database) : undefined;
    const databaseVariables = database === undefined ? [] : variableNames(database);
    if (Array.isArray(raw.services)) {
        raw.services = raw.services.map((s: unknown) => {
            if (!isObject(s)) {
                return s;
            }
            const { desiredCount: _d, ...service } = s;
            for (const key of ["environment", "secrets"]) {
                const values = service[key];
                if (isObject(values)) {
                    service[key] = Object.fromEntries(Object.entries(values).filter(([k]) => !databaseVariables.includes(k)));
                }
            }
            const digest = typeof service.name === "string" ? options.digests?.[service.name] : undefined;
            return digest === undefined ? service : { ...service, digest };
        });
    }
    if (database !== undefined) {
        const { digest: _d, dataset: _policy, ...rest } = database;
        const digest = options.digests?.[typeof database.name === "string" ? database.name : DATABASE_DEFAULTS.name];
        // dev names the datasets' repository; the environment runs the one chosen (or kept) for it, pinned whole.
        const pinned = options.dataset === undefined ? {} : { dataset: { ...options.dataset } };
        raw.database = { ...rest, ...(digest === undefined ? {} : { digest }), ...pinned };
    }
    return {
        ...raw,
        role: "ephemeral",
        version: options.version,
        // The test platform's ALB is made with dev's address type (infra/environment.ts).
        ingress: {
            mode: "shared",
            platformStack: options.platformStack,
            slot: options.slot,
            dualstack: isObject(dev.ingress) && dev.ingress.ipAddressType === "dualstack",
        },
        ...(options.capacity !== undefined ? { capacity: options.capacity } : {}),
    };
}

/** The variable names an own database provides: its configured names and the defaults (rules/database.ts). */
function variableNames(database: Record<string, unknown>): string[] {
    const given = isObject(database.variables) ? database.variables : {};
    // The defaults too: a renamed variable must not let dev's value under the default name through.
    return [...Object.values(given).filter((v): v is string => typeof v === "string"), ...Object.values(DATABASE_DEFAULTS.variables)];
}

function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}
