/**
 * `vnv env orphans`: what is tagged for an environment whose stack is gone, read from moto's
 * Resource Groups Tagging API on loopback (real S3 buckets, tagged as the provider tags them),
 * with stacks in a real backend; and the Tagging API's answers as hostile input, from a loopback
 * server that speaks its JSON protocol.
 */
import { strict as assert } from "node:assert";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { CreateBucketCommand, PutBucketTaggingCommand, S3Client } from "@aws-sdk/client-s3";
import { ResourceGroupsTaggingAPIClient } from "@aws-sdk/client-resource-groups-tagging-api";
import { type CliDeps, main } from "../automation/cli/program";
import { ORPHAN_LIMITS, orphansText, planOrphans, taggedResources } from "../automation/environments/orphans";
import { makeDriver, PASSPHRASE, useTempDir } from "../harness/driver";
import { S3_ENV, startS3, type TestS3 } from "../harness/s3";

const CREDENTIALS = { accessKeyId: S3_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: S3_ENV.AWS_SECRET_ACCESS_KEY };

describe("@engine vnv env orphans, on moto's Tagging API", function () {
    this.timeout(120_000);
    const tmp = useTempDir("vnv-orphans-");
    let moto: TestS3;
    before(async () => {
        moto = await startS3();
    });
    after(async () => {
        await moto?.stop();
    });

    let n = 0;
    /** A bucket tagged as the provider's default tags tag every resource of an environment. */
    async function tagged(environment: string, project = "vnv"): Promise<string> {
        const s3 = new S3Client({ region: S3_ENV.AWS_REGION, endpoint: moto.endpoint, forcePathStyle: true, credentials: CREDENTIALS });
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

    async function orphans(): Promise<{ code: number; out: string; err: string }> {
        let out = "";
        let err = "";
        const deps: CliDeps = {
            env: {
                ...process.env,
                ...S3_ENV,
                AWS_ENDPOINT_URL: moto.endpoint,
                PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
                PULUMI_BACKEND_URL: `file://${tmp()}/state`,
            },
            stdout: (t) => (out += t),
            stderr: (t) => (err += t),
            pulumiHome: `${tmp()}/home`,
        };
        const code = await main(["env", "orphans", "--json"], deps);
        return { code, out, err };
    }

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
