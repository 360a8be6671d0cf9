/**
 * A real S3 API for the tests: moto's server (installed by `npm run setup:s3`, see
 * tools/s3/setup.mjs) started on a free loopback port, with a versioned bucket, and optionally a
 * proxy in front of it that delays every request (S3 in the runner's region is not 0 ms away).
 * `stop` ends both; nothing is left running.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client } from "@aws-sdk/client-s3";
import { freePort } from "./registry";

const { cacheDir } = require("../tools/gobuild.cjs") as { cacheDir(): string };

const REGION = "eu-central-1";

/** Credentials moto accepts; the engine and the SDK read them from the environment. */
export const S3_ENV = { AWS_ACCESS_KEY_ID: "vnv-test", AWS_SECRET_ACCESS_KEY: "vnv-test-secret", AWS_REGION: REGION } as const;

export interface TestS3 {
    /** `http://127.0.0.1:PORT` of moto (or of the delaying proxy). */
    readonly endpoint: string;
    readonly bucket: string;
    /** A backend URL under its own prefix of the bucket. */
    backendUrl(prefix: string): string;
    /** Bytes of the answers' bodies the delaying proxy passed on so far (0 without the proxy). */
    served(): number;
    stop(): Promise<void>;
}

function serverBinary(): string {
    if (process.env.VNV_TEST_S3_SERVER) {
        return process.env.VNV_TEST_S3_SERVER;
    }
    const root = path.join(cacheDir(), "moto");
    const found = fs.existsSync(root) ? fs.readdirSync(root).find((d) => fs.existsSync(path.join(root, d, ".complete"))) : undefined;
    if (found === undefined) {
        throw new Error("moto's server is not installed: run `npm run setup:s3` (npm test does)");
    }
    return path.join(root, found, "bin", "moto_server");
}

async function waitForUp(url: string, child: ChildProcess, log: () => string): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
        if (child.exitCode !== null) {
            throw new Error(`moto_server exited with ${child.exitCode}:\n${log()}`);
        }
        try {
            await fetch(url);
            return;
        } catch {
            await new Promise((r) => setTimeout(r, 100));
        }
    }
    throw new Error(`moto_server did not answer at ${url} within 30 s:\n${log()}`);
}

/** A proxy that holds every request `delayMs` before passing it on to `target`. */
async function delayingProxy(target: string, delayMs: number): Promise<{ endpoint: string; served(): number; close(): Promise<void> }> {
    const to = new URL(target);
    let served = 0;
    const server = http.createServer((req, res) => {
        setTimeout(() => {
            const upstream = http.request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
                res.writeHead(answer.statusCode ?? 502, answer.headers);
                answer.on("data", (d: Buffer) => {
                    served += d.length;
                });
                answer.pipe(res);
            });
            upstream.on("error", () => res.destroy());
            req.pipe(upstream);
        }, delayMs);
    });
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    return {
        endpoint: `http://127.0.0.1:${port}`,
        served: () => served,
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}

/** Starts moto with a versioned bucket; `delayMs` puts a delaying proxy in front of it. */
export async function startS3(options: { delayMs?: number } = {}): Promise<TestS3> {
    const port = await freePort();
    const child = spawn(serverBinary(), ["-H", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout!.on("data", (d) => (output += d));
    child.stderr!.on("data", (d) => (output += d));
    const direct = `http://127.0.0.1:${port}`;
    await waitForUp(direct, child, () => output);
    const bucket = "vnv-state-test";
    const client = new S3Client({
        region: REGION,
        endpoint: direct,
        forcePathStyle: true,
        credentials: { accessKeyId: S3_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: S3_ENV.AWS_SECRET_ACCESS_KEY },
    });
    await client.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }));
    await client.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
    client.destroy();
    const proxy = options.delayMs === undefined ? undefined : await delayingProxy(direct, options.delayMs);
    const endpoint = proxy?.endpoint ?? direct;
    return {
        endpoint,
        bucket,
        backendUrl: (prefix) => `s3://${bucket}/${prefix}?endpoint=${endpoint}&s3ForcePathStyle=true&region=${REGION}`,
        served: () => proxy?.served() ?? 0,
        async stop() {
            await proxy?.close();
            if (child.exitCode === null) {
                const exited = new Promise((r) => child.on("exit", r));
                child.kill("SIGTERM");
                await exited;
            }
        },
    };
}

/** Moto on loopback for the enclosing `describe`: started before its tests, stopped after them. */
export function useMoto(): () => TestS3 {
    let moto: TestS3 | undefined;
    before(async () => {
        moto = await startS3();
    });
    after(async () => {
        await moto?.stop();
    });
    return () => moto!;
}

/** An AWS SDK client's settings for moto in `region`: its endpoint, the test credentials, no retry. */
export function motoClient(moto: TestS3, region: string = "eu-central-1") {
    return {
        region,
        endpoint: moto.endpoint,
        credentials: { accessKeyId: S3_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: S3_ENV.AWS_SECRET_ACCESS_KEY },
        maxAttempts: 1,
    };
}
