/**
 * A self-managed backend as a blob store: keys relative to the backend's root, on a directory
 * (`file://`, automation/state/fileBlobs.ts) or an S3 bucket and prefix (`s3://`,
 * automation/state/s3Blobs.ts). The backend reader lists and reads the engine's own objects through
 * it; the audit trail (automation/history/audit.ts) also writes its own objects, create-only, beside
 * them (never under `.pulumi/`).
 *
 * Everything read is bounded before it is read (automation/state/blobStore.ts): a listing in entries
 * (and pages), a read in bytes, by a stat on a directory and the object's size on S3, and again
 * while the bytes come; what is not a plain object is listed as what it is, never read.
 *
 * Create-only writes are atomic on both: on a directory, the bytes go to a hidden temporary file
 * in the target's directory that is then hard-linked into place (`link` fails when the name
 * exists, and a reader never sees a half-written object); on S3, a conditional `PutObject`
 * (`If-None-Match: *`, S3's conditional writes) that S3 refuses when the key exists.
 */
import type { Blobs } from "./blobStore";
import { fileBlobs } from "./fileBlobs";
import type { Backend } from "../inputs";
import { s3Blobs } from "./s3Blobs";

export * from "./blobStore";
export { fileBlobs } from "./fileBlobs";
export { s3Blobs, s3Location } from "./s3Blobs";

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
