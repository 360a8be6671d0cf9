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

/** One line for a summary row: the engine's `error:` line if there is one, else the first line, at most 300 characters. */
export function firstLine(e: unknown): string {
    const lines = errorText(e)
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean);
    const useful = lines.find((l) => /^error:/i.test(l)) ?? lines[0] ?? "unknown error";
    return useful.length > 300 ? `${useful.slice(0, 300)}…` : useful;
}
