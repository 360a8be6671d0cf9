/** Other programs vnv runs on the user's behalf (`env exec`: the AWS CLI, `docker exec`), by default. */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

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

/** At most this much output is kept, and a program gets this long. */
const MAX_OUTPUT = 1024 * 1024;
const TIMEOUT_MS = 60_000;

/** Runs `file` and answers its output, bounded in size and time. */
export function capture(file: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        const child = spawn(file, [...args], { stdio: ["ignore", "pipe", "pipe"], env });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        let size = 0;
        const keep = (into: Buffer[]) => (chunk: Buffer) => {
            size += chunk.length;
            if (size <= MAX_OUTPUT) {
                into.push(chunk);
            }
        };
        child.stdout.on("data", keep(out));
        child.stderr.on("data", keep(err));
        const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
        const finish = (code: number, extra = "") => {
            clearTimeout(timer);
            resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") + extra });
        };
        child.on("error", (e) => finish(127, e.message));
        child.on("close", (code) => finish(code ?? 128));
    });
}
