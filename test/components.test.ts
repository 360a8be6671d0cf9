/** Components on their own, under the same mocks: argument checks and per-component rules. */

// The mocks first: they are set when this module loads, before any program code runs.
import { ofType, type Recorded, run, T } from "../harness/mocks";
import { strict as assert } from "node:assert";
import { AuthRedirects, DnsAlias, EcsServices, FrontendBucket, Ingress, LogBucket, PublicLoadBalancer, SiteCertificate } from "../components";
import type { ServiceSpec } from "../rules/service";

const web: ServiceSpec = { name: "web", image: "ghcr.io/infrasoftbe/web", port: 8080, public: true, cpu: 256, memory: 512, desiredCount: 1 };
const api: ServiceSpec = { ...web, name: "api", port: 8081, paths: ["/api/*"] };
const APP = "/applications/3f2a9c1e-7b4d-4e8a-9c6f-1d2e3f4a5b6c";

describe("components", () => {
    describe("AuthRedirects", () => {
        it("rejects an http redirect URI", () => {
            assert.throws(
                () => new AuthRedirects("auth", { applicationId: APP, type: "SPA", redirectUris: ["http://1-2-3.step-studio.be/"] }),
                /invalid redirect URI "http:\/\/1-2-3.step-studio.be\/": scheme http is not allowed/,
            );
        });

        it("rejects a redirect URI with a forbidden character", () => {
            assert.throws(
                () => new AuthRedirects("auth", { applicationId: APP, type: "SPA", redirectUris: ["https://a.step-studio.be/cb;x"] }),
                /contains ";"/,
            );
        });

        it("owns the whole list, de-duplicated and sorted", async () => {
            const { resources } = await run(
                () =>
                    new AuthRedirects("auth", {
                        applicationId: APP,
                        type: "Web",
                        redirectUris: ["https://b.step-studio.be/", "https://a.step-studio.be/", "https://b.step-studio.be/"],
                    }),
            );
            const [list] = ofType(resources, T.redirects);
            assert.deepEqual(list!.inputs.redirectUris, ["https://a.step-studio.be/", "https://b.step-studio.be/"]);
            assert.equal(list!.inputs.type, "Web");
        });
    });

    describe("SiteCertificate", () => {
        it("creates one validation record per distinct name, from every validation option", async () => {
            const { resources } = await run(
                () =>
                    new SiteCertificate("site", {
                        domainName: "vnv.step-studio.be",
                        subjectAlternativeNames: ["www.vnv.step-studio.be", "api.vnv.step-studio.be"],
                        hostedZoneId: "Z04315321ABCDEFGHIJKL",
                    }),
            );
            const records = ofType(resources, T.record);
            assert.equal(records.length, 3);
            const [validation] = ofType(resources, T.validation);
            assert.deepEqual([...validation!.inputs.validationRecordFqdns].sort(), records.map((r) => r.state.fqdn).sort());
        });

        it("shares one record between a wildcard and its apex", async () => {
            const { resources } = await run(
                () =>
                    new SiteCertificate("site", {
                        domainName: "*.step-studio.be",
                        subjectAlternativeNames: ["step-studio.be"],
                        hostedZoneId: "Z04315321ABCDEFGHIJKL",
                    }),
            );
            assert.equal(ofType(resources, T.record).length, 1);
        });
    });

    describe("FrontendBucket", () => {
        const release = { version: "v1.2.3", bucket: "studio-app-prod-v1-2-3", images: {} };

        it("public-website mode relaxes the access block before the public policy", async () => {
            const { resources } = await run(() => new FrontendBucket("fe", { bucketName: "studio-app-prod-v1-2-3", release, publicWebsite: true }));
            const [block] = ofType(resources, T.accessBlock);
            const [policy] = ofType(resources, T.bucketPolicy);
            assert.equal(block!.inputs.blockPublicPolicy, false);
            assert.ok(policy!.dependencies.includes(block!.urn), "policy does not wait for the access block");
            const doc = JSON.parse(policy!.inputs.policy);
            assert.ok(doc.Statement.some((s: { Principal: unknown; Effect: string }) => s.Principal === "*" && s.Effect === "Allow"));
            assert.equal(ofType(resources, T.website).length, 1);
        });

        it("grants read to the reader roles only", async () => {
            const role = "arn:aws:iam::123456789012:role/vnv-services-task-1a2b3c4";
            const { resources } = await run(() => new FrontendBucket("fe", { bucketName: "studio-app-dev-v1-2-3", release, readerRoleArns: [role] }));
            const doc = JSON.parse(ofType(resources, T.bucketPolicy)[0]!.inputs.policy);
            const allows = doc.Statement.filter((s: { Effect: string }) => s.Effect === "Allow");
            assert.deepEqual([...new Set(allows.map((s: { Principal: unknown }) => JSON.stringify(s.Principal)))], [JSON.stringify({ AWS: [role] })]);
        });

        it("lists the bucket on its own ARN and reads objects on bucket/*", async () => {
            const role = "arn:aws:iam::123456789012:role/vnv-services-task-1a2b3c4";
            const { resources } = await run(() => new FrontendBucket("fe", { bucketName: "studio-app-dev-v1-2-3", release, readerRoleArns: [role] }));
            const doc = JSON.parse(ofType(resources, T.bucketPolicy)[0]!.inputs.policy);
            const allows = doc.Statement.filter((s: { Effect: string }) => s.Effect === "Allow");
            assert.deepEqual(
                allows.map((s: { Action: string; Resource: string }) => [s.Action, s.Resource]),
                [
                    ["s3:ListBucket", "arn:aws:s3:::studio-app-dev-v1-2-3"],
                    ["s3:GetObject", "arn:aws:s3:::studio-app-dev-v1-2-3/*"],
                ],
            );
        });

        it("a retained bucket keeps its children too: none of them is deleted with the stack", async () => {
            const { resources } = await run(() => new FrontendBucket("fe", { bucketName: "studio-app-prod-v1-2-3", release, retain: true }));
            const custom = resources.filter((r) => r.custom);
            assert.ok(custom.length >= 6, custom.map((r) => r.type).join(" "));
            assert.deepEqual(
                custom.filter((r) => !r.retainOnDelete).map((r) => r.type),
                [],
            );
        });

        it("an adopted bucket is imported by its name instead of created", async () => {
            const { resources } = await run(() => new FrontendBucket("fe", { bucketName: "studio-app-prod-v1-2-3", release, retain: true, adopt: true }));
            assert.equal(ofType(resources, T.bucket)[0]!.importId, "studio-app-prod-v1-2-3");
        });

        it("refuses forceDestroy together with retain", () => {
            assert.throws(
                () => new FrontendBucket("fe", { bucketName: "studio-app-x-v1", release, forceDestroy: true, retain: true }),
                /forceDestroy and retain conflict/,
            );
        });
    });

    describe("Ingress", () => {
        it("refuses arguments of the other mode, naming them", () => {
            assert.throws(
                () =>
                    new Ingress("in", {
                        mode: "dedicated",
                        vpcId: "vpc-1",
                        services: [web],
                        publicSubnetIds: [],
                        certificateArn: "arn",
                        ...({ slot: 1, listenerArn: "arn:l" } as object),
                    } as never),
                /Ingress mode "dedicated" does not take listenerArn, slot/,
            );
        });

        it("shared mode creates no load balancer, listener or certificate", async () => {
            const { resources } = await run(
                () =>
                    new Ingress("in", {
                        mode: "shared",
                        vpcId: "vpc-1",
                        services: [web, api],
                        hostname: "1-2-3.step-studio.be",
                        listenerArn: "arn:aws:elasticloadbalancing:eu-central-1:123456789012:listener/app/platform/50dc6c495c0c9188/f2f7dc8efc522ab2",
                        albSecurityGroupId: "sg-1",
                        albDnsName: "alb.example",
                        albZoneId: "Z215JYRZR1TBD5",
                        slot: 0,
                    }),
            );
            assert.deepEqual(
                [T.alb, T.listener, T.certificate, T.validation].map((t) => ofType(resources, t).length),
                [0, 0, 0, 0],
            );
            assert.deepEqual(
                ofType(resources, T.rule)
                    .map((r) => r.inputs.priority)
                    .sort((a, b) => a - b),
                [1, 10],
            );
        });

        it("refuses a slot outside the listener's priorities", () => {
            assert.throws(
                () =>
                    new Ingress("in", {
                        mode: "shared",
                        vpcId: "vpc-1",
                        services: [web],
                        hostname: "h.step-studio.be",
                        listenerArn: "l",
                        albSecurityGroupId: "sg",
                        albDnsName: "d",
                        albZoneId: "z",
                        slot: 5000,
                    }),
                /slot must be an integer from 0 to 4999/,
            );
        });
    });

    describe("DnsAlias", () => {
        it("adds an AAAA alias for a dualstack load balancer", async () => {
            const { resources } = await run(
                () =>
                    new DnsAlias("dns", {
                        hostedZoneId: "Z1",
                        hostname: "vnv.step-studio.be",
                        targetDnsName: "alb",
                        targetZoneId: "Z215JYRZR1TBD5",
                        ipv6: true,
                    }),
            );
            assert.deepEqual(
                ofType(resources, T.record)
                    .map((r) => r.inputs.type)
                    .sort(),
                ["A", "AAAA"],
            );
        });
    });

    describe("LogBucket", () => {
        const args = {
            bucketName: "studio-app-prod-logs",
            region: "eu-central-1",
            expirationDays: 365,
            loadBalancerPrefixes: ["alb/environment"],
            serverLogSources: ["arn:aws:s3:::studio-app-prod-v*"],
        };
        // biome-ignore lint/suspicious/noExplicitAny: IAM policy documents are untyped JSON
        const statements = (resources: Recorded[]): Record<string, any>[] => JSON.parse(ofType(resources, T.bucketPolicy)[0]!.inputs.policy).Statement;

        it("lets the Region's Elastic Load Balancing account write each load balancer's logs under its prefix, for this account only", async () => {
            const { resources } = await run(() => new LogBucket("logs", args));
            const elb = statements(resources).find((s) => s.Sid === "LoadBalancerAccessLogs")!;
            assert.deepEqual(elb.Principal, { AWS: "arn:aws:iam::054676820928:root" });
            assert.equal(elb.Action, "s3:PutObject");
            assert.deepEqual(elb.Resource, ["arn:aws:s3:::studio-app-prod-logs/alb/environment/AWSLogs/123456789012/*"]);
        });

        it("in a Region opened from August 2022 on, the log delivery service principal writes instead", async () => {
            const { resources } = await run(() => new LogBucket("logs", { ...args, region: "eu-central-2" }));
            const elb = statements(resources).find((s) => s.Sid === "LoadBalancerAccessLogs")!;
            assert.deepEqual(elb.Principal, { Service: "logdelivery.elasticloadbalancing.amazonaws.com" });
        });

        it("lets the S3 logging service write server access logs under s3/, for the named buckets of this account only", async () => {
            const { resources } = await run(() => new LogBucket("logs", args));
            const s3 = statements(resources).find((s) => s.Sid === "ServerAccessLogs")!;
            assert.deepEqual(s3.Principal, { Service: "logging.s3.amazonaws.com" });
            assert.equal(s3.Resource, "arn:aws:s3:::studio-app-prod-logs/s3/*");
            assert.deepEqual(s3.Condition, {
                ArnLike: { "aws:SourceArn": ["arn:aws:s3:::studio-app-prod-v*"] },
                StringEquals: { "aws:SourceAccount": "123456789012" },
            });
        });

        it("is encrypted with SSE-S3 (the only encryption log delivery supports), private, owner-enforced and TLS only", async () => {
            const { resources } = await run(() => new LogBucket("logs", args));
            assert.deepEqual(ofType(resources, T.encryption)[0]!.inputs.rules, [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
            const block = ofType(resources, T.accessBlock)[0]!.inputs;
            assert.deepEqual([block.blockPublicAcls, block.ignorePublicAcls, block.blockPublicPolicy, block.restrictPublicBuckets], [true, true, true, true]);
            assert.equal(ofType(resources, T.ownership)[0]!.inputs.rule.objectOwnership, "BucketOwnerEnforced");
            assert.ok(statements(resources).some((s) => s.Effect === "Deny" && s.Condition?.Bool?.["aws:SecureTransport"] === "false"));
        });

        it("deletes every log after its retention, and an upload cut off halfway after a day", async () => {
            const { resources } = await run(() => new LogBucket("logs", args));
            assert.deepEqual(ofType(resources, T.lifecycle)[0]!.inputs.rules, [
                {
                    id: "expire-logs",
                    status: "Enabled",
                    filter: { prefix: "" },
                    expiration: { days: 365 },
                    abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
                },
            ]);
            assert.throws(() => new LogBucket("logs", { ...args, expirationDays: 0 }), /expirationDays must be an integer from 1 to 3650, got 0/);
        });

        it("a load balancer that logs to it waits for its policy, encryption, ownership and access block", async () => {
            const { resources } = await run(() => {
                const logs = new LogBucket("logs", args);
                return new PublicLoadBalancer("lb", {
                    vpcId: "vpc-0a1b2c3d",
                    subnetIds: ["subnet-0a", "subnet-0b"],
                    certificateArn: "arn:aws:acm:eu-central-1:123456789012:certificate/18883152-1888",
                    defaultAction: { type: "fixed-response", fixedResponse: { statusCode: "404", contentType: "text/plain" } },
                    accessLogs: { bucket: logs.bucketName, prefix: "alb/environment" },
                });
            });
            const [alb] = ofType(resources, T.alb);
            assert.deepEqual(alb!.inputs.accessLogs, { bucket: "studio-app-prod-logs", prefix: "alb/environment", enabled: true });
            for (const type of [T.bucketPolicy, T.encryption, T.ownership, T.accessBlock]) {
                assert.ok(alb!.dependencies.includes(ofType(resources, type)[0]!.urn), `the ALB does not wait for ${type}`);
            }
        });
    });

    describe("FrontendBucket's logs and encryption", () => {
        const release = { version: "v1.2.3", bucket: "studio-app-prod-v1-2-3", images: {} };

        it("sends its server access logs to the log bucket under s3/<bucket>/, kept with a retained bucket", async () => {
            const { resources } = await run(
                () => new FrontendBucket("fe", { bucketName: "studio-app-prod-v1-2-3", release, retain: true, serverAccessLogs: "studio-app-prod-logs" }),
            );
            const [logging] = ofType(resources, T.logging);
            assert.deepEqual(
                [logging!.inputs.bucket, logging!.inputs.targetBucket, logging!.inputs.targetPrefix],
                ["studio-app-prod-v1-2-3", "studio-app-prod-logs", "s3/studio-app-prod-v1-2-3/"],
            );
            assert.equal(logging!.retainOnDelete, true);
        });

        it("is encrypted with SSE-S3 and asks for no bucket key, which only SSE-KMS uses", async () => {
            const { resources } = await run(() => new FrontendBucket("fe", { bucketName: "studio-app-dev-v1-2-3", release }));
            assert.deepEqual(ofType(resources, T.encryption)[0]!.inputs.rules, [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
        });
    });

    describe("EcsServices storage (ECS.5)", () => {
        const redis: ServiceSpec = {
            name: "redis",
            image: "docker.io/library/redis",
            digest: `sha256:${"a".repeat(64)}`,
            port: 6379,
            cpu: 256,
            memory: 512,
            desiredCount: 1,
        };

        async function taskDefinitionOf(spec: ServiceSpec): Promise<Recorded> {
            const { resources } = await run(
                () =>
                    new EcsServices("svc", {
                        project: "vnv",
                        environment: "dev",
                        version: "v1.2.3",
                        services: [spec],
                        region: "eu-central-1",
                        vpcId: "vpc-0a1b2c3d",
                        subnetIds: ["subnet-0a"],
                        clusterArn: "arn:aws:ecs:eu-central-1:123456789012:cluster/c",
                        frontendBucket: "studio-app-dev-v1-2-3",
                    }),
            );
            return ofType(resources, T.taskDefinition)[0]!;
        }

        it("a container's root is read-only; its writable paths are task volumes mounted read-write", async () => {
            const td = await taskDefinitionOf({ ...redis, writablePaths: ["/data"] });
            const [container] = JSON.parse(td.inputs.containerDefinitions);
            assert.equal(container.readonlyRootFilesystem, true);
            assert.deepEqual(container.mountPoints, [{ sourceVolume: "writable-0", containerPath: "/data", readOnly: false }]);
            assert.deepEqual(td.inputs.volumes, [{ name: "writable-0" }]);
        });

        it("a container that keeps a writable root gets no storage settings at all", async () => {
            const td = await taskDefinitionOf({ ...redis, writableRoot: "the image cannot start otherwise", writablePaths: [] });
            const [container] = JSON.parse(td.inputs.containerDefinitions);
            assert.deepEqual([container.readonlyRootFilesystem, container.mountPoints, td.inputs.volumes], [undefined, undefined, undefined]);
        });
    });
});
