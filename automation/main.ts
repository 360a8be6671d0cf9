#!/usr/bin/env node
/** Entry point of the `vnv` command line (`npm run vnv -- env up v1.2.3-rc.1`). */
import { terminalLines } from "../rules/terminal";
import { main } from "./cli";

main(process.argv.slice(2), {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
}).then(
    (code) => {
        process.exitCode = code;
    },
    (e: unknown) => {
        process.stderr.write(`vnv: ${terminalLines(String(e))}\n`);
        process.exitCode = 1;
    },
);
