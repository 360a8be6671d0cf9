/**
 * The AWS SDK clients' shared settings: the region, a bounded retry, and, from the environment,
 * an endpoint (`AWS_ENDPOINT_URL`: an AWS API on loopback in tests) and static credentials when
 * given (else the SDK's own chain: a profile, the CI's OIDC role).
 */
export interface AwsClientConfig {
    readonly region: string;
    readonly maxAttempts: number;
    readonly endpoint?: string;
    readonly credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export function awsClientConfig(env: Readonly<Record<string, string | undefined>>, region: string): AwsClientConfig {
    const { AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = env;
    return {
        region,
        maxAttempts: 3,
        ...(endpoint === undefined ? {} : { endpoint }),
        ...(accessKeyId === undefined || secretAccessKey === undefined
            ? {}
            : { credentials: { accessKeyId, secretAccessKey, ...(sessionToken === undefined ? {} : { sessionToken }) } }),
    };
}

/** The SDK clients, each made when first used. */
export function clientsFor(config: AwsClientConfig) {
    const lazy = <T>(make: () => T): (() => T) => {
        let made: T | undefined;
        return () => (made ??= make());
    };
    const ecs = lazy(() => new (require("@aws-sdk/client-ecs") as typeof import("@aws-sdk/client-ecs")).ECSClient(config));
    const elb = lazy(
        () =>
            new (
                require("@aws-sdk/client-elastic-load-balancing-v2") as typeof import("@aws-sdk/client-elastic-load-balancing-v2")
            ).ElasticLoadBalancingV2Client(config),
    );
    const logs = lazy(() => new (require("@aws-sdk/client-cloudwatch-logs") as typeof import("@aws-sdk/client-cloudwatch-logs")).CloudWatchLogsClient(config));
    const cw = lazy(() => new (require("@aws-sdk/client-cloudwatch") as typeof import("@aws-sdk/client-cloudwatch")).CloudWatchClient(config));
    const secrets = lazy(
        () => new (require("@aws-sdk/client-secrets-manager") as typeof import("@aws-sdk/client-secrets-manager")).SecretsManagerClient(config),
    );
    const ec2 = lazy(() => new (require("@aws-sdk/client-ec2") as typeof import("@aws-sdk/client-ec2")).EC2Client(config));
    const s3 = lazy(
        () =>
            new (require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3")).S3Client({
                ...config,
                // An endpoint of our own (an S3 API on loopback) is addressed by path, not by host.
                forcePathStyle: config.endpoint !== undefined,
            }),
    );
    return { ecs, elb, logs, cw, secrets, ec2, s3 };
}
