/**
 * Which dataset a version's environment starts from (rules/datasets.ts): the one `--dataset`
 * names, else the one the version's images name by label, else dev's default; resolved to a
 * digest before anything is touched. A dataset that does not exist is refused like a missing
 * image.
 */
import { labelsOf } from "../../registry/imageLayers";
import { RegistryError, type RegistryClient } from "../../registry/client";
import { datasetOfLabels, datasetTagProblem, type DatasetSpec, type PinnedDataset } from "../../rules/datasets";
import { OperationError, UsageError } from "../errors";
import { mapLimit } from "../util";

/** Where the environment's dataset came from. */
export type DatasetSource = "flag" | "label" | "default";

export interface ChosenDataset extends PinnedDataset {
    readonly source: DatasetSource;
}

/** An image of the version, resolved. */
export interface ResolvedImage {
    readonly service: string;
    readonly image: string;
    readonly digest: string;
}

/** The version's images name a dataset that is not in the registry, or disagree about it: the release is not whole. */
export class DatasetError extends OperationError {
    constructor(message: string) {
        super(message);
        this.name = "DatasetError";
    }
}

/**
 * The dataset of `version`'s environment: `explicit` (`--dataset`), else the label of its images
 * (`versioned`: the images whose tag is the version's), else `policy.tag`; undefined when none is
 * named (the database starts empty). `policy` is dev's `vnv:ephemeral.database.dataset`: without
 * it no label is read and `--dataset` is refused.
 */
export async function chooseDataset(
    client: RegistryClient,
    policy: DatasetSpec | undefined,
    versioned: readonly ResolvedImage[],
    explicit: string | undefined,
): Promise<ChosenDataset | undefined> {
    if (policy === undefined) {
        if (explicit !== undefined) {
            throw new UsageError(
                "--dataset: dev's configuration names no datasets (vnv:ephemeral.database.dataset.image, the datasets' repository); without it environments start with an empty database",
            );
        }
        return undefined;
    }
    if (explicit !== undefined) {
        const problem = datasetTagProblem(explicit);
        if (problem !== undefined) {
            throw new UsageError(`--dataset: ${problem}`);
        }
        return pin(client, policy.image, explicit, "flag");
    }
    const labels = Object.fromEntries(await mapLimit(versioned, 4, async (i) => [i.service, await labelsOf(client, i.image, i.digest)] as const));
    const named = datasetOfLabels(labels);
    if ("problem" in named) {
        throw new DatasetError(named.problem);
    }
    if ("tag" in named) {
        return pin(client, policy.image, named.tag, "label", named.by);
    }
    return policy.tag === undefined ? undefined : pin(client, policy.image, policy.tag, "default");
}

async function pin(client: RegistryClient, image: string, tag: string, source: DatasetSource, by: readonly string[] = []): Promise<ChosenDataset> {
    try {
        const found = await client.resolve(image, tag);
        return { image, tag, digest: found.digest, source };
    } catch (e) {
        if (!(e instanceof RegistryError && e.kind === "not-found")) {
            throw e;
        }
        const why =
            source === "flag"
                ? "--dataset names it"
                : source === "label"
                  ? `${by.join(", ")} name${by.length === 1 ? "s" : ""} it`
                  : "dev's vnv:ephemeral.database.dataset.tag names it";
        const message = `the dataset ${image}:${tag} does not exist (${why}): \`vnv dataset ls\` lists the datasets`;
        throw source === "flag" ? new UsageError(message) : new DatasetError(message);
    }
}
