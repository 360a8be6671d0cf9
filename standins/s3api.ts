/**
 * The S3 API image of a Docker environment's frontend bucket. MinIO publishes no images any more
 * (docs/design.md, "Runtime facts"); this is versitygw (github.com/versity/versitygw, Apache-2.0,
 * maintained, an S3 gateway over a POSIX directory), built static from the Go module proxy by
 * `npm run setup:s3api` (tools/s3api) and written into the image with the stand-ins' busybox
 * (a shell for the start script, wget for the health check).
 *
 * Run: `ROOT_ACCESS_KEY` and `ROOT_SECRET_KEY` in the environment (required), a volume at /data;
 * S3 on :7070, `GET /health` answers 200 without credentials. Buckets are directories of
 * /data/buckets, object metadata sidecar files under /data/meta (not extended attributes).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "../infra/stackFile";
import { busyboxBinary, staticElfProblem } from "./busybox";
import { busyboxLayer, directories, healthcheck, NOBODY, type PushOptions } from "./images";
import { checkTarget, type Entry, type Layer, type Pushed, pushImage, type RunConfig } from "./oci";
import { S3API_SCRIPT } from "./scripts";

// CommonJS helper shared with tools/s3api/setup.mjs (one definition of the cache layout).
const locate = require(path.join(PROJECT_DIR, "tools", "s3api", "locate.cjs")) as {
    pinnedVersion(): string;
    cachedBinary(env?: NodeJS.ProcessEnv): string;
};

export const S3API_PORT = 7070;
export const S3API_VERSION: string = locate.pinnedVersion();

/** The health check: versitygw's unauthenticated `GET /health` on the port of VGW_PORT (`:7070`, or one set at run time). */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template
export const S3API_HEALTH = 'wget -q -O /dev/null "http://127.0.0.1:${VGW_PORT##*:}/health"';

/** The versitygw binary `npm run setup:s3api` built, or an error saying to build it. */
export function versitygwBinary(env: NodeJS.ProcessEnv = process.env): string {
    const binary = locate.cachedBinary(env);
    if (!fs.existsSync(binary)) {
        throw new Error(`the S3 API image needs versitygw ${S3API_VERSION}, not built yet (${binary}): run \`npm run setup:s3api\` (Go 1.25+, about a minute)`);
    }
    const head = Buffer.alloc(64 * 1024);
    const fd = fs.openSync(binary, "r");
    try {
        const problem = staticElfProblem(head.subarray(0, fs.readSync(fd, head, 0, head.length, 0)));
        if (problem) throw new Error(`${binary} cannot run in an image of its own: ${problem}; remove it and run \`npm run setup:s3api\``);
    } finally {
        fs.closeSync(fd);
    }
    return binary;
}

/** The layers and config of the S3 API image (busybox first, then versitygw and its script). */
export function s3ApiImage(busybox: Buffer, versitygw: Buffer): { layers: Layer[]; config: RunConfig } {
    const layer: Layer = {
        createdBy: `vnv standins: versitygw ${S3API_VERSION} (CGO_ENABLED=0, from the Go module proxy)`,
        entries: [
            ...directories(["usr/local/bin"]),
            { type: "file", name: "usr/local/bin/versitygw", content: versitygw, mode: 0o755 },
            { type: "file", name: "usr/local/bin/s3api-start", content: S3API_SCRIPT, mode: 0o755 },
            ...["data/", "data/buckets/", "data/meta/"].map((name): Entry => ({ type: "directory", name, mode: 0o755, uid: NOBODY })),
        ],
    };
    return {
        layers: [busyboxLayer(busybox), layer],
        config: {
            Env: ["PATH=/usr/local/bin:/bin", `VGW_PORT=:${S3API_PORT}`, "VGW_HEALTH=/health", "VGW_META_SIDECAR=/data/meta"],
            Entrypoint: ["/usr/local/bin/s3api-start"],
            Cmd: ["posix", "/data/buckets"],
            ExposedPorts: { [`${S3API_PORT}/tcp`]: {} },
            Volumes: { "/data": {} },
            WorkingDir: "/",
            User: `${NOBODY}:${NOBODY}`,
            Labels: { "org.opencontainers.image.title": "versitygw", "org.opencontainers.image.version": S3API_VERSION, "vnv.standin": "s3api" },
            Healthcheck: healthcheck(S3API_HEALTH),
        },
    };
}

/** Pushes the S3 API image as `registryUrl`/`repo`:`tag`; answers where it is and its digest. */
export async function pushS3Api(registryUrl: string, repo: string, tag: string, options: PushOptions = {}): Promise<Pushed> {
    const target = { registryUrl, repo, tag, ...(options.authorization ? { authorization: options.authorization } : {}) };
    checkTarget(target);
    const env = options.env ?? process.env;
    const busybox = fs.readFileSync(await busyboxBinary(env));
    const { layers, config } = s3ApiImage(busybox, fs.readFileSync(versitygwBinary(env)));
    return pushImage(target, layers, config);
}

/** Pushes the S3 API image; answers the manifest's digest, `sha256:…`. */
export async function pushS3ApiImage(registryUrl: string, repo: string, tag: string, options: PushOptions = {}): Promise<string> {
    return (await pushS3Api(registryUrl, repo, tag, options)).digest;
}
