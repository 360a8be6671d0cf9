/**
 * Where the load balancers' access logs (Security Hub ELB.5) and the buckets' server access logs
 * (S3.9) go: one log bucket per stack, with the bucket policy that lets exactly those log
 * deliveries write under their own prefixes, and nothing reach it without TLS.
 *
 * Sources: Elastic Load Balancing User Guide, "Enable access logs for your Application Load
 * Balancer" (step 2, the bucket policy: the Elastic Load Balancing account of the Region for
 * Regions available before August 2022, the `logdelivery.elasticloadbalancing.amazonaws.com`
 * service principal in later Regions; SSE-S3 is the only supported encryption); the account
 * table as terraform-provider-aws keeps it (internal/service/elb/service_account_data_source.go,
 * accountIDPerRegionMap); Amazon S3 User Guide, "Permissions for log delivery" (the
 * `logging.s3.amazonaws.com` principal, with aws:SourceArn and aws:SourceAccount, for buckets
 * whose ACLs are disabled).
 *
 * Pure module: no `@pulumi/*` import.
 */

/** The Elastic Load Balancing account per Region that existed before August 2022. */
const ELB_ACCOUNTS: Readonly<Record<string, string>> = {
    "af-south-1": "098369216593",
    "ap-east-1": "754344448648",
    "ap-northeast-1": "582318560864",
    "ap-northeast-2": "600734575887",
    "ap-northeast-3": "383597477331",
    "ap-south-1": "718504428378",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ap-southeast-3": "589379963580",
    "ca-central-1": "985666609251",
    "cn-north-1": "638102146993",
    "cn-northwest-1": "037604701340",
    "eu-central-1": "054676820928",
    "eu-north-1": "897822967062",
    "eu-south-1": "635631232127",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-west-3": "009996457667",
    "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-gov-east-1": "190560391635",
    "us-gov-west-1": "048591011584",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
};

/** The service principal that delivers access logs in Regions opened from August 2022 on. */
export const ELB_LOG_DELIVERY = "logdelivery.elasticloadbalancing.amazonaws.com";
/** The service principal that delivers S3 server access logs. */
export const S3_LOG_DELIVERY = "logging.s3.amazonaws.com";

/** The ARN partition of a Region (`aws`, `aws-cn`, `aws-us-gov`). */
export function partitionOf(region: string): string {
    return region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
}

/** Who writes a Region's load-balancer access logs, as a bucket-policy principal. */
export function elbLogPrincipal(region: string): { readonly AWS: string } | { readonly Service: string } {
    const account = ELB_ACCOUNTS[region];
    return account === undefined ? { Service: ELB_LOG_DELIVERY } : { AWS: `arn:${partitionOf(region)}:iam::${account}:root` };
}

/** `alb/<name>`: where one load balancer's access logs go in the log bucket. */
export function loadBalancerLogPrefix(name: string): string {
    return `alb/${name}`;
}

/** `s3/<bucket>/`: where one bucket's server access logs go in the log bucket. */
export function serverLogPrefix(bucket: string): string {
    return `s3/${bucket}/`;
}

export interface LogBucketGrants {
    readonly bucketArn: string;
    readonly region: string;
    /** The account the load balancers and buckets belong to. */
    readonly account: string;
    /** The access-log prefixes of the load balancers that write here (`alb/vnv-ingress`). */
    readonly loadBalancerPrefixes: readonly string[];
    /** Buckets (ARN patterns, `arn:aws:s3:::studio-app-prod-*`) whose server access logs land under `s3/`. */
    readonly serverLogSources: readonly string[];
}

/**
 * The log bucket's policy: each load balancer may put objects under its own prefix's
 * `AWSLogs/<account>/`, the S3 logging service under `s3/` for the named source buckets of this
 * account only, and every request without TLS is denied.
 */
export function logBucketPolicy(g: LogBucketGrants): string {
    const statements: object[] = [];
    if (g.loadBalancerPrefixes.length > 0) {
        statements.push({
            Sid: "LoadBalancerAccessLogs",
            Effect: "Allow",
            Principal: elbLogPrincipal(g.region),
            Action: "s3:PutObject",
            Resource: g.loadBalancerPrefixes.map((p) => `${g.bucketArn}/${p}/AWSLogs/${g.account}/*`),
        });
    }
    if (g.serverLogSources.length > 0) {
        statements.push({
            Sid: "ServerAccessLogs",
            Effect: "Allow",
            Principal: { Service: S3_LOG_DELIVERY },
            Action: "s3:PutObject",
            Resource: `${g.bucketArn}/s3/*`,
            Condition: { ArnLike: { "aws:SourceArn": [...g.serverLogSources] }, StringEquals: { "aws:SourceAccount": g.account } },
        });
    }
    statements.push(tlsOnlyStatement(g.bucketArn));
    return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/** Denies every request to the bucket and its objects that does not use TLS (Security Hub S3.5). */
export function tlsOnlyStatement(bucketArn: string): object {
    return {
        Sid: "TlsOnly",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
    };
}
