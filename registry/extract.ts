/**
 * The static files of an image, without Docker: the manifest (the linux/amd64 one of an index),
 * then every layer in order, streamed from the registry, decompressed (gzip, zstd or plain tar as
 * its media type says) and applied to a view of the image's file system under one directory of
 * it (the web server's document root), as the OCI image spec says (registry/layerTree.ts:
 * whiteouts and opaque markers at any depth, the root's ancestors included; a later entry
 * replaces an earlier one). Then written under a target directory.
 *
 * Everything is read as hostile input and bounded while it streams (registry/layerStream.ts):
 * compressed bytes of a layer, decompressed bytes of a layer and of all layers, tar entries, and
 * the files kept (count and bytes, at every moment). Nothing is written outside the target (no
 * `..`, no absolute names, no links followed or copied). The extraction fails, naming the image,
 * its digest and the directory, when the directory is missing, is not a directory (a symlink, a
 * file), or when any entry was refused (each refused name listed, escaped, with its reason).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Readable } from "node:stream";
import { extract as tarExtract, type Header } from "tar-stream";
import { describeRefusals, REFUSALS_LISTED } from "../rules/frontendFiles";
import { entryKind, keyProblem, pathParts, quoteName, relationTo } from "../rules/layerPaths";
import type { RegistryClient } from "./client";
import { RegistryError } from "./client";
import { layersOf } from "./imageLayers";
import { Budget, compressionOf, decompressed, LayerLimitError } from "./layerStream";
import { LayerTree } from "./layerTree";

export interface ExtractOptions {
    /** The directory of the image whose files are wanted (`/usr/share/nginx/html`). */
    readonly from: string;
    /**
     * Where they are written (created; must be empty or absent), only once every check passed.
     * Until then the files are staged in a sibling directory (`<to>.part-XXXXXX`), removed after.
     */
    readonly to: string;
    /** Bytes of the files kept, at most, at any moment while the layers are applied. @default 200 MiB */
    readonly maxBytes?: number;
    /** Files kept, at most, at any moment while the layers are applied. @default 10000 */
    readonly maxFiles?: number;
    /** Compressed bytes of one layer, at most. @default 512 MiB */
    readonly maxLayerBytes?: number;
    /** Decompressed bytes of one layer, at most, counted as they come. @default 1 GiB */
    readonly maxUnpackedLayerBytes?: number;
    /** Decompressed bytes of all layers together, at most. @default 2 GiB */
    readonly maxUnpackedBytes?: number;
    /** Tar entries of all layers together, at most. @default 200000 */
    readonly maxEntries?: number;
    /** Why the files found cannot be used (checked before any is written), or undefined. */
    readonly check?: (files: readonly string[]) => string | undefined;
}

export interface Extracted {
    /** The image's digest (of the index when `reference` names one). */
    readonly digest: string;
    /** Paths relative to `to`, sorted. */
    readonly files: readonly string[];
    readonly bytes: number;
}

/** The extraction failed: names the image, its digest and the directory, and the problem. */
export class ExtractError extends Error {
    constructor(
        readonly image: string,
        readonly digest: string,
        readonly root: string,
        readonly problem: string,
    ) {
        super(`${image}@${digest}, directory ${quoteName(root)}: ${problem}`);
        this.name = "ExtractError";
    }
}

const MiB = 1024 * 1024;
const DEFAULTS = {
    maxBytes: 200 * MiB,
    maxFiles: 10_000,
    maxLayerBytes: 512 * MiB,
    maxUnpackedLayerBytes: 1024 * MiB,
    maxUnpackedBytes: 2048 * MiB,
    maxEntries: 200_000,
};
type Limits = typeof DEFAULTS;

/** A tar entry's content, streamed: read it, or let it flow past (`resume`). */
type EntryBody = AsyncIterable<unknown> & { resume(): unknown };

/** What reading the layers carries from entry to entry. */
interface Reading {
    readonly tree: LayerTree;
    readonly root: readonly string[];
    readonly from: string;
    readonly staging: string;
    readonly limits: Limits;
    readonly refused: { listed: { name: string; reason: string }[]; count: number };
    entries: number;
    staged: number;
}

export async function extractImage(client: RegistryClient, image: string, reference: string, options: ExtractOptions): Promise<Extracted> {
    const root = pathParts(options.from);
    if (root === undefined) {
        throw new Error(`the directory ${quoteName(options.from)} of the image climbs out of its root`);
    }
    const limits: Limits = { ...DEFAULTS, ...definedOnly(options) };
    const target = path.resolve(options.to);
    if (fs.existsSync(target) && (!fs.statSync(target).isDirectory() || fs.readdirSync(target).length > 0)) {
        throw new Error(`${target} is not an empty directory: the frontend's files are written into an empty directory`);
    }
    const { digest, layers } = await layersOf(client, image, reference);
    const fail = (problem: string) => new ExtractError(image, digest, options.from, problem);
    layers.forEach((l, i) => {
        if (compressionOf(l.mediaType) === undefined) {
            throw fail(`layer ${i + 1} (${l.digest}) has the media type ${quoteName(l.mediaType)}, not a tar layer vnv can unpack`);
        }
    });
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const staging = fs.mkdtempSync(`${target}.part-`);
    try {
        const reading: Reading = {
            tree: new LayerTree(root),
            root,
            from: options.from,
            staging,
            limits,
            refused: { listed: [], count: 0 },
            entries: 0,
            staged: 0,
        };
        const budget = new Budget(limits.maxUnpackedLayerBytes, limits.maxUnpackedBytes);
        for (const [i, layer] of layers.entries()) {
            const what = `layer ${i + 1} of ${layers.length} (${layer.digest})`;
            reading.tree.nextLayer();
            try {
                const compressed = client.blobChunks(image, layer.digest, limits.maxLayerBytes);
                await readLayer(reading, decompressed(compressed, compressionOf(layer.mediaType)!, what, budget));
            } catch (e) {
                throw e instanceof RegistryError ? e : fail(e instanceof LayerLimitError ? e.message : `${what}: ${(e as Error).message ?? e}`);
            }
        }
        const files = verdict(reading, options, fail);
        writeOut(files, target);
        return { digest, files: files.map((f) => f.key), bytes: files.reduce((n, f) => n + f.size, 0) };
    } finally {
        fs.rmSync(staging, { recursive: true, force: true });
    }
}

function definedOnly(options: ExtractOptions): Partial<Limits> {
    return Object.fromEntries(Object.keys(DEFAULTS).flatMap((k) => (options[k as keyof Limits] === undefined ? [] : [[k, options[k as keyof Limits]]])));
}

/** The root's files once every layer is applied, or the extraction's failure: refusals, a missing or non-directory root, the caller's check. */
function verdict(reading: Reading, options: ExtractOptions, fail: (problem: string) => ExtractError): { key: string; staged: string; size: number }[] {
    const { refused, tree, root } = reading;
    if (refused.count > 0) {
        throw fail(`${refused.count} entr${refused.count === 1 ? "y" : "ies"} of the image refused, nothing deployed:\n${describeRefusals(refused)}`);
    }
    const state = tree.rootState();
    const at = (parts: readonly string[]) => quoteName(`/${parts.join("/")}`);
    if (state.kind === "missing") {
        const where = state.at.length < root.length ? ` (${at(state.at)} is not in the image)` : "";
        throw fail(`matches nothing in the image${where}: check the frontend's root`);
    }
    if (state.kind === "other") {
        const what = state.type === "symlink" ? `a symbolic link${state.linkname ? ` to ${quoteName(state.linkname)}` : ""}` : `a ${state.type}`;
        const whose = state.at.length < root.length ? `its ancestor ${at(state.at)} is` : "is";
        throw fail(`${whose} ${what}, not a directory: vnv takes a directory's files and never follows a link`);
    }
    const files = tree.rootFiles();
    const problem = options.check?.(files.map((f) => f.key));
    if (problem !== undefined) {
        throw fail(problem);
    }
    return files;
}

/** Moves the staged files to their places under `target` (created). */
function writeOut(files: readonly { key: string; staged: string }[], target: string): void {
    fs.mkdirSync(target, { recursive: true });
    const made = new Set<string>([target]);
    for (const f of files) {
        const file = path.join(target, ...f.key.split("/"));
        if (!file.startsWith(`${target}${path.sep}`)) {
            throw new Error(`${quoteName(f.key)} would be written outside ${target}`);
        }
        const dir = path.dirname(file);
        if (!made.has(dir)) {
            fs.mkdirSync(dir, { recursive: true });
            made.add(dir);
        }
        fs.renameSync(f.staged, file);
    }
}

/** Reads one layer's tar archive from `tar`, entry by entry, applying each to the tree. */
async function readLayer(reading: Reading, tar: AsyncIterable<Buffer>): Promise<void> {
    const ex = tarExtract();
    const input = Readable.from(tar);
    input.on("error", (e) => ex.destroy(e));
    input.pipe(ex);
    try {
        for await (const entry of ex) {
            await applyEntry(reading, entry.header, entry);
        }
    } finally {
        input.destroy();
    }
}

function refuse(reading: Reading, name: string, reason: string): void {
    reading.refused.count++;
    if (reading.refused.listed.length < REFUSALS_LISTED) {
        reading.refused.listed.push({ name, reason });
    }
}

/** One tar entry: a whiteout, a directory, a file kept (staged), or skipped; refused when vnv cannot copy it faithfully. */
async function applyEntry(reading: Reading, header: Header, body: EntryBody): Promise<void> {
    const { tree, root, limits } = reading;
    if (++reading.entries > limits.maxEntries) {
        throw new LayerLimitError(`more than the ${limits.maxEntries} tar entries allowed in all layers together; stopped there`);
    }
    const parts = pathParts(header.name);
    if (parts === undefined) {
        refuse(reading, header.name, "climbs out of the image's root (a `..` component)");
        return void body.resume();
    }
    // tar-stream answers null for a type flag it does not know, whatever its typings say.
    const type: string = (header.type as string | null) ?? "unknown";
    if (parts.length === 0) {
        if (type === "directory") {
            tree.addDir(parts);
        } else {
            refuse(reading, header.name, `a ${type} entry as the image's top directory`);
        }
        return void body.resume();
    }
    const dir = parts.slice(0, -1);
    const kind = entryKind(parts[parts.length - 1] ?? "");
    if (kind.kind !== "plain") {
        if (kind.kind === "opaque" && relationTo(root, dir) !== "outside") {
            tree.opaque(dir);
        } else if (kind.kind === "whiteout" && relationTo(root, [...dir, kind.name]) !== "outside") {
            tree.whiteout([...dir, kind.name]);
        } else if (kind.kind === "bad-whiteout" && relationTo(root, dir) !== "outside") {
            refuse(reading, header.name, kind.reason);
        }
        return void body.resume();
    }
    const relation = relationTo(root, parts);
    if (relation === "outside") {
        return void body.resume();
    }
    if (dir.some((p) => p.startsWith(".wh."))) {
        refuse(reading, header.name, "a path through a whiteout name (`.wh.`), which no image file system holds");
    } else if (type === "directory") {
        tree.addDir(parts);
    } else if (relation !== "inside") {
        tree.addOther(parts, type === "contiguous-file" ? "file" : type, header.linkname ?? undefined);
    } else if (type !== "file" && type !== "contiguous-file") {
        const to = header.linkname ? ` to ${quoteName(header.linkname)}` : "";
        refuse(reading, header.name, `a ${type} entry${to}: only plain files and directories are copied`);
    } else {
        const problem = keyProblem(parts.slice(root.length).join("/"));
        if (problem === undefined) {
            return stage(reading, parts, header.size, body);
        }
        refuse(reading, header.name, problem);
    }
    body.resume();
}

/** A file under the root: what was at its path goes, its content is staged on disk, within the limits. */
async function stage(reading: Reading, parts: readonly string[], size: number, body: EntryBody): Promise<void> {
    const { tree, limits } = reading;
    tree.clear(parts);
    if (tree.files + 1 > limits.maxFiles) {
        throw new LayerLimitError(`${tree.files + 1} files under ${quoteName(reading.from)}, more than the ${limits.maxFiles} allowed`);
    }
    if (tree.bytes + size > limits.maxBytes) {
        throw new LayerLimitError(`${tree.bytes + size} bytes of files under ${quoteName(reading.from)}, more than the ${limits.maxBytes} allowed`);
    }
    const staged = path.join(reading.staging, String(reading.staged++));
    const fd = fs.openSync(staged, "wx");
    let written = 0;
    try {
        for await (const chunk of body) {
            written += (chunk as Buffer).length;
            fs.writeSync(fd, chunk as Buffer);
        }
    } finally {
        fs.closeSync(fd);
    }
    tree.addFile(parts, staged, written);
}
