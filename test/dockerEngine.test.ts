/**
 * @docker: the Docker fixture works for real: a private engine (harness/docker.ts) builds a
 * FROM-scratch busybox image, Compose v2 (tools/compose) brings a project with a healthcheck, a
 * published port and a volume up and down, and stopping the engine leaves no process, mount,
 * network interface, cgroup or directory behind.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { composeIn, type DockerEngine, dockerEngine, dockerIn, type Runner } from "../harness/docker";

const { BUSYBOX } = require("../tools/docker/locate.cjs") as { BUSYBOX: string };

const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);

/** Network interfaces now (`ip -o link`), by name. */
function links(): string[] {
    const r = spawnSync("ip", ["-o", "link", "show"], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout
        .split("\n")
        .map((l) => l.match(/^\d+: ([^:@\s]+)/)?.[1])
        .filter((n): n is string => n !== undefined);
}

/** Every process's command line (`ps -eo args`). */
function commandLines(): string[] {
    const r = spawnSync("ps", ["-eo", "args="], { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.split("\n");
}

/** `mount`'s lines. */
function mounts(): string[] {
    const r = spawnSync("mount", [], { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.split("\n");
}

/** The iptables chains named DOCKER… in the filter and nat tables. */
function dockerChains(): string[] {
    const chains: string[] = [];
    for (const table of ["filter", "nat"]) {
        const r = spawnSync("iptables", ["-t", table, "-S"], { encoding: "utf8" });
        if (r.status !== 0) continue; // no iptables: nothing to leave
        chains.push(
            ...r.stdout
                .split("\n")
                .filter((l) => /^-N DOCKER/.test(l))
                .map((l) => `${table} ${l}`),
        );
    }
    return chains;
}

describe("@docker a private Docker Engine with Compose v2", function () {
    this.timeout(180_000);
    const project = `vnvsmoke${randomBytes(4).toString("hex")}`;
    const image = `vnv-smoke-busybox:${project}`;
    const docker0Before = links().includes("docker0");
    const proxiesBefore = new Set(commandLines().filter((l) => /docker-proxy/.test(l)));
    const chainsBefore = dockerChains();
    let engine: DockerEngine;
    let docker: Runner;
    let compose: Runner;
    let work: string;
    const timings: string[] = [];

    before(async () => {
        let t = Date.now();
        engine = await dockerEngine();
        timings.push(`engine start ${seconds(t)} s`);
        docker = dockerIn(engine);
        compose = composeIn(engine);
        work = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-docker-smoke-"));
        const context = path.join(work, "context");
        fs.mkdirSync(path.join(context, "www"), { recursive: true });
        fs.copyFileSync(BUSYBOX, path.join(context, "busybox"));
        fs.writeFileSync(path.join(context, "www", "health"), "ok\n");
        fs.writeFileSync(
            path.join(context, "Dockerfile"),
            ["FROM scratch", "COPY busybox /bin/busybox", "COPY www /www", 'CMD ["/bin/busybox","httpd","-f","-p","8080","-h","/www"]', ""].join("\n"),
        );
        t = Date.now();
        const built = await docker(["build", "-q", "-t", image, context]);
        assert.equal(built.code, 0, built.stderr);
        timings.push(`image build ${seconds(t)} s`);
        fs.writeFileSync(
            path.join(work, "compose.yaml"),
            [
                `name: ${project}`,
                "services:",
                "  web:",
                `    image: ${image}`,
                "    init: true",
                "    ports:",
                '      - "127.0.0.1::8080"',
                "    volumes:",
                "      - data:/data",
                "    healthcheck:",
                '      test: ["CMD", "/bin/busybox", "wget", "-q", "-O-", "http://127.0.0.1:8080/health"]',
                "      interval: 1s",
                "      timeout: 2s",
                "      retries: 30",
                "volumes:",
                "  data: {}",
                "",
            ].join("\n"),
        );
    });

    after(async () => {
        if (work !== undefined) fs.rmSync(work, { recursive: true, force: true });
        // The private engine is gone with everything in it; VNV_TEST_DOCKER_HOST's keeps only what was there.
        if (engine?.daemon === undefined && docker !== undefined) await docker(["rmi", "-f", image]);
        console.log(`      (${timings.join(", ")})`);
    });

    /** The host port `compose port web 8080` names, on 127.0.0.1. */
    async function publishedPort(): Promise<number> {
        const r = await compose(["port", "web", "8080"], { cwd: work });
        assert.equal(r.code, 0, r.stderr);
        const m = r.stdout.trim().match(/^127\.0\.0\.1:(\d{1,5})$/);
        assert.ok(m?.[1], `compose port answered ${JSON.stringify(r.stdout)}`);
        return Number(m[1]);
    }

    /** Ids of what the engine holds with the project's label, by kind. */
    async function labelled(): Promise<Record<string, string[]>> {
        const filter = `label=com.docker.compose.project=${project}`;
        const found: Record<string, string[]> = {};
        for (const [kind, args] of [
            ["containers", ["ps", "-aq", "--filter", filter]],
            ["networks", ["network", "ls", "-q", "--filter", filter]],
            ["volumes", ["volume", "ls", "-q", "--filter", filter]],
        ] as const) {
            const r = await docker([...args]);
            assert.equal(r.code, 0, r.stderr);
            found[kind] = r.stdout.split("\n").filter((l) => l.trim() !== "");
        }
        return found;
    }

    it("brings the project up healthy with `up -d --wait`", async () => {
        const t = Date.now();
        const r = await compose(["up", "-d", "--wait", "--wait-timeout", "60"], { cwd: work });
        timings.push(`compose up --wait ${seconds(t)} s`);
        assert.equal(r.code, 0, r.stderr);
        const ps = await compose(["ps", "--format", "{{.Service}} {{.Health}}"], { cwd: work });
        assert.equal(ps.stdout.trim(), "web healthy", ps.stderr);
    });

    it("serves the published port on 127.0.0.1", async () => {
        const res = await fetch(`http://127.0.0.1:${await publishedPort()}/health`, { signal: AbortSignal.timeout(10_000) });
        assert.equal(`${res.status} ${(await res.text()).trim()}`, "200 ok");
    });

    it("resolves the service's name inside the project's network", async () => {
        const r = await compose(["exec", "-T", "web", "/bin/busybox", "wget", "-q", "-O-", "http://web:8080/health"], { cwd: work });
        assert.equal(`${r.code} ${r.stdout.trim()}`, "0 ok", r.stderr);
    });

    it("leaves no container, network or volume of the project after `down -v --remove-orphans`", async () => {
        const held = await labelled();
        assert.ok(held.containers?.length === 1 && held.networks?.length === 1 && held.volumes?.length === 1, JSON.stringify(held));
        const t = Date.now();
        const r = await compose(["down", "-v", "--remove-orphans"], { cwd: work });
        timings.push(`compose down -v ${seconds(t)} s`);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(await labelled(), { containers: [], networks: [], volumes: [] });
    });

    it("stops leaving no process, mount, interface, cgroup, iptables chain or directory", async function () {
        const daemon = engine.daemon;
        if (daemon === undefined) this.skip(); // VNV_TEST_DOCKER_HOST's engine is not the fixture's to stop
        // Something for stop() to clean up: a running container with a published port on a network of its own.
        const net = await docker(["network", "create", `${project}-left`]);
        assert.equal(net.code, 0, net.stderr);
        const left = await docker(["run", "-d", "--network", `${project}-left`, "-p", "127.0.0.1::8080", image]);
        assert.equal(left.code, 0, left.stderr);
        const bridge = `br-${net.stdout.trim().slice(0, 12)}`;
        assert.ok(links().includes(bridge), `${bridge} while the engine runs`);
        const t = Date.now();
        await engine.stop();
        timings.push(`engine stop ${seconds(t)} s`);
        assert.deepEqual(
            commandLines().filter((l) => l.includes(daemon.dir) || (/docker-proxy/.test(l) && !proxiesBefore.has(l))),
            [],
        );
        assert.deepEqual(
            mounts().filter((l) => l.includes(daemon.dir)),
            [],
        );
        assert.deepEqual(
            links().filter((l) => l === bridge || (l === "docker0" && !docker0Before)),
            [],
        );
        const cgroup = path.basename(daemon.dir);
        assert.deepEqual(
            ["", ...fs.readdirSync("/sys/fs/cgroup")].filter((c) => fs.existsSync(path.join("/sys/fs/cgroup", c, cgroup))),
            [],
        );
        assert.deepEqual(dockerChains(), chainsBefore);
        assert.equal(fs.existsSync(daemon.dir), false);
    });
});
