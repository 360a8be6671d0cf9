/**
 * The environment definition under Pulumi mocks, for the three roles: what each stack creates
 * and the rules every one of them keeps.
 */

// The mocks first: they are set when this module loads, before any program code runs.
import { ALB_ZONE_ID, digestOf, existingBuckets, hasProviderRules, ofType, outputValue, type Recorded, run, T } from "../harness/mocks";
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { defineEnvironment, deployEnvironment, type EnvironmentOutputs } from "../infra/environment";
import { ephemeralFromDev } from "../infra/ephemeral";
import { type EnvironmentSettings, parseSettings } from "../infra/settings";
import { readStackFile } from "../infra/stackFile";
import { checkedDigests, ephemeralSettings, handRunSettings, stackSettings } from "../harness/fixtures";

/** An extractor that finds no files: these tests look at the rest. */
const noFiles = async (): Promise<{ key: string; path: string }[]> => [];

type Deployed = { result: EnvironmentOutputs; resources: Recorded[]; invocations: { token: string; inputs: Record<string, unknown> }[] };

async function deploy(settings: EnvironmentSettings): Promise<Deployed> {
    return run(() => defineEnvironment(settings));
}

const roles: Record<string, () => EnvironmentSettings> = {
    prod: () => stackSettings("prod"),
    dev: () => stackSettings("dev"),
    ephemeral: () => ephemeralSettings("v1.2.3-rc.1"),
};

function nameOfUrn(urn: string): string {
    return urn.split("::").pop()!;
}

/** The environment's frontend bucket (a stack with an ALB also has its log bucket). */
function frontendBucket(resources: readonly Recorded[]): Recorded {
    const buckets = ofType(resources, T.bucket).filter((b) => b.name.endsWith("-frontend-bucket"));
    assert.equal(
        buckets.length,
        1,
        ofType(resources, T.bucket)
            .map((b) => b.name)
            .join(", "),
    );
    return buckets[0]!;
}

// biome-ignore lint/suspicious/noExplicitAny: ECS container definitions are untyped JSON
function containers(td: Recorded): Array<Record<string, any>> {
    return JSON.parse(td.inputs.containerDefinitions);
}

describe("environment definition", () => {
    for (const [role, settings] of Object.entries(roles)) {
        describe(`${role} stack`, () => {
            let d: Deployed;
            before(async () => {
                d = await deploy(settings());
            });

            it("every child is parented and prefixed by its component's name", () => {
                const byUrn = new Map(d.resources.map((r) => [r.urn, r]));
                for (const r of d.resources) {
                    if (r.type.startsWith("pulumi:providers:") || r.type === "pulumi:pulumi:StackReference") {
                        continue;
                    }
                    if (r.parent === "" || r.parent.includes("pulumi:pulumi:Stack")) {
                        assert.ok(!r.custom, `${r.type} ${r.name} has no component parent`);
                        continue;
                    }
                    const parent = byUrn.get(r.parent);
                    assert.ok(parent, `${r.name}: parent ${r.parent} was not registered`);
                    assert.ok(r.name.startsWith(`${nameOfUrn(r.parent)}-`), `${r.name} is not prefixed by ${nameOfUrn(r.parent)}`);
                }
            });

            it("the mocks check the provider's input rules of every resource type the stack creates", () => {
                const types = [...new Set(d.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:docker")).map((r) => r.type))];
                const exempt = ["pulumi:pulumi:StackReference", "pulumi-nodejs:dynamic:Resource"];
                assert.deepEqual(types.filter((t) => !exempt.includes(t) && !hasProviderRules(t)).sort(), []);
            });

            it("every task definition image is pinned by digest", () => {
                const tds = ofType(d.resources, T.taskDefinition);
                assert.equal(tds.length, role === "ephemeral" ? 6 : 5); // the ephemeral one runs its own database
                for (const td of tds) {
                    for (const c of containers(td)) {
                        assert.match(c.image, /^[a-z0-9./-]+@sha256:[0-9a-f]{64}$/, c.image);
                    }
                }
            });

            it("port 80 only redirects to HTTPS", () => {
                const albs = ofType(d.resources, T.alb);
                const http = ofType(d.resources, T.listener).filter((l) => l.inputs.port === 80);
                assert.equal(http.length, albs.length);
                for (const l of http) {
                    assert.deepEqual(
                        l.inputs.defaultActions.map((a: { type: string; redirect: unknown }) => [a.type, a.redirect]),
                        [["redirect", { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" }]],
                    );
                    const arn = l.state.arn;
                    assert.ok(!ofType(d.resources, T.rule).some((rule) => rule.inputs.listenerArn === arn), "a rule sits on port 80");
                }
            });

            it("the HTTPS listener uses the validated certificate with a TLS 1.2+ policy", () => {
                const validations = ofType(d.resources, T.validation);
                for (const l of ofType(d.resources, T.listener).filter((x) => x.inputs.port === 443)) {
                    const validation = validations.find((v) => v.state.certificateArn === l.inputs.certificateArn);
                    assert.ok(validation, "listener certificate is not a validated one");
                    assert.ok(l.dependencies.includes(validation.urn), "listener does not wait for validation");
                    assert.match(l.inputs.sslPolicy, /TLS13-1-2|TLS-1-2/);
                }
            });

            it("no security group opens anything but 80 and 443 to the world", () => {
                for (const sg of ofType(d.resources, T.securityGroup)) {
                    for (const rule of sg.inputs.ingress ?? []) {
                        const world = (rule.cidrBlocks ?? []).includes("0.0.0.0/0") || (rule.ipv6CidrBlocks ?? []).includes("::/0");
                        if (world) {
                            assert.ok([80, 443].includes(rule.fromPort) && rule.fromPort === rule.toPort, `${sg.name} opens ${rule.fromPort}-${rule.toPort}`);
                        }
                    }
                }
            });

            it("internal services accept traffic only from the environment's own services", () => {
                const sg = ofType(d.resources, T.securityGroup).find((s) => s.name.endsWith("-services-sg"))!;
                const redis = sg.inputs.ingress.filter((r: { fromPort: number }) => r.fromPort === 6379);
                assert.deepEqual(
                    redis.map((r: Record<string, unknown>) => [r.self, r.cidrBlocks, r.securityGroups]),
                    [[true, undefined, undefined]],
                );
            });

            it("public services accept the load balancer's security group on their port", () => {
                const sg = ofType(d.resources, T.securityGroup).find((s) => s.name.endsWith("-services-sg"))!;
                const albSg =
                    role === "ephemeral" ? "sg-0123456789abcdef0" : ofType(d.resources, T.securityGroup).find((s) => s.name === "vnv-ingress-lb-sg")!.id;
                const fromAlb = sg.inputs.ingress.filter((r: { securityGroups?: string[] }) => (r.securityGroups ?? []).length > 0);
                assert.deepEqual(fromAlb.map((r: { fromPort: number }) => r.fromPort).sort(), [8080, 8081, 8082]);
                assert.ok(fromAlb.every((r: { securityGroups: string[] }) => r.securityGroups.length === 1 && r.securityGroups[0] === albSg));
            });

            it("buckets are private: access block on, no public grant", () => {
                for (const block of ofType(d.resources, T.accessBlock)) {
                    assert.deepEqual(
                        [block.inputs.blockPublicAcls, block.inputs.ignorePublicAcls, block.inputs.blockPublicPolicy, block.inputs.restrictPublicBuckets],
                        [true, true, true, true],
                    );
                }
                for (const policy of ofType(d.resources, T.bucketPolicy)) {
                    const doc = JSON.parse(policy.inputs.policy);
                    assert.ok(!doc.Statement.some((s: { Effect: string; Principal: unknown }) => s.Effect === "Allow" && s.Principal === "*"));
                }
            });

            it("release.json holds the version, the bucket and every image digest", () => {
                const [object] = ofType(d.resources, T.object);
                const release = JSON.parse(object!.inputs.content);
                const tds = ofType(d.resources, T.taskDefinition).flatMap(containers);
                assert.equal(release.version, role === "prod" ? "v1.2.2" : "v1.2.3-rc.1");
                assert.equal(release.bucket, frontendBucket(d.resources).state.bucket);
                for (const c of tds) {
                    assert.equal(`${c.image.split("@")[0]}@${release.images[c.name]}`, c.image);
                }
            });

            it("every service rolls back a failed deployment and names its capacity provider instead of a launch type", () => {
                for (const s of ofType(d.resources, T.service)) {
                    assert.deepEqual(s.inputs.deploymentCircuitBreaker, { enable: true, rollback: true });
                    assert.equal(s.inputs.launchType, undefined);
                    assert.equal(s.inputs.capacityProviderStrategies.length, 1);
                }
            });

            it("services reach each other by name through Service Connect", () => {
                const aliases = ofType(d.resources, T.service).flatMap((s) => s.inputs.serviceConnectConfiguration.services[0].clientAlias);
                assert.deepEqual(aliases.map((a: { dnsName: string; port: number }) => `${a.dnsName}:${a.port}`).sort(), [
                    "event-bridge:8082",
                    "neo-server:3000",
                    ...(role === "ephemeral" ? ["neo4j:7687"] : []),
                    "pnp-server:8081",
                    "proxy-server:8080",
                    "redis:6379",
                ]);
            });

            it("no listener rule has more than 5 condition values", () => {
                for (const rule of ofType(d.resources, T.rule)) {
                    const count = rule.inputs.conditions.reduce(
                        (n: number, c: Record<string, { values?: string[] } | undefined>) =>
                            n + Object.values(c).reduce((m, v) => m + (v?.values?.length ?? 0), 0),
                        0,
                    );
                    assert.ok(count <= 5, `${rule.name} has ${count}`);
                }
            });

            it("target groups drain within Fargate Spot's 2-minute notice", () => {
                for (const tg of ofType(d.resources, T.targetGroup)) {
                    assert.ok(tg.inputs.deregistrationDelay < 120);
                }
            });

            it("secrets reach containers only through ECS secrets", () => {
                for (const c of ofType(d.resources, T.taskDefinition).flatMap(containers)) {
                    for (const e of c.environment) {
                        assert.ok(!String(e.value).startsWith("arn:aws:secretsmanager"), `${c.name} ${e.name}`);
                    }
                }
                const neo = ofType(d.resources, T.taskDefinition)
                    .flatMap(containers)
                    .find((c) => c.name === "neo-server")!;
                assert.deepEqual(
                    neo.secrets.map((s: { name: string }) => s.name),
                    role === "ephemeral" ? ["NEO4J_AUTH", "NEO4J_PASSWORD", "NEO4J_USERNAME"] : ["NEO4J_AUTH"],
                );
            });

            it("containers know their version, tag, digest and frontend bucket", () => {
                const proxy = ofType(d.resources, T.taskDefinition)
                    .flatMap(containers)
                    .find((c) => c.name === "proxy-server")!;
                const env = Object.fromEntries(proxy.environment.map((e: { name: string; value: string }) => [e.name, e.value]));
                assert.equal(env.RELEASE_VERSION, role === "prod" ? "v1.2.2" : "v1.2.3-rc.1");
                assert.equal(env.IMAGE_TAG, env.RELEASE_VERSION);
                assert.equal(`${proxy.image.split("@")[0]}@${env.IMAGE_DIGEST}`, proxy.image);
                assert.equal(env.FRONTEND_BUCKET, frontendBucket(d.resources).state.bucket);
            });

            it("an update is done only when every service is steady; a capacity change redeploys as the provider requires", () => {
                for (const s of ofType(d.resources, T.service)) {
                    assert.equal(s.inputs.waitForSteadyState, true, s.name);
                    assert.equal(s.inputs.forceNewDeployment, true, s.name);
                }
            });

            it("every service waits for the execution role's policies, which its tasks need to start", () => {
                const grants = d.resources.filter(
                    (r) =>
                        ["aws:iam/rolePolicy:RolePolicy", "aws:iam/rolePolicyAttachment:RolePolicyAttachment"].includes(r.type) &&
                        r.name.includes("-execution-"),
                );
                assert.ok(grants.length >= 2);
                for (const s of ofType(d.resources, T.service)) {
                    assert.deepEqual(
                        grants.filter((g) => !s.dependencies.includes(g.urn)).map((g) => g.name),
                        [],
                        s.name,
                    );
                }
            });

            it("the task roles trust only ECS tasks of the deploying account", () => {
                for (const r of ofType(d.resources, T.role)) {
                    const policy = JSON.parse(r.inputs.assumeRolePolicy);
                    assert.deepEqual(policy.Statement[0].Condition, { StringEquals: { "aws:SourceAccount": "123456789012" } }, r.name);
                }
            });

            it("a secret named with a JSON key is granted as the secret itself", () => {
                const policy = JSON.parse(ofType(d.resources, "aws:iam/rolePolicy:RolePolicy")[0]!.inputs.policy);
                const resources = policy.Statement.flatMap((st: { Resource: string[] }) => st.Resource);
                assert.ok(
                    resources.every((arn: string) => !/:secret:[^:]+:/.test(arn)),
                    resources.join("\n"),
                );
            });

            it("certificate validation records tolerate an existing record and are never deleted", () => {
                const validations = ofType(d.resources, T.record).filter((r) => r.inputs.type === "CNAME");
                assert.equal(validations.length, role === "ephemeral" ? 0 : role === "dev" ? 2 : 1);
                for (const r of validations) {
                    assert.equal(r.inputs.allowOverwrite, true);
                    assert.equal(r.retainOnDelete, true);
                }
            });

            it("the stack outputs the url, version, digests, bucket and redirect URIs", async () => {
                const host = { prod: "vnv.step-studio.be", dev: "dev.step-studio.be", ephemeral: "1-2-3-rc-1.step-studio.be" }[role];
                assert.equal(await outputValue(d.result.url), `https://${host}`);
                assert.deepEqual(await outputValue(d.result.redirectUris), [`https://${host}/`, `https://${host}/auth/callback`]);
                assert.equal(Object.keys(await outputValue(d.result.imageDigests)).length, role === "ephemeral" ? 6 : 5);
                assert.match(await outputValue(d.result.bucket), /^studio-app-/);
            });
        });
    }

    describe("an ephemeral environment's own database", () => {
        let d: Deployed;
        const db = () => containers(ofType(d.resources, T.taskDefinition).find((t) => t.name.endsWith("-neo4j"))!)[0]!;
        const neo = () => containers(ofType(d.resources, T.taskDefinition).find((t) => t.name.endsWith("-neo-server"))!)[0]!;
        const secret = () => ofType(d.resources, T.secret)[0]!;
        const SECRET_SIG = "4dabf18193072939515e22adb298388d";
        const document = () => {
            const value = ofType(d.resources, T.secretVersion)[0]!.inputs.secretString;
            return JSON.parse(value[SECRET_SIG] === undefined ? value : value.value);
        };
        before(async () => {
            d = await deploy(ephemeralSettings());
        });

        it("runs the image the team names, pinned by the digest env up found, as an internal service", () => {
            const digest = digestOf("docker.io/library/neo4j:5.26-community");
            assert.equal(db().image, `docker.io/library/neo4j@${digest}`);
            assert.deepEqual(
                db().portMappings.map((p: { containerPort: number }) => p.containerPort),
                [7687],
            );
            const service = ofType(d.resources, T.service).find((s) => s.name.endsWith("-neo4j"))!;
            assert.deepEqual(service.inputs.loadBalancers, []);
        });

        it("counts as started only once Bolt accepts its generated credentials (a container health check)", () => {
            const check = db().healthCheck;
            assert.equal(check.command[0], "CMD-SHELL");
            assert.match(check.command[1], /^cypher-shell -a bolt:\/\/localhost:7687 -u neo4j -p "\$\{NEO4J_AUTH#neo4j\/\}" "RETURN 1"/);
            assert.ok(check.startPeriod > 0 && check.retries > 0);
        });

        it("never runs twice: a new task starts only after the old one stopped", () => {
            const service = ofType(d.resources, T.service).find((s) => s.name.endsWith("-neo4j"))!;
            assert.deepEqual([service.inputs.deploymentMinimumHealthyPercent, service.inputs.deploymentMaximumPercent], [0, 100]);
        });

        it("a new database restarts its clients, so their startup import seeds it again", () => {
            const env = Object.fromEntries(neo().environment.map((e: { name: string; value: string }) => [e.name, e.value]));
            assert.equal(env.VNV_DATABASE_IMAGE, db().image);
        });

        it("runs on on-demand Fargate: a Spot interruption would lose the imported dataset", () => {
            const service = ofType(d.resources, T.service).find((s) => s.name.endsWith("-neo4j"))!;
            assert.equal(service.inputs.capacityProviderStrategies[0].capacityProvider, "FARGATE");
        });

        it("its credentials are generated for the environment and kept in one secret named after it", () => {
            assert.equal(secret().inputs.name, "vnv/v1-2-3-rc-1/neo4j-credentials");
            const doc = document();
            assert.equal(doc.username, "neo4j");
            assert.ok(doc.password.length >= 24, "a password of at least 24 characters");
            assert.equal(doc.auth, `neo4j/${doc.password}`);
        });

        it("the engine keeps the generated value as a secret (encrypted in the state, masked in its output)", () => {
            assert.ok(ofType(d.resources, T.secretVersion)[0]!.inputs.secretString[SECRET_SIG] !== undefined);
        });

        it("the generated password is drawn once: later updates ignore a new draw", () => {
            assert.deepEqual(ofType(d.resources, T.secretVersion)[0]!.ignoreChanges, ["secretString"]);
        });

        it("reaches the database and neo-server only as ECS secrets, never as plain values", async () => {
            const arn = secret().state.arn as string;
            assert.deepEqual(db().secrets, [{ name: "NEO4J_AUTH", valueFrom: `${arn}:auth::` }]);
            assert.deepEqual(neo().secrets, [
                { name: "NEO4J_AUTH", valueFrom: `${arn}:auth::` },
                { name: "NEO4J_PASSWORD", valueFrom: `${arn}:password::` },
                { name: "NEO4J_USERNAME", valueFrom: `${arn}:username::` },
            ]);
            const password = document().password as string;
            const plain = JSON.stringify(ofType(d.resources, T.taskDefinition).map((t) => t.inputs)) + JSON.stringify(await outputValue(d.result.imageDigests));
            assert.ok(!plain.includes(password), "the password appears in plain inputs");
        });

        it("neo-server is told where the database is, by its Service Connect name", () => {
            const env = Object.fromEntries(neo().environment.map((e: { name: string; value: string }) => [e.name, e.value]));
            assert.equal(env.NEO4J_URI, "bolt://neo4j:7687");
        });

        it("nothing of dev's database reaches the environment: not its secret in a container, not in the execution role's policy", () => {
            const devSecret = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:vnv/dev/neo4j-auth-AbCdEf";
            const inputs = JSON.stringify(d.resources.filter((r) => r.custom).map((r) => r.inputs));
            assert.ok(!inputs.includes("vnv/dev/neo4j-auth"), `${devSecret} reaches the environment`);
        });

        it("the execution role may read the generated secret", () => {
            const policy = ofType(d.resources, T.rolePolicy).find((p) => p.name.endsWith("-execution-secrets"))!;
            const statements = JSON.parse(policy.inputs.policy).Statement as { Sid: string; Resource: string[] }[];
            const read = statements.find((s) => s.Sid === "ReadSecrets")!;
            assert.ok(read.Resource.includes(secret().state.arn), JSON.stringify(read.Resource));
        });

        it("neo-server starts once the database is steady and its credentials exist", () => {
            const service = (n: string) => ofType(d.resources, T.service).find((s) => s.name.endsWith(`-${n}`))!;
            const version = ofType(d.resources, T.secretVersion)[0]!;
            assert.ok(service("neo-server").dependencies.includes(service("neo4j").urn));
            assert.ok(service("neo-server").dependencies.includes(version.urn));
            assert.ok(!service("neo4j").dependencies.includes(service("neo-server").urn));
        });

        it("is destroyed with the environment: the secret is deleted at once, not kept for a recovery window", () => {
            assert.equal(secret().inputs.recoveryWindowInDays, 0);
            assert.equal(secret().retainOnDelete, false);
        });

        for (const stack of ["dev", "prod"] as const) {
            it(`${stack} keeps its configured database: no database service, no generated credentials`, async () => {
                const other = await deploy(stackSettings(stack));
                assert.equal(ofType(other.resources, T.secret).length, 0);
                assert.ok(!ofType(other.resources, T.service).some((s) => s.name.endsWith("-neo4j")));
            });
        }
    });

    describe("the frontend", () => {
        it("the bucket holds the image's files, each with its content type and cache policy, and release.json names the frontend's digest", async () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-files-"));
            const files = ["index.html", "assets/index-DfX93kQa.js", "favicon.ico", "release.json"].map((key) => {
                fs.mkdirSync(path.dirname(path.join(dir, key)), { recursive: true });
                fs.writeFileSync(path.join(dir, key), key);
                return { key, path: path.join(dir, key) };
            });
            const settings = stackSettings("prod");
            const d = await run(() => deployEnvironment(settings, async () => files));
            fs.rmSync(dir, { recursive: true, force: true });
            const objects = Object.fromEntries(ofType(d.resources, T.object).map((o) => [o.inputs.key, [o.inputs.contentType, o.inputs.cacheControl]]));
            assert.deepEqual(objects, {
                "index.html": ["text/html; charset=utf-8", "no-cache"],
                "assets/index-DfX93kQa.js": ["text/javascript; charset=utf-8", "public, max-age=31536000, immutable"],
                "favicon.ico": ["image/x-icon", "public, max-age=300"],
                "release.json": ["application/json", "no-cache"],
            });
            const release = JSON.parse(ofType(d.resources, T.object).find((o) => o.inputs.key === "release.json")!.inputs.content);
            assert.equal(release.images.frontend, settings.frontend.digest);
            assert.ok(
                ofType(d.resources, T.object).every((o) => o.retainOnDelete),
                "a retained bucket's files go with it",
            );
        });
    });

    describe("retained production buckets", () => {
        afterEach(() => existingBuckets.clear());

        it("a version whose retained bucket is still there adopts it instead of creating it", async () => {
            const settings = stackSettings("prod", { version: "v1.2.1" });
            existingBuckets.add(settings.frontend.bucketName);
            const bucket = frontendBucket((await run(() => deployEnvironment(settings, noFiles))).resources);
            assert.equal(bucket.importId, settings.frontend.bucketName);
        });

        it("a version without a bucket creates one", async () => {
            const bucket = frontendBucket((await run(() => deployEnvironment(stackSettings("prod"), noFiles))).resources);
            assert.equal(bucket.importId, "");
        });

        it("only a retained bucket is ever looked up", async () => {
            const d = await run(() => deployEnvironment(stackSettings("dev"), noFiles));
            assert.deepEqual(
                d.invocations.filter((i) => i.token === "aws:s3/getBucket:getBucket"),
                [],
            );
        });
    });

    describe("roles differ", () => {
        it("production: own ALB with deletion protection, on-demand Fargate, at least two tasks per public service, retained bucket", async () => {
            const d = await deploy(stackSettings("prod"));
            const [alb] = ofType(d.resources, T.alb);
            assert.equal(alb!.inputs.enableDeletionProtection, true);
            for (const s of ofType(d.resources, T.service)) {
                assert.equal(s.inputs.capacityProviderStrategies[0].capacityProvider, "FARGATE");
            }
            const publicServices = ofType(d.resources, T.service).filter((s) => (s.inputs.loadBalancers ?? []).length > 0);
            assert.equal(publicServices.length, 3);
            assert.ok(publicServices.every((s) => s.inputs.desiredCount >= 2));
            const bucket = frontendBucket(d.resources);
            assert.equal(bucket.retainOnDelete, true);
            assert.equal(bucket.inputs.forceDestroy, false);
        });

        it("production owns its application's redirect list", async () => {
            const d = await deploy(stackSettings("prod"));
            const [list] = ofType(d.resources, T.redirects);
            assert.deepEqual(list!.inputs.redirectUris, ["https://vnv.step-studio.be/", "https://vnv.step-studio.be/auth/callback"]);
            assert.equal(list!.inputs.type, "SPA");
        });

        it("dev: its own environment plus the test platform (wildcard certificate, shared ALB answering 404, Spot-capable cluster) as outputs", async () => {
            const d = await deploy(stackSettings("dev"));
            const certs = ofType(d.resources, T.certificate)
                .map((c) => c.inputs.domainName)
                .sort();
            assert.deepEqual(certs, ["*.step-studio.be", "dev.step-studio.be"]);
            assert.equal(ofType(d.resources, T.alb).length, 2);
            const https = ofType(d.resources, T.listener).filter((l) => l.inputs.port === 443 && l.name.startsWith("vnv-platform"));
            assert.equal(https[0]!.inputs.defaultActions[0].fixedResponse.statusCode, "404");
            const capacity = ofType(d.resources, T.capacity).find((c) => c.name.startsWith("vnv-platform"))!;
            assert.deepEqual(capacity.inputs.capacityProviders, ["FARGATE", "FARGATE_SPOT"]);
            const platform = d.result.platform!;
            assert.equal(await outputValue(platform.httpsListenerArn as string), https[0]!.state.arn);
            assert.equal(await outputValue(platform.albZoneId as string), ALB_ZONE_ID);
        });

        it("ephemeral: no ALB, no certificate, no validation record, no cluster of its own", async () => {
            const d = await deploy(ephemeralSettings());
            assert.equal(ofType(d.resources, T.alb).length, 0);
            assert.equal(ofType(d.resources, T.certificate).length, 0);
            assert.equal(ofType(d.resources, T.validation).length, 0);
            assert.equal(ofType(d.resources, T.record).filter((r) => r.inputs.type === "CNAME").length, 0);
            assert.equal(ofType(d.resources, T.cluster).length, 0);
            assert.ok(ofType(d.resources, T.service).every((s) => String(s.inputs.cluster).endsWith("cluster/vnv-platform-cluster-cluster-9f8e7d6")));
        });

        it("ephemeral: Fargate Spot, one task each, 3-day logs, force-destroyed bucket, no redirect list of its own", async () => {
            const d = await deploy(ephemeralSettings());
            for (const s of ofType(d.resources, T.service).filter((s) => !s.name.endsWith("-neo4j"))) {
                assert.equal(s.inputs.capacityProviderStrategies[0].capacityProvider, "FARGATE_SPOT");
                assert.equal(s.inputs.desiredCount, 1);
            }
            assert.ok(ofType(d.resources, T.logGroup).every((l) => l.inputs.retentionInDays === 3));
            assert.equal(frontendBucket(d.resources).inputs.forceDestroy, true);
            assert.equal(ofType(d.resources, T.redirects).length, 0);
        });

        it("ephemeral: host-header rules on the platform listener within its slot's priorities, alias without target health", async () => {
            const d = await deploy(ephemeralSettings());
            const rules = ofType(d.resources, T.rule);
            assert.ok(rules.every((r) => r.inputs.listenerArn.includes(":listener/app/vnv-platform-lb-alb")));
            assert.ok(
                rules.every((r) =>
                    r.inputs.conditions.some((c: { hostHeader?: { values: string[] } }) => c.hostHeader?.values[0] === "1-2-3-rc-1.step-studio.be"),
                ),
            );
            const priorities = rules.map((r) => r.inputs.priority).sort((a, b) => a - b);
            assert.deepEqual(priorities, [31, 32, 40]);
            const [alias] = ofType(d.resources, T.record);
            assert.equal(alias!.inputs.aliases[0].evaluateTargetHealth, false);
            assert.equal(alias!.inputs.name, "1-2-3-rc-1.step-studio.be");
        });

        it("ephemeral: an AAAA alias too when dev (and so the platform's ALB) is dualstack", async () => {
            const dev = readStackFile("dev");
            const raw = ephemeralFromDev(
                { ...dev.raw, ingress: { ipAddressType: "dualstack" } },
                { version: "v1.2.3-rc.1", platformStack: "organization/vnv/dev", slot: 0, digests: checkedDigests(dev.raw, "v1.2.3-rc.1", { database: true }) },
            );
            const d = await deploy(parseSettings(raw, { project: "vnv", region: dev.region }));
            assert.deepEqual(
                ofType(d.resources, T.record)
                    .map((r) => r.inputs.type)
                    .sort(),
                ["A", "AAAA"],
            );
        });

        it("dedicated ingress evaluates target health in its alias", async () => {
            const d = await deploy(stackSettings("prod"));
            const alias = ofType(d.resources, T.record).find((r) => r.inputs.type === "A")!;
            assert.equal(alias.inputs.aliases[0].evaluateTargetHealth, true);
            assert.equal(alias.inputs.aliases[0].zoneId, ALB_ZONE_ID);
        });
    });

    describe("images", () => {
        const lookups = (d: Deployed): string[] =>
            d.invocations
                .filter((i) => i.token === "docker:index/getRegistryImage:getRegistryImage")
                .map((i) => String(i.inputs.name))
                .sort();

        it("a pinned deploy runs exactly the pinned digests and looks nothing up (no docker provider)", async () => {
            const d = await deploy(stackSettings("prod"));
            assert.deepEqual(lookups(d), []);
            assert.deepEqual(ofType(d.resources, "pulumi:providers:docker"), []);
            const proxy = ofType(d.resources, T.taskDefinition)
                .flatMap(containers)
                .find((c) => c.name === "proxy-server")!;
            assert.equal(proxy.image, `ghcr.io/infrasoftbe/infrasoft-vnv-proxy-server@${digestOf("ghcr.io/infrasoftbe/infrasoft-vnv-proxy-server:v1.2.2")}`);
        });

        it("a hand-run update without pins looks up only the version's images, authenticated to the private registries", async () => {
            const redis = `sha256:${"cd".repeat(32)}`;
            const d = await deploy(handRunSettings("prod", { digests: { redis } }));
            assert.deepEqual(lookups(d), [
                "ghcr.io/infrasoftbe/infrasoft-vnv-event-bridge:v1.2.2",
                "ghcr.io/infrasoftbe/infrasoft-vnv-neo-server:v1.2.2",
                "ghcr.io/infrasoftbe/infrasoft-vnv-pnp-server:v1.2.2",
                "ghcr.io/infrasoftbe/infrasoft-vnv-proxy-server:v1.2.2",
            ]);
            const [provider] = ofType(d.resources, "pulumi:providers:docker");
            assert.deepEqual(JSON.parse(provider!.inputs.registryAuth), [{ address: "ghcr.io" }]);
        });

        it("a Docker Hub image is looked up at Docker Hub's API host, which the docker provider does not map docker.io to", async () => {
            const base = handRunSettings("prod", { digests: { redis: `sha256:${"cd".repeat(32)}` } });
            const services = base.services.map((s) => (s.name === "neo-server" ? { ...s, image: "docker.io/infrasoft/neo-server" } : s));
            const d = await deploy({ ...base, services });
            assert.ok(lookups(d).includes("registry-1.docker.io/infrasoft/neo-server:v1.2.2"), lookups(d).join("\n"));
        });

        it("a moving tag without a pinned digest is refused, naming the service and how to pin it", () => {
            assert.throws(
                () => defineEnvironment(handRunSettings("prod")),
                /redis uses the moving tag docker\.io\/library\/redis:7\.4-alpine without a pinned digest; pin it with `vnv release check/,
            );
        });

        it("every image is pulled with its registry's credentials, Docker Hub's too, which the execution role alone may read and decrypt", async () => {
            const d = await deploy(stackSettings("prod"));
            const registry = stackSettings("prod").registries["ghcr.io"]!;
            const dockerHub = stackSettings("prod").registries["docker.io"]!;
            for (const c of ofType(d.resources, T.taskDefinition).flatMap(containers)) {
                const secret = c.image.startsWith("ghcr.io/") ? registry.secretArn : c.image.startsWith("docker.io/") ? dockerHub.secretArn : undefined;
                assert.deepEqual(c.repositoryCredentials, { credentialsParameter: secret }, c.name);
            }
            const policy = JSON.parse(ofType(d.resources, "aws:iam/rolePolicy:RolePolicy")[0]!.inputs.policy);
            const grants = Object.fromEntries(policy.Statement.map((s: { Action: string[]; Resource: string[] }) => [s.Action.join(), s.Resource]));
            assert.ok(grants["secretsmanager:GetSecretValue"].includes(registry.secretArn));
            assert.ok(grants["secretsmanager:GetSecretValue"].includes(dockerHub.secretArn));
            assert.deepEqual(grants["kms:Decrypt"], registry.kmsKeyArn === undefined ? undefined : [registry.kmsKeyArn]);
        });
    });

    describe("limits", () => {
        it("names stay within AWS limits for v123.456.789-rc.12345", async () => {
            const d = await deploy(ephemeralSettings("v123.456.789-rc.12345"));
            for (const r of [...ofType(d.resources, T.alb), ...ofType(d.resources, T.targetGroup)]) {
                assert.ok(r.state.name.length <= 32 && /^[A-Za-z0-9-]+$/.test(r.state.name), r.state.name);
            }
            const bucket = frontendBucket(d.resources).state.bucket as string;
            assert.ok(bucket.length <= 63 && /^[a-z0-9-]+$/.test(bucket), bucket);
            for (const role of ofType(d.resources, T.role)) {
                assert.ok(role.state.name.length <= 64, role.state.name);
            }
            for (const s of [...ofType(d.resources, T.service), ...ofType(d.resources, T.cluster)]) {
                assert.ok(/^[A-Za-z0-9_-]{1,255}$/.test(s.state.name), s.state.name);
            }
            for (const td of ofType(d.resources, T.taskDefinition)) {
                assert.ok(/^[A-Za-z0-9_-]{1,255}$/.test(td.inputs.family), td.inputs.family);
            }
            const host = ofType(d.resources, T.record)[0]!.inputs.name as string;
            assert.ok(host.split(".")[0]!.length <= 63 && host.length <= 253, host);
        });

        it("a service with many paths is split over rules of at most 5 condition values", async () => {
            const base = ephemeralSettings();
            const paths = Array.from({ length: 9 }, (_, i) => `/p${i}/*`);
            const settings = { ...base, services: base.services.map((s) => (s.name === "pnp-server" ? { ...s, paths } : s)) };
            const d = await deploy(settings);
            const pnpTarget = ofType(d.resources, T.targetGroup).find((r) => r.name.includes("pnp-server"))!.state.arn;
            const pnp = ofType(d.resources, T.rule).filter((r) => r.inputs.actions[0].targetGroupArn === pnpTarget);
            const routed = pnp.flatMap((r) => r.inputs.conditions.flatMap((c: { pathPattern?: { values: string[] } }) => c.pathPattern?.values ?? []));
            assert.deepEqual(routed.sort(), [...paths].sort());
            assert.equal(pnp.length, 3);
        });
    });
});
