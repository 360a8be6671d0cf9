/** Small generic helpers of the automation: bounded concurrency, sleeping, error text. */

/** Runs `fn` over `items`, at most `limit` at a time; answers results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array(items.length);
    let next = 0;
    const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
        while (next < items.length) {
            const i = next++;
            results[i] = await fn(items[i]!, i);
        }
    });
    await Promise.all(workers);
    return results;
}

export function sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
}

/** The whole message of an error (or of anything thrown). */
export function errorText(e: unknown): string {
    return e instanceof Error ? e.message : String(e);
}

/** How the Automation API's CommandError shows a failed `pulumi` run: `code: N\n stdout: …\n stderr: …\n err?: …\n`. */
const COMMAND_RESULT = /^code: (-?\d+)\n stdout: /;

/**
 * Why an operation failed, the reason first: for a failed engine run (the SDK's CommandError,
 * whose text starts `code: -2` and then the whole engine output), the engine's own `error:`
 * lines (stderr's, then stdout's diagnostics), then the exit code; anything else as it is. What
 * the history records and the team is told, so its first line is the reason.
 */
export function failureText(e: unknown): string {
    const text = errorText(e);
    const command = COMMAND_RESULT.exec(text);
    if (command === null) {
        return text;
    }
    const stderrAt = text.lastIndexOf("\n stderr: ");
    const errAt = text.lastIndexOf("\n err?: ");
    const stdout = text.slice(command[0].length, stderrAt < 0 ? undefined : stderrAt);
    const stderr = stderrAt < 0 ? "" : text.slice(stderrAt + "\n stderr: ".length, errAt > stderrAt ? errAt : undefined);
    const errorLines = (out: string) =>
        out
            .split("\n")
            .map((l) => l.trim())
            .filter((l) => /^error:/i.test(l));
    const reasons = [...new Set([...errorLines(stderr), ...errorLines(stdout)])];
    const lastLines = stderr
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean)
        .slice(-5);
    const shown = reasons.length > 0 ? reasons.slice(0, 10) : lastLines.length > 0 ? lastLines : ["the engine gave no reason"];
    return `${shown.join("\n")}\n(pulumi exited with code ${command[1]})`;
}

/** One line for a summary row: the engine's `error:` line if there is one, else the first line, at most 300 characters. */
export function firstLine(e: unknown): string {
    const lines = failureText(e)
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean);
    const useful = lines.find((l) => /^error:/i.test(l)) ?? lines[0] ?? "unknown error";
    return useful.length > 300 ? `${useful.slice(0, 300)}…` : useful;
}
