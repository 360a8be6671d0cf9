/** Where each stack's logs go (ELB.5, S3.9) and what its clusters report (ECS.12), under the mocks. */

// The mocks first: they are set when this module loads, before any program code runs.
import { existingBuckets, ofType, type Recorded, run, T } from "../harness/mocks";
import { strict as assert } from "node:assert";
import { defineEnvironment, deployEnvironment } from "../infra/environment";
import { ephemeralSettings, stackSettings } from "../harness/fixtures";

const noFiles = async (): Promise<{ key: string; path: string }[]> => [];

function logBucket(resources: readonly Recorded[]): Recorded | undefined {
    return ofType(resources, T.bucket).find((b) => b.name === "vnv-logs-bucket");
}

// biome-ignore lint/suspicious/noExplicitAny: IAM policy documents are untyped JSON
function logPolicy(resources: readonly Recorded[]): Record<string, any>[] {
    return JSON.parse(ofType(resources, T.bucketPolicy).find((p) => p.name === "vnv-logs-policy")!.inputs.policy).Statement;
}

describe("access logs and Container Insights per stack", () => {
    afterEach(() => existingBuckets.clear());

    it("prod: one retained log bucket keeps a year of the ALB's access logs and the frontend bucket's server access logs", async () => {
        const { resources } = await run(() => defineEnvironment(stackSettings("prod")));
        const bucket = logBucket(resources)!;
        assert.deepEqual([bucket.inputs.bucket, bucket.retainOnDelete, bucket.inputs.forceDestroy], ["studio-app-prod-logs", true, false]);
        assert.equal(ofType(resources, T.lifecycle)[0]!.inputs.rules[0].expiration.days, 365);
        assert.deepEqual(ofType(resources, T.alb)[0]!.inputs.accessLogs, { bucket: "studio-app-prod-logs", prefix: "alb/environment", enabled: true });
        const [logging] = ofType(resources, T.logging);
        assert.deepEqual([logging!.inputs.bucket, logging!.inputs.targetBucket], ["studio-app-prod-v1-2-2", "studio-app-prod-logs"]);
        const server = logPolicy(resources).find((s) => s.Sid === "ServerAccessLogs")!;
        // The buckets of every version, kept ones too; never the log bucket itself.
        assert.deepEqual(server.Condition.ArnLike["aws:SourceArn"], ["arn:aws:s3:::studio-app-prod-v*"]);
    });

    it("dev: its own ALB and the test platform's log to one bucket for 30 days, removed with dev; its buckets keep no server access logs", async () => {
        const { resources } = await run(() => defineEnvironment(stackSettings("dev")));
        const bucket = logBucket(resources)!;
        assert.deepEqual([bucket.inputs.bucket, bucket.retainOnDelete, bucket.inputs.forceDestroy], ["studio-app-dev-logs", false, true]);
        assert.equal(ofType(resources, T.lifecycle)[0]!.inputs.rules[0].expiration.days, 30);
        assert.deepEqual(
            ofType(resources, T.alb)
                .map((a) => a.inputs.accessLogs.prefix)
                .sort(),
            ["alb/environment", "alb/platform"],
        );
        const elb = logPolicy(resources).find((s) => s.Sid === "LoadBalancerAccessLogs")!;
        assert.deepEqual(elb.Resource, [
            "arn:aws:s3:::studio-app-dev-logs/alb/platform/AWSLogs/123456789012/*",
            "arn:aws:s3:::studio-app-dev-logs/alb/environment/AWSLogs/123456789012/*",
        ]);
        assert.equal(ofType(resources, T.logging).length, 0);
        assert.equal(
            logPolicy(resources).find((s) => s.Sid === "ServerAccessLogs"),
            undefined,
        );
    });

    it("an ephemeral environment has no log bucket: its requests are in the test platform ALB's logs", async () => {
        const { resources } = await run(() => defineEnvironment(ephemeralSettings()));
        assert.equal(logBucket(resources), undefined);
        assert.equal(ofType(resources, T.logging).length, 0);
    });

    it("every cluster runs Container Insights: production's, dev's and the test platform's", async () => {
        for (const settings of [stackSettings("prod"), stackSettings("dev")]) {
            const clusters = ofType((await run(() => defineEnvironment(settings))).resources, T.cluster);
            assert.equal(clusters.length, settings.testPlatform ? 2 : 1);
            for (const c of clusters) {
                assert.deepEqual(c.inputs.settings, [{ name: "containerInsights", value: "enabled" }]);
            }
        }
    });

    it("production's log bucket, kept when an earlier stack went, is adopted instead of created; dev's is never looked up", async () => {
        existingBuckets.add("studio-app-prod-logs");
        const prod = await run(() => deployEnvironment(stackSettings("prod"), noFiles));
        assert.equal(logBucket(prod.resources)!.importId, "studio-app-prod-logs");
        const dev = await run(() => deployEnvironment(stackSettings("dev"), noFiles));
        assert.equal(logBucket(dev.resources)!.importId, "");
        assert.deepEqual(
            dev.invocations.filter((i) => i.token === "aws:s3/getBucket:getBucket"),
            [],
        );
    });
});
