/** Reads the stack's Pulumi configuration once into typed settings. The only config reader. */
import * as pulumi from "@pulumi/pulumi";
import { parseSettings, type EnvironmentSettings, type RawSettings } from "./settings";

/** Keys whose values are structured (objects or lists) in Pulumi.<stack>.yaml. */
const STRUCTURED = new Set<string>(["network", "services", "ingress", "frontend", "auth"]);

/**
 * All `<project>:*` keys of the stack's configuration, structured ones parsed from JSON,
 * so that unknown keys (typos) are reported instead of ignored.
 */
export function readRawConfig(project: string = pulumi.getProject()): RawSettings {
    const all = pulumi.runtime.allConfig();
    const raw: Record<string, unknown> = {};
    for (const [fullKey, value] of Object.entries(all)) {
        const [ns, key] = splitKey(fullKey);
        if (ns !== project || key === undefined) {
            continue;
        }
        raw[key] = STRUCTURED.has(key) ? parseStructured(fullKey, value) : value;
    }
    return raw;
}

function splitKey(fullKey: string): [string, string | undefined] {
    const i = fullKey.indexOf(":");
    return i < 0 ? [fullKey, undefined] : [fullKey.slice(0, i), fullKey.slice(i + 1)];
}

function parseStructured(key: string, value: string): unknown {
    try {
        return JSON.parse(value);
    } catch {
        throw new Error(`${key}: expected an object or list in the stack configuration, got ${JSON.stringify(value)}`);
    }
}

/** The stack's settings: Pulumi config plus `aws:region`. */
export function loadSettings(): EnvironmentSettings {
    const project = pulumi.getProject();
    return parseSettings(readRawConfig(project), { project, region: new pulumi.Config("aws").get("region") });
}

