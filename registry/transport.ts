/**
 * The HTTP rules of the registry client (registry/client.ts), apart from the API itself:
 *
 * - redirects are followed by hand, at most {@link MAX_REDIRECTS} hops, only to http(s) and never
 *   from https down to plain http; the Authorization header is dropped at the first hop to another
 *   origin (scheme, host, port) and never sent again in that chain;
 * - a token realm (`WWW-Authenticate: Bearer realm=…`) is asked only over https, or over plain
 *   http on the very host of a loopback registry (a registry on loopback is spoken to over http);
 * - every body is read bounded: the declared length first, then the bytes as they come;
 * - what a registry says is shown with control and bidirectional characters escaped.
 */
import type { Repository } from "../rules/imageReference";
import { isLoopback } from "../rules/imageReference";
import type { Credentials } from "./credentials";

export type RegistryErrorKind = "not-found" | "unauthorized" | "denied" | "rate-limited" | "unreachable" | "server" | "invalid";

/** A failed request: names the image, what was asked, and what the registry answered. */
export class RegistryError extends Error {
    constructor(
        readonly kind: RegistryErrorKind,
        readonly image: string,
        message: string,
        readonly status?: number,
    ) {
        super(message);
        this.name = "RegistryError";
    }
}

/** Hops one request may take. */
export const MAX_REDIRECTS = 5;

const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

export interface Hop {
    readonly method: "GET" | "HEAD" | "PUT" | "POST";
    readonly headers: Record<string, string>;
    /** A Blob (a file's, `fs.openAsBlob`) is read again on every hop, never held whole. */
    readonly body?: Buffer | Blob;
}

/**
 * Sends one request, following at most `maxRedirects` redirects by hand. `what` names the request
 * in errors. The Authorization header goes only to the origin of `url`.
 */
export async function sendFollowing(
    doFetch: typeof fetch,
    url: URL,
    hop: Hop,
    o: { what: string; registry: string; signal: AbortSignal; maxRedirects: number },
): Promise<Response> {
    let target = url;
    let { method, body } = hop;
    const headers = { ...hop.headers };
    for (let hops = 0; ; hops++) {
        const res = await doFetch(target, { method, headers, body, redirect: "manual", signal: o.signal });
        if (!REDIRECTS.has(res.status)) {
            return res;
        }
        const location = res.headers.get("location");
        await drain(res);
        const refuse = (why: string): RegistryError => new RegistryError("invalid", o.what, `${o.what}: ${o.registry} redirected ${why}; not followed`);
        if (location === null) {
            throw refuse(`(HTTP ${res.status}) without a Location`);
        }
        if (hops >= o.maxRedirects) {
            throw refuse(`more than ${o.maxRedirects} times (the limit), last to ${escaped(location, 200)}`);
        }
        let next: URL;
        try {
            next = new URL(location, target);
        } catch {
            throw refuse(`to ${escaped(location, 200)}, which is not a URL`);
        }
        if (next.protocol !== "https:" && next.protocol !== "http:") {
            throw refuse(`to ${escaped(next.protocol, 20)} (only http and https are followed)`);
        }
        if (target.protocol === "https:" && next.protocol === "http:") {
            throw refuse(`from https down to plain http (${escaped(next.origin, 200)})`);
        }
        if (next.origin !== url.origin) {
            delete headers.authorization; // credentials never leave the registry's own origin
        }
        if (res.status === 303 && method !== "HEAD") {
            method = "GET";
            body = undefined;
            delete headers["content-type"];
        }
        target = next;
    }
}

/**
 * The token realm of a bearer challenge, if vnv may ask it: https anywhere, or plain http on the
 * host of a loopback registry (which is itself spoken to over http). Throws naming the realm and
 * the registry otherwise, before anything (credentials above all) is sent there.
 */
export function tokenRealm(repo: Repository, realm: string, what: string): URL {
    const refuse = (why: string): RegistryError =>
        new RegistryError("unauthorized", what, `${what}: ${repo.registry}'s token realm ${escaped(realm, 200)} ${why}; refused, nothing sent there`, 401);
    let url: URL;
    try {
        url = new URL(realm);
    } catch {
        throw refuse("is not a URL");
    }
    if (url.username !== "" || url.password !== "") {
        throw refuse("carries credentials of its own");
    }
    if (url.protocol === "https:") {
        return url;
    }
    if (url.protocol !== "http:") {
        throw refuse("is neither https nor http");
    }
    const registry = new URL(repo.baseUrl);
    if (registry.protocol === "http:" && isLoopback(registry.host) && url.hostname === registry.hostname) {
        return url;
    }
    throw refuse(
        `is plain http on another host than the registry; credentials and tokens go to a token realm only over https (or on a loopback registry's own host)`,
    );
}

/**
 * The whole body, at most `max` bytes: a declared Content-Length beyond it is refused before a
 * byte is read, and the count is kept as the bytes come (a missing or lying length changes nothing).
 */
export async function readBounded(res: Response, max: number, refuse: (size: string) => Error): Promise<Buffer> {
    const declared = Number(res.headers.get("content-length") ?? "");
    if (Number.isFinite(declared) && declared > max) {
        await cancel(res);
        throw refuse(`${declared} bytes`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    if (res.body === null) {
        return Buffer.alloc(0);
    }
    const reader = res.body.getReader();
    for (;;) {
        const { done, value } = await reader.read();
        if (done) {
            break;
        }
        size += value.byteLength;
        if (size > max) {
            await reader.cancel().catch(() => undefined);
            throw refuse(`more than ${max} bytes`);
        }
        chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    }
    return Buffer.concat(chunks, size);
}

/** At most the first `max` bytes of the body as text (for an error answer); the rest is not read. */
export async function readPrefix(res: Response, max: number = 4096): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    if (res.body !== null) {
        const reader = res.body.getReader();
        try {
            for (;;) {
                if (size >= max) {
                    await reader.cancel();
                    break;
                }
                const { done, value } = await reader.read();
                if (done) {
                    break;
                }
                chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
                size += value.byteLength;
            }
        } catch {
            // a body that breaks off: what came is what there is
        }
    }
    return Buffer.concat(chunks).subarray(0, max).toString("utf8");
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: escaping control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `text` cut to `max` characters, control and bidirectional characters shown as `\uXXXX`. */
export function escaped(text: string, max: number = 300): string {
    const cut = text.length > max ? `${text.slice(0, max)}…` : text;
    return cut.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** `404 MANIFEST_UNKNOWN: manifest unknown` from a distribution error body, escaped. */
export function registryAnswer(status: number, body: string): string {
    try {
        const parsed = JSON.parse(body) as { errors?: Array<{ code?: unknown; message?: unknown }> };
        const first = Array.isArray(parsed.errors) ? parsed.errors[0] : undefined;
        if (first) {
            const code = typeof first.code === "string" ? escaped(first.code, 60) : "";
            const message = typeof first.message === "string" && first.message !== "" ? `: ${escaped(first.message, 200)}` : "";
            return `${status} ${code}${message}`.trim();
        }
    } catch {
        // not JSON
    }
    return `${status}${body ? ` ${escaped(body.slice(0, 120).trim(), 120)}` : ""}`;
}

export function basic(creds: Credentials): string {
    return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString("base64")}`;
}

export function retryAfter(value: string | null): number | undefined {
    if (value === null) {
        return undefined;
    }
    const seconds = Number(value);
    if (Number.isFinite(seconds)) {
        return Math.max(0, seconds * 1000);
    }
    const date = Date.parse(value);
    return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

export function networkReason(e: unknown): string {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code === "ECONNREFUSED") {
        return "connection refused";
    }
    if ((e as Error).name === "TimeoutError") {
        return "timed out";
    }
    return cause?.code ?? cause?.message ?? (e as Error).message;
}

/** Reads and forgets a small body (a redirect's, a challenge's), at most 64 KiB; the rest is cancelled. */
export async function drain(res: Response): Promise<void> {
    await readPrefix(res, 64 * 1024);
}

async function cancel(res: Response): Promise<void> {
    try {
        await res.body?.cancel();
    } catch {
        // nothing to cancel
    }
}

export function sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
}
