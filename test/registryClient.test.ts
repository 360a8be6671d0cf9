/** Registry client rules that a healthy local registry cannot show: credentials lookup, retries, challenges. */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseChallenge, RegistryClient, RegistryError } from "../registry/client";
import { credentialsFrom } from "../registry/credentials";
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
