/**
 * `vnv env snapshot` on ECS, the steps that run here for real: the dump the one-off task leaves
 * in the snapshot bucket read back into a layer, and removed, on moto's S3; the EBS snapshot of
 * the database's volume on moto's EC2. What ECS answers (tasks, attachments, the stack's output)
 * is hostile input, parsed here from the shapes the ECS API reference documents. moto's ECS
 * neither runs tasks nor keeps volume configurations, so the one-off task itself runs on AWS only.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createGunzip } from "node:zlib";
import { CreateVolumeCommand, DescribeSnapshotsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import fc from "fast-check";
import { extract } from "tar-stream";
import { runTaskInput, snapshotVolume } from "../automation/environments/ecsSnapshotSteps";
import { dataVolumeOf, loaderState, snapshotPlacement, taskVerdict } from "../automation/environments/ecsSnapshotAnswers";
import { dumpFromBucket, removeDump } from "../automation/environments/ecsSnapshotDump";
import { motoClient, useMoto } from "../harness/s3";
import { dumpPrefix } from "../rules/ecsSnapshot";

/** The layer's entries: name → content (directories as ""). */
async function entriesOf(file: string): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const ex = extract();
    fs.createReadStream(file).pipe(createGunzip()).pipe(ex);
    for await (const entry of ex) {
        const chunks: Buffer[] = [];
        for await (const c of entry) chunks.push(c as Buffer);
        found.set(entry.header.name, Buffer.concat(chunks).toString("utf8"));
    }
    return found;
}

describe("@engine ECS snapshots' dump and volume snapshot, on moto's S3 and EC2", function () {
    this.timeout(60_000);
    const moto = useMoto();
    const s3 = () => new S3Client({ ...motoClient(moto()), forcePathStyle: true });
    let bucket = "";
    let n = 0;
    let dir = "";

    beforeEach(async () => {
        bucket = `vnv-dumps-test-${++n}`;
        await s3().send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: "eu-central-1" } }));
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-ecs-dump-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    async function put(key: string, body: string) {
        await s3().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    }

    it("the objects the task left under its prefix become the layer's /dataset, byte for byte, replacing the base dataset's whole", async () => {
        const prefix = dumpPrefix("v1-2-3.20261203-101500");
        await put(`${prefix}neo4j.dump`, "graph bytes\n");
        await put(`${prefix}meta/version`, "5.26\n");
        await put("dumps/another/neo4j.dump", "not this one\n");
        const layer = await dumpFromBucket(s3(), bucket, prefix, path.join(dir, "layer.tar.gz"));
        assert.equal(layer.files, 2);
        assert.equal(layer.bytes, "graph bytes\n".length + "5.26\n".length);
        const entries = await entriesOf(path.join(dir, "layer.tar.gz"));
        assert.equal(entries.get("dataset/neo4j.dump"), "graph bytes\n");
        assert.equal(entries.get("dataset/meta/version"), "5.26\n");
        assert.ok(entries.has("dataset/.wh..wh..opq"), "an opaque whiteout first: nothing of the base dataset survives");
        assert.ok(![...entries.keys()].some((k) => k.includes("another")));
    });

    it("an object whose name climbs out of the dump (`..`) is refused: nothing becomes a layer", async () => {
        const prefix = dumpPrefix("bad-name");
        await put(`${prefix}ok`, "fine\n");
        await put(`${prefix}a/../../etc/passwd`, "root::0:0\n");
        await assert.rejects(dumpFromBucket(s3(), bucket, prefix, path.join(dir, "layer.tar.gz")), /not a plain name under vnv-dump\/.*nothing was pushed/s);
    });

    it("more objects than the limits allow: refused from the listing, before any is read", async () => {
        const prefix = dumpPrefix("too-many");
        for (const k of ["a", "b", "c"]) await put(`${prefix}${k}`, k);
        await assert.rejects(
            dumpFromBucket(s3(), bucket, prefix, path.join(dir, "layer.tar.gz"), { entries: 2, bytes: 1024, path: 1024 }),
            /more than 2 objects or 1024 bytes; nothing was pushed/,
        );
        assert.equal(fs.existsSync(path.join(dir, "layer.tar.gz")), false);
    });

    it("a prefix with nothing under it (the task wrote no dump): refused, saying so", async () => {
        await assert.rejects(
            dumpFromBucket(s3(), bucket, dumpPrefix("empty"), path.join(dir, "layer.tar.gz")),
            /holds no dump: the snapshot task wrote nothing/,
        );
    });

    it("the dump is removed afterwards, and only the dump", async () => {
        const prefix = dumpPrefix("gone");
        for (const k of ["x", "y/z"]) await put(`${prefix}${k}`, k);
        await put("dumps/kept/x", "kept");
        await removeDump(s3(), bucket, prefix);
        const left = (await s3().send(new ListObjectsV2Command({ Bucket: bucket }))).Contents?.map((o) => o.Key);
        assert.deepEqual(left, ["dumps/kept/x"]);
    });

    it("the database's volume is snapshotted to completion, tagged with the environment and the dataset tag it becomes", async () => {
        const ec2 = new EC2Client(motoClient(moto()));
        const volume = (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: "eu-central-1a", Size: 20, VolumeType: "gp3" }))).VolumeId!;
        const lines: string[] = [];
        const id = await snapshotVolume(
            ec2,
            volume,
            { project: "vnv", environment: "v1-2-3", tag: "v1-2-3.20261203-101500" },
            { pollMs: 10, timeoutMs: 10_000, log: (l) => lines.push(l) },
        );
        const [snap] = (await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [id] }))).Snapshots ?? [];
        assert.equal(snap?.VolumeId, volume);
        assert.equal(snap?.State, "completed");
        assert.deepEqual(
            Object.fromEntries((snap?.Tags ?? []).map((t) => [t.Key, t.Value])),
            { "vnv:project": "vnv", "vnv:environment": "v1-2-3", "vnv:snapshot": "v1-2-3.20261203-101500" },
            "tagged as the environment's resources are, so env orphans finds one left behind",
        );
    });
});

const TASK_ARN = "arn:aws:ecs:eu-central-1:123456789012:task/vnv/0123456789abcdef0123456789abcdef";

describe("ECS snapshots: what AWS answers is hostile input", () => {
    const ebs = (volumeId: string) => ({
        type: "AmazonElasticBlockStorage",
        status: "ATTACHED",
        details: [
            { name: "roleArn", value: "arn:aws:iam::123456789012:role/vnv-volumes" },
            { name: "volumeName", value: "data" },
            { name: "volumeId", value: volumeId },
            { name: "deleteOnTermination", value: "true" },
        ],
    });
    const eni = { type: "ElasticNetworkInterface", details: [{ name: "subnetId", value: "subnet-0123456789abcdef0" }] };

    it("the database's volume is the task's one AmazonElasticBlockStorage attachment's volumeId", () => {
        assert.equal(dataVolumeOf({ taskArn: TASK_ARN, attachments: [eni, ebs("vol-0123456789abcdef0")] }), "vol-0123456789abcdef0");
    });

    it("a task without an EBS volume (started before its data moved to EBS) is refused, saying that moving it starts the database again from its dataset", () => {
        assert.throws(
            () => dataVolumeOf({ taskArn: TASK_ARN, attachments: [eni] }),
            /has no EBS volume: it was started before its data moved to EBS.*`vnv env up` again moves it there, but starts its database again from its dataset \(what was written since it was loaded is lost\)/,
        );
    });

    it("two EBS volumes, or a volume id that is not one, are refused", () => {
        assert.throws(
            () => dataVolumeOf({ taskArn: TASK_ARN, attachments: [ebs("vol-0123456789abcdef0"), ebs("vol-0123456789abcdef1")] }),
            /no single EBS volume id/,
        );
        assert.throws(() => dataVolumeOf({ taskArn: TASK_ARN, attachments: [ebs("vol-\u001b[31mred")] }), /no single EBS volume id/);
    });

    it("the task did its work only when it stopped with the dump and the upload both exited 0", () => {
        const containers = (dump: number | undefined, upload: number | undefined) => [
            { name: "dump", ...(dump === undefined ? {} : { exitCode: dump }) },
            { name: "upload", ...(upload === undefined ? {} : { exitCode: upload }) },
        ];
        assert.deepEqual(taskVerdict({ lastStatus: "STOPPED", containers: containers(0, 0) }), { ok: true });
        assert.deepEqual(taskVerdict({ lastStatus: "RUNNING", containers: containers(0, 0) }), { ok: false, why: "it is RUNNING" });
        const failed = taskVerdict({
            lastStatus: "STOPPED",
            stopCode: "EssentialContainerExited",
            stoppedReason: "Essential container in task exited",
            containers: [
                { name: "dump", exitCode: 3, reason: "neo4j-admin: store needs recovery" },
                { name: "upload", exitCode: 143 },
            ],
        });
        assert.deepEqual(failed, {
            ok: false,
            why: "dump exited 3 (neo4j-admin: store needs recovery), upload exited 143; ECS: Essential container in task exited",
        });
        assert.deepEqual(taskVerdict({ lastStatus: "STOPPED", containers: containers(0, undefined) }), { ok: false, why: "upload never ran to an end" });
    });

    it("what a container or ECS says is printed as text: a terminal escape in a reason is not passed through", () => {
        const v = taskVerdict({ lastStatus: "STOPPED", containers: [{ name: "dump", exitCode: 1, reason: "\u001b]0;owned\u0007x" }, { name: "upload" }] });
        assert.equal(v.ok, false);
        const why = v.ok ? "" : v.why;
        assert.ok(!why.includes("\u001b") && !why.includes("\u0007"), why);
    });

    it("the dataset was loaded when the database's running task's loader exited 0; failed, naming its code, when it exited otherwise; loading before", () => {
        const task = (exitCode: number | undefined, reason?: string) => ({
            taskArn: TASK_ARN,
            lastStatus: "RUNNING",
            containers: [
                {
                    name: "neo4j-dataset",
                    lastStatus: exitCode === undefined ? "RUNNING" : "STOPPED",
                    ...(exitCode === undefined ? {} : { exitCode }),
                    ...(reason ? { reason } : {}),
                },
                { name: "neo4j" },
            ],
        });
        assert.equal(loaderState([task(0)], "neo4j-dataset").state, "loaded");
        assert.deepEqual(loaderState([task(2, "no space left")], "neo4j-dataset"), {
            state: "failed",
            detail: "task 0123456789abcdef0123456789abcdef: neo4j-dataset exited 2 (no space left)",
        });
        assert.equal(loaderState([task(undefined)], "neo4j-dataset").state, "loading");
    });

    it("no running database task, or two (a deployment): unknown, saying how many", () => {
        assert.deepEqual(loaderState([], "neo4j-dataset"), { state: "unknown", detail: "the database has 0 running task(s), not one" });
        const t = { taskArn: TASK_ARN, lastStatus: "RUNNING", containers: [] };
        assert.equal(loaderState([t, t], "neo4j-dataset").detail, "the database has 2 running task(s), not one");
    });

    const placement = {
        taskDefinition: "arn:aws:ecs:eu-central-1:123456789012:task-definition/vnv-v1-2-3-rc-1-snapshot:3",
        bucket: "studio-app-dumps-1-2-3-rc-1",
        volumeRole: "arn:aws:iam::123456789012:role/vnv-services-volumes-role",
        volumeSizeInGb: 20,
        subnets: ["subnet-0123456789abcdef0"],
        securityGroups: ["sg-0123456789abcdef0"],
        assignPublicIp: false,
    };

    it("the snapshot task runs on Fargate in the environment's network, its data volume made from the EBS snapshot by the volume role and deleted with it, the uploader told where to write, the task and volume tagged for the environment", () => {
        const input = runTaskInput(
            { cluster: "arn:aws:ecs:eu-central-1:123456789012:cluster/vnv", where: placement, project: "vnv", environment: "v1-2-3-rc-1" },
            "snap-0123456789abcdef0",
            "s3://b/dumps/t/",
        );
        const tags = [
            { key: "vnv:project", value: "vnv" },
            { key: "vnv:environment", value: "v1-2-3-rc-1" },
        ];
        assert.deepEqual(input, {
            cluster: "arn:aws:ecs:eu-central-1:123456789012:cluster/vnv",
            taskDefinition: placement.taskDefinition,
            launchType: "FARGATE",
            count: 1,
            startedBy: "vnv-snapshot",
            tags,
            networkConfiguration: { awsvpcConfiguration: { subnets: placement.subnets, securityGroups: placement.securityGroups, assignPublicIp: "DISABLED" } },
            overrides: { containerOverrides: [{ name: "upload", environment: [{ name: "VNV_SNAPSHOT_TARGET", value: "s3://b/dumps/t/" }] }] },
            volumeConfigurations: [
                {
                    // The task definition's volume configured at launch (ECS API reference, RunTask volumeConfigurations: the names must match).
                    name: "data",
                    managedEBSVolume: {
                        snapshotId: "snap-0123456789abcdef0",
                        roleArn: placement.volumeRole,
                        volumeType: "gp3",
                        // The file system the snapshot holds (the service's volume's): another would not mount.
                        filesystemType: "ext4",
                        terminationPolicy: { deleteOnTermination: true },
                        tagSpecifications: [{ resourceType: "volume", tags }],
                    },
                },
            ],
        });
    });

    it("the stack's ecs.snapshot output reads back as itself; a stack without it has none", () => {
        assert.deepEqual(snapshotPlacement("v1-2-3-rc-1", { cluster: "x", snapshot: placement }), placement);
        assert.equal(snapshotPlacement("v1-2-3-rc-1", { cluster: "x" }), undefined);
    });

    it("any field of ecs.snapshot replaced by a value of another shape is refused, naming the field (property)", () => {
        // Values no field accepts in that place: escapes and spaces in strings, sizes out of 1–16384, other types.
        const hostile = fc.oneof(
            fc.string({ maxLength: 300 }).map((s) => `${s} \u001b`),
            fc.integer({ min: 16385 }),
            fc.integer({ max: 0 }),
            fc.boolean(),
            fc.constant(null),
            fc.array(fc.integer(), { minLength: 1, maxLength: 20 }),
            fc.object(),
        );
        fc.assert(
            fc.property(fc.constantFrom(...Object.keys(placement)), hostile, (field, value) => {
                fc.pre(!(field === "assignPublicIp" && typeof value === "boolean"));
                const bad = { ...placement, [field]: value };
                let named = "";
                try {
                    snapshotPlacement("v1-2-3-rc-1", { snapshot: bad });
                } catch (e) {
                    named = (e as Error).message;
                }
                return named.includes(`(${field} `);
            }),
        );
    });
});
