/**
 * The `vnv` command line: a thin layer over the library (automation/environments.ts).
 * `main` takes its world as arguments (argv, environment, output, programs) so tests run it
 * in-process with stand-in programs; automation/main.ts runs it for real.
 *
 * Exit codes: 0 done, 1 failed (or the reaper had failures), 2 bad input (nothing touched).
 */
import { Command, CommanderError, Option } from "commander";
import { AuthRedirects } from "../components/authRedirects";
import { deployEnvironment } from "../infra/environment";
import { type EnvironmentSettings, parseSettings, SettingsError } from "../infra/settings";
import { PROJECT_DIR, readStackFile } from "../infra/stackFile";
import { resolveBackend, resolveSecrets } from "./backend";
import {
    type AuthProgramFactory,
    type EnvironmentInfo,
    Environments,
    firstLine,
    type ProgramFactory,
    type ReapSummary,
    userTtl,
    userVersion,
} from "./environments";
import { OperationError, UsageError } from "./errors";
import { writePins } from "./pins";
import { resolveCli } from "./pulumiCli";
import { RegistryClient, RegistryError } from "./registry/client";
import { credentialsFrom } from "./registry/credentials";
import { applyPromotion, type CheckResult, checkRelease, MissingImagesError, type PromotionPlan, planPromotion } from "./registry/release";
import { parseDuration, parseTime, TtlError, ttlPolicy } from "../rules/ttl";

export interface CliDeps {
    readonly env: NodeJS.ProcessEnv;
    readonly stdout: (text: string) => void;
    readonly stderr: (text: string) => void;
    /** @default the environment definition of infra/ */
    readonly program?: ProgramFactory;
    /** @default AuthRedirects on the shared test application */
    readonly authProgram?: AuthProgramFactory;
    /** Directory of Pulumi.dev.yaml. @default the repository */
    readonly projectDir?: string;
    /** PULUMI_HOME for the engine. @default the user's */
    readonly pulumiHome?: string;
    /** @default a client with credentials from `env` and the Docker config */
    readonly registry?: RegistryClient;
}

interface GlobalOptions {
    backend?: string;
    secretsProvider?: string;
    json?: boolean;
    quiet?: boolean;
}

/** The real environment program: the same definition `pulumi up` runs, as an inline program. */
export const environmentProgram: ProgramFactory = (settings) => async () => deployEnvironment(settings);

function authProgramFor(applicationId: string, type: "SPA" | "Web"): AuthProgramFactory {
    return (uris) => async () => {
        const auth = new AuthRedirects("vnv-auth", { applicationId, type, redirectUris: uris });
        return { redirectUris: auth.redirectUris };
    };
}

export async function main(argv: readonly string[], deps: CliDeps): Promise<number> {
    let exitCode = 0;
    const program = new Command("vnv")
        .description("Versioned environments of the VNV tool: one stack per version, with a TTL.")
        .exitOverride()
        .configureOutput({ writeOut: deps.stdout, writeErr: deps.stderr })
        .showHelpAfterError("(run with --help for usage)");

    const env = program.command("env").description("ephemeral environments, one per version (https://1-2-3-rc-1.<domain>)");
    const common = (cmd: Command): Command =>
        cmd
            .option("--backend <url>", "state backend: file://DIR or s3://BUCKET (default: $PULUMI_BACKEND_URL, else .vnv/state in the repository)")
            .option("--secrets-provider <url>", "passphrase (from $PULUMI_CONFIG_PASSPHRASE) or a KMS URL such as awskms://alias/vnv-state")
            .option("--json", "machine-readable output on stdout")
            .option("-q, --quiet", "no engine output, only progress lines");

    /** Builds the driver from flags and environment; every check here runs before any stack is touched. */
    const driver = (opts: GlobalOptions): Environments => {
        const dir = deps.projectDir ?? PROJECT_DIR;
        const dev = readStackFile("dev", "vnv", dir);
        let settings: EnvironmentSettings;
        try {
            settings = parseSettings(dev.raw, { project: "vnv", region: dev.region });
        } catch (e) {
            if (e instanceof SettingsError) {
                throw new UsageError(`Pulumi.dev.yaml: ${e.message}`);
            }
            throw e;
        }
        const policy = settings.ephemeral!;
        const backendUrl = resolveBackend(opts.backend, deps.env);
        const secrets = resolveSecrets(opts.secretsProvider, deps.env);
        const log = (line: string): void => deps.stderr(`vnv: ${line}\n`);
        const registry = registryClient();
        return new Environments({
            checkImages: async (version, services) => {
                const result = await checkRelease(registry, services, version.canonical);
                if (result.missing.length > 0) {
                    throw new MissingImagesError(result);
                }
                return result.digests;
            },
            backendUrl,
            secrets,
            cli: resolveCli(deps.env),
            pulumiHome: deps.pulumiHome,
            // The real program needs the aws, azuread and docker plugins; stand-ins need none.
            pluginDownloads: deps.program === undefined,
            program: deps.program ?? environmentProgram,
            devSettings: dev.raw,
            region: dev.region,
            platformStack: policy.platformStack,
            ttl: ttlPolicy(policy.defaultTtl, policy.maxTtl),
            protectedStacks: policy.protectedStacks,
            maxEnvironments: policy.maxEnvironments,
            staleLockAfterMs: parseDuration(policy.staleLockAfter),
            auth:
                deps.authProgram !== undefined || policy.authApplicationId !== undefined
                    ? {
                          stackName: policy.authStack,
                          fixedHosts: policy.fixedRedirectHosts,
                          extraUris: settings.auth.extraRedirectUris,
                          program: deps.authProgram ?? authProgramFor(policy.authApplicationId!, settings.auth.type),
                      }
                    : undefined,
            log,
            engineOutput: opts.quiet || opts.json ? undefined : (text) => deps.stderr(text),
        });
    };

    const registryClient = (): RegistryClient => deps.registry ?? new RegistryClient({ credentials: credentialsFrom(deps.env) });

    /** The services of a stack file (their images are what a version consists of). */
    const stackServices = (stack: string) => {
        const dir = deps.projectDir ?? PROJECT_DIR;
        if (!/^(dev|prod)$/.test(stack)) {
            throw new UsageError(`invalid --stack ${JSON.stringify(stack)}: expected dev or prod`);
        }
        const file = readStackFile(stack, "vnv", dir);
        try {
            return parseSettings(file.raw, { project: "vnv", region: file.region }).services;
        } catch (e) {
            throw e instanceof SettingsError ? new UsageError(`Pulumi.${stack}.yaml: ${e.message}`) : e;
        }
    };

    const emit = (opts: GlobalOptions, json: unknown, text: string): void => {
        deps.stdout(opts.json ? `${JSON.stringify(json, null, 2)}\n` : `${text}\n`);
    };

    common(env.command("up <version>"))
        .description("create or update the environment of <version> (e.g. v1.2.3-rc.1); prints its URL")
        .option("--ttl <duration>", "time to live from creation, e.g. 6h (default and maximum from Pulumi.dev.yaml); on a live environment, sets a new expiry")
        .option("--owner <name>", "who the environment is for (default: your user name)")
        .action(async (version: string, opts: GlobalOptions & { ttl?: string; owner?: string }) => {
            userVersion(version);
            userTtl(opts.ttl);
            const result = await driver(opts).up(version, { ttl: opts.ttl, owner: opts.owner });
            emit(opts, result, `${result.url}\n${result.created ? "created" : "updated"} ${result.stack}, expires ${result.expiresAt}`);
        });

    common(env.command("down <version>"))
        .description("destroy the environment of <version> and remove its stack")
        .action(async (version: string, opts: GlobalOptions) => {
            userVersion(version);
            const result = await driver(opts).down(version);
            emit(opts, result, `destroyed ${result.stack}`);
        });

    common(env.command("ls"))
        .description("list the environments: version, URL, owner, created, expires, time left, last update, resources")
        .action(async (opts: GlobalOptions) => {
            const rows = await driver(opts).list();
            emit(opts, rows, table(rows));
        });

    common(env.command("extend <version>"))
        .description("set the expiry of <version>'s environment to creation + --ttl (no update runs)")
        .requiredOption("--ttl <duration>", "time to live from creation, e.g. 4h")
        .action(async (version: string, opts: GlobalOptions & { ttl: string }) => {
            userVersion(version);
            userTtl(opts.ttl);
            const meta = await driver(opts).extend(version, opts.ttl);
            emit(opts, { stack: meta.stack, expiresAt: meta.expiresAt.toISOString() }, `${meta.stack} expires ${meta.expiresAt.toISOString()}`);
        });

    common(env.command("reap"))
        .description("destroy and remove every ephemeral environment whose expiry has passed (never dev, prod or protected stacks)")
        .option("--dry-run", "only say what would be destroyed")
        .option("--now <time>", "decide as if it were this ISO 8601 time")
        .addOption(new Option("--concurrency <n>", "environments destroyed at once").default("2"))
        .action(async (opts: GlobalOptions & { dryRun?: boolean; now?: string; concurrency: string }) => {
            const now = opts.now === undefined ? undefined : parseTime(opts.now, "--now");
            if (!/^\d+$/.test(opts.concurrency)) {
                throw new UsageError(`invalid --concurrency ${JSON.stringify(opts.concurrency)}: expected an integer from 1 to 32`);
            }
            const summary = await driver(opts).reap({ dryRun: opts.dryRun, now, concurrency: Number(opts.concurrency) });
            emit(opts, summary, reapText(summary));
            if (summary.failed.length > 0) {
                exitCode = 1;
            }
        });

    const release = program.command("release").description("release images: check that a version exists, promote a release candidate");

    release
        .command("check <version>")
        .description("check that every service image of <version> exists in its registry; print each digest")
        .option("--stack <name>", "whose services: dev or prod", "dev")
        .option("--pin", "write vnv:version and vnv:digests into Pulumi.<stack>.yaml, so `pulumi up` deploys exactly these digests")
        .option("--json", "machine-readable output on stdout")
        .action(async (version: string, opts: { stack: string; pin?: boolean; json?: boolean }) => {
            userVersion(version);
            const services = stackServices(opts.stack);
            const result = await checkRelease(registryClient(), services, version);
            emit(opts, result, checkText(result));
            if (result.missing.length > 0) {
                deps.stderr(`vnv: error: ${new MissingImagesError(result).message}\n`);
                exitCode = 1;
                return;
            }
            if (opts.pin) {
                const file = writePins(deps.projectDir ?? PROJECT_DIR, opts.stack, result.version, result.digests);
                deps.stderr(`vnv: pinned ${result.version} and ${Object.keys(result.digests).length} digest(s) in ${file}\n`);
            }
        });

    release
        .command("promote <release>")
        .description("promote a release candidate to <release> (vX.Y.Z) by tagging the same manifests; no rebuild, no pull")
        .option("--from <rc>", "the release candidate (default: the highest vX.Y.Z-rc.N present for every service, in semver order)")
        .option("--env-tag <tag>", "environment tag of the double tagging, moved along", "prod")
        .option("--stack <name>", "whose services: dev or prod", "dev")
        .option("--dry-run", "check everything and say what would be tagged, tag nothing")
        .option("--json", "machine-readable output on stdout")
        .action(async (target: string, opts: { from?: string; envTag: string; stack: string; dryRun?: boolean; json?: boolean }) => {
            userVersion(target);
            if (opts.from !== undefined) {
                userVersion(opts.from);
            }
            const client = registryClient();
            const plan = await planPromotion(client, stackServices(opts.stack), target, { from: opts.from, envTag: opts.envTag });
            const written = opts.dryRun ? [] : await applyPromotion(client, plan);
            emit(opts, { ...plan, dryRun: opts.dryRun ?? false, written }, promoteText(plan, opts.dryRun ?? false));
        });

    try {
        await program.parseAsync([...argv], { from: "user" });
        return exitCode;
    } catch (e) {
        if (e instanceof CommanderError) {
            // --help and --version end here too, with exit code 0.
            return e.exitCode === 0 ? 0 : 2;
        }
        if (e instanceof RegistryError) {
            deps.stderr(`vnv: error: ${e.message}\n`);
            return 1;
        }
        if (e instanceof UsageError || e instanceof TtlError) {
            deps.stderr(`vnv: error: ${e.message}\n`);
            return 2;
        }
        if (e instanceof OperationError) {
            deps.stderr(`vnv: error: ${e.message}\n`);
            return e.exitCode;
        }
        deps.stderr(`vnv: error: ${firstLine(e)}\n`);
        return 1;
    }
}

function checkText(r: CheckResult): string {
    const width = Math.max(...r.images.map((i) => `${i.image}:${i.tag}`.length));
    return r.images.map((i) => `${`${i.image}:${i.tag}`.padEnd(width)}  ${i.digest ?? "MISSING"}`).join("\n");
}

function promoteText(plan: PromotionPlan, dryRun: boolean): string {
    const lines = [`${dryRun ? "would promote" : "promoted"} ${plan.from} → ${plan.release} (+ ${plan.envTag})`];
    for (const step of plan.steps) {
        const what = step.write.length > 0 ? `${dryRun ? "would tag" : "tagged"} ${step.write.join(", ")}` : "already done";
        lines.push(`  ${step.image}@${step.digest}: ${what}`);
    }
    return lines.join("\n");
}

function table(rows: readonly EnvironmentInfo[]): string {
    if (rows.length === 0) {
        return "no environments";
    }
    const head = ["VERSION", "URL", "OWNER", "CREATED", "EXPIRES", "LEFT", "LAST UPDATE", "RESOURCES"];
    const body = rows.map((r) => [
        r.version,
        r.url,
        r.owner,
        r.createdAt.slice(0, 16).replace("T", " "),
        r.expiresAt.slice(0, 16).replace("T", " "),
        r.updateInProgress ? `${r.timeLeft} (updating)` : r.timeLeft,
        r.lastUpdate ?? "never",
        String(r.resourceCount ?? 0),
    ]);
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
    return [head, ...body]
        .map((cols) =>
            cols
                .map((c, i) => c.padEnd(widths[i]!))
                .join("  ")
                .trimEnd(),
        )
        .join("\n");
}

function reapText(s: ReapSummary): string {
    const lines = [`reap at ${s.now}${s.dryRun ? " (dry run)" : ""}`];
    for (const stack of s.dryRun ? s.wouldDestroy : s.destroyed) {
        lines.push(`  ${s.dryRun ? "would destroy" : "destroyed"}  ${stack}`);
    }
    for (const f of s.failed) {
        lines.push(`  failed     ${f.stack}: ${f.reason}`);
    }
    for (const k of s.skipped) {
        lines.push(`  skipped    ${k.stack}: ${k.reason}`);
    }
    lines.push(
        `${s.dryRun ? s.wouldDestroy.length : s.destroyed.length} ${s.dryRun ? "to destroy" : "destroyed"}, ${s.skipped.length} skipped, ${s.failed.length} failed`,
    );
    return lines.join("\n");
}
