/**
 * The `vnv` command line: a thin layer over the library (automation/environments.ts).
 * `main` takes its world as arguments (argv, environment, output, programs) so tests run it
 * in-process with stand-in programs; automation/main.ts runs it for real.
 *
 * Exit codes: 0 done, 1 failed (or the reaper had failures), 2 bad input (nothing touched).
 */
import { Command, CommanderError, Option } from "commander";
import { AuthRedirects } from "../components/authRedirects";
import { defineEnvironment } from "../infra/environment";
import { parseSettings, SettingsError } from "../infra/settings";
import { readStackFile, PROJECT_DIR } from "../infra/stackFile";
import { resolveBackend, resolveSecrets } from "./backend";
import { Environments, firstLine, userTtl, userVersion, type AuthProgramFactory, type EnvironmentInfo, type ProgramFactory, type ReapSummary } from "./environments";
import { OperationError, UsageError } from "./errors";
import { resolveCli } from "./pulumiCli";
import { parseDuration, parseTime, TtlError, ttlPolicy } from "./ttl";

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
}

interface GlobalOptions {
    backend?: string;
    secretsProvider?: string;
    json?: boolean;
    quiet?: boolean;
}

/** The real environment program: the same definition `pulumi up` runs, as an inline program. */
export const environmentProgram: ProgramFactory = (settings) => async () => defineEnvironment(settings);

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
        let settings;
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
        return new Environments({
            backendUrl,
            secrets,
            cli: resolveCli(deps.env),
            pulumiHome: deps.pulumiHome,
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

    try {
        await program.parseAsync([...argv], { from: "user" });
        return exitCode;
    } catch (e) {
        if (e instanceof CommanderError) {
            // --help and --version end here too, with exit code 0.
            return e.exitCode === 0 ? 0 : 2;
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
    return [head, ...body].map((cols) => cols.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
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
    lines.push(`${s.dryRun ? s.wouldDestroy.length : s.destroyed.length} ${s.dryRun ? "to destroy" : "destroyed"}, ${s.skipped.length} skipped, ${s.failed.length} failed`);
    return lines.join("\n");
}
