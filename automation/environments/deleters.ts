/**
 * The AWS calls that delete each kind of resource `env orphans --apply` deletes
 * (orphanSweep.ts), one SDK client per service, made when first needed. A resource already gone
 * counts as deleted. A bucket is emptied first (every version and delete marker, bounded).
 */
import { type AwsClientConfig, clientsFor } from "../aws";
import { OperationError } from "../errors";
import { terminalText } from "../../rules/terminal";
import { type Deleter, gone, type Kind, type Target } from "./orphanSweep";

/** A bucket with more objects than this is not an environment's frontend: left for a person. */
const MAX_OBJECTS = 100_000;

export function awsDeleters(config: AwsClientConfig): Record<Kind, Deleter> {
    const { ecs, elb, logs, cw, secrets, ec2, s3 } = clientsFor(config);
    const done = async (call: () => Promise<unknown>): Promise<void> => {
        try {
            await call();
        } catch (e) {
            if (!gone(e)) {
                throw e;
            }
        }
    };
    const ecsSdk = () => require("@aws-sdk/client-ecs") as typeof import("@aws-sdk/client-ecs");
    const elbSdk = () => require("@aws-sdk/client-elastic-load-balancing-v2") as typeof import("@aws-sdk/client-elastic-load-balancing-v2");
    return {
        "ecs:service": (t) => {
            const [, cluster, service] = serviceParts(t);
            return done(() => ecs().send(new (ecsSdk().DeleteServiceCommand)({ cluster, service, force: true })));
        },
        "elasticloadbalancing:listener-rule": (t) => done(() => elb().send(new (elbSdk().DeleteRuleCommand)({ RuleArn: t.arn }))),
        "elasticloadbalancing:targetgroup": (t) => done(() => elb().send(new (elbSdk().DeleteTargetGroupCommand)({ TargetGroupArn: t.arn }))),
        "ecs:task-definition": (t) => done(() => ecs().send(new (ecsSdk().DeregisterTaskDefinitionCommand)({ taskDefinition: t.arn }))),
        "cloudwatch:alarm": (t) =>
            done(() =>
                cw().send(
                    new (require("@aws-sdk/client-cloudwatch") as typeof import("@aws-sdk/client-cloudwatch")).DeleteAlarmsCommand({ AlarmNames: [t.id] }),
                ),
            ),
        "logs:log-group": (t) =>
            done(() =>
                logs().send(
                    new (require("@aws-sdk/client-cloudwatch-logs") as typeof import("@aws-sdk/client-cloudwatch-logs")).DeleteLogGroupCommand({
                        logGroupName: t.id,
                    }),
                ),
            ),
        "secretsmanager:secret": (t) =>
            done(() =>
                secrets().send(
                    new (require("@aws-sdk/client-secrets-manager") as typeof import("@aws-sdk/client-secrets-manager")).DeleteSecretCommand({
                        SecretId: t.arn,
                        ForceDeleteWithoutRecovery: true,
                    }),
                ),
            ),
        "s3:bucket": (t) => done(() => emptyAndDelete(s3(), t.id)),
        "ec2:security-group": (t) =>
            done(() => ec2().send(new (require("@aws-sdk/client-ec2") as typeof import("@aws-sdk/client-ec2")).DeleteSecurityGroupCommand({ GroupId: t.id }))),
    };
}

/** `service/<cluster>/<name>` of an ECS service ARN. */
function serviceParts(t: Target): [string, string, string] {
    const m = /:service\/([A-Za-z0-9_-]{1,255})\/([A-Za-z0-9_-]{1,255})$/.exec(t.arn);
    if (m === null) {
        throw new OperationError(`${t.arn}: not an ECS service ARN of the long form (service/<cluster>/<name>)`);
    }
    return ["service", m[1]!, m[2]!];
}

/** Every version and delete marker of the bucket, then the bucket. */
async function emptyAndDelete(client: import("@aws-sdk/client-s3").S3Client, bucket: string): Promise<void> {
    const sdk = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
    let deleted = 0;
    for (;;) {
        const page = await client.send(new sdk.ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 1000 }));
        const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].flatMap((v) =>
            v.Key === undefined ? [] : [{ Key: v.Key, ...(v.VersionId === undefined ? {} : { VersionId: v.VersionId }) }],
        );
        if (objects.length === 0) {
            break;
        }
        deleted += objects.length;
        if (deleted > MAX_OBJECTS) {
            throw new OperationError(`${bucket} holds more than ${MAX_OBJECTS} objects: not an environment's frontend, left for a person`);
        }
        const answer = await client.send(new sdk.DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
        const [refused] = answer.Errors ?? [];
        if (refused !== undefined) {
            // Listed again next round, it would loop to the bound: say the first refusal instead.
            throw new OperationError(
                `${bucket}: S3 refused to delete ${terminalText(String(refused.Key).slice(0, 200))}: ${terminalText(`${refused.Code}: ${refused.Message}`.slice(0, 200))}`,
            );
        }
    }
    await client.send(new sdk.DeleteBucketCommand({ Bucket: bucket }));
}
