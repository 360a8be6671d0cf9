/**
 * `env up` as its own table of contents: check the images, select or create the stack (tags and
 * slot first), attach the program, recover, update with the redirect list, move the expiry, wait
 * until healthy, record, announce. Each step is timed once (UpResult.steps).
 */
import type { LocalWorkspace, OutputMap, Stack } from "@pulumi/pulumi/automation";
import { type EnvironmentSettings, imagesOf } from "../../infra/settings";
import { loaderName, parseDatasetReference, type PinnedDataset } from "../../rules/datasets";
import type { EnvironmentMeta } from "../../rules/metadata";
import { terminalText } from "../../rules/terminal";
import { hostname as versionHost, stackName as versionStack } from "../../rules/naming";
import type { Version } from "../../rules/versions";
import { OperationError, UsageError } from "../errors";
import type { AuditDraft } from "../history/auditing";
import { currentOwner, type Owner, type Ttl } from "../inputs";
import { estimateOf, estimateText, type PricedEstimate, priceNew } from "./cost";
import { updateFailure } from "./failures";
import { setExpiry } from "./lifecycle";
import { plainOutputs, type Runtime, StepClock } from "./runtime";
import { createInSlot } from "./slots";
import type { UpResult } from "./types";
import { wakeOnUp } from "./sleep";
import { updateStack, waitHealthy } from "./update";

export interface UpOptions {
    readonly ttl?: Ttl;
    readonly owner?: Owner;
    readonly digests?: Readonly<Record<string, string>>;
    /** `--dataset`: the dataset a new environment starts from. */
    readonly dataset?: string;
}

/** Creates or updates `version`'s environment (see Environments.up), recorded through `draft`. */
export async function upEnvironment(rt: Runtime, version: Version, options: UpOptions, draft: AuditDraft): Promise<UpResult> {
    const steps = new StepClock();
    const name = versionStack(version);
    const checked = rt.settingsFor(version, 0, options.digests); // the configuration is valid for this version
    let digests = await steps.time("check images", () => checkImages(rt, version, checked, options.digests));
    const existing = await steps.time("select stack", () => rt.store.select(name));
    const created = existing === undefined;
    // The price before anything is made; a new environment past the daily budget is refused here.
    const price = await steps.time("price", () => (created ? priceNew(rt, name, checked) : priceLive(rt, name, checked)));
    // What the live environment runs (its fixed digests, its dataset): one engine process.
    const previous = existing === undefined ? undefined : await steps.time("read outputs", () => existing.outputs());
    if (previous !== undefined && digests !== undefined) {
        digests = keepFixedDigests(rt, name, previous, checked, digests);
    }
    const dataset = await steps.time("dataset", () => datasetOf(rt, version, checked, digests, previous, options.dataset));
    Object.assign(draft, { action: created ? "deploy" : "update", digests: { ...(digests ?? {}), ...datasetDigest(checked, dataset) } });
    const { stack, meta } = await steps.time(created ? "create stack, tags, slot" : "read tags", () =>
        existing === undefined ? createStack(rt, version, checked, options) : rt.metaOf(existing).then((m) => ({ stack: existing, meta: m })),
    );
    const settings = attachProgram(rt, stack, version, meta, digests, dataset);
    if (!created) {
        await steps.time("recovery check", () => rt.locks.recover(stack)); // a stack made a moment ago has nothing to recover
    }
    rt.log(`${name}: ${created ? "creating" : "updating"} ${version.canonical} at https://${settings.hostname}`);
    const { result, auth } = await updateStack(rt, stack, steps, true);
    const expiring = !created && options.ttl !== undefined ? await setExpiry(rt, stack, meta, options.ttl) : meta;
    rt.log(`${name}: ${result.summary.result}, expires ${expiring.expiresAt.toISOString()}`);
    const awake = await steps.time("wake", () => wakeOnUp(rt, stack, created, plainOutputs(result.outputs)));
    const health = await waitHealthy(rt, settings, steps, awake);
    const url = `https://${settings.hostname}`;
    const failure = updateFailure(health, auth);
    Object.assign(draft, { url, expiresAt: expiring.expiresAt.toISOString(), ...(failure === undefined ? {} : { failure }) });
    if (health?.healthy ?? true) {
        await rt.announce({ kind: "up", created, version: version.canonical, url, owner: expiring.owner, expiresAt: expiring.expiresAt.toISOString() });
    }
    return {
        stack: name,
        version: version.canonical,
        url,
        created,
        expiresAt: expiring.expiresAt.toISOString(),
        outputs: plainOutputs(result.outputs),
        ...(auth === undefined ? {} : { auth }),
        ...(health === undefined ? {} : { health }),
        ...(price === undefined ? {} : { estimate: price }),
        steps: steps.laps,
    };
}

/** Every image of the version checked in its registry, their digests (unless given). */
async function checkImages(rt: Runtime, version: Version, checked: EnvironmentSettings, given: UpOptions["digests"]) {
    if (given !== undefined || rt.cfg.checkImages === undefined) {
        return given;
    }
    rt.log(`${versionStack(version)}: checking the images of ${version.canonical}`);
    return rt.cfg.checkImages(version, imagesOf(checked));
}

/** A new stack, tagged (expiry first) and in a slot, before anything else. */
function createStack(rt: Runtime, version: Version, checked: EnvironmentSettings, options: UpOptions): Promise<{ stack: Stack; meta: EnvironmentMeta }> {
    const createdAt = rt.clock();
    const meta = {
        stack: versionStack(version),
        version: version.canonical,
        hostname: versionHost(version, checked.domain),
        owner: options.owner ?? currentOwner(process.env),
        createdAt,
        expiresAt: new Date(createdAt.getTime() + (options.ttl?.ms ?? rt.cfg.ttl.defaultMs)),
    };
    return createInSlot(rt.store, meta, rt.capacity(), rt.tagRules(createdAt), rt.log);
}

/** The environment's settings in its slot, given to the stack's workspace as its program (it is selected already). */
function attachProgram(
    rt: Runtime,
    stack: Stack,
    version: Version,
    meta: EnvironmentMeta,
    digests: UpOptions["digests"],
    dataset: PinnedDataset | undefined,
): EnvironmentSettings {
    const settings = rt.settingsFor(version, meta.slot, digests, dataset);
    (stack.workspace as LocalWorkspace).program = rt.cfg.program(settings);
    return settings;
}

/**
 * An environment keeps the digests of its fixed-tag images (`redis:7.4-alpine`, its own
 * database's `neo4j:5.26-community`) for its life: an update changes the version's images only.
 * A moving tag that moved meanwhile would otherwise replace the database, empty, under a running
 * application. Read from the environment's `imageDigests` output (`digests` of stand-ins); an
 * image it has no digest for yet takes the one just checked.
 */
function keepFixedDigests(
    rt: Runtime,
    stack: string,
    outputs: OutputMap,
    settings: EnvironmentSettings,
    checked: Readonly<Record<string, string>>,
): Record<string, string> {
    const previous = (outputs.imageDigests?.value ?? outputs.digests?.value) as Record<string, unknown> | undefined;
    const kept: Record<string, string> = { ...checked };
    for (const image of imagesOf(settings).filter((i) => i.tag !== undefined)) {
        const digest = previous?.[image.name];
        if (typeof digest === "string" && /^sha256:[0-9a-f]{64}$/.test(digest) && digest !== checked[image.name]) {
            rt.log(`${stack}: keeps ${image.image}:${image.tag} at ${digest} (the tag has moved to ${checked[image.name] ?? "?"})`);
            kept[image.name] = digest;
        }
    }
    return kept;
}

/**
 * The dataset of the environment (rules/datasets.ts): a live one keeps the one it was made with
 * (its `dataset` output; a dataset is loaded at creation, another one is another environment), a
 * new one starts from the one chosen for it (`--dataset`, the version's label, dev's default).
 */
async function datasetOf(
    rt: Runtime,
    version: Version,
    checked: EnvironmentSettings,
    digests: UpOptions["digests"],
    previous: OutputMap | undefined,
    explicit: string | undefined,
): Promise<PinnedDataset | undefined> {
    // A stack that was never deployed (a first up that failed before its update) has no outputs: it is made anew.
    if (previous !== undefined && (previous.imageDigests !== undefined || previous.digests !== undefined)) {
        const value = previous.dataset?.value;
        const kept = typeof value === "string" ? parseDatasetReference(value) : undefined;
        if (value !== undefined && kept === undefined) {
            throw new OperationError(
                `${versionStack(version)}: its dataset output ${terminalText(JSON.stringify(String(value).slice(0, 200)))} is not image:tag@digest; nothing was changed (an update would load no dataset): \`vnv env down ${version.canonical}\` and up again`,
            );
        }
        if (explicit !== undefined && explicit !== kept?.tag) {
            throw new UsageError(
                `--dataset ${explicit}: ${versionStack(version)} runs ${kept === undefined ? "no dataset" : `the dataset ${kept.tag}`}; a dataset is loaded when an environment is made: \`vnv env down ${version.canonical}\` first`,
            );
        }
        return kept;
    }
    if (checked.database === undefined || rt.cfg.chooseDataset === undefined) {
        if (explicit !== undefined) {
            throw new UsageError("--dataset: this environment runs no database of its own (dev's vnv:ephemeral.database), so it takes no dataset");
        }
        return undefined;
    }
    const versioned = imagesOf(checked)
        .filter((i) => i.tag === undefined && digests?.[i.name] !== undefined)
        .map((i) => ({ service: i.name, image: i.image, digest: digests![i.name]! }));
    const chosen = await rt.cfg.chooseDataset(versioned, explicit);
    if (chosen !== undefined) {
        rt.log(`${versionStack(version)}: its database starts from the dataset ${chosen.tag} (${chosen.source}), ${chosen.digest}`);
    }
    return chosen;
}

/** The history's record of the dataset: its loader's digest beside the images'. */
function datasetDigest(settings: EnvironmentSettings, dataset: PinnedDataset | undefined): Record<string, string> {
    return dataset === undefined || settings.database === undefined ? {} : { [loaderName(settings.database.name)]: dataset.digest };
}

/** The estimate of a live environment being updated, said. */
async function priceLive(rt: Runtime, stack: string, settings: EnvironmentSettings): Promise<PricedEstimate | undefined> {
    const e = estimateOf(rt, settings, (await rt.live()).length);
    if (e !== undefined) {
        rt.log(`${stack}: ${estimateText(e, settings.region)}`);
    }
    return e;
}
