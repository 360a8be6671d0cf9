/**
 * Released means immutable, and proven. The first successful promotion of a release records its
 * digests in the history (the `promote` event of automation/history/audit.ts: one per promotion, with the
 * digest of every image it tagged). That record is what the release is; from then on:
 *
 * - `release promote` refuses to point the release at any other digest (release.ts);
 * - `release check`, `release ls` and `release verify` compare every tag of the release, in every
 *   spelling the registry holds (`v1.2.3`, `1.2.3`), with the record, and refuse or flag one
 *   that moved;
 * - `deploy` refuses a stack file that pins, for a release, digests other than the record's.
 *
 * Per service, the record is the digest of the earliest successful promotion that tagged it (a
 * later promotion of the same release can only have confirmed it, or was refused).
 */
import { tryParseVersion, type Version } from "../../rules/versions";
import type { AuditEvent, AuditLog } from "../history/audit";
import { OperationError, UsageError } from "../errors";
import { mapLimit } from "../util";
import { type RegistryClient, RegistryError } from "../../registry/client";
import { currentDigest, type ImageSource, indexTags, type RecordedRelease } from "./release";

export interface ReleaseRecord extends RecordedRelease {
    /** Canonical spelling (`v1.2.3`). */
    readonly version: string;
    /** The first promotion's time and actor. */
    readonly at: string;
    readonly actor: string;
}

/** One tag of a release that no longer points where the release was recorded. */
export interface MovedTag {
    readonly service: string;
    readonly image: string;
    readonly tag: string;
    /** The digest the release was recorded with. */
    readonly recorded: string;
    /** The digest the tag points at now. */
    readonly now: string;
}

export interface ReleaseVerdict {
    readonly version: string;
    /** `promoted <time> by <actor>`. */
    readonly recorded: string;
    /** Tags that moved: the release is not what was released. */
    readonly moved: readonly MovedTag[];
    /** Recorded services with no tag of the release left (deleted). */
    readonly gone: readonly string[];
    /** Recorded services the stack has no versioned image for: not checked. */
    readonly unchecked: readonly string[];
}

/** The release records in `events` (any order, any actions): canonical version → record. */
export function recordsFrom(events: readonly AuditEvent[]): Map<string, ReleaseRecord> {
    const promotions = events
        .filter((e) => e.action === "promote" && e.result === "succeeded")
        .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const records = new Map<string, ReleaseRecord>();
    for (const e of promotions) {
        const version = tryParseVersion(e.version);
        if (version?.kind !== "release" || Object.keys(e.digests).length === 0) {
            continue;
        }
        const known = records.get(version.canonical);
        const first = known ?? { version: version.canonical, at: e.at, actor: e.actor, origin: `promoted ${e.at} by ${e.actor}`, digests: {} };
        // A service a later promotion tagged for the first time is recorded by that one.
        records.set(version.canonical, { ...first, digests: { ...e.digests, ...first.digests } });
    }
    return records;
}

/** Every release recorded in `log`, or the one of `version` (any spelling) only. */
export async function releaseRecords(log: AuditLog, version?: Version): Promise<Map<string, ReleaseRecord>> {
    const history = await log.read({ action: "promote", result: "succeeded", ...(version === undefined ? {} : { version: version.canonical }) });
    return recordsFrom(history.events);
}

/** What to compare: a service's image and the tags of the release found there (any spelling). */
export interface TagsToCheck {
    readonly service: string;
    readonly image: string;
    readonly tags: readonly string[];
}

/** Resolves every tag of `checks` and compares it with the record. */
export async function compareWithRecord(
    client: RegistryClient,
    record: ReleaseRecord,
    checks: readonly TagsToCheck[],
): Promise<Pick<ReleaseVerdict, "moved" | "gone">> {
    const moved: MovedTag[] = [];
    const gone: string[] = [];
    await mapLimit(checks, 4, async (c) => {
        const recorded = record.digests[c.service];
        if (recorded === undefined) {
            return;
        }
        let found = 0;
        for (const tag of new Set([record.version, ...c.tags])) {
            const now = await currentDigest(client, c.image, tag);
            found += now === undefined ? 0 : 1;
            if (now !== undefined && now !== recorded) {
                moved.push({ service: c.service, image: c.image, tag, recorded, now });
            }
        }
        if (found === 0) {
            gone.push(c.service);
        }
    });
    const order = new Map(checks.map((c, i) => [c.service, i]));
    const byService = (a: string, b: string) => (order.get(a) ?? 0) - (order.get(b) ?? 0);
    return { moved: moved.sort((a, b) => byService(a.service, b.service) || (a.tag < b.tag ? -1 : 1)), gone: gone.sort(byService) };
}

/**
 * Checks releases against their records: each versioned image's tags are listed once (a repository
 * that does not exist has none), and every spelling of each release found there is resolved.
 * Also answers the releases the registry holds that no record covers (promoted before the
 * history, or tagged by hand): they cannot be proven, and are named.
 */
export async function verifyReleases(
    client: RegistryClient,
    services: readonly ImageSource[],
    records: readonly ReleaseRecord[],
): Promise<{ verdicts: ReleaseVerdict[]; unrecorded: string[] }> {
    const versioned = services.filter((s) => s.tag === undefined);
    const images = [...new Set(versioned.map((s) => s.image))];
    const indexes = new Map(
        await mapLimit(images, 4, async (image) => {
            try {
                return [image, indexTags(await client.tags(image))] as const;
            } catch (e) {
                if (e instanceof RegistryError && e.kind === "not-found") {
                    return [image, new Map<string, string[]>()] as const;
                }
                throw e;
            }
        }),
    );
    const verdicts: ReleaseVerdict[] = [];
    for (const record of records) {
        const checks = versioned.map((s) => ({ service: s.name, image: s.image, tags: indexes.get(s.image)?.get(record.version) ?? [] }));
        const { moved, gone } = await compareWithRecord(client, record, checks);
        const unchecked = Object.keys(record.digests).filter((service) => !versioned.some((s) => s.name === service));
        verdicts.push({ version: record.version, recorded: record.origin, moved, gone, unchecked });
    }
    const recorded = new Set(records.map((r) => r.version));
    const inRegistry = new Set([...indexes.values()].flatMap((index) => [...index.keys()]));
    const unrecorded = [...inRegistry].filter((v) => tryParseVersion(v)?.kind === "release" && !recorded.has(v)).sort();
    return { verdicts, unrecorded };
}

/** A release whose tags no longer point where it was released: `release check` and `verify` fail (exit 1). */
export class ReleaseMovedError extends OperationError {
    constructor(readonly verdicts: readonly ReleaseVerdict[]) {
        super(
            `${verdicts.map((v) => `${v.version} is not what was released (${v.recorded}): ${movedText(v.moved)}`).join("\n")}\nreleases are immutable: put the tags back where they were released, or release a new version`,
        );
        this.name = "ReleaseMovedError";
    }
}

export function movedText(moved: readonly MovedTag[]): string {
    return moved.map((m) => `${m.service} ${m.image}:${m.tag} now points at ${m.now}, released as ${m.recorded}`).join("; ");
}

/**
 * A stack file's pins for a release against the release's record: every pinned service the record
 * knows must pin the recorded digest, or the deploy is refused as bad configuration (exit 2:
 * nothing touched; pin again with `release check --pin`, which refuses a release that moved).
 */
export function checkPins(stack: string, pins: Readonly<Record<string, string | undefined>>, record: ReleaseRecord): void {
    const wrong = Object.entries(record.digests).filter(([service, digest]) => pins[service] !== undefined && pins[service] !== digest);
    if (wrong.length > 0) {
        throw new UsageError(
            `Pulumi.${stack}.yaml pins ${record.version} with digests other than the release's (${record.origin}): ${wrong
                .map(([service, digest]) => `${service} pins ${pins[service]}, released as ${digest}`)
                .join("; ")}; pin it again (vnv release check ${record.version} --stack ${stack} --pin), which refuses a release whose tags moved`,
        );
    }
}

/** The text of `release verify`: one row per recorded release, newest first, then what could not be proven. */
export function verifyText(r: { verdicts: readonly ReleaseVerdict[]; unrecorded: readonly string[] }): string {
    const lines: string[] = [];
    if (r.verdicts.length === 0) {
        lines.push("no release recorded in the history (a release is recorded by its first vnv release promote)");
    } else {
        const head = ["VERSION", "RELEASED", "TAGS"];
        const body = r.verdicts.map((v) => [
            v.version,
            v.recorded,
            [
                v.moved.length > 0 ? `MOVED: ${movedText(v.moved)}` : "as released",
                ...(v.gone.length > 0 ? [`gone: ${v.gone.join(", ")}`] : []),
                ...(v.unchecked.length > 0 ? [`not in the stack, not checked: ${v.unchecked.join(", ")}`] : []),
            ].join("; "),
        ]);
        const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? "").length)));
        for (const cols of [head, ...body]) {
            lines.push(
                cols
                    .map((col, i) => (i === cols.length - 1 ? col : col.padEnd(widths[i] ?? 0)))
                    .join("  ")
                    .trimEnd(),
            );
        }
    }
    if (r.unrecorded.length > 0) {
        lines.push(`releases in the registry with no record (promoted before the history, or tagged by hand; cannot be proven): ${r.unrecorded.join(", ")}`);
    }
    return lines.join("\n");
}
