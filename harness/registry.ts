/**
 * A real OCI registry on loopback for tests: Debian's docker-registry (the CNCF distribution
 * registry), started on a free port with filesystem storage in a temporary directory,
 * optionally behind htpasswd (basic auth) or behind a bearer-token gatekeeper with a small
 * token endpoint. Test images are pushed through the API (config blob, layer, manifest, index).
 */
import type { ServiceSpec } from "../rules/service";
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import bcrypt from "bcryptjs";

export const REGISTRY_BINARY = process.env.VNV_TEST_REGISTRY_BINARY ?? "/usr/bin/docker-registry";

export interface TestRegistry {
    /** `127.0.0.1:PORT`: use as image prefix (`127.0.0.1:PORT/infrasoftbe/app`). */
    readonly host: string;
    /** Authorization header for pushing test images (basic mode), else undefined. */
    readonly pushAuth?: string;
    stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.listen(0, "127.0.0.1", () => {
            const port = (srv.address() as net.AddressInfo).port;
            srv.close(() => resolve(port));
        });
        srv.on("error", reject);
    });
}

async function waitForUp(url: string, child: ChildProcess, log: () => string): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
        if (child.exitCode !== null) {
            throw new Error(`docker-registry exited with ${child.exitCode}:\n${log()}`);
        }
        try {
            const res = await fetch(url);
            if (res.status === 200 || res.status === 401) {
                return;
            }
        } catch {
            // not yet listening
        }
        await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`docker-registry did not answer at ${url} within 20 s:\n${log()}`);
}

/** Starts a registry; `basic` puts it behind htpasswd with that user. */
export async function startRegistry(options: { basic?: { user: string; password: string } } = {}): Promise<TestRegistry> {
    if (!fs.existsSync(REGISTRY_BINARY)) {
        throw new Error(`${REGISTRY_BINARY} not found: install Debian's docker-registry package (apt-get install docker-registry; .ci/run does)`);
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-registry-"));
    const port = await freePort();
    const lines = [
        "version: 0.1",
        "log:",
        "  level: warn",
        "storage:",
        "  filesystem:",
        `    rootdirectory: ${dir}/data`,
        "  delete:",
        "    enabled: true",
        "http:",
        `  addr: 127.0.0.1:${port}`,
    ];
    if (options.basic) {
        fs.writeFileSync(`${dir}/htpasswd`, `${options.basic.user}:${bcrypt.hashSync(options.basic.password, 6)}\n`);
        lines.push("auth:", "  htpasswd:", "    realm: vnv-test", `    path: ${dir}/htpasswd`);
    }
    fs.writeFileSync(`${dir}/config.yml`, `${lines.join("\n")}\n`);
    const child = spawn(REGISTRY_BINARY, ["serve", `${dir}/config.yml`], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout!.on("data", (d) => (output += d));
    child.stderr!.on("data", (d) => (output += d));
    await waitForUp(`http://127.0.0.1:${port}/v2/`, child, () => output);
    return {
        host: `127.0.0.1:${port}`,
        pushAuth: options.basic ? `Basic ${Buffer.from(`${options.basic.user}:${options.basic.password}`).toString("base64")}` : undefined,
        async stop() {
            if (child.exitCode === null) {
                const exited = new Promise((r) => child.on("exit", r));
                child.kill("SIGTERM");
                await exited;
            }
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}

export interface Gatekeeper {
    /** Host of the gatekeeper: images are `HOST/repo`. */
    readonly host: string;
    /** Token requests seen (scope asked for, whether credentials came). */
    readonly tokenRequests: Array<{ scope: string | null; service: string | null; authenticated: boolean }>;
    stop(): Promise<void>;
}

/**
 * A bearer-token gatekeeper in front of an anonymous registry, the way ghcr.io and Docker Hub
 * behave: requests without a valid token get 401 with `WWW-Authenticate: Bearer realm=…,
 * service=…, scope=…`; `/token` issues a token for basic credentials `user:password`.
 */
export async function startGatekeeper(upstream: TestRegistry, user: string, password: string): Promise<Gatekeeper> {
    const tokens = new Set<string>();
    const tokenRequests: Gatekeeper["tokenRequests"] = [];
    const expected = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
    const server = http.createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://gatekeeper");
        if (url.pathname === "/token") {
            const authenticated = req.headers.authorization === expected;
            tokenRequests.push({ scope: url.searchParams.get("scope"), service: url.searchParams.get("service"), authenticated });
            if (!authenticated) {
                res.writeHead(401, { "content-type": "application/json" }).end(
                    JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "bad credentials" }] }),
                );
                return;
            }
            const token = randomBytes(16).toString("hex");
            tokens.add(token);
            res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token, expires_in: 300 }));
            return;
        }
        const auth = req.headers.authorization ?? "";
        if (!auth.startsWith("Bearer ") || !tokens.has(auth.slice(7))) {
            const repo = url.pathname.match(/^\/v2\/(.+?)\/(manifests|blobs|tags)\//)?.[1];
            const scope = repo ? `,scope="repository:${repo}:pull"` : "";
            res.writeHead(401, {
                "content-type": "application/json",
                "www-authenticate": `Bearer realm="http://${host}/token",service="vnv-test-registry"${scope}`,
            }).end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }));
            return;
        }
        const forward = http.request(
            {
                host: "127.0.0.1",
                port: Number(upstream.host.split(":")[1]),
                method: req.method,
                path: req.url,
                headers: { ...req.headers, host: upstream.host, authorization: "" },
            },
            (up) => {
                res.writeHead(up.statusCode ?? 502, up.headers);
                up.pipe(res);
            },
        );
        forward.on("error", () => res.writeHead(502).end());
        req.pipe(forward);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const host = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    return {
        host,
        tokenRequests,
        stop: () => new Promise((r) => server.close(() => r())),
    };
}

// ---------------------------------------------------------------------------- test images

function digestOf(bytes: Buffer): string {
    return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

export async function pushBlob(reg: TestRegistry, repo: string, bytes: Buffer): Promise<string> {
    const digest = digestOf(bytes);
    const headers: Record<string, string> = reg.pushAuth ? { authorization: reg.pushAuth } : {};
    const start = await fetch(`http://${reg.host}/v2/${repo}/blobs/uploads/`, { method: "POST", headers });
    if (start.status !== 202) {
        throw new Error(`blob upload to ${repo} refused: ${start.status} ${await start.text()}`);
    }
    const location = new URL(start.headers.get("location")!, `http://${reg.host}`);
    location.searchParams.set("digest", digest);
    const put = await fetch(location, { method: "PUT", headers: { ...headers, "content-type": "application/octet-stream" }, body: bytes });
    if (put.status !== 201) {
        throw new Error(`blob PUT to ${repo} refused: ${put.status} ${await put.text()}`);
    }
    return digest;
}

export async function putManifest(reg: TestRegistry, repo: string, tag: string, mediaType: string, body: object): Promise<string> {
    const bytes = Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { "content-type": mediaType, ...(reg.pushAuth ? { authorization: reg.pushAuth } : {}) };
    const res = await fetch(`http://${reg.host}/v2/${repo}/manifests/${tag}`, { method: "PUT", headers, body: bytes });
    if (res.status !== 201) {
        throw new Error(`manifest PUT ${repo}:${tag} refused: ${res.status} ${await res.text()}`);
    }
    return digestOf(bytes);
}

export type ManifestKind = "docker" | "oci";

/**
 * Pushes a one-layer image (a config blob, a layer, a manifest) under `tag`; `seed` makes its
 * content (and so its digest) distinct. Answers the manifest digest.
 */
export async function pushImage(
    reg: TestRegistry,
    repo: string,
    tag: string,
    seed: string,
    kind: ManifestKind = "docker",
    arch: string = "amd64",
    labels: Readonly<Record<string, string>> = {},
): Promise<string> {
    const config = Buffer.from(
        JSON.stringify({ architecture: arch, os: "linux", config: { Labels: { seed, ...labels } }, rootfs: { type: "layers", diff_ids: [] } }),
    );
    const layer = Buffer.from(`layer of ${seed} for ${arch}`);
    const configDigest = await pushBlob(reg, repo, config);
    const layerDigest = await pushBlob(reg, repo, layer);
    const docker = kind === "docker";
    const mediaType = docker ? "application/vnd.docker.distribution.manifest.v2+json" : "application/vnd.oci.image.manifest.v1+json";
    return putManifest(reg, repo, tag, mediaType, {
        schemaVersion: 2,
        mediaType,
        config: {
            mediaType: docker ? "application/vnd.docker.container.image.v1+json" : "application/vnd.oci.image.config.v1+json",
            size: config.length,
            digest: configDigest,
        },
        layers: [
            {
                mediaType: docker ? "application/vnd.docker.image.rootfs.diff.tar.gzip" : "application/vnd.oci.image.layer.v1.tar+gzip",
                size: layer.length,
                digest: layerDigest,
            },
        ],
    });
}

/** Pushes a two-platform index (amd64 and arm64 images) under `tag`; answers its digest. */
export async function pushIndex(reg: TestRegistry, repo: string, tag: string, seed: string, kind: ManifestKind = "oci"): Promise<string> {
    const platforms = ["amd64", "arm64"];
    const manifests = [];
    for (const arch of platforms) {
        const digest = await pushImage(reg, repo, `${tag}-${arch}`, seed, kind, arch);
        const res = await fetch(`http://${reg.host}/v2/${repo}/manifests/${digest}`, {
            headers: {
                accept: kind === "docker" ? "application/vnd.docker.distribution.manifest.v2+json" : "application/vnd.oci.image.manifest.v1+json",
                ...(reg.pushAuth ? { authorization: reg.pushAuth } : {}),
            },
        });
        const size = (await res.arrayBuffer()).byteLength;
        manifests.push({
            mediaType: kind === "docker" ? "application/vnd.docker.distribution.manifest.v2+json" : "application/vnd.oci.image.manifest.v1+json",
            size,
            digest,
            platform: { architecture: arch, os: "linux" },
        });
    }
    const mediaType = kind === "docker" ? "application/vnd.docker.distribution.manifest.list.v2+json" : "application/vnd.oci.image.index.v1+json";
    return putManifest(reg, repo, tag, mediaType, { schemaVersion: 2, mediaType, manifests });
}

/** Services whose images live in the test registry: two of the version, one with a tag of its own. */
export function registryServices(host: string): ServiceSpec[] {
    const base = { port: 8080, cpu: 256, memory: 512, desiredCount: 1 };
    return [
        { ...base, name: "proxy-server", image: `${host}/infrasoftbe/proxy-server`, public: true },
        { ...base, name: "pnp-server", image: `${host}/infrasoftbe/pnp-server`, port: 8081 },
        { ...base, name: "redis", image: `${host}/library/redis`, tag: "7.4-alpine", port: 6379 },
    ];
}
