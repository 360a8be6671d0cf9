/**
 * The security baseline: the AWS Security Hub Foundational Security Best Practices controls vnv
 * holds its declared resources to, each one rule over the resources a program registers. The
 * program runs them before anything is registered (infra/baseline.ts), the tests run them over
 * what the mocks recorded; the README lists the controls vnv does not meet, and why.
 *
 * A resource is seen as the provider sees its inputs (Pulumi's camelCase names). A value not
 * known yet (a preview of a resource whose input is computed) is {@link UNKNOWN}: a rule cannot
 * judge it and passes it; it is judged when the value is known, before the resource is created.
 *
 * Pure module: no `@pulumi/*` import.
 */

/** A value not known yet. */
export const UNKNOWN: unique symbol = Symbol("unknown");

export interface PlannedResource {
    /** Pulumi type token (`aws:ecs/cluster:Cluster`). */
    readonly type: string;
    /** Logical name. */
    readonly name: string;
    /** Inputs; a bucket sub-resource's `bucket` (and a logging's `targetBucket`) is the bucket's name. */
    readonly inputs: Readonly<Record<string, unknown>>;
}

export type ControlId = "ECS.5" | "ECS.12" | "ELB.1" | "ELB.4" | "ELB.5" | "S3.5" | "S3.8" | "S3.9" | "S3.12";

/** A control vnv deliberately does not apply to one subject (a container, a bucket name), and why. */
export interface Exemption {
    readonly control: ControlId;
    readonly subject: string;
    readonly reason: string;
}

export interface BaselineContext {
    readonly role: "prod" | "dev" | "ephemeral";
    readonly exemptions: readonly Exemption[];
}

/** One resource that breaks one control. */
export interface Violation {
    readonly control: ControlId;
    /** Logical name of the resource. */
    readonly resource: string;
    readonly message: string;
}

export interface Control {
    readonly id: ControlId;
    readonly title: string;
    check(resources: readonly PlannedResource[], context: BaselineContext): Violation[];
}

export const T = {
    cluster: "aws:ecs/cluster:Cluster",
    taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
    loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
    listener: "aws:lb/listener:Listener",
    bucket: "aws:s3/bucket:Bucket",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    accessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    logging: "aws:s3/bucketLogging:BucketLogging",
} as const;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function field(v: unknown, key: string): unknown {
    return isObject(v) ? v[key] : undefined;
}

function ofType(resources: readonly PlannedResource[], type: string): PlannedResource[] {
    return resources.filter((r) => r.type === type);
}

function exempt(context: BaselineContext, control: ControlId, subject: unknown): boolean {
    return context.exemptions.some((e) => e.control === control && e.subject === subject);
}

/** A JSON-string input parsed (or taken as is); UNKNOWN stays UNKNOWN; unparseable text is undefined. */
function json(value: unknown): unknown {
    if (typeof value !== "string") {
        return value;
    }
    try {
        return JSON.parse(value) as unknown;
    } catch {
        return undefined;
    }
}

function list(value: unknown): unknown[] {
    return Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
}

/** Each bucket the control covers (its physical name known, not exempt), with the sub-resources of `type` attached to it. */
function bucketsWith(
    resources: readonly PlannedResource[],
    context: BaselineContext,
    control: ControlId,
    type: string,
): { bucket: PlannedResource; name: unknown; attached: PlannedResource[] }[] {
    return ofType(resources, T.bucket)
        .filter((b) => !exempt(context, control, b.inputs.bucket))
        .map((bucket) => ({
            bucket,
            name: bucket.inputs.bucket,
            attached: ofType(resources, type).filter((r) => r.inputs.bucket === bucket.inputs.bucket),
        }));
}

const ecs5: Control = {
    id: "ECS.5",
    title: "ECS containers should be limited to read-only access to root filesystems",
    check(resources, context) {
        return ofType(resources, T.taskDefinition).flatMap((td) => {
            const containers = json(td.inputs.containerDefinitions);
            if (containers === UNKNOWN) {
                return [];
            }
            if (!Array.isArray(containers)) {
                return [{ control: "ECS.5", resource: td.name, message: "its container definitions are not a list" }];
            }
            return containers
                .filter((c) => field(c, "readonlyRootFilesystem") !== true && !exempt(context, "ECS.5", field(c, "name")))
                .map((c) => ({
                    control: "ECS.5" as const,
                    resource: td.name,
                    message: `container ${JSON.stringify(field(c, "name"))} has a writable root file system (readonlyRootFilesystem is not true); give the paths its image writes to as writablePaths`,
                }));
        });
    },
};

const ecs12: Control = {
    id: "ECS.12",
    title: "ECS clusters should use Container Insights",
    check(resources) {
        return ofType(resources, T.cluster)
            .filter((c) => {
                const settings = c.inputs.settings;
                return (
                    settings !== UNKNOWN &&
                    !list(settings).some((s) => field(s, "name") === "containerInsights" && ["enabled", "enhanced"].includes(String(field(s, "value"))))
                );
            })
            .map((c) => ({
                control: "ECS.12" as const,
                resource: c.name,
                message: "Container Insights is not enabled (setting containerInsights: enabled or enhanced)",
            }));
    },
};

/** Application load balancers (the type defaults to application). */
function albs(resources: readonly PlannedResource[]): PlannedResource[] {
    return ofType(resources, T.loadBalancer).filter((lb) => [undefined, "application"].includes(lb.inputs.loadBalancerType as string | undefined));
}

const elb1: Control = {
    id: "ELB.1",
    title: "Application Load Balancer should be configured to redirect all HTTP requests to HTTPS",
    check(resources) {
        return ofType(resources, T.listener)
            .filter((l) => l.inputs.protocol === "HTTP")
            .filter((l) => {
                const actions = l.inputs.defaultActions;
                return (
                    actions !== UNKNOWN &&
                    !(
                        list(actions).length > 0 &&
                        list(actions).every((a) => field(a, "type") === "redirect" && field(field(a, "redirect"), "protocol") === "HTTPS")
                    )
                );
            })
            .map((l) => ({ control: "ELB.1" as const, resource: l.name, message: "an HTTP listener whose default action is not a redirect to HTTPS" }));
    },
};

const elb4: Control = {
    id: "ELB.4",
    title: "Application Load Balancer should be configured to drop invalid HTTP headers",
    check(resources) {
        return albs(resources)
            .filter((lb) => lb.inputs.dropInvalidHeaderFields !== true && lb.inputs.dropInvalidHeaderFields !== UNKNOWN)
            .map((lb) => ({ control: "ELB.4" as const, resource: lb.name, message: "dropInvalidHeaderFields is not true" }));
    },
};

const elb5: Control = {
    id: "ELB.5",
    title: "Application and Classic Load Balancers logging should be enabled",
    check(resources) {
        return albs(resources)
            .filter((lb) => {
                const logs = lb.inputs.accessLogs;
                if (logs === UNKNOWN) {
                    return false;
                }
                const bucket = field(logs, "bucket");
                return field(logs, "enabled") !== true || bucket === undefined || bucket === null || bucket === "";
            })
            .map((lb) => ({
                control: "ELB.5" as const,
                resource: lb.name,
                message: "access logs are not enabled to a bucket (accessLogs.enabled and accessLogs.bucket)",
            }));
    },
};

/** Whether a policy document denies every request without TLS to the bucket and its objects. */
function deniesPlainHttp(document: unknown, bucket: string): boolean {
    return list(field(document, "Statement")).some((s) => {
        const principal = field(s, "Principal");
        const actions = list(field(s, "Action"));
        const resources = list(field(s, "Resource"));
        return (
            field(s, "Effect") === "Deny" &&
            (principal === "*" || field(principal, "AWS") === "*") &&
            (actions.includes("s3:*") || actions.includes("*")) &&
            resources.some((r) => typeof r === "string" && r.endsWith(`:::${bucket}`)) &&
            resources.some((r) => typeof r === "string" && r.endsWith(`:::${bucket}/*`)) &&
            String(field(field(field(s, "Condition"), "Bool"), "aws:SecureTransport")) === "false"
        );
    });
}

const s3_5: Control = {
    id: "S3.5",
    title: "S3 general purpose buckets should require requests to use SSL",
    check(resources, context) {
        return bucketsWith(resources, context, "S3.5", T.bucketPolicy).flatMap(({ bucket, name, attached }) => {
            if (attached.length === 0) {
                return [
                    {
                        control: "S3.5" as const,
                        resource: bucket.name,
                        message: `bucket ${JSON.stringify(name)} has no bucket policy denying requests without TLS`,
                    },
                ];
            }
            const policy = json(attached[0]!.inputs.policy);
            if (policy === UNKNOWN || name === UNKNOWN || deniesPlainHttp(policy, String(name))) {
                return [];
            }
            return [
                {
                    control: "S3.5" as const,
                    resource: attached[0]!.name,
                    message: `the policy of bucket ${JSON.stringify(name)} does not deny requests without TLS (aws:SecureTransport false)`,
                },
            ];
        });
    },
};

const s3_8: Control = {
    id: "S3.8",
    title: "S3 general purpose buckets should block public access",
    check(resources, context) {
        const flags = ["blockPublicAcls", "ignorePublicAcls", "blockPublicPolicy", "restrictPublicBuckets"];
        return bucketsWith(resources, context, "S3.8", T.accessBlock)
            .filter(({ attached }) => !attached.some((a) => flags.every((f) => a.inputs[f] === true || a.inputs[f] === UNKNOWN)))
            .map(({ bucket, name }) => ({
                control: "S3.8" as const,
                resource: bucket.name,
                message: `bucket ${JSON.stringify(name)} does not block all public access`,
            }));
    },
};

const s3_9: Control = {
    id: "S3.9",
    title: "S3 general purpose buckets should have server access logging enabled (production's buckets)",
    check(resources, context) {
        if (context.role !== "prod") {
            return [];
        }
        return bucketsWith(resources, context, "S3.9", T.logging)
            .filter(({ attached }) => !attached.some((l) => ![undefined, null, ""].includes(l.inputs.targetBucket as string)))
            .map(({ bucket, name }) => ({
                control: "S3.9" as const,
                resource: bucket.name,
                message: `production's bucket ${JSON.stringify(name)} has no server access logging`,
            }));
    },
};

const s3_12: Control = {
    id: "S3.12",
    title: "ACLs should not be used to manage user access to S3 general purpose buckets",
    check(resources, context) {
        return bucketsWith(resources, context, "S3.12", T.ownership)
            .filter(({ attached }) => !attached.some((o) => [UNKNOWN, "BucketOwnerEnforced"].includes(field(o.inputs.rule, "objectOwnership") as string)))
            .map(({ bucket, name }) => ({
                control: "S3.12" as const,
                resource: bucket.name,
                message: `bucket ${JSON.stringify(name)} does not disable ACLs (BucketOwnerEnforced)`,
            }));
    },
};

/** Every control the baseline holds, in the order they are reported. */
export const CONTROLS: readonly Control[] = [ecs5, ecs12, elb1, elb4, elb5, s3_5, s3_8, s3_9, s3_12];

/** Every violation of every control by `resources`. */
export function baselineViolations(resources: readonly PlannedResource[], context: BaselineContext): Violation[] {
    return CONTROLS.flatMap((c) => c.check(resources, context));
}

/** The message a refused deployment fails with: every violation, one a line. */
export function violationReport(violations: readonly Violation[]): string {
    return `the security baseline (AWS Security Hub FSBP) refuses this deployment:\n${violations.map((v) => `  - ${v.control} ${v.resource}: ${v.message}`).join("\n")}`;
}
