/** Reads the stack's Pulumi configuration once into typed settings. The only config reader. */
import * as pulumi from "@pulumi/pulumi";
import { type EnvironmentSettings, parseSettings, type RawSettings } from "./settings";

/**
 * All `<project>:*` keys of the stack's configuration as the engine gives them (strings; objects
 * and lists as JSON text, which the settings readers of objects and lists accept), so that
 * unknown keys (typos) are reported instead of ignored.
 */
export function readRawConfig(project: string = pulumi.getProject()): RawSettings {
    const all = pulumi.runtime.allConfig();
    const raw: Record<string, unknown> = {};
    for (const [fullKey, value] of Object.entries(all)) {
        const [ns, key] = splitKey(fullKey);
        if (ns !== project || key === undefined) {
            continue;
        }
        raw[key] = value;
    }
    return raw;
}

function splitKey(fullKey: string): [string, string | undefined] {
    const i = fullKey.indexOf(":");
    return i < 0 ? [fullKey, undefined] : [fullKey.slice(0, i), fullKey.slice(i + 1)];
}

/** The stack's settings: Pulumi config plus `aws:region`. */
export function loadSettings(): EnvironmentSettings {
    const project = pulumi.getProject();
    return parseSettings(readRawConfig(project), { project, region: new pulumi.Config("aws").get("region") });
}
