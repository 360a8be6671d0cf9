/**
 * `vnv env snapshot` on the Docker target, for real: the sample's environment with the stand-in
 * dataset 2026.11 (its `dump` copies the database's files out), a private Docker Engine, Compose
 * v2 and a loopback registry. The round trip is checked byte for byte on the host.
 */
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pushSample, SAMPLE_DATASET, sampleProject } from "../demo/sample";
import { vnvOnDocker } from "../harness/dockerCli";
import { dockerEngine, dockerIn, type DockerEngine, type Runner } from "../harness/docker";
import { useTempDir } from "../harness/driver";
import { startRegistry, type TestRegistry } from "../harness/registry";
import { RegistryClient } from "../registry/client";

const V1 = "v3.2.0-rc.1";
const DB = "vnv-v3-2-0-rc-1-neo4j-1";
const DUMP_LEFTOVERS = ["ps", "-a", "-q", "--filter", "label=be.infrasoft.vnv.snapshot-of"];

describe("@docker env snapshot on the Docker target", function () {
    this.timeout(300_000);
    const tmp = useTempDir("vnv-snapshot-");
    let engine: DockerEngine;
    let docker: Runner;
    let reg: TestRegistry;
    let project: string;
    let projectHome = "";
    let tags: () => Promise<string[]>;

    before(async () => {
        engine = await dockerEngine();
        docker = dockerIn(engine);
        reg = await startRegistry();
        const s3Image = await pushSample(reg.host, V1);
        projectHome = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-snapshot-project-"));
        project = sampleProject(projectHome, reg.host, s3Image, { firstPort: 26000 + Math.floor(Math.random() * 400) * 10 });
        const client = new RegistryClient({ credentials: () => undefined });
        tags = async () => (await client.tags(`${reg.host}/${SAMPLE_DATASET.repo}`)).sort();
    });
    after(async () => {
        await vnv(["env", "down", V1, "--on", "docker"]);
        await reg?.stop();
        if (projectHome !== "") {
            fs.rmSync(projectHome, { recursive: true, force: true });
        }
    });
    beforeEach(async () => {
        await up();
    });

    function vnv(args: string[]) {
        return vnvOnDocker(args, { env: engine.env, dir: tmp(), project });
    }

    async function up(more: string[] = []) {
        const r = await vnv(["env", "up", V1, "--on", "docker", "--json", ...more]);
        assert.equal(r.code, 0, r.err);
        return JSON.parse(r.out) as { outputs: { dataset?: string } };
    }

    async function sh(command: string): Promise<void> {
        const r = await docker(["exec", DB, "sh", "-c", command]);
        assert.equal(r.code, 0, r.stderr);
    }

    async function state(): Promise<{ Status: string; StartedAt: string; Health?: { Status: string } }> {
        const r = await docker(["inspect", "--format", "{{json .State}}", DB]);
        assert.equal(r.code, 0, r.stderr);
        return JSON.parse(r.stdout);
    }

    /** Every file under `dir`, relative name → bytes. */
    function filesOf(dir: string): Map<string, Buffer> {
        const out = new Map<string, Buffer>();
        for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
            if (entry.isFile()) {
                const full = path.join(entry.parentPath, entry.name);
                out.set(path.relative(dir, full), fs.readFileSync(full));
            }
        }
        return out;
    }

    async function graphOnHost(name: string): Promise<Map<string, Buffer>> {
        const to = path.join(tmp(), name);
        const r = await docker(["cp", `${DB}:/data/graph`, to]);
        assert.equal(r.code, 0, r.stderr);
        return filesOf(to);
    }

    it("a snapshot round trip is byte for byte: a new environment from it holds exactly the files the database held", async () => {
        const blob = path.join(tmp(), "blob.bin");
        fs.writeFileSync(blob, randomBytes(300_000));
        await sh("mkdir -p /data/graph/deep && printf 'id\\n7\\n' > /data/graph/nodes.csv && rm /data/graph/edges.csv");
        assert.equal((await docker(["cp", blob, `${DB}:/data/graph/deep/blob.bin`])).code, 0);
        const before = await graphOnHost("before");
        const r = await vnv(["env", "snapshot", V1, "--on", "docker", "--as", "snap-trip", "--json"]);
        assert.equal(r.code, 0, r.err);
        const snap = JSON.parse(r.out) as { reference: string; files: number };
        assert.equal(snap.files, 2);
        assert.equal((await vnv(["env", "down", V1, "--on", "docker"])).code, 0);
        const again = await up(["--dataset", "snap-trip"]);
        assert.equal(again.outputs.dataset, snap.reference);
        const after = await graphOnHost("after");
        assert.deepEqual([...after.keys()].sort(), ["deep/blob.bin", "nodes.csv"]);
        for (const [name, bytes] of before) {
            assert.ok(after.get(name)?.equals(bytes), `${name} differs after the round trip`);
        }
        await vnv(["env", "down", V1, "--on", "docker"]);
    });

    it("after a snapshot the database runs again, healthy, holding what it held, and no dump container is left", async () => {
        await sh("printf 'id\\n9\\n' > /data/graph/nodes.csv");
        const r = await vnv(["env", "snapshot", V1, "--on", "docker", "--as", "snap-back"]);
        assert.equal(r.code, 0, r.err);
        assert.match(r.out, /infrasoftbe\/dataset:snap-back@sha256:[0-9a-f]{64}\n/);
        const s = await state();
        assert.equal(s.Status, "running");
        assert.equal(s.Health?.Status ?? "healthy", "healthy");
        assert.equal((await docker(["exec", DB, "cat", "/data/graph/nodes.csv"])).stdout, "id\n9\n");
        assert.equal((await docker(DUMP_LEFTOVERS)).stdout.trim(), "");
    });

    it("dataset ls lists a snapshot with its source, its base and its size, and the environments using each dataset", async () => {
        const r = await vnv(["env", "snapshot", V1, "--on", "docker", "--as", "snap-listed"]);
        assert.equal(r.code, 0, r.err);
        const ls = await vnv(["dataset", "ls", "--on", "docker", "--json"]);
        assert.equal(ls.code, 0, ls.err);
        const rows = JSON.parse(ls.out).datasets as { tag: string; source: string; base?: string; size: number; usedBy: string[] }[];
        const snap = rows.find((d) => d.tag === "snap-listed");
        const original = rows.find((d) => d.tag === SAMPLE_DATASET.tag);
        assert.equal(snap?.source, "snapshot: vnv env snapshot of docker-v3-2-0-rc-1 (v3.2.0-rc.1)");
        assert.match(snap?.base ?? "", /infrasoftbe\/dataset:2026\.11@sha256:[0-9a-f]{64}$/);
        assert.ok((snap?.size ?? 0) > (original?.size ?? Number.POSITIVE_INFINITY), "a snapshot is its base and one layer more");
        assert.deepEqual(original?.usedBy, ["docker-v3-2-0-rc-1"]);
        assert.deepEqual(snap?.usedBy, []);
        const text = await vnv(["dataset", "ls", "--on", "docker"]);
        assert.match(text.out, /^snap-listed +\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?Z? +[\d.]+ MiB +snapshot: vnv env snapshot of docker-v3-2-0-rc-1/m);
    });

    it("the history records a snapshot with the new dataset's digest, as the environment's operation", async () => {
        const r = await vnv(["env", "snapshot", V1, "--on", "docker", "--as", "snap-history", "--json"]);
        assert.equal(r.code, 0, r.err);
        const digest = (JSON.parse(r.out) as { dataset: { digest: string } }).dataset.digest;
        const history = await vnv(["history", "--env", "docker-v3-2-0-rc-1", "--json"]);
        assert.equal(history.code, 0, history.err);
        const { events } = JSON.parse(history.out) as { events: { action: string; version: string; result: string; digests: Record<string, string> }[] };
        const mine = events.filter((e) => e.action === "snapshot" && e.digests.snapshot === digest);
        assert.deepEqual(
            mine.map((e) => [e.version, e.result, Object.keys(e.digests)]),
            [["v3.2.0-rc.1", "succeeded", ["snapshot"]]],
            history.out,
        );
    });

    it("--as a tag that exists is refused with exit 2 before the database is stopped; nothing is pushed", async () => {
        const was = await state();
        const before = await tags();
        const r = await vnv(["env", "snapshot", V1, "--on", "docker", "--as", SAMPLE_DATASET.tag]);
        assert.equal(r.code, 2, r.err);
        assert.match(r.err, /dataset:2026\.11 exists already .*never overwritten/);
        assert.equal((await state()).StartedAt, was.StartedAt);
        assert.deepEqual(await tags(), before);
    });

    it("a dump that fails: exit 1 with what it said, nothing pushed, the database running again", async () => {
        const before = await tags();
        await sh("mv /data/graph /data/graph-away");
        try {
            const r = await vnv(["env", "snapshot", V1, "--on", "docker", "--as", "snap-fails"]);
            assert.equal(r.code, 1, r.err);
            assert.match(r.err, /the dataset image's dump exited 1; nothing was pushed[\s\S]*graph does not exist/);
            assert.equal((await state()).Status, "running");
            assert.deepEqual(await tags(), before);
            assert.equal((await docker(DUMP_LEFTOVERS)).stdout.trim(), "");
        } finally {
            await sh("mv /data/graph-away /data/graph");
        }
    });

    it("a dump holding a symbolic link is refused with exit 1, naming it; nothing pushed", async () => {
        const before = await tags();
        await sh("ln -s /etc/passwd /data/graph/passwd");
        try {
            const r = await vnv(["env", "snapshot", V1, "--on", "docker", "--as", "snap-link"]);
            assert.equal(r.code, 1, r.err);
            assert.match(r.err, /"vnv-dump\/passwd" is a symlink: a dump holds regular files and directories only; nothing was pushed/);
            assert.deepEqual(await tags(), before);
            assert.equal((await state()).Status, "running");
            assert.equal((await docker(DUMP_LEFTOVERS)).stdout.trim(), "");
        } finally {
            await sh("rm /data/graph/passwd");
        }
    });

    it("without --on docker it is the snapshot on AWS: the Docker environment is not it, and no environment of that version there is exit 4", async () => {
        const r = await vnv(["env", "snapshot", V1]);
        assert.equal(r.code, 4, r.err);
        assert.match(r.err, /no environment v3-2-0-rc-1/);
    });

    it("--as a name that is not a tag is refused with exit 2", async () => {
        const r = await vnv(["env", "snapshot", V1, "--on", "docker", "--as", "../x"]);
        assert.equal(r.code, 2, r.err);
        assert.match(r.err, /invalid --as: "\.\.\/x" is not a dataset version/);
    });
});
