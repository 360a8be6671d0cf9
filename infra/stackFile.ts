/**
 * Reads a stack's configuration file (`Pulumi.<stack>.yaml`) into raw settings without the
 * Pulumi engine: the automation builds ephemeral settings from the dev file this way, and the
 * tests check that the committed files make valid environments.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import type { RawSettings } from "./settings";

export interface StackFile {
    readonly raw: RawSettings;
    readonly region: string | undefined;
}

/** The repository root (where Pulumi.yaml is). */
export const PROJECT_DIR = path.resolve(__dirname, "..");

export function readStackFile(stack: string, project: string = "vnv", dir: string = PROJECT_DIR): StackFile {
    const file = path.join(dir, `Pulumi.${stack}.yaml`);
    let doc: unknown;
    try {
        doc = parse(readFileSync(file, "utf8"));
    } catch (e) {
        throw new Error(`cannot read ${file}: ${(e as Error).message}`);
    }
    const config = (doc as { config?: Record<string, unknown> } | null)?.config ?? {};
    const raw: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config)) {
        if (key.startsWith(`${project}:`)) {
            raw[key.slice(project.length + 1)] = value;
        }
    }
    const region = config["aws:region"];
    return { raw, region: typeof region === "string" ? region : undefined };
}
