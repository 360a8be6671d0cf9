/**
 * The redirect list's update in a process of its own, so it runs alongside an environment's
 * update instead of after it (the environment's hostname, and so its redirect URIs, are known
 * before its update starts: its stack is tagged first).
 *
 * Why a process: the Node SDK's handling of a program's failures is process-wide, so two inline
 * programs at once in one process fail each other (a throwing auth program failed the
 * environment's update in test/cli.engine.test.ts). The child runs exactly what the parent would
 * ({@link AuthOwner.outcome}: list the live environments, update the owner stack under its lock,
 * converge) and answers in JSON lines on stdout: `{"log"}`, `{"engine"}`, then one `{"outcome"}`.
 * Its job (backend, secrets, which program) comes on stdin, never in argv.
 */
import { spawn } from "node:child_process";
import * as readline from "node:readline";
import { type AuthOutcome, AuthOwner, type AuthOwnerConfig, type AuthProgramFactory } from "./authOwner";
import { Locks } from "../state/locks";
import { StackStore, type StoreConfig } from "../state/stackStore";

/** Which program registers the list, as data a child process can rebuild. */
export type AuthProgramSpec =
    | { readonly kind: "azuread"; readonly applicationId: string; readonly type: "SPA" | "Web" }
    /** An exported {@link AuthProgramFactory} of a module (tests' stand-ins). */
    | { readonly kind: "module"; readonly module: string; readonly exportName: string };

export interface AuthJob {
    readonly store: StoreConfig;
    readonly owner: Omit<AuthOwnerConfig, "program">;
    readonly program: AuthProgramSpec;
    readonly staleLockAfterMs?: number;
}

/** How long the child may take at most (its update waits for the owner stack's lock, retrying). */
const CHILD_TIMEOUT_MS = 15 * 60_000;
/** After its answer, how long the child has to exit by itself before it is stopped. */
const EXIT_GRACE_MS = 10_000;

/**
 * Runs {@link AuthOwner.outcome} in a child process; whatever goes wrong there is an outcome,
 * never a throw. Answers as soon as the child has answered; a child that then lingers, or
 * never answers within {@link CHILD_TIMEOUT_MS}, is stopped.
 */
export function authOutcomeInChild(
    job: AuthJob,
    log: (line: string) => void,
    engineOutput?: (text: string) => void,
    options: { timeoutMs?: number } = {},
): Promise<AuthOutcome> {
    const args = __filename.endsWith(".ts") ? ["--require", require.resolve("tsx/cjs"), __filename] : [__filename];
    const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "pipe"], env: process.env });
    child.stdin.on("error", () => undefined); // a child that died at once: reported by "close"
    child.stdin.end(JSON.stringify(job));
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
        stderr = (stderr + d.toString("utf8")).slice(-4000);
    });
    return new Promise((resolve) => {
        let answered = false;
        const answer = (outcome: AuthOutcome): void => {
            if (answered) {
                return;
            }
            answered = true;
            clearTimeout(deadline);
            resolve(outcome);
            if ((child.exitCode ?? child.signalCode) === null) {
                setTimeout(() => child.kill("SIGKILL"), EXIT_GRACE_MS).unref();
            }
        };
        const deadline = setTimeout(() => {
            child.kill("SIGKILL");
            answer({
                ok: false,
                error: `the redirect list's process gave no answer within ${Math.round((options.timeoutMs ?? CHILD_TIMEOUT_MS) / 1000)} s and was stopped`,
            });
        }, options.timeoutMs ?? CHILD_TIMEOUT_MS);
        readline.createInterface({ input: child.stdout }).on("line", (line) => {
            let message: { log?: unknown; engine?: unknown; outcome?: unknown };
            try {
                message = JSON.parse(line) as typeof message;
            } catch {
                return; // not ours (a library writing to stdout)
            }
            if (typeof message.log === "string") {
                log(message.log);
            } else if (typeof message.engine === "string") {
                engineOutput?.(message.engine);
            } else if (isOutcome(message.outcome)) {
                answer(message.outcome);
            }
        });
        child.on("error", (e) => answer({ ok: false, error: `the redirect list's process could not start: ${e.message}` }));
        child.on("close", (code, signal) =>
            answer({
                ok: false,
                error: `the redirect list's process ended (${signal ?? `exit code ${code}`}) without an answer${stderr.trim() === "" ? "" : `: ${stderr.trim()}`}`,
            }),
        );
    });
}

function isOutcome(v: unknown): v is AuthOutcome {
    if (typeof v !== "object" || v === null) {
        return false;
    }
    const o = v as Record<string, unknown>;
    return (o.ok === true && typeof o.uris === "number") || (o.ok === false && typeof o.error === "string");
}

/** The program a spec names. */
export function programOf(spec: AuthProgramSpec): AuthProgramFactory {
    if (spec.kind === "azuread") {
        // Loaded here only: the azuread SDK is not needed by a process that never registers.
        const { AuthRedirects } = require("../../components/authRedirects") as typeof import("../../components/authRedirects");
        return (uris) => async () => {
            const auth = new AuthRedirects("vnv-auth", { applicationId: spec.applicationId, type: spec.type, redirectUris: uris });
            return { redirectUris: auth.redirectUris };
        };
    }
    const factory = (require(spec.module) as Record<string, unknown>)[spec.exportName];
    if (typeof factory !== "function") {
        throw new Error(`${spec.module} exports no program factory ${spec.exportName}`);
    }
    return factory as AuthProgramFactory;
}

async function child(): Promise<void> {
    let input = "";
    for await (const chunk of process.stdin) {
        input += String(chunk);
    }
    const job = JSON.parse(input) as AuthJob;
    const say = (message: object): void => {
        process.stdout.write(`${JSON.stringify(message)}\n`);
    };
    const log = (line: string): void => say({ log: line });
    const engine = (text: string): void => say({ engine: text });
    const store = new StackStore(job.store);
    const locks = new Locks({ staleLockAfterMs: job.staleLockAfterMs, clock: () => new Date(), log, engineOutput: engine });
    let outcome: AuthOutcome;
    try {
        outcome = await new AuthOwner({ ...job.owner, program: programOf(job.program) }, store, locks, log, engine).outcome();
    } catch (e) {
        outcome = { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
    say({ outcome });
}

if (require.main === module) {
    // Exits once stdout is flushed: a handle left open by a library must not keep it alive.
    child().then(
        () => process.stdout.write("", () => process.exit(0)),
        (e: unknown) => process.stdout.write(`${JSON.stringify({ outcome: { ok: false, error: String(e) } })}\n`, () => process.exit(1)),
    );
}
