/** Multi-layer images built in the test, pushed through the registry API (no Docker). */
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { pushBlob, putManifest, type TestRegistry } from "./registry";

export interface LayerEntry {
    readonly name: string;
    /** File content; absent for a directory. */
    readonly content?: string;
    readonly type?: "file" | "directory" | "symlink";
    readonly linkname?: string;
}

export type Compression = "gzip" | "zstd" | "none";

/** A tar archive of `entries`, exactly as named (hostile names included). */
export async function tarOf(entries: readonly LayerEntry[]): Promise<Buffer> {
    const p = pack();
    const chunks: Buffer[] = [];
    p.on("data", (c: unknown) => chunks.push(c as Buffer));
    const done = new Promise<void>((resolve) => p.on("end", () => resolve()));
    for (const e of entries) {
        const type = e.type ?? (e.content === undefined ? "directory" : "file");
        await new Promise<void>((resolve, reject) =>
            p.entry(
                { name: e.name, type, ...(e.linkname ? { linkname: e.linkname } : {}), mode: type === "directory" ? 0o755 : 0o644 },
                e.content ?? "",
                (err) => (err ? reject(err) : resolve()),
            ),
        );
    }
    p.finalize();
    await done;
    return Buffer.concat(chunks);
}

/**
 * A zstd frame holding `data` in raw blocks (RFC 8878: magic, a single-segment frame header with
 * an 8-byte content size, blocks of at most 128 KiB). Node 20 has no zstd compressor; a raw
 * frame is valid zstd, and the decoder vnv uses reads it like any other.
 */
export function zstdRaw(data: Buffer): Buffer {
    const header = Buffer.alloc(13);
    header.writeUInt32LE(0xfd2fb528, 0);
    header[4] = 0xe0; // Frame_Content_Size_flag 3 (8 bytes), Single_Segment_flag 1
    header.writeBigUInt64LE(BigInt(data.length), 5);
    const blocks: Buffer[] = [header];
    const max = 128 * 1024;
    for (let at = 0; at < data.length || at === 0; at += max) {
        const piece = data.subarray(at, at + max);
        const last = at + max >= data.length ? 1 : 0;
        const h = (piece.length << 3) | last; // Block_Type 0: raw
        blocks.push(Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff]), piece);
        if (data.length === 0) {
            break;
        }
    }
    return Buffer.concat(blocks);
}

function compress(compression: Compression, tar: Buffer): Buffer {
    return compression === "gzip" ? gzipSync(tar) : compression === "zstd" ? zstdRaw(tar) : tar;
}

const LAYER_TYPES: Record<Compression, string> = {
    gzip: "application/vnd.oci.image.layer.v1.tar+gzip",
    zstd: "application/vnd.oci.image.layer.v1.tar+zstd",
    none: "application/vnd.oci.image.layer.v1.tar",
};

/** A layer: entries to archive and compress, or bytes already made (`bytes`, compressed as `compression` says). */
export type LayerSpec = { compression: Compression; entries: readonly LayerEntry[] } | { compression: Compression; bytes: Buffer };

/** The 512-byte ustar header of a file `name` of `size` bytes (its content not included). */
export async function tarHeader(name: string, size: number): Promise<Buffer> {
    const p = pack();
    const chunks: Buffer[] = [];
    p.on("data", (c: unknown) => chunks.push(c as Buffer));
    p.entry({ name, size, type: "file", mode: 0o644 });
    await new Promise((r) => setImmediate(r));
    const header = Buffer.concat(chunks).subarray(0, 512);
    p.destroy();
    return header;
}

const MiB = 1024 * 1024;

/**
 * A gzip layer holding one file `name` of `mib` MiB of zeros, about 1 KiB compressed per MiB:
 * gzip members one after another (RFC 1952 §2.2) decompress to their contents in a row.
 */
export async function gzipBomb(name: string, mib: number): Promise<Buffer> {
    const zeros = gzipSync(Buffer.alloc(MiB));
    return Buffer.concat([gzipSync(await tarHeader(name, mib * MiB)), ...Array.from({ length: mib }, () => zeros), gzipSync(Buffer.alloc(1024))]);
}

/** A zstd block header (RFC 8878 §3.1.1.2): size, type (0 raw, 1 RLE), last. */
function zstdBlock(size: number, type: 0 | 1, last: boolean): Buffer {
    const h = (size << 3) | (type << 1) | (last ? 1 : 0);
    return Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff]);
}

/**
 * A zstd layer holding one file `name` of `mib` MiB of zeros in RLE blocks (128 KiB from 4 bytes),
 * in one frame with a 128 KiB window and no declared content size.
 */
export async function zstdBomb(name: string, mib: number): Promise<Buffer> {
    const header = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, (17 - 10) << 3]);
    const rle = Buffer.concat([zstdBlock(128 * 1024, 1, false), Buffer.from([0])]);
    const end = Buffer.alloc(1024);
    return Buffer.concat([
        header,
        zstdBlock(512, 0, false),
        await tarHeader(name, mib * MiB),
        ...Array.from({ length: mib * 8 }, () => rle),
        zstdBlock(end.length, 0, true),
        end,
    ]);
}

/** A zstd frame of `tar` in raw blocks that declares (single segment) a content size of `declared` bytes. */
export function zstdDeclaring(tar: Buffer, declared: number): Buffer {
    const header = Buffer.alloc(13);
    header.writeUInt32LE(0xfd2fb528, 0);
    header[4] = 0xe0;
    header.writeBigUInt64LE(BigInt(declared), 5);
    return Buffer.concat([header, zstdBlock(tar.length, 0, true), tar]);
}

/** Pushes an OCI image of `layers` (bottom first) as `repo:tag`; answers its digest. */
export async function pushLayeredImage(reg: TestRegistry, repo: string, tag: string, layers: readonly LayerSpec[]): Promise<string> {
    const descriptors = [];
    for (const layer of layers) {
        const bytes = "bytes" in layer ? layer.bytes : compress(layer.compression, await tarOf(layer.entries));
        descriptors.push({ mediaType: LAYER_TYPES[layer.compression], size: bytes.length, digest: await pushBlob(reg, repo, bytes) });
    }
    const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } }));
    const configDigest = await pushBlob(reg, repo, config);
    return putManifest(reg, repo, tag, "application/vnd.oci.image.manifest.v1+json", {
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", size: config.length, digest: configDigest },
        layers: descriptors,
    });
}
