/**
 * The Docker target for real: a private Docker Engine (harness/docker.ts), Docker Compose v2,
 * the sample version's stand-in images in a loopback registry, and the command line as a user
 * runs it (`vnv env … --on docker`).
 */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import type { CliDeps } from "../automation/cli/program";
import { pushSample, sampleProject } from "../demo/sample";
import { vnvOnDocker } from "../harness/dockerCli";
import { dockerEngine, dockerIn, type DockerEngine, type Runner } from "../harness/docker";
import { useTempDir } from "../harness/driver";
import { pushImage, putManifest, startRegistry, type TestRegistry } from "../harness/registry";

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

const V1 = "v1.0.0-rc.1";
const V2 = "v1.1.0-rc.1";

describe("@docker the Docker target", function () {
    this.timeout(240_000);
    const tmp = useTempDir("vnv-docker-");
    let engine: DockerEngine;
    let docker: Runner;
    let reg: TestRegistry;
    let project: string;
    let projectHome = "";
    let clock = () => new Date();

    before(async () => {
        engine = await dockerEngine();
        docker = dockerIn(engine);
        reg = await startRegistry();
        const s3Image = await pushSample(reg.host, V1);
        await pushSample(reg.host, V2);
        // Its own directory: tmp() exists only inside a test.
        projectHome = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-docker-project-"));
        project = sampleProject(projectHome, reg.host, s3Image, { firstPort: 18000 + Math.floor(Math.random() * 400) * 10 });
    });
    after(async () => {
        await reg?.stop();
        if (projectHome !== "") {
            fs.rmSync(projectHome, { recursive: true, force: true });
        }
    });
    afterEach(async () => {
        clock = () => new Date();
        for (const v of [V1, V2]) {
            await vnv(["env", "down", v, "--on", "docker"]);
        }
    });

    function vnv(args: string[], extra: Partial<CliDeps> = {}, env: NodeJS.ProcessEnv = engine.env) {
        return vnvOnDocker(args, { env, dir: tmp(), project }, { clock: () => clock(), ...extra });
    }

    /** Every container, network and volume of a project on the engine. */
    async function leftOf(projectName: string): Promise<string[]> {
        const filter = `label=com.docker.compose.project=${projectName}`;
        const lists = await Promise.all([
            docker(["ps", "-a", "-q", "--filter", filter]),
            docker(["network", "ls", "-q", "--filter", filter]),
            docker(["volume", "ls", "-q", "--filter", filter]),
        ]);
        return lists.flatMap((r) => r.stdout.split("\n").filter((l) => l.trim() !== ""));
    }

    async function upJson(version: string, more: string[] = []) {
        const r = await vnv(["env", "up", version, "--on", "docker", "--json", ...more]);
        assert.equal(r.code, 0, r.err);
        return JSON.parse(r.out) as { url: string; health: { healthy: boolean }; outputs: { ports: Record<string, number> } };
    }

    it("env up runs the version to healthy, its URL answering with the version's page", async () => {
        const up = await upJson(V1);
        assert.equal(up.health.healthy, true);
        const page = await (await fetch(up.url)).text();
        assert.match(page, new RegExp(`proxy-server.*${V1.replaceAll(".", "\\.")}`, "s"));
    });

    it("services reach one another by their names, as Service Connect gives them (redis:6379)", async () => {
        await upJson(V1);
        const r = await docker(["exec", "vnv-v1-0-0-rc-1-proxy-server-1", "nc", "redis", "6379"]);
        assert.match(r.stdout, /^\d{4}-\d{2}-\d{2}T/, r.stderr);
    });

    it("the database's data survives a restart of its container", async () => {
        await upJson(V1);
        const before = await docker(["exec", "vnv-v1-0-0-rc-1-neo4j-1", "cat", "/data/created"]);
        assert.equal((await docker(["restart", "vnv-v1-0-0-rc-1-neo4j-1"])).code, 0);
        const after = await docker(["exec", "vnv-v1-0-0-rc-1-neo4j-1", "cat", "/data/created"]);
        assert.equal(after.stdout, before.stdout);
    });

    it("env exec --on docker runs the command in the service's running container through the real docker exec, and refuses a service it does not run (exit 2)", async () => {
        await upJson(V1);
        const created = await docker(["exec", "vnv-v1-0-0-rc-1-neo4j-1", "cat", "/data/created"]);
        let seen = "";
        const r = await vnv(["env", "exec", V1, "neo4j", "--on", "docker", "--", "cat", "/data/created"], {
            // The session's terminal, captured: the program and its engine are the real ones.
            interactive: async (file, args, env) =>
                new Promise<number>((resolve) => {
                    const child = spawn(file, [...args], { env, stdio: ["ignore", "pipe", "inherit"] });
                    child.stdout.on("data", (chunk: Buffer) => {
                        seen += chunk.toString("utf8");
                    });
                    child.on("close", (code) => resolve(code ?? 1));
                }),
        });
        assert.equal(r.code, 0, r.err);
        assert.equal(seen, created.stdout);
        const none = await vnv(["env", "exec", V1, "postgres", "--on", "docker"]);
        assert.equal(none.code, 2);
        assert.match(none.err, /runs no container of postgres: it has .*neo4j.*proxy-server/);
    });

    it("two versions run at once on ports and names of their own", async () => {
        const a = await upJson(V1);
        const b = await upJson(V2);
        assert.notEqual(a.url, b.url);
        assert.equal(new Set([...Object.values(a.outputs.ports), ...Object.values(b.outputs.ports)]).size, 2 * Object.keys(a.outputs.ports).length);
        const ls = JSON.parse((await vnv(["env", "ls", "--json"])).out) as { stack: string; url: string }[];
        assert.deepEqual(ls.map((r) => r.stack).sort(), ["docker-v1-0-0-rc-1", "docker-v1-1-0-rc-1"]);
    });

    it("env ls --on and env reap --on narrow to one target: aws leaves the Docker environments out", async () => {
        await upJson(V1, ["--ttl", "1h"]);
        const rows = async (on: string) => (JSON.parse((await vnv(["env", "ls", "--on", on, "--json"])).out) as { stack: string }[]).map((r) => r.stack);
        assert.deepEqual(await rows("aws"), []);
        assert.deepEqual(await rows("docker"), ["docker-v1-0-0-rc-1"]);
        const start = Date.now();
        clock = () => new Date(start + 2 * 3_600_000);
        const r = await vnv(["env", "reap", "--on", "aws", "--json"]);
        assert.equal(r.code, 0, r.err);
        assert.deepEqual(JSON.parse(r.out).destroyed, []);
        assert.notDeepEqual(await leftOf("vnv-v1-0-0-rc-1"), []);
    });

    it("env extend moves the expiry and keeps the database's data and generated credentials", async () => {
        await upJson(V1, ["--ttl", "1h"]);
        const before = await docker(["exec", "vnv-v1-0-0-rc-1-neo4j-1", "cat", "/data/created"]);
        const r = await vnv(["env", "extend", V1, "--ttl", "3h", "--on", "docker", "--json"]);
        assert.equal(r.code, 0, r.err);
        const ls = JSON.parse((await vnv(["env", "ls", "--json"])).out) as { expiresAt: string; createdAt: string }[];
        assert.equal(Date.parse(ls[0]!.expiresAt) - Date.parse(ls[0]!.createdAt), 3 * 3_600_000);
        assert.equal((await docker(["exec", "vnv-v1-0-0-rc-1-neo4j-1", "cat", "/data/created"])).stdout, before.stdout);
        const health = await docker(["inspect", "--format", "{{.State.Health.Status}}", "vnv-v1-0-0-rc-1-neo4j-1"]);
        assert.equal(health.stdout.trim(), "healthy", "the database accepts the credentials its clients were given");
    });

    it("env down leaves no container, network or volume", async () => {
        await upJson(V1);
        assert.notDeepEqual(await leftOf("vnv-v1-0-0-rc-1"), []);
        const r = await vnv(["env", "down", V1, "--on", "docker"]);
        assert.equal(r.code, 0, r.err);
        assert.deepEqual(await leftOf("vnv-v1-0-0-rc-1"), []);
    });

    it("env down removes the environment's network even with a container vnv did not make still attached to it (that container keeps running)", async () => {
        await upJson(V1);
        const net = (await docker(["network", "ls", "-q", "--filter", "label=com.docker.compose.project=vnv-v1-0-0-rc-1"])).stdout.trim();
        assert.match(net, /^[0-9a-f]{12}$/);
        const image = (await docker(["inspect", "--format", "{{.Image}}", "vnv-v1-0-0-rc-1-neo4j-1"])).stdout.trim();
        const foreign = `vnv-foreign-${process.pid}`;
        const ran = await docker(["run", "-d", "--name", foreign, "--network", net, image]);
        assert.equal(ran.code, 0, ran.stderr);
        try {
            const r = await vnv(["env", "down", V1, "--on", "docker"]);
            assert.equal(r.code, 0, r.err);
            assert.deepEqual(await leftOf("vnv-v1-0-0-rc-1"), []);
            assert.equal((await docker(["inspect", "--format", "{{.State.Running}}", foreign])).stdout.trim(), "true");
        } finally {
            await docker(["rm", "-f", foreign]);
        }
    });

    it("the reaper removes an expired Docker environment, and only that one", async () => {
        await upJson(V1, ["--ttl", "1h"]);
        await upJson(V2, ["--ttl", "3h"]);
        const start = Date.now();
        clock = () => new Date(start + 2 * 3_600_000);
        const r = await vnv(["env", "reap", "--json"]);
        assert.equal(r.code, 0, r.err);
        assert.deepEqual(JSON.parse(r.out).destroyed, ["docker-v1-0-0-rc-1"]);
        assert.deepEqual(await leftOf("vnv-v1-0-0-rc-1"), []);
        assert.notDeepEqual(await leftOf("vnv-v1-1-0-rc-1"), []);
    });

    it("an up killed (kill -9) while its containers start: up again brings it to healthy, and the reaper collects it", async () => {
        const child = spawn(
            process.execPath,
            ["-r", "tsx/cjs", path.join(__dirname, "..", "harness", "cliChild.ts"), "env", "up", V1, "--on", "docker", "--ttl", "1h"],
            {
                stdio: ["ignore", "pipe", "pipe"],
                detached: true, // its own process group: the kill takes docker compose with it
                env: {
                    ...engine.env,
                    TMPDIR: tmp(),
                    PULUMI_BACKEND_URL: `file://${tmp()}/state`,
                    VNV_CHILD_PROJECT_DIR: project,
                    VNV_CHILD_PULUMI_HOME: `${tmp()}/home`,
                },
            },
        );
        let output = "";
        child.stdout!.on("data", (d) => (output += d));
        child.stderr!.on("data", (d) => (output += d));
        const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
        const deadline = Date.now() + 120_000;
        while ((await leftOf("vnv-v1-0-0-rc-1")).length === 0 && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 100));
        }
        process.kill(-child.pid!, "SIGKILL");
        assert.equal(await exited, null, `it ended before the kill:\n${output}`);
        assert.notDeepEqual(await leftOf("vnv-v1-0-0-rc-1"), [], "the killed run left something to find");
        const again = await upJson(V1, ["--ttl", "1h"]);
        assert.equal(again.health.healthy, true);
        const start = Date.now();
        clock = () => new Date(start + 2 * 3_600_000);
        const r = await vnv(["env", "reap", "--on", "docker", "--json"]);
        assert.equal(r.code, 0, r.err);
        assert.deepEqual(JSON.parse(r.out).destroyed, ["docker-v1-0-0-rc-1"]);
        assert.deepEqual(await leftOf("vnv-v1-0-0-rc-1"), []);
    });

    it("no engine reachable: exit 1 naming the host, nothing done", async () => {
        const r = await vnv(["env", "up", V1, "--on", "docker"], {}, { ...engine.env, DOCKER_HOST: `unix://${tmp()}/nothing.sock` });
        assert.equal(r.code, 1);
        assert.match(r.err, /no Docker engine answers at unix:\/\/.*nothing\.sock/);
    });

    it("an image missing: exit 1 naming it, nothing made", async () => {
        const r = await vnv(["env", "up", "v9.9.9-rc.1", "--on", "docker"]);
        assert.equal(r.code, 1);
        assert.match(r.err, /missing: .*proxy-server/);
        assert.deepEqual(await leftOf("vnv-v9-9-9-rc-1"), []);
    });

    // Refused by vnv's own reading of the image's labels (the dataset step reads the version's
    // images' configs, linux/amd64 only) before the engine's pull would refuse it.
    it("an image built for arm64 only: exit 1 naming it, nothing made", async () => {
        const version = "v2.0.0-rc.1";
        await pushSample(reg.host, version);
        const repo = "infrasoftbe/event-bridge";
        const arm = await pushImage(reg, repo, `${version}-arm64`, "arm only", "oci", "arm64");
        const size = Buffer.byteLength(await (await fetch(`http://${reg.host}/v2/${repo}/manifests/${arm}`, { headers: { accept: OCI_MANIFEST } })).text());
        const index = "application/vnd.oci.image.index.v1+json";
        await putManifest(reg, repo, version, index, {
            schemaVersion: 2,
            mediaType: index,
            manifests: [{ mediaType: OCI_MANIFEST, size, digest: arm, platform: { architecture: "arm64", os: "linux" } }],
        });
        const r = await vnv(["env", "up", version, "--on", "docker"]);
        assert.equal(r.code, 1, r.err);
        assert.match(r.err, /event-bridge@sha256:[0-9a-f]{64}: no linux\/amd64 image|compose pull of vnv-v2-0-0-rc-1 failed: .*event-bridge/s);
        assert.deepEqual(await leftOf("vnv-v2-0-0-rc-1"), []);
    });

    it("a port taken on the host: exit 3 (busy), nothing left half-made", async () => {
        const yaml = (await import("node:fs")).readFileSync(`${project}/Pulumi.dev.yaml`, "utf8");
        const first = Number(/firstPort: (\d+)/.exec(yaml)![1]);
        const blocker = net.createServer().listen(first, "127.0.0.1");
        await new Promise((resolve) => blocker.once("listening", resolve));
        try {
            const r = await vnv(["env", "up", V1, "--on", "docker"]);
            assert.equal(r.code, 3, r.err);
            assert.match(r.err, /taken/);
            assert.deepEqual(await leftOf("vnv-v1-0-0-rc-1"), []);
        } finally {
            blocker.close();
        }
    });
});
