/**
 * The security baseline where a real deploy runs: every preview and update of every stack (a
 * hand-run `pulumi up`, `vnv deploy`, `vnv env up`) checks the resources the program registers
 * against rules/baseline.ts before any of them is registered, and fails naming every violation.
 *
 * Why here and not a CrossGuard policy pack: a policy pack runs in an analyzer plugin that the
 * CLI starts as `pulumi-analyzer-policy` (Node.js packs; sdk/go/common/resource/plugin/
 * analyzer_plugin.go, NewPolicyAnalyzer), a script shipped with the CLI's release archives and
 * not with a CLI built from the Go module proxy, which is the one this project can build; and
 * `@pulumi/policy` is not a dependency. A check in the program runs wherever the program runs.
 *
 * How: a transformation, given to the environment's top-level components and so inherited by
 * every resource under them, records each AWS resource and makes it wait (an extra `dependsOn`
 * that resolves to no resource) for its verdict:
 * - at once, once the definition has constructed everything (`seal`), every rule runs over what
 *   is known without waiting for any resource (literal inputs, and which bucket each bucket
 *   setting belongs to): a violation fails every resource, so nothing is registered;
 * - then each resource's own computed inputs (a task definition's containers, a bucket policy)
 *   are awaited and judged; a violation fails that resource, before it is registered.
 * In a preview a value not known yet is passed and judged by the update, before it registers.
 */
import * as pulumi from "@pulumi/pulumi";
import { type BaselineContext, baselineViolations, type Exemption, type PlannedResource, T, UNKNOWN, type Violation, violationReport } from "../rules/baseline";
import { databaseService } from "../rules/database";
import type { EnvironmentSettings } from "./settings";

/**
 * What the baseline holds a stack to: its role (S3.9 is production's), and every exemption vnv
 * makes on purpose, each with its reason: a container vnv runs with a writable root (the own
 * database, rules/database.ts), the opt-in public website bucket (website endpoints are HTTP
 * only and public by design), and the log bucket, which does not log into itself.
 */
export function baselineContext(settings: EnvironmentSettings, logBucket: string | undefined): BaselineContext {
    const exemptions: Exemption[] = [];
    const own = settings.database === undefined ? [] : [databaseService(settings.database)];
    for (const s of [...settings.services, ...own]) {
        if (s.writableRoot !== undefined) {
            exemptions.push({ control: "ECS.5", subject: s.name, reason: s.writableRoot });
        }
    }
    if (settings.frontend.publicWebsite) {
        const reason = "vnv:frontend.publicWebsite: an S3 website endpoint is public and HTTP only by design";
        exemptions.push({ control: "S3.5", subject: settings.frontend.bucketName, reason }, { control: "S3.8", subject: settings.frontend.bucketName, reason });
    }
    if (logBucket !== undefined) {
        exemptions.push({
            control: "S3.9",
            subject: logBucket,
            reason: "the log bucket receives the server access logs; logging it into itself would log its own log deliveries",
        });
    }
    return { role: settings.role, exemptions };
}

/**
 * Members every Output has at run time (OutputImpl in @pulumi/pulumi's output.ts) that its type
 * declarations leave out: the resources it came from, whether its value is known (false in a
 * preview for a computed value), and its value. @pulumi/pulumi is pinned (README, "Pinned versions").
 */
interface OutputInternals {
    resources(): Set<pulumi.Resource>;
    readonly isKnown: Promise<boolean>;
    promise(): Promise<unknown>;
}

interface Entry {
    readonly type: string;
    readonly name: string;
    readonly resource: pulumi.Resource;
    readonly props: Record<string, unknown>;
}

/** Refuses a deployment that breaks the baseline; see the module comment. */
export class BaselineGuard {
    private readonly entries: Entry[] = [];
    private seal_: () => void = () => undefined;
    private readonly sealed = new Promise<void>((resolve) => {
        this.seal_ = resolve;
    });
    private wholeVerdict: Promise<void> | undefined;

    constructor(private readonly context: BaselineContext) {}

    /** Give it as `transformations: [guard.transformation]` to the top-level components. */
    readonly transformation: pulumi.ResourceTransformation = (args) => {
        // AWS resources only (components are vnv:…, the provider pulumi:providers:aws). The resource
        // is still being constructed: CustomResource.isInstance cannot tell yet.
        if (!args.type.startsWith("aws:")) {
            return undefined;
        }
        const entry: Entry = { type: args.type, name: args.name, resource: args.resource, props: args.props as Record<string, unknown> };
        this.entries.push(entry);
        const gate = this.verdict(entry).then((): pulumi.Resource[] => []);
        // The SDK awaits promises and flattens nested lists in dependsOn (runtime/dependsOn.ts,
        // gatherExplicitDependencies); the gate resolves to no resource, so nothing else changes.
        const dependsOn = [args.opts.dependsOn ?? [], gate] as unknown as pulumi.Input<pulumi.Resource>[];
        return { props: args.props, opts: { ...args.opts, dependsOn } };
    };

    /** The definition has constructed its resources: the checks may start. */
    seal(): void {
        this.seal_();
    }

    /** Every violation seen without waiting for a resource (what the first check judges). */
    async staticViolations(): Promise<Violation[]> {
        await this.sealed;
        const planned = this.entries.map((e) => this.planned(e, staticValue));
        return baselineViolations(planned, this.context);
    }

    private async verdict(entry: Entry): Promise<void> {
        this.wholeVerdict ??= this.staticViolations().then((violations) => {
            if (violations.length > 0) {
                throw new Error(violationReport(violations));
            }
        });
        await this.wholeVerdict;
        const own = { ...this.planned(entry, staticValue), inputs: (await resolved(this.planned(entry, (v) => v).inputs)) as Record<string, unknown> };
        const others = this.entries.filter((e) => e !== entry).map((e) => this.planned(e, staticValue));
        const violations = baselineViolations([...others, own], this.context).filter((v) => v.resource === entry.name);
        if (violations.length > 0) {
            throw new Error(violationReport(violations));
        }
    }

    /** An entry as the rules see it: values through `value`, and a bucket setting's `bucket`/`targetBucket` as the bucket's name. */
    private planned(entry: Entry, value: (v: unknown) => unknown): PlannedResource {
        const inputs: Record<string, unknown> = {};
        for (const [key, v] of Object.entries(entry.props)) {
            inputs[key] = (key === "bucket" || key === "targetBucket") && entry.type !== T.bucket ? this.bucketName(v) : value(v);
        }
        return { type: entry.type, name: entry.name, inputs };
    }

    /** The name of the bucket an input refers to: given as text, or an Output of a bucket this program declares. */
    private bucketName(v: unknown): unknown {
        if (typeof v === "string") {
            return v;
        }
        if (pulumi.Output.isInstance(v)) {
            const buckets = [...(v as unknown as OutputInternals).resources()].flatMap((r) =>
                this.entries.filter((e) => e.resource === r && e.type === T.bucket),
            );
            const name = buckets[0]?.props.bucket;
            return typeof name === "string" ? name : UNKNOWN;
        }
        return UNKNOWN;
    }
}

/** A value as known without waiting: literals as they are, anything computed UNKNOWN. */
function staticValue(v: unknown): unknown {
    if (pulumi.Output.isInstance(v) || v instanceof Promise || pulumi.Resource.isInstance(v)) {
        return UNKNOWN;
    }
    if (Array.isArray(v)) {
        return v.map(staticValue);
    }
    if (typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype) {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, staticValue(x)]));
    }
    return v;
}

/** A value with every Output and Promise awaited; a value not known yet (preview) is UNKNOWN. */
async function resolved(v: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(v)) {
        const output = v as unknown as OutputInternals;
        return (await output.isKnown) ? resolved(await output.promise()) : UNKNOWN;
    }
    if (v instanceof Promise) {
        return resolved(await v);
    }
    if (Array.isArray(v)) {
        return Promise.all(v.map(resolved));
    }
    if (typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype) {
        return Object.fromEntries(await Promise.all(Object.entries(v).map(async ([k, x]) => [k, await resolved(x)])));
    }
    return v;
}
