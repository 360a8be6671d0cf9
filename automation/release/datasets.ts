/**
 * The datasets as the command line shows them. `vnv dataset ls`: the datasets in dev's dataset repository (rules/datasets.ts), each with what a
 * pull of it moves, where it came from (a snapshot's labels, else a build's), and the
 * environments whose database started from it (matched by digest: a tag is never overwritten,
 * but a digest says it for sure). Every answer of the registry is read as hostile: a tag whose
 * image cannot be read is listed with its problem, never fatal for the others. `release ls`:
 * the dataset each version's images name (withDatasets).
 */
import { RegistryError, type RegistryClient } from "../../registry/client";
import { labelsOf, summaryOf } from "../../registry/imageLayers";
import { datasetOfLabels, type NamedDataset, parseDatasetReference, SNAPSHOT_LABELS } from "../../rules/datasets";
import type { ImageSource } from "./release";
import { mapLimit } from "../util";

/** An environment and the dataset it runs (`image:tag@digest`). */
export interface DatasetUse {
    readonly environment: string;
    readonly reference: string;
}

export interface DatasetRow {
    readonly tag: string;
    readonly digest?: string;
    /** Bytes a pull moves (layers and config, compressed). */
    readonly size?: number;
    /** `snapshot`, with what the snapshot's label says, or `build` (with the image's source label when it has one). */
    readonly source?: string;
    readonly created?: string;
    /** A snapshot's base dataset (`image:tag@digest`). */
    readonly base?: string;
    readonly usedBy: readonly string[];
    /** Why the tag's image could not be read. */
    readonly problem?: string;
}

export interface DatasetListing {
    readonly image: string;
    readonly datasets: readonly DatasetRow[];
    /** Tags not listed (beyond `limit`, the highest tags first). */
    readonly more: number;
}

/** At most this many characters of a label's value are kept. */
const MAX_LABEL = 200;

/** The datasets of `image`: its `limit` highest tags, the newest first (by their creation time). */
export async function listDatasets(client: RegistryClient, image: string, uses: readonly DatasetUse[], limit: number): Promise<DatasetListing> {
    const tags = (await client.tags(image)).sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
    const shown = tags.slice(0, limit);
    const datasets = await mapLimit(shown, 4, async (tag): Promise<DatasetRow> => {
        try {
            const s = await summaryOf(client, image, tag);
            const usedBy = uses.filter((u) => parseDatasetReference(u.reference)?.digest === s.digest).map((u) => u.environment);
            const snapshot = s.labels[SNAPSHOT_LABELS.source];
            const built = s.labels["org.opencontainers.image.source"];
            const source = snapshot !== undefined ? `snapshot: ${snapshot}` : built !== undefined ? `build: ${built}` : "build";
            const created = s.labels[SNAPSHOT_LABELS.created] ?? s.created;
            const base = s.labels[SNAPSHOT_LABELS.base];
            return {
                tag,
                digest: s.digest,
                size: s.size,
                source: source.slice(0, MAX_LABEL),
                ...(created === undefined ? {} : { created: created.slice(0, 40) }),
                ...(base === undefined ? {} : { base: base.slice(0, MAX_LABEL) }),
                usedBy,
            };
        } catch (e) {
            if (!(e instanceof RegistryError) || e.kind === "unreachable" || e.kind === "unauthorized") {
                throw e;
            }
            return { tag, usedBy: [], problem: e.message.slice(0, 300) };
        }
    });
    const when = (r: DatasetRow) => r.created ?? "";
    datasets.sort((a, b) => (when(a) < when(b) ? 1 : when(a) > when(b) ? -1 : 0));
    return { image, datasets, more: tags.length - shown.length };
}

/** Each version's dataset, as the labels of its images name it (two config reads per image, a few versions at a time). */
export async function withDatasets<V extends { readonly tags: Readonly<Record<string, readonly string[]>>; readonly dataset?: NamedDataset }>(
    client: RegistryClient,
    rows: readonly V[],
    versioned: readonly ImageSource[],
): Promise<V[]> {
    return mapLimit(rows, 2, async (row) => {
        const present = versioned.filter((s) => row.tags[s.name]?.[0] !== undefined);
        if (present.length === 0) {
            return row;
        }
        try {
            const labels = await mapLimit(present, 4, async (s) => [s.name, await labelsOf(client, s.image, row.tags[s.name]![0]!)] as const);
            return { ...row, dataset: datasetOfLabels(Object.fromEntries(labels)) };
        } catch (e) {
            if (!(e instanceof RegistryError) || e.kind === "unreachable" || e.kind === "unauthorized") {
                throw e;
            }
            return { ...row, dataset: { problem: e.message.slice(0, 300) } };
        }
    });
}
