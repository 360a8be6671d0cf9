/**
 * What a failure means, carried by each typed error once (`readonly meaning`), read by the
 * command line's one error policy (automation/cli/outcome.ts), which turns it into an exit code,
 * and by the history (a failure is recorded; a refusal is not). Pure: no `@pulumi/*` import.
 *
 *   failed     the operation ran and did not succeed (the default for anything thrown)
 *   bad-input  a flag, an argument or the configuration; nothing was touched
 *   busy       another run holds the environment, or the shared ALB is full; try again later
 *   not-found  no such environment or stack
 */
export const MEANINGS = ["failed", "bad-input", "busy", "not-found"] as const;
export type Meaning = (typeof MEANINGS)[number];

/** The meaning an error carries; `failed` for anything that carries none. */
export function meaningOf(e: unknown): Meaning {
    const m = typeof e === "object" && e !== null ? (e as { meaning?: unknown }).meaning : undefined;
    return (MEANINGS as readonly unknown[]).includes(m) ? (m as Meaning) : "failed";
}
