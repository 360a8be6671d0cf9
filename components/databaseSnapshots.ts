import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { LogBucket } from "./logBucket";
import type { PinnedDataset } from "../rules/datasets";
import {
    DUMP_VOLUME,
    EBS_DATA_VOLUME,
    SCRATCH_VOLUME,
    SNAPSHOT_CONTAINERS,
    SNAPSHOT_LOGS,
    snapshotContainers,
    snapshotTaskPolicy,
    VOLUME_ROLE_POLICY,
} from "../rules/ecsSnapshot";
import { ecsInfrastructureTrustPolicy, ecsTasksTrustPolicy } from "../rules/iamPolicies";
import { logGroupName, roleLogicalName } from "../rules/naming";

/** ECS's infrastructure role for the database's EBS volumes, with the managed policy it needs; the services wait for `grant`. */
export function ecsVolumeRole(name: string, environment: string, parent: pulumi.Resource): { role: aws.iam.Role; grant: aws.iam.RolePolicyAttachment } {
    const assume = aws.getCallerIdentityOutput({}, { parent }).accountId.apply(ecsInfrastructureTrustPolicy);
    const role = new aws.iam.Role(
        roleLogicalName(name, "volumes"),
        { assumeRolePolicy: assume, description: `ECS-managed EBS volumes of ${environment}` },
        { parent },
    );
    const grant = new aws.iam.RolePolicyAttachment(`${name}-volumes-policy`, { role: role.name, policyArn: VOLUME_ROLE_POLICY }, { parent });
    return { role, grant };
}

/** Arguments of {@link DatabaseSnapshots}. */
export interface DatabaseSnapshotsArgs {
    readonly project: string;
    readonly environment: string;
    readonly region: pulumi.Input<string>;
    /** The private bucket dumps pass through (rules/naming.ts dumpBucketName). */
    readonly bucketName: string;
    /** The dataset the database was made from: its image's `dump` makes the snapshot. */
    readonly dataset: PinnedDataset;
    /** Where the database keeps its data (the dump mounts the volume there). */
    readonly dataPath: string;
    /** The database's size: the dump runs with as much. */
    readonly cpu: number;
    readonly memory: number;
    /** The data volume's size (GiB): the dump's task storage is at least as large. */
    readonly volumeSizeInGb: number;
    /** The environment's execution role (pulls the images, reads the registry credentials, writes logs). */
    readonly executionRoleArn: pulumi.Input<string>;
    /** The pull credentials of the dataset's registry, when private. */
    readonly datasetCredentials?: pulumi.Input<string>;
    readonly logRetentionDays: number;
}

/**
 * What `vnv env snapshot` runs on ECS (rules/ecsSnapshot.ts): a private bucket the dump passes
 * through (TLS only, public access blocked, objects expire after a day: vnv deletes them once
 * pushed, the expiry catches a snapshot interrupted halfway), and the one-off task definition
 * (dump, then upload) whose role may write there and nowhere else. Nothing here runs until
 * `vnv env snapshot` starts a task.
 */
export class DatabaseSnapshots extends pulumi.ComponentResource {
    public readonly taskDefinitionArn: pulumi.Output<string>;
    public readonly bucketName: pulumi.Output<string>;

    constructor(name: string, args: DatabaseSnapshotsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vnv:components:DatabaseSnapshots", name, {}, opts);
        const child = { parent: this };
        const bucket = new LogBucket(`${name}-bucket`, { bucketName: args.bucketName, expirationDays: 1, forceDestroy: true }, child);
        const assume = aws.getCallerIdentityOutput({}, child).accountId.apply(ecsTasksTrustPolicy);
        const task = new aws.iam.Role(roleLogicalName(name, "task"), { assumeRolePolicy: assume, description: `Snapshots of ${args.environment}` }, child);
        const write = new aws.iam.RolePolicy(`${name}-task-write`, { role: task.name, policy: bucket.bucketArn.apply(snapshotTaskPolicy) }, child);
        const logs = new aws.cloudwatch.LogGroup(
            `${name}-logs`,
            { name: logGroupName(args.project, args.environment, SNAPSHOT_LOGS), retentionInDays: args.logRetentionDays },
            child,
        );
        const { dump, upload } = snapshotContainers(args.dataset, args.dataPath);
        const logsFor = (prefix: string) => ({
            logDriver: "awslogs",
            options: { "awslogs-group": logs.name, "awslogs-region": args.region, "awslogs-stream-prefix": prefix },
        });
        const credentials = args.datasetCredentials === undefined ? {} : { repositoryCredentials: { credentialsParameter: args.datasetCredentials } };
        const definition = new aws.ecs.TaskDefinition(
            `${name}-task`,
            {
                family: `${args.project}-${args.environment}-snapshot`.slice(0, 255),
                requiresCompatibilities: ["FARGATE"],
                networkMode: "awsvpc",
                cpu: String(args.cpu),
                memory: String(args.memory),
                executionRoleArn: args.executionRoleArn,
                taskRoleArn: task.arn,
                runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
                // The task's own storage holds its images (the dataset image carries a dataset, about the
                // data's size) and the dump (at most the data's size): twice the data volume and a GiB (Fargate: 21–200 GiB).
                ephemeralStorage: { sizeInGib: Math.min(200, Math.max(21, 2 * args.volumeSizeInGb + 1)) },
                volumes: [{ name: EBS_DATA_VOLUME, configureAtLaunch: true }, { name: DUMP_VOLUME }, { name: SCRATCH_VOLUME }],
                containerDefinitions: pulumi.jsonStringify([
                    { ...dump, ...credentials, logConfiguration: logsFor(SNAPSHOT_CONTAINERS.dump) },
                    { ...upload, logConfiguration: logsFor(SNAPSHOT_CONTAINERS.upload) },
                ]),
            },
            { parent: this, dependsOn: [write] },
        );
        this.taskDefinitionArn = definition.arn;
        this.bucketName = bucket.bucketName;
        this.registerOutputs({ taskDefinitionArn: this.taskDefinitionArn, bucketName: this.bucketName });
    }
}
