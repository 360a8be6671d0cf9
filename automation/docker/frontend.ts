/**
 * The frontend bucket of a Docker environment: its S3 API (versitygw) answers on a published
 * port; vnv creates the bucket and puts the frontend's files (taken from its image through the
 * registry API, as for AWS) and release.json there, with the same content types and cache
 * policies as on AWS (rules/frontendFiles.ts).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { EnvironmentSettings } from "../../infra/settings";
import type { RegistryClient } from "../../registry/client";
import { cacheControlOf, contentTypeOf, frontendFilesProblem, NO_CACHE } from "../../rules/frontendFiles";
import { OperationError } from "../errors";
import { sleep } from "../util";
import { S3_REGION } from "./project";

export interface FrontendFiles {
    readonly dir: string;
    readonly keys: readonly string[];
    remove(): void;
}

/** The frontend's files out of its image (pinned digest), in a temporary directory; none when the version names no frontend image. */
export async function extractFrontend(client: RegistryClient, settings: EnvironmentSettings): Promise<FrontendFiles> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-docker-frontend-"));
    const remove = () => fs.rmSync(dir, { recursive: true, force: true });
    const { image, digest, root } = settings.frontend;
    if (image === undefined || digest === undefined) {
        return { dir, keys: [], remove };
    }
    try {
        const { extractImage } = require("../../registry/extract") as typeof import("../../registry/extract");
        const extracted = await extractImage(client, image, digest, { from: root, to: path.join(dir, "files"), check: frontendFilesProblem });
        return { dir: path.join(dir, "files"), keys: extracted.files, remove };
    } catch (e) {
        remove();
        throw e;
    }
}

/** Fills the bucket at `endpoint`: waits (bounded) for the S3 API, creates the bucket, puts the files and release.json. */
export async function fillBucket(
    endpoint: string,
    credentials: { accessKeyId: string; secretAccessKey: string },
    bucket: string,
    files: FrontendFiles,
    release: { version: string; bucket: string; images: Record<string, string> },
    timeoutMs = 60_000,
): Promise<void> {
    const { S3Client, CreateBucketCommand, PutObjectCommand, HeadBucketCommand } = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
    const s3 = new S3Client({ endpoint, region: S3_REGION, forcePathStyle: true, credentials, maxAttempts: 1 });
    try {
        await untilAnswering(async () => {
            try {
                await s3.send(new HeadBucketCommand({ Bucket: bucket }));
            } catch (e) {
                if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404) {
                    throw e;
                }
                await s3.send(new CreateBucketCommand({ Bucket: bucket }));
            }
        }, timeoutMs);
        for (const key of files.keys) {
            await s3.send(
                new PutObjectCommand({
                    Bucket: bucket,
                    Key: key,
                    Body: fs.readFileSync(path.join(files.dir, key)),
                    ContentType: contentTypeOf(key),
                    CacheControl: cacheControlOf(key),
                }),
            );
        }
        await s3.send(
            new PutObjectCommand({
                Bucket: bucket,
                Key: "release.json",
                Body: JSON.stringify(release),
                ContentType: "application/json",
                CacheControl: NO_CACHE,
            }),
        );
    } finally {
        s3.destroy();
    }
}

async function untilAnswering(step: () => Promise<void>, timeoutMs: number): Promise<void> {
    const started = Date.now();
    for (;;) {
        try {
            await step();
            return;
        } catch (e) {
            if (Date.now() - started > timeoutMs) {
                throw new OperationError(`the environment's S3 API did not answer within ${Math.round(timeoutMs / 1000)} s: ${(e as Error).message}`);
            }
            await sleep(500);
        }
    }
}
