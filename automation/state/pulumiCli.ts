/**
 * The one place that finds the Pulumi CLI for the Automation API and gives it a quiet,
 * hermetic environment.
 *
 * Order, the same as `npm run setup:pulumi`: VNV_PULUMI_ROOT (a directory with bin/pulumi), a
 * `pulumi` on PATH new enough for stack tags on self-managed backends (>= 3.211), the pinned
 * build in the cache directory. None: a {@link PulumiCliNotFoundError} that says how to get one.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PulumiCommand } from "@pulumi/pulumi/automation";
import * as semver from "semver";
import { PROJECT_DIR } from "../../infra/stackFile";

// CommonJS helper shared with tools/pulumi/setup.mjs (one definition of the cache layout).

const locate = require(path.join(PROJECT_DIR, "tools", "pulumi", "locate.cjs")) as {
    pin: { version: string; minimumOnPath: string };
    cachedRoot(env?: NodeJS.ProcessEnv): string;
};

export const PINNED_VERSION = locate.pin.version;
export const MINIMUM_VERSION = locate.pin.minimumOnPath;

export class PulumiCliNotFoundError extends Error {
    constructor(readonly tried: readonly string[]) {
        super(
            [
                "no usable Pulumi CLI found. Tried:",
                ...tried.map((t) => `  - ${t}`),
                "Get one with `npm run setup:pulumi` (builds the pinned CLI with Go from the module proxy),",
                `or put a Pulumi CLI >= ${MINIMUM_VERSION} on PATH, or set VNV_PULUMI_ROOT to a directory holding bin/pulumi.`,
            ].join("\n"),
        );
        this.name = "PulumiCliNotFoundError";
    }
}

export interface ResolvedCli {
    /** Directory holding bin/pulumi. */
    readonly root: string;
    readonly binary: string;
    readonly version: string;
    readonly source: "VNV_PULUMI_ROOT" | "cache" | "PATH";
}

/** `pulumi version` of each binary this process asked, by path and modification time. */
const versions = new Map<string, string | undefined>();

function versionOf(binary: string): string | undefined {
    let stat: fs.Stats;
    try {
        stat = fs.statSync(binary);
    } catch {
        return undefined;
    }
    const key = `${binary}\0${stat.mtimeMs}`;
    if (!versions.has(key)) {
        const r = spawnSync(binary, ["version"], { encoding: "utf8", env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" } });
        versions.set(key, r.status === 0 ? (semver.clean(r.stdout.trim()) ?? undefined) : undefined);
    }
    return versions.get(key);
}

/** Finds the CLI (see module doc); throws {@link PulumiCliNotFoundError} naming what was tried. */
export function resolveCli(env: NodeJS.ProcessEnv = process.env): ResolvedCli {
    const tried: string[] = [];
    if (env.VNV_PULUMI_ROOT) {
        const root = path.resolve(env.VNV_PULUMI_ROOT);
        const binary = path.join(root, "bin", "pulumi");
        const version = versionOf(binary);
        if (version === undefined) {
            throw new PulumiCliNotFoundError([`${binary} (VNV_PULUMI_ROOT): ${fs.existsSync(binary) ? "does not run" : "absent"}`]);
        }
        return { root, binary, version, source: "VNV_PULUMI_ROOT" };
    }
    for (const dir of (env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
        const binary = path.join(dir, "pulumi");
        const version = versionOf(binary);
        if (version === undefined) {
            continue;
        }
        if (semver.gte(version, MINIMUM_VERSION)) {
            // PulumiCommand wants the directory *above* bin; a CLI on PATH may not sit in a bin/.
            return { root: path.basename(dir) === "bin" ? path.dirname(dir) : dir, binary, version, source: "PATH" };
        }
        tried.push(`${binary} (PATH): version ${version} is below ${MINIMUM_VERSION}`);
    }
    if (tried.length === 0) {
        tried.push("pulumi on PATH: absent");
    }
    const root = locate.cachedRoot(env);
    const binary = path.join(root, "bin", "pulumi");
    const version = versionOf(binary);
    if (version !== undefined) {
        return { root, binary, version, source: "cache" };
    }
    tried.push(`${binary} (cache of npm run setup:pulumi): ${fs.existsSync(binary) ? "does not run" : "absent"}`);
    throw new PulumiCliNotFoundError(tried);
}

/** A PulumiCommand for the Automation API from the resolved CLI. */
export async function pulumiCommand(cli: ResolvedCli = resolveCli()): Promise<PulumiCommand> {
    if (path.basename(path.dirname(cli.binary)) !== "bin" || path.dirname(path.dirname(cli.binary)) !== cli.root) {
        throw new Error(`Pulumi CLI at ${cli.binary} is not in a bin/ directory; set VNV_PULUMI_ROOT to a directory holding bin/pulumi`);
    }
    // The SDK runs `pulumi version` for every command object: one per binary and process is enough
    // (every workspace of a command asked for one, a process each).
    const key = `${cli.root}\0${cli.version}`;
    let command = commands.get(key);
    if (command === undefined) {
        command = PulumiCommand.get({ root: cli.root, version: new semver.SemVer(cli.version) });
        command.catch(() => commands.delete(key));
        commands.set(key, command);
    }
    return command;
}

const commands = new Map<string, Promise<PulumiCommand>>();

export interface EngineEnvOptions {
    /** PULUMI_HOME: plugins, credentials, workspaces. Tests give each run its own. */
    readonly home?: string;
    /** Passphrase of the passphrase secrets provider. */
    readonly passphrase?: string;
    /** Backend URL (`file://…`, `s3://…`). */
    readonly backendUrl?: string;
    /**
     * Let the engine download provider plugins it lacks (real deployments: aws, azuread, docker).
     * Tests keep it off: a download cannot work there, and a hermetic run wants none. @default false
     */
    readonly pluginDownloads?: boolean;
}

/**
 * The environment for the engine: no update check, no plugin downloads unless asked (they
 * cannot work here, and a silent download is not what a reproducible run wants), no colour,
 * and the home/passphrase/backend given. The directory of `bin/pulumi` comes first on PATH, so
 * plugins placed beside the CLI (the dynamic-provider launcher) are found.
 */
export function engineEnv(cli: ResolvedCli, options: EngineEnvOptions = {}): Record<string, string> {
    const env: Record<string, string> = {
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: (options.pluginDownloads ?? false) ? "false" : "true",
        PULUMI_SKIP_CONFIRMATIONS: "true",
        PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
        NO_COLOR: "1",
        PATH: [path.dirname(cli.binary), process.env.PATH ?? ""].join(path.delimiter),
        // The dynamic-provider launcher resolves @pulumi/pulumi from here.
        NODE_PATH: [path.join(PROJECT_DIR, "node_modules"), process.env.NODE_PATH ?? ""].filter(Boolean).join(path.delimiter),
    };
    if (options.home !== undefined) {
        env.PULUMI_HOME = options.home;
    }
    if (options.passphrase !== undefined) {
        env.PULUMI_CONFIG_PASSPHRASE = options.passphrase;
    }
    if (options.backendUrl !== undefined) {
        env.PULUMI_BACKEND_URL = options.backendUrl;
    }
    return env;
}

/**
 * Runs the Pulumi CLI as the Automation API does (non-interactive, the CLI's own directory first
 * on PATH for its bundled plugins, `PULUMI_AUTOMATION_API`), for the few commands vnv runs
 * without the SDK. A failure is an Error shaped like the SDK's CommandError (its text
 * `code: N\n stdout: …\n stderr: …`, named ConcurrentUpdateError when the stack is locked), so
 * the error policy, the lock handling and failureText read it the same way.
 */
export function runPulumi(binary: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv, onOutput?: (text: string) => void): Promise<void> {
    return new Promise((resolve, reject) => {
        const child = spawn(binary, [...args, "--non-interactive"], {
            cwd,
            env: {
                ...process.env,
                ...env,
                PATH: `${path.dirname(binary)}${path.delimiter}${env.PATH ?? process.env.PATH ?? ""}`,
                PULUMI_AUTOMATION_API: "true",
            },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => {
            const text = d.toString("utf8");
            stdout = (stdout + text).slice(-1_000_000);
            onOutput?.(text);
        });
        child.stderr.on("data", (d: Buffer) => {
            stderr = (stderr + d.toString("utf8")).slice(-1_000_000);
        });
        child.on("error", reject);
        child.on("close", (code) => {
            if (code === 0) {
                return resolve();
            }
            const e = new Error(`code: ${code ?? -1}\n stdout: ${stdout}\n stderr: ${stderr}\n err?: \n`);
            e.name = stderr.includes("the stack is currently locked by") ? "ConcurrentUpdateError" : "CommandError";
            reject(e);
        });
    });
}
