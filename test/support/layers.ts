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

const LAYER_TYPES: Record<Compression, string> = {
    gzip: "application/vnd.oci.image.layer.v1.tar+gzip",
    zstd: "application/vnd.oci.image.layer.v1.tar+zstd",
    none: "application/vnd.oci.image.layer.v1.tar",
};

/** Pushes an OCI image of `layers` (bottom first) as `repo:tag`; answers its digest. */
export async function pushLayeredImage(
    reg: TestRegistry,
    repo: string,
    tag: string,
    layers: readonly { compression: Compression; entries: readonly LayerEntry[] }[],
): Promise<string> {
    const descriptors = [];
    for (const layer of layers) {
        const tar = await tarOf(layer.entries);
        const bytes = layer.compression === "gzip" ? gzipSync(tar) : layer.compression === "zstd" ? zstdRaw(tar) : tar;
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
