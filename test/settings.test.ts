import { strict as assert } from "node:assert";
import { imagesOf, parseSettings } from "../infra/settings";
import { ephemeralFromDev } from "../infra/ephemeral";
import { readStackFile } from "../infra/stackFile";
import { ephemeralRaw, ephemeralSettings, problemsOf, stackSettings } from "../harness/fixtures";

function devWith(overrides: Record<string, unknown>): () => unknown {
    return () => stackSettings("dev", overrides);
}

describe("settings", () => {
    it("the committed dev and prod stack files make valid environments", () => {
        assert.equal(stackSettings("dev").role, "dev");
        assert.equal(stackSettings("prod").role, "prod");
    });

    it("a missing key fails with an error naming the key", () => {
        const { raw, region } = readStackFile("dev");
        const { hostedZoneId: _zone, ...rest } = raw as Record<string, unknown>;
        const problems = problemsOf(() => parseSettings(rest, { project: "vnv", region }));
        assert.ok(
            problems.some((p) => p.startsWith("vnv:hostedZoneId: missing")),
            problems.join("\n"),
        );
    });

    it("a bad value fails naming its path and what is allowed", () => {
        const { raw } = readStackFile("dev");
        const services = structuredClone(raw.services) as Record<string, unknown>[];
        services[1]!.port = "80a";
        const problems = problemsOf(devWith({ services }));
        assert.deepEqual(problems, ['vnv:services[1].port: expected an integer from 1 to 65535, got "80a"']);
    });

    it("an unknown key (a typo) is reported, not ignored", () => {
        const problems = problemsOf(devWith({ logRetentionDay: 7 }));
        assert.ok(problems[0]!.startsWith("vnv:logRetentionDay: unknown key; known keys: role, version"), problems[0]);
    });

    it("a bad version names the input and the allowed forms", () => {
        const problems = problemsOf(devWith({ version: "latest" }));
        assert.match(problems[0]!, /^vnv:version: invalid version "latest": .*vX\.Y\.Z-rc\.N/);
    });

    it("every problem is reported at once", () => {
        const problems = problemsOf(devWith({ role: "staging", capacity: "EC2", logRetentionDays: 10 }));
        assert.equal(problems.length, 3, problems.join("\n"));
    });

    it("a bad aws:region is named", () => {
        const { raw } = readStackFile("dev");
        const problems = problemsOf(() => parseSettings(raw, { project: "vnv", region: undefined }));
        assert.ok(problems.some((p) => p.startsWith("aws:region: missing")));
    });

    it("production refuses fewer than two tasks of a public service", () => {
        const { raw, region } = readStackFile("prod");
        const services = structuredClone(raw.services) as Record<string, unknown>[];
        services[0]!.desiredCount = 1;
        const problems = problemsOf(() => parseSettings({ ...raw, services }, { project: "vnv", region }));
        assert.deepEqual(problems, ["vnv:services[0].desiredCount: production runs at least 2 tasks of a public service, got 1"]);
    });

    it("production defaults public services to two tasks", () => {
        const { raw, region } = readStackFile("prod");
        const services = (structuredClone(raw.services) as Record<string, unknown>[]).map(({ desiredCount: _d, ...s }) => s);
        const settings = parseSettings({ ...raw, services }, { project: "vnv", region });
        assert.ok(settings.services.filter((s) => s.public).every((s) => s.desiredCount === 2));
    });

    it("production cannot use the shared ingress", () => {
        const { raw, region } = readStackFile("prod");
        const problems = problemsOf(() =>
            parseSettings({ ...raw, ingress: { mode: "shared", platformStack: "organization/vnv/dev", slot: 0 } }, { project: "vnv", region }),
        );
        assert.ok(problems.includes("vnv:ingress.mode: production uses a dedicated ingress"), problems.join("\n"));
    });

    it("an ephemeral environment derives its host from the version and refuses a configured one", () => {
        assert.equal(ephemeralSettings("v1.2.3-RC1").hostname, "1-2-3-rc-1.step-studio.be");
        const problems = problemsOf(() =>
            parseSettings({ ...ephemeralRaw("v1.2.3-rc.1"), hostname: "x.step-studio.be" }, { project: "vnv", region: "eu-central-1" }),
        );
        assert.match(problems[0]!, /^vnv:hostname: an ephemeral environment's host is derived/);
    });

    it("an ephemeral environment runs one task per service on Fargate Spot with short logs and force-destroyed buckets", () => {
        const s = ephemeralSettings();
        assert.ok(s.services.every((x) => x.desiredCount === 1));
        assert.equal(s.capacity, "FARGATE_SPOT");
        assert.equal(s.logRetentionDays, 3);
        assert.equal(s.frontend.forceDestroy, true);
        assert.equal(s.frontend.bucketName, "studio-app-test-v1-2-3-rc-1");
    });

    it("production's buckets are never force-destroyed", () => {
        const problems = problemsOf(() => stackSettings("prod", { frontend: { forceDestroy: true, retain: false } }));
        assert.deepEqual(problems, ["vnv:frontend.forceDestroy: production's buckets are kept (frontend.retain), never force-destroyed"]);
    });

    it("dev's bucket of an earlier version is force-destroyed at a version change, so a non-empty one cannot fail the update", () => {
        assert.equal(stackSettings("dev").frontend.forceDestroy, true);
    });

    it("an ephemeral environment never owns the redirect list", () => {
        const problems = problemsOf(() =>
            parseSettings(
                ephemeralRaw("v1.2.3-rc.1", { auth: { manageRedirects: true, applicationId: "/applications/3f2a9c1e-7b4d-4e8a-9c6f-1d2e3f4a5b6c" } }),
                { project: "vnv", region: "eu-central-1" },
            ),
        );
        assert.ok(problems.some((p) => p.startsWith("vnv:auth.manageRedirects: an ephemeral environment never owns")));
    });

    it("exactly one public service takes the default route", () => {
        const { raw } = readStackFile("dev");
        const services = structuredClone(raw.services) as Record<string, unknown>[];
        delete services[1]!.paths;
        const problems = problemsOf(devWith({ services }));
        assert.ok(
            problems.some((p) => p.includes("exactly one public service must have no paths") && p.includes("proxy-server, event-bridge")),
            problems.join("\n"),
        );
    });

    it("Fargate CPU/memory pairs are checked", () => {
        const { raw } = readStackFile("dev");
        const services = structuredClone(raw.services) as Record<string, unknown>[];
        services[0]!.memory = 300;
        const problems = problemsOf(devWith({ services }));
        assert.ok(
            problems.some((p) => p.startsWith("vnv:services[0].memory:")),
            problems.join("\n"),
        );
    });

    it("a secret cannot also be a plain environment variable", () => {
        const { raw } = readStackFile("dev");
        const services = structuredClone(raw.services) as Record<string, unknown>[];
        services[3]!.environment = { NEO4J_AUTH: "neo4j/secret" };
        const problems = problemsOf(devWith({ services }));
        assert.deepEqual(problems, ["vnv:services[3].secrets.NEO4J_AUTH: also set as a plain environment variable; a secret goes in secrets only"]);
    });
});

describe("pinned digests", () => {
    const digest = `sha256:${"0f".repeat(32)}`;

    it("vnv:digests pins a service's image digest", () => {
        const s = stackSettings("prod", { digests: { "proxy-server": digest } });
        assert.equal(s.services.find((x) => x.name === "proxy-server")!.digest, digest);
        assert.equal(s.services.find((x) => x.name === "pnp-server")!.digest, undefined);
    });

    it("a digest for an unknown service or of the wrong form is named", () => {
        assert.throws(
            () => stackSettings("prod", { digests: { "proxy-srv": digest } }),
            /vnv:digests\.proxy-srv: no service named proxy-srv; services: proxy-server, /,
        );
        assert.throws(() => stackSettings("prod", { digests: { "proxy-server": "latest" } }), /vnv:digests\.proxy-server: expected sha256: followed by 64/);
    });
});

describe("an own database", () => {
    const devDatabase = () => (readStackFile("dev").raw.ephemeral as { database: Record<string, unknown> }).database;
    const devWithDatabase = (database: Record<string, unknown>) => devWith({ ephemeral: { ...(readStackFile("dev").raw.ephemeral as object), database } });

    it("dev and prod never run one: vnv:database is refused, naming where ephemeral environments take theirs from", () => {
        for (const stack of ["dev", "prod"] as const) {
            const problems = problemsOf(() => stackSettings(stack, { database: devDatabase() }));
            assert.deepEqual(
                problems.filter((p) => p.startsWith("vnv:database:")),
                [
                    "vnv:database: only an ephemeral environment runs its own database; dev and prod keep the database their services are configured with (ephemeral environments take theirs from dev's vnv:ephemeral.database)",
                ],
            );
        }
    });

    it("an ephemeral environment takes dev's vnv:ephemeral.database, pinned by the digest env up found", () => {
        const s = ephemeralSettings();
        assert.equal(s.database?.image, "docker.io/library/neo4j");
        assert.match(s.database?.digest ?? "", /^sha256:[0-9a-f]{64}$/);
        assert.deepEqual(s.database?.clients, ["neo-server"]);
    });

    it("what dev gives its services for the database's variables stays behind", () => {
        const neo = ephemeralSettings().services.find((s) => s.name === "neo-server")!;
        assert.deepEqual(neo.secrets, {});
        assert.equal(
            stackSettings("dev")
                .services.find((s) => s.name === "neo-server")!
                .secrets?.NEO4J_AUTH?.includes("vnv/dev/neo4j-auth"),
            true,
        );
    });

    it("renaming the database's variables does not let dev's value under the default name through", () => {
        const dev = readStackFile("dev").raw;
        const ephemeral = dev.ephemeral as { database: Record<string, unknown> };
        const renamed = { ...dev, ephemeral: { ...ephemeral, database: { ...ephemeral.database, variables: { auth: "GRAPH_AUTH" } } } };
        const raw = ephemeralFromDev(renamed, { version: "v1.2.3-rc.1", platformStack: "organization/vnv/dev", slot: 0 });
        const neo = (raw.services as { name: string; secrets?: Record<string, string> }[]).find((s) => s.name === "neo-server")!;
        assert.deepEqual(neo.secrets, {});
    });

    it("an ephemeral service that still carries a database variable is refused: it would reach another database", () => {
        const raw = ephemeralRaw("v1.2.3-rc.1");
        const services = structuredClone(raw.services) as Record<string, unknown>[];
        services[3]!.secrets = { NEO4J_AUTH: "arn:aws:secretsmanager:eu-central-1:123456789012:secret:vnv/dev/neo4j-auth-AbCdEf" };
        const problems = problemsOf(() => parseSettings({ ...raw, services }, { project: "vnv", region: "eu-central-1" }));
        assert.deepEqual(problems, [
            "vnv:services[3].secrets.NEO4J_AUTH: the environment's own database provides NEO4J_AUTH; a value given here would reach another database",
        ]);
    });

    it("dev's database section is checked with dev: clients must be services, the name and port free", () => {
        const problems = problemsOf(devWithDatabase({ ...devDatabase(), name: "redis", port: 8080, clients: ["neo-srv"] }));
        assert.deepEqual(problems.sort(), [
            'vnv:ephemeral.database.clients: "neo-srv" is not a service; services: proxy-server, event-bridge, pnp-server, neo-server, redis',
            'vnv:ephemeral.database.name: "redis" is already a service of the environment; name the database another way',
            "vnv:ephemeral.database.port: 8080 is used by a service of the environment",
        ]);
    });

    it("an image and a tag are required, and sizes are Fargate's", () => {
        const { image: _i, tag: _t, ...rest } = devDatabase();
        const problems = problemsOf(devWithDatabase({ ...rest, memory: 1024 }));
        assert.deepEqual(problems.sort(), [
            "vnv:ephemeral.database.image: missing; expected an image repository without tag, such as docker.io/library/neo4j",
            "vnv:ephemeral.database.memory: 1024 CPU units allow 2048 to 8192 MiB in Fargate's steps, got 1024",
            "vnv:ephemeral.database.tag: missing; expected the image's tag, such as 5.26.0-community",
        ]);
    });

    it("the database's image is one more image env up checks", () => {
        const s = ephemeralSettings();
        assert.deepEqual(imagesOf(s).at(-1), { name: "neo4j", image: "docker.io/library/neo4j", tag: "5.26-community" });
    });
});
