/**
 * A self-managed backend as a blob store: keys relative to the backend's root, on a directory
 * (`file://`) or an S3 bucket and prefix (`s3://`). The backend reader lists and reads the
 * engine's own objects through it; the audit trail (automation/audit.ts) also writes its own
 * objects, create-only, beside them (never under `.pulumi/`).
 *
 * Create-only writes are atomic on both: on a directory, the bytes go to a hidden temporary file
 * in the target's directory that is then hard-linked into place (`link` fails when the name
 * exists, and a reader never sees a half-written object); on S3, a conditional `PutObject`
 * (`If-None-Match: *`, S3's conditional writes) that S3 refuses when the key exists.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { Backend } from "./inputs";

export interface BlobListing {
    readonly key: string;
    readonly modified: Date;
}

export interface ListOptions {
    /** Every key below the prefix, not only those directly under it. */
    readonly recursive?: boolean;
    /** Only keys after this one (a whole key, relative to the root), in key order. */
    readonly startAfter?: string;
}

/** A blob store as the backend uses it: keys relative to the backend's root. */
export interface Blobs {
    /** Keys directly under `prefix` (or all below it, `recursive`), with their modification time, in key order. */
    list(prefix: string, options?: ListOptions): Promise<BlobListing[]>;
    /** The object's bytes, or undefined when it is gone. */
    read(key: string): Promise<Buffer | undefined>;
    /** Writes `bytes` at `key` only if no object is there: "exists" (and nothing written) otherwise. */
    create(key: string, bytes: Buffer): Promise<"created" | "exists">;
    /** Removes the object at `key` (nothing when it is gone already). */
    remove(key: string): Promise<void>;
}

/** Blobs of `backend`, or undefined for a backend vnv cannot reach directly (gs://, azblob://). */
export function blobsFor(backend: Backend): Blobs | undefined {
    if (backend.kind === "file" && backend.dir !== undefined) {
        return fileBlobs(backend.dir);
    }
    if (backend.kind === "s3") {
        return s3Blobs(backend.url);
    }
    return undefined;
}

/** In-flight creates on a directory: hidden from listings (a crashed run may leave one behind). */
const TEMP = /^\.vnv-create-[0-9a-f]{16}\.tmp$/;

const byKey = (a: BlobListing, b: BlobListing): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** A key that stays inside the root: relative, `/`-separated, without `.` or `..` segments. */
function checkedKey(key: string): string {
    const segments = key.split("/");
    if (key === "" || key.startsWith("/") || segments.some((s) => s === "" || s === "." || s === "..") || key.includes("\\") || key.includes("\0")) {
        throw new Error(`invalid blob key ${JSON.stringify(key)}: expected a relative path of /-separated names`);
    }
    return key;
}

export function fileBlobs(root: string): Blobs {
    return {
        async list(prefix, options) {
            const dir = path.join(root, prefix);
            let entries: fs.Dirent[];
            try {
                entries = fs.readdirSync(dir, { withFileTypes: true, recursive: options?.recursive ?? false });
            } catch (e) {
                if ((e as NodeJS.ErrnoException).code === "ENOENT") {
                    return [];
                }
                throw e;
            }
            const after = options?.startAfter;
            return entries
                .flatMap((e) => {
                    if (!e.isFile() || TEMP.test(e.name)) {
                        return [];
                    }
                    const full = path.join(e.parentPath, e.name);
                    const key = `${prefix}${path.relative(dir, full).split(path.sep).join("/")}`;
                    if (after !== undefined && key <= after) {
                        return [];
                    }
                    try {
                        return [{ key, modified: fs.statSync(full).mtime }];
                    } catch {
                        return []; // removed meanwhile
                    }
                })
                .sort(byKey);
        },
        async read(key) {
            try {
                return fs.readFileSync(path.join(root, key));
            } catch (e) {
                if ((e as NodeJS.ErrnoException).code === "ENOENT") {
                    return undefined;
                }
                throw e;
            }
        },
        async create(key, bytes) {
            const target = path.join(root, checkedKey(key));
            const dir = path.dirname(target);
            await fs.promises.mkdir(dir, { recursive: true });
            const temp = path.join(dir, `.vnv-create-${randomBytes(8).toString("hex")}.tmp`);
            try {
                const handle = await fs.promises.open(temp, "wx");
                try {
                    await handle.writeFile(bytes);
                    await handle.sync(); // on disk before it has its name: a created object survives a crash
                } finally {
                    await handle.close();
                }
                return await linkInPlace(temp, target, bytes);
            } finally {
                await fs.promises.rm(temp, { force: true });
            }
        },
        async remove(key) {
            await fs.promises.rm(path.join(root, checkedKey(key)), { force: true });
        },
    };
}

/** Gives the written `temp` the name `target` unless that name is taken. */
async function linkInPlace(temp: string, target: string, bytes: Buffer): Promise<"created" | "exists"> {
    try {
        await fs.promises.link(temp, target);
        return "created";
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EEXIST") {
            return "exists";
        }
        if (code === "EPERM" || code === "ENOTSUP" || code === "ENOSYS") {
            // A file system without hard links: create-only still holds (O_EXCL), but a
            // reader may see the object before its last byte.
            try {
                await fs.promises.writeFile(target, bytes, { flag: "wx" });
                return "created";
            } catch (e2) {
                if ((e2 as NodeJS.ErrnoException).code === "EEXIST") {
                    return "exists";
                }
                throw e2;
            }
        }
        throw e;
    }
}

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

export function s3Blobs(url: string): Blobs {
    const at = s3Location(url);
    const client = new S3Client({
        ...(at.region !== undefined ? { region: at.region } : {}),
        ...(at.endpoint !== undefined ? { endpoint: at.endpoint } : {}),
        ...(at.profile !== undefined ? { profile: at.profile } : {}),
        forcePathStyle: at.forcePathStyle,
        maxAttempts: 3,
    });
    return {
        async list(prefix, options) {
            const out: BlobListing[] = [];
            let token: string | undefined;
            do {
                const page = await client.send(
                    new ListObjectsV2Command({
                        Bucket: at.bucket,
                        Prefix: `${at.prefix}${prefix}`,
                        ...(options?.recursive ? {} : { Delimiter: "/" }),
                        ...(options?.startAfter !== undefined && token === undefined ? { StartAfter: `${at.prefix}${options.startAfter}` } : {}),
                        ContinuationToken: token,
                    }),
                );
                for (const o of page.Contents ?? []) {
                    if (o.Key !== undefined) {
                        out.push({ key: o.Key.slice(at.prefix.length), modified: o.LastModified ?? new Date(0) });
                    }
                }
                token = page.IsTruncated ? page.NextContinuationToken : undefined;
            } while (token !== undefined);
            return out;
        },
        async read(key) {
            try {
                const r = await client.send(new GetObjectCommand({ Bucket: at.bucket, Key: `${at.prefix}${key}` }));
                return Buffer.from(await r.Body!.transformToByteArray());
            } catch (e) {
                if (e instanceof NoSuchKey || (e as { name?: string }).name === "NoSuchKey") {
                    return undefined;
                }
                throw e;
            }
        },
        async create(key, bytes) {
            try {
                await client.send(new PutObjectCommand({ Bucket: at.bucket, Key: `${at.prefix}${checkedKey(key)}`, Body: bytes, IfNoneMatch: "*" }));
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
        },
        async remove(key) {
            await client.send(new DeleteObjectCommand({ Bucket: at.bucket, Key: `${at.prefix}${checkedKey(key)}` }));
        },
    };
}
