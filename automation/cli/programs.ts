/** Other programs vnv runs on the user's behalf (`env exec`: the AWS CLI, `docker exec`), by default. */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { type Ran, runBounded } from "../process";

/** Whether `name` is an executable file in a directory of `PATH`. */
export function onPath(name: string, env: NodeJS.ProcessEnv = process.env): boolean {
    return (env.PATH ?? "").split(path.delimiter).some((dir) => {
        try {
            fs.accessSync(path.join(dir, name), fs.constants.X_OK);
            return true;
        } catch {
            return false;
        }
    });
}

/** Runs `file` on vnv's terminal; its exit code (127 when it cannot start, 128 + n for a signal). */
export function interactive(file: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
    return new Promise((resolve) => {
        const child = spawn(file, [...args], { stdio: "inherit", env });
        child.on("error", () => resolve(127));
        child.on("close", (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
    });
}

/** Runs `file` and answers its output: at most 1 MiB of it, within a minute. */
export function capture(file: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Ran> {
    return runBounded(file, args, { env, timeoutMs: 60_000, maxOutput: 1024 * 1024 });
}
