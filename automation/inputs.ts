/**
 * The input layer: every value a user gives (flags, arguments, environment variables, workflow
 * inputs) is parsed here, once and strictly, into a typed value before anything is touched.
 * The library takes these types only. A bad value is a {@link UsageError} that names the input,
 * the value and what is allowed (exit code 2, nothing touched).
 *
 * No `@pulumi/*` import, no I/O except reading a passphrase file.
 */
import { datasetTagProblem } from "../rules/datasets";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DURATION_FORMS, formatDuration, parseDuration, TtlError } from "../rules/ttl";
import { keepProblem } from "../rules/metadata";
import { stackName } from "../rules/naming";
import { parseSince, SinceError } from "../rules/since";
import { terminalText } from "../rules/terminal";
import { parseVersion, tryParseVersion, VersionError, type Version } from "../rules/versions";
import { MissingSecretsError, UsageError } from "./errors";

export type { Version };

/** Shows a value in an error without letting it forge output: quoted, escaped (JSON, then rules/terminal.ts), cut at 80 characters. */
export function shown(value: string): string {
    const cut = value.length > 80 ? `${value.slice(0, 80)}…` : value;
    return terminalText(JSON.stringify(cut));
}

/** A version argument (`v1.2.3-rc.1`, `v1.2.3-RC1`, `1.1.0-SNAPSHOT`, `v1.2.3.snap.20241001`). */
export function versionInput(text: string, what: string = "version"): Version {
    try {
        return parseVersion(text);
    } catch (e) {
        if (e instanceof VersionError) {
            throw new UsageError(`invalid ${what} ${shown(text)}: ${e.message.replace(/^invalid version "[^"]*": /, "")}`);
        }
        throw e;
    }
}

/** A time to live: its text as given and its length. */
export interface Ttl {
    readonly text: string;
    readonly ms: number;
}

/** A TTL argument (`6h`, `90m`, `1d12h`), at most `maxMs` when given. */
export function ttlInput(text: string, maxMs?: number, what: string = "--ttl"): Ttl {
    let ms: number;
    try {
        ms = parseDuration(text, what);
    } catch (e) {
        if (e instanceof TtlError) {
            throw new UsageError(`invalid ${what} ${shown(text)}: expected ${DURATION_FORMS}`);
        }
        throw e;
    }
    if (maxMs !== undefined && ms > maxMs) {
        throw new UsageError(`invalid ${what} ${shown(text)}: at most ${formatDuration(maxMs)} (vnv:ephemeral.maxTtl), counted from creation`);
    }
    return { text, ms };
}

/** Who an environment is for: 1 to 64 characters of letters, digits and `. _ @ + -`, starting with a letter or digit. */
export const OWNER = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/;
export type Owner = string & { readonly __owner: unique symbol };

export function ownerInput(text: string, what: string = "--owner"): Owner {
    if (!OWNER.test(text)) {
        throw new UsageError(`invalid ${what} ${shown(text)}: expected 1 to 64 characters of letters, digits and . _ @ + - (a user name or an e-mail address)`);
    }
    return text as Owner;
}

/** A dataset's version (`--dataset`): an image tag (rules/datasets.ts). */
export function datasetInput(text: string, what: string = "--dataset"): string {
    const problem = datasetTagProblem(text);
    if (problem !== undefined) {
        throw new UsageError(`invalid ${what}: ${problem}`);
    }
    return text;
}

/** The user running vnv, as an owner; `unknown` when the name is not a valid owner. */
export function currentOwner(env: NodeJS.ProcessEnv): Owner {
    let name = env.USER ?? "";
    try {
        name = os.userInfo().username;
    } catch {
        // no passwd entry: keep $USER
    }
    return (OWNER.test(name) ? name : "unknown") as Owner;
}

/** A state backend: where every stack lives. */
export interface Backend {
    /** The URL the engine is given (`file:///abs/dir`, `s3://bucket/prefix?region=…`). */
    readonly url: string;
    readonly kind: "file" | "s3" | "gs" | "azblob";
    /** The directory of a `file://` backend. */
    readonly dir?: string;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * `--backend`, else `PULUMI_BACKEND_URL`, else `defaultDir`. `file://` takes an absolute
 * directory (`file:///srv/state`, or `file://~/state` under the home directory), never the
 * filesystem root; `s3://`, `gs://` and `azblob://` take a bucket name and an optional prefix
 * and query.
 */
export function backendInput(flag: string | undefined, env: NodeJS.ProcessEnv, defaultDir: string): Backend {
    const given = flag ?? env.PULUMI_BACKEND_URL;
    const what = flag !== undefined ? "--backend" : "PULUMI_BACKEND_URL";
    if (given === undefined) {
        return { url: pathToFileURL(defaultDir).href, kind: "file", dir: defaultDir };
    }
    const allowed = "file:///absolute/dir, file://~/dir, s3://bucket[/prefix][?region=…&endpoint=…], gs://bucket or azblob://container";
    const bad = (why: string): UsageError => new UsageError(`invalid ${what} ${shown(given)}: ${why}; expected ${allowed}`);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
    if (/[\s\u0000-\u001f\u007f]/.test(given)) {
        throw bad("it holds whitespace or control characters");
    }
    if (given.startsWith("file://")) {
        const rest = given.slice("file://".length);
        let dir: string;
        if (rest.startsWith("~/")) {
            const home = env.HOME ?? os.homedir();
            dir = path.join(home, rest.slice(2));
        } else if (rest.startsWith("/")) {
            try {
                dir = fileURLToPath(given);
            } catch (e) {
                throw bad((e as Error).message);
            }
        } else {
            throw bad(rest === "" ? "no directory" : "the directory is not absolute");
        }
        dir = path.resolve(dir);
        if (dir === path.parse(dir).root) {
            throw bad("the filesystem root is not a state directory");
        }
        return { url: pathToFileURL(dir).href, kind: "file", dir };
    }
    const m = /^(s3|gs|azblob):\/\/([^/?#]+)(\/[^?#]*)?(\?[^#]*)?$/.exec(given);
    if (m === null) {
        throw bad("not a backend URL vnv knows");
    }
    if (!BUCKET.test(m[2]!) || m[2]!.includes("..")) {
        throw bad(`${shown(m[2]!)} is not a bucket name (3-63 characters of a-z 0-9 . -)`);
    }
    return { url: given, kind: m[1] as Backend["kind"] };
}

export type Secrets = { readonly provider: "passphrase"; readonly passphrase: string } | { readonly provider: string };

/** `--secrets-provider` (a KMS URL), else the passphrase from `PULUMI_CONFIG_PASSPHRASE` or `…_FILE`. */
export function secretsInput(flag: string | undefined, env: NodeJS.ProcessEnv): Secrets {
    if (flag !== undefined && flag !== "passphrase") {
        if (!/^(awskms|gcpkms|azurekeyvault|hashivault):\/\/[^\s]+$/.test(flag)) {
            throw new UsageError(
                `invalid --secrets-provider ${shown(flag)}: expected passphrase or a KMS URL (awskms://alias/…, gcpkms://…, azurekeyvault://…, hashivault://…)`,
            );
        }
        return { provider: flag };
    }
    let passphrase = env.PULUMI_CONFIG_PASSPHRASE;
    if (passphrase === undefined && env.PULUMI_CONFIG_PASSPHRASE_FILE) {
        try {
            passphrase = fs.readFileSync(env.PULUMI_CONFIG_PASSPHRASE_FILE, "utf8").replace(/\r?\n$/, "");
        } catch (e) {
            throw new UsageError(`cannot read PULUMI_CONFIG_PASSPHRASE_FILE ${shown(env.PULUMI_CONFIG_PASSPHRASE_FILE)}: ${(e as Error).message}`);
        }
    }
    if (passphrase === undefined || passphrase === "") {
        throw new MissingSecretsError();
    }
    return { provider: "passphrase", passphrase };
}

/** How many environments the reaper destroys at once: 1 to 32. */
export function concurrencyInput(text: string, what: string = "--concurrency"): number {
    if (!/^[1-9]\d?$/.test(text) || Number(text) > 32) {
        throw new UsageError(`invalid ${what} ${shown(text)}: expected an integer from 1 to 32`);
    }
    return Number(text);
}

/** An ISO 8601 instant written as `toISOString` writes it, or with seconds and an offset. */
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(:(\d{2})(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** A moment given by a user (`--now 2026-11-24T08:00:00Z`): date, time and time zone, all required. */
export function instantInput(text: string, what: string = "--now"): Date {
    const m = INSTANT.exec(text);
    const d = new Date(text);
    if (m === null || Number.isNaN(d.getTime()) || Number(m[2]) > 12 || Number(m[3]) > 31 || Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[7] ?? 0) > 59) {
        throw new UsageError(`invalid ${what} ${shown(text)}: expected an ISO 8601 time with a time zone, such as 2026-11-24T08:00:00Z`);
    }
    return d;
}

/**
 * The environment tag of the double tagging (`prod`, `test`): a lowercase word. Never
 * version-shaped: a version tag is a release, and releases are immutable.
 */
export function envTagInput(text: string, what: string = "--env-tag"): string {
    let versionShaped = /^v?\d/i.test(text);
    try {
        parseVersion(text);
        versionShaped = true;
    } catch {
        // not a version: good
    }
    if (versionShaped) {
        throw new UsageError(
            `invalid ${what} ${shown(text)}: a version-shaped tag is a release, and releases are never moved; expected a word such as prod or test`,
        );
    }
    if (!/^[a-z][a-z0-9-]{0,30}$/.test(text) || text === "latest") {
        throw new UsageError(`invalid ${what} ${shown(text)}: expected a lowercase word of a-z 0-9 - (at most 31 characters, not latest) such as prod or test`);
    }
    return text;
}

/** A stack whose configuration a command reads: dev or prod. */
export type StackChoice = "dev" | "prod";

export function stackInput(text: string, what: string = "--stack"): StackChoice {
    if (text !== "dev" && text !== "prod") {
        throw new UsageError(`invalid ${what} ${shown(text)}: expected dev or prod`);
    }
    return text;
}

/** `--since`: an ISO date or time with a zone, or a duration back from now (`36h`, `7d`); see rules/since.ts. */
export function sinceInput(text: string, now: Date, what: string = "--since"): Date {
    try {
        return parseSince(text, now, what);
    } catch (e) {
        throw e instanceof SinceError ? new UsageError(e.message) : e;
    }
}

/** `--limit`: 1 to 1000. */
export function limitInput(text: string, what: string = "--limit"): number {
    if (!/^[1-9]\d{0,3}$/.test(text) || Number(text) > 1000) {
        throw new UsageError(`invalid ${what} ${shown(text)}: expected an integer from 1 to 1000`);
    }
    return Number(text);
}

/**
 * `--env` of `vnv history`: prod, dev, an environment's stack (`v1-2-3-rc-1`) or a promotion's
 * environment tag (`prod`, `test`); a version (`v1.2.3-rc.1`) is taken as its environment's stack.
 */
export function environmentInput(text: string, what: string = "--env"): string {
    const version = /[.]/.test(text) ? tryParseVersion(text) : undefined;
    if (version !== undefined) {
        return stackName(version);
    }
    if (/^[a-z0-9][a-z0-9-]{0,99}$/.test(text)) {
        return text;
    }
    throw new UsageError(`invalid ${what} ${shown(text)}: expected prod, dev, an environment's stack (v1-2-3-rc-1) or its version (v1.2.3-rc.1)`);
}

/** `--keep <reason>`: 1 to 200 characters, none unsafe on a terminal (it becomes a stack tag and is printed). */
export function keepInput(text: string): string {
    const problem = keepProblem(text);
    if (problem !== undefined) {
        throw new UsageError(`invalid --keep ${shown(text.slice(0, 60))}: expected ${problem}`);
    }
    return text;
}
