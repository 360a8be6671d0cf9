/**
 * How long creating one resource of each type takes, from `pulumi up`'s point of view (the
 * provider's Create call until it returns, waiters included), in seconds: low / typical / high.
 *
 * Every entry names its source beside the figure. `basis` says what kind of source it is:
 * - `measured`: a published measurement (an apply log, a benchmark) of this operation;
 * - `documented`: a figure from the service's documentation;
 * - `provider`: the waiter of terraform-provider-aws (which pulumi-aws 7.x wraps) sets a floor or a
 *   poll period;
 * - `assumed`: no published figure; the assumption and its reason are in `source`.
 *
 * Components take no time (their registration is the engine's bookkeeping) and are not listed;
 * `test/criticalPath.test.ts` fails when the program creates a custom resource type that has no
 * entry here.
 */

export interface CreationTime {
    readonly low: number;
    readonly typical: number;
    readonly high: number;
    readonly basis: readonly ("measured" | "documented" | "provider" | "assumed")[];
    readonly source: string;
}

const TF = "hashicorp/terraform-provider-aws";

/** A bucket's sub-configurations (ownership, access block, encryption, website): one PUT each. */
const BUCKET_SUB_CONFIGURATION: CreationTime = {
    low: 0.5,
    typical: 1,
    high: 5,
    basis: ["provider", "assumed"],
    source: `No published figure; assumed ~1 s: one synchronous PUT, retried on NoSuchBucket within ${TF} s3 propagationTimeout = 1 min.`,
};

export const CREATION_TIMES: Readonly<Record<string, CreationTime>> = Object.freeze({
    "aws:lb/loadBalancer:LoadBalancer": {
        low: 135,
        typical: 150,
        high: 300,
        basis: ["provider", "measured"],
        source:
            `${TF} internal/service/elbv2/load_balancer.go: Create calls waitLoadBalancerActive (state provisioning → active; Delay 30 s, ` +
            "MinTimeout 10 s, create timeout 10 min). ELB API reference, LoadBalancerState: 'The initial state of the load balancer is " +
            "provisioning. After the load balancer is fully set up and ready to route traffic, its state is active.' Measured: " +
            "github.com/turbot/steampipe-plugin-aws/pull/792 apply log 'aws_lb…: Creation complete after 2m19s'; other public apply logs " +
            "in the code index show 2m15s–3m07s. github.com/hashicorp/terraform/issues/24799: 'On most of our ci/cd runs it takes no more " +
            "than 5' minutes, sometimes up to 30 (→ high 5 min; the 30-min outlier is not modelled).",
    },
    "aws:acm/certificate:Certificate": {
        low: 3,
        typical: 8,
        high: 30,
        basis: ["provider", "assumed"],
        source:
            `${TF} internal/service/acm/certificate.go: Create calls RequestCertificate then waitCertificateDomainValidationsAvailable ` +
            "(polls DescribeCertificate until the DNS validation record is known). No published figure; assumed seconds because it is " +
            "one request plus a short poll for ACM to fill in DomainValidationOptions.",
    },
    "aws:acm/certificateValidation:CertificateValidation": {
        low: 60,
        typical: 180,
        high: 1800,
        basis: ["documented", "measured", "provider"],
        source:
            `${TF} internal/service/acm/certificate_validation.go: waitCertificateIssued polls until PENDING_VALIDATION → ISSUED ` +
            "(create timeout 75 min). AWS Certificate Manager User Guide, 'Option 1: DNS validation' " +
            "(github.com/awsdocs/aws-certificate-user-guide doc_source/dns-validation.md): with Route 53 the certificate 'may still display " +
            "a status of Pending validation for up to 30 minutes' (→ high); with other DNS providers 'it can take several hours'. " +
            "github.com/aws/aws-cdk/issues/2914: CDK's 5-minute wait 'would occasionally timeout' (raised to 9.5 min, aws/aws-cdk commit " +
            "5b5ca48) and aws/aws-cdk/issues/5831 reports validations 'just above 10mn': usually minutes. Typical 3 min is an assumption " +
            "inside those bounds; low 1 min: a public apply log in the code index shows 'Creation complete after 1m1s'. Counted from the " +
            "validation record being INSYNC (the " +
            "record is its own node).",
    },
    "aws:route53/record:Record": {
        low: 15,
        typical: 38,
        high: 60,
        basis: ["provider", "documented", "measured"],
        source:
            `${TF} internal/service/route53/wait.go: waitChangeInfoStatusInsync waits a random 10–30 s, then polls GetChange every 15 s ` +
            "until INSYNC. Route 53 FAQ: 'designed to propagate updates … to its world-wide network of authoritative DNS servers within " +
            "60 seconds under normal conditions … when the API call returns an INSYNC status' (→ high). Measured: " +
            `github.com/${TF}/pull/11300 apply log, validation records 'Creation complete after 37s', '39s' (→ typical 38 s).`,
    },
    "aws:lb/targetGroup:TargetGroup": {
        low: 1,
        typical: 1,
        high: 3,
        basis: ["assumed"],
        source:
            "No published figure; assumed ~1 s: CreateTargetGroup and ModifyTargetGroupAttributes are synchronous and the provider " +
            "(internal/service/elbv2/target_group.go) has no waiter beyond re-reading a new target group.",
    },
    "aws:lb/listener:Listener": {
        low: 1,
        typical: 1,
        high: 3,
        basis: ["assumed"],
        source: "No published figure; assumed ~1 s: CreateListener is synchronous; the provider (elbv2/listener.go) only re-reads the new listener.",
    },
    "aws:lb/listenerRule:ListenerRule": {
        low: 1,
        typical: 1,
        high: 3,
        basis: ["assumed"],
        source: "No published figure; assumed ~1 s: CreateRule is synchronous; the provider (elbv2/listener_rule.go) only re-reads the new rule.",
    },
    "aws:ecs/service:Service": {
        low: 30,
        typical: 60,
        high: 180,
        basis: ["provider", "measured", "assumed"],
        source:
            `${TF} internal/service/ecs/service.go (wait_for_steady_state, which components/ecsServices.ts sets): statusServiceWaitForStable ` +
            "is stable when the service has one deployment and runningCount == desiredCount (create timeout 20 min), i.e. when the " +
            "Fargate task is RUNNING: ENI provisioned, images pulled, containers started, target registered (ECS Developer Guide, 'Amazon " +
            "ECS task lifecycle': ACTIVATING 'is the state where Amazon ECS pulls the container images, creates the containers, configures " +
            "the task networking, registers load balancer target groups, and configures service discovery'). For a new service that " +
            "does not include the target group's health checks (github.com/aws/aws-cli/issues/9487: services-stable 'returns … as soon " +
            "the running task count equals the desired task count, without concern for the health of the target group'); the bench adds " +
            "them as their own step. Measured: vladionescu.me 'Scaling containers on AWS in 2022': 'ECS on Fargate starts scaling after " +
            `30 seconds' for a small image (→ low); github.com/${TF}/pull/24223 acceptance run: LaunchTypeFargate_waitForSteadyState ` +
            "185.09 s vs LaunchTypeFargate_basic 148.98 s on the same fixture, ≈36 s for the wait. Typical 60 s and high 3 min are " +
            "assumptions for these larger images plus the Service Connect proxy and a first start that may retry while the just-created " +
            "execution role propagates (see aws:iam/role:Role).",
    },
    "aws:ecs/taskDefinition:TaskDefinition": {
        low: 0.5,
        typical: 1,
        high: 3,
        basis: ["assumed"],
        source: "No published figure; assumed ~1 s: RegisterTaskDefinition is synchronous and the provider has no waiter for it.",
    },
    "aws:ecs/cluster:Cluster": {
        low: 10,
        typical: 11,
        high: 20,
        basis: ["provider"],
        source:
            `${TF} internal/service/ecs/wait.go waitClusterAvailable: Delay 10 s before the first DescribeClusters, PROVISIONING → ACTIVE ` +
            "(→ floor 10 s). High is an assumption (a second poll).",
    },
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": {
        low: 10,
        typical: 11,
        high: 30,
        basis: ["provider", "assumed"],
        source:
            `${TF} internal/service/ecs/cluster_capacity_providers.go: PutClusterCapacityProviders (retried while the cluster is not ` +
            "ACTIVE or an update is in progress), then waitClusterAvailable (Delay 10 s → floor 10 s). High is an assumption (retries).",
    },
    "aws:servicediscovery/httpNamespace:HttpNamespace": {
        low: 3,
        typical: 10,
        high: 60,
        basis: ["provider", "assumed"],
        source:
            `${TF} internal/service/servicediscovery/wait.go: CreateHttpNamespace is asynchronous; WaitOperationSuccess polls GetOperation ` +
            "until SUCCESS (timeout 5 min). No published figure for an HTTP namespace (no hosted zone, unlike a DNS namespace); assumed " +
            "seconds to a minute.",
    },
    "aws:cloudwatch/metricAlarm:MetricAlarm": {
        low: 0.5,
        typical: 1,
        high: 3,
        basis: ["assumed"],
        source: "No published figure; assumed ~1 s: PutMetricAlarm is synchronous; the provider (cloudwatch/metric_alarm.go) only re-reads the alarm.",
    },
    "aws:appautoscaling/target:Target": {
        low: 1,
        typical: 2,
        high: 60,
        basis: ["provider", "assumed"],
        source:
            `${TF} internal/service/appautoscaling/target.go: RegisterScalableTarget is synchronous, retried while "ECS service doesn't exist" ` +
            "or the role cannot be assumed yet (IAM propagation: up to a minute, high); assumed ~2 s otherwise.",
    },
    "aws:appautoscaling/policy:Policy": {
        low: 1,
        typical: 1,
        high: 5,
        basis: ["assumed"],
        source: `No published figure; assumed ~1 s: PutScalingPolicy is synchronous (${TF} internal/service/appautoscaling/policy.go re-reads it).`,
    },
    "aws:sns/topic:Topic": {
        low: 0.5,
        typical: 1,
        high: 3,
        basis: ["assumed"],
        source: `No published figure; assumed ~1 s: CreateTopic is synchronous (${TF} internal/service/sns/topic.go then sets its attributes).`,
    },
    "aws:sns/topicSubscription:TopicSubscription": {
        low: 0.5,
        typical: 1,
        high: 3,
        basis: ["provider", "assumed"],
        source: `${TF} internal/service/sns/topic_subscription.go: Subscribe is synchronous and an email subscription is not waited for (it stays pending until the address confirms); assumed ~1 s.`,
    },
    "aws:appautoscaling/scheduledAction:ScheduledAction": {
        low: 0.5,
        typical: 1,
        high: 300,
        basis: ["provider", "assumed"],
        source:
            `${TF} internal/service/appautoscaling/scheduled_action.go: one PutScheduledAction, retried on ObjectNotFoundException ` +
            "(the scalable target not yet visible) for up to 5 min. No published figure; assumed ~1 s.",
    },
    "aws:iam/serviceLinkedRole:ServiceLinkedRole": {
        low: 1,
        typical: 3,
        high: 120,
        basis: ["provider", "assumed"],
        source:
            `${TF} internal/service/iam/service_linked_role.go: CreateServiceLinkedRole, then the new role is re-read with ` +
            "RetryWhenNewResourceNotFound(propagationTimeout = 2 min, internal/service/iam/wait.go) until IAM shows it. No published " +
            "figure; assumed ~3 s (one call and a read that usually finds it), 120 s the propagation bound.",
    },
    "aws:chatbot/teamsChannelConfiguration:TeamsChannelConfiguration": {
        low: 1,
        typical: 2,
        high: 10,
        basis: ["assumed"],
        source: `No published figure; assumed ~2 s: CreateMicrosoftTeamsChannelConfiguration (${TF} internal/service/chatbot/teams_channel_configuration.go) waits until the configuration reads back.`,
    },
    "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration": {
        low: 1,
        typical: 2,
        high: 10,
        basis: ["assumed"],
        source: `No published figure; assumed ~2 s: CreateSlackChannelConfiguration (${TF} internal/service/chatbot/slack_channel_configuration.go) waits until the configuration reads back.`,
    },
    "aws:cloudwatch/logGroup:LogGroup": {
        low: 0.5,
        typical: 1,
        high: 3,
        basis: ["assumed"],
        source: "No published figure; assumed ~1 s: CreateLogGroup (and PutRetentionPolicy) are synchronous; no waiter.",
    },
    "aws:iam/role:Role": {
        low: 1,
        typical: 2,
        high: 5,
        basis: ["provider", "assumed"],
        source:
            `${TF} internal/service/iam/wait.go: 'Maximum amount of time to wait for IAM changes to propagate' propagationTimeout = 2 min, ` +
            "used to retry CreateRole on MalformedPolicyDocument (a principal not yet visible) and to re-read the new role; IAM User " +
            "Guide, 'Changes that I make are not always immediately visible' (eventual consistency, no figure). No published figure " +
            "for CreateRole itself; assumed ~2 s. Propagation to the services that use the role shows up in their own times.",
    },
    "aws:iam/rolePolicy:RolePolicy": {
        low: 0.5,
        typical: 1,
        high: 3,
        basis: ["assumed"],
        source: "No published figure; assumed ~1 s: PutRolePolicy is synchronous (retried within the IAM propagation timeout if the role is not yet visible).",
    },
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": {
        low: 0.5,
        typical: 1,
        high: 3,
        basis: ["assumed"],
        source: "No published figure; assumed ~1 s: AttachRolePolicy is synchronous (retried within the IAM propagation timeout if the role is not yet visible).",
    },
    "aws:ec2/securityGroup:SecurityGroup": {
        low: 2,
        typical: 3,
        high: 10,
        basis: ["assumed"],
        source:
            "No published figure; assumed a few seconds: the provider (internal/service/ec2/vpc_security_group.go) creates the group, " +
            "waits until DescribeSecurityGroups finds it, revokes the default egress rule and authorizes the rules, each synchronous.",
    },
    "aws:s3/bucket:Bucket": {
        low: 2,
        typical: 4,
        high: 15,
        basis: ["provider", "assumed"],
        source:
            `${TF} internal/service/s3 (bucketCreatedTimeout = 2 min): CreateBucket, then retries HeadBucket until the bucket is found, ` +
            "then reads every bucket sub-configuration once. No published figure; assumed a few seconds.",
    },
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": BUCKET_SUB_CONFIGURATION,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": BUCKET_SUB_CONFIGURATION,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": BUCKET_SUB_CONFIGURATION,
    "aws:s3/bucketWebsiteConfiguration:BucketWebsiteConfiguration": BUCKET_SUB_CONFIGURATION,
    "aws:s3/bucketLogging:BucketLogging": {
        ...BUCKET_SUB_CONFIGURATION,
        source: `${TF} internal/service/s3/bucket_logging.go: PutBucketLogging (retried on NoSuchBucket), then retries GetBucketLogging until logging is found (bucketPropagationTimeout). No published figure; assumed ~1 s.`,
    },
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": {
        low: 55,
        typical: 60,
        high: 180,
        basis: ["provider"],
        source:
            `${TF} internal/service/s3/bucket_lifecycle_configuration.go: Create puts the configuration, then waitLifecycleConfigEquals ` +
            "(Delay 10 s, PollInterval 5 s, ContinuousTargetOccurence 10: the rules must read back equal ten times in a row, so at " +
            "least 10 + 9 × 5 = 55 s; create timeout 3 min).",
    },
    "aws:s3/bucketPolicy:BucketPolicy": {
        low: 0.5,
        typical: 1,
        high: 5,
        basis: ["assumed"],
        source: "No published figure; assumed ~1 s: one synchronous PutBucketPolicy (retried briefly while a new principal propagates).",
    },
    "aws:s3/bucketObjectv2:BucketObjectv2": {
        low: 0.2,
        typical: 0.5,
        high: 2,
        basis: ["assumed"],
        source: "No published figure; assumed under a second for the small files of the frontend: one PutObject each.",
    },
    "aws:secretsmanager/secret:Secret": {
        low: 0.5,
        typical: 1,
        high: 5,
        basis: ["provider", "assumed"],
        source:
            `No published figure; assumed ~1 s: CreateSecret is synchronous; ${TF} internal/service/secretsmanager re-reads the new ` +
            "secret within PropagationTimeout = 2 min ('Maximum amount of time to wait for Secrets Manager changes to propagate').",
    },
    "aws:secretsmanager/secretVersion:SecretVersion": {
        low: 0.5,
        typical: 1,
        high: 5,
        basis: ["provider", "assumed"],
        source:
            `No published figure; assumed ~1 s: PutSecretValue is synchronous; ${TF} re-reads the version within the same ` +
            "Secrets Manager PropagationTimeout = 2 min.",
    },
    "azuread:index/applicationRedirectUris:ApplicationRedirectUris": {
        low: 2,
        typical: 5,
        high: 30,
        basis: ["assumed"],
        source:
            "No published figure; assumed seconds: one Microsoft Graph PATCH of the application, which the azuread provider re-reads " +
            "until the change is visible (Entra ID directory replication is eventually consistent).",
    },
    "pulumi-nodejs:dynamic:Resource": {
        low: 1,
        typical: 3,
        high: 10,
        basis: ["assumed"],
        source:
            "No published figure; assumed seconds: the platform guard (components/platformGuard.ts) runs in the dynamic provider's Node.js " +
            "process and lists the backend's stacks once.",
    },
    "pulumi:providers:aws": {
        low: 1,
        typical: 2,
        high: 5,
        basis: ["assumed"],
        source:
            "No published figure; assumed seconds: the engine starts the aws plugin and Configure validates the credentials " +
            "(sts:GetCallerIdentity) before any aws resource can register.",
    },
    "pulumi:providers:azuread": {
        low: 1,
        typical: 2,
        high: 5,
        basis: ["assumed"],
        source:
            "No published figure; assumed seconds: the engine starts the azuread plugin as the default provider and Configure " +
            "obtains a Microsoft Graph token before the redirect list can register.",
    },
    "pulumi:providers:pulumi-nodejs": {
        low: 0.5,
        typical: 1,
        high: 3,
        basis: ["assumed"],
        source: "No published figure; assumed ~1 s: the engine's default provider for dynamic resources (a Node.js process the language host starts).",
    },
    "pulumi:pulumi:StackReference": {
        low: 0.5,
        typical: 1,
        high: 3,
        basis: ["assumed"],
        source: "No published figure; assumed ~1 s: the engine reads the dev stack's latest checkpoint from the backend (one object on S3).",
    },
});

/** The creation time of a type, or undefined when the table has none. */
export function creationTime(type: string): CreationTime | undefined {
    return Object.hasOwn(CREATION_TIMES, type) ? CREATION_TIMES[type] : undefined;
}
