/** Other programs run by vnv, bounded: what they print is kept up to a size, and they get a time. */
import { spawn } from "node:child_process";

/** What a program did: its exit code (127: it could not start; 128: a signal) and what it printed. */
export interface Ran {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

export interface BoundedRun {
    readonly env: NodeJS.ProcessEnv;
    /** Killed (SIGKILL) after this long; its stderr then says so. */
    readonly timeoutMs: number;
    /** At most this many bytes of output are kept, stdout and stderr together. */
    readonly maxOutput: number;
    readonly cwd?: string;
    /** Each line of stderr as it comes, at most 300 characters (progress). */
    readonly onLine?: (line: string) => void;
}

/** Runs `file args` without a shell and answers what it did, bounded by `opts`; never rejects. */
export function runBounded(file: string, args: readonly string[], opts: BoundedRun): Promise<Ran> {
    return new Promise((resolve) => {
        const child = spawn(file, [...args], { env: opts.env, cwd: opts.cwd, stdio: ["ignore", "pipe", "pipe"] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        let size = 0;
        let partial = "";
        const keep = (into: Buffer[]) => (chunk: Buffer) => {
            size += chunk.length;
            if (size <= opts.maxOutput) {
                into.push(chunk);
            }
        };
        child.stdout.on("data", keep(out));
        child.stderr.on("data", (chunk: Buffer) => {
            keep(err)(chunk);
            if (opts.onLine !== undefined) {
                const lines = (partial + chunk.toString("utf8")).split(/\r?\n/);
                partial = lines.pop() ?? "";
                for (const l of lines.filter((x) => x.trim() !== "")) {
                    opts.onLine(l.slice(0, 300));
                }
            }
        });
        const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs);
        const finish = (code: number, extra = "") => {
            clearTimeout(timer);
            resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") + extra });
        };
        child.on("error", (e) => finish(127, `${e.message}\n`));
        child.on("close", (code, signal) => finish(code ?? 128, signal === "SIGKILL" ? `timed out after ${opts.timeoutMs} ms\n` : ""));
    });
}
