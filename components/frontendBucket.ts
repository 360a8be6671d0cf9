import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { cacheControlOf, contentTypeOf, NO_CACHE } from "../rules/frontendFiles";
import { serverLogPrefix, tlsOnlyStatement } from "../rules/accessLogs";
import { bucketReadStatements } from "../rules/iamPolicies";
import { shortHash } from "../rules/naming";

/** What `release.json` says about the environment (seed 000's release metadata). */
export interface ReleaseManifest {
    readonly version: string;
    readonly bucket: string;
    /** `sha256:…` per service. */
    readonly images: Record<string, string>;
}

/** Arguments of {@link FrontendBucket}. */
export interface FrontendBucketArgs {
    /** Physical bucket name from the naming module (`studio-app-test-v1-2-3-rc-1`). */
    readonly bucketName: string;
    /** IAM roles allowed to read the bucket (the environment's task role). @default [] */
    readonly readerRoleArns?: readonly pulumi.Input<string>[];
    /** Contents of `release.json`. */
    readonly release: pulumi.Input<ReleaseManifest>;
    /**
     * The frontend's static files (taken from its image): object key and local file. Each is
     * uploaded with its content type and cache policy (rules/frontendFiles.ts); `release.json`
     * is vnv's own and is not taken from the files. @default []
     */
    readonly files?: readonly { readonly key: string; readonly path: string }[];
    /**
     * Opt-in public website for the seeds' proxy-to-website-endpoint setup
     * (`http://<bucket>.s3-website.<region>.amazonaws.com`): relaxes the public access block
     * (before the public policy), adds a website configuration and a public-read policy.
     * Website endpoints are HTTP only and an account-level block still wins.
     * @default false (private: access block on, owner-enforced, readable only by readerRoleArns)
     */
    readonly publicWebsite?: boolean;
    /** Delete the objects with the bucket: for ephemeral environments only. @default false */
    readonly forceDestroy?: boolean;
    /**
     * Keep the bucket, and everything in and on it (policy, access block, ownership, encryption,
     * release.json), when the stack or version goes away (production audit trail). @default false
     */
    readonly retain?: boolean;
    /**
     * The bucket already exists, kept from an earlier deployment of this version (`retain`):
     * adopt it (import) instead of creating it, which S3 refuses with BucketAlreadyOwnedByYou.
     * @default false
     */
    readonly adopt?: boolean;
    /**
     * The log bucket that receives this bucket's server access logs (Security Hub S3.9), under
     * `s3/<bucket>/`; its policy must let the S3 logging service write there. @default none
     */
    readonly serverAccessLogs?: pulumi.Input<string>;
}

/**
 * The versioned frontend bucket of one environment: encrypted, bucket-owner-enforced, private
 * by default, holding `release.json` (version, bucket, image digests).
 */
export class FrontendBucket extends pulumi.ComponentResource {
    public readonly bucketName: pulumi.Output<string>;
    public readonly bucketArn: pulumi.Output<string>;
    /** The website endpoint in public-website mode, else undefined. */
    public readonly websiteEndpoint: pulumi.Output<string> | undefined;

    constructor(name: string, args: FrontendBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vnv:components:FrontendBucket", name, {}, opts);
        if ((args.forceDestroy ?? false) && (args.retain ?? false)) {
            throw new Error("FrontendBucket: forceDestroy and retain conflict: forceDestroy is for ephemeral environments, retain for production");
        }
        if ((args.adopt ?? false) && !(args.retain ?? false)) {
            throw new Error("FrontendBucket: adopt is for a retained bucket (retain: true) kept from an earlier deployment");
        }
        const publicWebsite = args.publicWebsite ?? false;
        // `retainOnDelete` holds for the resource it is given to only, not for its children.
        const child = { parent: this, retainOnDelete: args.retain ?? false };
        const bucket = new aws.s3.Bucket(
            `${name}-bucket`,
            { bucket: args.bucketName, forceDestroy: args.forceDestroy ?? false },
            { ...child, ...((args.adopt ?? false) ? { import: args.bucketName } : {}) },
        );
        new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, child);
        new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-encryption`,
            // SSE-S3. No bucket key: S3 Bucket Keys reduce calls to KMS, so they do nothing for AES256.
            { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
            child,
        );
        const accessBlock = new aws.s3.BucketPublicAccessBlock(
            `${name}-access`,
            {
                bucket: bucket.id,
                blockPublicAcls: true,
                ignorePublicAcls: true,
                blockPublicPolicy: !publicWebsite,
                restrictPublicBuckets: !publicWebsite,
            },
            child,
        );
        if (args.serverAccessLogs !== undefined) {
            new aws.s3.BucketLogging(
                `${name}-logging`,
                { bucket: bucket.id, targetBucket: args.serverAccessLogs, targetPrefix: serverLogPrefix(args.bucketName) },
                child,
            );
        }
        let website: aws.s3.BucketWebsiteConfiguration | undefined;
        if (publicWebsite) {
            website = new aws.s3.BucketWebsiteConfiguration(
                `${name}-website`,
                { bucket: bucket.id, indexDocument: { suffix: "index.html" }, errorDocument: { key: "index.html" } },
                child,
            );
        }
        new aws.s3.BucketPolicy(
            `${name}-policy`,
            { bucket: bucket.id, policy: policyDocument(bucket.arn, args.readerRoleArns ?? [], publicWebsite) },
            // S3 refuses a public policy while the public access block is still on: the block
            // must be relaxed first, which nothing in the values tells the engine.
            { ...child, dependsOn: [accessBlock] },
        );
        for (const file of (args.files ?? []).filter((f) => f.key !== "release.json")) {
            // Named by key: the same file of the next version updates in place.
            new aws.s3.BucketObjectv2(
                `${name}-file-${shortHash(file.key)}`,
                {
                    bucket: bucket.id,
                    key: file.key,
                    source: new pulumi.asset.FileAsset(file.path),
                    contentType: contentTypeOf(file.key),
                    cacheControl: cacheControlOf(file.key),
                },
                child,
            );
        }
        new aws.s3.BucketObjectv2(
            `${name}-release`,
            {
                bucket: bucket.id,
                key: "release.json",
                content: pulumi.jsonStringify(args.release),
                contentType: "application/json",
                cacheControl: NO_CACHE,
            },
            child,
        );
        this.bucketName = bucket.bucket;
        this.bucketArn = bucket.arn;
        this.websiteEndpoint = website?.websiteEndpoint;
        this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn, websiteEndpoint: this.websiteEndpoint });
    }
}

function policyDocument(bucketArn: pulumi.Output<string>, readers: readonly pulumi.Input<string>[], publicWebsite: boolean): pulumi.Output<string> {
    return pulumi.all([bucketArn, pulumi.all([...readers])]).apply(([arn, roles]) => {
        const statements: object[] = bucketReadStatements(arn, roles);
        if (publicWebsite) {
            statements.push({ Sid: "PublicWebsite", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `${arn}/*` });
        } else {
            statements.push(tlsOnlyStatement(arn));
        }
        return JSON.stringify({ Version: "2012-10-17", Statement: statements });
    });
}
