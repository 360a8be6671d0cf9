#!/usr/bin/env node
/**
 * Entry point of the `vnv` command line (`npm run vnv -- env up v1.2.3-rc.1`): the one place
 * that sets the process's exit code, the one `main` answers (it classifies every failure itself,
 * automation/cli/outcome.ts, and never rejects).
 */
import { main } from "./program";

void main(process.argv.slice(2), {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
}).then((code) => {
    process.exitCode = code;
});
