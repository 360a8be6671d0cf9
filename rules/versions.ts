/**
 * Version scheme of the VNV tool (seed 000 and 001): parse, validate, normalise and order.
 *
 * Accepted forms (a leading `v` is optional on input, always present in the canonical form):
 *
 * | input                                   | kind       | canonical               |
 * |-----------------------------------------|------------|-------------------------|
 * | `v1.2.3`, `1.2.3`                       | release    | `v1.2.3`                |
 * | `v1.2.3-rc.1`, `v1.2.3-RC1`, `-rc1`     | rc         | `v1.2.3-rc.1`           |
 * | `1.1.0-SNAPSHOT`, `v1.1.0-snapshot`     | snapshot   | `v1.1.0-SNAPSHOT`       |
 * | `v1.2.3.snap.20241001`                  | snapshot   | `v1.2.3.snap.20241001`  |
 *
 * Ordering is semver's (`semver.compare`) over a sort key: for one base version, snapshots come
 * before release candidates, which come before the release; rc.10 is above rc.9.
 *
 * Pure module: no `@pulumi/*` import.
 */
import * as semver from "semver";

export type VersionKind = "release" | "rc" | "snapshot";

export interface Version {
    /** The text as given. */
    readonly input: string;
    /** Normalised spelling; also the image tag the registry is asked for. */
    readonly canonical: string;
    readonly kind: VersionKind;
    readonly major: number;
    readonly minor: number;
    readonly patch: number;
    /** Release-candidate number, for kind `rc`. */
    readonly rc?: number;
    /** Snapshot stamp (`20241001`), for stamped snapshots; absent for `-SNAPSHOT`. */
    readonly stamp?: string;
    /** The release this version leads to: `v1.2.3` for `v1.2.3-rc.4`. */
    readonly base: string;
    /** A semver string used only for ordering (`1.2.3-rc.4`, `1.2.3-0.20241001`). */
    readonly sortKey: string;
}

export const VERSION_FORMS = "vX.Y.Z, vX.Y.Z-rc.N (or -RCN), X.Y.Z-SNAPSHOT, vX.Y.Z.snap.STAMP (STAMP: 1-14 digits)";

/** Thrown for text that is not a version of one of the accepted forms. */
export class VersionError extends Error {
    /** Bad input (rules/meaning.ts). */
    readonly meaning = "bad-input";
    constructor(
        readonly input: string,
        reason: string,
    ) {
        super(`invalid version ${JSON.stringify(input)}: ${reason}; allowed forms: ${VERSION_FORMS}`);
        this.name = "VersionError";
    }
}

const NUM = "(0|[1-9]\\d*)";
const CORE = `v?${NUM}\\.${NUM}\\.${NUM}`;
const RELEASE = new RegExp(`^${CORE}$`);
const RC = new RegExp(`^${CORE}-rc\\.?${NUM}$`, "i");
const SNAPSHOT = new RegExp(`^${CORE}-snapshot$`, "i");
const STAMPED = new RegExp(`^${CORE}\\.snap\\.(\\d{1,14})$`);

function numbers(m: RegExpMatchArray, input: string): [number, number, number] {
    const parts = [m[1], m[2], m[3]].map(Number) as [number, number, number];
    if (parts.some((n) => !Number.isSafeInteger(n))) {
        throw new VersionError(input, "a number is too large");
    }
    return parts;
}

/** Parses one of the accepted forms; throws {@link VersionError} naming the input otherwise. */
export function parseVersion(input: string): Version {
    if (typeof input !== "string") {
        throw new VersionError(String(input), "not a string");
    }
    const text = input.trim();
    if (text === "") {
        throw new VersionError(input, "empty");
    }
    const forms: readonly (readonly [RegExp, VersionKind])[] = [
        [RELEASE, "release"],
        [RC, "rc"],
        [SNAPSHOT, "snapshot"],
        [STAMPED, "snapshot"],
    ];
    const form = forms.map(([re, k]) => ({ re, kind: k, m: text.match(re) })).find((f) => f.m !== null);
    if (form?.m == null) {
        throw new VersionError(input, "not one of the accepted forms");
    }
    const { m, kind } = form;
    const rc = form.re === RC ? Number(m[4]) : undefined;
    if (rc !== undefined && !Number.isSafeInteger(rc)) {
        throw new VersionError(input, "the release-candidate number is too large");
    }
    const stamp = form.re === STAMPED ? m[4] : undefined;
    const [major, minor, patch] = numbers(m, input);
    const core = `${major}.${minor}.${patch}`;
    let canonical: string;
    let sortKey: string;
    switch (kind) {
        case "release":
            canonical = `v${core}`;
            sortKey = core;
            break;
        case "rc":
            canonical = `v${core}-rc.${rc}`;
            sortKey = `${core}-rc.${rc}`;
            break;
        case "snapshot":
            // Numeric pre-release identifiers sort below alphanumeric ones, so `0…` puts
            // snapshots before every `rc.N` of the same base.
            canonical = stamp === undefined ? `v${core}-SNAPSHOT` : `v${core}.snap.${stamp}`;
            sortKey = stamp === undefined ? `${core}-0` : `${core}-0.${BigInt(stamp).toString()}.${stamp.length}`;
            break;
    }
    if (!semver.valid(sortKey)) {
        throw new VersionError(input, "not a valid semantic version");
    }
    return { input, canonical, kind, major, minor, patch, rc, stamp, base: `v${core}`, sortKey };
}

/** Like {@link parseVersion}, but answers `undefined` instead of throwing. */
export function tryParseVersion(input: string): Version | undefined {
    try {
        return parseVersion(input);
    } catch (e) {
        if (e instanceof VersionError) {
            return undefined;
        }
        throw e;
    }
}

/** Normalises any accepted spelling to the canonical one (`v1.2.3-RC1` → `v1.2.3-rc.1`). */
export function normaliseVersion(input: string): string {
    return parseVersion(input).canonical;
}

function asVersion(v: Version | string): Version {
    return typeof v === "string" ? parseVersion(v) : v;
}

/** semver order: negative when a < b, 0 when equal, positive when a > b. */
export function compareVersions(a: Version | string, b: Version | string): number {
    return semver.compare(asVersion(a).sortKey, asVersion(b).sortKey);
}

/** Sorts ascending (a new array). */
export function sortVersions<T extends Version | string>(versions: readonly T[]): T[] {
    return [...versions].sort((a, b) => compareVersions(a, b));
}

/** True when both spell the same version (`v1.2.3-RC1` and `1.2.3-rc.1`). */
export function sameVersion(a: Version | string, b: Version | string): boolean {
    return asVersion(a).canonical === asVersion(b).canonical;
}

/**
 * The highest release candidate of `base` among `candidates` (semver order: rc.10 > rc.9);
 * texts that are not versions are ignored (a registry's tag list holds other tags too).
 */
export function highestReleaseCandidate(base: Version | string, candidates: readonly string[]): Version | undefined {
    const b = asVersion(base);
    let best: Version | undefined;
    for (const text of candidates) {
        const v = tryParseVersion(text);
        if (v?.kind === "rc" && v.base === b.base && (best === undefined || compareVersions(v, best) > 0)) {
            best = v;
        }
    }
    return best;
}

/**
 * The image tags a version may carry in a registry, the canonical one first: a release
 * candidate is also pushed in the seed's other spelling (`v1.2.3-RC10` beside `v1.2.3-rc.10`).
 */
export function tagSpellings(version: Version | string): string[] {
    const v = asVersion(version);
    return v.kind === "rc" ? [v.canonical, `${v.base}-RC${v.rc}`] : [v.canonical];
}
