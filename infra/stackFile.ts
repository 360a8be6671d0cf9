/**
 * Reads a stack's configuration file (`Pulumi.<stack>.yaml`) into raw settings without the
 * Pulumi engine: the automation builds ephemeral settings from the dev file this way, and the
 * tests check that the committed files make valid environments.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { type RawSettings, SettingsError } from "./settings";

export interface StackFile {
    readonly raw: RawSettings;
    readonly region: string | undefined;
}

/** The repository root (where Pulumi.yaml is). */
export const PROJECT_DIR = projectRoot(__dirname);

/**
 * The directory holding Pulumi.yaml, found upwards from `from`: the same from the sources
 * (`infra/`) and from the compiled command line (`dist/infra/`).
 */
export function projectRoot(from: string): string {
    for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
        if (existsSync(path.join(dir, "Pulumi.yaml"))) {
            return dir;
        }
        if (path.dirname(dir) === dir) {
            return path.resolve(from, "..");
        }
    }
}

/** The largest stack file read (the committed ones are a few KiB). */
export const MAX_STACK_FILE_BYTES = 1024 * 1024;

/**
 * The `<project>:` keys and the region of `Pulumi.<stack>.yaml`. A file that cannot be read, is
 * too large, is not YAML, or is not a mapping whose `config` is a mapping, is bad configuration
 * ({@link SettingsError}: exit 2 on the command line), naming the file and what is wrong.
 */
export function readStackFile(stack: string, project: string = "vnv", dir: string = PROJECT_DIR): StackFile {
    const file = path.join(dir, `Pulumi.${stack}.yaml`);
    const bad = (why: string) => new SettingsError([`cannot read ${file}: ${why}`]);
    let doc: unknown;
    try {
        const size = statSync(file).size;
        if (size > MAX_STACK_FILE_BYTES) {
            throw bad(`${size} bytes, more than the ${MAX_STACK_FILE_BYTES} a stack file may have`);
        }
        doc = parse(readFileSync(file, "utf8"));
    } catch (e) {
        throw e instanceof SettingsError ? e : bad((e as Error).message);
    }
    const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
    if (!isMapping(doc) || (doc.config !== undefined && doc.config !== null && !isMapping(doc.config))) {
        throw bad("expected a mapping with a `config:` mapping of keys such as vnv:version");
    }
    const config = isMapping(doc.config) ? doc.config : {};
    const raw: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config)) {
        if (key.startsWith(`${project}:`)) {
            raw[key.slice(project.length + 1)] = value;
        }
    }
    const region = config["aws:region"];
    return { raw, region: typeof region === "string" ? region : undefined };
}
