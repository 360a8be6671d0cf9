/**
 * `vnv env orphans`: resources tagged for an environment of this project whose stack is gone (a
 * failed destroy, a lost stack). Every AWS resource of an environment carries the provider's
 * default tags (`vnv:project`, `vnv:environment`: infra/environment.ts environmentTags); the
 * Resource Groups Tagging API lists them by tag across services, and an environment name with
 * no stack in the backend is an orphan.
 *
 * The answers are hostile input: at most {@link ORPHAN_LIMITS}.pages pages are read, each ARN and
 * tag value is checked (an ARN, an environment name as vnv makes them) and anything else is
 * reported as unreadable, never dropped in silence. prod, dev and the stacks dev protects are
 * never orphans: a backend that lacks them is more likely the wrong backend than a lost stack,
 * so they are said and left out.
 */
import { GetResourcesCommand, type GetResourcesCommandOutput } from "@aws-sdk/client-resource-groups-tagging-api";
import { OperationError } from "../errors";

export const ORPHAN_LIMITS = { pages: 100, perPage: 100, arnLength: 2048 } as const;

/** An environment name as vnv makes them: prod, dev, or a version's stack name (rules/naming.ts). */
const ENVIRONMENT = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const ARN = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:\S+$/;

/** What sends the Tagging API's requests: the SDK's client, or anything with its `send`. */
export interface TaggingClient {
    send(command: GetResourcesCommand): Promise<GetResourcesCommandOutput>;
}

export interface OrphanPlan {
    readonly project: string;
    readonly region: string;
    /** Environments without a stack, each with its resources' ARNs, by name. */
    readonly orphans: readonly { readonly environment: string; readonly resources: readonly string[] }[];
    /** Environments tagged but protected (prod, dev, protected stacks) whose stack this backend lacks. */
    readonly protectedMissing: readonly string[];
    /** Answers that are not a tagged resource vnv made: an ARN or a tag value out of shape. */
    readonly unreadable: readonly string[];
    /** Resources tagged for the project that were read. */
    readonly scanned: number;
}

interface Tagged {
    readonly arn: string;
    readonly environment: string;
}

/** Every resource tagged `vnv:project=<project>`, read page by page within the bounds. */
export async function taggedResources(client: TaggingClient, project: string): Promise<{ tagged: Tagged[]; unreadable: string[] }> {
    const tagged: Tagged[] = [];
    const unreadable: string[] = [];
    let token: string | undefined;
    for (let page = 0; ; page++) {
        if (page === ORPHAN_LIMITS.pages) {
            throw new OperationError(
                `the Tagging API answered more than ${ORPHAN_LIMITS.pages} pages of ${ORPHAN_LIMITS.perPage} resources tagged vnv:project=${project}: not a list vnv reads whole`,
            );
        }
        const answer = await client.send(
            new GetResourcesCommand({
                TagFilters: [{ Key: "vnv:project", Values: [project] }],
                ResourcesPerPage: ORPHAN_LIMITS.perPage,
                ...(token === undefined ? {} : { PaginationToken: token }),
            }),
        );
        for (const mapping of answer.ResourceTagMappingList ?? []) {
            const found = readMapping(mapping);
            if (typeof found === "string") {
                unreadable.push(found);
            } else {
                tagged.push(found);
            }
        }
        token = answer.PaginationToken === "" ? undefined : answer.PaginationToken;
        if (token === undefined) {
            return { tagged, unreadable };
        }
    }
}

/** One answer as a tagged resource, or why it is not one. */
function readMapping(mapping: { ResourceARN?: unknown; Tags?: unknown }): Tagged | string {
    const arn = mapping.ResourceARN;
    if (typeof arn !== "string" || arn.length > ORPHAN_LIMITS.arnLength || !ARN.test(arn)) {
        return `an answer whose ARN is not one: ${JSON.stringify(String(arn).slice(0, 120))}`;
    }
    const tags = Array.isArray(mapping.Tags) ? (mapping.Tags as { Key?: unknown; Value?: unknown }[]) : [];
    const values = tags.filter((t) => t?.Key === "vnv:environment").map((t) => t.Value);
    const [environment] = values;
    if (values.length !== 1 || typeof environment !== "string" || !ENVIRONMENT.test(environment)) {
        return `${arn}: its vnv:environment tag is not an environment name: ${JSON.stringify(String(environment).slice(0, 80))}`;
    }
    return { arn, environment };
}

/**
 * The plan: environments tagged but without a stack, by name, their ARNs sorted; `stacks` are
 * the backend's stack names, `protectedNames` those never treated as orphans.
 */
export function planOrphans(
    found: { tagged: readonly Tagged[]; unreadable: readonly string[] },
    stacks: ReadonlySet<string>,
    protectedNames: ReadonlySet<string>,
    where: { project: string; region: string },
): OrphanPlan {
    const byEnvironment = new Map<string, string[]>();
    for (const r of found.tagged.filter((t) => !stacks.has(t.environment))) {
        byEnvironment.set(r.environment, [...(byEnvironment.get(r.environment) ?? []), r.arn]);
    }
    const names = [...byEnvironment.keys()].sort();
    return {
        ...where,
        orphans: names
            .filter((n) => !protectedNames.has(n))
            .map((environment) => ({ environment, resources: [...(byEnvironment.get(environment) ?? [])].sort() })),
        protectedMissing: names.filter((n) => protectedNames.has(n)),
        unreadable: [...found.unreadable],
        scanned: found.tagged.length + found.unreadable.length,
    };
}

/** The plan as text: one block per orphaned environment, then what was left out and why. */
export function orphansText(plan: OrphanPlan): string {
    const lines: string[] = [];
    if (plan.orphans.length === 0) {
        lines.push(`no orphans: every resource tagged vnv:project=${plan.project} in ${plan.region} belongs to a stack (${plan.scanned} read)`);
    }
    for (const o of plan.orphans) {
        lines.push(`${o.environment}: no stack, ${o.resources.length} resource${o.resources.length === 1 ? "" : "s"} left`);
        lines.push(...o.resources.map((arn) => `  ${arn}`));
    }
    for (const name of plan.protectedMissing) {
        lines.push(`${name}: tagged resources but no stack in this backend; never treated as an orphan (is this the right backend?)`);
    }
    for (const u of plan.unreadable) {
        lines.push(`unreadable: ${u}`);
    }
    return `${lines.join("\n")}\n`;
}
