/**
 * Settings of the committed stacks, as a deploy runs them: prod and dev pinned the way
 * `release check --stack <stack> --pin` leaves them, an ephemeral one derived from dev with the
 * digests `env up` found. `handRunSettings` is a hand-run `pulumi up` without pins.
 */
import { createHash } from "node:crypto";
import { parseVersion } from "../rules/versions";
import { ephemeralFromDev } from "../infra/ephemeral";
import { strict as assert } from "node:assert";
import { type EnvironmentSettings, parseSettings, type RawSettings, SettingsError } from "../infra/settings";
import { readStackFile } from "../infra/stackFile";

/** The digest the test registry (and the mocks' `getRegistryImage`) answers for `image:tag`. */
export function digestOf(reference: string): string {
    return `sha256:${createHash("sha256").update(reference).digest("hex")}`;
}

/**
 * service → digest of every image of `raw`'s services at `version`: what `release check` pins;
 * with `database`, also the own database of the ephemeral environments `raw` (dev) derives, as `env up` pins it.
 */
export function checkedDigests(raw: RawSettings, version: string, options: { database?: boolean } = {}): Record<string, string> {
    const services = raw.services as { name: string; image: string; tag?: string }[];
    const frontend = (raw.frontend as { image?: string } | undefined)?.image;
    const database = options.database ? (raw.ephemeral as { database?: { name?: string; image: string; tag: string } } | undefined)?.database : undefined;
    return Object.fromEntries([
        ...services.map((s) => [s.name, digestOf(`${s.image}:${s.tag ?? version}`)]),
        ...(frontend === undefined ? [] : [["frontend", digestOf(`${frontend}:${version}`)]]),
        ...(database === undefined ? [] : [[database.name ?? "neo4j", digestOf(`${database.image}:${database.tag}`)]]),
    ]);
}

/** A committed stack pinned by `release check --pin` (its own version unless overridden). */
export function stackSettings(stack: "dev" | "prod", overrides: RawSettings = {}): EnvironmentSettings {
    const { raw, region } = readStackFile(stack);
    const merged = { ...raw, ...overrides };
    return parseSettings({ digests: checkedDigests(merged, String(merged.version)), ...merged }, { project: "vnv", region });
}

/** A committed stack as a hand-run `pulumi up` without pins sees it (`digests` only if given). */
export function handRunSettings(stack: "dev" | "prod", overrides: RawSettings = {}): EnvironmentSettings {
    const { raw, region } = readStackFile(stack);
    return parseSettings({ ...raw, ...overrides }, { project: "vnv", region });
}

/** The dev configuration turned ephemeral for `version`: what `env up` will build in code. */
export function ephemeralRaw(version: string, overrides: RawSettings = {}): RawSettings {
    const dev = readStackFile("dev").raw;
    const digests = checkedDigests(dev, parseVersion(version).canonical, { database: true });
    return { ...ephemeralFromDev(dev, { version, platformStack: "organization/vnv/dev", slot: 3, digests }), ...overrides };
}

export function ephemeralSettings(version: string = "v1.2.3-rc.1", overrides: RawSettings = {}): EnvironmentSettings {
    return parseSettings(ephemeralRaw(version, overrides), { project: "vnv", region: readStackFile("dev").region });
}

/** The problems of the SettingsError `fn` throws (fails when it throws none, rethrows any other error). */
export function problemsOf(fn: () => unknown): string[] {
    try {
        fn();
    } catch (e) {
        if (e instanceof SettingsError) {
            return [...e.problems];
        }
        throw e;
    }
    assert.fail("expected a SettingsError");
}

/** The stack file's services with `change` applied to the one named `name`. */
export function servicesWith(stack: "dev" | "prod", name: string, change: Record<string, unknown>): Record<string, unknown>[] {
    const services = structuredClone(readStackFile(stack).raw.services) as Record<string, unknown>[];
    const i = services.findIndex((s) => s.name === name);
    assert.ok(i >= 0, name);
    services[i] = { ...services[i], ...change };
    return services;
}
