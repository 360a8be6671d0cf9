/**
 * An `s3://` backend as a blob store (automation/state/blobStore.ts). A listing carries each object's
 * size and stops past its bound (in keys and in pages); a read asks for the object and refuses it
 * when the answer's length is over the bound before any byte of the body is taken, then counts
 * the bytes as they come and aborts the request past the bound (an object replaced meanwhile, a
 * length not given). A "directory" (a common prefix, a key ending in `/`) is listed as one.
 */
import type { Readable } from "node:stream";
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
    type BlobListing,
    type Blobs,
    BlobTooLargeError,
    bound,
    byKey,
    checkedKey,
    ListingTooLargeError,
    type ListOptions,
    MAX_LISTED,
    MAX_READ,
    type ReadOptions,
} from "./blobStore";

/** `s3://bucket[/prefix][?region=…&endpoint=…&s3ForcePathStyle=true&profile=…]`, as the engine reads it. */
export function s3Location(url: string): { bucket: string; prefix: string; region?: string; endpoint?: string; forcePathStyle: boolean; profile?: string } {
    const u = new URL(url);
    const q = u.searchParams;
    const prefix = decodeURIComponent(u.pathname.replace(/^\/+/, ""));
    return {
        bucket: u.hostname,
        prefix: prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`,
        region: q.get("region") ?? undefined,
        endpoint: q.get("endpoint") ?? undefined,
        forcePathStyle: q.get("s3ForcePathStyle") === "true" || q.get("use_path_style") === "true",
        profile: q.get("profile") ?? undefined,
    };
}

/** Keys in one page of ListObjectsV2 (S3's own maximum). */
const PAGE = 1000;

/** An S3 bucket and prefix as a blob store. */
class S3Blobs implements Blobs {
    private readonly at: ReturnType<typeof s3Location>;
    private readonly client: S3Client;

    constructor(url: string) {
        this.at = s3Location(url);
        this.client = new S3Client({
            ...(this.at.region !== undefined ? { region: this.at.region } : {}),
            ...(this.at.endpoint !== undefined ? { endpoint: this.at.endpoint } : {}),
            ...(this.at.profile !== undefined ? { profile: this.at.profile } : {}),
            forcePathStyle: this.at.forcePathStyle,
            maxAttempts: 3,
        });
    }

    private entry(key: string, modified: Date | undefined, size: number | undefined): BlobListing {
        const directory = key.endsWith("/");
        return {
            key: key.slice(this.at.prefix.length),
            modified: modified ?? new Date(0),
            size: directory ? 0 : (size ?? 0),
            kind: directory ? "directory" : "object",
        };
    }

    async list(prefix: string, options: ListOptions = {}): Promise<BlobListing[]> {
        const max = bound(options.maxKeys, MAX_LISTED, "maxKeys");
        const maxPages = Math.ceil(max / PAGE) + 1;
        const out: BlobListing[] = [];
        let token: string | undefined;
        let pages = 0;
        do {
            if (++pages > maxPages) {
                throw new ListingTooLargeError(prefix, max);
            }
            const page = await this.client.send(
                new ListObjectsV2Command({
                    Bucket: this.at.bucket,
                    Prefix: `${this.at.prefix}${prefix}`,
                    MaxKeys: PAGE,
                    ...(options.recursive ? {} : { Delimiter: "/" }),
                    ...(options.startAfter !== undefined && token === undefined ? { StartAfter: `${this.at.prefix}${options.startAfter}` } : {}),
                    ContinuationToken: token,
                }),
                { abortSignal: options.signal },
            );
            // The prefix's own folder marker (a console's "create folder") is the prefix, not an entry under it.
            const under = (key: string | undefined): key is string => key !== undefined && key !== `${this.at.prefix}${prefix}`;
            const found = [
                ...(page.Contents ?? []).flatMap((o) => (under(o.Key) ? [this.entry(o.Key, o.LastModified, o.Size)] : [])),
                ...(page.CommonPrefixes ?? []).flatMap((p) => (under(p.Prefix) ? [this.entry(p.Prefix, undefined, 0)] : [])),
            ];
            if (out.length + found.length > max) {
                throw new ListingTooLargeError(prefix, max);
            }
            out.push(...found);
            token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token !== undefined);
        return out.sort(byKey);
    }

    async read(key: string, options: ReadOptions = {}): Promise<Buffer | undefined> {
        const max = bound(options.maxBytes, MAX_READ, "maxBytes");
        const stop = new AbortController();
        const signal = options.signal === undefined ? stop.signal : AbortSignal.any([stop.signal, options.signal]);
        let body: Readable;
        try {
            const r = await this.client.send(new GetObjectCommand({ Bucket: this.at.bucket, Key: `${this.at.prefix}${key}` }), { abortSignal: signal });
            body = r.Body as Readable;
            if (r.ContentLength !== undefined && r.ContentLength > max) {
                stop.abort();
                body.destroy();
                throw new BlobTooLargeError(key, r.ContentLength, max);
            }
        } catch (e) {
            if (e instanceof NoSuchKey || (e as { name?: string }).name === "NoSuchKey") {
                return undefined;
            }
            throw e;
        }
        return readBounded(body, key, max, () => stop.abort());
    }

    async create(key: string, bytes: Buffer): Promise<"created" | "exists"> {
        try {
            await this.client.send(new PutObjectCommand({ Bucket: this.at.bucket, Key: `${this.at.prefix}${checkedKey(key)}`, Body: bytes, IfNoneMatch: "*" }));
            return "created";
        } catch (e) {
            const name = (e as { name?: string }).name;
            const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
            // 412: the key exists. 409 ConditionalRequestConflict: another writer is creating
            // it at this moment; for a create-only writer that is as good as taken.
            if (name === "PreconditionFailed" || name === "ConditionalRequestConflict" || status === 412) {
                return "exists";
            }
            throw e;
        }
    }

    async remove(key: string): Promise<void> {
        await this.client.send(new DeleteObjectCommand({ Bucket: this.at.bucket, Key: `${this.at.prefix}${checkedKey(key)}` }));
    }
}

export function s3Blobs(url: string): Blobs {
    return new S3Blobs(url);
}

/** The body's bytes, counted as they come; past `max` the request is aborted and nothing more is taken. */
async function readBounded(body: Readable, key: string, max: number, abort: () => void): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let taken = 0;
    try {
        for await (const chunk of body) {
            const bytes = chunk as Buffer;
            taken += bytes.length;
            if (taken > max) {
                throw new BlobTooLargeError(key, undefined, max);
            }
            chunks.push(bytes);
        }
    } catch (e) {
        abort();
        body.destroy();
        throw e;
    }
    return Buffer.concat(chunks);
}
