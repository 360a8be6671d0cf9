/**
 * `vnv env orphans --apply <plan>`: deletes exactly the resources of a plan `--out` wrote, that
 * are still orphans now (tagged for the same environment, whose stack is still gone), in an order
 * that lets AWS delete each (services before their target groups, rules before target groups,
 * security groups last). A resource of a kind vnv does not delete is left and said, never
 * guessed at; one already gone counts as deleted. Plan then apply, as aws-nuke's users ask.
 *
 * The plan file is hostile input: bounded, read strictly.
 */
import * as fs from "node:fs";
import { terminalText } from "../../rules/terminal";
import { OperationError, UsageError } from "../errors";
import type { OrphanPlan } from "./orphans";

export const PLAN_LIMITS = { bytes: 1024 * 1024, resources: 10_000 } as const;
const ARN = /^arn:(aws[a-z-]*):([a-z0-9-]+):([a-z0-9-]*):(\d{0,12}):(.+)$/;

/** A plan as `--out` writes it. */
export interface SavedPlan {
    /** The state backend whose stacks the plan was made against (its URL without query). */
    readonly backend: string;
    readonly project: string;
    readonly region: string;
    readonly orphans: readonly { readonly environment: string; readonly resources: readonly string[] }[];
}

/** Writes the plan `--apply` takes. */
export function savePlan(file: string, plan: OrphanPlan, backend: string): void {
    const saved: SavedPlan = { backend: backendIdentity(backend), project: plan.project, region: plan.region, orphans: plan.orphans };
    fs.writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`);
}

/** A plan file, read strictly; anything else is bad input (nothing deleted). */
export function readPlan(file: string): SavedPlan {
    let text: string;
    try {
        if (fs.statSync(file).size > PLAN_LIMITS.bytes) {
            throw new UsageError(`--apply ${file}: larger than ${PLAN_LIMITS.bytes} bytes, not a plan vnv wrote`);
        }
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw e instanceof UsageError ? e : new UsageError(`--apply ${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"})`);
    }
    const refuse = (why: string): never => {
        throw new UsageError(`--apply ${file}: not a plan \`vnv env orphans --out\` wrote: ${why}; nothing was deleted`);
    };
    let o: unknown;
    try {
        o = JSON.parse(text);
    } catch {
        refuse("not JSON");
    }
    const plan = typeof o === "object" && o !== null && !Array.isArray(o) ? (o as Record<string, unknown>) : refuse("not an object");
    const keys = Object.keys(plan).sort().join();
    if (
        keys !== "backend,orphans,project,region" ||
        typeof plan.backend !== "string" ||
        plan.backend.length > 2048 ||
        typeof plan.project !== "string" ||
        typeof plan.region !== "string" ||
        !Array.isArray(plan.orphans)
    ) {
        refuse("expected {backend, project, region, orphans}");
    }
    let count = 0;
    const orphans = (plan.orphans as unknown[]).map((x) => {
        const entry = typeof x === "object" && x !== null ? (x as Record<string, unknown>) : refuse("an orphan that is not an object");
        const resources = Array.isArray(entry.resources) ? entry.resources : refuse("an orphan without resources");
        if (typeof entry.environment !== "string" || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(entry.environment)) {
            refuse("an environment name vnv never makes");
        }
        count += resources.length;
        if (count > PLAN_LIMITS.resources || resources.some((r) => typeof r !== "string" || r.length > 2048 || !ARN.test(r))) {
            refuse(`more than ${PLAN_LIMITS.resources} resources, or one that is not an ARN`);
        }
        return { environment: entry.environment as string, resources: resources as string[] };
    });
    return { backend: plan.backend as string, project: plan.project as string, region: plan.region as string, orphans };
}

/** A backend's URL without its query (`s3://bucket/prefix`): what a plan names it by. */
export function backendIdentity(url: string): string {
    return url.split("?")[0]!;
}

/** One resource's kind, from its ARN: `s3:bucket`, `ecs:service`, … */
export interface Target {
    readonly arn: string;
    readonly environment: string;
    readonly kind: string;
    /** What the kind's delete call takes. */
    readonly id: string;
}

/** The kinds vnv deletes, in the order it deletes them. */
export const DELETE_ORDER = [
    "ecs:service",
    "elasticloadbalancing:listener-rule",
    "elasticloadbalancing:targetgroup",
    "ecs:task-definition",
    "cloudwatch:alarm",
    "logs:log-group",
    "secretsmanager:secret",
    "s3:bucket",
    "ec2:security-group",
] as const;
export type Kind = (typeof DELETE_ORDER)[number];

/** The kind and the delete call's identifier of an ARN. */
export function targetOf(arn: string, environment: string): Target {
    const m = ARN.exec(arn);
    const [service, resource] = [m?.[2] ?? "", m?.[5] ?? ""];
    const at = (kind: string, id: string): Target => ({ arn, environment, kind, id });
    if (service === "s3" && /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(resource)) {
        return at("s3:bucket", resource);
    }
    if (service === "logs" && resource.startsWith("log-group:")) {
        return at("logs:log-group", resource.slice("log-group:".length).replace(/:\*$/, ""));
    }
    if (service === "cloudwatch" && resource.startsWith("alarm:")) {
        return at("cloudwatch:alarm", resource.slice("alarm:".length));
    }
    if (service === "secretsmanager" && resource.startsWith("secret:")) {
        return at("secretsmanager:secret", arn);
    }
    if (service === "ec2" && /^security-group\/sg-[0-9a-f]{8,17}$/.test(resource)) {
        return at("ec2:security-group", resource.slice("security-group/".length));
    }
    const slash = resource.indexOf("/");
    const type = slash < 0 ? resource.split(":")[0]! : resource.slice(0, slash);
    return at(`${service}:${type}`, arn);
}

/** What sweeping did. */
export interface SweepResult {
    readonly deleted: string[];
    /** In the plan but no orphan now (its stack is back, its tags changed, or it is not listed): not touched. */
    readonly skipped: { arn: string; reason: string }[];
    /** A kind vnv does not delete: left for a person. */
    readonly left: { arn: string; kind: string }[];
    readonly failed: { arn: string; reason: string }[];
}

/** Deletes one resource of a kind vnv deletes (the AWS calls, one per kind). */
export type Deleter = (t: Target) => Promise<void>;

/**
 * Deletes what is in `saved` and still an orphan in `now` (the plan made again from the Tagging
 * API at apply time), kind by kind in {@link DELETE_ORDER}.
 */
export async function sweep(
    saved: SavedPlan,
    now: OrphanPlan,
    backend: string,
    deleters: Readonly<Record<Kind, Deleter>>,
    log: (line: string) => void,
): Promise<SweepResult> {
    if (saved.project !== now.project || saved.region !== now.region) {
        throw new UsageError(
            `the plan is for ${terminalText(saved.project)} in ${terminalText(saved.region)}, this is ${now.project} in ${now.region}: nothing was deleted`,
        );
    }
    if (saved.backend !== backendIdentity(backend)) {
        throw new UsageError(
            `the plan was made against the backend ${terminalText(saved.backend)}, this is ${terminalText(backendIdentity(backend))}: orphans are judged by a backend's stacks, so nothing was deleted`,
        );
    }
    if (now.protectedMissing.length > 0) {
        throw new UsageError(
            `this backend holds no stack for ${now.protectedMissing.join(", ")}, which have tagged resources: is it the right backend? nothing was deleted`,
        );
    }
    const current = new Map(now.orphans.flatMap((o) => o.resources.map((arn) => [arn, o.environment] as const)));
    const result: SweepResult = { deleted: [], skipped: [], left: [], failed: [] };
    const targets: Target[] = [];
    for (const o of saved.orphans) {
        for (const arn of o.resources) {
            const environment = current.get(arn);
            if (environment !== o.environment) {
                result.skipped.push({
                    arn,
                    reason: environment === undefined ? "no longer an orphan (its stack is back, or it is gone or untagged)" : `now tagged for ${environment}`,
                });
                continue;
            }
            const target = targetOf(arn, o.environment);
            if ((DELETE_ORDER as readonly string[]).includes(target.kind)) {
                targets.push(target);
            } else {
                result.left.push({ arn, kind: target.kind });
            }
        }
    }
    for (const kind of DELETE_ORDER) {
        for (const t of targets.filter((x) => x.kind === kind)) {
            try {
                await deleters[kind](t);
                result.deleted.push(t.arn);
                log(`deleted ${t.arn}`);
            } catch (e) {
                result.failed.push({ arn: t.arn, reason: terminalText((e instanceof Error ? `${e.name}: ${e.message}` : String(e)).slice(0, 300)) });
            }
        }
    }
    return result;
}

/** An AWS error that means the resource is gone already: deleting it is done. */
export function gone(e: unknown): boolean {
    const name = e instanceof Error ? e.name : "";
    return /NotFound|NoSuchBucket|ResourceNotFound|InvalidGroup\.NotFound|TargetGroupNotFound|RuleNotFound|ServiceNotFound|ClientException.*not found/i.test(
        name,
    );
}

export function sweepFailure(result: SweepResult): OperationError | undefined {
    const n = result.failed.length + result.left.length;
    return n === 0
        ? undefined
        : new OperationError(`${result.failed.length} resource(s) could not be deleted and ${result.left.length} are of a kind vnv does not delete`);
}
