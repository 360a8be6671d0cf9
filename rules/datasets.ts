/**
 * Datasets (seed 000: "each version of the tool is also tied to a consistent Neo4j dataset").
 *
 * A dataset is an image in the team's registry, beside the version's images
 * (`…/infrasoft-vnv-dataset:<dataset version>`), pinned by digest like them and never
 * overwritten. It is an image rather than a bare artifact because both targets can run it
 * without anything else: the image carries its data under {@link DATASET_FILES} and the
 * program that loads them (for Neo4j, `neo4j-admin database load`, built FROM the database's own
 * image so the loader always matches the dump's format). The contract every dataset image keeps:
 *
 * - its root file system is read-only (Security Hub ECS.5): it writes into `$VNV_DATA_PATH` (and
 *   `$VNV_DUMP_PATH`) only;
 * - run with the database's data volume at `$VNV_DATA_PATH` and no argument, it loads its data
 *   there and writes `$VNV_DATA_PATH/.vnv-dataset` (the marker: `$VNV_DATASET_DIGEST`), then exits
 *   0; when the marker is there already it exits 0 at once, so running it again never loads
 *   over data (a restarted database keeps what it holds);
 * - run with the argument `dump` and the data volume, it writes the database's data as dataset
 *   files into `$VNV_DUMP_PATH` and exits 0 (`vnv env snapshot` makes a new dataset of them). On
 *   Docker the database was stopped cleanly; on ECS the volume is a crash-consistent copy (an EBS
 *   snapshot of a running database, rules/ecsSnapshot.ts), which `dump` recovers first (for
 *   Neo4j 5: start and stop the database once on it, then `neo4j-admin database dump`):
 *   regular files and directories only; the image holds that directory ({@link DUMP_PATH}), empty
 *   and owned by its user, and declares it a `VOLUME` (as the database's image declares its data
 *   directory), so the volume mounted there is the user's to write: Docker gives a new volume the
 *   owner of the directory it is mounted over, and Fargate does so for a task volume only where
 *   the image declares a `VOLUME` (ECS developer guide, "Bind mounts");
 * - on ECS the data volume is a new EBS volume whose root belongs to root (ECS changes its owner
 *   only for a container definition with a `user`, which vnv does not set): the image starts as
 *   root and gives the data to the database's user itself, as the database's own entrypoint does.
 *
 * A version names its dataset with a label on its images ({@link DATASET_LABEL}); the build that
 * makes the version's code says which data it expects. `env up --dataset` names another.
 *
 * Pure module: no `@pulumi/*` import.
 */
import { isImageTag } from "./imageReference";

/** The label of every object of a Docker environment made from a dataset: `image:tag@digest`. */
export const LOADED_DATASET_LABEL = "be.infrasoft.vnv.dataset";
/** The label a version's images name their dataset's tag with. */
export const DATASET_LABEL = "be.step-studio.vnv.dataset";
/** Where a dataset image keeps its data files. */
export const DATASET_FILES = "/dataset";
/** The file in the data volume that says a dataset was loaded there (its digest). */
export const DATASET_MARKER = ".vnv-dataset";
/** Where `dump` writes a snapshot's files. */
export const DUMP_PATH = "/vnv-dump";
/** The variables a dataset container gets. */
export const DATASET_VARIABLES = { tag: "VNV_DATASET", digest: "VNV_DATASET_DIGEST", dataPath: "VNV_DATA_PATH", dumpPath: "VNV_DUMP_PATH" } as const;
/** At most this many characters in a label's value read from an image (a tag is at most 128). */
const MAX_LABEL = 128;

/**
 * A database's dataset. In dev's `vnv:ephemeral.database` (the policy): the repository, and as
 * `tag` the dataset of versions whose images name none (absent: they start empty). In an
 * environment's `vnv:database`: the dataset it runs, tag and digest pinned by `env up`.
 */
export interface DatasetSpec {
    /** Repository without tag (`ghcr.io/infrasoftbe/infrasoft-vnv-dataset`). */
    readonly image: string;
    /** The dataset's version: its tag. */
    readonly tag?: string;
    /** Pinned digest (`sha256:…`). */
    readonly digest?: string;
}

/** A dataset an environment runs: tag and digest known. */
export type PinnedDataset = DatasetSpec & { readonly tag: string; readonly digest: string };

/** The name of the container that loads a database's dataset (`neo4j-dataset`). */
export function loaderName(database: string): string {
    return `${database}-dataset`;
}

/** What the labels of a version's images say about its dataset. */
export type NamedDataset = { readonly tag: string; readonly by: readonly string[] } | { readonly none: true } | { readonly problem: string };

/**
 * The dataset a version's images name: every image that carries {@link DATASET_LABEL} must name
 * the same tag, and it must be a tag; images without the label say nothing.
 */
export function datasetOfLabels(labels: Readonly<Record<string, Readonly<Record<string, string>> | undefined>>): NamedDataset {
    const named = new Map<string, string[]>();
    for (const [service, l] of Object.entries(labels)) {
        const value = l?.[DATASET_LABEL];
        if (value !== undefined) {
            named.set(value, [...(named.get(value) ?? []), service]);
        }
    }
    if (named.size === 0) {
        return { none: true };
    }
    if (named.size > 1) {
        const which = [...named.entries()].map(([t, s]) => `${s.join(", ")}: ${JSON.stringify(t.slice(0, MAX_LABEL))}`).join("; ");
        return { problem: `the version's images name different datasets (${which}); one version has one dataset` };
    }
    const [[tag, by]] = [...named.entries()] as [[string, string[]]];
    if (!isImageTag(tag)) {
        return {
            problem: `${by.join(", ")} name${by.length === 1 ? "s" : ""} the dataset ${JSON.stringify(tag.slice(0, MAX_LABEL))}, which is not a tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127})`,
        };
    }
    return { tag, by };
}

/** `image:tag@digest`. */
export function datasetReference(d: PinnedDataset): string {
    return `${d.image}:${d.tag}@${d.digest}`;
}

/** The dataset `image:tag@digest` names, or undefined when it is not one. */
export function parseDatasetReference(text: string): PinnedDataset | undefined {
    const m = /^([a-z0-9][a-z0-9._/:-]{0,254}):([A-Za-z0-9_][A-Za-z0-9._-]{0,127})@(sha256:[0-9a-f]{64})$/.exec(text);
    return m === null ? undefined : { image: m[1]!, tag: m[2]!, digest: m[3]! };
}

/** Why `tag` cannot name a dataset given on the command line, or undefined. */
export function datasetTagProblem(tag: string): string | undefined {
    return isImageTag(tag)
        ? undefined
        : `${JSON.stringify(tag.slice(0, MAX_LABEL))} is not a dataset version: a tag of letters, digits, _ . - (at most 128, not starting with . or -)`;
}

/** The environment variables of the loader (and of `dump`). */
export function datasetEnvironment(dataset: PinnedDataset, dataPath: string): { name: string; value: string }[] {
    return [
        { name: DATASET_VARIABLES.tag, value: dataset.tag },
        { name: DATASET_VARIABLES.digest, value: dataset.digest },
        { name: DATASET_VARIABLES.dataPath, value: dataPath },
    ];
}

/** The labels a snapshot's image carries: where it came from, when, and from which dataset. */
export const SNAPSHOT_LABELS = {
    source: "be.step-studio.vnv.dataset.source",
    base: "be.step-studio.vnv.dataset.base",
    created: "org.opencontainers.image.created",
} as const;

/** A dump's limits: entries, bytes of all files together, one path's length (PATH_MAX of Linux is 4096). */
export const DUMP_LIMITS = { entries: 100_000, bytes: 16 * 1024 ** 3, path: 1024 } as const;

/** One entry of the archive `docker cp <container>:/vnv-dump -` writes. */
export interface DumpEntry {
    readonly name: string;
    readonly type: string;
}

/**
 * Where a dump's entry goes in the snapshot's layer: `vnv-dump/a/b` → `dataset/a/b` (the
 * directory itself → `dataset/`), or why it cannot: only regular files and directories under
 * the dump's own directory, by plain relative names (a link, a device, `..`, an absolute name, a
 * whiteout's `.wh.` name, a control character, a name beyond {@link DUMP_LIMITS}.path could write outside `/dataset` or
 * deceive whoever lists it).
 */
export function snapshotPath(entry: DumpEntry): { path: string } | { problem: string } {
    const shown = JSON.stringify(entry.name.slice(0, 200));
    if (entry.type !== "file" && entry.type !== "directory") {
        return { problem: `${shown} is a ${entry.type.slice(0, 40)}: a dump holds regular files and directories only` };
    }
    if (entry.name.length > DUMP_LIMITS.path) {
        return { problem: `${shown}…: a name longer than ${DUMP_LIMITS.path} characters` };
    }
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
    if (/[\u0000-\u001f\u007f\\]/.test(entry.name)) {
        return { problem: `${shown}: a name with a control character or a backslash` };
    }
    const parts = entry.name.split("/").filter((p, i, all) => !(p === "" && i === all.length - 1));
    const top = DUMP_PATH.slice(1);
    if (parts[0] !== top || parts.slice(1).some((p) => p === "" || p === "." || p === "..")) {
        return { problem: `${shown}: not a plain name under ${top}/` };
    }
    if (parts.some((p) => p.startsWith(".wh."))) {
        // In a layer, `.wh.<name>` deletes <name> and `.wh..wh..opq` empties its directory (the OCI image spec's whiteouts).
        return { problem: `${shown}: a name starting with .wh., which a layer takes for a whiteout` };
    }
    const rest = parts.slice(1).join("/");
    const base = DATASET_FILES.slice(1);
    if (rest === "") {
        return entry.type === "directory" ? { path: `${base}/` } : { problem: `${shown}: ${top} itself must be a directory` };
    }
    return { path: entry.type === "directory" ? `${base}/${rest}/` : `${base}/${rest}` };
}

/** The tag a snapshot of `stack` taken at `at` gets when `--as` names none: `v1-2-3.20261202-101500`. */
export function snapshotTag(stack: string, at: Date): string {
    const stamp = at.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
    return `${stack.slice(0, 100)}.${stamp}`;
}
