/**
 * Registry client rules that a healthy local registry cannot show: credentials lookup, retries,
 * challenges, and hostile registries (real HTTP servers on loopback; 127.0.0.2 is another host).
 */
import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { parseChallenge, RegistryClient, RegistryError } from "../registry/client";
import { credentialsFrom } from "../registry/credentials";
import { tokenRealm } from "../registry/transport";
import { parseRepository } from "../rules/imageReference";

const DIGEST = `sha256:${"ab".repeat(32)}`;

/** A scripted fetch: answers the given statuses in order, recording the calls. */
function scripted(answers: Array<{ status: number; headers?: Record<string, string> }>): { fetch: typeof fetch; calls: string[] } {
    const calls: string[] = [];
    const fetchFn = (async (url: string | URL, init?: RequestInit) => {
        calls.push(`${init?.method ?? "GET"} ${String(url)}`);
        const next = answers.shift() ?? { status: 500 };
        return new Response(next.status === 200 || next.status === 204 ? null : JSON.stringify({ errors: [{ code: "X", message: "scripted" }] }), {
            status: next.status,
            headers: next.headers,
        });
    }) as typeof fetch;
    return { fetch: fetchFn, calls };
}

describe("registry client", () => {
    it("finds Docker Hub, ghcr.io and loopback registries", () => {
        assert.deepEqual(parseRepository("redis"), { name: "redis", registry: "docker.io", baseUrl: "https://registry-1.docker.io", path: "library/redis" });
        assert.equal(parseRepository("ghcr.io/infrasoftbe/infrasoft-vnv-proxy-server").baseUrl, "https://ghcr.io");
        assert.equal(parseRepository("127.0.0.1:5000/infrasoftbe/app").baseUrl, "http://127.0.0.1:5000");
        assert.throws(() => parseRepository("ghcr.io/infrasoftbe/app:v1"), /without tag or digest/);
    });

    it("reads a bearer challenge's realm, service and scope", () => {
        assert.deepEqual(parseChallenge('Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:org/app:pull"'), {
            scheme: "bearer",
            params: { realm: "https://ghcr.io/token", service: "ghcr.io", scope: "repository:org/app:pull" },
        });
    });

    it("retries 429 after Retry-After, then succeeds", async () => {
        const { fetch, calls } = scripted([
            { status: 429, headers: { "retry-after": "0" } },
            { status: 200, headers: { "docker-content-digest": DIGEST, "content-type": "application/vnd.oci.image.index.v1+json" } },
        ]);
        const client = new RegistryClient({ credentials: () => undefined, fetch, backoffMs: 1 });
        assert.equal((await client.resolve("ghcr.io/org/app", "v1.0.0")).digest, DIGEST);
        assert.equal(calls.length, 2);
    });

    it("gives up on a rate limit after the attempts, saying so", async () => {
        const { fetch, calls } = scripted([{ status: 429 }, { status: 429 }, { status: 429 }]);
        const client = new RegistryClient({ credentials: () => undefined, fetch, backoffMs: 1 });
        await assert.rejects(
            client.resolve("ghcr.io/org/app", "v1.0.0"),
            (e: unknown) => e instanceof RegistryError && e.kind === "rate-limited" && /rate limited by ghcr\.io .* after 3 attempt/.test(e.message),
        );
        assert.equal(calls.length, 3);
    });

    it("does not retry what retrying cannot fix (403)", async () => {
        const { fetch, calls } = scripted([{ status: 403 }, { status: 200 }]);
        const client = new RegistryClient({ credentials: () => undefined, fetch, backoffMs: 1 });
        await assert.rejects(client.resolve("ghcr.io/org/app", "v1.0.0"), (e: unknown) => e instanceof RegistryError && e.kind === "denied");
        assert.equal(calls.length, 1);
    });

    it("retries a 503, not a Retry-After beyond the limit", async () => {
        const { fetch, calls } = scripted([{ status: 503, headers: { "retry-after": "3600" } }]);
        const client = new RegistryClient({ credentials: () => undefined, fetch, backoffMs: 1 });
        await assert.rejects(client.resolve("ghcr.io/org/app", "v1.0.0"), /server error from ghcr\.io/);
        assert.equal(calls.length, 1);
    });
});

describe("registry credentials", () => {
    const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), "vnv-docker-"));

    it("reads docker config.json auths (base64 user:password)", () => {
        const dir = tmp();
        fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({ auths: { "ghcr.io": { auth: Buffer.from("ana:p4ss:word").toString("base64") } } }));
        const creds = credentialsFrom({ DOCKER_CONFIG: dir })("ghcr.io");
        assert.deepEqual(creds, { username: "ana", password: "p4ss:word", source: "docker config (ghcr.io)" });
    });

    it("knows Docker Hub's config key", () => {
        const dir = tmp();
        fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({ auths: { "https://index.docker.io/v1/": { username: "bob", password: "pw" } } }));
        assert.equal(credentialsFrom({ DOCKER_CONFIG: dir })("docker.io")?.username, "bob");
    });

    it("VNV_REGISTRY_CREDENTIALS wins over the docker config", () => {
        const dir = tmp();
        fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({ auths: { "ghcr.io": { username: "bob", password: "pw" } } }));
        const lookup = credentialsFrom({ DOCKER_CONFIG: dir, VNV_REGISTRY_CREDENTIALS: JSON.stringify({ "ghcr.io": { username: "ci", password: "token" } }) });
        assert.equal(lookup("ghcr.io")?.username, "ci");
    });

    it("refuses VNV_REGISTRY_CREDENTIALS that are not JSON, saying the form", () => {
        assert.throws(() => credentialsFrom({ VNV_REGISTRY_CREDENTIALS: "ci:token" }), /not JSON of the form/);
    });
});

// ---------------------------------------------------------------------------- hostile registries on loopback

interface Loopback {
    readonly host: string;
    /** Each request: its path and whether it carried an Authorization header. */
    readonly requests: Array<{ path: string; authorization?: string }>;
    stop(): Promise<void>;
}

/** A real HTTP server on `address` (127.0.0.1, or 127.0.0.2: another host on the same machine). */
async function loopback(handler: (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void, address = "127.0.0.1"): Promise<Loopback> {
    const requests: Loopback["requests"] = [];
    const server = http.createServer((req, res) => {
        requests.push({ path: req.url ?? "", ...(req.headers.authorization === undefined ? {} : { authorization: req.headers.authorization }) });
        handler(req, res, requests.length - 1);
    });
    await new Promise<void>((r) => server.listen(0, address, () => r()));
    return {
        host: `${address}:${(server.address() as AddressInfo).port}`,
        requests,
        stop: () =>
            new Promise<void>((r) => {
                server.closeAllConnections();
                server.close(() => r());
            }),
    };
}

const json = (res: http.ServerResponse, body: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(200, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
};

/** A tag list that always offers one more page (up to `stopAfter` pages, so a client without a cap still ends). */
function endlessPages(perPage: number, stopAfter: number) {
    return (_req: http.IncomingMessage, res: http.ServerResponse, n: number): void => {
        const tags = Array.from({ length: perPage }, (_, i) => `t${String(n).padStart(6, "0")}-${i}`);
        const link: Record<string, string> =
            n + 1 < stopAfter ? { link: `</v2/infrasoftbe/app/tags/list?last=${tags[tags.length - 1]}&n=${perPage}>; rel="next"` } : {};
        json(res, { name: "infrasoftbe/app", tags }, link);
    };
}

const ana = () => ({ username: "ana", password: "s3cret", source: "test credentials" });

describe("registry client: a tag listing is bounded", function () {
    this.timeout(30_000);
    let server: Loopback | undefined;
    afterEach(async () => {
        await server?.stop();
        server = undefined;
    });

    it("a tag list that pages on and on is refused at the page cap, naming the repository and the cap", async () => {
        server = await loopback(endlessPages(1, 50));
        const client = new RegistryClient({ credentials: () => undefined, maxTagPages: 10 });
        await assert.rejects(
            client.tags(`${server.host}/infrasoftbe/app`),
            (e: unknown) =>
                e instanceof RegistryError &&
                e.kind === "invalid" &&
                e.message.startsWith(`${server!.host}/infrasoftbe/app: `) &&
                /more than 10 pages of tags \(the page cap/.test(e.message),
        );
        assert.equal(server.requests.length, 10);
    });

    it("the page cap is 1000 pages unless set", async () => {
        server = await loopback(endlessPages(1, 1500));
        await assert.rejects(new RegistryClient({ credentials: () => undefined }).tags(`${server.host}/infrasoftbe/app`), /more than 1000 pages of tags/);
        assert.equal(server.requests.length, 1000);
    });

    it("a repository with more tags than the tag cap is refused, naming the repository and the cap", async () => {
        server = await loopback(endlessPages(30, 5));
        const client = new RegistryClient({ credentials: () => undefined, maxTags: 50 });
        await assert.rejects(client.tags(`${server.host}/infrasoftbe/app`), /infrasoftbe\/app: .*has more than 50 tags \(the tag cap\)/);
        assert.equal(server.requests.length, 2);
    });

    it("the tag cap is 100000 tags unless set", async () => {
        server = await loopback((_req, res) => json(res, { tags: Array.from({ length: 100_001 }, (_, i) => `t${i}`) }));
        await assert.rejects(new RegistryClient({ credentials: () => undefined }).tags(`${server.host}/infrasoftbe/app`), /more than 100000 tags/);
    });

    it("a listing that takes longer than its time cap in all is refused, naming the cap", async () => {
        const pages = endlessPages(1, 30);
        server = await loopback((req, res, n) => setTimeout(() => pages(req, res, n), 40));
        const client = new RegistryClient({ credentials: () => undefined, tagListTimeoutMs: 200 });
        await assert.rejects(client.tags(`${server.host}/infrasoftbe/app`), /infrasoftbe\/app: .*took longer than 200 ms \(the time cap\)/);
        assert.ok(server.requests.length < 30);
    });

    it("a tag page larger than 4 MiB is refused before it is read whole", async () => {
        server = await loopback((_req, res) => {
            res.writeHead(200, { "content-type": "application/json" });
            res.end(`{"tags":["${"a".repeat(5 * 1024 * 1024)}"]}`);
        });
        await assert.rejects(
            new RegistryClient({ credentials: () => undefined }).tags(`${server.host}/infrasoftbe/app`),
            /answered a tag page of .* more than the 4194304 allowed/,
        );
    });

    it("the caps are whole numbers of at least 1", () => {
        for (const key of ["maxTagPages", "maxTags", "tagListTimeoutMs", "maxManifestBytes"]) {
            for (const value of [0, -1, 1.5, Number.NaN]) {
                assert.throws(() => new RegistryClient({ [key]: value }), new RegExp(`${key} must be a whole number`));
            }
        }
    });
});

describe("registry client: what a registry answers is bounded and escaped", function () {
    this.timeout(30_000);
    let server: Loopback | undefined;
    afterEach(async () => {
        await server?.stop();
        server = undefined;
    });

    it("a manifest larger than 4 MiB is refused, naming the image and the limit", async () => {
        server = await loopback((_req, res) => {
            res.writeHead(200, { "content-type": "application/vnd.oci.image.manifest.v1+json" });
            res.end(Buffer.alloc(5 * 1024 * 1024, 32));
        });
        await assert.rejects(
            new RegistryClient({ credentials: () => undefined }).manifest(`${server.host}/infrasoftbe/app`, "v1.0.0"),
            /infrasoftbe\/app:v1\.0\.0: a manifest of .*more than the 4194304 allowed/,
        );
    });

    it("a registry's error message is shown with control and bidirectional characters escaped", async () => {
        server = await loopback((_req, res) => {
            res.writeHead(404, { "content-type": "application/json" }).end(
                JSON.stringify({ errors: [{ code: "MANIFEST_UNKNOWN", message: "gone\u001b[2J\u202eevil\u0085" }] }),
            );
        });
        await assert.rejects(new RegistryClient({ credentials: () => undefined }).manifest(`${server.host}/infrasoftbe/app`, "v1.0.0"), (e: unknown) => {
            const message = (e as Error).message;
            assert.match(message, /404 MANIFEST_UNKNOWN: gone\\u001b\[2J\\u202eevil\\u0085/);
            return true;
        });
    });

    it("a token service that answers something other than JSON is refused, naming it", async () => {
        const tokens = await loopback((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<html>login</html>"));
        server = await loopback((_req, res) => {
            res.writeHead(401, { "www-authenticate": `Bearer realm="http://${tokens.host}/token",service="t"` }).end();
        });
        try {
            await assert.rejects(
                new RegistryClient({ credentials: () => undefined }).manifest(`${server.host}/infrasoftbe/app`, "v1.0.0"),
                /token service 127\.0\.0\.1:\d+ answered something that is not JSON/,
            );
        } finally {
            await tokens.stop();
        }
    });
});

describe("registry client: credentials stay with the registry", function () {
    this.timeout(30_000);
    const servers: Loopback[] = [];
    const start = async (...args: Parameters<typeof loopback>): Promise<Loopback> => {
        const s = await loopback(...args);
        servers.push(s);
        return s;
    };
    afterEach(async () => {
        await Promise.all(servers.splice(0).map((s) => s.stop()));
    });

    /** A registry that challenges for a bearer token at `realm`. */
    const challenging = (realm: () => string) => (_req: http.IncomingMessage, res: http.ServerResponse) => {
        res.writeHead(401, { "www-authenticate": `Bearer realm="${realm()}",service="registry"` }).end();
    };

    it("credentials are never sent to a plain-http token realm on another host: refused, naming the realm and the registry", async () => {
        const tokens = await start((_req, res) => json(res, { token: "t0k3n" }), "127.0.0.2");
        const registry = await start(challenging(() => `http://${tokens.host}/token`));
        await assert.rejects(
            new RegistryClient({ credentials: ana }).manifest(`${registry.host}/infrasoftbe/app`, "v1.0.0"),
            (e: unknown) =>
                e instanceof RegistryError &&
                e.message.includes(`${registry.host}'s token realm http://${tokens.host}/token is plain http on another host`) &&
                /refused, nothing sent there/.test(e.message),
        );
        assert.deepEqual(tokens.requests, []);
    });

    it("a plain-http token realm on a loopback registry's own host is asked (the test registry's gatekeeper)", async () => {
        const tokens = await start((_req, res) => json(res, { token: "t0k3n" }));
        const registry = await start((req, res) => {
            if (req.headers.authorization === "Bearer t0k3n") {
                res.writeHead(200, { "content-type": "application/vnd.oci.image.manifest.v1+json" }).end("{}");
            } else {
                challenging(() => `http://${tokens.host}/token`)(req, res);
            }
        });
        const manifest = await new RegistryClient({ credentials: ana }).manifest(`${registry.host}/infrasoftbe/app`, "v1.0.0");
        assert.equal(manifest.bytes.toString(), "{}");
        assert.equal(tokens.requests.length, 1);
    });

    it("which token realms are asked: https anywhere; http only on a loopback registry's own host; nothing else", () => {
        const loopbackRepo = parseRepository("127.0.0.1:5000/org/app");
        const remote = parseRepository("ghcr.io/org/app");
        const allowed: Array<[typeof remote, string]> = [
            [remote, "https://ghcr.io/token"],
            [remote, "https://auth.docker.io/token"],
            [loopbackRepo, "https://auth.example/token"],
            [loopbackRepo, "http://127.0.0.1:5001/token"],
        ];
        const refused: Array<[typeof remote, string]> = [
            [remote, "http://ghcr.io/token"],
            [remote, "http://127.0.0.1/token"],
            [loopbackRepo, "http://127.0.0.2:5000/token"],
            [loopbackRepo, "http://localhost:5000/token"],
            [loopbackRepo, "http://evil.example/token"],
            [remote, "ftp://ghcr.io/token"],
            [remote, "file:///etc/passwd"],
            [remote, "https://user:pw@ghcr.io/token"],
            [remote, "not a url"],
        ];
        for (const [repo, realm] of allowed) {
            assert.equal(tokenRealm(repo, realm, "x").href, new URL(realm).href, realm);
        }
        for (const [repo, realm] of refused) {
            assert.throws(() => tokenRealm(repo, realm, "x"), /token realm .* refused, nothing sent there/, realm);
        }
    });

    it("a redirect to another host is followed without the credentials", async () => {
        const storage = await start((_req, res) => res.writeHead(200, { "content-type": "application/octet-stream" }).end("layer"), "127.0.0.2");
        const registry = await start((req, res) => {
            if (req.headers.authorization === undefined) {
                res.writeHead(401, { "www-authenticate": 'Basic realm="r"' }).end();
            } else {
                res.writeHead(307, { location: `http://${storage.host}/blob?sig=1` }).end();
            }
        });
        const digest = `sha256:${createHash("sha256").update("layer").digest("hex")}`;
        const bytes = await new RegistryClient({ credentials: ana }).blob(`${registry.host}/infrasoftbe/app`, digest, 1024);
        assert.equal(bytes.toString(), "layer");
        assert.deepEqual(storage.requests, [{ path: "/blob?sig=1" }]);
    });

    it("at most 5 redirects are followed; more is refused, naming the registry", async () => {
        const registry = await start((_req, res, n) => res.writeHead(302, { location: `/v2/infrasoftbe/app/manifests/hop${n}` }).end());
        await assert.rejects(
            new RegistryClient({ credentials: () => undefined }).manifest(`${registry.host}/infrasoftbe/app`, "v1.0.0"),
            (e: unknown) => e instanceof RegistryError && e.kind === "invalid" && /127\.0\.0\.1:\d+ redirected more than 5 times \(the limit\)/.test(e.message),
        );
        assert.equal(registry.requests.length, 6);
    });

    it("a redirect to anything but http(s) is refused", async () => {
        const registry = await start((_req, res) => res.writeHead(302, { location: "file:///etc/passwd" }).end());
        await assert.rejects(
            new RegistryClient({ credentials: () => undefined }).manifest(`${registry.host}/infrasoftbe/app`, "v1.0.0"),
            /redirected to "?file:"? \(only http and https are followed\)/,
        );
    });
});
