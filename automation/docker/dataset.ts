/**
 * A Docker environment's dataset (rules/datasets.ts): which one a new environment starts from,
 * the one a live environment keeps (the label every object of it carries), and whether it was
 * loaded (its loader's container exited 0).
 */
import { type EnvironmentSettings, imagesOf } from "../../infra/settings";
import { datasetReference, LOADED_DATASET_LABEL, loaderName, parseDatasetReference, type PinnedDataset } from "../../rules/datasets";
import { stackName as versionStack } from "../../rules/naming";
import type { Version } from "../../rules/versions";
import type { DatasetStatus } from "../environments/types";
import { OperationError, UsageError } from "../errors";
import { terminalText } from "../../rules/terminal";
import { authoritative, type DockerEnvironment, type DockerTargetConfig, historyName } from "./target";

/**
 * The dataset of the environment: an existing one keeps the one it was made with (a dataset
 * is loaded at creation; another one is another environment), a new one starts from the
 * dataset chosen for it (`--dataset`, the version's label, dev's default), or empty.
 */
export async function datasetFor(
    cfg: Pick<DockerTargetConfig, "chooseDataset" | "log">,
    version: Version,
    settings: EnvironmentSettings,
    digests: Readonly<Record<string, string>>,
    existing: DockerEnvironment | undefined,
    explicit: string | undefined,
): Promise<PinnedDataset | undefined> {
    const database = settings.database;
    if (existing !== undefined) {
        const kept = database === undefined ? undefined : keptDataset(existing);
        if (explicit !== undefined && explicit !== kept?.tag) {
            throw new UsageError(
                `--dataset ${explicit}: ${existing.stack} runs ${kept === undefined ? "no dataset" : `the dataset ${kept.tag}`}; a dataset is loaded when an environment is made: \`vnv env down ${version.canonical} --on docker\` first`,
            );
        }
        return kept;
    }
    if (database === undefined || cfg.chooseDataset === undefined) {
        if (explicit !== undefined) {
            throw new UsageError("--dataset: this environment runs no database of its own (dev's vnv:ephemeral.database), so it takes no dataset");
        }
        return undefined;
    }
    const versioned = imagesOf(settings)
        .filter((i) => i.tag === undefined && digests[i.name] !== undefined)
        .map((i) => ({ service: i.name, image: i.image, digest: digests[i.name]! }));
    const chosen = await cfg.chooseDataset(versioned, explicit);
    if (chosen !== undefined) {
        cfg.log(`${versionStack(version)}: its database starts from the dataset ${chosen.tag} (${chosen.source}), ${chosen.digest}`);
    }
    return chosen;
}

/**
 * The dataset an environment was made with: the label every object of it carries (its volumes
 * too, so a project whose containers are gone still says which dataset its database holds).
 */
export function keptDataset(env: DockerEnvironment): PinnedDataset | undefined {
    const values = new Set(authoritative(env.objects).map((o) => o.labels[LOADED_DATASET_LABEL]));
    if (values.size > 1) {
        throw new OperationError(`${env.project}: its objects disagree on ${LOADED_DATASET_LABEL}; nothing was changed: \`vnv env down\` it and up again`);
    }
    const [value] = [...values];
    if (value === undefined) {
        return undefined;
    }
    const kept = parseDatasetReference(value);
    if (kept === undefined) {
        throw new OperationError(
            `${env.project}: its label ${LOADED_DATASET_LABEL} ${terminalText(JSON.stringify(value.slice(0, 200)))} is not image:tag@digest; nothing was changed: \`vnv env down\` it and up again`,
        );
    }
    return kept;
}

/** Each environment on the engine and the dataset it was made with (those whose labels disagree are left out). */
export async function datasetUses(target: { environments(): Promise<DockerEnvironment[]> }): Promise<{ environment: string; reference: string }[]> {
    return (await target.environments()).flatMap((env) => {
        try {
            const kept = keptDataset(env);
            return kept === undefined ? [] : [{ environment: historyName(env.stack), reference: datasetReference(kept) }];
        } catch {
            return [];
        }
    });
}

/** Whether the dataset was loaded: its loader's container exited 0 (it exits 0 at once when the data is there already). */
export function datasetStatus(env: DockerEnvironment, database: string): DatasetStatus | undefined {
    const kept = keptDataset(env);
    const loader = env.objects.find((o) => o.kind === "container" && o.service === loaderName(database));
    if (kept === undefined || loader === undefined) {
        return undefined;
    }
    const state =
        loader.state === "running" || loader.state === "created"
            ? "loading"
            : loader.state !== "exited"
              ? "unknown"
              : loader.lastExit === 0
                ? "loaded"
                : "failed";
    const detail =
        state === "failed"
            ? `its loader exited ${loader.lastExit ?? "?"}: \`docker logs ${loader.id.slice(0, 12)}\``
            : loader.finishedAt === undefined || state !== "loaded"
              ? undefined
              : `checked ${loader.finishedAt}`;
    return { ...kept, state, ...(detail === undefined ? {} : { detail }) };
}
