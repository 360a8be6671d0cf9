#!/usr/bin/env node
/**
 * Entry point of the `vnv` command line (`npm run vnv -- env up v1.2.3-rc.1`): the one place
 * that sets the process's exit code, the one `main` answers (it classifies every failure itself,
 * automation/cli/outcome.ts, and never rejects).
 */
import { createInterface } from "node:readline/promises";
import { main } from "./program";

/** A yes/no question on the terminal (stderr, so stdout stays the result); only yes or y is yes. */
async function confirm(question: string): Promise<boolean> {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
        return /^\s*y(es)?\s*$/i.test(await rl.question(question));
    } finally {
        rl.close();
    }
}

void main(process.argv.slice(2), {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    ...(process.stdin.isTTY ? { confirm } : {}),
}).then((code) => {
    process.exitCode = code;
});
