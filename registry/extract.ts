/**
 * The static files of an image, without Docker: the manifest (the linux/amd64 one of an index),
 * then every layer in order, unpacked (gzip, zstd or plain tar as its media type says) into one
 * view of the file system under a directory of the image (the web server's document root),
 * whiteouts honoured (`.wh.<name>` deletes, `.wh..wh..opq` empties a directory of what lower
 * layers put there). Then written under a target directory: nothing outside it (no `..`, no
 * absolute names, no links), and within size and count limits.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { decompress as zstdDecompress } from "fzstd";
import { extract as tarExtract } from "tar-stream";
import type { RegistryClient } from "./client";
import { RegistryError } from "./client";

export interface ExtractOptions {
    /** The directory of the image whose files are wanted (`/usr/share/nginx/html`). */
    readonly from: string;
    /** Where they are written (created; must be empty or absent). */
    readonly to: string;
    /** Uncompressed bytes of the files kept, at most. @default 200 MiB */
    readonly maxBytes?: number;
    /** Files kept, at most. @default 10000 */
    readonly maxFiles?: number;
    /** Compressed bytes of one layer, at most. @default 512 MiB */
    readonly maxLayerBytes?: number;
}

export interface Extracted {
    /** Paths relative to `to`, sorted. */
    readonly files: readonly string[];
    readonly bytes: number;
    /** Entries refused (a path leaving the directory, a link, a device): name and why. */
    readonly refused: readonly { name: string; reason: string }[];
}

const INDEX_TYPES = ["application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"];

interface ManifestJson {
    mediaType?: string;
    manifests?: { digest: string; mediaType?: string; platform?: { os?: string; architecture?: string } }[];
    layers?: { digest: string; mediaType: string; size?: number }[];
}

/** The layers of `reference` (a digest or tag), following an index to its linux/amd64 image. */
async function layersOf(client: RegistryClient, image: string, reference: string): Promise<{ digest: string; mediaType: string }[]> {
    let manifest = await client.manifest(image, reference);
    let body = JSON.parse(manifest.bytes.toString("utf8")) as ManifestJson;
    if (INDEX_TYPES.includes(manifest.mediaType) || INDEX_TYPES.includes(body.mediaType ?? "")) {
        const chosen = body.manifests?.find((m) => m.platform?.os === "linux" && m.platform.architecture === "amd64");
        if (chosen === undefined) {
            throw new RegistryError("invalid", image, `${image}@${manifest.digest}: no linux/amd64 image in the index`);
        }
        manifest = await client.manifest(image, chosen.digest);
        body = JSON.parse(manifest.bytes.toString("utf8")) as ManifestJson;
    }
    return body.layers ?? [];
}

function unpack(mediaType: string, bytes: Buffer): Buffer {
    if (/zstd/.test(mediaType)) {
        return Buffer.from(zstdDecompress(bytes));
    }
    if (/gzip/.test(mediaType)) {
        return gunzipSync(bytes);
    }
    if (/tar$/.test(mediaType)) {
        return bytes;
    }
    throw new Error(`a layer of media type ${mediaType} is not a tar archive vnv can unpack`);
}

/** Entries of a tar archive: normalised name, type and content. */
async function entries(tar: Buffer): Promise<{ name: string; type: string; content: Buffer }[]> {
    const out: { name: string; type: string; content: Buffer }[] = [];
    const ex = tarExtract();
    const done = new Promise<void>((resolve, reject) => {
        ex.on("entry", (header, stream, next) => {
            const chunks: Buffer[] = [];
            stream.on("data", (c: unknown) => chunks.push(c as Buffer));
            stream.on("end", () => {
                out.push({ name: header.name, type: header.type ?? "file", content: Buffer.concat(chunks) });
                next();
            });
            stream.on("error", reject);
        });
        ex.on("finish", resolve);
        ex.on("error", reject);
    });
    ex.end(tar);
    await done;
    return out;
}

/** `./usr/share/x` → `usr/share/x`; undefined for a name that climbs out (`..`) of the root. */
function normalise(name: string): string | undefined {
    const parts = name.split("/").filter((p) => p !== "" && p !== ".");
    return parts.includes("..") ? undefined : parts.join("/");
}

export async function extractImage(client: RegistryClient, image: string, reference: string, options: ExtractOptions): Promise<Extracted> {
    const root = normalise(options.from);
    if (root === undefined) {
        throw new Error(`the directory ${JSON.stringify(options.from)} of the image climbs out of its root`);
    }
    const maxBytes = options.maxBytes ?? 200 * 1024 * 1024;
    const maxFiles = options.maxFiles ?? 10_000;
    const files = new Map<string, Buffer>(); // path under root → content
    const refused: { name: string; reason: string }[] = [];
    const under = (p: string): string | undefined => (root === "" ? p : p === root ? "" : p.startsWith(`${root}/`) ? p.slice(root.length + 1) : undefined);

    for (const layer of await layersOf(client, image, reference)) {
        const tar = unpack(layer.mediaType, await client.blob(image, layer.digest, options.maxLayerBytes ?? 512 * 1024 * 1024));
        const added = new Map<string, Buffer>();
        const deleted: string[] = [];
        for (const e of await entries(tar)) {
            const name = normalise(e.name);
            if (name === undefined) {
                refused.push({ name: e.name, reason: "climbs out of the image's root" });
                continue;
            }
            const base = path.posix.basename(name);
            const dir = path.posix.dirname(name) === "." ? "" : path.posix.dirname(name);
            if (base === ".wh..wh..opq") {
                deleted.push(`${dir}/`); // opaque: the directory's lower-layer content is gone
                continue;
            }
            if (base.startsWith(".wh.")) {
                deleted.push(dir === "" ? base.slice(4) : `${dir}/${base.slice(4)}`);
                continue;
            }
            const rel = under(name);
            if (rel === undefined || rel === "") {
                continue;
            }
            if (e.type === "directory") {
                continue;
            }
            if (e.type !== "file" && e.type !== "contiguous-file") {
                refused.push({ name: e.name, reason: `a ${e.type} entry: only plain files are copied` });
                continue;
            }
            added.set(rel, e.content);
        }
        // Whiteouts of a layer hide what the layers below put there, not what this layer adds.
        for (const d of deleted) {
            const rel = under(d.endsWith("/") ? d.slice(0, -1) : d);
            if (rel === undefined) {
                continue;
            }
            for (const key of [...files.keys()]) {
                if (d.endsWith("/") ? rel === "" || key.startsWith(`${rel}/`) : key === rel || key.startsWith(`${rel}/`)) {
                    files.delete(key);
                }
            }
        }
        for (const [rel, content] of added) {
            files.set(rel, content);
        }
    }

    let bytes = 0;
    for (const content of files.values()) {
        bytes += content.length;
    }
    if (files.size > maxFiles) {
        throw new Error(`${image}: ${files.size} files under ${options.from}, more than the ${maxFiles} allowed`);
    }
    if (bytes > maxBytes) {
        throw new Error(`${image}: ${bytes} bytes under ${options.from}, more than the ${maxBytes} allowed`);
    }
    const target = path.resolve(options.to);
    fs.mkdirSync(target, { recursive: true });
    if (fs.readdirSync(target).length > 0) {
        throw new Error(`${target} is not empty: the frontend's files are written into an empty directory`);
    }
    for (const [rel, content] of files) {
        const file = path.resolve(target, rel);
        if (!file.startsWith(`${target}${path.sep}`)) {
            refused.push({ name: rel, reason: "would be written outside the target directory" });
            continue;
        }
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, content, { flag: "wx" });
    }
    return { files: [...files.keys()].sort(), bytes, refused };
}
