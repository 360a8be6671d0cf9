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

function isObject(x: unknown): x is Record<string, unknown> {
    return typeof x === "object" && x !== null && !Array.isArray(x);
}

function parseJson(image: string, digest: string, bytes: Buffer): Record<string, unknown> {
    let body: unknown;
    try {
        body = JSON.parse(bytes.toString("utf8"));
    } catch {
        body = undefined;
    }
    if (!isObject(body)) {
        throw new RegistryError("invalid", image, `${image}@${digest}: the manifest is not a JSON object`);
    }
    return body;
}
