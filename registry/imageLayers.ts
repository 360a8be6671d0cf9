/**
 * An image's layers as its manifest lists them, every field checked before anything is
 * downloaded: an index is followed to its linux/amd64 image; each layer must be a descriptor with
 * a sha256 digest (so no registry answer reaches a URL path unchecked) and a media type; at most
 * {@link MAX_LAYERS} layers.
 */
import type { RegistryClient } from "./client";
import { RegistryError } from "./client";

/** Layers of an image, at most (overlay file systems stack no more than 128). */
export const MAX_LAYERS = 128;

const INDEX_TYPES = ["application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"];
const DIGEST = /^sha256:[0-9a-f]{64}$/;

export interface Layer {
    readonly digest: string;
    readonly mediaType: string;
}

/** The image's digest and its layers, following an index to its linux/amd64 image; every field checked. */
export async function layersOf(client: RegistryClient, image: string, reference: string): Promise<{ digest: string; layers: Layer[] }> {
    const { top, manifest, body } = await platformManifest(client, image, reference);
    const layers = body.layers;
    const bad = (why: string) => new RegistryError("invalid", image, `${image}@${manifest.digest}: ${why}`);
    if (!Array.isArray(layers)) {
        throw bad("the manifest lists no layers");
    }
    if (layers.length > MAX_LAYERS) {
        throw bad(`${layers.length} layers, more than the ${MAX_LAYERS} allowed`);
    }
    return {
        digest: top.digest,
        layers: layers.map((l: unknown, i) => {
            if (!isObject(l) || typeof l.digest !== "string" || !DIGEST.test(l.digest) || typeof l.mediaType !== "string") {
                throw bad(`layer ${i + 1} is not a descriptor with a sha256 digest and a media type`);
            }
            return { digest: l.digest, mediaType: l.mediaType };
        }),
    };
}

/** At most this many bytes in an image's config (a label-heavy config is a few kB). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * The labels of an image's config (linux/amd64 when an index): every value a string, or the
 * image is refused; an image without labels has none.
 */
export async function labelsOf(client: RegistryClient, image: string, reference: string): Promise<Record<string, string>> {
    return (await summaryOf(client, image, reference)).labels;
}

/** What a listing says of an image: its digest, what a pull moves, its config's labels and creation time. */
export interface ImageSummary {
    readonly digest: string;
    /** Bytes of its layers and config together, as its manifest gives them (compressed). */
    readonly size: number;
    readonly labels: Record<string, string>;
    /** The config's `created`, when it is a time. */
    readonly created?: string;
}

/** The summary of `reference` (linux/amd64 when an index); every field checked as {@link labelsOf} does. */
export async function summaryOf(client: RegistryClient, image: string, reference: string): Promise<ImageSummary> {
    const { top, manifest, body } = await platformManifest(client, image, reference);
    const bad = (why: string) => new RegistryError("invalid", image, `${image}@${manifest.digest}: ${why}`);
    const descriptor = body.config;
    if (!isObject(descriptor) || typeof descriptor.digest !== "string" || !DIGEST.test(descriptor.digest)) {
        throw bad("the manifest has no config descriptor with a sha256 digest");
    }
    const config = parseJson(image, descriptor.digest, await client.blob(image, descriptor.digest, MAX_CONFIG_BYTES));
    const labels = isObject(config.config) ? config.config.Labels : undefined;
    if (labels !== undefined && labels !== null && (!isObject(labels) || !Object.values(labels).every((v) => typeof v === "string"))) {
        throw bad("its config's Labels are not an object of strings");
    }
    const sizes = [descriptor, ...(Array.isArray(body.layers) ? body.layers : [])].map((d: unknown) =>
        isObject(d) && Number.isSafeInteger(d.size) && (d.size as number) >= 0 ? (d.size as number) : 0,
    );
    const created = typeof config.created === "string" && /^\d{4}-\d\d-\d\dT[\d:.]{1,20}(?:Z|[+-]\d\d:\d\d)$/.test(config.created) ? config.created : undefined;
    return {
        digest: top.digest,
        size: sizes.reduce((a, b) => a + b, 0),
        labels: (labels ?? {}) as Record<string, string>,
        ...(created === undefined ? {} : { created }),
    };
}

/** The manifest `reference` names, or, for an index, its linux/amd64 image's. */
export async function platformManifest(client: RegistryClient, image: string, reference: string) {
    const top = await client.manifest(image, reference);
    let manifest = top;
    let body = parseJson(image, manifest.digest, manifest.bytes);
    if (INDEX_TYPES.includes(manifest.mediaType) || INDEX_TYPES.includes(String(body.mediaType ?? ""))) {
        const list = Array.isArray(body.manifests) ? (body.manifests as unknown[]) : [];
        const chosen = list.find((m) => isObject(m) && isObject(m.platform) && m.platform.os === "linux" && m.platform.architecture === "amd64");
        if (!isObject(chosen) || typeof chosen.digest !== "string" || !DIGEST.test(chosen.digest)) {
            throw new RegistryError("invalid", image, `${image}@${top.digest}: no linux/amd64 image (with a sha256 digest) in the index`);
        }
        manifest = await client.manifest(image, chosen.digest);
        body = parseJson(image, manifest.digest, manifest.bytes);
    }
    return { top, manifest, body };
}

export function isObject(x: unknown): x is Record<string, unknown> {
    return typeof x === "object" && x !== null && !Array.isArray(x);
}

export function parseJson(image: string, digest: string, bytes: Buffer): Record<string, unknown> {
    let body: unknown;
    try {
        body = JSON.parse(bytes.toString("utf8"));
    } catch {
        body = undefined;
    }
    if (!isObject(body)) {
        throw new RegistryError("invalid", image, `${image}@${digest}: not a JSON object`);
    }
    return body;
}
