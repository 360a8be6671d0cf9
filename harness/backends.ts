/**
 * The state backends the engine tests run on, with the same assertions: a directory (`file://`)
 * and a real S3 API on loopback (moto's server, a versioned bucket, one prefix per test).
 * Call {@link onBackend} inside a `describe`; the helpers then answer for that backend.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { S3_ENV, startS3, type TestS3 } from "./s3";

export type BackendKind = "file" | "s3";
export const BACKENDS: readonly BackendKind[] = ["file", "s3"];

let s3: TestS3 | undefined;

/** Points the helpers at `server` (an S3 API), or back at directories; for scripts outside mocha. */
export function useS3(server: TestS3 | undefined): void {
    s3 = server;
    for (const [k, v] of Object.entries(S3_ENV)) {
        process.env[k] = v;
    }
}

/** Runs the enclosing `describe` on `kind`: starts (and stops) the S3 API and its credentials. */
export function onBackend(kind: BackendKind): void {
    const saved: Record<string, string | undefined> = {};
    before(async function () {
        if (kind === "s3") {
            this.timeout(60_000);
            s3 = await startS3();
            for (const [k, v] of Object.entries(S3_ENV)) {
                saved[k] = process.env[k];
                process.env[k] = v;
            }
        }
    });
    after(async () => {
        if (kind === "s3") {
            await s3?.stop();
            s3 = undefined;
            for (const [k, v] of Object.entries(saved)) {
                if (v === undefined) {
                    delete process.env[k];
                } else {
                    process.env[k] = v;
                }
            }
        }
    });
}

/** The backend URL of a test's temporary directory: `dir/state`, or a prefix of the S3 bucket named after it. */
export function backendUrl(dir: string): string {
    if (s3 !== undefined) {
        return s3.backendUrl(path.basename(dir));
    }
    const state = path.join(dir, "state");
    fs.mkdirSync(state, { recursive: true });
    return pathToFileURL(state).href;
}

function client(): S3Client {
    return new S3Client({ region: S3_ENV.AWS_REGION, endpoint: s3!.endpoint, forcePathStyle: true });
}

/** Files of the backend below `rel` (`.pulumi/stacks`), relative to it, sorted. */
export async function backendFiles(dir: string, rel: string): Promise<string[]> {
    if (s3 === undefined) {
        const root = path.join(dir, "state", rel);
        return fs.existsSync(root)
            ? (fs.readdirSync(root, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(root, f)).isFile()).sort()
            : [];
    }
    const prefix = `${path.basename(dir)}/${rel}/`;
    const c = client();
    const keys: string[] = [];
    let token: string | undefined;
    do {
        const page = await c.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix, ContinuationToken: token }));
        keys.push(...(page.Contents ?? []).map((o) => o.Key!.slice(prefix.length)));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    c.destroy();
    return keys.sort();
}

/** Stack checkpoints on the backend (`vnv/<name>.json`). */
export async function stackFiles(dir: string): Promise<string[]> {
    return (await backendFiles(dir, ".pulumi/stacks")).filter((f) => /\.json(\.gz)?$/.test(f));
}

/** A file of the backend (`.pulumi/stacks/vnv/x.json`) as text. */
export async function backendFile(dir: string, rel: string): Promise<string> {
    if (s3 === undefined) {
        return fs.readFileSync(path.join(dir, "state", rel), "utf8");
    }
    const c = client();
    const r = await c.send(new GetObjectCommand({ Bucket: s3.bucket, Key: `${path.basename(dir)}/${rel}` }));
    const text = await r.Body!.transformToString();
    c.destroy();
    return text;
}
