/**
 * The version catalogue behind `vnv release ls`: which versions the registry holds for the
 * images of a stack, whether each is complete (every versioned image has a tag of it) or
 * partial (naming the services missing), its kind, and where it runs — newest first, in semver
 * order (rules/versions.ts).
 *
 * - Only versioned images (services without a tag of their own, `versionedImages` in
 *   release.ts) make up a version; fixed-tag images (`redis:7.4-alpine`) are not part of one,
 *   are not asked about, and are reported as such.
 * - Every tag that is a version in an accepted spelling counts, and the spellings of one
 *   version are one version (`v1.2.3-rc.1` and `v1.2.3-RC1`); tags that are not versions
 *   (`latest`, `main`, `prod`, …) are ignored and counted per service.
 * - A version that runs somewhere but has no image left in the registry is still listed, with
 *   `inRegistry: false` (and so `complete: false`, every service missing): a running version
 *   whose images vanished is exactly what must be seen.
 * - `limit` keeps the newest N versions (those known only from where they run among them),
 *   and also every older version that runs somewhere: what runs is never hidden.
 *
 * - A release recorded in the history (its first promotion, record.ts) has every tag of it, in
 *   every spelling, compared with that record: one that moved is flagged in `moved`, and the
 *   table says MOVED in its row and what moved below it.
 *
 * The catalogue is plain data: `--json` prints it as it is; `catalogueText` is the table.
 */
import { RegistryError, type RegistryClient, type RegistryErrorKind } from "../../registry/client";
import { isImageTag } from "../../rules/imageReference";
import { compareVersions, parseVersion, tryParseVersion, type Version, type VersionKind } from "../../rules/versions";
import { OperationError, UsageError } from "../errors";
import { mapLimit } from "../util";
import type { NamedDataset } from "../../rules/datasets";
import { withDatasets } from "./datasets";
import { compareWithRecord, type MovedTag, movedText, type ReleaseRecord } from "./record";
import { fixedImages, type ImageSource, type ReleaseImage } from "./release";

export type CatalogueKind = "release" | "candidate" | "snapshot";

const KINDS: Readonly<Record<VersionKind, CatalogueKind>> = { release: "release", rc: "candidate", snapshot: "snapshot" };

/** Where a version runs, as the caller knows it (stack tags and configuration). */
export interface Placement {
    readonly where: "prod" | "dev" | "ephemeral";
    readonly stack: string;
    /** Any accepted spelling; matched to the registry's tags as the same version (`sameVersion`). */
    readonly version: string;
    /** ISO time, for ephemeral environments. */
    readonly expiresAt?: string;
    readonly url?: string;
    /** prod and dev: the digests their stack runs (its `imageDigests` output). */
    readonly digests?: Readonly<Record<string, string>>;
    /** What the reader should know (prod and dev: how what runs differs from the last recorded deploy). */
    readonly note?: string;
}

export interface CatalogueVersion {
    /** Canonical spelling (`v1.2.3-rc.1`). */
    readonly version: string;
    readonly kind: CatalogueKind;
    /** Every versioned image has a tag of this version. */
    readonly complete: boolean;
    /** False for a version known only from where it runs: no versioned image has a tag of it. */
    readonly inRegistry: boolean;
    /** Services with a tag of this version, in the stack's order. */
    readonly present: readonly string[];
    /** Services without one, in the stack's order. */
    readonly missing: readonly string[];
    /** service → the tags found for this version (the canonical spelling first, if present). */
    readonly tags: Readonly<Record<string, readonly string[]>>;
    /** Where it runs: prod, then dev, then ephemeral environments. */
    readonly runs: readonly Placement[];
    /** For a release recorded in the history: where it was recorded (`promoted <time> by <actor>`). */
    readonly released?: string;
    /** For a recorded release: its tags that no longer point where it was released (empty: none moved). */
    readonly moved?: readonly MovedTag[];
    /** With `datasets`: the dataset its images name by label (rules/datasets.ts), or why none can be told. */
    readonly dataset?: NamedDataset;
}

export interface Catalogue {
    /** The services whose images make up a version, in the stack's order. */
    readonly services: readonly string[];
    /** Images with a tag of their own: not part of a version, not asked about. */
    readonly fixed: readonly ReleaseImage[];
    /** Newest first, in semver order. */
    readonly versions: readonly CatalogueVersion[];
    /** Versions left out by `limit` (none of them runs anywhere). */
    readonly omitted: number;
    /** `limit` as given, if any. */
    readonly limit?: number;
    /** service → how many of its tags are not versions (`latest`, `main`, …) and were ignored. */
    readonly ignoredTags: Readonly<Record<string, number>>;
}

/** One image whose tags could not be listed. */
export interface ListingFailure {
    readonly service: string;
    readonly image: string;
    readonly kind: RegistryErrorKind;
    readonly message: string;
}

/** The tags of one or more images could not be listed; every failure is named. */
export class CatalogueError extends OperationError {
    constructor(readonly failures: readonly ListingFailure[]) {
        super(
            failures.length === 1
                ? `cannot list the versions of ${failures[0]!.service} (${failures[0]!.image}): ${failures[0]!.message}`
                : `cannot list the versions of ${failures.length} images:\n  - ${failures.map((f) => `${f.service} (${f.image}): ${f.message}`).join("\n  - ")}`,
        );
        this.name = "CatalogueError";
    }
}

const CONCURRENCY = 4;
const WHERE_ORDER: Readonly<Record<Placement["where"], number>> = { prod: 0, dev: 1, ephemeral: 2 };

/**
 * Lists the tags of every versioned image (concurrently, each paginated by the client) and
 * groups them into versions, newest first. A registry that cannot be asked (unauthorised,
 * repository not found, unreachable, an answer refused) throws {@link CatalogueError} naming
 * every image that failed, after all were tried. A `limit` that is not a whole number ≥ 1, a
 * stack without versioned images or a placement whose version is not a version throws
 * {@link UsageError} before the registry is asked.
 */
export async function catalogue(
    client: RegistryClient,
    images: readonly ImageSource[],
    placements: readonly Placement[],
    options: { limit?: number; records?: ReadonlyMap<string, ReleaseRecord>; datasets?: boolean } = {},
): Promise<Catalogue> {
    const { limit } = options;
    if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) {
        throw new UsageError(`--limit must be a whole number of at least 1, not ${limit}`);
    }
    const versioned = images.filter((i) => i.tag === undefined);
    if (versioned.length === 0) {
        throw new UsageError("no service image follows the version: there are no versions to list");
    }
    const placed = placements.map((p) => ({ placement: p, version: placementVersion(p) }));
    const tagsOf = await listTags(client, versioned);
    const { found, ignoredTags } = groupVersions(versioned, tagsOf);
    for (const { version } of placed) {
        if (!found.has(version.canonical)) {
            found.set(version.canonical, { version, tags: new Map() });
        }
    }
    const rows = [...found.values()]
        .sort((a, b) => compareVersions(b.version, a.version) || a.version.canonical.localeCompare(b.version.canonical))
        .map(({ version, tags }) => rowOf(version, tags, versioned, placed));
    const kept = limit === undefined ? rows : rows.filter((r, i) => i < limit || r.runs.length > 0);
    const checked = options.records === undefined ? kept : await flagMoved(client, kept, versioned, options.records);
    return {
        services: versioned.map((s) => s.name),
        fixed: fixedImages(images),
        versions: options.datasets ? await withDatasets(client, checked, versioned) : checked,
        omitted: rows.length - kept.length,
        ...(limit === undefined ? {} : { limit }),
        ignoredTags,
    };
}

/** The tags of every versioned image, one listing per distinct image; every failure named in one CatalogueError. */
async function listTags(client: RegistryClient, versioned: readonly ImageSource[]): Promise<Map<string, readonly string[]>> {
    const distinct = [...new Set(versioned.map((i) => i.image))];
    const failures: ListingFailure[] = [];
    const listed = await mapLimit(distinct, CONCURRENCY, async (image): Promise<readonly string[]> => {
        try {
            return await client.tags(image);
        } catch (e) {
            if (!(e instanceof RegistryError)) {
                throw e;
            }
            for (const s of versioned.filter((i) => i.image === image)) {
                failures.push({ service: s.name, image, kind: e.kind, message: e.message });
            }
            return [];
        }
    });
    if (failures.length > 0) {
        const order = new Map(versioned.map((s, i) => [s.name, i]));
        throw new CatalogueError(failures.sort((a, b) => (order.get(a.service) ?? 0) - (order.get(b.service) ?? 0)));
    }
    return new Map(distinct.map((image, i) => [image, listed[i] ?? []]));
}

type Found = Map<string, { version: Version; tags: Map<string, string[]> }>;

/** canonical → the version and, per service, the spellings found; and how many tags of each service are no version. */
function groupVersions(
    versioned: readonly ImageSource[],
    tagsOf: ReadonlyMap<string, readonly string[]>,
): { found: Found; ignoredTags: Record<string, number> } {
    const found: Found = new Map();
    const ignoredTags: Record<string, number> = {};
    for (const service of versioned) {
        let ignored = 0;
        for (const tag of new Set(tagsOf.get(service.image) ?? [])) {
            const version = isImageTag(tag) ? tryParseVersion(tag) : undefined;
            if (version === undefined) {
                ignored++;
                continue;
            }
            const entry = found.get(version.canonical) ?? { version, tags: new Map<string, string[]>() };
            found.set(version.canonical, entry);
            entry.tags.set(service.name, [...(entry.tags.get(service.name) ?? []), tag]);
        }
        ignoredTags[service.name] = ignored;
    }
    return { found, ignoredTags };
}

/** One version's row: complete or what is missing, its spellings, where it runs. */
function rowOf(
    version: Version,
    tags: ReadonlyMap<string, string[]>,
    versioned: readonly ImageSource[],
    placed: readonly { placement: Placement; version: Version }[],
): CatalogueVersion {
    const present = versioned.filter((s) => tags.has(s.name)).map((s) => s.name);
    const missing = versioned.filter((s) => !tags.has(s.name)).map((s) => s.name);
    const runs = placed
        .filter((p) => p.version.canonical === version.canonical)
        .map((p) => p.placement)
        .sort((a, b) => WHERE_ORDER[a.where] - WHERE_ORDER[b.where] || a.stack.localeCompare(b.stack));
    return {
        version: version.canonical,
        kind: KINDS[version.kind],
        complete: tags.size > 0 && missing.length === 0,
        inRegistry: tags.size > 0,
        present,
        missing,
        tags: Object.fromEntries(present.map((s) => [s, spellings(version, tags.get(s) ?? [])])),
        runs,
    };
}

/** Each shown release that has a record, with its tags compared with it (a few at a time). */
async function flagMoved(
    client: RegistryClient,
    rows: readonly CatalogueVersion[],
    versioned: readonly ImageSource[],
    records: ReadonlyMap<string, ReleaseRecord>,
): Promise<CatalogueVersion[]> {
    return mapLimit(rows, 2, async (row) => {
        const record = records.get(row.version);
        if (record === undefined || !row.inRegistry) {
            return row;
        }
        const checks = versioned.filter((s) => row.tags[s.name] !== undefined).map((s) => ({ service: s.name, image: s.image, tags: row.tags[s.name] ?? [] }));
        const { moved } = await compareWithRecord(client, record, checks);
        return { ...row, released: record.origin, moved };
    });
}

function datasetText(v: CatalogueVersion): string {
    const d = v.dataset;
    return d === undefined || "none" in d ? "-" : "tag" in d ? d.tag : `? (${d.problem})`;
}

function placementVersion(p: Placement): Version {
    try {
        return parseVersion(p.version);
    } catch (e) {
        throw new UsageError(`${p.where} stack ${p.stack} runs ${JSON.stringify(p.version)}, which is not a version: ${(e as Error).message}`);
    }
}

/** The canonical spelling first, then the others in text order. */
function spellings(version: Version, tags: readonly string[]): string[] {
    return [...tags].sort((a, b) => Number(b === version.canonical) - Number(a === version.canonical) || (a < b ? -1 : a > b ? 1 : 0));
}

// ---------------------------------------------------------------------------- text

function when(iso: string): string {
    return iso.slice(0, 16).replace("T", " ");
}

function placementText(p: Placement): string {
    const details = [p.url, p.expiresAt === undefined ? undefined : `expires ${when(p.expiresAt)}`, p.note].filter((d): d is string => d !== undefined);
    // prod and dev are their own stacks: named once.
    const name = p.stack === p.where ? p.where : `${p.where} ${p.stack}`;
    return `${name}${details.length > 0 ? ` (${details.join(", ")})` : ""}`;
}

function imagesText(v: CatalogueVersion): string {
    if (v.moved !== undefined && v.moved.length > 0) {
        return `MOVED since released: ${[...new Set(v.moved.map((m) => m.service))].join(", ")}`;
    }
    if (!v.inRegistry) {
        return "NOT IN REGISTRY (no image left)";
    }
    return v.complete ? "complete" : `partial: missing ${v.missing.join(", ")}`;
}

/** The human table of `vnv release ls`, then what was left out or ignored. */
export function catalogueText(c: Catalogue): string {
    const lines: string[] = [];
    if (c.versions.length === 0) {
        lines.push(`no versions of ${c.services.join(", ")} in the registry`);
    } else {
        const datasets = c.versions.some((v) => v.dataset !== undefined);
        const head = ["VERSION", "KIND", "IMAGES", ...(datasets ? ["DATASET"] : []), "RUNS"];
        const body = c.versions.map((v) => [
            v.version,
            v.kind,
            imagesText(v),
            ...(datasets ? [datasetText(v)] : []),
            v.runs.length === 0 ? "-" : v.runs.map(placementText).join("; "),
        ]);
        const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? "").length)));
        for (const cols of [head, ...body]) {
            lines.push(
                cols
                    .map((col, i) => col.padEnd(widths[i] ?? 0))
                    .join("  ")
                    .trimEnd(),
            );
        }
    }
    for (const v of c.versions.filter((x) => x.moved !== undefined && x.moved.length > 0)) {
        lines.push(
            `${v.version} MOVED: ${movedText(v.moved ?? [])} (${v.released}); release check and promote refuse it, deploy takes only its recorded digests`,
        );
    }
    if (c.omitted > 0) {
        const older = c.limit === undefined ? 0 : c.versions.length - Math.min(c.limit, c.versions.length);
        lines.push(
            `${c.omitted} older version(s) not shown (--limit ${c.limit}${older > 0 ? `; ${older} older one(s) shown because they run somewhere` : ""})`,
        );
    }
    const ignored = Object.entries(c.ignoredTags).filter(([, n]) => n > 0);
    if (ignored.length > 0) {
        lines.push(`tags that are not versions, ignored: ${ignored.map(([s, n]) => `${s} ${n}`).join(", ")}`);
    }
    if (c.fixed.length > 0) {
        lines.push(`not part of a version (a tag of their own): ${c.fixed.map((f) => `${f.service} (${f.image}:${f.tag})`).join(", ")}`);
    }
    return lines.join("\n");
}
