/**
 * An environment on Docker keeps its metadata where its containers are: the labels of every
 * container, volume and network of its Compose project. They are the same metadata an AWS
 * environment keeps as stack tags (rules/metadata.ts), under `be.infrasoft.vnv.*` keys, read by
 * the same strict rules: labels that are not vnv's, or containers that disagree, make a
 * malformed environment, which the reaper never acts on.
 */
import { type EnvironmentMeta, META_TAGS, metaToTags, type TagMap, type TagRules, tagsToMeta } from "../../rules/metadata";

export const LABEL_PREFIX = "be.infrasoft.vnv.";
/** Every object vnv makes on Docker carries it: `vnv` (the project). */
export const PROJECT_LABEL = `${LABEL_PREFIX}project`;
/** The environment's URL (the default public service's published address). */
export const URL_LABEL = `${LABEL_PREFIX}url`;
/** Compose's own label of the project an object belongs to. */
export const COMPOSE_PROJECT_LABEL = "com.docker.compose.project";

/** `vnv:expires-at` → `be.infrasoft.vnv.expires-at`. */
function labelOf(tag: string): string {
    return `${LABEL_PREFIX}${tag.replace(/^vnv:/, "")}`;
}

/** The Compose project of a version's environment on Docker (`vnv-v1-2-3-rc-1`). */
export function composeProjectName(project: string, stack: string): string {
    return `${project}-${stack}`;
}

/** The labels of an environment's objects. */
export function metaLabels(project: string, meta: EnvironmentMeta, url: string): Record<string, string> {
    const tags = metaToTags(meta);
    return {
        [PROJECT_LABEL]: project,
        ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [labelOf(k), v])),
        [URL_LABEL]: url,
    };
}

/** The metadata tags in a set of labels (other labels ignored). */
export function labelsToTags(labels: Readonly<Record<string, string>>): Record<string, string> {
    const tags: Record<string, string> = {};
    for (const tag of META_TAGS) {
        const value = labels[labelOf(tag)];
        if (value !== undefined) {
            tags[tag] = value;
        }
    }
    return tags;
}

/**
 * The metadata of a project from the labels of each of its objects: they must all carry the
 * same metadata, in vnv's form, agreeing with the project's name. Otherwise a problem.
 */
export function projectMeta(
    stack: string,
    objects: readonly Readonly<Record<string, string>>[],
    rules: TagRules,
): { meta: EnvironmentMeta; url: string } | { problem: string } {
    const first = objects[0];
    if (first === undefined) {
        return { problem: "no container or volume carries its labels" };
    }
    const tags: TagMap = labelsToTags(first);
    for (const other of objects.slice(1)) {
        const theirs = labelsToTags(other);
        const differing = META_TAGS.find((k) => theirs[k] !== tags[k]);
        if (differing !== undefined) {
            return { problem: `its objects disagree on ${labelOf(differing)} (an interrupted update): run env up or env extend again` };
        }
    }
    const meta = tagsToMeta(stack, tags, rules);
    if ("problem" in meta) {
        return { problem: meta.problem.replace(/tag vnv:([a-z-]+)/g, (_, k: string) => `label ${LABEL_PREFIX}${k}`) };
    }
    const url = first[URL_LABEL] ?? "";
    if (!/^http:\/\/[0-9.]{7,15}:\d{1,5}$/.test(url)) {
        return { problem: `label ${URL_LABEL} is not an address vnv writes (${JSON.stringify(url.slice(0, 40))})` };
    }
    return { meta, url };
}
