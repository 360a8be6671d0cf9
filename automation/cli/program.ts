/**
 * The `vnv` command line, as a table of contents: the program and its command groups
 * (automation/cli/commands/), each a few lines over the library. Every flag is parsed by the input
 * layer (automation/inputs.ts) before anything is touched; every result is printed whole, as text
 * or `--json`, even when a later step fails; and how the command ends is decided in one place,
 * the error policy (automation/cli/outcome.ts): a thrown error by its meaning, a problem after
 * the command's own work as a failure. `main` takes its world as arguments (argv, environment,
 * output, programs) so tests run it in-process with stand-in programs; automation/cli/main.ts
 * runs it for real.
 */
import * as path from "node:path";
import { Command } from "commander";
import { PROJECT_DIR } from "../../infra/stackFile";
import { OperationError } from "../errors";
import { datasetCommands } from "./commands/dataset";
import { envCommands } from "./commands/env";
import { historyCommand } from "./commands/history";
import { pricesCommands } from "./commands/prices";
import { releaseCommands } from "./commands/release";
import { stackCommands } from "./commands/stacks";
import { CliContext, type CliDeps } from "./context";
import { classify, EXIT, type ExitCode, errorLines } from "./outcome";

export type { CliDeps } from "./context";

/** vnv's own version (package.json). */
export const VERSION: string = (require(path.join(PROJECT_DIR, "package.json")) as { version: string }).version;

export async function main(argv: readonly string[], deps: CliDeps): Promise<ExitCode> {
    const ctx = new CliContext(deps);
    const program = new Command("vnv")
        .description("Versioned environments of the VNV tool: one stack per version, with a TTL.")
        .version(VERSION, "-V, --version", "print vnv's version")
        // vnv's own --version only before a command: `vnv history --version v1.2.3` filters by version.
        .enablePositionalOptions()
        .exitOverride()
        .configureOutput({ writeOut: ctx.deps.stdout, writeErr: ctx.deps.stderr })
        .showHelpAfterError("(run with --help for usage)")
        .addHelpText("after", "\nExit codes: 0 done, 1 failed, 2 bad input (nothing touched), 3 busy (locked or full; try later), 4 not found.");
    envCommands(program, ctx);
    datasetCommands(program, ctx);
    stackCommands(program, ctx);
    historyCommand(program, ctx);
    releaseCommands(program, ctx);
    pricesCommands(program, ctx);
    try {
        await program.parseAsync([...argv], { from: "user" });
        if (ctx.problems.length > 0) {
            // Printed already, after the result: only the exit code is left to decide.
            throw new ProblemsError(ctx.problems);
        }
        return EXIT.done;
    } catch (e) {
        const outcome = classify(e);
        if (outcome.message !== undefined && !(e instanceof ProblemsError)) {
            ctx.deps.stderr(errorLines(outcome.message));
        }
        return outcome.code;
    }
}

/** What a command met after its own work (its result printed, each problem too): it failed. */
export class ProblemsError extends OperationError {
    constructor(readonly problems: readonly string[]) {
        super(problems.join("\n"));
        this.name = "ProblemsError";
    }
}
