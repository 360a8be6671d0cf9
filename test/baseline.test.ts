/**
 * The security baseline (rules/baseline.ts): each control is one rule, run over what the mocks
 * recorded for each stack, with one test that breaks the control and sees it refused. Then the
 * check where a real deploy runs (infra/baseline.ts): a definition that breaks a control fails
 * before any of its AWS resources is registered, naming every violation.
 */

// The mocks first: they are set when this module loads, before any program code runs.
import { ofType, type Recorded, run, T } from "../harness/mocks";
import { strict as assert } from "node:assert";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

import { FargateCluster, PublicLoadBalancer } from "../components";
import { BaselineGuard, baselineContext } from "../infra/baseline";
import { defineEnvironment, logBucketOf } from "../infra/environment";
import type { EnvironmentSettings } from "../infra/settings";
import { type BaselineContext, baselineViolations, CONTROLS, type PlannedResource, type Violation } from "../rules/baseline";
import { DATABASE_WRITABLE_ROOT } from "../rules/database";
import { ephemeralSettings, stackSettings } from "../harness/fixtures";

const roles: Record<string, () => EnvironmentSettings> = {
    prod: () => stackSettings("prod"),
    dev: () => stackSettings("dev"),
    ephemeral: () => ephemeralSettings(),
};

interface Stack {
    readonly resources: PlannedResource[];
    readonly context: BaselineContext;
}

/** What a stack registers, as the rules see it (a bucket setting's `bucket` is the bucket's id, its name). */
async function stackOf(role: string): Promise<Stack> {
    const settings = roles[role]!();
    const { resources } = await run(() => defineEnvironment(settings));
    return { resources: resources.filter((r) => r.custom).map(plannedOf), context: baselineContext(settings, logBucketOf(settings)) };
}

function plannedOf(r: Recorded): PlannedResource {
    return { type: r.type, name: r.name, inputs: structuredClone(r.inputs) };
}

/** The stack with one resource of `type` (the first `where` accepts) changed by `change`. */
function broken(stack: Stack, type: string, change: (inputs: Record<string, unknown>) => void, where: (r: PlannedResource) => boolean = () => true): Stack {
    let done = false;
    const resources = stack.resources.map((r) => {
        if (done || r.type !== type || !where(r)) {
            return r;
        }
        done = true;
        const inputs = structuredClone(r.inputs) as Record<string, unknown>;
        change(inputs);
        return { ...r, inputs };
    });
    assert.ok(done, `no ${type} to break`);
    return { ...stack, resources };
}

function violations(stack: Stack): Violation[] {
    return baselineViolations(stack.resources, stack.context);
}

function only(stack: Stack, control: string): Violation {
    const found = violations(stack);
    assert.deepEqual(
        found.map((v) => v.control),
        [control],
        JSON.stringify(found, null, 1),
    );
    return found[0]!;
}

// biome-ignore lint/suspicious/noExplicitAny: ECS container definitions are untyped JSON
type Container = Record<string, any>;

function editContainers(inputs: Record<string, unknown>, change: (c: Container) => void): void {
    const containers = JSON.parse(String(inputs.containerDefinitions)) as Container[];
    containers.forEach(change);
    inputs.containerDefinitions = JSON.stringify(containers);
}

describe("security baseline", () => {
    const stacks: Record<string, Stack> = {};
    before(async () => {
        for (const role of Object.keys(roles)) {
            stacks[role] = await stackOf(role);
        }
    });

    for (const role of Object.keys(roles)) {
        it(`${role}: every resource meets every control of the baseline`, () => {
            assert.deepEqual(violations(stacks[role]!), []);
        });
    }

    it("the baseline holds ECS.5, ECS.12, ELB.1, ELB.4, ELB.5, S3.5, S3.8, S3.9 and S3.12", () => {
        assert.deepEqual(
            CONTROLS.map((c) => c.id),
            ["ECS.5", "ECS.12", "ELB.1", "ELB.4", "ELB.5", "S3.5", "S3.8", "S3.9", "S3.12"],
        );
    });

    it("ECS.5: a container with a writable root file system is refused, naming it", () => {
        const stack = broken(stacks.dev!, T.taskDefinition, (i) => editContainers(i, (c) => delete c.readonlyRootFilesystem));
        assert.match(only(stack, "ECS.5").message, /container "[a-z-]+" has a writable root file system/);
    });

    it("ECS.5: only the own database keeps a writable root, as a named exemption with its reason", () => {
        const ephemeral = stacks.ephemeral!;
        assert.deepEqual(
            ephemeral.context.exemptions.filter((e) => e.control === "ECS.5"),
            [{ control: "ECS.5", subject: "neo4j", reason: DATABASE_WRITABLE_ROOT }],
        );
        const redis = broken(
            ephemeral,
            T.taskDefinition,
            (i) => editContainers(i, (c) => (c.readonlyRootFilesystem = false)),
            (r) => r.name.endsWith("-redis"),
        );
        only(redis, "ECS.5");
    });

    it("ECS.12: a cluster without Container Insights is refused", () => {
        only(
            broken(stacks.dev!, T.cluster, (i) => (i.settings = [{ name: "containerInsights", value: "disabled" }])),
            "ECS.12",
        );
    });

    it("ELB.1: an HTTP listener that forwards instead of redirecting to HTTPS is refused", () => {
        const stack = broken(
            stacks.prod!,
            T.listener,
            (i) => (i.defaultActions = [{ type: "forward", targetGroupArn: "arn:aws:elasticloadbalancing:eu-central-1:123456789012:targetgroup/x/1" }]),
            (r) => r.inputs.protocol === "HTTP",
        );
        only(stack, "ELB.1");
    });

    it("ELB.4: an ALB that passes invalid header fields on is refused", () => {
        only(
            broken(stacks.prod!, T.alb, (i) => (i.dropInvalidHeaderFields = false)),
            "ELB.4",
        );
    });

    it("ELB.5: an ALB without access logs is refused", () => {
        only(
            broken(stacks.dev!, T.alb, (i) => delete i.accessLogs),
            "ELB.5",
        );
    });

    it("S3.5: a bucket policy that does not deny requests without TLS is refused, and so is a bucket without a policy", () => {
        const stack = broken(stacks.prod!, T.bucketPolicy, (i) => {
            const doc = JSON.parse(String(i.policy));
            doc.Statement = doc.Statement.filter((s: { Sid?: string }) => s.Sid !== "TlsOnly");
            i.policy = JSON.stringify(doc);
        });
        only(stack, "S3.5");
        const noPolicy = { ...stacks.ephemeral!, resources: stacks.ephemeral!.resources.filter((r) => r.type !== T.bucketPolicy) };
        assert.match(only(noPolicy, "S3.5").message, /has no bucket policy/);
    });

    it("S3.8: a bucket whose public access is not blocked is refused", () => {
        only(
            broken(stacks.dev!, T.accessBlock, (i) => (i.restrictPublicBuckets = false)),
            "S3.8",
        );
    });

    it("S3.9: a production bucket without server access logs is refused; dev's need none", () => {
        const prod = { ...stacks.prod!, resources: stacks.prod!.resources.filter((r) => r.type !== T.logging) };
        assert.match(only(prod, "S3.9").message, /production's bucket "studio-app-prod-v1-2-2" has no server access logging/);
        assert.equal(ofType(stacks.dev!.resources as Recorded[], T.logging).length, 0);
    });

    it("S3.12: a bucket that allows ACLs is refused", () => {
        only(
            broken(stacks.prod!, T.ownership, (i) => (i.rule = { objectOwnership: "ObjectWriter" })),
            "S3.12",
        );
    });

    describe("where a real deploy runs: the program checks what it registers", () => {
        /** Runs `program`, collecting the registrations the SDK refuses (it reports them as unhandled rejections). */
        async function refused(program: () => void): Promise<{ errors: Error[]; resources: Recorded[] }> {
            const listeners = process.listeners("unhandledRejection");
            process.removeAllListeners("unhandledRejection");
            const errors: Error[] = [];
            const collect = (e: unknown): void => {
                errors.push(e as Error);
            };
            process.on("unhandledRejection", collect);
            try {
                const { resources } = await run(program, { refusals: "expected" });
                await new Promise((resolve) => setTimeout(resolve, 50));
                return { errors, resources: resources.filter((r) => r.custom) };
            } finally {
                process.removeListener("unhandledRejection", collect);
                for (const l of listeners) {
                    process.on("unhandledRejection", l);
                }
                // The refused registrations never settle, by design. The SDK counts unsettled
                // promises process-wide and blames them on the next program that ends in this
                // process (an inline program of an engine test: "638 promises were still active"):
                // forget them here, where they were made on purpose.
                (require("@pulumi/pulumi/runtime/debuggable") as { leakedPromises: () => unknown }).leakedPromises(); // internal to the SDK, untyped
            }
        }

        const certificateArn = "arn:aws:acm:eu-central-1:123456789012:certificate/18883152-1888";
        const defaultAction = { type: "fixed-response", fixedResponse: { statusCode: "404", contentType: "text/plain" } };

        it("a definition that breaks controls fails before any of its AWS resources is registered, naming every violation", async () => {
            const { errors, resources } = await refused(() => {
                const guard = new BaselineGuard({ role: "dev", exemptions: [] });
                const opts = { transformations: [guard.transformation] };
                new FargateCluster("c", { containerInsights: false }, opts);
                new PublicLoadBalancer("lb", { vpcId: "vpc-0a1b2c3d", subnetIds: ["subnet-0a", "subnet-0b"], certificateArn, defaultAction }, opts);
                guard.seal();
            });
            assert.deepEqual(resources, []);
            const messages = [...new Set(errors.map((e) => e.message))];
            assert.equal(messages.length, 1, messages.join("\n"));
            assert.match(messages[0]!, /^the security baseline \(AWS Security Hub FSBP\) refuses this deployment:/);
            assert.match(messages[0]!, /ECS\.12 c-cluster: Container Insights is not enabled/);
            assert.match(messages[0]!, /ELB\.5 lb-alb: access logs are not enabled/);
        });

        it("a violation in a computed input (a container definition) fails that resource before it is registered", async () => {
            const { errors, resources } = await refused(() => {
                const guard = new BaselineGuard({ role: "dev", exemptions: [] });
                const opts = { transformations: [guard.transformation] };
                const parent = new pulumi.ComponentResource("vnv:test:Parent", "p", {}, opts);
                new aws.ecs.Cluster("p-cluster", { settings: [{ name: "containerInsights", value: "enabled" }] }, { parent });
                const containerDefinitions = pulumi.output("app").apply((name) => JSON.stringify([{ name, image: "ghcr.io/x/app@sha256:0", essential: true }]));
                new aws.ecs.TaskDefinition("p-app", { family: "p-app", containerDefinitions }, { parent });
                guard.seal();
            });
            assert.deepEqual(
                resources.map((r) => r.type),
                [T.cluster],
            );
            assert.ok(errors.length > 0);
            assert.ok(
                errors.every((e) => /ECS\.5 p-app: container "app" has a writable root file system/.test(e.message)),
                errors.map((e) => e.message).join("\n"),
            );
        });

        it("under the test harness, a resource the guard refuses fails the run instead of going missing", async () => {
            const listeners = process.listeners("unhandledRejection");
            process.removeAllListeners("unhandledRejection");
            try {
                await assert.rejects(
                    run(() => {
                        const guard = new BaselineGuard({ role: "dev", exemptions: [] });
                        const containerDefinitions = pulumi
                            .output("app")
                            .apply((name) => JSON.stringify([{ name, image: "ghcr.io/x/app@sha256:0", essential: true }]));
                        new aws.ecs.TaskDefinition("p-app", { family: "p-app", containerDefinitions }, { transformations: [guard.transformation] });
                        guard.seal();
                    }),
                    /the program failed to register resources:[\s\S]*ECS\.5 p-app: container "app" has a writable root file system/,
                );
            } finally {
                for (const l of listeners) {
                    process.on("unhandledRejection", l);
                }
                (require("@pulumi/pulumi/runtime/debuggable") as { leakedPromises: () => unknown }).leakedPromises(); // internal to the SDK, untyped
            }
        });

        for (const role of Object.keys(roles)) {
            it(`${role}: the definition checks every AWS resource it registers`, async () => {
                const checked: number[] = [];
                const original = BaselineGuard.prototype.staticViolations;
                BaselineGuard.prototype.staticViolations = async function (this: BaselineGuard): Promise<Violation[]> {
                    const found = await original.call(this);
                    checked.push((this as unknown as { entries: unknown[] }).entries.length);
                    return found;
                };
                try {
                    const { resources } = await run(() => defineEnvironment(roles[role]!()));
                    const aws = resources.filter((r) => r.custom && r.type.startsWith("aws:"));
                    assert.deepEqual(checked, [aws.length]);
                } finally {
                    BaselineGuard.prototype.staticViolations = original;
                }
            });
        }
    });
});
