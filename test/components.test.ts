/** Components on their own, under the same mocks: argument checks and per-component rules. */

// The mocks first: they are set when this module loads, before any program code runs.
import { ofType, run, T } from "./mocks";
import { strict as assert } from "node:assert";
import { AuthRedirects, DnsAlias, FrontendBucket, Ingress, SiteCertificate } from "../components";
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
});
