/**
 * A small client of the OCI distribution API: resolve a tag to its digest, read and put a
 * manifest (same bytes, so the digest and the kind — image or multi-arch index — stay), list
 * tags. Authentication the way registries do it: anonymous, basic, or the bearer-token
 * challenge of WWW-Authenticate (ghcr.io, Docker Hub, ECR).
 *
 * Retries only what is worth retrying: 429 (honouring Retry-After), 502/503/504, and network
 * errors; everything else fails at once with the image and the registry's answer.
 *
 * Everything a registry answers is bounded before it is read (registry/transport.ts): manifests,
 * tag pages and token answers by size, a tag listing by pages, tags and total time, redirects by
 * hops; credentials go only to the registry's own origin, and to a token realm over https (or on
 * a loopback registry's own host).
 */
import { createHash } from "node:crypto";
import { parseRepository, type Repository } from "../rules/imageReference";
import { type CredentialLookup, credentialsFrom } from "./credentials";
import { nextPage, parseChallenge, readTagPage } from "./tagList";
import {
    basic,
    drain,
    escaped,
    MAX_REDIRECTS,
    networkReason,
    readBounded,
    readPrefix,
    RegistryError,
    registryAnswer,
    retryAfter,
    sendFollowing,
    sleep,
    tokenRealm,
} from "./transport";

export { RegistryError, type RegistryErrorKind } from "./transport";
export { MAX_TAG_PAGE_BYTES, parseChallenge, parseNextLink } from "./tagList";

export const MEDIA_TYPES = {
    ociIndex: "application/vnd.oci.image.index.v1+json",
    dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
    ociManifest: "application/vnd.oci.image.manifest.v1+json",
    dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
} as const;

/** Every manifest kind we accept, indexes first. */
export const ACCEPT = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerList, MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest].join(", ");

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
    /** Pages one tag listing may take; a registry that offers more is refused. @default 1000 */
    readonly maxTagPages?: number;
    /** Tags one repository may have; a listing beyond it is refused. @default 100000 */
    readonly maxTags?: number;
    /** How long one tag listing, every page together, may take, in ms. @default 300000 */
    readonly tagListTimeoutMs?: number;
    /** Redirects one request may follow. @default 5 */
    readonly maxRedirects?: number;
    /** Largest manifest read. @default 4 MiB (what the distribution spec lets registries refuse beyond) */
    readonly maxManifestBytes?: number;
    /** @default globalThis.fetch */
    readonly fetch?: typeof fetch;
}

/** Largest answer of a token service. */
export const MAX_TOKEN_BYTES = 1024 * 1024;

export function sha256Digest(bytes: Buffer | Uint8Array): string {
    return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
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
            maxTagPages: options.maxTagPages ?? 1000,
            maxTags: options.maxTags ?? 100_000,
            tagListTimeoutMs: options.tagListTimeoutMs ?? 300_000,
            maxRedirects: options.maxRedirects ?? MAX_REDIRECTS,
            maxManifestBytes: options.maxManifestBytes ?? 4 * 1024 * 1024,
        };
        for (const key of ["tagPageSize", "maxTagPages", "maxTags", "tagListTimeoutMs", "maxManifestBytes"] as const) {
            if (!Number.isSafeInteger(this.opts[key]) || this.opts[key] < 1) {
                throw new RangeError(`${key} must be a whole number of at least 1, not ${this.opts[key]}`);
            }
        }
        if (!Number.isSafeInteger(this.opts.maxRedirects) || this.opts.maxRedirects < 0) {
            throw new RangeError(`maxRedirects must be a whole number of at least 0, not ${this.opts.maxRedirects}`);
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
        const what = `${image}:${reference}`;
        const res = await this.request(repo, "GET", `manifests/${reference}`, { accept: ACCEPT, what, scope: "pull" });
        const max = this.opts.maxManifestBytes;
        const bytes = await readBounded(
            res,
            max,
            (size) => new RegistryError("invalid", image, `${what}: a manifest of ${size}, more than the ${max} allowed`),
        );
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
     * Uploads a blob unless the repository holds it already (HEAD first): the distribution API's
     * monolithic upload, a POST that opens it, then one PUT of every byte with the digest. The
     * upload's Location must stay on the registry's own origin (credentials go nowhere else).
     */
    async pushBlob(image: string, digest: string, body: Buffer | Blob): Promise<"pushed" | "present"> {
        const repo = parseRepository(image);
        const what = `${image}@${digest}`;
        if (await this.hasBlob(repo, what, digest)) {
            return "present";
        }
        const start = await this.request(repo, "POST", "blobs/uploads/", { what, scope: "pull,push" });
        await drain(start);
        const location = start.headers.get("location");
        let put: URL | undefined;
        try {
            put = location === null || location.length > 4096 ? undefined : new URL(location, `${repo.baseUrl}/`);
        } catch {
            put = undefined;
        }
        if (put === undefined || start.status !== 202 || put.origin !== new URL(repo.baseUrl).origin) {
            throw new RegistryError(
                "invalid",
                image,
                `${what}: ${repo.registry} opened the upload at no URL of its own (HTTP ${start.status}, Location ${escaped(String(location), 200)}); refused`,
            );
        }
        put.searchParams.set("digest", digest);
        try {
            const timeoutMs = this.opts.timeoutMs + Math.ceil(sizeOf(body) / 262_144) * 1000; // 256 KiB/s at the least
            const res = await this.request(repo, "PUT", put, { what, scope: "pull,push", body, contentType: "application/octet-stream", timeoutMs });
            await drain(res);
            if (res.status !== 201) {
                throw new RegistryError("invalid", image, `${what}: ${repo.registry} answered HTTP ${res.status} to the upload, not 201 Created`);
            }
        } catch (e) {
            // A retried PUT after an answer lost on the way finds its upload closed: the blob is there.
            if (!(e instanceof RegistryError && e.kind === "not-found" && (await this.hasBlob(repo, what, digest)))) {
                throw e;
            }
        }
        return "pushed";
    }

    private async hasBlob(repo: Repository, what: string, digest: string): Promise<boolean> {
        try {
            await this.request(repo, "HEAD", `blobs/${digest}`, { what, scope: "pull,push" });
            return true;
        } catch (e) {
            if (e instanceof RegistryError && e.kind === "not-found") {
                return false;
            }
            throw e;
        }
    }

    /**
     * A blob (a layer or an image config) by digest, at most `maxBytes`, checked against its
     * digest. Registries may redirect blob downloads to their storage; the redirect is followed.
     */
    async blob(image: string, digest: string, maxBytes: number): Promise<Buffer> {
        const repo = parseRepository(image);
        const res = await this.request(repo, "GET", `blobs/${digest}`, { what: `${image}@${digest}`, scope: "pull" });
        const bytes = await readBounded(
            res,
            maxBytes,
            (size) => new RegistryError("invalid", image, `${image}@${digest}: ${size}, more than the ${maxBytes} allowed`),
        );
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
     * Bounded: at most `maxTagPages` pages of at most {@link MAX_TAG_PAGE_BYTES} each, at most
     * `maxTags` tags, within `tagListTimeoutMs` in all; beyond any of them the listing is refused,
     * naming the repository and the limit.
     */
    async tags(image: string): Promise<string[]> {
        const repo = parseRepository(image);
        const out: string[] = [];
        const seen = new Set<string>();
        const { maxTagPages, maxTags, tagListTimeoutMs } = this.opts;
        const deadline = Date.now() + tagListTimeoutMs;
        const refuse = (why: string): RegistryError => new RegistryError("invalid", image, `${image}: ${repo.registry} ${why}; the listing is refused`);
        let next: string | undefined = `tags/list?n=${this.opts.tagPageSize}`;
        for (let pages = 0; next !== undefined; pages++) {
            if (pages >= maxTagPages) {
                throw refuse(`offers more than ${maxTagPages} pages of tags (the page cap, ${this.opts.tagPageSize} tags a page asked for)`);
            }
            const left = deadline - Date.now();
            if (left <= 0) {
                throw refuse(`took longer than ${tagListTimeoutMs} ms (the time cap) to list its tags, after ${pages} page(s)`);
            }
            seen.add(next);
            let res: Response;
            try {
                res = await this.request(repo, "GET", next, {
                    accept: "application/json",
                    what: image,
                    scope: "pull",
                    timeoutMs: Math.min(left, this.opts.timeoutMs),
                });
            } catch (e) {
                throw e instanceof RegistryError && e.kind === "unreachable" && Date.now() >= deadline
                    ? refuse(`took longer than ${tagListTimeoutMs} ms (the time cap) to list its tags, after ${pages} page(s)`)
                    : e;
            }
            const requested = `${repo.baseUrl}/v2/${repo.path}/${next}`;
            const tags = await readTagPage(repo, image, res);
            if (tags.length > maxTags - out.length) {
                throw refuse(`has more than ${maxTags} tags (the tag cap)`);
            }
            out.push(...tags);
            next = nextPage(repo, image, res.headers.get("link"), requested);
            if (next !== undefined && seen.has(next)) {
                throw new RegistryError(
                    "invalid",
                    image,
                    `${image}: ${repo.registry}'s next-page link ${escaped(JSON.stringify(next))} repeats a page already read; refused`,
                );
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ transport

    private async request(
        repo: Repository,
        method: "GET" | "HEAD" | "PUT" | "POST",
        path: string | URL,
        o: { accept?: string; what: string; scope: "pull" | "pull,push"; body?: Buffer | Blob; contentType?: string; timeoutMs?: number },
    ): Promise<Response> {
        const url = typeof path === "string" ? new URL(`${repo.baseUrl}/v2/${repo.path}/${path}`) : path;
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
                const signal = AbortSignal.timeout(o.timeoutMs ?? this.opts.timeoutMs);
                const hop = { method, headers, ...(o.body === undefined ? {} : { body: o.body }) };
                res = await sendFollowing(this.fetch, url, hop, { what: o.what, registry: repo.registry, signal, maxRedirects: this.opts.maxRedirects });
            } catch (e) {
                if (e instanceof RegistryError) {
                    throw e;
                }
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
            const text = method === "HEAD" ? "" : await readPrefix(res);
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
                `${o.what}: ${repo.registry} asked for authentication it did not describe (WWW-Authenticate: ${escaped(JSON.stringify(header), 200)})`,
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
        const url = tokenRealm(repo, realm, o.what);
        if (challenge.params.service) {
            url.searchParams.set("service", challenge.params.service);
        }
        url.searchParams.set("scope", `repository:${repo.path}:${o.scope}`);
        const headers: Record<string, string> = {};
        if (creds?.username && creds.password !== undefined) {
            headers.authorization = basic(creds);
        }
        const service = `token service ${url.host}`;
        let res: Response;
        try {
            const signal = AbortSignal.timeout(this.opts.timeoutMs);
            res = await sendFollowing(
                this.fetch,
                url,
                { method: "GET", headers },
                { what: o.what, registry: service, signal, maxRedirects: this.opts.maxRedirects },
            );
        } catch (e) {
            if (e instanceof RegistryError) {
                throw e;
            }
            throw new RegistryError("unreachable", o.what, `${o.what}: ${service} is unreachable (${networkReason(e)})`);
        }
        if (!res.ok) {
            const text = await readPrefix(res);
            throw new RegistryError(
                res.status === 429 ? "rate-limited" : "unauthorized",
                o.what,
                `${o.what}: ${service} refused (${registryAnswer(res.status, text)})${creds ? `; credentials from ${creds.source}` : "; no credentials found"}`,
                res.status,
            );
        }
        const bytes = await readBounded(
            res,
            MAX_TOKEN_BYTES,
            (size) => new RegistryError("invalid", o.what, `${o.what}: ${service} answered ${size}, more than a token's ${MAX_TOKEN_BYTES}`),
        );
        let body: { token?: unknown; access_token?: unknown } | null;
        try {
            body = JSON.parse(bytes.toString("utf8")) as typeof body;
        } catch {
            throw new RegistryError("invalid", o.what, `${o.what}: ${service} answered something that is not JSON`);
        }
        const token = body?.token ?? body?.access_token;
        if (typeof token !== "string" || !/^[\x21-\x7e]+$/.test(token)) {
            throw new RegistryError("unauthorized", o.what, `${o.what}: ${service} answered no token (a string of visible ASCII characters)`);
        }
        this.auth.set(authKey, `Bearer ${token}`);
    }
}

export { parseRepository };

function sizeOf(body: Buffer | Blob): number {
    return Buffer.isBuffer(body) ? body.length : body.size;
}
