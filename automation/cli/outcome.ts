/**
 * The one error policy of the command line: every failure is classified here into an exit code
 * and a message printed whole (never cut to its first line).
 *
 *   0  done
 *   1  failed: the operation ran and did not succeed (engine, registry, a partial result)
 *   2  bad input: a flag, an argument or the configuration; nothing was touched
 *   3  busy: another run holds the environment, or the shared ALB is full; try again later
 *   4  not found: no such environment
 */
import { CommanderError } from "commander";
import { type Meaning, meaningOf } from "../../rules/meaning";
import { terminalLines } from "../../rules/terminal";
import { errorText } from "../util";

export const EXIT = { done: 0, failed: 1, usage: 2, busy: 3, notFound: 4 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code of each meaning: the only table of them. */
export const EXIT_OF: Readonly<Record<Meaning, ExitCode>> = { failed: EXIT.failed, "bad-input": EXIT.usage, busy: EXIT.busy, "not-found": EXIT.notFound };

export interface Outcome {
    readonly code: ExitCode;
    /** Undefined for a success that prints nothing more (--help, --version). */
    readonly message?: string;
}

/** How a command ends: done, or what was thrown, by the meaning it carries (rules/meaning.ts). */
export function classify(e: unknown): Outcome {
    if (e instanceof CommanderError) {
        // --help and --version end here with exit code 0; commander printed the rest already.
        return { code: e.exitCode !== 0 ? EXIT.usage : EXIT.done };
    }
    return { code: EXIT_OF[meaningOf(e)], message: errorText(e) };
}

/** `vnv: error: …`, every line of the message kept, each escaped (rules/terminal.ts): an error may quote what came from outside. */
export function errorLines(message: string): string {
    return `vnv: error: ${terminalLines(message).replace(/\n/g, "\n  ")}\n`;
}
