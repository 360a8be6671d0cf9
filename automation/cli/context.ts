/**
 * What every command of the command line shares: its world (`CliDeps`), the stack files read once,
 * the flags declared once, the driver built from them, printing, announcing a failure, and the
 * problems a command met after its own work (a result printed, then exit 1). Heavy modules (the
 * library over the Pulumi SDK, the program with its providers) load only when a command needs
 * them: `--help` loads none.
 */
import type { Command } from "commander";
import type { EnvironmentSettings } from "../../infra/settings";
import { PROJECT_DIR, readStackFile } from "../../infra/stackFile";
import type { RegistryClient } from "../../registry/client";
import { terminalJson, terminalLines } from "../../rules/terminal";
import type { AuthProgramSpec } from "../environments/authWorker";
import type { AuthOutcome, AuthProgramFactory, Environments, ProgramFactory } from "../environments/environments";
import type { HealthReport } from "../environments/health";
import type { Announcement } from "../environments/notify";
import { UsageError } from "../errors";
import type { Auditor } from "../history/auditing";
import { type Backend, backendInput } from "../inputs";
import { failureText } from "../util";
import { errorLines } from "./outcome";

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
    /** Asks a yes/no question (`rollback` before it deploys); absent where there is no terminal. */
    readonly confirm?: (question: string) => Promise<boolean>;
    /**
     * Runs a program on the terminal (`env exec`'s session): its stdin, stdout and stderr are
     * vnv's; answers its exit code. @default automation/cli/programs.ts
     */
    readonly interactive?: (file: string, args: readonly string[], env: NodeJS.ProcessEnv) => Promise<number>;
    /** Runs a program and answers what it printed, bounded (`aws ecs list-tasks`). @default automation/cli/programs.ts */
    readonly capture?: (file: string, args: readonly string[], env: NodeJS.ProcessEnv) => Promise<{ code: number; stdout: string; stderr: string }>;
    /** Whether a program is on PATH. @default automation/cli/programs.ts */
    readonly onPath?: (name: string) => boolean;
}

/** The flags commands share, declared once ({@link withState}, {@link withJson}, {@link withQuiet}). */
export interface SharedOptions {
    backend?: string;
    secretsProvider?: string;
    json?: boolean;
    quiet?: boolean;
    /** `env up`, `deploy`: how long to wait for health. */
    wait?: string;
}

/** `--backend`: where the state (stacks, history, leases) is. */
export function withBackend(cmd: Command): Command {
    return cmd.option(
        "--backend <url>",
        "state backend: file:///DIR or s3://BUCKET[/prefix] (default: $PULUMI_BACKEND_URL, else .vnv/state in the repository)",
    );
}

/** `--backend` and `--secrets-provider`: the state and how its secrets are encrypted. */
export function withState(cmd: Command): Command {
    return withBackend(cmd).option("--secrets-provider <url>", "passphrase (from $PULUMI_CONFIG_PASSPHRASE) or a KMS URL such as awskms://alias/vnv-state");
}

/** `--json`: the result for machines, on stdout. */
export function withJson(cmd: Command): Command {
    return cmd.option("--json", "machine-readable output on stdout");
}

/** `-q`: no engine output. */
export function withQuiet(cmd: Command): Command {
    return cmd.option("-q, --quiet", "no engine output, only progress lines");
}

/** `--wait`: how long to wait until healthy. */
export function withWait(cmd: Command): Command {
    return cmd.option("--wait <duration>", "how long to wait until every public service answers its health path through the URL (default 10m; 0: do not wait)");
}

/** The flags of a command that runs the engine: state, output, quiet. */
export function engineCommand(cmd: Command): Command {
    return withQuiet(withJson(withState(cmd)));
}

/** A stack file's settings, read and parsed once per command. */
export interface StackFileSettings {
    readonly settings: EnvironmentSettings;
    readonly raw: Record<string, unknown>;
    readonly region: string | undefined;
}

export class CliContext {
    readonly deps: CliDeps;
    readonly dir: string;
    /** What went wrong after a command's own work (its result printed): the command exits 1. */
    readonly problems: string[] = [];
    private readonly files = new Map<string, StackFileSettings>();

    constructor(private readonly given: CliDeps) {
        // Everything printed goes through rules/terminal.ts once more: values from outside (the
        // backend, a registry, the engine, an error's text) never act on the terminal.
        this.deps = { ...given, stdout: (text) => given.stdout(terminalLines(text)), stderr: (text) => given.stderr(terminalLines(text)) };
        this.dir = given.projectDir ?? PROJECT_DIR;
    }

    /** `Pulumi.<stack>.yaml`'s settings; a bad file is bad input naming it. */
    async stackFile(stack: "dev" | "prod"): Promise<StackFileSettings> {
        const known = this.files.get(stack);
        if (known !== undefined) {
            return known;
        }
        const file = readStackFile(stack, "vnv", this.dir);
        const { parseSettings, SettingsError } = require("../../infra/settings") as typeof import("../../infra/settings");
        try {
            const parsed = { settings: parseSettings(file.raw, { project: "vnv", region: file.region }), raw: { ...file.raw }, region: file.region };
            this.files.set(stack, parsed);
            return parsed;
        } catch (e) {
            throw e instanceof SettingsError ? new UsageError(`Pulumi.${stack}.yaml: ${e.message}`) : e;
        }
    }

    /** Reads `Pulumi.<stack>.yaml` again at the next {@link stackFile} (after vnv wrote it). */
    forget(stack: "dev" | "prod"): void {
        this.files.delete(stack);
    }

    backend(opts: { backend?: string }): Backend {
        return backendInput(opts.backend, this.deps.env, `${this.dir}/.vnv/state`);
    }

    /** A progress line on stderr. */
    readonly log = (line: string): void => this.deps.stderr(`vnv: ${line}\n`);

    /** The result, as text or `--json` (every character that could act on a terminal a JSON escape). */
    emit(opts: { json?: boolean }, json: unknown, text: string): void {
        if (opts.json) {
            this.given.stdout(`${terminalJson(json)}\n`);
        } else {
            this.deps.stdout(`${text}\n`);
        }
    }

    /** A problem after the command's own work: printed now; the command exits 1 once its result is out. */
    problem(message: string): void {
        this.deps.stderr(errorLines(message));
        this.problems.push(message);
    }

    /** A result whose services did not all become healthy. */
    async unhealthy(health: HealthReport | undefined): Promise<void> {
        if (health !== undefined && !health.healthy) {
            const { UnhealthyError } = require("../environments/health") as typeof import("../environments/health");
            this.problem(new UnhealthyError(health).message);
        }
    }

    /** A command whose own work succeeded but whose redirect-list update failed. */
    authNotUpdated(auth: AuthOutcome | undefined): void {
        if (auth !== undefined && !auth.ok) {
            const { redirectListNotUpdated } = require("../environments/failures") as typeof import("../environments/failures");
            this.problem(redirectListNotUpdated(auth.error));
        }
    }

    /** The driver of environments (automation/cli/driver.ts), from flags and environment. */
    async driver(opts: SharedOptions): Promise<Environments> {
        const { makeDriver } = require("./driver") as typeof import("./driver");
        return makeDriver(this, opts);
    }

    /** The audit trail of `backend` (file:// and s3:// keep one; others are told they keep none). */
    async auditor(backend: Backend): Promise<Auditor | undefined> {
        const { AuditLog, auditContext } = require("../history/audit") as typeof import("../history/audit");
        const { Auditor } = require("../history/auditing") as typeof import("../history/auditing");
        const trail = AuditLog.for(backend);
        if (trail === undefined) {
            this.log(`no audit trail: vnv keeps it in file:// and s3:// backends, not in ${backend.kind}://`);
            return undefined;
        }
        return new Auditor(trail, auditContext(this.deps.env), this.deps.clock ?? (() => new Date()), this.log);
    }

    async registry(): Promise<RegistryClient> {
        if (this.deps.registry !== undefined) {
            return this.deps.registry;
        }
        const { RegistryClient } = require("../../registry/client") as typeof import("../../registry/client");
        const { credentialsFrom } = require("../../registry/credentials") as typeof import("../../registry/credentials");
        return new RegistryClient({ credentials: credentialsFrom(this.deps.env) });
    }

    /** Runs an operation; a failure is announced (never failing the announcement's own way) and rethrown. */
    async announced<T>(operation: string, version: string | undefined, env: Environments, run: () => Promise<T>): Promise<T> {
        return this.announcedBy(operation, version, (a) => env.announce(a), run);
    }

    /** {@link announced} through any announcer (the Docker target's). */
    async announcedBy<T>(operation: string, version: string | undefined, announce: (a: Announcement) => Promise<void>, run: () => Promise<T>): Promise<T> {
        try {
            return await run();
        } catch (e) {
            if (!(e instanceof UsageError)) {
                await announce({ kind: "failed", operation, ...(version === undefined ? {} : { version }), error: failureText(e) });
            }
            throw e;
        }
    }
}
