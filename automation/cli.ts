/**
 * The `vnv` command line: a thin layer over the library. Every flag is parsed by the input layer
 * (automation/inputs.ts) before anything is touched; every failure goes through the error policy
 * (automation/outcome.ts); every result is printed whole, as text or `--json`, even when a later
 * step (the redirect list) fails. `main` takes its world as arguments (argv, environment, output,
 * programs) so tests run it in-process with stand-in programs; automation/main.ts runs it for real.
 */
import { Command, Option } from "commander";
import { deployEnvironment } from "../infra/environment";
import { type EnvironmentSettings, imagesOf, parseSettings, SettingsError } from "../infra/settings";
import { PROJECT_DIR, readStackFile } from "../infra/stackFile";
import { parseDuration, ttlPolicy } from "../rules/ttl";
import { type AuthOutcome, type AuthProgramFactory, Environments, type ProgramFactory } from "./environments";
import { UsageError } from "./errors";
import {
    backendInput,
    concurrencyInput,
    currentOwner,
    environmentInput,
    envTagInput,
    instantInput,
    limitInput,
    sinceInput,
    ownerInput,
    secretsInput,
    stackInput,
    ttlInput,
    versionInput,
} from "./inputs";
import { classify, EXIT, errorLines } from "./outcome";
import { writePins } from "./pins";
import { resolveCli } from "./pulumiCli";
import { RegistryClient } from "../registry/client";
import { credentialsFrom } from "../registry/credentials";
import { applyPromotion, checkRelease, MissingImagesError, planPromotion } from "./registry/release";
import { checkText, deployText, driftText, environmentsTable, historyText, promoteText, reapText, statusText } from "./render";
import { type HealthReport, UnhealthyError } from "./health";
import { notifierFrom } from "./notify";
import { AuditLog, auditContext } from "./audit";
import { type AuditDraft, Auditor } from "./auditing";
import { type AuthProgramSpec, programOf } from "./authWorker";
import { catalogue, catalogueText, type Placement } from "./registry/catalogue";
import { runningFrom } from "./registry/running";
import { checkPins, ReleaseMovedError, type ReleaseRecord, releaseRecords, verifyReleases, verifyText } from "./registry/record";
import { compareVersions, parseVersion, type Version } from "../rules/versions";
import type { Backend } from "./inputs";
import { failureText } from "./util";
import { terminalJson, terminalLines } from "../rules/terminal";

/** vnv's own version (package.json). */
export const VERSION: string = (require("../package.json") as { version: string }).version;

export interface CliDeps {
    readonly env: NodeJS.ProcessEnv;
    readonly stdout: (text: string) => void;
    readonly stderr: (text: string) => void;
    /** @default the environment definition of infra/ */
    readonly program?: ProgramFactory;
    /** @default AuthRedirects on the shared test application */
    readonly authProgram?: AuthProgramFactory;
    /**
     * The redirect list's program for a child process, so `env up` registers it alongside the
     * update. @default the shared application's (AuthRedirects) when `authProgram` is not given
     */
    readonly authAlongside?: AuthProgramSpec;
    /** Directory of Pulumi.dev.yaml. @default the repository */
    readonly projectDir?: string;
    /** PULUMI_HOME for the engine. @default the user's */
    readonly pulumiHome?: string;
    /** @default a client with credentials from `env` and the Docker config */
    readonly registry?: RegistryClient;
    /** Where an environment's URL is asked for its health. @default `https://<host>` */
    readonly healthBase?: (hostname: string) => string;
    /** Between health probes. @default 5 s */
    readonly healthIntervalMs?: number;
    /** How long `env up` waits for health without `--wait`. @default "10m" */
    readonly waitDefault?: string;
    /** The time (tests move it; `--now` is for dry runs only). @default the system clock */
    readonly clock?: () => Date;
}

interface GlobalOptions {
    backend?: string;
    secretsProvider?: string;
    json?: boolean;
    quiet?: boolean;
    /** `env up`: how long to wait for health. */
    wait?: string;
}

/** The real environment program: the same definition `pulumi up` runs, as an inline program. */
export const environmentProgram: ProgramFactory = (settings) => async () => deployEnvironment(settings);

export async function main(argv: readonly string[], given: CliDeps): Promise<number> {
    // Everything printed goes through rules/terminal.ts once more: values from outside (the
    // backend, a registry, the engine, an error's text) never act on the terminal.
    const deps: CliDeps = { ...given, stdout: (text) => given.stdout(terminalLines(text)), stderr: (text) => given.stderr(terminalLines(text)) };
    let exitCode: number = EXIT.done;
    const dir = deps.projectDir ?? PROJECT_DIR;
    const program = new Command("vnv")
        .description("Versioned environments of the VNV tool: one stack per version, with a TTL.")
        .version(VERSION, "-V, --version", "print vnv's version")
        // vnv's own --version only before a command: `vnv history --version v1.2.3` filters by version.
        .enablePositionalOptions()
        .exitOverride()
        .configureOutput({ writeOut: deps.stdout, writeErr: deps.stderr })
        .showHelpAfterError("(run with --help for usage)")
        .addHelpText("after", "\nExit codes: 0 done, 1 failed, 2 bad input (nothing touched), 3 busy (locked or full; try later), 4 not found.");

    const env = program.command("env").description("ephemeral environments, one per version (https://1-2-3-rc-1.<domain>)");
    const common = (cmd: Command): Command =>
        cmd
            .option("--backend <url>", "state backend: file:///DIR or s3://BUCKET (default: $PULUMI_BACKEND_URL, else .vnv/state in the repository)")
            .option("--secrets-provider <url>", "passphrase (from $PULUMI_CONFIG_PASSPHRASE) or a KMS URL such as awskms://alias/vnv-state")
            .option("--json", "machine-readable output on stdout")
            .option("-q, --quiet", "no engine output, only progress lines");

    /** A stack file's settings; a bad one is bad input naming the file. */
    type StackFile = { settings: EnvironmentSettings; raw: Record<string, unknown>; region: string | undefined };
    const read = new Map<string, StackFile>(); // each file read and parsed once per command
    const stackFile = (stack: "dev" | "prod"): StackFile => {
        const known = read.get(stack);
        if (known !== undefined) {
            return known;
        }
        const file = readStackFile(stack, "vnv", dir);
        try {
            const parsed = { settings: parseSettings(file.raw, { project: "vnv", region: file.region }), raw: { ...file.raw }, region: file.region };
            read.set(stack, parsed);
            return parsed;
        } catch (e) {
            throw e instanceof SettingsError ? new UsageError(`Pulumi.${stack}.yaml: ${e.message}`) : e;
        }
    };
    /** The dev stack's settings: what ephemeral environments derive from. */
    const devSettings = () => stackFile("dev");

    /** Builds the driver from flags and environment; every check here runs before any stack is touched. */
    const driver = (opts: GlobalOptions): Environments => {
        const { settings, raw, region } = devSettings();
        const policy = settings.ephemeral!;
        const backend = backendInput(opts.backend, deps.env, `${dir}/.vnv/state`);
        const secrets = secretsInput(opts.secretsProvider, deps.env);
        const log = (line: string): void => deps.stderr(`vnv: ${line}\n`);
        const notifier = notifierFrom(deps.env, log);
        const wait = opts.wait ?? deps.waitDefault ?? "10m";
        const waitMs = wait === "0" ? 0 : ttlInput(wait, undefined, "--wait").ms;
        const registry = registryClient();
        const audit = auditorFor(backend, log);
        return new Environments({
            ...(audit === undefined ? {} : { audit }),
            ...(deps.clock === undefined ? {} : { clock: deps.clock }),
            checkImages: async (version, services) => {
                const result = await checkRelease(registry, services, version.canonical);
                if (result.missing.length > 0) {
                    throw new MissingImagesError(result);
                }
                return result.digests;
            },
            backend,
            secrets,
            cli: resolveCli(deps.env),
            pulumiHome: deps.pulumiHome,
            // The real program needs the aws and azuread plugins; stand-ins need none.
            pluginDownloads: deps.program === undefined,
            program: deps.program ?? environmentProgram,
            devSettings: raw,
            region,
            platformStack: policy.platformStack,
            ttl: ttlPolicy(policy.defaultTtl, policy.maxTtl),
            protectedStacks: policy.protectedStacks,
            maxEnvironments: policy.maxEnvironments,
            staleLockAfterMs: parseDuration(policy.staleLockAfter),
            auth: authOf(policy, settings),
            log,
            engineOutput: opts.quiet || opts.json ? undefined : (text) => deps.stderr(text),
            notifier,
            expiryNoticeMs: parseDuration(policy.expiryNotice),
            health: {
                base: deps.healthBase ?? ((host) => `https://${host}`),
                wait: { timeoutMs: waitMs, intervalMs: deps.healthIntervalMs ?? 5_000 },
                afterUp: waitMs > 0,
            },
        });
    };
    /** The redirect list's owner: the shared application's, registered alongside updates from a child process. */
    const authOf = (policy: NonNullable<EnvironmentSettings["ephemeral"]>, settings: EnvironmentSettings) => {
        const spec: AuthProgramSpec | undefined =
            deps.authAlongside ??
            (deps.authProgram === undefined && policy.authApplicationId !== undefined
                ? { kind: "azuread", applicationId: policy.authApplicationId, type: settings.auth.type }
                : undefined);
        if (deps.authProgram === undefined && spec === undefined) {
            return undefined;
        }
        return {
            stackName: policy.authStack,
            fixedHosts: policy.fixedRedirectHosts,
            extraUris: settings.auth.extraRedirectUris,
            program: deps.authProgram ?? programOf(spec!),
            ...(spec === undefined ? {} : { alongside: spec }),
        };
    };
    /** Runs a command; a failure is announced (never failing the announcement's own way) and rethrown. */
    const announced = async <T>(operation: string, version: string | undefined, env: Environments | undefined, run: () => Promise<T>): Promise<T> => {
        try {
            return await run();
        } catch (e) {
            if (env !== undefined && !(e instanceof UsageError)) {
                await env.announce({
                    kind: "failed",
                    operation,
                    ...(version === undefined ? {} : { version }),
                    error: failureText(e),
                });
            }
            throw e;
        }
    };
    /** A result whose services did not all become healthy: printed, then exit 1. */
    const healthFailed = (health: HealthReport | undefined): void => {
        if (health !== undefined && !health.healthy) {
            deps.stderr(errorLines(new UnhealthyError(health).message));
            exitCode = EXIT.failed;
        }
    };

    /** The audit trail of `backend` (file:// and s3:// keep one; others are told they keep none). */
    const auditorFor = (backend: Backend, log: (line: string) => void): Auditor | undefined => {
        const trail = AuditLog.for(backend);
        if (trail === undefined) {
            log(`no audit trail: vnv keeps it in file:// and s3:// backends, not in ${backend.kind}://`);
            return undefined;
        }
        return new Auditor(trail, auditContext(deps.env), deps.clock ?? (() => new Date()), log);
    };
    const stateBackend = (opts: { backend?: string }): Backend => backendInput(opts.backend, deps.env, `${dir}/.vnv/state`);
    const stderrLog = (line: string): void => deps.stderr(`vnv: ${line}\n`);
    /** The releases recorded in the history (all, or `version`'s): what each release is (automation/registry/record.ts). */
    const recordsOf = async (opts: { backend?: string }, version?: Version): Promise<Map<string, ReleaseRecord>> => {
        const backend = stateBackend(opts);
        const trail = AuditLog.for(backend);
        if (trail === undefined) {
            stderrLog(`no history on ${backend.kind}://: releases cannot be checked against their records`);
            return new Map();
        }
        return releaseRecords(trail, version);
    };
    /**
     * Where versions run: every ephemeral environment (with its expiry), and prod and dev as their
     * stacks' outputs say (automation/registry/running.ts), with how that differs from their last
     * successful deploy in the audit trail.
     */
    const placementsOf = async (opts: GlobalOptions): Promise<Placement[]> => {
        const env = driver(opts);
        const rows = await env.list();
        const out: Placement[] = rows
            .filter((r) => r.status !== "malformed" && r.version !== undefined)
            .map((r) => ({
                where: "ephemeral",
                stack: r.stack,
                version: r.version!,
                ...(r.expiresAt === undefined ? {} : { expiresAt: r.expiresAt }),
                ...(r.url === undefined ? {} : { url: r.url }),
            }));
        const trail = AuditLog.for(stateBackend(opts));
        const stacks = ["prod", "dev"] as const;
        const running = await Promise.all(
            stacks.map(async (stack) => {
                const [outputs, deployed] = await Promise.all([
                    env.store.outputs(stack),
                    trail?.read({ environment: stack, action: "deploy", result: "succeeded", limit: 1 }),
                ]);
                return runningFrom(stack, outputs, deployed?.events[0]);
            }),
        );
        for (const r of running) {
            if (r !== undefined && "problem" in r) {
                stderrLog(r.problem);
            } else if (r !== undefined) {
                out.push(r.placement);
            }
        }
        return out;
    };

    const maxTtlMs = (): number => {
        const policy = devSettings().settings.ephemeral!;
        return ttlPolicy(policy.defaultTtl, policy.maxTtl).maxMs;
    };
    const registryClient = (): RegistryClient => deps.registry ?? new RegistryClient({ credentials: credentialsFrom(deps.env) });
    const stackServices = (stack: "dev" | "prod") => imagesOf(stackFile(stack).settings);
    const emit = (opts: { json?: boolean }, json: unknown, text: string): void => {
        if (opts.json) {
            given.stdout(`${terminalJson(json)}\n`); // the same value, every character that could act on a terminal a JSON escape
        } else {
            deps.stdout(`${text}\n`);
        }
    };
    /** A command whose own work succeeded but whose redirect-list update failed: result printed, exit 1. */
    const authFailed = (auth: AuthOutcome | undefined): void => {
        if (auth !== undefined && !auth.ok) {
            deps.stderr(errorLines(`the redirect list of the shared application was not updated (the next up, down or reap retries): ${auth.error}`));
            exitCode = EXIT.failed;
        }
    };

    common(env.command("up <version>"))
        .description("create or update the environment of <version> (e.g. v1.2.3-rc.1); prints its URL")
        .option("--ttl <duration>", "time to live from creation, e.g. 6h (default and maximum from Pulumi.dev.yaml); on a live environment, sets a new expiry")
        .option("--owner <name>", "who the environment is for (default: your user name)")
        .option("--wait <duration>", "how long to wait until every public service answers its health path through the URL (default 10m; 0: do not wait)")
        .action(async (versionText: string, opts: GlobalOptions & { ttl?: string; owner?: string }) => {
            const version = versionInput(versionText);
            const ttl = opts.ttl === undefined ? undefined : ttlInput(opts.ttl, maxTtlMs());
            const owner = opts.owner === undefined ? currentOwner(deps.env) : ownerInput(opts.owner);
            const env = driver(opts);
            const result = await announced("env up", version.canonical, env, () => env.up(version, { ttl, owner }));
            emit(
                opts,
                result,
                `${result.url}\n${result.created ? "created" : "updated"} ${result.stack}, expires ${result.expiresAt}${result.health?.healthy ? ", healthy" : ""}`,
            );
            authFailed(result.auth);
            healthFailed(result.health);
        });

    common(env.command("status <version>"))
        .description("ask the environment of <version> for its health now: each public service's health path through its URL")
        .action(async (versionText: string, opts: GlobalOptions) => {
            const version = versionInput(versionText);
            const result = await driver({ ...opts, wait: "0" }).status(version);
            emit(opts, result, statusText(result));
            if (!result.health.healthy) {
                exitCode = EXIT.failed;
            }
        });

    common(env.command("down <version>"))
        .description("destroy the environment of <version> and remove its stack")
        .action(async (versionText: string, opts: GlobalOptions) => {
            const version = versionInput(versionText);
            const env = driver(opts);
            const result = await announced("env down", version.canonical, env, () => env.down(version));
            emit(opts, result, `destroyed ${result.stack}`);
            authFailed(result.auth);
        });

    common(env.command("ls"))
        .description("list the environments (and stacks that claim to be one but are malformed): version, URL, owner, times, last update, lock")
        .action(async (opts: GlobalOptions) => {
            const rows = await driver(opts).list();
            emit(opts, rows, environmentsTable(rows));
        });

    common(env.command("extend <version>"))
        .description("set the expiry of <version>'s environment to creation + --ttl (no update runs); refused when that is already past")
        .requiredOption("--ttl <duration>", "time to live from creation, e.g. 4h")
        .option("--revive", "also for an environment that has expired already (the reaper may be collecting it)")
        .action(async (versionText: string, opts: GlobalOptions & { ttl: string; revive?: boolean }) => {
            const version = versionInput(versionText);
            const ttl = ttlInput(opts.ttl, maxTtlMs());
            const meta = await driver(opts).extend(version, ttl, { revive: opts.revive ?? false });
            emit(opts, { stack: meta.stack, expiresAt: meta.expiresAt.toISOString() }, `${meta.stack} expires ${meta.expiresAt.toISOString()}`);
        });

    common(env.command("reap"))
        .description("destroy and remove every ephemeral environment whose expiry has passed (never dev, prod, protected or malformed stacks)")
        .option("--dry-run", "only say what would be destroyed")
        .option("--now <time>", "with --dry-run: plan as if it were this ISO 8601 time (with a time zone); a real reap decides by the time it acts")
        .addOption(new Option("--concurrency <n>", "environments destroyed at once, 1 to 32").default("2"))
        .action(async (opts: GlobalOptions & { dryRun?: boolean; now?: string; concurrency: string }) => {
            const now = opts.now === undefined ? undefined : instantInput(opts.now);
            if (now !== undefined && !opts.dryRun) {
                throw new UsageError("--now is for planning only: add --dry-run (a real reap decides by the time it acts, never by a given one)");
            }
            const concurrency = concurrencyInput(opts.concurrency);
            const env = driver(opts);
            const summary = await announced("env reap", undefined, env, () => env.reap({ dryRun: opts.dryRun, now, concurrency }));
            emit(opts, summary, reapText(summary));
            if (summary.failed.length > 0) {
                deps.stderr(errorLines(`${summary.failed.length} environment(s) could not be destroyed: ${summary.failed.map((f) => f.stack).join(", ")}`));
                exitCode = EXIT.failed;
            }
            authFailed(summary.auth);
        });

    common(program.command("deploy <stack>"))
        .description("deploy prod or dev as pinned in Pulumi.<stack>.yaml (`release check --pin`), wait until healthy, record it")
        .option("--wait <duration>", "how long to wait until every public service answers its health path through the URL (default 10m; 0: do not wait)")
        .action(async (stackText: string, opts: GlobalOptions) => {
            const stack = stackInput(stackText, "stack");
            const { settings } = stackFile(stack);
            const unpinned = [
                ...settings.services.filter((s) => s.digest === undefined).map((s) => s.name),
                ...(settings.frontend.image !== undefined && settings.frontend.digest === undefined ? ["frontend"] : []),
            ];
            if (unpinned.length > 0) {
                throw new UsageError(
                    `Pulumi.${stack}.yaml pins no digest for ${unpinned.join(", ")}: run \`vnv release check <version> --stack ${stack} --pin\` first, so exactly the checked images are deployed`,
                );
            }
            const version = parseVersion(settings.version);
            const record = version.kind === "release" ? (await recordsOf(opts, version)).get(version.canonical) : undefined;
            if (record !== undefined) {
                const pins = Object.fromEntries(settings.services.map((s) => [s.name, s.digest]));
                checkPins(stack, { ...pins, frontend: settings.frontend.digest }, record);
            }
            const env = driver(opts);
            const result = await announced(`deploy ${stack}`, settings.version, env, () => env.deployStack(settings));
            emit(opts, result, deployText(result));
            healthFailed(result.health);
        });

    common(program.command("drift <stack>"))
        .description("what changed outside vnv in prod or dev: every resource read from its provider (a refresh, previewed: nothing written); exit 1 on drift")
        .action(async (stackText: string, opts: GlobalOptions) => {
            const stack = stackInput(stackText, "stack");
            const { settings } = stackFile(stack);
            const env = driver({ ...opts, wait: "0" });
            const report = await announced(`drift ${stack}`, settings.version, env, () => env.drift(settings));
            emit(opts, report, driftText(report));
            if (report.drifted.length > 0) {
                exitCode = EXIT.failed;
            }
        });

    program
        .command("history")
        .description("what was deployed, updated, extended, destroyed, promoted and pinned, when, by whom, with which digests: newest first")
        .option("--env <name>", "only this environment: prod, dev, an environment's stack (v1-2-3-rc-1) or version, or a promotion's tag")
        .option("--version <version>", "only this version (any spelling: v1.2.3-rc.1, 1.2.3-RC1)")
        .option("--since <when>", "only events since then: 2026-11-27, 2026-11-27T08:00Z, or a duration back from now such as 36h or 7d")
        .option("--limit <n>", "at most this many events, the newest (1 to 1000)", "100")
        .option("--backend <url>", "state backend that keeps the trail (default: $PULUMI_BACKEND_URL, else .vnv/state in the repository)")
        .option("--json", "machine-readable output on stdout")
        .action(async (opts: { env?: string; version?: string; since?: string; limit: string; backend?: string; json?: boolean }) => {
            const filter = {
                ...(opts.env === undefined ? {} : { environment: environmentInput(opts.env) }),
                ...(opts.version === undefined ? {} : { version: versionInput(opts.version, "--version").canonical }),
                ...(opts.since === undefined ? {} : { since: sinceInput(opts.since, new Date()) }),
                limit: limitInput(opts.limit),
            };
            const backend = stateBackend(opts);
            const trail = AuditLog.for(backend);
            if (trail === undefined) {
                throw new UsageError(`the audit trail is kept in file:// and s3:// backends; ${backend.url} keeps none`);
            }
            const history = await trail.read(filter);
            emit(opts, history, historyText(history));
        });

    const release = program.command("release").description("release images: check that a version exists, promote a release candidate");

    release
        .command("check <version>")
        .description("check that every service image of <version> exists in its registry; print each digest")
        .option("--stack <name>", "whose services: dev or prod", "dev")
        .option("--pin", "write vnv:version and vnv:digests into Pulumi.<stack>.yaml, so `pulumi up` deploys exactly these digests")
        .option("--backend <url>", "state backend whose history holds the release's record and records a pin (default: $PULUMI_BACKEND_URL, else .vnv/state)")
        .option("--json", "machine-readable output on stdout")
        .action(async (versionText: string, opts: { stack: string; pin?: boolean; backend?: string; json?: boolean }) => {
            const version = versionInput(versionText);
            const stack = stackInput(opts.stack);
            const client = registryClient();
            const services = stackServices(stack);
            const result = await checkRelease(client, services, version.canonical);
            // A release is also held against its record, in every spelling: released means immutable.
            const record = version.kind === "release" && result.missing.length === 0 ? (await recordsOf(opts, version)).get(version.canonical) : undefined;
            const verdict = record === undefined ? undefined : (await verifyReleases(client, services, [record])).verdicts[0];
            emit(opts, verdict === undefined ? result : { ...result, released: verdict.recorded, moved: verdict.moved }, checkText(result));
            if (result.missing.length > 0) {
                deps.stderr(errorLines(new MissingImagesError(result).message));
                exitCode = EXIT.failed;
                return;
            }
            if (verdict !== undefined && verdict.moved.length > 0) {
                deps.stderr(errorLines(new ReleaseMovedError([verdict]).message));
                exitCode = EXIT.failed;
                return;
            }
            if (opts.pin) {
                const pin = async () => writePins(dir, stack, result.version, result.digests);
                const auditor = auditorFor(stateBackend(opts), stderrLog);
                const file =
                    auditor === undefined
                        ? await pin()
                        : await auditor.run({ action: "pin", environment: stack, version: result.version, digests: { ...result.digests } }, pin);
                deps.stderr(`vnv: pinned ${result.version} and ${Object.keys(result.digests).length} digest(s) in ${file}\n`);
            }
        });

    release
        .command("ls")
        .description("the versions the registry holds for a stack's images, newest first: complete or which images are missing, kind, where each runs")
        .option("--stack <name>", "whose images: dev or prod", "dev")
        .option("--limit <n>", "the newest n versions (versions that run somewhere are always shown), 1 to 1000", "30")
        .option("--backend <url>", "state backend whose environments and history say where versions run (default: $PULUMI_BACKEND_URL, else .vnv/state)")
        .option("--secrets-provider <url>", "passphrase (from $PULUMI_CONFIG_PASSPHRASE) or a KMS URL")
        .option("--json", "machine-readable output on stdout")
        .action(async (opts: { stack: string; limit: string; backend?: string; secretsProvider?: string; json?: boolean }) => {
            const stack = stackInput(opts.stack);
            const limit = limitInput(opts.limit);
            const services = stackServices(stack);
            const [placements, records] = await Promise.all([placementsOf(opts), recordsOf(opts)]);
            const result = await catalogue(registryClient(), services, placements, { limit, records });
            emit(opts, result, catalogueText(result));
        });

    release
        .command("promote <release>")
        .description("promote a release candidate to <release> (vX.Y.Z) by tagging the same manifests; no rebuild, no pull")
        .option("--from <rc>", "the release candidate (default: the highest vX.Y.Z-rc.N present for every service, in semver order)")
        .option("--env-tag <tag>", "environment tag of the double tagging, moved along (a word such as prod or test, never a version)", "prod")
        .option("--stack <name>", "whose services: dev or prod", "dev")
        .option("--dry-run", "check everything and say what would be tagged, tag nothing")
        .option("--backend <url>", "state backend whose audit trail records the promotion (default: $PULUMI_BACKEND_URL, else .vnv/state)")
        .option("--json", "machine-readable output on stdout")
        .action(async (target: string, opts: { from?: string; envTag: string; stack: string; dryRun?: boolean; backend?: string; json?: boolean }) => {
            const release = versionInput(target);
            if (opts.from !== undefined) {
                versionInput(opts.from, "--from");
            }
            const envTag = envTagInput(opts.envTag);
            const services = stackServices(stackInput(opts.stack));
            const auditor = opts.dryRun ? undefined : auditorFor(stateBackend(opts), stderrLog);
            const client = registryClient();
            const promote = async (draft?: AuditDraft) => {
                const recorded = (await recordsOf(opts, release)).get(release.canonical);
                const plan = await planPromotion(client, services, target, { from: opts.from, envTag, recorded });
                const written = opts.dryRun ? [] : await applyPromotion(client, plan);
                if (draft !== undefined) {
                    draft.digests = Object.fromEntries(plan.steps.map((step) => [step.service, step.digest]));
                }
                return { plan, written };
            };
            const { plan, written } =
                auditor === undefined
                    ? await promote()
                    : await auditor.run({ action: "promote", environment: envTag, version: release.canonical, digests: {} }, promote);
            emit(opts, { ...plan, dryRun: opts.dryRun ?? false, written }, promoteText(plan, opts.dryRun ?? false));
        });

    release
        .command("verify")
        .description("hold every release recorded in the history against its registry: each tag, in every spelling, where its first promotion put it")
        .option("--stack <name>", "whose images: dev or prod", "dev")
        .option("--backend <url>", "state backend whose history holds the releases' records (default: $PULUMI_BACKEND_URL, else .vnv/state)")
        .option("--json", "machine-readable output on stdout")
        .action(async (opts: { stack: string; backend?: string; json?: boolean }) => {
            const stack = stackInput(opts.stack);
            const backend = stateBackend(opts);
            const notifier = notifierFrom(deps.env, stderrLog);
            if (AuditLog.for(backend) === undefined) {
                throw new UsageError(`the history is kept in file:// and s3:// backends; ${backend.url} keeps none, so no release has a record`);
            }
            const records = [...(await recordsOf(opts)).values()].sort((a, b) => compareVersions(b.version, a.version));
            const result = await verifyReleases(registryClient(), stackServices(stack), records);
            const moved = result.verdicts.filter((v) => v.moved.length > 0);
            emit(opts, { checked: records.length, moved: moved.map((v) => v.version), ...result }, verifyText(result));
            for (const v of moved) {
                await notifier.announce({ kind: "release-moved", version: v.version, released: v.recorded, moved: v.moved });
            }
            if (moved.length > 0) {
                deps.stderr(errorLines(new ReleaseMovedError(moved).message));
                exitCode = EXIT.failed;
            }
        });

    try {
        await program.parseAsync([...argv], { from: "user" });
        return exitCode;
    } catch (e) {
        const outcome = classify(e);
        if (outcome.message !== undefined) {
            deps.stderr(errorLines(outcome.message));
        }
        return outcome.code;
    }
}
