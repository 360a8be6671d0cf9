/**
 * Release rules of seed 000, against the registry: every image of a version must exist before
 * anything is deployed (`check`), and a release is promoted from a tested release candidate by
 * re-pointing tags at the same manifests — never rebuilt, never pulled (`promote`).
 */
/** Something with an image of the version: a service, or the frontend (`{name: "frontend", image}`). */
export interface ImageSource {
    readonly name: string;
    readonly image: string;
    /** A tag of its own (`redis:7.4-alpine`); absent: the version's tag. */
    readonly tag?: string;
}
import { isImageTag } from "../../rules/imageReference";
import { highestReleaseCandidate, tagSpellings, tryParseVersion, type Version } from "../../rules/versions";
import { OperationError, UsageError } from "../errors";
import { envTagInput, versionInput } from "../inputs";
import { mapLimit } from "../util";
import { type Manifest, type RegistryClient, RegistryError } from "../../registry/client";

export interface ReleaseImage {
    readonly service: string;
    readonly image: string;
    readonly tag: string;
}

/** The images of a version: every service whose tag follows the version (not redis:7.4-alpine). */
export function versionedImages(services: readonly ImageSource[], version: Version): ReleaseImage[] {
    return services.filter((s) => s.tag === undefined).map((s) => ({ service: s.name, image: s.image, tag: version.canonical }));
}

/** Images with a fixed tag of their own; checked too, since a deploy needs them. */
export function fixedImages(services: readonly ImageSource[]): ReleaseImage[] {
    return services.filter((s) => s.tag !== undefined).map((s) => ({ service: s.name, image: s.image, tag: s.tag! }));
}

export interface CheckedImage extends ReleaseImage {
    readonly digest?: string;
    readonly mediaType?: string;
    /** Why it is not usable (not found). */
    readonly problem?: string;
}

export interface CheckResult {
    readonly version: string;
    readonly images: readonly CheckedImage[];
    /** `service (image:tag)` of every missing image. */
    readonly missing: readonly string[];
    /** service → digest, for the images found. */
    readonly digests: Readonly<Record<string, string>>;
}

export class MissingImagesError extends OperationError {
    constructor(readonly result: CheckResult) {
        super(`${result.missing.length} image(s) of ${result.version} missing: ${result.missing.join(", ")}`);
        this.name = "MissingImagesError";
    }
}

/**
 * Resolves every image of `version` (and the fixed-tag ones) to its digest. A missing image is
 * reported, not thrown; a registry that cannot be asked (unreachable, unauthorised) throws.
 */
export async function checkRelease(client: RegistryClient, services: readonly ImageSource[], versionText: string): Promise<CheckResult> {
    const version = versionInput(versionText);
    const wanted = [...versionedImages(services, version), ...fixedImages(services)];
    const images = await mapLimit(wanted, 4, async (img): Promise<CheckedImage> => {
        // A version's image may carry the tag in either spelling (v1.2.3-rc.10 or v1.2.3-RC10).
        const spellings = img.tag === version.canonical ? tagSpellings(version) : [img.tag];
        let problem = "";
        for (const tag of spellings) {
            try {
                const found = await client.resolve(img.image, tag);
                return { ...img, tag, digest: found.digest, mediaType: found.mediaType };
            } catch (e) {
                if (!(e instanceof RegistryError && e.kind === "not-found")) {
                    throw e;
                }
                problem ||= e.message;
            }
        }
        return { ...img, problem };
    });
    return {
        version: version.canonical,
        images,
        missing: images.filter((i) => i.digest === undefined).map((i) => `${i.service} (${i.image}:${i.tag})`),
        digests: Object.fromEntries(images.filter((i) => i.digest).map((i) => [i.service, i.digest!])),
    };
}

export interface PromotionStep {
    readonly service: string;
    readonly image: string;
    readonly digest: string;
    readonly mediaType: string;
    /** Tags this promotion writes (absent or pointing elsewhere). */
    readonly write: readonly string[];
    /** Tags that already point at the digest. */
    readonly unchanged: readonly string[];
}

export interface PromotionPlan {
    readonly release: string;
    readonly from: string;
    readonly envTag: string;
    readonly steps: readonly PromotionStep[];
}

export class PromotionRefusedError extends OperationError {
    constructor(readonly problems: readonly string[]) {
        super(`promotion refused, no tag written:\n  - ${problems.join("\n  - ")}`);
        this.name = "PromotionRefusedError";
    }
}

/**
 * A repository's tags by version: canonical spelling → the spellings present, in the list's
 * order (tags that are not versions, or not tags of the spec's grammar, left out). One pass over the list: promote and verify look
 * every version up here instead of comparing tags with tags.
 */
export function indexTags(tags: Iterable<string>): Map<string, string[]> {
    const index = new Map<string, string[]>();
    for (const tag of tags) {
        // Only a tag of the spec's grammar: the version rules trim spaces, a tag has none.
        const version = isImageTag(tag) ? tryParseVersion(tag) : undefined;
        if (version === undefined) {
            continue;
        }
        const spellings = index.get(version.canonical);
        if (spellings === undefined) {
            index.set(version.canonical, [tag]);
        } else if (!spellings.includes(tag)) {
            spellings.push(tag);
        }
    }
    return index;
}

/** The highest release candidate of `release` that every index holds, in semver order. */
function commonCandidate(release: Version, indexes: readonly Map<string, string[]>[]): Version | undefined {
    const [first, ...rest] = indexes;
    const common = [...(first?.keys() ?? [])].filter((canonical) => rest.every((index) => index.has(canonical)));
    return highestReleaseCandidate(release, common);
}

/** Digests a release was first recorded with (its first promotion, automation/release/record.ts), per service. */
export interface RecordedRelease {
    readonly digests: Readonly<Record<string, string>>;
    /** Where it was recorded, for messages: `promoted 2026-11-27T10:00:00.000Z by ana`. */
    readonly origin: string;
}

/**
 * Plans the promotion of `releaseText` from `fromText` (or the highest release candidate of
 * that base present for every service, in semver order) for every versioned image. Checks all
 * of them before anything is written: a missing candidate image, a release tag in any spelling
 * (`v1.2.3`, `1.2.3`) that already points at another digest, or a digest other than the one the
 * release was first recorded with (`recorded`) refuses the whole promotion: releases are
 * immutable. Each image's tags are listed once and indexed, so the plan is linear in them.
 */
export async function planPromotion(
    client: RegistryClient,
    services: readonly ImageSource[],
    releaseText: string,
    options: { from?: string; envTag?: string; recorded?: RecordedRelease } = {},
): Promise<PromotionPlan> {
    const release = versionInput(releaseText);
    if (release.kind !== "release") {
        throw new UsageError(`${release.canonical} is not a release: promote takes vX.Y.Z (the release candidate comes with --from)`);
    }
    const envTag = envTagInput(options.envTag ?? "prod");
    const images = versionedImages(services, release);
    if (images.length === 0) {
        throw new UsageError("no service image follows the version: nothing to promote");
    }
    const given = options.from === undefined ? undefined : versionInput(options.from, "--from");
    if (given !== undefined && (given.kind !== "rc" || given.base !== release.base)) {
        throw new UsageError(`--from ${given.canonical} is not a release candidate of ${release.canonical} (expected ${release.canonical}-rc.N)`);
    }
    // Every image's tags, once: a candidate or a release may be tagged in any accepted spelling.
    const indexes = (await mapLimit(images, 4, (img) => client.tags(img.image))).map(indexTags);
    const from = given ?? commonCandidate(release, indexes);
    if (from === undefined) {
        throw new PromotionRefusedError([`no release candidate of ${release.canonical} exists for every service (${images.map((i) => i.service).join(", ")})`]);
    }
    const problems: string[] = [];
    const steps = await mapLimit(images, 4, (img, i) =>
        planStep(client, img, indexes[i] ?? new Map(), { release, from, envTag, recorded: options.recorded }, problems),
    );
    if (problems.length > 0) {
        throw new PromotionRefusedError(problems.sort());
    }
    return { release: release.canonical, from: from.canonical, envTag, steps: steps.filter((s): s is PromotionStep => s !== undefined) };
}

/** One image's step, or undefined with its problems pushed onto `problems`. */
async function planStep(
    client: RegistryClient,
    img: ReleaseImage,
    index: ReadonlyMap<string, readonly string[]>,
    p: { release: Version; from: Version; envTag: string; recorded: RecordedRelease | undefined },
    problems: string[],
): Promise<PromotionStep | undefined> {
    const { release, from, envTag } = p;
    const spelled = index.get(from.canonical) ?? [];
    const sourceTag = spelled.includes(from.canonical) ? from.canonical : spelled[0];
    if (sourceTag === undefined) {
        problems.push(`${img.service}: ${img.image}:${from.canonical} does not exist`);
        return undefined;
    }
    let source: Manifest;
    try {
        source = await client.manifest(img.image, sourceTag);
    } catch (e) {
        if (e instanceof RegistryError && e.kind === "not-found") {
            problems.push(`${img.service}: ${img.image}:${from.canonical} does not exist`);
            return undefined;
        }
        throw e;
    }
    for (const other of spelled.filter((t) => t !== sourceTag)) {
        const digest = await currentDigest(client, img.image, other);
        if (digest !== undefined && digest !== source.digest) {
            problems.push(`${img.service}: ${img.image}:${sourceTag} and :${other} name one candidate but point at different images`);
        }
    }
    const recorded = p.recorded?.digests[img.service];
    if (recorded !== undefined && recorded !== source.digest) {
        problems.push(
            `${img.service}: ${release.canonical} was released as ${recorded} (${p.recorded!.origin}), not ${source.digest} of ${from.canonical}; releases are immutable`,
        );
    }
    const write: string[] = [];
    const unchanged: string[] = [];
    // The release in every spelling present (and the canonical one, listed or not).
    for (const tag of new Set([release.canonical, ...(index.get(release.canonical) ?? [])])) {
        const current = await currentDigest(client, img.image, tag);
        if (current === source.digest) {
            unchanged.push(tag);
        } else if (current !== undefined) {
            const spelling = tag === release.canonical ? "" : ` (a spelling of ${release.canonical})`;
            problems.push(
                `${img.service}: ${img.image}:${tag}${spelling} already points at ${current}, not ${source.digest} of ${from.canonical}; releases are immutable`,
            );
        } else if (tag === release.canonical) {
            write.push(tag);
        }
    }
    const env = await currentDigest(client, img.image, envTag);
    (env === source.digest ? unchanged : write).push(envTag);
    return { service: img.service, image: img.image, digest: source.digest, mediaType: source.mediaType, write, unchanged };
}

/** The digest `image:tag` points at, or undefined when there is no such tag. */
export async function currentDigest(client: RegistryClient, image: string, tag: string): Promise<string | undefined> {
    try {
        return (await client.resolve(image, tag)).digest;
    } catch (e) {
        if (e instanceof RegistryError && e.kind === "not-found") {
            return undefined;
        }
        throw e;
    }
}

/**
 * Writes the plan's tags: every release tag first, then the environment tags, each by putting
 * the candidate's manifest bytes under the tag (same digest; an index stays an index).
 */
export async function applyPromotion(client: RegistryClient, plan: PromotionPlan): Promise<Array<{ service: string; tag: string; digest: string }>> {
    const written: Array<{ service: string; tag: string; digest: string }> = [];
    for (const tag of [plan.release, plan.envTag]) {
        for (const step of plan.steps.filter((s) => s.write.includes(tag))) {
            const manifest = await client.manifest(step.image, step.digest);
            try {
                await client.tag(step.image, tag, manifest);
            } catch (e) {
                throw new OperationError(
                    `writing ${step.image}:${tag} failed after ${written.length} tag(s) were written (${written.map((w) => `${w.service}:${w.tag}`).join(", ") || "none"}): ${(e as Error).message}. Run the same promotion again to finish it.`,
                );
            }
            written.push({ service: step.service, tag, digest: step.digest });
        }
    }
    return written;
}
