/**
 * What runs on Docker is what ECS is given: the Compose project of an ephemeral environment
 * and its ECS task definitions (under mocks) are rendered from one description
 * (rules/containers.ts), and held to each other here (images, variables, secrets by name,
 * health checks, names, ports, order). The Docker target's own additions are named in
 * automation/docker/project.ts and are the only differences allowed.
 */
// The mocks first: they are set when this module loads, before any program code runs.
import { ofType, type Recorded, run, T } from "../harness/mocks";
import { strict as assert } from "node:assert";
import { DOCKER_VARIABLES, dockerProject, S3_SERVICE } from "../automation/docker/project";
import { type ComposeService, LOCAL_CHECK_SECONDS } from "../rules/compose";
import { defineEnvironment } from "../infra/environment";
import type { EnvironmentSettings } from "../infra/settings";
import { ephemeralRaw, ephemeralSettings } from "../harness/fixtures";
import { parseSettings } from "../infra/settings";

const POLICY = { s3Image: `127.0.0.1:5000/vnv/versitygw@sha256:${"a".repeat(64)}`, address: "127.0.0.1", firstPort: 18000 };

// biome-ignore lint/suspicious/noExplicitAny: ECS container definitions are untyped JSON
type EcsContainer = any;

interface Rendered {
    readonly ecs: Map<string, EcsContainer>;
    /** service → the services its ECS service depends on. */
    readonly ecsAfter: Map<string, string[]>;
    readonly compose: Record<string, ComposeService>;
}

async function render(settings: EnvironmentSettings): Promise<Rendered> {
    const { resources } = await run(() => defineEnvironment(settings));
    const ecs = new Map<string, EcsContainer>();
    for (const td of ofType(resources, T.taskDefinition)) {
        for (const container of JSON.parse(td.inputs.containerDefinitions) as EcsContainer[]) {
            ecs.set(container.name, container);
        }
    }
    const services = ofType(resources, T.service);
    const serviceOf = (r: Recorded) => [...ecs.keys()].find((n) => r.name.endsWith(`-services-${n}`));
    const ecsAfter = new Map<string, string[]>();
    for (const s of services) {
        const after = services.filter((o) => s.dependencies.includes(o.urn)).map((o) => serviceOf(o)!);
        ecsAfter.set(serviceOf(s)!, after.sort());
    }
    const meta = {
        stack: "v1-2-3-rc-1",
        version: settings.version,
        hostname: "1-2-3-rc-1.step-studio.be",
        owner: "ana",
        createdAt: new Date(0),
        expiresAt: new Date(3_600_000),
        slot: 0,
    };
    const compose = dockerProject(settings, meta, POLICY).file.services;
    return { ecs, ecsAfter, compose };
}

/** `$$` back to `$`: what the container receives from Compose. */
const unescaped = (text: string) => text.replaceAll("$$", "$");

function versionServices(r: Rendered): [string, EcsContainer, ComposeService][] {
    return [...r.ecs.entries()].map(([name, c]) => [name, c, r.compose[name]!]);
}

/** A version whose database starts from a dataset (pinned, as env up pins it). */
function withDataset(): EnvironmentSettings {
    const raw = ephemeralRaw("v1.2.3-rc.1");
    const dataset = { image: "ghcr.io/infrasoftbe/infrasoft-vnv-dataset", tag: "2026.11", digest: `sha256:${"d".repeat(64)}` };
    return parseSettings({ ...raw, database: { ...(raw.database as object), dataset } }, { project: "vnv", region: "eu-central-1" });
}

describe("the Compose project and the ECS task definitions agree", () => {
    let rendered: Rendered;
    before(async () => {
        rendered = await render(ephemeralSettings("v1.2.3-rc.1"));
    });

    it("the same services, and on Docker only the S3 API besides", () => {
        assert.deepEqual(Object.keys(rendered.compose).sort(), [...rendered.ecs.keys(), S3_SERVICE.name].sort());
    });

    it("every service runs the same image, by digest", () => {
        for (const [name, ecs, compose] of versionServices(rendered)) {
            assert.match(ecs.image, /@sha256:[0-9a-f]{64}$/, name);
            assert.equal(unescaped(compose.image), ecs.image, name);
        }
    });

    it("every service gets the same plain variables (vnv's four included), and on Docker the S3 endpoint besides", () => {
        for (const [name, ecs, compose] of versionServices(rendered)) {
            const onEcs = Object.fromEntries((ecs.environment as { name: string; value: string }[]).map((e) => [e.name, e.value]));
            const onDocker = Object.fromEntries(
                Object.entries(compose.environment)
                    .filter(([k, v]) => v !== null && !(DOCKER_VARIABLES.plain as readonly string[]).includes(k))
                    .map(([k, v]) => [k, unescaped(v!)]),
            );
            assert.deepEqual(onDocker, onEcs, name);
            for (const key of ["RELEASE_VERSION", "IMAGE_TAG", "IMAGE_DIGEST", "FRONTEND_BUCKET"]) {
                assert.ok(key in onDocker, `${name} lacks ${key}`);
            }
        }
    });

    it("every service reads the same secrets by name (never a value in the Compose file), and on Docker the S3 keys besides", () => {
        for (const [name, ecs, compose] of versionServices(rendered)) {
            const onEcs = (ecs.secrets as { name: string }[]).map((s) => s.name).sort();
            const onDocker = Object.entries(compose.environment)
                .filter(([k, v]) => v === null && !(DOCKER_VARIABLES.secrets as readonly string[]).includes(k))
                .map(([k]) => k)
                .sort();
            assert.deepEqual(onDocker, onEcs, name);
        }
        assert.ok(rendered.ecs.get("neo-server").secrets.length > 0, "the fixture's client reads the database's credentials");
    });

    it("every health check is the same command, timeout and start period, run at least as often and tolerating failures at least as long", () => {
        let checked = 0;
        for (const [name, ecs, compose] of versionServices(rendered)) {
            if (ecs.healthCheck === undefined) {
                assert.equal(compose.healthcheck, undefined, name);
                continue;
            }
            checked++;
            const hc = compose.healthcheck!;
            assert.deepEqual(hc.test.map(unescaped), ecs.healthCheck.command, name);
            assert.deepEqual([hc.timeout, hc.start_period], [`${ecs.healthCheck.timeout}s`, `${ecs.healthCheck.startPeriod}s`], name);
            const interval = Number(hc.interval.replace(/s$/, ""));
            assert.ok(interval <= Math.min(ecs.healthCheck.interval, LOCAL_CHECK_SECONDS), `${name}: ${hc.interval}`);
            assert.ok(interval * hc.retries >= ecs.healthCheck.interval * ecs.healthCheck.retries, `${name}: ${hc.interval} × ${hc.retries}`);
        }
        assert.ok(checked > 0, "the fixture's database has a health check");
    });

    it("every service starts after the same services, once they are healthy where they can say so", () => {
        for (const [name, , compose] of versionServices(rendered)) {
            assert.deepEqual(Object.keys(compose.depends_on).sort(), rendered.ecsAfter.get(name), name);
        }
        assert.equal(rendered.compose["neo-server"]!.depends_on.neo4j?.condition, "service_healthy");
    });

    it("every service listens on the same container port, and only public services are published", () => {
        for (const [name, ecs, compose] of versionServices(rendered)) {
            const port = ecs.portMappings[0].containerPort;
            const isPublic = ecs.portMappings[0].appProtocol === "http";
            assert.deepEqual(
                compose.ports.map((p) => p.target),
                isPublic ? [port] : [],
                name,
            );
        }
    });

    it("a read-only root on ECS is a read-only root on Docker, with the same writable paths", () => {
        for (const [name, ecs, compose] of versionServices(rendered)) {
            assert.equal(compose.read_only, ecs.readonlyRootFilesystem === true, name);
            const writable = ((ecs.mountPoints ?? []) as { containerPath: string }[]).map((m) => m.containerPath);
            assert.deepEqual(
                compose.volumes.filter((v) => !("source" in v)).map((v) => v.target),
                writable,
                name,
            );
        }
    });
});

describe("a dataset's loader: the same container on both targets, run to success before the database", () => {
    let rendered: Rendered;
    before(async () => {
        rendered = await render(withDataset());
    });

    it("ECS: the loader is the database task's non-essential container, the database waits for its SUCCESS, both on the task volume data at /data", () => {
        const loader = rendered.ecs.get("neo4j-dataset");
        const database = rendered.ecs.get("neo4j");
        assert.equal(loader.essential, false);
        assert.equal(loader.image, `ghcr.io/infrasoftbe/infrasoft-vnv-dataset@sha256:${"d".repeat(64)}`);
        assert.deepEqual(database.dependsOn, [{ containerName: "neo4j-dataset", condition: "SUCCESS" }]);
        for (const c of [loader, database]) {
            assert.deepEqual(
                (c.mountPoints as { sourceVolume: string; containerPath: string }[]).filter((m) => m.containerPath === "/data"),
                [{ sourceVolume: "data", containerPath: "/data", readOnly: false }],
            );
        }
    });

    it("Docker: the loader is a service run once on the database's named volume, the database waits until it completed successfully", () => {
        const loader = rendered.compose["neo4j-dataset"]!;
        assert.equal(loader.restart, "no");
        assert.deepEqual(loader.volumes, [{ type: "volume", source: "neo4j-data", target: "/data" }]);
        assert.deepEqual(rendered.compose.neo4j!.depends_on["neo4j-dataset"], { condition: "service_completed_successfully" });
    });

    it("the loader runs the same image with the same variables (the dataset's tag and digest, the data path)", () => {
        const ecs = rendered.ecs.get("neo4j-dataset");
        const compose = rendered.compose["neo4j-dataset"]!;
        assert.equal(unescaped(compose.image), ecs.image);
        const onEcs = Object.fromEntries((ecs.environment as { name: string; value: string }[]).map((e) => [e.name, e.value]));
        assert.deepEqual(compose.environment, onEcs);
        assert.deepEqual(onEcs, { VNV_DATASET: "2026.11", VNV_DATASET_DIGEST: `sha256:${"d".repeat(64)}`, VNV_DATA_PATH: "/data" });
    });

    it("the database's clients restart with another dataset: they carry its reference", () => {
        const ecs = rendered.ecs.get("neo-server");
        const value = (ecs.environment as { name: string; value: string }[]).find((e) => e.name === "VNV_DATABASE_DATASET")?.value;
        assert.equal(value, `ghcr.io/infrasoftbe/infrasoft-vnv-dataset@sha256:${"d".repeat(64)}`);
        assert.equal(unescaped(rendered.compose["neo-server"]!.environment.VNV_DATABASE_DATASET ?? ""), value);
    });
});
