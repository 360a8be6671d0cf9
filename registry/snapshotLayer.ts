/**
 * A snapshot's layer: the archive `docker cp <container>:/vnv-dump -` writes, rewritten entry by
 * entry into a gzipped layer that replaces the dataset image's `/dataset` whole (an opaque
 * whiteout first, as the OCI image spec's "Opaque Whiteout" says, so no file of the base dataset
 * survives under it), streamed to a file and hashed on the way (the tar's sha256 is the config's
 * diff_id, the gzip's the blob's digest). The archive is hostile: every entry passes
 * rules/datasets.ts snapshotPath, within DUMP_LIMITS, or the layer is refused whole.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { type Header, extract as tarExtract, pack as tarPack } from "tar-stream";

type Headers = Partial<Header> & Pick<Header, "name">;
import { DATASET_FILES, DUMP_LIMITS, DUMP_PATH, snapshotPath } from "../rules/datasets";
import type { NewLayer } from "./appendLayer";

/** The dump cannot become a dataset: names the entry and why. */
export class DumpRefusedError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "DumpRefusedError";
    }
}

/** The time every entry is dated: the same files make the same layer (and the same digest). */
const EPOCH = new Date(0);

export interface SnapshotLayer extends NewLayer {
    /** Regular files in it, and their bytes together. */
    readonly files: number;
    readonly bytes: number;
}

/** Counts and hashes what passes through. */
class Hashing extends Transform {
    readonly hash = createHash("sha256");
    size = 0;
    override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
        this.hash.update(chunk);
        this.size += chunk.length;
        done(null, chunk);
    }
}

/** Reads `dump` (a tar archive), writes the layer to `file` (created, never overwritten). */
export async function snapshotLayer(
    dump: AsyncIterable<Buffer> | Readable,
    file: string,
    limits: { readonly [K in keyof typeof DUMP_LIMITS]: number } = DUMP_LIMITS,
): Promise<SnapshotLayer> {
    const out = tarPack();
    const tar = new Hashing();
    const gz = new Hashing();
    const sink = fs.createWriteStream(file, { flags: "wx", mode: 0o600 });
    // Its file is opened asynchronously: removed only once the stream has closed, or it could be made after.
    const closed = new Promise<void>((resolve) => sink.once("close", () => resolve()));
    const written = pipeline(out, tar, createGzip({ level: 6 }), gz, sink);
    const base = DATASET_FILES.slice(1);
    const check = new DumpCheck(base, limits);
    try {
        await add(out, { name: `${base}/`, type: "directory", mode: 0o755 });
        await add(out, { name: `${base}/.wh..wh..opq`, type: "file", size: 0, mode: 0o644 }, Buffer.alloc(0));
        const ex = tarExtract();
        const input = dump instanceof Readable ? dump : Readable.from(dump);
        input.on("error", (e) => ex.destroy(e));
        input.pipe(ex);
        try {
            for await (const entry of ex) {
                const to = check.entry(entry.header);
                const owner = { uid: idOf(entry.header.uid), gid: idOf(entry.header.gid), mode: (entry.header.mode ?? 0o644) & 0o777 };
                if (to === undefined) {
                    entry.resume();
                } else if (to.type === "directory") {
                    entry.resume();
                    await add(out, { name: to.path, type: "directory", ...owner });
                } else {
                    await add(out, { name: to.path, type: "file", size: entry.header.size, ...owner }, entry);
                }
            }
        } finally {
            input.destroy();
        }
        check.end();
        out.finalize();
        await written;
    } catch (e) {
        out.destroy();
        await written.catch(() => undefined);
        sink.destroy();
        await closed;
        fs.rmSync(file, { force: true });
        throw e;
    }
    const totals = check.totals;
    return {
        body: await fs.openAsBlob(file),
        digest: `sha256:${gz.hash.digest("hex")}`,
        size: gz.size,
        diffId: `sha256:${tar.hash.digest("hex")}`,
        files: totals.files,
        bytes: totals.bytes,
    };
}

/**
 * The dump's entries, one by one: each by rules/datasets.ts snapshotPath, within the limits, the
 * dump's own directory first, no path twice and none under a file (which entry would win is the
 * extractor's guess, or the pull fails), at least one file in all (a dump that wrote nothing is a
 * failed dump, not an empty dataset).
 */
class DumpCheck {
    readonly totals = { entries: 0, files: 0, bytes: 0 };
    private readonly seen = new Map<string, "file" | "directory">();
    constructor(
        private readonly base: string,
        private readonly limits: { readonly [K in keyof typeof DUMP_LIMITS]: number },
    ) {}

    /** Where the entry goes (undefined: the dump's directory itself, made already), or a DumpRefusedError. */
    entry(header: Header): { path: string; type: "file" | "directory" } | undefined {
        // tar-stream answers null for a type flag it does not know, whatever its typings say.
        const type: string = (header.type as string | null) ?? "unknown";
        const to = snapshotPath({ name: header.name, type });
        if ("problem" in to) {
            throw new DumpRefusedError(`the dump holds ${to.problem}`);
        }
        const { totals, limits } = this;
        if (++totals.entries > limits.entries) {
            throw new DumpRefusedError(`the dump holds more than ${limits.entries} entries, the limit`);
        }
        totals.bytes += header.size ?? 0;
        if (totals.bytes > limits.bytes) {
            throw new DumpRefusedError(`the dump holds more than ${limits.bytes} bytes, the limit`);
        }
        const key = to.path.replace(/\/$/, "");
        if (totals.entries === 1) {
            if (key !== this.base) {
                throw new DumpRefusedError(
                    `the dump does not start with its own directory (${DUMP_PATH}) but with ${JSON.stringify(header.name.slice(0, 200))}`,
                );
            }
            return undefined;
        }
        if (this.seen.has(key) || key === this.base) {
            throw new DumpRefusedError(`the dump holds ${JSON.stringify(header.name.slice(0, 200))} twice`);
        }
        const parts = key.split("/");
        const under = parts
            .slice(1, -1)
            .map((_, i) => parts.slice(0, i + 2).join("/"))
            .find((p) => this.seen.get(p) === "file");
        if (under !== undefined) {
            throw new DumpRefusedError(`the dump holds ${JSON.stringify(header.name.slice(0, 200))} under a file of the same name`);
        }
        const kind = type === "directory" ? "directory" : "file";
        this.seen.set(key, kind);
        totals.files += kind === "file" ? 1 : 0;
        return { path: to.path, type: kind };
    }

    /** After the last entry: the dump was there and held a file. */
    end(): void {
        if (this.totals.entries === 0) {
            throw new DumpRefusedError(`the dump is empty: no ${DUMP_PATH} directory came out of the dump's container`);
        }
        if (this.totals.files === 0) {
            throw new DumpRefusedError(`the dump holds no file: a dump that wrote nothing is taken for a failed one, not for an empty dataset`);
        }
    }
}

/** An owner id as tar writes it (0 when absent or not a plain id). */
function idOf(id: number | undefined): number {
    return Number.isSafeInteger(id) && (id ?? -1) >= 0 && (id ?? 0) < 2 ** 31 ? (id as number) : 0;
}

/** One entry into the new archive; a file's body from `body` (bytes, or the extracted entry, copied with backpressure). */
async function add(out: ReturnType<typeof tarPack>, header: Headers, body?: Buffer | AsyncIterable<unknown>): Promise<void> {
    const full: Headers = { uid: 0, gid: 0, ...header, mtime: EPOCH, uname: "", gname: "" };
    let sink: ReturnType<ReturnType<typeof tarPack>["entry"]> | undefined;
    const done = new Promise<void>((resolve, reject) => {
        const finish = (err?: Error | null) => (err ? reject(err) : resolve());
        if (body === undefined) {
            out.entry(full, finish);
        } else if (Buffer.isBuffer(body)) {
            out.entry(full, body, finish);
        } else {
            sink = out.entry(full, finish);
        }
    });
    // Until the body is copied, a failure of the copy is the one to report: the entry's own
    // rejection (the packer destroyed after it) must not go unhandled, which would end the process.
    done.catch(() => undefined);
    if (sink !== undefined && body !== undefined && !Buffer.isBuffer(body)) {
        for await (const chunk of body) {
            if (!sink.write(chunk as Buffer)) {
                await new Promise<void>((resolve) => sink!.once("drain", () => resolve()));
            }
        }
        sink.end(undefined); // streamx types the argument as required; none means no last chunk
    }
    await done;
}
