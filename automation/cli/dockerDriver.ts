/**
 * The Docker target as the command line configures it: dev's `vnv:ephemeral.docker`, the engine
 * DOCKER_HOST names, the secrets given at run time (`--secrets-file`, else `VNV_SECRET_<NAME>`),
 * every check before anything is touched. Loaded only by commands that use it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseDuration, ttlPolicy } from "../../rules/ttl";
import { DockerEngine } from "../docker/engine";
import { DockerEnvironments } from "../docker/target";
import { notifierFrom } from "../environments/notify";
import { UsageError } from "../errors";
import { ttlInput } from "../inputs";
import { chooseDataset } from "../release/dataset";
import { checkRelease, MissingImagesError } from "../release/release";
import type { CliContext, SharedOptions } from "./context";

/** At most this many bytes in a secrets file. */
const MAX_SECRETS_FILE = 64 * 1024;

export interface DockerOptions extends SharedOptions {
    secretsFile?: string;
}

/** Whether dev's stack file configures a Docker target. */
export async function dockerConfigured(ctx: CliContext): Promise<boolean> {
    return (await ctx.stackFile("dev")).settings.ephemeral?.docker !== undefined;
}

export async function makeDockerTarget(ctx: CliContext, opts: DockerOptions): Promise<DockerEnvironments> {
    const deps = ctx.deps;
    const { settings, raw, region } = await ctx.stackFile("dev");
    const policy = settings.ephemeral!;
    if (policy.docker === undefined) {
        throw new UsageError(
            "Pulumi.dev.yaml has no vnv:ephemeral.docker: the Docker target needs at least its S3 API image pinned by digest (s3Image); see the README's Docker target",
        );
    }
    const secrets = secretValues(opts.secretsFile, ctx.dir, deps.env);
    const wait = opts.wait ?? deps.waitDefault ?? "10m";
    const waitMs = wait === "0" ? 0 : ttlInput(wait, undefined, "--wait").ms;
    const registry = await ctx.registry();
    const audit = await ctx.auditor(ctx.backend(opts));
    const notifier = notifierFrom(deps.env, ctx.log);
    return new DockerEnvironments({
        project: "vnv",
        devSettings: raw,
        region,
        policy: policy.docker,
        ttl: ttlPolicy(policy.defaultTtl, policy.maxTtl),
        domain: settings.domain,
        engine: new DockerEngine({ env: deps.env, ...(opts.quiet || opts.json ? {} : { progress: (l) => ctx.log(`compose: ${l}`) }) }),
        registry,
        checkImages: async (version, images) => {
            const result = await checkRelease(registry, images, version.canonical);
            if (result.missing.length > 0) {
                throw new MissingImagesError(result);
            }
            return result.digests;
        },
        chooseDataset: (images, explicit) => chooseDataset(registry, policy.database?.dataset, images, explicit),
        configuredSecrets: secrets,
        clock: deps.clock ?? (() => new Date()),
        log: ctx.log,
        ...(audit === undefined ? {} : { audit }),
        announce: async (a) => {
            await notifier?.announce(a);
        },
        health: { wait: { timeoutMs: waitMs, intervalMs: deps.healthIntervalMs ?? 2_000 }, afterUp: waitMs > 0 },
        waitSeconds: Math.max(30, Math.ceil(Math.min(waitMs || 600_000, parseDuration("1h")) / 1000)),
    });
}

/**
 * Where configured secrets' values come from on Docker: a `NAME=value` file outside the
 * repository (never committed by accident), else `VNV_SECRET_<NAME>` in the environment.
 * A missing value is bad input naming every missing name, before anything is touched.
 */
export function secretValues(file: string | undefined, projectDir: string, env: NodeJS.ProcessEnv): (names: readonly string[]) => Record<string, string> {
    const fromFile = file === undefined ? {} : readSecretsFile(file, projectDir);
    return (names) => {
        const values: Record<string, string> = {};
        const missing: string[] = [];
        for (const name of names) {
            const value = fromFile[name] ?? env[`VNV_SECRET_${name}`];
            if (value === undefined || value === "") {
                missing.push(name);
            } else {
                values[name] = value;
            }
        }
        if (missing.length > 0) {
            throw new UsageError(
                `the services read secrets that were not given: ${missing.join(", ")}; put NAME=value lines in a file outside the repository and pass --secrets-file FILE, or set ${missing.map((n) => `VNV_SECRET_${n}`).join(", ")}`,
            );
        }
        return values;
    };
}

function readSecretsFile(file: string, projectDir: string): Record<string, string> {
    const resolved = path.resolve(file);
    let real: string;
    try {
        real = fs.realpathSync(resolved);
    } catch {
        throw new UsageError(`--secrets-file ${JSON.stringify(file)}: no such file`);
    }
    const root = fs.realpathSync(projectDir);
    if (real === root || real.startsWith(`${root}${path.sep}`)) {
        throw new UsageError(`--secrets-file ${JSON.stringify(file)} is inside the repository; keep secrets in a file outside it`);
    }
    const stat = fs.statSync(real);
    if (!stat.isFile() || stat.size > MAX_SECRETS_FILE) {
        throw new UsageError(`--secrets-file ${JSON.stringify(file)}: expected a file of at most ${MAX_SECRETS_FILE} bytes`);
    }
    const values: Record<string, string> = {};
    fs.readFileSync(real, "utf8")
        .split(/\r?\n/)
        .forEach((line, i) => {
            if (line.trim() === "" || line.trimStart().startsWith("#")) {
                return;
            }
            const m = line.match(/^([A-Za-z_][A-Za-z0-9_]{0,127})=(.*)$/);
            if (m === null) {
                throw new UsageError(`--secrets-file ${JSON.stringify(file)} line ${i + 1}: expected NAME=value`);
            }
            values[m[1]!] = m[2]!;
        });
    return values;
}
