/**
 * A new image made in the registry, without Docker: a base image's manifest and config with one
 * more layer on top (what `crane append` does), pushed under a new tag of the same repository,
 * so the base's layers are not copied. The base (linux/amd64 when an index) is read as hostile:
 * its config must be a JSON object whose `rootfs.diff_ids` match its layers one for one, or
 * nothing is pushed.
 */
import { RegistryError, type RegistryClient, sha256Digest } from "./client";
import { isObject, MAX_CONFIG_BYTES, parseJson, platformManifest } from "./imageLayers";

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** The layer's media type that goes with each manifest media type. */
const LAYER_TYPES: Readonly<Record<string, string>> = {
    "application/vnd.docker.distribution.manifest.v2+json": "application/vnd.docker.image.rootfs.diff.tar.gzip",
    "application/vnd.oci.image.manifest.v1+json": "application/vnd.oci.image.layer.v1.tar+gzip",
};

/** A gzipped layer tar: its blob (a file's Blob, or bytes), the blob's digest and size, and the sha256 of the tar it unzips to. */
export interface NewLayer {
    readonly body: Buffer | Blob;
    readonly digest: string;
    readonly size: number;
    readonly diffId: string;
}

export interface Appended {
    readonly digest: string;
    /** Every blob of the image together, compressed: what a pull moves. */
    readonly size: number;
}

/**
 * Pushes `base` + `layer` as `image:tag`, with `labels` added to the config's and `createdBy`
 * in its history. The caller checks that the tag is free (a tag is never overwritten).
 */
export async function appendLayer(
    client: RegistryClient,
    image: string,
    base: string,
    layer: NewLayer,
    o: {
        readonly tag: string;
        readonly labels: Readonly<Record<string, string>>;
        readonly createdBy: string;
        readonly created: Date;
        /** Runs just before the tag is written (the blobs pushed): throws when the tag must not be written. */
        readonly beforeTag?: () => Promise<void>;
    },
): Promise<Appended> {
    const { manifest, body } = await platformManifest(client, image, base);
    const bad = (why: string) => new RegistryError("invalid", image, `${image}@${manifest.digest}: ${why}; nothing was pushed`);
    const mediaType = typeof body.mediaType === "string" ? body.mediaType : manifest.mediaType;
    const layerType = LAYER_TYPES[mediaType];
    if (layerType === undefined) {
        throw bad(`a manifest of type ${JSON.stringify(mediaType.slice(0, 100))}, not a Docker v2 or OCI image manifest`);
    }
    const layers = Array.isArray(body.layers) ? (body.layers as unknown[]) : undefined;
    const descriptor = body.config;
    if (layers === undefined || !isObject(descriptor) || typeof descriptor.digest !== "string" || !DIGEST.test(descriptor.digest)) {
        throw bad("the manifest has no layers or no config descriptor with a sha256 digest");
    }
    if (!layers.every((l) => isObject(l) && typeof l.digest === "string" && DIGEST.test(l.digest) && Number.isSafeInteger(l.size) && (l.size as number) >= 0)) {
        throw bad("a layer of it is not a descriptor with a sha256 digest and a size");
    }
    const config = parseJson(image, descriptor.digest, await client.blob(image, descriptor.digest, MAX_CONFIG_BYTES));
    const rootfs = config.rootfs;
    const diffIds = isObject(rootfs) && Array.isArray(rootfs.diff_ids) ? (rootfs.diff_ids as unknown[]) : undefined;
    if (diffIds === undefined || diffIds.length !== layers.length || !diffIds.every((d) => typeof d === "string" && DIGEST.test(d))) {
        throw bad("its config's rootfs.diff_ids do not match its layers one for one");
    }
    const run = isObject(config.config) ? config.config : {};
    const labels = isObject(run.Labels) ? run.Labels : {};
    const created = o.created.toISOString();
    // The history's entries that are not `empty_layer` stand for the layers one for one (the OCI
    // image config spec); a base whose history does not keep to that loses it rather than mislead.
    const history = Array.isArray(config.history) ? config.history : [];
    const layered = history.filter((h) => !(isObject(h) && h.empty_layer === true)).length;
    const { history: _dropped, ...rest } = config;
    const next = {
        ...rest,
        created,
        config: { ...run, Labels: { ...labels, ...o.labels } },
        rootfs: { type: "layers", diff_ids: [...diffIds, layer.diffId] },
        ...(layered === layers.length ? { history: [...history, { created, created_by: o.createdBy }] } : {}),
    };
    const configBytes = Buffer.from(JSON.stringify(next));
    const configDigest = sha256Digest(configBytes);
    const configType = typeof descriptor.mediaType === "string" ? descriptor.mediaType : "application/vnd.docker.container.image.v1+json";
    // A referrer's `subject` names the base, not this image: it is not carried over.
    const { subject: _subject, ...own } = body;
    const manifestBytes = Buffer.from(
        JSON.stringify({
            ...own,
            mediaType,
            config: { mediaType: configType, size: configBytes.length, digest: configDigest },
            layers: [...layers, { mediaType: layerType, size: layer.size, digest: layer.digest }],
        }),
    );
    await client.pushBlob(image, layer.digest, layer.body);
    await client.pushBlob(image, configDigest, configBytes);
    const digest = sha256Digest(manifestBytes);
    await o.beforeTag?.();
    await client.tag(image, o.tag, { digest, mediaType, bytes: manifestBytes });
    const sizes = layers.map((l) => (l as { size: number }).size);
    return { digest, size: sizes.reduce((a, b) => a + b, 0) + layer.size + configBytes.length };
}
