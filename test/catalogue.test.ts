/**
 * @registry: the version catalogue of `vnv release ls` (automation/release/catalogue.ts)
 * against a real OCI registry on loopback (Debian's docker-registry), test images pushed
 * through the API. Two stand-ins, both on loopback: a paging front in the distribution v3
 * format where the registry itself does not page its tag list (2.8 ignores `n` there), and an
 * impersonating registry for hostile `Link` headers.
 */
import { strict as assert } from "node:assert";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { type Catalogue, CatalogueError, catalogue, catalogueText, type Placement } from "../automation/release/catalogue";
import { parseNextLink, RegistryClient } from "../registry/client";
import { pushImage, registryServices, startRegistry, type TestRegistry } from "../harness/registry";

const services = registryServices;

/** A client whose requests are kept (URL of each). */
function recordingClient(options: { tagPageSize?: number } = {}): { client: RegistryClient; urls: string[] } {
    const urls: string[] = [];
    const recording = ((input: string | URL | Request, init?: RequestInit) => {
        urls.push(input instanceof Request ? input.url : String(input));
        return fetch(input, init);
    }) as typeof fetch;
    return { client: new RegistryClient({ credentials: () => undefined, backoffMs: 20, fetch: recording, ...options }), urls };
}

async function push(reg: TestRegistry, repo: string, tags: readonly string[]): Promise<void> {
    for (const tag of tags) {
        await pushImage(reg, repo, tag, `${repo}:${tag}`);
    }
}

const versionsOf = (c: Catalogue): string[] => c.versions.map((v) => v.version);

interface Server {
    readonly host: string;
    /** Paths (with query) of the requests received. */
    readonly requests: string[];
    stop(): Promise<void>;
}

async function serve(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>): Promise<Server> {
    const requests: string[] = [];
    const server = http.createServer((req, res) => {
        requests.push(req.url ?? "");
        Promise.resolve(handler(req, res)).catch((e: unknown) => res.writeHead(500).end(String(e)));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    return {
        host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
        requests,
        stop: () =>
            new Promise<void>((r) => {
                server.closeAllConnections();
                server.close(() => r());
            }),
    };
}

/**
 * Pages the real registry's tag list the way distribution v3 does (lexical order, `n` and
 * `last`, `Link: </v2/<name>/tags/list?last=…&n=…>; rel="next"`, relative), for registries
 * (Debian's 2.8) that answer every tag at once whatever `n` says.
 */
function pagingFront(upstream: TestRegistry): Promise<Server> {
    return serve(async (req, res) => {
        const url = new URL(req.url ?? "/", "http://front");
        const name = url.pathname.match(/^\/v2\/(.+)\/tags\/list$/)?.[1];
        if (name === undefined) {
            res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ errors: [{ code: "UNSUPPORTED" }] }));
            return;
        }
        const full = await fetch(`http://${upstream.host}/v2/${name}/tags/list`);
        if (!full.ok) {
            res.writeHead(full.status, { "content-type": "application/json" }).end(await full.text());
            return;
        }
        const all = (((await full.json()) as { tags: string[] | null }).tags ?? []).sort();
        const n = Number(url.searchParams.get("n") ?? all.length);
        const last = url.searchParams.get("last");
        const rest = last === null ? all : all.filter((t) => t > last);
        const page = rest.slice(0, n);
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (rest.length > page.length) {
            headers.link = `</v2/${name}/tags/list?${new URLSearchParams({ last: page[page.length - 1] ?? "", n: String(n) })}>; rel="next"`;
        }
        res.writeHead(200, headers).end(JSON.stringify({ name, tags: page }));
    });
}

/** True when the registry pages its tag list itself (distribution v3 does, 2.8 does not). */
async function pagesItself(reg: TestRegistry, repo: string): Promise<boolean> {
    const res = await fetch(`http://${reg.host}/v2/${repo}/tags/list?n=1`);
    await res.arrayBuffer();
    return res.headers.get("link") !== null;
}

describe("@registry version catalogue against a real registry", function () {
    this.timeout(60_000);
    let reg: TestRegistry;
    let client: RegistryClient;
    beforeEach(async () => {
        reg = await startRegistry();
        client = recordingClient().client;
    });
    afterEach(async () => {
        await reg.stop();
    });

    it("a version with an image of every versioned service is complete; one without names the missing service", async () => {
        await push(reg, "infrasoftbe/proxy-server", ["v1.0.0", "v1.1.0"]);
        await push(reg, "infrasoftbe/pnp-server", ["v1.0.0"]);
        const c = await catalogue(client, services(reg.host), [], {});
        const [newer, older] = c.versions;
        assert.deepEqual(
            { complete: newer?.complete, present: newer?.present, missing: newer?.missing },
            { complete: false, present: ["proxy-server"], missing: ["pnp-server"] },
        );
        assert.deepEqual({ complete: older?.complete, missing: older?.missing }, { complete: true, missing: [] });
        assert.match(catalogueText(c), /^v1\.1\.0\s+release\s+partial: missing pnp-server\s+-$/m);
    });

    it("fixed-tag images are not part of a version and are not asked about", async () => {
        await push(reg, "infrasoftbe/proxy-server", ["v1.0.0"]);
        await push(reg, "infrasoftbe/pnp-server", ["v1.0.0"]);
        const { client: recording, urls } = recordingClient();
        const c = await catalogue(recording, services(reg.host), [], {});
        assert.deepEqual(c.services, ["proxy-server", "pnp-server"]);
        assert.deepEqual(c.fixed, [{ service: "redis", image: `${reg.host}/library/redis`, tag: "7.4-alpine" }]);
        assert.equal(c.versions[0]?.complete, true);
        assert.deepEqual(
            urls.filter((u) => u.includes("/library/redis/")),
            [],
        );
    });

    it("the spellings of one version are one version", async () => {
        await push(reg, "infrasoftbe/proxy-server", ["v1.2.3-rc.1", "v1.2.3-RC1"]);
        await push(reg, "infrasoftbe/pnp-server", ["1.2.3-rc1"]);
        const c = await catalogue(client, services(reg.host), [], {});
        assert.deepEqual(
            c.versions.map((v) => ({ version: v.version, complete: v.complete, tags: v.tags })),
            [{ version: "v1.2.3-rc.1", complete: true, tags: { "proxy-server": ["v1.2.3-rc.1", "v1.2.3-RC1"], "pnp-server": ["1.2.3-rc1"] } }],
        );
    });

    it("tags that are not versions are ignored, and counted", async () => {
        await push(reg, "infrasoftbe/proxy-server", ["v1.0.0", "latest", "main", "v1.2", "1.2.3-beta.1", "prod"]);
        await push(reg, "infrasoftbe/pnp-server", ["v1.0.0", "latest"]);
        const c = await catalogue(client, services(reg.host), [], {});
        assert.deepEqual(versionsOf(c), ["v1.0.0"]);
        assert.deepEqual(c.ignoredTags, { "proxy-server": 5, "pnp-server": 1 });
        assert.match(catalogueText(c), /tags that are not versions, ignored: proxy-server 5, pnp-server 1/);
    });

    it("lists newest first in semver order: a release above its candidates, rc.10 above rc.2, snapshots below", async () => {
        const tags = ["v1.2.3-rc.2", "v1.9.0", "v1.2.3-SNAPSHOT", "v1.2.3", "v1.10.0", "v1.2.3-rc.10", "v1.2.3.snap.20241001", "v0.9.9"];
        await push(reg, "infrasoftbe/proxy-server", tags);
        await push(reg, "infrasoftbe/pnp-server", tags);
        const c = await catalogue(client, services(reg.host), [], {});
        assert.deepEqual(versionsOf(c), ["v1.10.0", "v1.9.0", "v1.2.3", "v1.2.3-rc.10", "v1.2.3-rc.2", "v1.2.3.snap.20241001", "v1.2.3-SNAPSHOT", "v0.9.9"]);
    });

    it("gives each version its kind: release, candidate or snapshot", async () => {
        const tags = ["v2.0.0", "v2.0.0-rc.1", "2.0.0-SNAPSHOT", "v1.0.0.snap.7"];
        await push(reg, "infrasoftbe/proxy-server", tags);
        await push(reg, "infrasoftbe/pnp-server", tags);
        const c = await catalogue(client, services(reg.host), [], {});
        assert.deepEqual(
            c.versions.map((v) => [v.version, v.kind]),
            [
                ["v2.0.0", "release"],
                ["v2.0.0-rc.1", "candidate"],
                ["v2.0.0-SNAPSHOT", "snapshot"],
                ["v1.0.0.snap.7", "snapshot"],
            ],
        );
    });

    it("follows the tag list's pagination to the last page", async () => {
        const tags = ["v1.0.0", "v1.1.0", "v1.2.0", "v1.3.0", "v1.4.0-rc.1", "v1.4.0-rc.2", "latest"];
        await push(reg, "infrasoftbe/proxy-server", tags);
        await push(reg, "infrasoftbe/pnp-server", tags);
        const front = (await pagesItself(reg, "infrasoftbe/proxy-server")) ? undefined : await pagingFront(reg);
        try {
            const host = front?.host ?? reg.host;
            const { client: paging, urls } = recordingClient({ tagPageSize: 2 });
            const c = await catalogue(paging, services(host), [], {});
            assert.deepEqual(versionsOf(c), ["v1.4.0-rc.2", "v1.4.0-rc.1", "v1.3.0", "v1.2.0", "v1.1.0", "v1.0.0"]);
            assert.ok(
                c.versions.every((v) => v.complete),
                "every version complete",
            );
            const pages = urls.filter((u) => u.includes("/infrasoftbe/proxy-server/tags/list"));
            assert.equal(pages.length, 4, `pages asked for: ${pages.join(", ")}`);
            assert.ok(
                pages.every((u) => new URL(u).searchParams.get("n") === "2"),
                pages.join(", "),
            );
            assert.deepEqual(
                pages.slice(1).map((u) => new URL(u).searchParams.get("last")),
                ["v1.0.0", "v1.2.0", "v1.4.0-rc.1"],
            );
        } finally {
            await front?.stop();
        }
    });

    it("--limit keeps the newest versions", async () => {
        const tags = ["v1.0.0", "v1.1.0", "v1.2.0-rc.1", "v1.2.0", "v1.3.0-rc.1"];
        await push(reg, "infrasoftbe/proxy-server", tags);
        await push(reg, "infrasoftbe/pnp-server", tags);
        const c = await catalogue(client, services(reg.host), [], { limit: 2 });
        assert.deepEqual([versionsOf(c), c.omitted], [["v1.3.0-rc.1", "v1.2.0"], 3]);
        assert.match(catalogueText(c), /^3 older version\(s\) not shown \(--limit 2\)$/m);
    });

    it("--limit still shows an older version that runs somewhere", async () => {
        const tags = ["v1.0.0", "v1.1.0", "v1.2.0", "v1.3.0"];
        await push(reg, "infrasoftbe/proxy-server", tags);
        await push(reg, "infrasoftbe/pnp-server", tags);
        const c = await catalogue(client, services(reg.host), [{ where: "prod", stack: "prod", version: "v1.0.0" }], { limit: 1 });
        assert.deepEqual([versionsOf(c), c.omitted], [["v1.3.0", "v1.0.0"], 2]);
    });

    it("says where each version runs: prod, dev, and ephemeral environments with their expiry", async () => {
        const tags = ["v1.0.0", "v1.1.0-rc.2", "v1.1.0-RC3"];
        await push(reg, "infrasoftbe/proxy-server", tags);
        await push(reg, "infrasoftbe/pnp-server", tags);
        const placements: Placement[] = [
            {
                where: "ephemeral",
                stack: "v1-1-0-rc-3",
                version: "v1.1.0-rc.3",
                expiresAt: "2026-11-23T01:02:03.000Z",
                url: "https://1-1-0-rc-3.step-studio.be",
            },
            { where: "dev", stack: "dev", version: "1.1.0-RC2" },
            { where: "prod", stack: "prod", version: "v1.0.0", url: "https://vnv.step-studio.be" },
            { where: "ephemeral", stack: "v1-1-0-rc-2", version: "v1.1.0-rc.2", expiresAt: "2026-11-24T00:00:00.000Z" },
        ];
        const c = await catalogue(client, services(reg.host), placements, {});
        assert.deepEqual(
            c.versions.map((v) => [v.version, v.runs.map((r) => `${r.where}:${r.stack}`)]),
            [
                ["v1.1.0-rc.3", ["ephemeral:v1-1-0-rc-3"]],
                ["v1.1.0-rc.2", ["dev:dev", "ephemeral:v1-1-0-rc-2"]],
                ["v1.0.0", ["prod:prod"]],
            ],
        );
        const text = catalogueText(c);
        assert.match(
            text,
            /^v1\.1\.0-rc\.3\s+candidate\s+complete\s+ephemeral v1-1-0-rc-3 \(https:\/\/1-1-0-rc-3\.step-studio\.be, expires 2026-11-23 01:02\)$/m,
        );
        assert.match(text, /^v1\.1\.0-rc\.2\s+candidate\s+complete\s+dev; ephemeral v1-1-0-rc-2 \(expires 2026-11-24 00:00\)$/m);
        assert.match(text, /^v1\.0\.0\s+release\s+complete\s+prod \(https:\/\/vnv\.step-studio\.be\)$/m);
    });

    it("a version that runs somewhere but whose images are gone from the registry is still shown", async () => {
        await push(reg, "infrasoftbe/proxy-server", ["v1.1.0"]);
        await push(reg, "infrasoftbe/pnp-server", ["v1.1.0"]);
        const c = await catalogue(client, services(reg.host), [{ where: "prod", stack: "prod", version: "v1.0.0" }], {});
        assert.deepEqual(versionsOf(c), ["v1.1.0", "v1.0.0"]);
        const gone = c.versions[1];
        assert.deepEqual(
            { inRegistry: gone?.inRegistry, complete: gone?.complete, present: gone?.present, missing: gone?.missing, runs: gone?.runs.length },
            { inRegistry: false, complete: false, present: [], missing: ["proxy-server", "pnp-server"], runs: 1 },
        );
        assert.match(catalogueText(c), /^v1\.0\.0\s+release\s+NOT IN REGISTRY \(no image left\)\s+prod$/m);
    });

    it("a repository that does not exist fails, naming the service and the image", async () => {
        await push(reg, "infrasoftbe/proxy-server", ["v1.0.0"]);
        await assert.rejects(
            catalogue(client, services(reg.host), [], {}),
            (e: unknown) =>
                e instanceof CatalogueError &&
                e.failures.length === 1 &&
                e.failures[0]?.kind === "not-found" &&
                e.message.startsWith(`cannot list the versions of pnp-server (${reg.host}/infrasoftbe/pnp-server): `) &&
                /NAME_UNKNOWN/.test(e.message),
        );
    });

    it("an unreachable registry fails, naming every image", async () => {
        const gone = await startRegistry(); // its own: afterEach stops the shared one
        const host = gone.host;
        await gone.stop();
        await assert.rejects(catalogue(client, services(host), [], {}), (e: unknown) => {
            assert.ok(e instanceof CatalogueError, String(e));
            assert.deepEqual(
                e.failures.map((f) => [f.service, f.image, f.kind]),
                [
                    ["proxy-server", `${host}/infrasoftbe/proxy-server`, "unreachable"],
                    ["pnp-server", `${host}/infrasoftbe/pnp-server`, "unreachable"],
                ],
            );
            assert.match(
                e.message,
                new RegExp(`proxy-server \\(${host}/infrasoftbe/proxy-server\\): .*registry ${host} is unreachable \\(connection refused\\)`),
            );
            return true;
        });
    });
});

describe("tag list next-page links", () => {
    it("finds rel=next among several links and relations, quoted or not", () => {
        assert.equal(parseNextLink('</v2/a/tags/list?last=x&n=2>; rel="next"'), "/v2/a/tags/list?last=x&n=2");
        assert.equal(parseNextLink('<https://r.example/v2/a/tags/list?n=1>; rel="prev", </v2/a/tags/list?last=y&n=1>; rel=next'), "/v2/a/tags/list?last=y&n=1");
        assert.equal(parseNextLink('</v2/a/tags/list?last=z>; title="page"; rel="last next"'), "/v2/a/tags/list?last=z");
        assert.equal(parseNextLink('</v2/a/tags/list?last=x>; rel="prev"'), undefined);
        assert.equal(parseNextLink(null), undefined);
    });

    it("the page size is a whole number of at least 1", () => {
        for (const tagPageSize of [0, -1, 1.5, Number.NaN]) {
            assert.throws(() => new RegistryClient({ tagPageSize }), RangeError);
        }
    });
});

describe("@registry version catalogue: a next-page link is followed only within the repository", function () {
    this.timeout(30_000);
    let elsewhere: Server;
    beforeEach(async () => {
        elsewhere = await serve((_req, res) => {
            res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ name: "infrasoftbe/app", tags: ["v9.9.9"] }));
        });
    });
    afterEach(async () => {
        await elsewhere.stop();
    });

    it("an absolute link to the same repository's tag list is followed", async () => {
        const impostor = await serve((req, res) => {
            const more = !(req.url ?? "").includes("last=");
            const headers: Record<string, string> = { "content-type": "application/json" };
            if (more) {
                headers.link = `<http://${impostor.host}/v2/infrasoftbe/app/tags/list?last=v1.0.0&n=2>; rel="next"`;
            }
            res.writeHead(200, headers).end(JSON.stringify({ name: "infrasoftbe/app", tags: more ? ["latest", "v1.0.0"] : ["v1.1.0"] }));
        });
        try {
            const { client } = recordingClient({ tagPageSize: 2 });
            const c = await catalogue(client, [{ name: "app", image: `${impostor.host}/infrasoftbe/app` }], [], {});
            assert.deepEqual(versionsOf(c), ["v1.1.0", "v1.0.0"]);
            assert.deepEqual(impostor.requests, ["/v2/infrasoftbe/app/tags/list?n=2", "/v2/infrasoftbe/app/tags/list?last=v1.0.0&n=2"]);
        } finally {
            await impostor.stop();
        }
    });

    for (const [what, link] of [
        ["another host", (other: string) => `<http://${other}/v2/infrasoftbe/app/tags/list?last=v1.0.0&n=2>; rel="next"`],
        ["another repository of the same registry", () => `</v2/infrasoftbe/secrets/tags/list?last=v1.0.0&n=2>; rel="next"`],
        ["another endpoint of the same repository", () => `</v2/infrasoftbe/app/manifests/latest?n=2>; rel="next"`],
        ["a path that climbs out of the repository", () => `</v2/infrasoftbe/app/../secrets/tags/list?n=2>; rel="next"`],
        ["a page already read", () => `</v2/infrasoftbe/app/tags/list?n=2>; rel="next"`],
    ] as const) {
        it(`a link to ${what} is refused, not followed`, async () => {
            const impostor = await serve((_req, res) => {
                res.writeHead(200, { "content-type": "application/json", link: link(elsewhere.host) }).end(
                    JSON.stringify({ name: "infrasoftbe/app", tags: ["v1.0.0", "latest"] }),
                );
            });
            try {
                const { client } = recordingClient({ tagPageSize: 2 });
                await assert.rejects(
                    catalogue(client, [{ name: "app", image: `${impostor.host}/infrasoftbe/app` }], [], {}),
                    (e: unknown) =>
                        e instanceof CatalogueError &&
                        e.failures[0]?.kind === "invalid" &&
                        /^cannot list the versions of app \(127\.0\.0\.1:\d+\/infrasoftbe\/app\): .*next-page link .* (refused|repeats)/.test(e.message),
                );
                assert.deepEqual(impostor.requests, ["/v2/infrasoftbe/app/tags/list?n=2"]);
                assert.deepEqual(elsewhere.requests, []);
            } finally {
                await impostor.stop();
            }
        });
    }
});
