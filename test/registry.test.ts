/**
 * @registry: the registry client, release check and promote against a real OCI registry on
 * loopback (Debian's docker-registry), with test images pushed through the API.
 */
import { strict as assert } from "node:assert";
import { MEDIA_TYPES, RegistryClient, RegistryError } from "../registry/client";
import { applyPromotion, checkRelease, PromotionRefusedError, planPromotion } from "../automation/release/release";
import { pushImage, registryServices, pushIndex, startGatekeeper, startRegistry, type TestRegistry } from "../harness/registry";

const anonymous = () => new RegistryClient({ credentials: () => undefined, backoffMs: 20 });

const services = registryServices;

async function tagsOf(client: RegistryClient, image: string): Promise<string[]> {
    try {
        return (await client.tags(image)).sort();
    } catch (e) {
        if (e instanceof RegistryError && e.kind === "not-found") {
            return [];
        }
        throw e;
    }
}

describe("@registry release images against a real registry", function () {
    this.timeout(60_000);
    let reg: TestRegistry;
    let client: RegistryClient;
    beforeEach(async () => {
        reg = await startRegistry();
        client = anonymous();
    });
    afterEach(async () => {
        await reg.stop();
    });

    for (const [kind, push, mediaType] of [
        ["a Docker v2 manifest", (r: TestRegistry, repo: string) => pushImage(r, repo, "v1.0.0", "a", "docker"), MEDIA_TYPES.dockerManifest],
        ["an OCI manifest", (r: TestRegistry, repo: string) => pushImage(r, repo, "v1.0.0", "a", "oci"), MEDIA_TYPES.ociManifest],
        ["an OCI index", (r: TestRegistry, repo: string) => pushIndex(r, repo, "v1.0.0", "a", "oci"), MEDIA_TYPES.ociIndex],
        ["a Docker manifest list", (r: TestRegistry, repo: string) => pushIndex(r, repo, "v1.0.0", "a", "docker"), MEDIA_TYPES.dockerList],
    ] as const) {
        it(`resolves a tag to the digest of ${kind}`, async () => {
            const digest = await push(reg, "infrasoftbe/app");
            const found = await client.resolve(`${reg.host}/infrasoftbe/app`, "v1.0.0");
            assert.deepEqual([found.digest, found.mediaType], [digest, mediaType]);
        });
    }

    it("lists a repository's tags", async () => {
        await pushImage(reg, "infrasoftbe/app", "v1.0.0-rc.1", "a");
        await pushImage(reg, "infrasoftbe/app", "test", "a");
        assert.deepEqual(await tagsOf(client, `${reg.host}/infrasoftbe/app`), ["test", "v1.0.0-rc.1"]);
    });

    it("a missing tag is reported as not found, naming the image and the registry's answer", async () => {
        await pushImage(reg, "infrasoftbe/app", "v1.0.0", "a");
        await assert.rejects(
            client.resolve(`${reg.host}/infrasoftbe/app`, "v9.9.9"),
            (e: unknown) =>
                e instanceof RegistryError &&
                e.kind === "not-found" &&
                /infrasoftbe\/app:v9\.9\.9: not found in 127\.0\.0\.1:\d+ \(404 MANIFEST_UNKNOWN/.test(e.message),
        );
    });

    it("release check gives every digest, and names the missing images", async () => {
        const s = services(reg.host);
        const proxy = await pushImage(reg, "infrasoftbe/proxy-server", "v1.2.3-rc.1", "p");
        await pushImage(reg, "library/redis", "7.4-alpine", "r");
        const result = await checkRelease(client, s, "v1.2.3-RC1");
        assert.equal(result.digests["proxy-server"], proxy);
        assert.deepEqual(result.missing, [`pnp-server (${reg.host}/infrasoftbe/pnp-server:v1.2.3-rc.1)`]);
    });

    it("promote picks rc.10 over rc.9 and points the release and prod tags at its digest", async () => {
        const s = services(reg.host);
        for (const svc of ["proxy-server", "pnp-server"]) {
            await pushImage(reg, `infrasoftbe/${svc}`, "v1.2.3-rc.9", `${svc}-9`);
            await pushImage(reg, `infrasoftbe/${svc}`, "v1.2.3-rc.10", `${svc}-10`);
        }
        const plan = await planPromotion(client, s, "v1.2.3");
        assert.equal(plan.from, "v1.2.3-rc.10");
        await applyPromotion(client, plan);
        for (const svc of ["proxy-server", "pnp-server"]) {
            const rc = await client.resolve(`${reg.host}/infrasoftbe/${svc}`, "v1.2.3-rc.10");
            assert.equal((await client.resolve(`${reg.host}/infrasoftbe/${svc}`, "v1.2.3")).digest, rc.digest);
            assert.equal((await client.resolve(`${reg.host}/infrasoftbe/${svc}`, "prod")).digest, rc.digest);
        }
    });

    it("promote keeps a multi-arch index an index (same digest, same media type)", async () => {
        const s = services(reg.host).filter((x) => x.name === "proxy-server");
        const index = await pushIndex(reg, "infrasoftbe/proxy-server", "v2.0.0-rc.1", "i");
        await applyPromotion(client, await planPromotion(client, s, "v2.0.0"));
        const release = await client.resolve(`${reg.host}/infrasoftbe/proxy-server`, "v2.0.0");
        assert.deepEqual([release.digest, release.mediaType], [index, MEDIA_TYPES.ociIndex]);
    });

    it("promoting twice is a no-op", async () => {
        const s = services(reg.host);
        for (const svc of ["proxy-server", "pnp-server"]) {
            await pushImage(reg, `infrasoftbe/${svc}`, "v1.2.3-rc.1", svc);
        }
        await applyPromotion(client, await planPromotion(client, s, "v1.2.3"));
        const again = await planPromotion(client, s, "v1.2.3");
        assert.deepEqual(
            again.steps.map((st) => st.write),
            [[], []],
        );
        assert.deepEqual(await applyPromotion(client, again), []);
    });

    it("promote over a release tag that points elsewhere is refused and writes nothing", async () => {
        const s = services(reg.host);
        for (const svc of ["proxy-server", "pnp-server"]) {
            await pushImage(reg, `infrasoftbe/${svc}`, "v1.2.3-rc.2", svc);
        }
        await pushImage(reg, "infrasoftbe/pnp-server", "v1.2.3", "an-older-build");
        await assert.rejects(
            planPromotion(client, s, "v1.2.3"),
            (e: unknown) => e instanceof PromotionRefusedError && /pnp-server: .*:v1\.2\.3 already points at sha256:/.test(e.message),
        );
        assert.deepEqual(await tagsOf(client, `${reg.host}/infrasoftbe/proxy-server`), ["v1.2.3-rc.2"]);
        assert.deepEqual(await tagsOf(client, `${reg.host}/infrasoftbe/pnp-server`), ["v1.2.3", "v1.2.3-rc.2"]);
    });

    it("promote over a release written in another spelling (1.2.3 for v1.2.3) at another digest is refused and writes nothing", async () => {
        const s = services(reg.host);
        for (const svc of ["proxy-server", "pnp-server"]) {
            await pushImage(reg, `infrasoftbe/${svc}`, "v1.2.3-rc.1", svc);
        }
        await pushImage(reg, "infrasoftbe/pnp-server", "1.2.3", "an-older-build");
        await assert.rejects(
            planPromotion(client, s, "v1.2.3"),
            (e: unknown) =>
                e instanceof PromotionRefusedError &&
                /pnp-server: .*pnp-server:1\.2\.3 \(a spelling of v1\.2\.3\) already points at sha256:[0-9a-f]{64}, not sha256:.*releases are immutable/.test(
                    e.message,
                ),
        );
        assert.deepEqual(await tagsOf(client, `${reg.host}/infrasoftbe/proxy-server`), ["v1.2.3-rc.1"]);
        assert.deepEqual(await tagsOf(client, `${reg.host}/infrasoftbe/pnp-server`), ["1.2.3", "v1.2.3-rc.1"]);
    });

    it("a release already written in another spelling at the candidate's digest is promoted: the canonical tag is added", async () => {
        const s = services(reg.host);
        for (const svc of ["proxy-server", "pnp-server"]) {
            await pushImage(reg, `infrasoftbe/${svc}`, "v1.2.3-rc.1", svc);
        }
        const rc = await client.manifest(`${reg.host}/infrasoftbe/pnp-server`, "v1.2.3-rc.1");
        await client.tag(`${reg.host}/infrasoftbe/pnp-server`, "1.2.3", rc);
        const plan = await planPromotion(client, s, "v1.2.3");
        assert.deepEqual(
            plan.steps.map((st) => [st.service, st.write, st.unchanged]),
            [
                ["proxy-server", ["v1.2.3", "prod"], []],
                ["pnp-server", ["v1.2.3", "prod"], ["1.2.3"]],
            ],
        );
    });

    it("promote refuses a release whose candidate is not the digest it was first recorded with", async () => {
        const s = services(reg.host);
        for (const svc of ["proxy-server", "pnp-server"]) {
            await pushImage(reg, `infrasoftbe/${svc}`, "v1.2.3-rc.2", `${svc}-2`);
        }
        const recorded = { digests: { "pnp-server": `sha256:${"1".repeat(64)}` }, origin: "promoted 2026-11-27T10:00:00.000Z by ana" };
        await assert.rejects(
            planPromotion(client, s, "v1.2.3", { recorded }),
            (e: unknown) =>
                e instanceof PromotionRefusedError &&
                /pnp-server: v1\.2\.3 was released as sha256:1{64} \(promoted 2026-11-27T10:00:00\.000Z by ana\), not sha256:[0-9a-f]{64} of v1\.2\.3-rc\.2; releases are immutable/.test(
                    e.message,
                ),
        );
    });

    it("promote reads each image's tag list once, in one pass: its work grows linearly with the tags, not with their square", async () => {
        const s = services(reg.host);
        const n = 200;
        for (const svc of ["proxy-server", "pnp-server"]) {
            const repo = `infrasoftbe/${svc}`;
            await pushImage(reg, repo, "v1.2.3-rc.1", svc);
            const manifest = await client.manifest(`${reg.host}/${repo}`, "v1.2.3-rc.1");
            for (let i = 0; i < n; i++) {
                await client.tag(`${reg.host}/${repo}`, `v0.${i}.0-rc.1`, manifest);
            }
        }
        let reads = 0;
        let listed = 0;
        class Counting extends RegistryClient {
            override async tags(image: string): Promise<string[]> {
                const tags = await super.tags(image);
                listed += tags.length;
                // Every element read of the list is counted: a pass over it reads each once.
                return new Proxy(tags, {
                    get(target, key, receiver) {
                        if (typeof key === "string" && /^\d+$/.test(key)) {
                            reads++;
                        }
                        return Reflect.get(target, key, receiver);
                    },
                });
            }
        }
        const plan = await planPromotion(new Counting({ credentials: () => undefined }), s, "v1.2.3");
        assert.equal(plan.from, "v1.2.3-rc.1");
        assert.equal(listed, 2 * (n + 1));
        assert.ok(reads <= 2 * listed, `${reads} reads of ${listed} listed tags: more than two passes`);
    });

    it("one missing service image makes promote write no tag at all", async () => {
        const s = services(reg.host);
        await pushImage(reg, "infrasoftbe/proxy-server", "v1.2.3-rc.3", "p");
        await pushImage(reg, "infrasoftbe/pnp-server", "v1.2.3-rc.2", "q");
        await assert.rejects(
            planPromotion(client, s, "v1.2.3", { from: "v1.2.3-rc.3" }),
            (e: unknown) => e instanceof PromotionRefusedError && /pnp-server: .*:v1\.2\.3-rc\.3 does not exist/.test(e.message),
        );
        assert.deepEqual(await tagsOf(client, `${reg.host}/infrasoftbe/proxy-server`), ["v1.2.3-rc.3"]);
        assert.deepEqual(await tagsOf(client, `${reg.host}/infrasoftbe/pnp-server`), ["v1.2.3-rc.2"]);
    });

    it("promote refuses a release candidate as the target and a --from of another base", async () => {
        const s = services(reg.host);
        await assert.rejects(planPromotion(client, s, "v1.2.3-rc.1"), /is not a release/);
        await assert.rejects(planPromotion(client, s, "v1.2.3", { from: "v1.2.4-rc.1" }), /not a release candidate of v1\.2\.3/);
    });
});

describe("@registry authentication and failures", function () {
    this.timeout(60_000);

    it("basic credentials (htpasswd) are sent when the registry asks, and refused ones are named", async () => {
        const reg = await startRegistry({ basic: { user: "ci", password: "s3cret" } });
        try {
            const digest = await pushImage(reg, "infrasoftbe/app", "v1.0.0", "a");
            const ok = new RegistryClient({ credentials: () => ({ username: "ci", password: "s3cret", source: "test" }) });
            assert.equal((await ok.resolve(`${reg.host}/infrasoftbe/app`, "v1.0.0")).digest, digest);
            const wrong = new RegistryClient({ credentials: () => ({ username: "ci", password: "nope", source: "test credentials" }) });
            await assert.rejects(
                wrong.resolve(`${reg.host}/infrasoftbe/app`, "v1.0.0"),
                (e: unknown) => e instanceof RegistryError && e.kind === "unauthorized" && /credentials from test credentials were refused/.test(e.message),
            );
            await assert.rejects(anonymous().resolve(`${reg.host}/infrasoftbe/app`, "v1.0.0"), /wants basic credentials and none were found/);
        } finally {
            await reg.stop();
        }
    });

    it("answers a bearer challenge with a token from the realm, for the repository's scope", async () => {
        const reg = await startRegistry();
        const gate = await startGatekeeper(reg, "ci", "t0ken-pass");
        try {
            const digest = await pushImage(reg, "infrasoftbe/app", "v1.0.0", "a");
            const client = new RegistryClient({ credentials: () => ({ username: "ci", password: "t0ken-pass", source: "test" }) });
            assert.equal((await client.resolve(`${gate.host}/infrasoftbe/app`, "v1.0.0")).digest, digest);
            assert.deepEqual(gate.tokenRequests[0], { scope: "repository:infrasoftbe/app:pull", service: "vnv-test-registry", authenticated: true });
            const wrong = new RegistryClient({ credentials: () => ({ username: "ci", password: "bad", source: "test" }) });
            await assert.rejects(
                wrong.resolve(`${gate.host}/infrasoftbe/app`, "v1.0.0"),
                /token service 127\.0\.0\.1:\d+ refused \(401 UNAUTHORIZED: bad credentials\)/,
            );
        } finally {
            await gate.stop();
            await reg.stop();
        }
    });

    it("a registry that is down gives a clear error after a few attempts", async () => {
        const reg = await startRegistry();
        const host = reg.host;
        await reg.stop();
        await assert.rejects(
            anonymous().resolve(`${host}/infrasoftbe/app`, "v1.0.0"),
            (e: unknown) =>
                e instanceof RegistryError &&
                e.kind === "unreachable" &&
                e.message === `${host}/infrasoftbe/app:v1.0.0: registry ${host} is unreachable (connection refused) after 3 attempt(s)`,
        );
    });
});
