import { strict as assert } from "node:assert";
import { checkOnce, healthTargets, type HealthReport, UnhealthyError, waitHealthy } from "../automation/environments/health";
import type { ServiceSpec } from "../rules/service";
import { deadUrl, startServer, type TestServer } from "../harness/http";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { probeWebSocket } from "../automation/environments/websocket";

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

    describe("a WebSocket through the load balancer", () => {
        let closers: (() => Promise<void>)[] = [];
        afterEach(async () => {
            await Promise.all(closers.map((c) => c()));
            closers = [];
        });

        /** A real HTTP server whose upgrades `onUpgrade` answers (a `ws` server, or a forger). */
        async function upgradeServer(onUpgrade: (req: http.IncomingMessage, socket: import("node:stream").Duplex, head: Buffer) => void): Promise<string> {
            const server = http.createServer((_req, res) => res.writeHead(200).end("ok"));
            // An upgraded socket leaves the server's connections: it is destroyed on close by hand.
            const upgraded: import("node:stream").Duplex[] = [];
            server.on("upgrade", (req, socket, head) => {
                upgraded.push(socket);
                onUpgrade(req, socket, head);
            });
            await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
            closers.push(
                () =>
                    new Promise<void>((resolve) => {
                        for (const socket of upgraded) {
                            socket.destroy();
                        }
                        server.closeAllConnections();
                        server.close(() => resolve());
                    }),
            );
            return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        }

        /** The `ws` library's server behind a real HTTP server: RFC 6455's handshake as browsers meet it. */
        async function webSocketServer(): Promise<string> {
            const wss = new WebSocketServer({ noServer: true });
            closers.push(() => new Promise<void>((resolve) => wss.close(() => resolve())));
            return upgradeServer((req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => ws.close()));
        }

        it("a service that declares a WebSocket path is probed there too, with an upgrade", () => {
            const { targets } = healthTargets(
                [svc("proxy-server"), svc("event-bridge", { paths: ["/events/*"], websocketPath: "/events/socket" })],
                "https://a.b/",
            );
            assert.deepEqual(targets, [
                { service: "proxy-server", url: "https://a.b/health" },
                { service: "event-bridge", url: "https://a.b/events/socket", websocket: true },
            ]);
        });

        it("a real WebSocket server's handshake counts as healthy", async () => {
            assert.deepEqual(await probeWebSocket(`${await webSocketServer()}/events/socket`), { ok: true, seen: "WebSocket 101" });
        });

        it("a 2xx where an upgrade was asked for is not healthy: the ALB or the service dropped the upgrade", async () => {
            server = await startServer(() => 200);
            assert.deepEqual(await probeWebSocket(`${server.url}/events/socket`), { ok: false, seen: "HTTP 200 instead of an upgrade" });
        });

        it("a 101 whose Sec-WebSocket-Accept does not answer the key is not healthy, naming what came", async () => {
            const url = await upgradeServer((_req, socket) =>
                socket.end("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: forged\r\n\r\n"),
            );
            const seen = await probeWebSocket(`${url}/events/socket`);
            assert.deepEqual(seen, { ok: false, seen: "WebSocket 101 with a wrong Sec-WebSocket-Accept (forged)" });
        });

        it("a server that accepts the connection and never answers is cut at the probe's timeout", async () => {
            const url = await upgradeServer(() => undefined);
            assert.deepEqual(await probeWebSocket(`${url}/events/socket`, { timeoutMs: 200 }), { ok: false, seen: "timed out" });
        });

        it("the health wait needs the WebSocket to open, as many times in a row as the health path", async () => {
            const base = await webSocketServer();
            const report = await waitHealthy(
                [
                    { service: "event-bridge", url: `${base}/health` },
                    { service: "event-bridge", url: `${base}/events/socket`, websocket: true },
                ],
                [],
                FAST,
            );
            assert.deepEqual(
                report.services.map((s) => [s.seen, s.streak]),
                [
                    ["HTTP 200", 3],
                    ["WebSocket 101", 3],
                ],
            );
        });
    });
});
