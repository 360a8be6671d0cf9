/**
 * A `file://` backend as a blob store (automation/state/blobStore.ts). Listing walks the directory
 * one entry at a time (never the whole directory in memory) and stops past its bound; a read
 * opens the file without following a symbolic link and without waiting on a pipe, asks its
 * size of the open file, and reads no more than the bound.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import {
    type BlobKind,
    type BlobListing,
    BlobNotObjectError,
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

/** In-flight creates on a directory: hidden from listings (a crashed run may leave one behind). */
const TEMP = /^\.vnv-create-[0-9a-f]{16}\.tmp$/;

const code = (e: unknown): string | undefined => (e as NodeJS.ErrnoException).code;

function kindOf(stat: fs.Stats | fs.Dirent): BlobKind {
    return stat.isFile() ? "object" : stat.isDirectory() ? "directory" : stat.isSymbolicLink() ? "symlink" : "other";
}

/** A directory as a blob store. */
class FileBlobs implements Blobs {
    constructor(private readonly root: string) {}

    async list(prefix: string, options: ListOptions = {}): Promise<BlobListing[]> {
        const max = bound(options.maxKeys, MAX_LISTED, "maxKeys");
        const recursive = options.recursive ?? false;
        const dir = path.join(this.root, prefix);
        let handle: fs.Dir;
        try {
            handle = await fs.promises.opendir(dir, { recursive });
        } catch (e) {
            if (code(e) === "ENOENT") {
                return [];
            }
            throw e;
        }
        const out: BlobListing[] = [];
        for await (const e of handle) {
            options.signal?.throwIfAborted();
            const kind = kindOf(e);
            if (TEMP.test(e.name) || (recursive && kind === "directory")) {
                continue;
            }
            const full = path.join(e.parentPath, e.name);
            const key = `${prefix}${path.relative(dir, full).split(path.sep).join("/")}${kind === "directory" ? "/" : ""}`;
            if (options.startAfter !== undefined && key <= options.startAfter) {
                continue;
            }
            let stat: fs.Stats;
            try {
                stat = await fs.promises.lstat(full);
            } catch {
                continue; // removed meanwhile
            }
            if (out.length >= max) {
                throw new ListingTooLargeError(prefix, max); // leaving the loop closes the directory
            }
            out.push({ key, modified: stat.mtime, size: kind === "object" ? stat.size : 0, kind });
        }
        return out.sort(byKey);
    }

    async read(key: string, options: ReadOptions = {}): Promise<Buffer | undefined> {
        const max = bound(options.maxBytes, MAX_READ, "maxBytes");
        options.signal?.throwIfAborted();
        let file: fs.promises.FileHandle;
        try {
            // No symbolic link followed, no wait on a pipe without a writer.
            file = await fs.promises.open(path.join(this.root, key), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
        } catch (e) {
            if (code(e) === "ENOENT") {
                return undefined;
            }
            if (code(e) === "ELOOP") {
                throw new BlobNotObjectError(key, "symlink");
            }
            throw e;
        }
        try {
            const stat = await file.stat();
            const kind = kindOf(stat);
            if (kind !== "object") {
                throw new BlobNotObjectError(key, kind);
            }
            if (stat.size > max) {
                throw new BlobTooLargeError(key, stat.size, max);
            }
            // One byte more than the bound: a file that grew since the stat is caught too.
            const buffer = Buffer.alloc(stat.size + 1 > max ? max + 1 : stat.size + 1);
            let filled = 0;
            while (filled < buffer.length) {
                options.signal?.throwIfAborted();
                const { bytesRead } = await file.read(buffer, filled, buffer.length - filled, filled);
                if (bytesRead === 0) {
                    break;
                }
                filled += bytesRead;
            }
            if (filled > max) {
                throw new BlobTooLargeError(key, undefined, max);
            }
            return buffer.subarray(0, filled);
        } finally {
            await file.close();
        }
    }

    async create(key: string, bytes: Buffer): Promise<"created" | "exists"> {
        const target = path.join(this.root, checkedKey(key));
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
    }

    async remove(key: string): Promise<void> {
        await fs.promises.rm(path.join(this.root, checkedKey(key)), { force: true });
    }
}

export function fileBlobs(root: string): Blobs {
    return new FileBlobs(root);
}

/** Gives the written `temp` the name `target` unless that name is taken. */
async function linkInPlace(temp: string, target: string, bytes: Buffer): Promise<"created" | "exists"> {
    try {
        await fs.promises.link(temp, target);
        return "created";
    } catch (e) {
        if (code(e) === "EEXIST") {
            return "exists";
        }
        if (code(e) === "EPERM" || code(e) === "ENOTSUP" || code(e) === "ENOSYS") {
            // A file system without hard links: create-only still holds (O_EXCL), but a
            // reader may see the object before its last byte.
            try {
                await fs.promises.writeFile(target, bytes, { flag: "wx" });
                return "created";
            } catch (e2) {
                if (code(e2) === "EEXIST") {
                    return "exists";
                }
                throw e2;
            }
        }
        throw e;
    }
}
