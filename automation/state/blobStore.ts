/**
 * What a blob store is to vnv (automation/state/blobs.ts): keys relative to the backend's root, each
 * listed with its size and kind, and read only within a bound that is checked before the bytes
 * come (a stat on a directory, the listing's size or the answer's length on S3) and again while
 * they come. Anything under a listed prefix that is not a plain object (a symbolic link, a
 * directory, a named pipe) is listed as what it is, for the caller to report.
 */

/** What an entry is: an object (a regular file; an S3 object), or something that is not one. */
export type BlobKind = "object" | "directory" | "symlink" | "other";

export interface BlobListing {
    /** The key; a directory's ends with `/`. */
    readonly key: string;
    readonly modified: Date;
    /** Bytes of an object (0 for what is not one). */
    readonly size: number;
    readonly kind: BlobKind;
}

export interface ListOptions {
    /** Every key below the prefix, not only those directly under it (directories are then not entries of their own). */
    readonly recursive?: boolean;
    /** Only keys after this one (a whole key, relative to the root), in key order. */
    readonly startAfter?: string;
    /** At most this many entries: one more fails the listing ({@link ListingTooLargeError}). @default {@link MAX_LISTED} */
    readonly maxKeys?: number;
    /** Stops the listing (its requests too) when aborted. */
    readonly signal?: AbortSignal;
}

export interface ReadOptions {
    /** At most this many bytes: a larger object is not read ({@link BlobTooLargeError}). @default {@link MAX_READ} */
    readonly maxBytes?: number;
    /** Stops the read (its request too) when aborted. */
    readonly signal?: AbortSignal;
}

/** A blob store as the backend uses it: keys relative to the backend's root. */
export interface Blobs {
    /** Entries directly under `prefix` (or all below it, `recursive`), with modification time, size and kind, in key order. */
    list(prefix: string, options?: ListOptions): Promise<BlobListing[]>;
    /** The object's bytes, or undefined when it is gone; never more than `maxBytes` of them. */
    read(key: string, options?: ReadOptions): Promise<Buffer | undefined>;
    /** Writes `bytes` at `key` only if no object is there: "exists" (and nothing written) otherwise. */
    create(key: string, bytes: Buffer): Promise<"created" | "exists">;
    /** Removes the object at `key` (nothing when it is gone already). */
    remove(key: string): Promise<void>;
}

/** Default bound of a listing, in entries. */
export const MAX_LISTED = 100_000;
/** Default bound of a read, in bytes. */
export const MAX_READ = 8 * 1024 * 1024;

/** What a kind is, in words. */
export function kindText(kind: BlobKind): string {
    return { object: "an object", directory: "a directory", symlink: "a symbolic link", other: "neither a file nor a directory (a pipe, socket or device)" }[
        kind
    ];
}

/** An object larger than the reader's bound: not read (or not read past the bound). */
export class BlobTooLargeError extends Error {
    constructor(
        readonly key: string,
        /** Its size, when known before reading. */
        readonly size: number | undefined,
        readonly maxBytes: number,
    ) {
        super(`${key}: ${size === undefined ? "more than" : `${size} bytes, more than`} the ${maxBytes} bytes vnv reads of it`);
        this.name = "BlobTooLargeError";
    }
}

/** A key that names something other than an object (a symbolic link, a directory, a pipe): not read. */
export class BlobNotObjectError extends Error {
    constructor(
        readonly key: string,
        readonly kind: Exclude<BlobKind, "object">,
    ) {
        super(`${key}: ${kindText(kind)}, not an object`);
        this.name = "BlobNotObjectError";
    }
}

/** A listing with more entries than its bound: not answered at all, since a part would mislead. */
export class ListingTooLargeError extends Error {
    constructor(
        readonly prefix: string,
        readonly maxKeys: number,
    ) {
        super(`more than ${maxKeys} entries under ${prefix}, more than vnv lists`);
        this.name = "ListingTooLargeError";
    }
}

/** A key that stays inside the root: relative, `/`-separated, without `.` or `..` segments. */
export function checkedKey(key: string): string {
    const segments = key.split("/");
    if (key === "" || key.startsWith("/") || segments.some((s) => s === "" || s === "." || s === "..") || key.includes("\\") || key.includes("\0")) {
        throw new Error(`invalid blob key ${JSON.stringify(key)}: expected a relative path of /-separated names`);
    }
    return key;
}

export const byKey = (a: BlobListing, b: BlobListing): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** A bound given by a caller: a whole number, at least 0. */
export function bound(value: number | undefined, fallback: number, what: string): number {
    const v = value ?? fallback;
    if (!Number.isSafeInteger(v) || v < 0) {
        throw new RangeError(`${what} ${v} is not a whole number, at least 0`);
    }
    return v;
}
