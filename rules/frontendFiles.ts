/**
 * How the frontend's files are served from the bucket: content type by extension, and caching
 * (`index.html` and `release.json` never cached, so a new version is seen at once; fingerprinted
 * assets, whose names change with their content, cached for a year; the rest briefly); and
 * which files taken from the image may be deployed at all (some, with `index.html` at the top),
 * and how refused entries are listed (bounded, names escaped).
 *
 * Pure module: no `@pulumi/*` import.
 */
import { quoteName } from "./layerPaths";

const TYPES: Readonly<Record<string, string>> = {
    html: "text/html; charset=utf-8",
    htm: "text/html; charset=utf-8",
    js: "text/javascript; charset=utf-8",
    mjs: "text/javascript; charset=utf-8",
    css: "text/css; charset=utf-8",
    json: "application/json",
    map: "application/json",
    webmanifest: "application/manifest+json",
    txt: "text/plain; charset=utf-8",
    svg: "image/svg+xml",
    png: "image/png",
    jpg: "image/jpeg",
    jpeg: "image/jpeg",
    gif: "image/gif",
    webp: "image/webp",
    avif: "image/avif",
    ico: "image/x-icon",
    woff: "font/woff",
    woff2: "font/woff2",
    ttf: "font/ttf",
    otf: "font/otf",
    wasm: "application/wasm",
    xml: "application/xml",
    pdf: "application/pdf",
};

export const NO_CACHE = "no-cache";
export const ONE_YEAR = "public, max-age=31536000, immutable";
export const SHORT = "public, max-age=300";

/** The Content-Type of a file by its extension (`application/octet-stream` when unknown). */
export function contentTypeOf(key: string): string {
    const ext = /\.([A-Za-z0-9]+)$/.exec(key)?.[1]?.toLowerCase();
    return (ext !== undefined ? TYPES[ext] : undefined) ?? "application/octet-stream";
}

/** A name that carries a content hash (`app.1a2b3c4d.js`, `index-DfX93kQa.css`): its content never changes. */
export function isFingerprinted(key: string): boolean {
    const base = key.split("/").pop() ?? key;
    return /[.-]([0-9a-f]{8,}|[A-Za-z0-9_]{8,})\.[A-Za-z0-9]+$/.test(base) && /\d/.test(base.replace(/\.[A-Za-z0-9]+$/, ""));
}

/** The Cache-Control of a file. */
export function cacheControlOf(key: string): string {
    const base = key.split("/").pop() ?? key;
    if (base === "index.html" || key === "release.json") {
        return NO_CACHE;
    }
    return isFingerprinted(key) ? ONE_YEAR : SHORT;
}

/**
 * Why the files taken from the frontend's image cannot be deployed, or undefined: none at all (the
 * bucket would serve nothing but release.json), or no `index.html` at the top of the directory
 * (the site would answer 404; when one lies deeper, the root is likely one directory too high).
 */
export function frontendFilesProblem(files: readonly string[]): string | undefined {
    if (files.length === 0) {
        return "holds no files: the bucket would serve nothing but release.json";
    }
    if (files.includes("index.html")) {
        return undefined;
    }
    let deeper: string | undefined;
    for (const f of files) {
        if (f.endsWith("/index.html") && (deeper === undefined || depth(f) < depth(deeper) || (depth(f) === depth(deeper) && f < deeper))) {
            deeper = f;
        }
    }
    const hint = deeper === undefined ? "" : ` (there is ${quoteName(deeper)}: the root is likely one directory too high)`;
    return `has no index.html at its top${hint}: the site would answer 404`;
}

function depth(key: string): number {
    return key.split("/").length;
}

/** Refused entries, as many as are listed and how many in all. */
export interface Refusals {
    readonly listed: readonly { readonly name: string; readonly reason: string }[];
    readonly count: number;
}

/** The first refusals kept to be named; the others are counted. */
export const REFUSALS_LISTED = 20;

/** One line per refused entry (name escaped, and why), at most {@link REFUSALS_LISTED}, then how many more. */
export function describeRefusals(refused: Refusals): string {
    const lines = refused.listed.slice(0, REFUSALS_LISTED).map((r) => `  ${quoteName(r.name)}: ${r.reason}`);
    const more = refused.count - lines.length;
    return [...lines, ...(more > 0 ? [`  … and ${more} more`] : [])].join("\n");
}
