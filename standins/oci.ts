/**
 * Images written without Docker: layers are tar archives made here (exact modes, owners,
 * symlinks, a fixed time, so the same content always has the same digest), gzipped, and pushed
 * with their image config and a Docker v2 schema 2 manifest through the registry HTTP API
 * (monolithic blob uploads: POST, then PUT with the digest). What Docker Engine needs to run one:
 * `rootfs.diff_ids` are the sha256 of the UNCOMPRESSED tars, the manifest lists the compressed
 * blobs, and the config says architecture amd64, os linux.
 *
 * The registry's answers are read as hostile: bodies bounded, the upload location kept on the
 * registry's own origin, the digest it reports for a manifest checked against ours.
 */
import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { gzip as gzipCb } from "node:zlib";
import { pack } from "tar-stream";

const gzip = promisify(gzipCb);

/** The time every entry and the image itself is dated: reproducible digests (as ko and Bazel do). */
export const EPOCH = new Date(0);
const CREATED = EPOCH.toISOString();

export const MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json";
export const CONFIG_TYPE = "application/vnd.docker.container.image.v1+json";
export const LAYER_TYPE = "application/vnd.docker.image.rootfs.diff.tar.gzip";

export type Entry =
    | { readonly type: "directory"; readonly name: string; readonly mode?: number; readonly uid?: number }
    | { readonly type: "file"; readonly name: string; readonly content: Buffer | string; readonly mode?: number; readonly uid?: number }
    | { readonly type: "symlink"; readonly name: string; readonly target: string };

/** A layer: its entries, and what the image history says made it. */
export interface Layer {
    readonly entries: readonly Entry[];
    readonly createdBy: string;
}

/** The runtime part of an image config (Docker's field names). */
export interface RunConfig {
    readonly Entrypoint?: readonly string[];
    readonly Cmd?: readonly string[];
    readonly Env?: readonly string[];
    readonly ExposedPorts?: Readonly<Record<string, object>>;
    readonly Volumes?: Readonly<Record<string, object>>;
    readonly WorkingDir?: string;
    readonly User?: string;
    readonly Labels?: Readonly<Record<string, string>>;
    /** Durations in nanoseconds, as Docker stores them. */
    readonly Healthcheck?: {
        readonly Test: readonly string[];
        readonly Interval: number;
        readonly Timeout: number;
        readonly StartPeriod: number;
        readonly Retries: number;
    };
}

export function sha256(bytes: Buffer): string {
    return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** The tar archive of `entries`, in order, dated {@link EPOCH}, owned by root unless `uid` says. */
export async function tarOf(entries: readonly Entry[]): Promise<Buffer> {
    const p = pack();
    const chunks: Buffer[] = [];
    p.on("data", (c: unknown) => chunks.push(c as Buffer)); // tar-stream emits Buffers
    const done = new Promise<void>((resolve, reject) => {
        p.on("end", () => resolve());
        p.on("error", reject);
    });
    for (const e of entries) {
        const base = { name: e.name, mtime: EPOCH, uname: "", gname: "" };
        const header =
            e.type === "symlink"
                ? { ...base, type: "symlink" as const, linkname: e.target, mode: 0o777, uid: 0, gid: 0 }
                : { ...base, type: e.type, mode: e.mode ?? (e.type === "directory" ? 0o755 : 0o644), uid: e.uid ?? 0, gid: e.uid ?? 0 };
        const body = e.type === "file" ? Buffer.from(e.content) : undefined;
        await new Promise<void>((resolve, reject) => {
            const done = (err?: Error | null) => (err ? reject(err) : resolve());
            if (body === undefined) {
                p.entry(header, done);
            } else {
                p.entry({ ...header, size: body.length }, body, done);
            }
        });
    }
    p.finalize();
    await done;
    return Buffer.concat(chunks);
}

/** Where to push, and how to authenticate (an Authorization header, sent only to that origin). */
export interface Target {
    readonly registryUrl: string;
    readonly repo: string;
    readonly tag: string;
    readonly authorization?: string;
}

export interface Pushed {
    /** The manifest's digest: `sha256:…`. */
    readonly digest: string;
    /** `HOST:PORT/repo@sha256:…`, the way Docker and Compose pull it. */
    readonly reference: string;
    /** Bytes pushed (compressed layers, config and manifest; blobs already there not counted). */
    readonly bytesPushed: number;
}

const REPO = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const MAX_ANSWER = 8 * 1024;

/**
 * The registry's base URL: `http://…` or `https://…` with no path, or a bare `HOST:PORT`, which
 * means http on a loopback host (where registries run without TLS) and https elsewhere.
 */
export function registryBase(registryUrl: string): URL {
    const loopback = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d{1,5})?$/;
    const text = /^https?:\/\//.test(registryUrl) ? registryUrl : `${loopback.test(registryUrl) ? "http" : "https"}://${registryUrl}`;
    let url: URL;
    try {
        url = new URL(text);
    } catch {
        throw new Error(`not a registry URL: ${JSON.stringify(registryUrl.slice(0, 200))}`);
    }
    if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash || url.username || url.password) {
        throw new Error(`a registry URL is a scheme, a host and a port, nothing more: ${JSON.stringify(registryUrl.slice(0, 200))}`);
    }
    return new URL(url.origin);
}

async function answer(res: Response): Promise<string> {
    const text = res.body ? await readPrefix(res) : "";
    return `${res.status} ${JSON.stringify(text)}`;
}

async function readPrefix(res: Response): Promise<string> {
    const reader = res.body!.getReader();
    const parts: Uint8Array[] = [];
    let size = 0;
    try {
        while (size < MAX_ANSWER) {
            const chunk = await reader.read();
            if (chunk.done) break;
            parts.push(chunk.value);
            size += chunk.value.byteLength;
        }
    } finally {
        await reader.cancel().catch(() => undefined);
    }
    return Buffer.concat(parts).subarray(0, MAX_ANSWER).toString("utf8");
}

/** The registry's base URL of `target`, once its repository and tag are ones a registry takes. */
export function checkTarget(target: Target): URL {
    if (!REPO.test(target.repo) || target.repo.length > 255) throw new Error(`not a repository name: ${JSON.stringify(target.repo.slice(0, 300))}`);
    if (!TAG.test(target.tag)) throw new Error(`not a tag: ${JSON.stringify(target.tag.slice(0, 200))}`);
    return registryBase(target.registryUrl);
}

class Pusher {
    readonly base: URL;
    bytesPushed = 0;
    constructor(private readonly target: Target) {
        this.base = checkTarget(target);
    }

    private async send(url: URL, init: RequestInit): Promise<Response> {
        if (url.origin !== this.base.origin) throw new Error(`${this.base.host} sent the upload to another origin (${url.origin}): refused`);
        const headers = { ...(init.headers as Record<string, string>), ...(this.target.authorization ? { authorization: this.target.authorization } : {}) };
        return fetch(url, { ...init, headers, redirect: "error", signal: AbortSignal.timeout(120_000) });
    }

    private url(path: string): URL {
        return new URL(`/v2/${this.target.repo}/${path}`, this.base);
    }

    async blob(bytes: Buffer): Promise<string> {
        const digest = sha256(bytes);
        const head = await this.send(this.url(`blobs/${digest}`), { method: "HEAD" });
        if (head.status === 200) return digest;
        const start = await this.send(this.url("blobs/uploads/"), { method: "POST" });
        const location = start.headers.get("location");
        if (start.status !== 202 || !location) throw new Error(`${this.base.host}/${this.target.repo}: blob upload refused: ${await answer(start)}`);
        const put = new URL(location.slice(0, 2048), this.base);
        put.searchParams.set("digest", digest);
        const res = await this.send(put, { method: "PUT", headers: { "content-type": "application/octet-stream" }, body: bytes });
        if (res.status !== 201) throw new Error(`${this.base.host}/${this.target.repo}: blob ${digest} refused: ${await answer(res)}`);
        await res.body?.cancel();
        this.bytesPushed += bytes.length;
        return digest;
    }

    async manifest(bytes: Buffer): Promise<string> {
        const digest = sha256(bytes);
        const res = await this.send(this.url(`manifests/${this.target.tag}`), { method: "PUT", headers: { "content-type": MANIFEST_TYPE }, body: bytes });
        if (res.status !== 201) throw new Error(`${this.base.host}/${this.target.repo}:${this.target.tag}: manifest refused: ${await answer(res)}`);
        await res.body?.cancel();
        const stored = res.headers.get("docker-content-digest");
        if (stored !== null && stored !== digest)
            throw new Error(`${this.base.host}/${this.target.repo}:${this.target.tag}: the registry stored ${stored}, not ${digest}`);
        this.bytesPushed += bytes.length;
        return digest;
    }
}

/** The image config JSON of `layers`' diff ids with `config`: linux/amd64, dated {@link EPOCH}. */
export function imageConfig(config: RunConfig, diffIds: readonly string[], layers: readonly Layer[]): Buffer {
    const history = layers.map((l) => ({ created: CREATED, created_by: l.createdBy }));
    return Buffer.from(
        JSON.stringify({ architecture: "amd64", os: "linux", created: CREATED, config, rootfs: { type: "layers", diff_ids: diffIds }, history }),
    );
}

/** Gzipped layers of this process by diff id (the busybox layer of every image, versitygw's): gzip is most of a push's time. */
const gzipped = new Map<string, Buffer>();
const GZIPPED_KEPT = 16;

async function gzipOnce(diffId: string, tar: Buffer): Promise<Buffer> {
    const known = gzipped.get(diffId);
    if (known !== undefined) return known;
    const bytes = await gzip(tar);
    if (gzipped.size >= GZIPPED_KEPT) gzipped.delete(gzipped.keys().next().value as string);
    gzipped.set(diffId, bytes);
    return bytes;
}

/** Pushes an image of `layers` (bottom first) and `config` as `target.repo:target.tag`. */
export async function pushImage(target: Target, layers: readonly Layer[], config: RunConfig): Promise<Pushed> {
    const pusher = new Pusher(target);
    const diffIds: string[] = [];
    const descriptors: Array<{ mediaType: string; size: number; digest: string }> = [];
    for (const layer of layers) {
        const tar = await tarOf(layer.entries);
        const diffId = sha256(tar);
        const compressed = await gzipOnce(diffId, tar);
        diffIds.push(diffId);
        descriptors.push({ mediaType: LAYER_TYPE, size: compressed.length, digest: await pusher.blob(compressed) });
    }
    const configBytes = imageConfig(config, diffIds, layers);
    const configDescriptor = { mediaType: CONFIG_TYPE, size: configBytes.length, digest: await pusher.blob(configBytes) };
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MANIFEST_TYPE, config: configDescriptor, layers: descriptors }));
    const digest = await pusher.manifest(manifest);
    return { digest, reference: `${pusher.base.host}/${target.repo}@${digest}`, bytesPushed: pusher.bytesPushed };
}
