/**
 * A small client of the OCI distribution API: resolve a tag to its digest, read and put a
 * manifest (same bytes, so the digest and the kind — image or multi-arch index — stay), list
 * tags. Authentication the way registries do it: anonymous, basic, or the bearer-token
 * challenge of WWW-Authenticate (ghcr.io, Docker Hub, ECR).
 *
 * Retries only what is worth retrying: 429 (honouring Retry-After), 502/503/504, and network
 * errors; everything else fails at once with the image and the registry's answer.
 */
import { createHash } from "node:crypto";
import { parseRepository, type Repository } from "../rules/imageReference";
import { type CredentialLookup, type Credentials, credentialsFrom } from "./credentials";

export const MEDIA_TYPES = {
    ociIndex: "application/vnd.oci.image.index.v1+json",
    dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
    ociManifest: "application/vnd.oci.image.manifest.v1+json",
    dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
} as const;

/** Every manifest kind we accept, indexes first. */
export const ACCEPT = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerList, MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest].join(", ");

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

export interface Manifest {
    readonly digest: string;
    readonly mediaType: string;
    readonly bytes: Buffer;
}

export interface ClientOptions {
    /** @default credentials from the environment and Docker config */
    readonly credentials?: CredentialLookup;
    /** Attempts for retryable failures. @default 3 */
    readonly attempts?: number;
    /** First backoff in ms (doubles). @default 250 */
    readonly backoffMs?: number;
    /** Longest Retry-After honoured, in ms. @default 10000 */
    readonly maxRetryAfterMs?: number;
    /** Per-request timeout in ms. @default 30000 */
    readonly timeoutMs?: number;
    /**
     * Tags asked for per page of a tag listing (`tags/list?n=…`); the registry may answer fewer
     * and a `Link: <…>; rel="next"` header to the next page, which is followed. @default 1000
     */
    readonly tagPageSize?: number;
    /** @default globalThis.fetch */
    readonly fetch?: typeof fetch;
}

export function sha256Digest(bytes: Buffer | Uint8Array): string {
    return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

interface Challenge {
    readonly scheme: "basic" | "bearer";
    readonly params: Record<string, string>;
}

/** `Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:x:pull"`. */
export function parseChallenge(header: string): Challenge | undefined {
    const m = header.match(/^\s*(Basic|Bearer)\b\s*(.*)$/i);
    if (!m) {
        return undefined;
    }
    const params: Record<string, string> = {};
    for (const p of m[2]!.matchAll(/([A-Za-z_]+)\s*=\s*(?:"([^"]*)"|([^,\s]*))/g)) {
        params[p[1]!.toLowerCase()] = p[2] ?? p[3] ?? "";
    }
    return { scheme: m[1]!.toLowerCase() as "basic" | "bearer", params };
}

export class RegistryClient {
    private readonly credentials: CredentialLookup;
    private readonly opts: Required<Omit<ClientOptions, "credentials" | "fetch">>;
    private readonly fetch: typeof fetch;
    /** Authorization header per registry + scope. */
    private readonly auth = new Map<string, string>();

    constructor(options: ClientOptions = {}) {
        this.credentials = options.credentials ?? credentialsFrom();
        this.fetch = options.fetch ?? globalThis.fetch;
        this.opts = {
            attempts: options.attempts ?? 3,
            backoffMs: options.backoffMs ?? 250,
            maxRetryAfterMs: options.maxRetryAfterMs ?? 10_000,
            timeoutMs: options.timeoutMs ?? 30_000,
            tagPageSize: options.tagPageSize ?? 1000,
        };
        if (!Number.isSafeInteger(this.opts.tagPageSize) || this.opts.tagPageSize < 1) {
            throw new RangeError(`tagPageSize must be a whole number of at least 1, not ${this.opts.tagPageSize}`);
        }
    }

    /** The digest `tag` points to, without downloading layers (HEAD, else GET of the manifest). */
    async resolve(image: string, tag: string): Promise<Manifest & { tag: string }> {
        const repo = parseRepository(image);
        let head: Response;
        try {
            head = await this.request(repo, "HEAD", `manifests/${tag}`, { accept: ACCEPT, what: `${image}:${tag}`, scope: "pull" });
        } catch (e) {
            if (e instanceof RegistryError && e.kind === "not-found") {
                // A HEAD answer has no body: ask again with GET for the registry's own words.
                await this.manifest(image, tag);
            }
            throw e;
        }
        const digest = head.headers.get("docker-content-digest");
        const mediaType = head.headers.get("content-type") ?? "";
        if (digest && /^sha256:[0-9a-f]{64}$/.test(digest)) {
            return { tag, digest, mediaType: mediaType.split(";")[0]!, bytes: Buffer.alloc(0) };
        }
        const manifest = await this.manifest(image, tag);
        return { ...manifest, tag };
    }

    /** The manifest `reference` (tag or digest) names, its bytes exactly as stored. */
    async manifest(image: string, reference: string): Promise<Manifest> {
        const repo = parseRepository(image);
        const res = await this.request(repo, "GET", `manifests/${reference}`, { accept: ACCEPT, what: `${image}:${reference}`, scope: "pull" });
        const bytes = Buffer.from(await res.arrayBuffer());
        const digest = sha256Digest(bytes);
        const claimed = res.headers.get("docker-content-digest");
        if (claimed && claimed !== digest) {
            throw new RegistryError("invalid", image, `${image}:${reference}: the registry says ${claimed} but the manifest hashes to ${digest}`);
        }
        if (reference.startsWith("sha256:") && reference !== digest) {
            throw new RegistryError("invalid", image, `${image}@${reference}: the manifest returned hashes to ${digest}`);
        }
        const mediaType = (res.headers.get("content-type") ?? "").split(";")[0]!;
        return { digest, mediaType, bytes };
    }

    /** Puts `manifest` (same bytes, same media type) under `tag`; the digest cannot change. */
    async tag(image: string, tag: string, manifest: Manifest): Promise<void> {
        const repo = parseRepository(image);
        const res = await this.request(repo, "PUT", `manifests/${tag}`, {
            what: `${image}:${tag}`,
            scope: "pull,push",
            body: manifest.bytes,
            contentType: manifest.mediaType,
        });
        const digest = res.headers.get("docker-content-digest");
        if (digest && digest !== manifest.digest) {
            throw new RegistryError("invalid", image, `${image}:${tag}: the registry stored ${digest}, expected ${manifest.digest}`);
        }
    }

    /**
     * A blob (a layer or an image config) by digest, at most `maxBytes`, checked against its
     * digest. Registries may redirect blob downloads to their storage; the redirect is followed.
     */
    async blob(image: string, digest: string, maxBytes: number): Promise<Buffer> {
        const repo = parseRepository(image);
        const res = await this.request(repo, "GET", `blobs/${digest}`, { what: `${image}@${digest}`, scope: "pull" });
        const length = Number(res.headers.get("content-length") ?? "0");
        if (length > maxBytes) {
            await drain(res);
            throw new RegistryError("invalid", image, `${image}@${digest}: ${length} bytes, more than the ${maxBytes} allowed`);
        }
        const bytes = Buffer.from(await res.arrayBuffer());
        if (bytes.length > maxBytes) {
            throw new RegistryError("invalid", image, `${image}@${digest}: more than the ${maxBytes} bytes allowed`);
        }
        if (sha256Digest(bytes) !== digest) {
            throw new RegistryError("invalid", image, `${image}@${digest}: the blob hashes to ${sha256Digest(bytes)}`);
        }
        return bytes;
    }

    /**
     * A blob's bytes as they arrive, never held whole: at most `maxBytes` (the Content-Length is
     * checked first, then every chunk), hashed on the way. The digest is checked after the last
     * chunk, so nothing read is the blob's until the iteration ends without an error. Ending the
     * iteration early (break, or an error of the consumer) cancels the download.
     */
    async *blobChunks(image: string, digest: string, maxBytes: number): AsyncGenerator<Buffer, void, undefined> {
        const repo = parseRepository(image);
        const what = `${image}@${digest}`;
        const res = await this.request(repo, "GET", `blobs/${digest}`, { what, scope: "pull" });
        const length = Number(res.headers.get("content-length") ?? "0");
        if (length > maxBytes) {
            await res.body?.cancel().catch(() => undefined);
            throw new RegistryError("invalid", image, `${what}: ${length} bytes, more than the ${maxBytes} allowed`);
        }
        const hash = createHash("sha256");
        let read = 0;
        const reader = res.body?.getReader();
        try {
            for (;;) {
                const chunk = reader === undefined ? { done: true as const } : await reader.read();
                if (chunk.done) {
                    break;
                }
                read += chunk.value.byteLength;
                if (read > maxBytes) {
                    throw new RegistryError("invalid", image, `${what}: more than the ${maxBytes} bytes allowed`);
                }
                hash.update(chunk.value);
                yield Buffer.from(chunk.value.buffer, chunk.value.byteOffset, chunk.value.byteLength);
            }
        } finally {
            await reader?.cancel().catch(() => undefined);
        }
        const got = `sha256:${hash.digest("hex")}`;
        if (got !== digest) {
            throw new RegistryError("invalid", image, `${what}: the blob hashes to ${got}`);
        }
    }

    /**
     * Every tag of the repository, `tagPageSize` at a time, following the registry's
     * `Link: </v2/<name>/tags/list?last=…&n=…>; rel="next"` (relative, as the distribution
     * registry, ghcr.io and Docker Hub write it, or absolute). A next link is only followed to
     * this repository's tag list on the same registry: one pointing at another host, scheme,
     * port, repository or endpoint, or back at a page already read, is refused ("invalid").
     */
    async tags(image: string): Promise<string[]> {
        const repo = parseRepository(image);
        const list = `/v2/${repo.path}/tags/list`;
        const out: string[] = [];
        const seen = new Set<string>();
        let next: string | undefined = `tags/list?n=${this.opts.tagPageSize}`;
        while (next !== undefined) {
            seen.add(next);
            const res = await this.request(repo, "GET", next, { accept: "application/json", what: image, scope: "pull" });
            const requested = `${repo.baseUrl}/v2/${repo.path}/${next}`;
            let body: { tags?: unknown } | null;
            try {
                body = (await res.json()) as { tags?: unknown } | null;
            } catch {
                throw new RegistryError("invalid", image, `${image}: ${repo.registry} answered a tag list that is not JSON`);
            }
            const tags = body?.tags ?? [];
            if (!Array.isArray(tags) || tags.some((t) => typeof t !== "string")) {
                throw new RegistryError("invalid", image, `${image}: ${repo.registry} answered a tag list that is not a list of strings`);
            }
            out.push(...(tags as string[]));
            const link = parseNextLink(res.headers.get("link"));
            if (link === undefined) {
                next = undefined;
                continue;
            }
            let target: URL;
            try {
                target = new URL(link, requested);
            } catch {
                throw new RegistryError("invalid", image, `${image}: ${repo.registry}'s next-page link ${JSON.stringify(link)} is not a URL; not followed`);
            }
            if (target.origin !== new URL(repo.baseUrl).origin || target.pathname !== list) {
                throw new RegistryError(
                    "invalid",
                    image,
                    `${image}: ${repo.registry}'s next-page link ${JSON.stringify(link)} leads away from ${repo.baseUrl}${list}; refused, not followed`,
                );
            }
            next = `tags/list${target.search}`;
            if (seen.has(next)) {
                throw new RegistryError(
                    "invalid",
                    image,
                    `${image}: ${repo.registry}'s next-page link ${JSON.stringify(link)} repeats a page already read; refused`,
                );
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ transport

    private async request(
        repo: Repository,
        method: "GET" | "HEAD" | "PUT",
        path: string,
        o: { accept?: string; what: string; scope: "pull" | "pull,push"; body?: Buffer; contentType?: string },
    ): Promise<Response> {
        const url = `${repo.baseUrl}/v2/${repo.path}/${path}`;
        const authKey = `${repo.registry} repository:${repo.path}:${o.scope}`;
        let challenged = false;
        for (let attempt = 1; ; attempt++) {
            const headers: Record<string, string> = {};
            if (o.accept) {
                headers.accept = o.accept;
            }
            if (o.contentType) {
                headers["content-type"] = o.contentType;
            }
            const authorization = this.auth.get(authKey);
            if (authorization) {
                headers.authorization = authorization;
            }
            let res: Response;
            try {
                res = await this.fetch(url, { method, headers, body: o.body, signal: AbortSignal.timeout(this.opts.timeoutMs) });
            } catch (e) {
                const reason = networkReason(e);
                if (attempt < this.opts.attempts) {
                    await sleep(this.opts.backoffMs * 2 ** (attempt - 1));
                    continue;
                }
                throw new RegistryError("unreachable", o.what, `${o.what}: registry ${repo.registry} is unreachable (${reason}) after ${attempt} attempt(s)`);
            }
            if (res.status === 401 && !challenged) {
                challenged = true;
                await drain(res);
                await this.authenticate(repo, res.headers.get("www-authenticate") ?? "", authKey, o);
                attempt--; // answering a challenge is not a failed attempt
                continue;
            }
            if (res.ok) {
                return res;
            }
            const text = method === "HEAD" ? "" : await res.text().catch(() => "");
            const answer = registryAnswer(res.status, text);
            if (res.status === 429 || res.status === 502 || res.status === 503 || res.status === 504) {
                const wait = retryAfter(res.headers.get("retry-after")) ?? this.opts.backoffMs * 2 ** (attempt - 1);
                if (attempt < this.opts.attempts && wait <= this.opts.maxRetryAfterMs) {
                    await sleep(wait);
                    continue;
                }
                const kind = res.status === 429 ? "rate-limited" : "server";
                throw new RegistryError(
                    kind,
                    o.what,
                    `${o.what}: ${kind === "rate-limited" ? "rate limited by" : "server error from"} ${repo.registry} (${answer}) after ${attempt} attempt(s)`,
                    res.status,
                );
            }
            if (res.status === 404) {
                throw new RegistryError("not-found", o.what, `${o.what}: not found in ${repo.registry} (${answer})`, 404);
            }
            if (res.status === 401) {
                const creds = this.credentials(repo.registry);
                throw new RegistryError(
                    "unauthorized",
                    o.what,
                    `${o.what}: unauthorised by ${repo.registry} (${answer}); ${creds ? `credentials from ${creds.source} were refused` : "no credentials found: set VNV_REGISTRY_CREDENTIALS or docker login"}`,
                    401,
                );
            }
            if (res.status === 403) {
                throw new RegistryError("denied", o.what, `${o.what}: access denied by ${repo.registry} (${answer})`, 403);
            }
            throw new RegistryError("invalid", o.what, `${o.what}: ${repo.registry} answered ${answer}`, res.status);
        }
    }

    /** Answers a WWW-Authenticate challenge: basic credentials, or a bearer token from the realm. */
    private async authenticate(repo: Repository, header: string, authKey: string, o: { what: string; scope: string }): Promise<void> {
        const challenge = parseChallenge(header);
        const creds = this.credentials(repo.registry);
        if (challenge === undefined) {
            throw new RegistryError(
                "unauthorized",
                o.what,
                `${o.what}: ${repo.registry} asked for authentication it did not describe (WWW-Authenticate: ${JSON.stringify(header)})`,
                401,
            );
        }
        if (challenge.scheme === "basic") {
            if (!creds?.username || creds.password === undefined) {
                throw new RegistryError(
                    "unauthorized",
                    o.what,
                    `${o.what}: ${repo.registry} wants basic credentials and none were found (set VNV_REGISTRY_CREDENTIALS or docker login)`,
                    401,
                );
            }
            this.auth.set(authKey, basic(creds));
            return;
        }
        const realm = challenge.params.realm;
        if (!realm) {
            throw new RegistryError("unauthorized", o.what, `${o.what}: ${repo.registry}'s bearer challenge has no realm`, 401);
        }
        const url = new URL(realm);
        if (challenge.params.service) {
            url.searchParams.set("service", challenge.params.service);
        }
        url.searchParams.set("scope", `repository:${repo.path}:${o.scope}`);
        const headers: Record<string, string> = {};
        if (creds?.username && creds.password !== undefined) {
            headers.authorization = basic(creds);
        }
        let res: Response;
        try {
            res = await this.fetch(url, { headers, signal: AbortSignal.timeout(this.opts.timeoutMs) });
        } catch (e) {
            throw new RegistryError("unreachable", o.what, `${o.what}: token service ${url.host} is unreachable (${networkReason(e)})`);
        }
        if (!res.ok) {
            const text = await res.text().catch(() => "");
            throw new RegistryError(
                res.status === 429 ? "rate-limited" : "unauthorized",
                o.what,
                `${o.what}: token service ${url.host} refused (${registryAnswer(res.status, text)})${creds ? `; credentials from ${creds.source}` : "; no credentials found"}`,
                res.status,
            );
        }
        const body = (await res.json()) as { token?: string; access_token?: string };
        const token = body.token ?? body.access_token;
        if (!token) {
            throw new RegistryError("unauthorized", o.what, `${o.what}: token service ${url.host} answered no token`);
        }
        this.auth.set(authKey, `Bearer ${token}`);
    }
}

/**
 * The target of the `rel="next"` link of a `Link` header (RFC 8288), as written: several links
 * may be given, separated by commas, and `rel` may list several relations (`rel="next last"`).
 */
export function parseNextLink(header: string | null | undefined): string | undefined {
    for (const m of (header ?? "").matchAll(/<([^>]*)>((?:\s*;\s*[^;,]*)*)/g)) {
        for (const param of m[2]!.matchAll(/;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,"]+))/gi)) {
            const rels = (param[1] ?? param[2] ?? "").toLowerCase().split(/\s+/);
            if (rels.includes("next")) {
                return m[1]!;
            }
        }
    }
    return undefined;
}

function basic(creds: Credentials): string {
    return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString("base64")}`;
}

/** `404 MANIFEST_UNKNOWN: manifest unknown` from a distribution error body. */
function registryAnswer(status: number, body: string): string {
    try {
        const parsed = JSON.parse(body) as { errors?: Array<{ code?: string; message?: string }> };
        const first = parsed.errors?.[0];
        if (first) {
            return `${status} ${first.code ?? ""}${first.message ? `: ${first.message}` : ""}`.trim();
        }
    } catch {
        // not JSON
    }
    return `${status}${body ? ` ${body.slice(0, 120).trim()}` : ""}`;
}

function retryAfter(value: string | null): number | undefined {
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

function networkReason(e: unknown): string {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code === "ECONNREFUSED") {
        return "connection refused";
    }
    if ((e as Error).name === "TimeoutError") {
        return "timed out";
    }
    return cause?.code ?? cause?.message ?? (e as Error).message;
}

async function drain(res: Response): Promise<void> {
    try {
        await res.arrayBuffer();
    } catch {
        // nothing to drain
    }
}

function sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
}

export { parseRepository };
