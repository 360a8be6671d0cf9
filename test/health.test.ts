import { strict as assert } from "node:assert";
import { checkOnce, healthTargets, type HealthReport, UnhealthyError, waitHealthy } from "../automation/environments/health";
import type { ServiceSpec } from "../rules/service";
import { deadUrl, startServer, type TestServer } from "../harness/http";

const svc = (name: string, extra: Partial<ServiceSpec> = {}): ServiceSpec => ({
    name,
    image: `ghcr.io/x/${name}`,
    port: 8080,
    cpu: 256,
    memory: 512,
    desiredCount: 1,
    public: true,
    ...extra,
});
const FAST = { intervalMs: 20, timeoutMs: 1_500, streak: 3 };

describe("done means healthy", () => {
    let server: TestServer | undefined;
    afterEach(async () => {
        await server?.close();
        server = undefined;
    });

    it("probes each public service whose health path the URL routes to it, and says which it cannot reach", () => {
        const services = [
            svc("proxy-server"),
            svc("pnp-server", { paths: ["/pnp/*"], healthCheckPath: "/pnp/health" }),
            svc("event-bridge", { paths: ["/events/*"] }),
            svc("redis", { public: false }),
        ];
        const { targets, notReachable } = healthTargets(services, "https://1-2-3.step-studio.be/");
        assert.deepEqual(targets, [
            { service: "proxy-server", url: "https://1-2-3.step-studio.be/health" },
            { service: "pnp-server", url: "https://1-2-3.step-studio.be/pnp/health" },
        ]);
        assert.deepEqual(notReachable, [{ service: "event-bridge", reason: "/health is routed to proxy-server; its target group checks it" }]);
    });

    it("a service that turns healthy late is waited for, with progress on the way", async () => {
        server = await startServer((n) => (n < 4 ? 503 : 200));
        const seen: HealthReport[] = [];
        const report = await waitHealthy([{ service: "web", url: `${server.url}/health` }], [], { ...FAST, onProgress: (r) => seen.push(r) });
        assert.equal(report.healthy, true);
        assert.deepEqual(
            seen.map((r) => r.services[0]!.seen),
            ["HTTP 503", "HTTP 503", "HTTP 503", "HTTP 503", "HTTP 200", "HTTP 200", "HTTP 200"],
        );
    });

    it("a service that never answers 2xx fails at the timeout, naming it and what it answered", async () => {
        server = await startServer(() => 503);
        await assert.rejects(
            waitHealthy([{ service: "web", url: `${server.url}/health` }], [], FAST),
            (e: unknown) => e instanceof UnhealthyError && /web \(http:\/\/127\.0\.0\.1:\d+\/health\) last answered HTTP 503/.test(e.message),
        );
    });

    it("a flapping service is not healthy: it needs answers in a row", async () => {
        server = await startServer((n) => (n % 2 === 0 ? 200 : 500));
        await assert.rejects(waitHealthy([{ service: "web", url: `${server.url}/health` }], [], FAST), UnhealthyError);
    });

    it("nothing listening is reported as connection refused", async () => {
        const report = await checkOnce([{ service: "web", url: `${await deadUrl()}/health` }], []);
        assert.deepEqual([report.healthy, report.services[0]!.seen], [false, "connection refused"]);
    });
});
