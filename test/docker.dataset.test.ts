/**
 * Datasets on the Docker target, for real: the sample's versions name the dataset 2026.11 (a
 * label on neo-server's image), a stand-in dataset image that loads its files into the
 * database's volume (rules/datasets.ts's contract), a private Docker Engine and Compose v2.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { CliDeps } from "../automation/cli/program";
import { pushSample, SAMPLE_DATASET, sampleProject } from "../demo/sample";
import { vnvOnDocker } from "../harness/dockerCli";
import { dockerEngine, dockerIn, type DockerEngine, type Runner } from "../harness/docker";
import { useTempDir } from "../harness/driver";
import { pushImage, putManifest, startRegistry, type TestRegistry } from "../harness/registry";
import { DATASET_LABEL } from "../rules/datasets";
import { pushStandinImage } from "../standins";

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const V1 = "v3.0.0-rc.1";
const V2 = "v3.1.0-rc.1";
const DB = "vnv-v3-0-0-rc-1-neo4j-1";
const LOADER = "vnv-v3-0-0-rc-1-neo4j-dataset-1";

describe("@docker datasets on the Docker target", function () {
    this.timeout(240_000);
    const tmp = useTempDir("vnv-dataset-");
    let engine: DockerEngine;
    let docker: Runner;
    let reg: TestRegistry;
    let project: string;
    let projectHome = "";

    before(async () => {
        engine = await dockerEngine();
        docker = dockerIn(engine);
        reg = await startRegistry();
        const s3Image = await pushSample(reg.host, V1);
        await pushSample(reg.host, V2);
        // V2's images name a dataset nobody pushed.
        await pushStandinImage(reg.host, "infrasoftbe/neo-server", V2, {
            kind: "http",
            service: "neo-server",
            port: 3000,
            version: V2,
            labels: { [DATASET_LABEL]: "1999.01" },
        });
        await pushStandinImage(reg.host, SAMPLE_DATASET.repo, "2026.12", {
            kind: "dataset",
            service: "dataset",
            files: [{ path: "nodes.csv", content: "id\n42\n" }],
        });
        projectHome = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-dataset-project-"));
        project = sampleProject(projectHome, reg.host, s3Image, { firstPort: 22000 + Math.floor(Math.random() * 400) * 10 });
    });
    after(async () => {
        await reg?.stop();
        if (projectHome !== "") {
            fs.rmSync(projectHome, { recursive: true, force: true });
        }
    });
    afterEach(async () => {
        for (const v of [V1, V2]) {
            await vnv(["env", "down", v, "--on", "docker"]);
        }
    });

    function vnv(args: string[], extra: Partial<CliDeps> = {}) {
        return vnvOnDocker(args, { env: engine.env, dir: tmp(), project }, extra);
    }

    async function up(version: string, more: string[] = []) {
        const r = await vnv(["env", "up", version, "--on", "docker", "--json", ...more]);
        assert.equal(r.code, 0, r.err);
        return JSON.parse(r.out) as { health: { healthy: boolean }; outputs: { dataset?: string; digests: Record<string, string> } };
    }

    async function inspect(container: string): Promise<{ ExitCode: number; StartedAt: string; FinishedAt: string }> {
        const r = await docker(["inspect", "--format", "{{json .State}}", container]);
        assert.equal(r.code, 0, r.stderr);
        return JSON.parse(r.stdout);
    }

    async function cat(file: string): Promise<string> {
        const r = await docker(["exec", DB, "cat", file]);
        assert.equal(r.code, 0, r.stderr);
        return r.stdout;
    }

    it("release check resolves the dataset a version names, like an image, and prints its digest", async () => {
        const r = await vnv(["release", "check", V1, "--json"]);
        assert.equal(r.code, 0, r.err);
        const result = JSON.parse(r.out) as { dataset?: { tag: string; digest: string; source: string } };
        assert.equal(result.dataset?.tag, "2026.11");
        assert.equal(result.dataset?.source, "label");
        assert.match(result.dataset?.digest ?? "", /^sha256:[0-9a-f]{64}$/);
    });

    it("release check of a version whose dataset does not exist: exit 1 naming it", async () => {
        const r = await vnv(["release", "check", V2]);
        assert.equal(r.code, 1, r.err);
        assert.match(r.err, /dataset .*:1999\.01 does not exist \(neo-server names it\)/);
    });

    it("a new environment's database holds its version's dataset, loaded to success before the database started", async () => {
        const r = await up(V1);
        assert.match(r.outputs.dataset ?? "", /\/infrasoftbe\/dataset:2026\.11@sha256:[0-9a-f]{64}$/);
        assert.equal(await cat("/data/graph/nodes.csv"), SAMPLE_DATASET.files[0].content);
        const loader = await inspect(LOADER);
        const database = await inspect(DB);
        assert.equal(loader.ExitCode, 0);
        assert.ok(
            Date.parse(loader.FinishedAt) <= Date.parse(database.StartedAt),
            `loader finished ${loader.FinishedAt}, database started ${database.StartedAt}`,
        );
    });

    it("env status names the dataset and that it was loaded; the history records its digest", async () => {
        const r = await up(V1);
        const status = await vnv(["env", "status", V1, "--on", "docker"]);
        assert.equal(status.code, 0, status.err);
        assert.match(status.out, /dataset 2026\.11 \(.*infrasoftbe\/dataset@sha256:[0-9a-f]{64}\): loaded/);
        const history = await vnv(["history", "--env", "docker-v3-0-0-rc-1", "--json"]);
        assert.equal(history.code, 0, history.err);
        const { events } = JSON.parse(history.out) as { events: { digests: Record<string, string> }[] };
        assert.equal(events[0]?.digests["neo4j-dataset"], r.outputs.digests["neo4j-dataset"], history.out);
        assert.match(events[0]?.digests["neo4j-dataset"] ?? "", /^sha256:/);
    });

    it("data written after loading survives a restart and another env up: nothing is loaded over it", async () => {
        await up(V1);
        assert.equal((await docker(["exec", DB, "sh", "-c", "echo 'id\n7' > /data/graph/nodes.csv"])).code, 0);
        assert.equal((await docker(["restart", DB])).code, 0);
        await up(V1);
        assert.equal(await cat("/data/graph/nodes.csv"), "id\n7\n");
    });

    it("env extend keeps the dataset: the loader stays and nothing is loaded over the data", async () => {
        await up(V1);
        assert.equal((await docker(["exec", DB, "sh", "-c", "echo 'id\n8' > /data/graph/nodes.csv"])).code, 0);
        const r = await vnv(["env", "extend", V1, "--on", "docker", "--ttl", "1d"]);
        assert.equal(r.code, 0, r.err);
        assert.equal(await cat("/data/graph/nodes.csv"), "id\n8\n");
        const status = await vnv(["env", "status", V1, "--on", "docker"]);
        assert.match(status.out, /dataset 2026\.11 .*: loaded/);
    });

    it("a database that comes back with its storage gone (a replaced Fargate task) is loaded again before it starts", async () => {
        await up(V1);
        assert.equal((await docker(["rm", "-f", DB, LOADER])).code, 0);
        assert.equal((await docker(["volume", "rm", "vnv-v3-0-0-rc-1_neo4j-data"])).code, 0);
        await up(V1);
        assert.equal(await cat("/data/graph/nodes.csv"), SAMPLE_DATASET.files[0].content);
    });

    it("--dataset starts a new environment from another dataset", async () => {
        const r = await up(V1, ["--dataset", "2026.12"]);
        assert.match(r.outputs.dataset ?? "", /:2026\.12@/);
        assert.equal(await cat("/data/graph/nodes.csv"), "id\n42\n");
    });

    it("a dataset that does not exist, named by --dataset: exit 2 naming it, nothing made", async () => {
        const r = await vnv(["env", "up", V1, "--on", "docker", "--dataset", "2020.01"]);
        assert.equal(r.code, 2, r.err);
        assert.match(r.err, /dataset .*infrasoftbe\/dataset:2020\.01 does not exist \(--dataset names it\)/);
        assert.deepEqual((await docker(["ps", "-a", "-q", "--filter", "label=com.docker.compose.project=vnv-v3-0-0-rc-1"])).stdout.trim(), "");
    });

    it("a dataset the engine cannot pull (built for arm64 only): exit 1 when the engine pulls it, naming it, nothing made", async () => {
        const repo = SAMPLE_DATASET.repo;
        const arm = await pushImage(reg, repo, "arm-only-manifest", "arm only", "oci", "arm64");
        const size = Buffer.byteLength(await (await fetch(`http://${reg.host}/v2/${repo}/manifests/${arm}`, { headers: { accept: OCI_MANIFEST } })).text());
        await putManifest(reg, repo, "2026.13", OCI_INDEX, {
            schemaVersion: 2,
            mediaType: OCI_INDEX,
            manifests: [{ mediaType: OCI_MANIFEST, size, digest: arm, platform: { architecture: "arm64", os: "linux" } }],
        });
        const r = await vnv(["env", "up", V1, "--on", "docker", "--dataset", "2026.13"]);
        assert.equal(r.code, 1, r.err);
        assert.match(r.err, /compose pull of vnv-v3-0-0-rc-1 failed: neo4j-dataset \(.*\/infrasoftbe\/dataset@sha256:[0-9a-f]{64}\): .*no matching manifest/);
        assert.deepEqual((await docker(["ps", "-a", "-q", "--filter", "label=com.docker.compose.project=vnv-v3-0-0-rc-1"])).stdout.trim(), "");
    });

    it("a version whose images name a dataset that does not exist: exit 1 naming the image and the dataset, nothing made", async () => {
        const r = await vnv(["env", "up", V2, "--on", "docker"]);
        assert.equal(r.code, 1, r.err);
        assert.match(r.err, /dataset .*:1999\.01 does not exist \(neo-server names it\)/);
        assert.deepEqual((await docker(["ps", "-a", "-q", "--filter", "label=com.docker.compose.project=vnv-v3-1-0-rc-1"])).stdout.trim(), "");
    });

    it("a live environment keeps its dataset: another --dataset is refused with exit 2, its data untouched", async () => {
        await up(V1);
        const r = await vnv(["env", "up", V1, "--on", "docker", "--dataset", "2026.12"]);
        assert.equal(r.code, 2, r.err);
        assert.match(r.err, /runs the dataset 2026\.11; a dataset is loaded when an environment is made/);
        assert.equal(await cat("/data/graph/nodes.csv"), SAMPLE_DATASET.files[0].content);
    });
});
