/**
 * The IAM documents of an environment's ECS tasks, scoped to exactly what the tasks need.
 * Sources: the ECS developer guide's "Private registry authentication for tasks",
 * "Pass sensitive data to a container" (Secrets Manager and SSM), and "Amazon ECS task
 * execution IAM role" (confused-deputy conditions); docs/architecture.md, "IAM".
 *
 * Pure module: no `@pulumi/*` import.
 */

/** A private registry's pull credentials for Fargate (`repositoryCredentials`). */
export interface RegistryCredentials {
    /** Secrets Manager secret holding `{"username": …, "password": …}`. */
    readonly secretArn: string;
    /** Customer managed KMS key the secret is encrypted with; absent for the AWS managed key. */
    readonly kmsKeyArn?: string;
}

const SECRETS_MANAGER = /^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[^:]+)(:.*)?$/;

/**
 * The ARN a policy must grant for a container secret's `valueFrom`. A Secrets Manager reference
 * may name a JSON key, a version stage or a version id after the secret's ARN
 * (`arn:…:secret:name-AbCdEf:key::`); that reference is not an ARN IAM knows, the secret is.
 * SSM parameter ARNs are granted as they are.
 */
export function grantedSecretArn(valueFrom: string): string {
    const m = SECRETS_MANAGER.exec(valueFrom);
    return m ? m[1]! : valueFrom;
}

export interface ExecutionGrants {
    /** `valueFrom` of every container secret (SSM parameter or Secrets Manager ARN, JSON keys allowed). */
    readonly secrets: readonly string[];
    /** Credentials of the private registries the images come from. */
    readonly registries: readonly RegistryCredentials[];
}

/**
 * The execution role's inline policy: read exactly the secrets the containers name and the
 * registry credentials, decrypt with exactly the customer keys of those credentials.
 * Undefined when there is nothing to grant.
 */
export function executionPolicy(grants: ExecutionGrants): string | undefined {
    const secretArns = [...grants.secrets.map(grantedSecretArn), ...grants.registries.map((r) => r.secretArn)];
    const ssm = unique(secretArns.filter((a) => a.includes(":ssm:")));
    const secretsManager = unique(secretArns.filter((a) => a.includes(":secretsmanager:")));
    const keys = unique(grants.registries.flatMap((r) => (r.kmsKeyArn === undefined ? [] : [r.kmsKeyArn])));
    const statements = [
        ...statement("ReadParameters", ["ssm:GetParameters"], ssm),
        ...statement("ReadSecrets", ["secretsmanager:GetSecretValue"], secretsManager),
        ...statement("DecryptRegistryCredentials", ["kms:Decrypt"], keys),
    ];
    return statements.length === 0 ? undefined : JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/**
 * The task role's grants for ECS Exec (AWS ECS developer guide, "ECS Exec", IAM permissions):
 * the SSM agent in the task opens its control and data channels (`ssmmessages:*Channel`, which
 * has no resource-level permissions, so `*`), and writes the session's log to the environment's
 * own log groups (logging DEFAULT: the container's awslogs group), which it finds with
 * `logs:DescribeLogGroups` (no resource-level permissions either).
 */
export function execPolicy(where: { account: string; region: string; logGroupPrefix: string }): string {
    const groups = `arn:aws:logs:${where.region}:${where.account}:log-group:${where.logGroupPrefix}*`;
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "ExecChannels",
                Effect: "Allow",
                Action: ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"],
                Resource: "*",
            },
            { Sid: "FindLogGroups", Effect: "Allow", Action: ["logs:DescribeLogGroups"], Resource: "*" },
            { Sid: "SessionLog", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"], Resource: groups },
        ],
    });
}

/**
 * Trust policy of a task role or task execution role: only ECS tasks of `accountId`, so no
 * other account's tasks can use the role through the service (confused deputy). The ECS guide
 * recommends `aws:SourceAccount` or `aws:SourceArn`; `aws:SourceAccount` alone is used because
 * the guide's execution-role example carries no condition and a condition key the service did
 * not send would keep every task from starting.
 */
export function ecsTasksTrustPolicy(accountId: string): string {
    return serviceTrustPolicy("ecs-tasks.amazonaws.com", accountId);
}

/**
 * ECS's infrastructure role for task volumes (ECS developer guide, "Amazon ECS infrastructure IAM
 * role"): ECS itself assumes it to make, attach and delete a task's EBS volume.
 */
export function ecsInfrastructureTrustPolicy(accountId: string): string {
    return serviceTrustPolicy("ecs.amazonaws.com", accountId);
}

/** The role AWS Chatbot (Amazon Q Developer in chat applications) assumes for a channel, from this account only. */
export function chatbotTrustPolicy(accountId: string): string {
    return serviceTrustPolicy("chatbot.amazonaws.com", accountId);
}

/** A trust policy that lets `service` assume the role on behalf of `accountId` only (no confused deputy). */
function serviceTrustPolicy(service: string, accountId: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Service: service },
                Action: "sts:AssumeRole",
                Condition: { StringEquals: { "aws:SourceAccount": accountId } },
            },
        ],
    });
}

/**
 * The statements that let a role read a bucket: list the bucket itself, get its objects.
 * `s3:ListBucket` applies to the bucket's ARN, `s3:GetObject` to `bucket/*`; granting either
 * on the other ARN grants nothing.
 */
export function bucketReadStatements(bucketArn: string, principals: readonly string[]): object[] {
    if (principals.length === 0) {
        return [];
    }
    return [
        { Sid: "EnvironmentLists", Effect: "Allow", Principal: { AWS: [...principals] }, Action: "s3:ListBucket", Resource: bucketArn },
        { Sid: "EnvironmentReads", Effect: "Allow", Principal: { AWS: [...principals] }, Action: "s3:GetObject", Resource: `${bucketArn}/*` },
    ];
}

function statement(sid: string, actions: string[], resources: string[]): object[] {
    return resources.length === 0 ? [] : [{ Sid: sid, Effect: "Allow", Action: actions, Resource: resources }];
}

function unique(values: readonly string[]): string[] {
    return [...new Set(values)].sort();
}
