/**
 * How the frontend's files are served from the bucket: content type by extension, and caching
 * (`index.html` and `release.json` never cached, so a new version is seen at once; fingerprinted
 * assets, whose names change with their content, cached for a year; the rest briefly).
 *
 * Pure module: no `@pulumi/*` import.
 */

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
