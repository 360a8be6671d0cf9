/** Settings of the committed stacks, and an ephemeral one derived from dev the way the automation does. */
import { ephemeralFromDev } from "../infra/ephemeral";
import { parseSettings, type EnvironmentSettings, type RawSettings } from "../infra/settings";
import { readStackFile } from "../infra/stackFile";

export function stackSettings(stack: "dev" | "prod", overrides: RawSettings = {}): EnvironmentSettings {
    const { raw, region } = readStackFile(stack);
    return parseSettings({ ...raw, ...overrides }, { project: "vnv", region });
}

/** The dev configuration turned ephemeral for `version`: what `env up` will build in code. */
export function ephemeralRaw(version: string, overrides: RawSettings = {}): RawSettings {
    return { ...ephemeralFromDev(readStackFile("dev").raw, { version, platformStack: "organization/vnv/dev", slot: 3 }), ...overrides };
}

export function ephemeralSettings(version: string = "v1.2.3-rc.1", overrides: RawSettings = {}): EnvironmentSettings {
    return parseSettings(ephemeralRaw(version, overrides), { project: "vnv", region: readStackFile("dev").region });
}
