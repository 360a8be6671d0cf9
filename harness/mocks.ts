/**
 * The one Pulumi mocks module: realistic provider state per type token, and a recorder of every
 * registered resource (type, name, parent, dependencies, inputs, state).
 *
 * Import this before any program code: it calls `setMocks` at load time.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { digestOf } from "./fixtures";
import { crossResourceViolations, PROVIDER_RULES, providerViolations } from "./providerRules";

export const ACCOUNT = "123456789012";
export const REGION = "eu-central-1";
/** Canonical hosted zone of ALBs in eu-central-1. */
export const ALB_ZONE_ID = "Z215JYRZR1TBD5";

export interface Recorded {
    readonly urn: string;
    readonly id: string;
    readonly type: string;
    readonly name: string;
    readonly custom: boolean;
    /** URN of the parent ("" for none / the stack). */
    readonly parent: string;
    /** URNs this resource depends on (explicit dependsOn plus those its inputs came from). */
    readonly dependencies: readonly string[];
    /** The `retainOnDelete` option. */
    readonly retainOnDelete: boolean;
    /** The `deleteBeforeReplace` option. */
    readonly deleteBeforeReplace: boolean;
    /** The `import` option ("" for none). */
    readonly importId: string;
    /** The `ignoreChanges` option. */
    readonly ignoreChanges: readonly string[];
    // biome-ignore lint/suspicious/noExplicitAny: provider inputs are untyped JSON
    readonly inputs: Record<string, any>;
    // biome-ignore lint/suspicious/noExplicitAny: provider state is untyped JSON
    readonly state: Record<string, any>;
}

export interface Invocation {
    readonly token: string;
    readonly inputs: Record<string, unknown>;
}

const recorded: Recorded[] = [];
/** Inputs the real provider (or AWS) would reject, found while the current program ran. */
const violations: string[] = [];
const invocations: Invocation[] = [];
let inflight = 0;

function hex(text: string, length: number): string {
    return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/** Pulumi's auto-name: logical name, `-`, 7 random-looking characters. */
function autoName(name: string): string {
    return `${name}-${hex(name, 7)}`;
}

export { digestOf };

type State = Record<string, unknown>;

function stateFor(type: string, name: string, inputs: State): { id: string; state: State } {
    const arn = (service: string, resource: string): string => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;
    const physical = (inputs.name as string | undefined) ?? autoName(name);
    switch (type) {
        case "aws:lb/loadBalancer:LoadBalancer":
            return {
                id: arn("elasticloadbalancing", `loadbalancer/app/${physical}/${hex(name, 16)}`),
                state: {
                    ...inputs,
                    name: physical,
                    arn: arn("elasticloadbalancing", `loadbalancer/app/${physical}/${hex(name, 16)}`),
                    arnSuffix: `app/${physical}/${hex(name, 16)}`,
                    dnsName: `${physical}-${parseInt(hex(name, 8), 16)}.${REGION}.elb.amazonaws.com`,
                    zoneId: ALB_ZONE_ID,
                },
            };
        case "aws:lb/targetGroup:TargetGroup":
            return {
                id: name,
                state: {
                    ...inputs,
                    name: physical,
                    arn: arn("elasticloadbalancing", `targetgroup/${physical}/${hex(name, 16)}`),
                    arnSuffix: `targetgroup/${physical}/${hex(name, 16)}`,
                },
            };
        case "aws:lb/listener:Listener":
        case "aws:lb/listenerRule:ListenerRule":
            return { id: name, state: { ...inputs, arn: arn("elasticloadbalancing", `listener/app/alb/${hex(name, 16)}`) } };
        case "aws:acm/certificate:Certificate": {
            const names = [inputs.domainName as string, ...((inputs.subjectAlternativeNames as string[] | undefined) ?? [])];
            return {
                id: name,
                state: {
                    ...inputs,
                    arn: arn("acm", `certificate/${hex(name, 8)}-${hex(name, 4)}`),
                    // ACM gives one option per name; a wildcard and its apex share the record.
                    domainValidationOptions: names.map((n) => {
                        const base = n.replace(/^\*\./, "");
                        return {
                            domainName: n,
                            resourceRecordName: `_${hex(base, 32)}.${base}.`,
                            resourceRecordType: "CNAME",
                            resourceRecordValue: `_${hex(`v${base}`, 32)}.zfyfvmchrl.acm-validations.aws.`,
                        };
                    }),
                },
            };
        }
        case "aws:acm/certificateValidation:CertificateValidation":
            return { id: name, state: { ...inputs } };
        case "aws:route53/record:Record":
            return { id: `${inputs.zoneId}_${inputs.name}_${inputs.type}`, state: { ...inputs, fqdn: String(inputs.name).replace(/\.$/, "") } };
        case "aws:s3/bucket:Bucket": {
            const bucket = (inputs.bucket as string | undefined) ?? autoName(name);
            return {
                id: bucket,
                state: { ...inputs, bucket, arn: `arn:aws:s3:::${bucket}`, bucketRegionalDomainName: `${bucket}.s3.${REGION}.amazonaws.com` },
            };
        }
        case "aws:s3/bucketWebsiteConfiguration:BucketWebsiteConfiguration":
            return { id: name, state: { ...inputs, websiteEndpoint: `${inputs.bucket}.s3-website.${REGION}.amazonaws.com` } };
        case "aws:ecs/cluster:Cluster":
            return { id: name, state: { ...inputs, name: physical, arn: arn("ecs", `cluster/${physical}`) } };
        case "aws:ecs/service:Service":
            return { id: name, state: { ...inputs, name: physical } };
        case "aws:ecs/taskDefinition:TaskDefinition":
            return { id: name, state: { ...inputs, revision: 1, arn: arn("ecs", `task-definition/${inputs.family}:1`) } };
        case "aws:iam/role:Role":
            return { id: physical, state: { ...inputs, name: physical, arn: `arn:aws:iam::${ACCOUNT}:role/${physical}` } };
        case "aws:ec2/securityGroup:SecurityGroup":
            return { id: `sg-${hex(name, 17)}`, state: { ...inputs, name: physical, arn: arn("ec2", `security-group/sg-${hex(name, 17)}`) } };
        case "aws:servicediscovery/httpNamespace:HttpNamespace":
            return { id: `ns-${hex(name, 16)}`, state: { ...inputs, arn: arn("servicediscovery", `namespace/ns-${hex(name, 16)}`) } };
        case "aws:cloudwatch/logGroup:LogGroup":
            return { id: physical, state: { ...inputs, name: physical, arn: arn("logs", `log-group:${physical}`) } };
        case "aws:secretsmanager/secret:Secret": {
            // The service appends a hyphen and six random characters to the name.
            const secretArn = arn("secretsmanager", `secret:${physical}-${hex(name, 6)}`);
            return { id: secretArn, state: { ...inputs, name: physical, arn: secretArn } };
        }
        case "aws:secretsmanager/secretVersion:SecretVersion":
            return { id: `${String(inputs.secretId)}|${hex(name, 32)}`, state: { ...inputs, versionId: hex(name, 32), arn: inputs.secretId } };
        case "aws:cloudwatch/metricAlarm:MetricAlarm":
            return { id: physical, state: { ...inputs, name: physical, arn: arn("cloudwatch", `alarm:${physical}`) } };
        case "aws:sns/topic:Topic":
            return { id: arn("sns", physical), state: { ...inputs, name: physical, arn: arn("sns", physical) } };
        case "aws:sns/topicSubscription:TopicSubscription":
            // An email subscription stays pending until its address confirms it.
            return { id: "pending confirmation", state: { ...inputs, arn: "pending confirmation", pendingConfirmation: true } };
        case "aws:appautoscaling/target:Target":
            return { id: String(inputs.resourceId), state: { ...inputs, arn: arn("application-autoscaling", `scalable-target/${hex(name, 32)}`) } };
        case "aws:appautoscaling/policy:Policy":
            return {
                id: physical,
                state: { ...inputs, name: physical, arn: arn("autoscaling", `scalingPolicy:${hex(name, 36)}:resource/ecs/policyName/${physical}`) },
            };
        case "aws:iam/serviceLinkedRole:ServiceLinkedRole": {
            // The ID is the role's ARN; the name is fixed by the service (internal/service/iam/service_linked_role.go).
            const roleArn = `arn:aws:iam::${ACCOUNT}:role/aws-service-role/${inputs.awsServiceName}/AWSServiceRoleForECS`;
            return { id: roleArn, state: { ...inputs, arn: roleArn, name: "AWSServiceRoleForECS", path: `/aws-service-role/${inputs.awsServiceName}/` } };
        }
        case "pulumi:pulumi:StackReference":
            return { id: String(inputs.name), state: { name: inputs.name, outputs: stackOutputs[String(inputs.name)] ?? {}, secretOutputNames: [] } };
        default:
            return { id: `${name}-id`, state: { ...inputs } };
    }
}

/** Buckets that exist in the mocked account before the program runs (`aws.s3.getBucket` finds them). */
export const existingBuckets = new Set<string>();

/** The description AWS gives the ECS service-linked role it creates (IAM console, AWSServiceRoleForECS). */
export const AWS_ECS_ROLE_DESCRIPTION = "Role to enable Amazon ECS to manage your cluster.";

/**
 * IAM roles in the mocked account before the program runs (`aws.iam.getRole` finds them), by
 * name; a function answers the lookup's failure instead. Most accounts have ECS's
 * service-linked role, made by AWS: tests change this map and put it back.
 */
export const existingRoles = new Map<string, { description: string } | (() => never)>([["AWSServiceRoleForECS", { description: AWS_ECS_ROLE_DESCRIPTION }]]);

/** Outputs that StackReferences to a stack name see (the dev stack's `platform`). */
export const stackOutputs: Record<string, Record<string, unknown>> = {
    "organization/vnv/dev": {
        platform: {
            httpsListenerArn: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:listener/app/vnv-platform-lb-alb-1a2b3c4/50dc6c495c0c9188/f2f7dc8efc522ab2`,
            albSecurityGroupId: "sg-0123456789abcdef0",
            albDnsName: `vnv-platform-lb-alb-1a2b3c4-1234567890.${REGION}.elb.amazonaws.com`,
            albZoneId: ALB_ZONE_ID,
            clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/vnv-platform-cluster-cluster-9f8e7d6`,
        },
    },
};

pulumi.runtime.setMocks(
    {
        newResource(args) {
            // As strict as the provider: every documented input constraint, its source named
            // (harness/providerRules.ts). A violation fails the run that built the resource.
            for (const v of providerViolations(args.type, args.inputs as State)) {
                violations.push(`${args.name}: ${v}`);
            }
            const { id, state } = stateFor(args.type, args.name, args.inputs as State);
            return { id, state };
        },
        call(args) {
            invocations.push({ token: args.token, inputs: args.inputs });
            switch (args.token) {
                case "docker:index/getRegistryImage:getRegistryImage":
                    return { name: args.inputs.name, sha256Digest: digestOf(String(args.inputs.name)), insecureSkipVerify: false };
                case "aws:index/getCallerIdentity:getCallerIdentity":
                    return { accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/deployer`, userId: "AIDAEXAMPLE", id: ACCOUNT };
                case "aws:s3/getBucket:getBucket": {
                    const bucket = String(args.inputs.bucket);
                    if (!existingBuckets.has(bucket)) {
                        // The provider's answer for a bucket that is not there (terraform-provider-aws
                        // s3/bucket_data_source.go), as the engine relays it: a gRPC error whose
                        // details the SDK turns into the message (pulumi source_eval.go, invoke.ts).
                        throw Object.assign(new Error("invoke failed"), {
                            details: `invocation of ${args.token} returned an error: reading S3 Bucket (${bucket}): couldn't find resource`,
                        });
                    }
                    return { bucket, arn: `arn:aws:s3:::${bucket}`, region: REGION, id: bucket };
                }
                case "aws:iam/getRole:getRole": {
                    const name = String(args.inputs.name);
                    const role = existingRoles.get(name);
                    if (typeof role === "function") {
                        return role();
                    }
                    if (role === undefined) {
                        // terraform-provider-aws internal/service/iam/role_data_source.go: findRoleByName's NotFound.
                        throw Object.assign(new Error("invoke failed"), {
                            details: `invocation of ${args.token} returned an error: reading IAM Role (${name}): couldn't find resource`,
                        });
                    }
                    const arn = name.startsWith("AWSServiceRoleFor")
                        ? `arn:aws:iam::${ACCOUNT}:role/aws-service-role/ecs.amazonaws.com/${name}`
                        : `arn:aws:iam::${ACCOUNT}:role/${name}`;
                    return { name, arn, description: role.description, id: name, path: "/aws-service-role/ecs.amazonaws.com/" };
                }
                default:
                    throw new Error(`the mocks answer no invoke ${args.token}: add it to harness/mocks.ts with the provider's realistic answer`);
            }
        },
    },
    "vnv",
    "test",
    false,
);

// Record parent and dependencies, which the mocks API does not pass to newResource.
const original = MockMonitor.prototype.registerResource;
// biome-ignore lint/suspicious/noExplicitAny: gRPC request and response objects of the SDK, untyped in its mocks
MockMonitor.prototype.registerResource = async function (req: any, callback: (err: any, res: any) => void): Promise<void> {
    inflight++;
    // biome-ignore lint/suspicious/noExplicitAny: gRPC response object of the SDK
    return original.call(this, req, (err: unknown, res: any) => {
        if (!err) {
            const urn: string = res.getUrn();
            const entry = this.resources.get(urn);
            recorded.push({
                urn,
                id: res.getId(),
                type: req.getType(),
                name: req.getName(),
                custom: req.getCustom(),
                parent: req.getParent() ?? "",
                dependencies: req.getDependenciesList(),
                retainOnDelete: req.getRetainondelete() ?? false,
                deleteBeforeReplace: req.getDeletebeforereplace() ?? false,
                importId: req.getImportid() ?? "",
                ignoreChanges: req.getIgnorechangesList() ?? [],
                inputs: pulumi.runtime.deserializeProperties(req.getObject()),
                state: entry?.state ?? {},
            });
        }
        inflight--;
        callback(err, res);
    });
};

/** Waits until no registration is under way for a while: the program's resources are all in. */
async function settle(): Promise<void> {
    let quiet = 0;
    while (quiet < 20) {
        await new Promise((r) => setTimeout(r, 2));
        quiet = inflight === 0 ? quiet + 1 : 0;
    }
}

/** Runs `program`, waits for its outputs and registrations, answers what it registered. */
/**
 * Runs `program` under the mocks; fails naming every input the provider would reject and, unless
 * `refusals` says the test looks for them itself, every registration that failed in the program
 * (a rejected promise nobody awaits: under mocks a refused resource otherwise just never
 * registers, and a test that counts what did would pass without it).
 */
export async function run<T>(
    program: () => T | Promise<T>,
    options: { refusals?: "expected" } = {},
): Promise<{ result: T; resources: Recorded[]; invocations: Invocation[] }> {
    recorded.length = 0;
    invocations.length = 0;
    violations.length = 0;
    const refused: unknown[] = [];
    const collect = (e: unknown) => refused.push(e);
    if (options.refusals === undefined) {
        process.on("unhandledRejection", collect);
    }
    try {
        const result = await program();
        await settle();
        await new Promise((resolve) => setImmediate(resolve));
        // Rules between resources (a service and its task definition), once everything registered.
        violations.push(...crossResourceViolations(recorded));
        if (violations.length > 0) {
            throw new Error(`the provider would reject ${violations.length} input(s):\n  - ${violations.join("\n  - ")}`);
        }
        if (refused.length > 0) {
            const messages = [...new Set(refused.map((e) => (e instanceof Error ? e.message : String(e))))];
            throw new Error(`the program failed to register resources:\n  - ${messages.join("\n  - ")}`);
        }
        return { result, resources: [...recorded], invocations: [...invocations] };
    } finally {
        process.removeListener("unhandledRejection", collect);
    }
}

/** Whether the mocks hold the provider's input rules for a resource type. */
export function hasProviderRules(type: string): boolean {
    return (PROVIDER_RULES[type] ?? []).length > 0;
}

/** The resolved value of an output (undefined when unknown). */
export function outputValue<T>(output: pulumi.Input<T> | undefined): Promise<T> {
    return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
}

export function ofType(resources: readonly Recorded[], type: string): Recorded[] {
    return resources.filter((r) => r.type === type);
}

export { T } from "./tokens";
