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
