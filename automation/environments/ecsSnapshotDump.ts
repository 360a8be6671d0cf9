/**
 * A snapshot's dump as the one-off task left it in the environment's snapshot bucket
 * (`dumps/<tag>/…`), read back into a layer: the objects become the entries of the archive
 * registry/snapshotLayer.ts reads (`vnv-dump/<name>`), so every name passes the same checks
 * (rules/datasets.ts snapshotPath) as a dump copied out of a Docker container. The listing is
 * bounded by DUMP_LIMITS before any object is read; each object must be exactly as long as listed.
 */
import { PassThrough, type Readable } from "node:stream";
import type { S3Client } from "@aws-sdk/client-s3";
import { pack as tarPack } from "tar-stream";
import { DumpRefusedError, type SnapshotLayer, snapshotLayer } from "../../registry/snapshotLayer";
import { DUMP_LIMITS, DUMP_PATH } from "../../rules/datasets";
import { OperationError } from "../errors";

interface Listed {
    readonly key: string;
    readonly size: number;
}

/** Every object under `prefix`, within DUMP_LIMITS (count and bytes together). */
export async function listDump(
    s3: S3Client,
    bucket: string,
    prefix: string,
    limits: { readonly [K in keyof typeof DUMP_LIMITS]: number } = DUMP_LIMITS,
): Promise<Listed[]> {
    const { ListObjectsV2Command } = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
    const found: Listed[] = [];
    let bytes = 0;
    let token: string | undefined;
    // Pages of up to 1000 keys: a listing that goes on past what the limits allow (truncated pages without keys) is refused too.
    const maxPages = Math.ceil(limits.entries / 1000) + 2;
    let pages = 0;
    do {
        if (++pages > maxPages) {
            throw new OperationError(`s3://${bucket}/${prefix}: the listing goes on past ${maxPages} pages; nothing was pushed`);
        }
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token === undefined ? {} : { ContinuationToken: token }) }));
        for (const o of page.Contents ?? []) {
            const size = o.Size ?? -1;
            if (typeof o.Key !== "string" || !o.Key.startsWith(prefix) || !Number.isSafeInteger(size) || size < 0) {
                throw new OperationError(
                    `s3://${bucket}/${prefix}: an object vnv does not read (${JSON.stringify(String(o.Key).slice(0, 200))}); nothing was pushed`,
                );
            }
            bytes += size;
            found.push({ key: o.Key, size });
            if (found.length > limits.entries || bytes > limits.bytes) {
                throw new OperationError(`s3://${bucket}/${prefix}: more than ${limits.entries} objects or ${limits.bytes} bytes; nothing was pushed`);
            }
        }
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    if (found.length === 0) {
        throw new OperationError(`s3://${bucket}/${prefix} holds no dump: the snapshot task wrote nothing; nothing was pushed`);
    }
    return found;
}

/** The dump under `prefix` as a snapshot layer written to `file`. */
export async function dumpFromBucket(
    s3: S3Client,
    bucket: string,
    prefix: string,
    file: string,
    limits: { readonly [K in keyof typeof DUMP_LIMITS]: number } = DUMP_LIMITS,
): Promise<SnapshotLayer> {
    const listed = await listDump(s3, bucket, prefix, limits);
    const { GetObjectCommand } = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
    const archive = tarPack();
    const stream = new PassThrough();
    const top = DUMP_PATH.slice(1);
    // A failed read ends the archive with its error; a refused entry ends the reading (the pack's own error then says no more).
    archive.on("error", () => undefined);
    const feeding = (async () => {
        archive.entry({ name: `${top}/`, type: "directory", mode: 0o755 });
        for (const o of listed) {
            const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.key }));
            const body = got.Body as Readable | undefined;
            if (body === undefined) {
                throw new OperationError(`s3://${bucket}/${o.key}: no body`);
            }
            await new Promise<void>((resolve, reject) => {
                const entry = archive.entry({ name: `${top}/${o.key.slice(prefix.length)}`, type: "file", size: o.size, mode: 0o644 }, (e) =>
                    e ? reject(e) : resolve(),
                );
                entry.on("error", (e: Error) => {
                    body.destroy();
                    reject(e);
                });
                body.on("error", reject);
                body.pipe(entry);
            });
        }
        archive.finalize();
    })().catch((e: unknown) => {
        stream.destroy(e instanceof Error ? e : new Error(String(e)));
    });
    archive.pipe(stream);
    try {
        const layer = await snapshotLayer(stream, file, limits);
        await feeding;
        return layer;
    } catch (e) {
        archive.destroy();
        stream.destroy();
        throw e instanceof DumpRefusedError ? new OperationError(`${e.message}; nothing was pushed`) : e;
    }
}

/** Deletes every object under `prefix` (the dump, once pushed or refused). */
export async function removeDump(s3: S3Client, bucket: string, prefix: string): Promise<void> {
    const { ListObjectsV2Command, DeleteObjectsCommand } = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
    for (let round = 0; round < 200; round++) {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1000 }));
        const keys = (page.Contents ?? []).flatMap((o) => (typeof o.Key === "string" ? [{ Key: o.Key }] : []));
        if (keys.length === 0) {
            return;
        }
        await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
    }
}
