/**
 * `vnv env snapshot` on ECS: what an environment made from a dataset carries so that its
 * database can be captured as a new dataset without being stopped.
 *
 * Neo4j Community has no online backup, and its dump wants the database stopped, which on
 * Fargate ends the task and the data in it. So the database's data lives on an ECS-managed EBS
 * volume (one per task, made by ECS with the environment's volume role, deleted with the task),
 * and a snapshot is taken in three steps, none of which stops the database:
 *
 * 1. an EBS snapshot of the running task's volume (crash-consistent: what a power cut leaves,
 *    which Neo4j's transaction log recovers; the dataset image's `dump` recovers it first);
 * 2. a one-off task of the environment's snapshot task definition, its data volume made from
 *    that EBS snapshot: the dataset image runs `dump` into a task volume and exits (not
 *    essential: ECS refuses a SUCCESS dependency on an essential container), then the uploader
 *    (the AWS CLI) copies the dump into the environment's private snapshot bucket, under a
 *    prefix of its own;
 * 3. vnv reads the objects back (hostile: every name passes rules/datasets.ts snapshotPath, within
 *    DUMP_LIMITS), makes them one layer on the dataset image and pushes it under a new tag, then
 *    deletes the objects and the EBS snapshot.
 *
 * Pure module: no `@pulumi/*` import.
 */
import { DATASET_VARIABLES, datasetEnvironment, DUMP_PATH, type PinnedDataset } from "./datasets";

/** The database's data volume, configured at launch (by the service, or by the snapshot's RunTask). */
export const EBS_DATA_VOLUME = "data";
/** The dump's task volume (the task's own storage: it is gone with the task). */
export const DUMP_VOLUME = "dump";
/** The uploader's scratch space (`/tmp`). */
export const SCRATCH_VOLUME = "scratch";
/** The snapshot task's log group's last part (`/ecs/<project>/<environment>/snapshot`): no service of a dataset environment may take it. */
export const SNAPSHOT_LOGS = "snapshot";
/** The snapshot task's containers. */
export const SNAPSHOT_CONTAINERS = { dump: "dump", upload: "upload" } as const;
/** The uploader's variable naming where the dump goes (`s3://bucket/prefix/`), set by vnv's RunTask. */
export const SNAPSHOT_TARGET_VARIABLE = "VNV_SNAPSHOT_TARGET";

/**
 * The uploader: the AWS CLI v2 from ECR Public (never Docker Hub: no anonymous pull limit),
 * pinned by digest. The reference is the one published for tag 2.31.23; this machine cannot
 * reach ECR Public to check it, so `vnv release check` does not cover it either.
 */
export const SNAPSHOT_UPLOADER = "public.ecr.aws/aws-cli/aws-cli:2.31.23@sha256:668ffb01408e03e1002b36886797c1a97b09f7d0f02fba3123f9fcd68a081dc5";

/**
 * The data volume's size and kind: gp3 (3000 IOPS and 125 MiB/s included, the cheapest SSD), ext4,
 * encrypted with the account's EBS key. Sizes: 1–16384 GiB for gp3 (ECS API reference,
 * ServiceManagedEBSVolumeConfiguration.sizeInGiB).
 */
export const DATA_VOLUME_DEFAULTS = { sizeInGb: 20, volumeType: "gp3", fileSystemType: "ext4", encrypted: true } as const;
export const DATA_VOLUME_SIZE = { min: 1, max: 16384 } as const;

/** The managed policy ECS's infrastructure role needs to make, attach and delete task volumes (AWS managed policy reference). */
export const VOLUME_ROLE_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSInfrastructureRolePolicyForVolumes";

/** Where snapshots' dumps go in the snapshot bucket. */
export const SNAPSHOT_PREFIX = "dumps/";

/** The snapshot task's role: it may write dumps into its bucket's prefix, nothing else. */
export function snapshotTaskPolicy(bucketArn: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        // PutObject covers a multipart upload's parts (what `aws s3 cp` does for large files); AbortMultipartUpload lets it clean up after itself.
        Statement: [{ Sid: "WriteDumps", Effect: "Allow", Action: ["s3:PutObject", "s3:AbortMultipartUpload"], Resource: `${bucketArn}/${SNAPSHOT_PREFIX}*` }],
    });
}

/** The prefix one snapshot's dump goes under: `dumps/<tag>/` (a tag is letters, digits and _ . -). */
export function dumpPrefix(tag: string): string {
    if (!/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(tag)) {
        throw new Error(`dumpPrefix: ${JSON.stringify(tag.slice(0, 140))} is not a dataset tag`);
    }
    return `${SNAPSHOT_PREFIX}${tag}/`;
}

/** What the snapshot task's containers are made of, before ECS's own keys (logs, pull credentials). */
export interface SnapshotContainers {
    readonly dump: object;
    readonly upload: object;
}

/**
 * The snapshot task's two containers. The dump: the environment's dataset image with `dump`, the
 * data volume at the database's data path and the dump volume at {@link DUMP_PATH}, a read-only
 * root (Security Hub ECS.5), not essential. The upload: starts only once the dump exited 0
 * (`SUCCESS`), reads the dump volume read-only, copies it to `$VNV_SNAPSHOT_TARGET`; essential,
 * so its end ends the task.
 */
export function snapshotContainers(dataset: PinnedDataset, dataPath: string): SnapshotContainers {
    const dump = {
        name: SNAPSHOT_CONTAINERS.dump,
        image: `${dataset.image}@${dataset.digest}`,
        essential: false,
        command: ["dump"],
        readonlyRootFilesystem: true,
        // No Linux capability: it reads and writes files (as the Docker target runs it: --cap-drop ALL).
        linuxParameters: { capabilities: { drop: ["ALL"] } },
        mountPoints: [
            { sourceVolume: EBS_DATA_VOLUME, containerPath: dataPath, readOnly: false },
            { sourceVolume: DUMP_VOLUME, containerPath: DUMP_PATH, readOnly: false },
        ],
        environment: [...datasetEnvironment(dataset, dataPath), { name: DATASET_VARIABLES.dumpPath, value: DUMP_PATH }],
    };
    const upload = {
        name: SNAPSHOT_CONTAINERS.upload,
        image: SNAPSHOT_UPLOADER,
        essential: true,
        dependsOn: [{ containerName: SNAPSHOT_CONTAINERS.dump, condition: "SUCCESS" }],
        // The image's entrypoint is `aws`; the target comes from vnv's RunTask (containerOverrides).
        entryPoint: ["/bin/sh", "-c"],
        command: [`exec aws s3 cp --recursive --only-show-errors ${DUMP_PATH}/ "$${SNAPSHOT_TARGET_VARIABLE}"`],
        // A read-only root with a scratch /tmp for the CLI (HOME there too), no Linux capability.
        readonlyRootFilesystem: true,
        linuxParameters: { capabilities: { drop: ["ALL"] } },
        mountPoints: [
            { sourceVolume: DUMP_VOLUME, containerPath: DUMP_PATH, readOnly: true },
            { sourceVolume: SCRATCH_VOLUME, containerPath: "/tmp", readOnly: false },
        ],
        environment: [{ name: "HOME", value: "/tmp" }],
    };
    return { dump, upload };
}
