/**
 * What an environment made from a dataset carries for `vnv env snapshot` on ECS
 * (rules/ecsSnapshot.ts), under the strict mocks: the database's data on an ECS-managed EBS
 * volume, the snapshot bucket, the one-off task definition and its roles. The stack's `ecs`
 * output says where a snapshot runs, and vnv reads it back.
 */
// The mocks first: they are set when this module loads, before any program code runs.
import { ofType, outputValue, type Recorded, run, T } from "../harness/mocks";
import { strict as assert } from "node:assert";
import { snapshotPlacement } from "../automation/environments/ecsSnapshotAnswers";
import { ephemeralRaw } from "../harness/fixtures";
import { defineEnvironment } from "../infra/environment";
import { type EnvironmentSettings, parseSettings } from "../infra/settings";
import { SNAPSHOT_UPLOADER, VOLUME_ROLE_POLICY } from "../rules/ecsSnapshot";

const DATASET = { image: "ghcr.io/infrasoftbe/infrasoft-vnv-dataset", tag: "2026.11", digest: `sha256:${"d".repeat(64)}` };

function settings(dataset: boolean): EnvironmentSettings {
    const raw = ephemeralRaw("v1.2.3-rc.1");
    return parseSettings(dataset ? { ...raw, database: { ...(raw.database as object), dataset: DATASET } } : raw, { project: "vnv", region: "eu-central-1" });
}

// biome-ignore lint/suspicious/noExplicitAny: ECS container definitions are untyped JSON
type Json = any;

interface Rendered {
    readonly resources: Recorded[];
    readonly ecs: Json;
}

async function render(dataset: boolean): Promise<Rendered> {
    const { result, resources } = await run(() => defineEnvironment(settings(dataset)));
    return { resources, ecs: await outputValue(result.ecs) };
}

const named = (resources: readonly Recorded[], type: string, suffix: string) => {
    const found = ofType(resources, type).filter((r) => r.name.endsWith(suffix));
    assert.equal(found.length, 1, `one ${type} named …${suffix}, found ${found.map((r) => r.name).join(", ") || "none"}`);
    return found[0]!;
};

const containers = (td: Recorded): Json[] => JSON.parse(td.inputs.containerDefinitions);

describe("ECS snapshots: a database loaded from a dataset", () => {
    let withDataset: Rendered;
    let without: Rendered;
    before(async () => {
        withDataset = await render(true);
        without = await render(false);
    });

    it("keeps its data on an EBS volume ECS makes for each task: the task volume data is configured at launch and the service gives it (gp3, ext4, encrypted, tagged like the service)", () => {
        const td = named(withDataset.resources, T.taskDefinition, "-services-neo4j");
        assert.deepEqual(
            (td.inputs.volumes as Json[]).filter((v) => v.name === "data"),
            [{ name: "data", configureAtLaunch: true }],
        );
        const service = named(withDataset.resources, T.service, "-services-neo4j");
        const volume = service.inputs.volumeConfiguration;
        assert.equal(volume.name, "data");
        const { roleArn, ...rest } = volume.managedEbsVolume;
        assert.match(roleArn, /^arn:aws:iam::\d{12}:role\//);
        assert.deepEqual(rest, {
            sizeInGb: 20,
            volumeType: "gp3",
            fileSystemType: "ext4",
            encrypted: true,
            tagSpecifications: [{ resourceType: "volume", propagateTags: "SERVICE" }],
        });
    });

    it("the volume role is assumed by ECS only, from this account, and holds AmazonECSInfrastructureRolePolicyForVolumes; the database's service waits for it", () => {
        const role = named(withDataset.resources, T.role, "-volumes");
        const trust = JSON.parse(role.inputs.assumeRolePolicy);
        assert.deepEqual(trust.Statement[0].Principal, { Service: "ecs.amazonaws.com" });
        assert.ok(trust.Statement[0].Condition.StringEquals["aws:SourceAccount"]);
        const grant = named(withDataset.resources, T.attachment, "-volumes-policy");
        assert.equal(grant.inputs.policyArn, VOLUME_ROLE_POLICY);
        assert.ok(named(withDataset.resources, T.service, "-services-neo4j").dependencies.includes(grant.urn));
    });

    it("the other services keep what they had: no volume configured at launch", () => {
        for (const s of ofType(withDataset.resources, T.service).filter((r) => !r.name.endsWith("-services-neo4j"))) {
            assert.equal(s.inputs.volumeConfiguration, undefined, s.name);
        }
    });

    it("the snapshot task: the dataset image's dump (not essential, read-only root, the data volume at /data, the dump volume), then the uploader once the dump exited 0 (essential, the dump read-only, a scratch /tmp)", () => {
        const td = named(withDataset.resources, T.taskDefinition, "-snapshots-task");
        assert.deepEqual(td.inputs.volumes, [{ name: "data", configureAtLaunch: true }, { name: "dump" }, { name: "scratch" }]);
        const [dump, upload] = containers(td);
        assert.equal(dump.name, "dump");
        assert.equal(dump.image, `${DATASET.image}@${DATASET.digest}`);
        assert.deepEqual(dump.command, ["dump"]);
        assert.equal(dump.essential, false);
        assert.equal(dump.readonlyRootFilesystem, true);
        assert.deepEqual(dump.linuxParameters, { capabilities: { drop: ["ALL"] } });
        assert.deepEqual(dump.mountPoints, [
            { sourceVolume: "data", containerPath: "/data", readOnly: false },
            { sourceVolume: "dump", containerPath: "/vnv-dump", readOnly: false },
        ]);
        assert.equal(upload.name, "upload");
        assert.equal(upload.image, SNAPSHOT_UPLOADER);
        assert.equal(upload.essential, true);
        assert.deepEqual(upload.dependsOn, [{ containerName: "dump", condition: "SUCCESS" }]);
        assert.equal(upload.readonlyRootFilesystem, true);
        assert.deepEqual(upload.linuxParameters, { capabilities: { drop: ["ALL"] } });
        assert.deepEqual(upload.mountPoints, [
            { sourceVolume: "dump", containerPath: "/vnv-dump", readOnly: true },
            { sourceVolume: "scratch", containerPath: "/tmp", readOnly: false },
        ]);
    });

    it("the dump gets the dataset's own variables and where to write, and the uploader copies that place to $VNV_SNAPSHOT_TARGET", () => {
        const [dump, upload] = containers(named(withDataset.resources, T.taskDefinition, "-snapshots-task"));
        assert.deepEqual(Object.fromEntries((dump.environment as Json[]).map((e) => [e.name, e.value])), {
            VNV_DATASET: DATASET.tag,
            VNV_DATASET_DIGEST: DATASET.digest,
            VNV_DATA_PATH: "/data",
            VNV_DUMP_PATH: "/vnv-dump",
        });
        assert.deepEqual(upload.entryPoint, ["/bin/sh", "-c"]);
        assert.match(upload.command[0], /^exec aws s3 cp --recursive --only-show-errors \/vnv-dump\/ "\$VNV_SNAPSHOT_TARGET"$/);
    });

    it("the dump's task storage holds the dataset image and the dump, each up to the data volume (41 GiB for 20), and the task is the database's size", () => {
        const td = named(withDataset.resources, T.taskDefinition, "-snapshots-task");
        const db = named(withDataset.resources, T.taskDefinition, "-services-neo4j");
        assert.deepEqual(td.inputs.ephemeralStorage, { sizeInGib: 41 });
        assert.equal(td.inputs.cpu, db.inputs.cpu);
        assert.equal(td.inputs.memory, db.inputs.memory);
    });

    it("the snapshot task's role may put objects (and abort its own uploads) under dumps/ of the snapshot bucket, nothing else", () => {
        const policy = JSON.parse(named(withDataset.resources, T.rolePolicy, "-snapshots-task-write").inputs.policy);
        assert.equal(policy.Statement.length, 1);
        assert.deepEqual(policy.Statement[0].Action, ["s3:PutObject", "s3:AbortMultipartUpload"]);
        assert.match(policy.Statement[0].Resource, /^arn:aws:s3:::vnv-dumps-1-2-3-rc-1\/dumps\/\*$|^arn:.*\/dumps\/\*$/);
    });

    it("the snapshot bucket is private (public access blocked, TLS only), its objects and cut-off uploads expire after a day, and it goes with the stack", () => {
        const bucket = named(withDataset.resources, T.bucket, "-snapshots-bucket-bucket");
        assert.match(bucket.inputs.bucket, /-dumps-1-2-3-rc-1$/);
        assert.equal(bucket.inputs.forceDestroy, true);
        const block = named(withDataset.resources, T.accessBlock, "-snapshots-bucket-access");
        assert.deepEqual(
            [block.inputs.blockPublicAcls, block.inputs.ignorePublicAcls, block.inputs.blockPublicPolicy, block.inputs.restrictPublicBuckets],
            [true, true, true, true],
        );
        const lifecycle = named(withDataset.resources, T.lifecycle, "-snapshots-bucket-expiration");
        assert.equal(lifecycle.inputs.rules[0].expiration.days, 1);
        assert.deepEqual(lifecycle.inputs.rules[0].abortIncompleteMultipartUpload, { daysAfterInitiation: 1 }, "an upload cut off halfway leaves no parts");
        const policy = JSON.parse(named(withDataset.resources, T.bucketPolicy, "-snapshots-bucket-policy").inputs.policy);
        assert.deepEqual(
            policy.Statement.map((s: Json) => s.Sid),
            ["TlsOnly"],
        );
    });

    it("the stack's ecs output says where a snapshot runs, and vnv reads it back", () => {
        const read = snapshotPlacement("v1-2-3-rc-1", withDataset.ecs);
        assert.ok(read !== undefined);
        assert.equal(read.volumeSizeInGb, 20);
        assert.equal(read.assignPublicIp, false);
        assert.ok(read.subnets.length > 0 && read.securityGroups.length === 1);
    });

    it("without a dataset nothing of it exists: task storage as before, no snapshot task, bucket or volume role, no ecs.snapshot", () => {
        const td = named(without.resources, T.taskDefinition, "-services-neo4j");
        assert.ok(!((td.inputs.volumes ?? []) as Json[]).some((v) => v.configureAtLaunch === true));
        assert.equal(named(without.resources, T.service, "-services-neo4j").inputs.volumeConfiguration, undefined);
        assert.deepEqual(
            [...without.resources].filter((r) => /-snapshots-|-volumes/.test(r.name)).map((r) => r.name),
            [],
        );
        assert.equal(snapshotPlacement("v1-2-3-rc-1", without.ecs), undefined);
    });
});
