/**
 * What prod and dev run, read from their stacks (the outputs their last update wrote: `version`,
 * `imageDigests`, `url`), never inferred from the history: a hand-run `pulumi up --stack prod`
 * (supported) writes no deploy event. The history's last successful deploy is compared with it,
 * and a difference is said. Stack outputs come from the backend: hostile input, read strictly.
 */
import { parseVersion } from "../../rules/versions";
import type { Placement } from "./catalogue";

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** The last successful deploy the history holds for a stack (or none). */
export interface RecordedDeploy {
    readonly version: string;
    readonly digests: Readonly<Record<string, string>>;
}

/**
 * Where `stack` runs by its outputs: undefined when the backend holds no such stack, or it
 * exports no version (never updated); `problem` when its outputs are not what vnv writes.
 */
export function runningFrom(
    stack: "prod" | "dev",
    outputs: Readonly<Record<string, unknown>> | undefined,
    recorded: RecordedDeploy | undefined,
): { placement: Placement } | { problem: string } | undefined {
    if (outputs === undefined || outputs.version === undefined) {
        return undefined;
    }
    const text = outputs.version;
    let version: string;
    try {
        version = parseVersion(typeof text === "string" ? text : "").canonical;
    } catch {
        const shown = typeof text === "string" ? JSON.stringify(text.slice(0, 60)) : `not text but ${text === null ? "null" : typeof text}`;
        return { problem: `${stack}'s stack exports a version vnv cannot read (${shown}): not shown` };
    }
    const digests = digestsOf(outputs.imageDigests);
    const url = typeof outputs.url === "string" && /^https:\/\/[a-z0-9.-]{1,253}$/.test(outputs.url) ? outputs.url : undefined;
    const note = noteOf(version, digests, recorded);
    return { placement: { where: stack, stack, version, digests, ...(url === undefined ? {} : { url }), ...(note === undefined ? {} : { note }) } };
}

function digestsOf(value: unknown): Record<string, string> {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return {};
    }
    return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => NAME.test(e[0]) && typeof e[1] === "string" && DIGEST.test(e[1])));
}

function noteOf(version: string, digests: Readonly<Record<string, string>>, recorded: RecordedDeploy | undefined): string | undefined {
    if (recorded === undefined) {
        return "no deploy recorded: updated outside vnv deploy";
    }
    let recordedVersion: string;
    try {
        recordedVersion = parseVersion(recorded.version).canonical;
    } catch {
        recordedVersion = recorded.version;
    }
    if (recordedVersion !== version) {
        return `the last recorded deploy was ${recordedVersion}: updated outside vnv deploy since`;
    }
    const differ = Object.keys(recorded.digests).filter((service) => digests[service] !== undefined && digests[service] !== recorded.digests[service]);
    return differ.length === 0 ? undefined : `runs other digests than its last recorded deploy (${differ.sort().join(", ")})`;
}
