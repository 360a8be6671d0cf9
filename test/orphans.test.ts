/**
 * `vnv env orphans`: what is tagged for an environment whose stack is gone, read from moto's
 * Resource Groups Tagging API on loopback (real S3 buckets, tagged as the provider tags them),
 * with stacks in a real backend; and the Tagging API's answers as hostile input, from a loopback
 * server that speaks its JSON protocol.
 */
import { strict as assert } from "node:assert";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as fs from "node:fs";
import * as path from "node:path";
import { CreateLogGroupCommand, CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { CreateSecurityGroupCommand, DescribeVpcsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { CreateTargetGroupCommand, ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { CreateBucketCommand, PutBucketTaggingCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { CreateClusterCommand, ECSClient } from "@aws-sdk/client-ecs";
import { ResourceGroupsTaggingAPIClient } from "@aws-sdk/client-resource-groups-tagging-api";
import { ORPHAN_LIMITS, orphansText, planOrphans, taggedResources } from "../automation/environments/orphans";
import { runCli } from "../harness/cli";
import { makeDriver, useTempDir } from "../harness/driver";
import { motoClient, S3_ENV, useMoto } from "../harness/s3";

const CREDENTIALS = { accessKeyId: S3_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: S3_ENV.AWS_SECRET_ACCESS_KEY };

describe("@engine vnv env orphans, on moto's Tagging API", function () {
    this.timeout(120_000);
    const tmp = useTempDir("vnv-orphans-");
    const moto = useMoto();

    let n = 0;
    /** A bucket tagged as the provider's default tags tag every resource of an environment. */
    async function tagged(environment: string, project = "vnv"): Promise<string> {
        const s3 = new S3Client({ ...motoClient(moto(), S3_ENV.AWS_REGION), forcePathStyle: true });
        const bucket = `orphans-${process.pid}-${n++}-${environment}`;
        await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: "eu-central-1" } }));
        await s3.send(
            new PutBucketTaggingCommand({
                Bucket: bucket,
                Tagging: {
                    TagSet: [
                        { Key: "vnv:project", Value: project },
                        { Key: "vnv:environment", Value: environment },
                    ],
                },
            }),
        );
        return `arn:aws:s3:::${bucket}`;
    }

    const orphans = (args: string[] = ["--json"], command: string[] = ["env", "orphans"]) =>
        runCli([...command, ...args], tmp(), { env: { ...S3_ENV, AWS_ENDPOINT_URL: moto().endpoint } });

    it("an environment whose stack is gone is listed with its resources; one with a stack, and other projects, are not", async () => {
        await makeDriver(tmp()).store.create("v1-0-0");
        const lost = [await tagged("v9-9-9"), await tagged("v9-9-9")];
        await tagged("v1-0-0");
        await tagged("v9-9-9", "someone-else");
        const r = await orphans();
        assert.equal(r.code, 0, r.err);
        const plan = JSON.parse(r.out);
        const mine = plan.orphans.filter((o: { environment: string }) => o.environment === "v9-9-9");
        assert.deepEqual(mine, [{ environment: "v9-9-9", resources: lost.sort() }]);
        assert.ok(!plan.orphans.some((o: { environment: string }) => o.environment === "v1-0-0"));
        assert.equal(plan.region, "eu-central-1");
    });

    describe("--out, then --apply: plan, then delete that plan", () => {
        beforeEach(async () => {
            // As on the team's backend: prod and dev are there (a backend without them is the wrong one).
            for (const stack of ["prod", "dev"]) {
                await makeDriver(tmp()).store.create(stack);
            }
        });

        const region = "eu-central-1";
        const tags = (environment: string) => [
            { Key: "vnv:project", Value: "vnv" },
            { Key: "vnv:environment", Value: environment },
        ];

        /** One of each kind an environment leaves, tagged for `environment`. */
        async function leftovers(environment: string): Promise<void> {
            const config = motoClient(moto(), region);
            const id = `${process.pid}-${n++}`;
            const bucket = (await tagged(environment)).slice("arn:aws:s3:::".length);
            const s3 = new S3Client({ ...config, forcePathStyle: true });
            await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "index.html", Body: "<p>app</p>" }));
            const logs = new CloudWatchLogsClient(config);
            await logs.send(
                new CreateLogGroupCommand({
                    logGroupName: `/vnv/${environment}/${id}`,
                    tags: Object.fromEntries(tags(environment).map((t) => [t.Key, t.Value])),
                }),
            );
            const secrets = new SecretsManagerClient(config);
            await secrets.send(new CreateSecretCommand({ Name: `vnv-${environment}-${id}`, SecretString: "x", Tags: tags(environment) }));
            const ec2 = new EC2Client(config);
            const vpc = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs?.[0]?.VpcId;
            await ec2.send(
                new CreateSecurityGroupCommand({
                    GroupName: `vnv-${environment}-${id}`,
                    Description: "test",
                    VpcId: vpc,
                    TagSpecifications: [{ ResourceType: "security-group", Tags: tags(environment) }],
                }),
            );
            const elb = new ElasticLoadBalancingV2Client(config);
            await elb.send(new CreateTargetGroupCommand({ Name: `tg-${id}`.slice(0, 32), Protocol: "HTTP", Port: 80, VpcId: vpc, Tags: tags(environment) }));
        }

        const planOf = (file: string) => JSON.parse(fs.readFileSync(file, "utf8")) as { orphans: { environment: string; resources: string[] }[] };
        const mine = (file: string, environment: string) => planOf(file).orphans.find((o) => o.environment === environment)?.resources ?? [];

        it("--apply deletes exactly the plan's resources that are still orphans, every kind an environment leaves", async () => {
            await leftovers("v7-7-7");
            const plan = path.join(tmp(), "plan.json");
            assert.equal((await orphans(["--out", plan])).code, 0);
            const planned = mine(plan, "v7-7-7");
            assert.equal(planned.length, 5, planned.join("\n")); // bucket, log group, secret, target group, security group
            const later = await tagged("v7-7-7"); // made after the plan: not in it
            const r = await orphans(["--apply", plan, "--json"]);
            assert.equal(r.code, 0, r.err);
            const deleted: string[] = JSON.parse(r.out).deleted;
            assert.deepEqual(
                planned.filter((arn) => !deleted.includes(arn)),
                [],
            );
            const after = JSON.parse((await orphans()).out).orphans.find((o: { environment: string }) => o.environment === "v7-7-7");
            assert.deepEqual(after?.resources, [later]);
        });

        it("a resource whose stack came back between the plan and --apply is skipped, not deleted", async () => {
            await leftovers("v7-7-8");
            const plan = path.join(tmp(), "plan.json");
            await orphans(["--out", plan]);
            const planned = mine(plan, "v7-7-8");
            await makeDriver(tmp()).store.create("v7-7-8");
            const r = JSON.parse((await orphans(["--apply", plan, "--json"])).out);
            assert.deepEqual(
                r.skipped.filter((s: { arn: string }) => planned.includes(s.arn)).map((s: { reason: string }) => s.reason),
                planned.map(() => "no longer an orphan (its stack is back, or it is gone or untagged)"),
            );
            assert.ok(!r.deleted.some((arn: string) => planned.includes(arn)));
        });

        it("a plan that is not one vnv wrote is refused with exit 2 before anything is read or deleted", async () => {
            const plan = path.join(tmp(), "plan.json");
            fs.writeFileSync(plan, JSON.stringify({ backend: "file:///x", project: "vnv", region, orphans: [{ environment: "v1", resources: ["rm -rf /"] }] }));
            const r = await orphans(["--apply", plan]);
            assert.equal(r.code, 2, r.err);
            assert.match(r.err, /not a plan `vnv env orphans --out` wrote: .*not an ARN; nothing was deleted/);
        });

        it("a plan of another region is refused with exit 2, nothing deleted", async () => {
            const plan = path.join(tmp(), "plan.json");
            await orphans(["--out", plan]);
            fs.writeFileSync(plan, JSON.stringify({ ...JSON.parse(fs.readFileSync(plan, "utf8")), region: "us-west-2", orphans: [] }));
            const r = await orphans(["--apply", plan]);
            assert.equal(r.code, 2, r.err);
            assert.match(r.err, /the plan is for vnv in us-west-2, this is vnv in eu-central-1/);
        });

        it("a kind vnv does not delete is left and said, and the run exits 1", async () => {
            const ecs = new ECSClient(motoClient(moto(), region));
            const cluster = await ecs.send(
                new CreateClusterCommand({
                    clusterName: `vnv-v7-7-9-${process.pid}`,
                    tags: tags("v7-7-9").map((t) => ({ key: t.Key, value: t.Value })),
                }),
            );
            const plan = path.join(tmp(), "plan.json");
            await orphans(["--out", plan]);
            assert.deepEqual(mine(plan, "v7-7-9"), [cluster.cluster!.clusterArn]);
            const r = await orphans(["--apply", plan]);
            assert.equal(r.code, 1, r.err);
            assert.match(r.out, /left {5}arn:aws:ecs:eu-central-1:\d+:cluster\/vnv-v7-7-9-\d+: vnv does not delete ecs:cluster; delete it by hand/);
        });

        it("a plan made against another backend is refused with exit 2: orphans are judged by a backend's stacks", async () => {
            const plan = path.join(tmp(), "plan.json");
            await orphans(["--out", plan]);
            fs.writeFileSync(plan, JSON.stringify({ ...JSON.parse(fs.readFileSync(plan, "utf8")), backend: "s3://another-bucket" }));
            const r = await orphans(["--apply", plan]);
            assert.equal(r.code, 2, r.err);
            assert.match(r.err, /the plan was made against the backend s3:\/\/another-bucket, this is file:.*nothing was deleted/);
        });
    });

    it("env reap --orphans reports, by environment, how many resources are left for a stack that is gone", async () => {
        await tagged("v6-6-6");
        await tagged("v6-6-6");
        const r = await orphans(["--orphans", "--json", "--on", "aws"], ["env", "reap"]);
        assert.equal(r.code, 0, r.err);
        assert.deepEqual(
            JSON.parse(r.out).orphans.filter((o: { environment: string }) => o.environment === "v6-6-6"),
            [{ environment: "v6-6-6", resources: 2 }],
        );
    });

    it("a backend without dev, while resources are tagged for dev, is the wrong one: --apply refuses with exit 2", async () => {
        const plan = path.join(tmp(), "plan.json");
        await tagged("dev");
        await orphans(["--out", plan]);
        const r = await orphans(["--apply", plan]);
        assert.equal(r.code, 2, r.err);
        assert.match(r.err, /this backend holds no stack for dev, which have tagged resources: is it the right backend\? nothing was deleted/);
    });

    it("prod's resources with no prod stack in this backend are never orphans: said, and left out", async () => {
        await tagged("prod");
        const plan = JSON.parse((await orphans()).out);
        assert.deepEqual([plan.orphans.some((o: { environment: string }) => o.environment === "prod"), plan.protectedMissing.includes("prod")], [false, true]);
    });
});

describe("the Tagging API's answers are hostile input", () => {
    let server: http.Server | undefined;
    afterEach(async () => {
        await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
        server = undefined;
    });

    /** A loopback server answering GetResources (the awsJson1_1 protocol) with `page(n)`. */
    async function taggingApi(page: (n: number) => Record<string, unknown>): Promise<ResourceGroupsTaggingAPIClient> {
        let n = 0;
        server = http.createServer((req, res) => {
            req.resume();
            req.on("end", () => {
                assert.equal(req.headers["x-amz-target"], "ResourceGroupsTaggingAPI_20170126.GetResources");
                res.writeHead(200, { "content-type": "application/x-amz-json-1.1" }).end(JSON.stringify(page(n++)));
            });
        });
        await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
        const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        return new ResourceGroupsTaggingAPIClient({ region: "eu-central-1", endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
    }

    const mapping = (arn: unknown, environment: unknown) => ({
        ResourceARN: arn,
        Tags: [
            { Key: "vnv:project", Value: "vnv" },
            { Key: "vnv:environment", Value: environment },
        ],
    });

    it("an ARN that is not one, or an environment tag vnv never writes, is reported unreadable, escaped when printed", async () => {
        const client = await taggingApi(() => ({
            ResourceTagMappingList: [
                mapping("arn:aws:s3:::kept", "v2-0-0"),
                mapping("not-an-arn", "v2-0-0"),
                mapping("arn:aws:s3:::odd", "v2\u001b[2J"),
                mapping("arn:aws:s3:::long", "x".repeat(64)),
            ],
        }));
        const found = await taggedResources(client, "vnv");
        assert.deepEqual(found.tagged, [{ arn: "arn:aws:s3:::kept", environment: "v2-0-0" }]);
        assert.equal(found.unreadable.length, 3);
        const text = orphansText(planOrphans(found, new Set(), new Set(), { project: "vnv", region: "eu-central-1" }));
        assert.match(text, /^v2-0-0: no stack, 1 resource left\n {2}arn:aws:s3:::kept\n/);
        assert.match(text, /unreadable: arn:aws:s3:::odd: its vnv:environment tag is not an environment name: "v2\\u001b\[2J"/);
    });

    it("pages are followed to the end, and an answer that never ends is refused at the bound", async () => {
        const twoPages = await taggingApi((n) => ({
            ResourceTagMappingList: [mapping(`arn:aws:s3:::b${n}`, "v3-0-0")],
            ...(n === 0 ? { PaginationToken: "next" } : {}),
        }));
        assert.deepEqual(
            (await taggedResources(twoPages, "vnv")).tagged.map((t) => t.arn),
            ["arn:aws:s3:::b0", "arn:aws:s3:::b1"],
        );
        await new Promise<void>((resolve) => server!.close(() => resolve()));
        const endless = await taggingApi((n) => ({ ResourceTagMappingList: [], PaginationToken: `page-${n}` }));
        await assert.rejects(taggedResources(endless, "vnv"), new RegExp(`more than ${ORPHAN_LIMITS.pages} pages`));
    });
});
