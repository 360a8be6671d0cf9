/**
 * The end of `vnv env snapshot` on either target: a dump, made one layer on the environment's
 * dataset image (registry/snapshotLayer.ts), pushed beside it under a tag that must be free (a
 * dataset's tag is never overwritten), with labels saying where it came from.
 */
import { appendLayer } from "../../registry/appendLayer";
import { type RegistryClient, RegistryError } from "../../registry/client";
import type { SnapshotLayer } from "../../registry/snapshotLayer";
import { type PinnedDataset, SNAPSHOT_LABELS } from "../../rules/datasets";
import { OperationError, UsageError } from "../errors";

/** A usage error (`--as` named it) or an operation error when `image:tag` exists. */
export async function refuseTaken(registry: RegistryClient, image: string, tag: string, named: boolean): Promise<void> {
    try {
        const existing = await registry.resolve(image, tag);
        const message = `${image}:${tag} exists already (${existing.digest}); a dataset's tag is never overwritten`;
        throw named ? new UsageError(`--as ${tag}: ${message}: choose another name`) : new OperationError(`${message}: name the snapshot with --as`);
    } catch (e) {
        if (!(e instanceof RegistryError && e.kind === "not-found")) {
            throw e;
        }
    }
}

/** What `env snapshot` made, on either target. */
export interface SnapshotResult {
    readonly stack: string;
    readonly version: string;
    readonly dataset: PinnedDataset;
    readonly reference: string;
    readonly from: PinnedDataset;
    readonly files: number;
    readonly bytes: number;
    /** What a pull of it moves (every blob, compressed). */
    readonly size: number;
    readonly steps: readonly { step: string; ms: number }[];
}

export interface SnapshotPush {
    readonly from: PinnedDataset;
    readonly tag: string;
    readonly layer: SnapshotLayer;
    /** Where it came from (`vnv env snapshot of docker-v1-2-3 (v1.2.3)`). */
    readonly source: string;
    readonly createdBy: string;
    readonly now: Date;
    /** Throws when the tag has been taken meanwhile: checked once more just before the tag is written. */
    readonly free: () => Promise<void>;
}

/** Pushes the layer on `from` as `from.image:tag`; the new dataset, pinned, and what a pull of it moves. */
export async function pushSnapshot(registry: RegistryClient, p: SnapshotPush): Promise<{ dataset: PinnedDataset; reference: string; size: number }> {
    const labels = {
        [SNAPSHOT_LABELS.source]: p.source,
        [SNAPSHOT_LABELS.base]: `${p.from.image}:${p.from.tag}@${p.from.digest}`,
        [SNAPSHOT_LABELS.created]: p.now.toISOString(),
    };
    // The registry API has no create-only PUT: the tag is checked free again just before it is written.
    const pushed = await appendLayer(registry, p.from.image, p.from.digest, p.layer, {
        tag: p.tag,
        labels,
        created: p.now,
        createdBy: p.createdBy,
        beforeTag: p.free,
    });
    return { dataset: { image: p.from.image, tag: p.tag, digest: pushed.digest }, reference: `${p.from.image}:${p.tag}@${pushed.digest}`, size: pushed.size };
}
