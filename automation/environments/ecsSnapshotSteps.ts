/**
 * The AWS steps of a snapshot on ECS (automation/environments/ecsSnapshot.ts) that stand on their
 * own: the EBS snapshot of the database's volume, the RunTask request of the one-off task, and
 * the bounded wait both use.
 */
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { RunTaskCommandInput } from "@aws-sdk/client-ecs";
import { DATA_VOLUME_DEFAULTS, EBS_DATA_VOLUME, SNAPSHOT_CONTAINERS, SNAPSHOT_TARGET_VARIABLE } from "../../rules/ecsSnapshot";
import { terminalLines } from "../../rules/terminal";
import { OperationError } from "../errors";
import { SNAPSHOT_STARTED_BY, type SnapshotPlacement } from "./ecsSnapshotAnswers";

/** How long and how often AWS is asked, and where progress goes. */
export interface Waiting {
    readonly pollMs: number;
    readonly timeoutMs: number;
    readonly log: (line: string) => void;
    /** Told what was made as soon as it exists (so it is removed even when the wait fails). */
    readonly made?: (id: string) => void;
}

/**
 * A completed EBS snapshot of `volume`, tagged with the dataset tag it becomes and, as every
 * resource of the environment, its project and environment (so `env orphans` names one a killed
 * vnv left behind once the environment is gone).
 */
export async function snapshotVolume(
    ec2: EC2Client,
    volume: string,
    tags: { project: string; environment: string; tag: string },
    wait: Waiting,
): Promise<string> {
    const { CreateSnapshotCommand, DescribeSnapshotsCommand } = require("@aws-sdk/client-ec2") as typeof import("@aws-sdk/client-ec2");
    const made = await ec2.send(
        new CreateSnapshotCommand({
            VolumeId: volume,
            Description: `vnv env snapshot ${tags.tag}`.slice(0, 255),
            TagSpecifications: [
                {
                    ResourceType: "snapshot",
                    Tags: [
                        { Key: "vnv:project", Value: tags.project },
                        { Key: "vnv:environment", Value: tags.environment },
                        { Key: "vnv:snapshot", Value: tags.tag },
                    ],
                },
            ],
        }),
    );
    const id = made.SnapshotId ?? "";
    if (!/^snap-[0-9a-f]{8,17}$/.test(id)) {
        throw new OperationError(`EC2 answered no snapshot id for ${volume}`);
    }
    wait.made?.(id);
    await poll(wait, `EBS snapshot ${id}`, async () => {
        const s = (await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [id] }))).Snapshots?.[0];
        if (s?.State === "error") {
            throw new OperationError(`EBS snapshot ${id} of ${volume} failed: ${terminalLines(String(s.StateMessage ?? "").slice(0, 300))}`);
        }
        return s?.State === "completed" ? true : `${terminalLines(String(s?.Progress ?? "0%").slice(0, 8))}`;
    });
    return id;
}

/**
 * The RunTask request of one snapshot: the environment's snapshot task definition on Fargate, in
 * the environment's subnets and security group, its data volume made from `snapshot` by the
 * volume role (deleted with the task), the uploader told where to write; the task and the volume
 * tagged as the environment's resources are (so `env orphans` names one left behind).
 */
export function runTaskInput(
    o: { cluster: string; where: SnapshotPlacement; project: string; environment: string },
    snapshot: string,
    target: string,
): RunTaskCommandInput {
    const { where } = o;
    const { volumeType, fileSystemType } = DATA_VOLUME_DEFAULTS;
    const tags = [
        { key: "vnv:project", value: o.project },
        { key: "vnv:environment", value: o.environment },
    ];
    return {
        cluster: o.cluster,
        taskDefinition: where.taskDefinition,
        launchType: "FARGATE",
        count: 1,
        startedBy: SNAPSHOT_STARTED_BY,
        tags,
        networkConfiguration: {
            awsvpcConfiguration: {
                subnets: [...where.subnets],
                securityGroups: [...where.securityGroups],
                assignPublicIp: where.assignPublicIp ? "ENABLED" : "DISABLED",
            },
        },
        overrides: { containerOverrides: [{ name: SNAPSHOT_CONTAINERS.upload, environment: [{ name: SNAPSHOT_TARGET_VARIABLE, value: target }] }] },
        volumeConfigurations: [
            {
                name: EBS_DATA_VOLUME,
                managedEBSVolume: {
                    snapshotId: snapshot,
                    roleArn: where.volumeRole,
                    volumeType,
                    filesystemType: fileSystemType,
                    terminationPolicy: { deleteOnTermination: true },
                    tagSpecifications: [{ resourceType: "volume", tags }],
                },
            },
        ],
    };
}

/** Asks `check` every pollMs until it answers true, logging what it says otherwise; an OperationError after timeoutMs. */
export async function poll(run: Waiting, what: string, check: () => Promise<true | string>): Promise<void> {
    const deadline = Date.now() + run.timeoutMs;
    let said = "";
    for (;;) {
        const answer = await check();
        if (answer === true) {
            return;
        }
        if (answer !== said) {
            run.log(`${what}: ${answer}`);
            said = answer;
        }
        if (Date.now() > deadline) {
            throw new OperationError(`${what} did not end within ${Math.round(run.timeoutMs / 60_000)} min (last: ${answer})`);
        }
        await new Promise((resolve) => setTimeout(resolve, run.pollMs));
    }
}
