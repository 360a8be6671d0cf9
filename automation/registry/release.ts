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
import { highestReleaseCandidate, sameVersion, tagSpellings, type Version } from "../../rules/versions";
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
 * Plans the promotion of `releaseText` from `fromText` (or the highest release candidate of
 * that base present for every service, in semver order) for every versioned image. Checks all
 * of them before anything is written: a missing candidate image, or a release tag that already
 * points at another digest (releases are immutable), refuses the whole promotion.
 */
export async function planPromotion(
    client: RegistryClient,
    services: readonly ImageSource[],
    releaseText: string,
    options: { from?: string; envTag?: string } = {},
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
    let from: Version;
    const given = options.from === undefined ? undefined : versionInput(options.from, "--from");
    if (given !== undefined && (given.kind !== "rc" || given.base !== release.base)) {
        throw new UsageError(`--from ${given.canonical} is not a release candidate of ${release.canonical} (expected ${release.canonical}-rc.N)`);
    }
    // Every image's tags: a candidate may be tagged in either spelling (v1.2.3-rc.10, v1.2.3-RC10).
    const tagLists = await mapLimit(images, 4, (img) => client.tags(img.image));
    if (given !== undefined) {
        from = given;
    } else {
        const common = tagLists.reduce((acc, tags) => acc.filter((t) => tags.some((u) => safeSame(t, u))), tagLists[0] ?? []);
        const best = highestReleaseCandidate(release, common);
        if (best === undefined) {
            throw new PromotionRefusedError([
                `no release candidate of ${release.canonical} exists for every service (${images.map((i) => i.service).join(", ")})`,
            ]);
        }
        from = best;
    }

    const problems: string[] = [];
    const steps = await mapLimit(images, 4, async (img, i): Promise<PromotionStep | undefined> => {
        const spelled = [...new Set((tagLists[i] ?? []).filter((t) => safeSame(t, from.canonical)))];
        const sourceTag = spelled.includes(from.canonical) ? from.canonical : spelled[0];
        let source: Manifest;
        try {
            if (sourceTag === undefined) {
                throw new RegistryError("not-found", img.image, `${img.image}:${from.canonical} does not exist`);
            }
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
        const write: string[] = [];
        const unchanged: string[] = [];
        for (const tag of [release.canonical, envTag]) {
            const current = await currentDigest(client, img.image, tag);
            if (current === source.digest) {
                unchanged.push(tag);
            } else if (current !== undefined && tag === release.canonical) {
                problems.push(
                    `${img.service}: ${img.image}:${tag} already points at ${current}, not ${source.digest} of ${from.canonical}; releases are immutable`,
                );
            } else {
                write.push(tag);
            }
        }
        return { service: img.service, image: img.image, digest: source.digest, mediaType: source.mediaType, write, unchanged };
    });
    if (problems.length > 0) {
        throw new PromotionRefusedError(problems.sort());
    }
    return { release: release.canonical, from: from.canonical, envTag, steps: steps.filter((s): s is PromotionStep => s !== undefined) };
}

function safeSame(a: string, b: string): boolean {
    try {
        return sameVersion(a, b);
    } catch {
        return a === b;
    }
}

async function currentDigest(client: RegistryClient, image: string, tag: string): Promise<string | undefined> {
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
