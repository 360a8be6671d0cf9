/**
 * A layer's tar bytes as they are decompressed, never held whole, counted as they come: one
 * layer's and all layers' decompressed bytes are bounded, and the reading stops (the download is
 * cancelled) the moment a bound is passed, so a small compressed layer cannot blow up in memory
 * or in time. gzip through zlib's streaming inflate; zstd through fzstd's streaming decoder, fed
 * in small slices (one block of at most 128 KiB may come from 4 bytes) after every frame's header
 * has been checked against the window bound below.
 */
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { Decompress } from "fzstd";

/** What a layer's media type says about its compression (OCI image-spec media-types.md, and Docker's). */
const LAYER_TYPES: Readonly<Record<string, "gzip" | "zstd" | "none">> = {
    "application/vnd.oci.image.layer.v1.tar": "none",
    "application/vnd.oci.image.layer.v1.tar+gzip": "gzip",
    "application/vnd.oci.image.layer.v1.tar+zstd": "zstd",
    "application/vnd.oci.image.layer.nondistributable.v1.tar": "none",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip": "gzip",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd": "zstd",
    "application/vnd.docker.image.rootfs.diff.tar.gzip": "gzip",
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip": "gzip",
};

export function compressionOf(mediaType: string): "gzip" | "zstd" | "none" | undefined {
    return Object.hasOwn(LAYER_TYPES, mediaType) ? LAYER_TYPES[mediaType] : undefined;
}

/** A bound passed while reading a layer: names the layer and the bound. */
export class LayerLimitError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "LayerLimitError";
    }
}

/** Decompressed bytes left: one layer's, and all layers' together (shared between layers). */
export class Budget {
    private total = 0;
    constructor(
        readonly maxLayer: number,
        readonly maxTotal: number,
    ) {}

    /** Counts `bytes` of the layer `what` (which has had `layerSoFar` before them); throws past a bound. */
    take(what: string, layerSoFar: number, bytes: number): void {
        this.total += bytes;
        if (layerSoFar + bytes > this.maxLayer) {
            throw new LayerLimitError(`${what} decompresses to more than the ${this.maxLayer} bytes allowed for one layer; stopped there`);
        }
        if (this.total > this.maxTotal) {
            throw new LayerLimitError(`the layers decompress to more than the ${this.maxTotal} bytes allowed for all layers together; stopped at ${what}`);
        }
    }
}

/**
 * The decompressed bytes of a layer whose compressed bytes are `source`, each chunk counted
 * against `budget` before it is handed on.
 */
export async function* decompressed(
    source: AsyncIterable<Buffer>,
    compression: "gzip" | "zstd" | "none",
    what: string,
    budget: Budget,
): AsyncGenerator<Buffer> {
    const inner = compression === "gzip" ? gunzip(source) : compression === "zstd" ? unzstd(source, what) : source;
    let seen = 0;
    for await (const chunk of inner) {
        budget.take(what, seen, chunk.length);
        seen += chunk.length;
        yield chunk;
    }
}

async function* gunzip(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    const input = Readable.from(source);
    const inflate = createGunzip();
    input.on("error", (e) => inflate.destroy(e));
    input.pipe(inflate);
    try {
        for await (const chunk of inflate) {
            yield chunk as Buffer;
        }
    } finally {
        input.destroy();
        inflate.destroy();
    }
}

/** Input slice fed to the zstd decoder at once: at most 32768 × this much output before it is handed on. */
const ZSTD_SLICE = 256;

async function* unzstd(source: AsyncIterable<Buffer>, what: string): AsyncGenerator<Buffer> {
    const guard = new ZstdFrameGuard(ZSTD_MAX_WINDOW, what);
    const out: Uint8Array[] = [];
    const decoder = new Decompress((data) => {
        out.push(data);
    });
    for await (const chunk of source) {
        for (let at = 0; at < chunk.length; at += ZSTD_SLICE) {
            const slice = chunk.subarray(at, at + ZSTD_SLICE);
            guard.check(slice);
            decoder.push(slice);
            while (out.length > 0) {
                const data = out.shift()!;
                yield Buffer.from(data.buffer, data.byteOffset, data.byteLength);
            }
        }
    }
    guard.end();
    decoder.push(new Uint8Array(0), true);
    for (const data of out) {
        yield Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    }
}

/**
 * The largest zstd window accepted: RFC 8878 §3.1.1.1.2 recommends decoders support windows up
 * to 8 MB and encoders not need more; a decoder may refuse a frame asking for more memory. The
 * decoder allocates the window (for a single-segment frame, the whole declared content size).
 */
export const ZSTD_MAX_WINDOW = 8 * 1024 * 1024;

const ZSTD_MAGIC = 0xfd2fb528;

/**
 * Reads zstd frames' structure as the bytes pass (RFC 8878 §3.1: frame header, block headers,
 * checksum; skippable frames) and refuses a frame whose window is larger than `maxWindow`
 * before the decoder sees its header.
 */
export class ZstdFrameGuard {
    private state: "magic" | "descriptor" | "header" | "block" | "skip-size" = "magic";
    private pending: number[] = [];
    private need = 4;
    private skip = 0;
    private descriptor = 0;
    private checksum = false;

    constructor(
        private readonly maxWindow: number,
        private readonly what: string,
    ) {}

    check(bytes: Uint8Array): void {
        let i = 0;
        while (i < bytes.length) {
            if (this.skip > 0) {
                const n = Math.min(this.skip, bytes.length - i);
                this.skip -= n;
                i += n;
                continue;
            }
            this.pending.push(bytes[i]!);
            i++;
            if (this.pending.length === this.need) {
                const got = this.pending;
                this.pending = [];
                this.step(got);
            }
        }
    }

    /** At the end of the layer: throws when a frame is cut short. */
    end(): void {
        if (this.state !== "magic" || this.pending.length > 0 || this.skip > 0) {
            throw new LayerLimitError(`${this.what}: the zstd stream ends inside a frame`);
        }
    }

    /** The bytes wanted (`b`) have come: what they say, and what is wanted next. */
    private step(b: number[]): void {
        const [state, need] = this.next(b);
        this.state = state;
        this.need = need;
    }

    private next(b: number[]): [ZstdFrameGuard["state"], number] {
        switch (this.state) {
            case "magic": {
                const magic = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
                if (magic === ZSTD_MAGIC) {
                    return ["descriptor", 1];
                }
                if (magic >>> 4 === 0x184d2a5) {
                    return ["skip-size", 4];
                }
                throw new LayerLimitError(`${this.what}: not a zstd frame (magic number ${magic.toString(16)})`);
            }
            case "descriptor":
                this.descriptor = b[0]!;
                this.checksum = ((b[0]! >> 2) & 1) === 1;
                return ["header", headerRest(b[0]!)];
            case "header":
                this.checkWindow(b);
                return ["block", 3];
            case "block": {
                const h = b[0]! | (b[1]! << 8) | (b[2]! << 16);
                const type = (h >> 1) & 3;
                if (type === 3) {
                    throw new LayerLimitError(`${this.what}: a zstd block of the reserved type`);
                }
                this.skip = type === 1 ? 1 : h >>> 3;
                if ((h & 1) === 1) {
                    this.skip += this.checksum ? 4 : 0;
                    return ["magic", 4];
                }
                return ["block", 3];
            }
            case "skip-size":
                this.skip = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
                return ["magic", 4];
        }
    }

    /** The header after its descriptor (`b`): window descriptor, dictionary id, content size. */
    private checkWindow(b: number[]): void {
        const d = this.descriptor;
        if ((d & 8) !== 0) {
            throw new LayerLimitError(`${this.what}: a zstd frame header with its reserved bit set`);
        }
        const single = ((d >> 5) & 1) === 1;
        let window: number;
        if (single) {
            const sizeBytes = b.slice(b.length - fcsBytes(d));
            window = sizeBytes.reduceRight((acc, x) => acc * 256 + x, 0) + (sizeBytes.length === 2 ? 256 : 0);
        } else {
            const exponent = b[0]! >> 3;
            const base = 2 ** (10 + exponent);
            window = base + (base / 8) * (b[0]! & 7);
        }
        if (window > this.maxWindow) {
            throw new LayerLimitError(
                `${this.what}: a zstd frame needs a window of ${window} bytes, more than the ${this.maxWindow} allowed (RFC 8878 §3.1.1.1.2); recompress it with a smaller window`,
            );
        }
    }
}

function fcsBytes(descriptor: number): number {
    const flag = descriptor >> 6;
    return flag === 0 ? (descriptor >> 5) & 1 : 2 ** flag;
}

/** Bytes of a frame header after its descriptor byte. */
function headerRest(descriptor: number): number {
    const single = ((descriptor >> 5) & 1) === 1;
    const dictionary = [0, 1, 2, 4][descriptor & 3]!;
    return (single ? 0 : 1) + dictionary + fcsBytes(descriptor);
}
