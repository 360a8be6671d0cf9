import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { logBucketPolicy } from "../rules/accessLogs";

/** Arguments of {@link LogBucket}. */
export interface LogBucketArgs {
    /** Physical bucket name (`studio-app-prod-logs`). */
    readonly bucketName: string;
    /** Where the load balancers run (their log delivery's principal): required with `loadBalancerPrefixes`. */
    readonly region?: string;
    /** Days a log object is kept; the lifecycle rule deletes it then. */
    readonly expirationDays: number;
    /** The access-log prefixes of the load balancers that write here (`alb/vnv-ingress-lb`). @default [] */
    readonly loadBalancerPrefixes?: readonly string[];
    /** ARN patterns of the buckets whose server access logs land under `s3/` (`arn:aws:s3:::studio-app-prod-*`). @default [] */
    readonly serverLogSources?: readonly string[];
    /** Keep the bucket and its logs when the stack goes (production's audit trail). @default false */
    readonly retain?: boolean;
    /** Delete the logs with the bucket (dev). @default false */
    readonly forceDestroy?: boolean;
    /** The bucket exists already, kept from an earlier stack: adopt it (see FrontendBucket). @default false */
    readonly adopt?: boolean;
}

/**
 * The stack's log bucket (Security Hub ELB.5 and S3.9): the load balancers' access logs and the
 * buckets' server access logs, each under its own prefix, deleted after `expirationDays`.
 * SSE-S3 (the only encryption load-balancer log delivery supports), owner-enforced (no ACLs:
 * log delivery is granted by the bucket policy), all public access blocked, TLS only.
 */
export class LogBucket extends pulumi.ComponentResource {
    /** The bucket's name, known once its policy, encryption and access block are in place: a load balancer using it waits for them. */
    public readonly bucketName: pulumi.Output<string>;
    public readonly bucketArn: pulumi.Output<string>;

    constructor(name: string, args: LogBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vnv:components:LogBucket", name, {}, opts);
        if ((args.forceDestroy ?? false) && (args.retain ?? false)) {
            throw new Error("LogBucket: forceDestroy and retain conflict");
        }
        if (!Number.isInteger(args.expirationDays) || args.expirationDays < 1 || args.expirationDays > 3650) {
            throw new Error(`LogBucket: expirationDays must be an integer from 1 to 3650, got ${JSON.stringify(args.expirationDays)}`);
        }
        if ((args.loadBalancerPrefixes ?? []).length > 0 && args.region === undefined) {
            throw new Error("LogBucket: region is required with loadBalancerPrefixes");
        }
        const child = { parent: this, retainOnDelete: args.retain ?? false };
        const bucket = new aws.s3.Bucket(
            `${name}-bucket`,
            { bucket: args.bucketName, forceDestroy: args.forceDestroy ?? false },
            { ...child, ...((args.adopt ?? false) ? { import: args.bucketName } : {}) },
        );
        const ownership = new aws.s3.BucketOwnershipControls(
            `${name}-ownership`,
            { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
            child,
        );
        const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-encryption`,
            { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
            child,
        );
        const access = new aws.s3.BucketPublicAccessBlock(
            `${name}-access`,
            { bucket: bucket.id, blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true },
            child,
        );
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-expiration`,
            {
                bucket: bucket.id,
                // An upload cut off halfway (a snapshot's uploader stopped) leaves parts no expiry removes: aborted after a day.
                rules: [
                    {
                        id: "expire-logs",
                        status: "Enabled",
                        filter: { prefix: "" },
                        expiration: { days: args.expirationDays },
                        abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
                    },
                ],
            },
            child,
        );
        const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
        const policy = new aws.s3.BucketPolicy(
            `${name}-policy`,
            {
                bucket: bucket.id,
                policy: pulumi.all([bucket.arn, account]).apply(([bucketArn, acct]) =>
                    logBucketPolicy({
                        bucketArn,
                        region: args.region ?? "",
                        account: acct,
                        loadBalancerPrefixes: args.loadBalancerPrefixes ?? [],
                        serverLogSources: args.serverLogSources ?? [],
                    }),
                ),
            },
            child,
        );
        // ELB checks that it may write to the bucket when access logs are turned on.
        this.bucketName = pulumi.all([bucket.bucket, policy.id, encryption.id, ownership.id, access.id]).apply(([b]) => b);
        this.bucketArn = bucket.arn;
        this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn });
    }
}
