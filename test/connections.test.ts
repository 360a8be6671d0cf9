/**
 * How long a connection lasts: Service Connect timeouts per service, streaming services exempt
 * from the per-request limit, the ALB's idle timeout, and the WebSocket path: the settings'
 * rules, and what reaches the ECS service and the load balancer under the strict mocks.
 */

// The mocks first: they are set when this module loads, before any program code runs.
import { ofType, type Recorded, run, T } from "../harness/mocks";
import { strict as assert } from "node:assert";
import { defineEnvironment } from "../infra/environment";
import type { EnvironmentSettings } from "../infra/settings";
import { readStackFile } from "../infra/stackFile";
import { ephemeralSettings, problemsOf, servicesWith, stackSettings } from "../harness/fixtures";
import fc from "fast-check";
import { ALB_IDLE, albIdleProblems, albIdleTimeout, connectionProblems, serviceConnectTimeout } from "../rules/connections";
import type { ServiceSpec } from "../rules/service";

async function deploy(settings: EnvironmentSettings): Promise<Recorded[]> {
    return (await run(() => defineEnvironment(settings))).resources;
}

function serviceConnect(resources: readonly Recorded[], name: string): Record<string, unknown> {
    const found = ofType(resources, T.service).filter((s) => s.name.endsWith(`-${name}`));
    assert.equal(found.length, 1, name);
    const config = found[0]!.inputs.serviceConnectConfiguration as { services: Record<string, unknown>[] };
    return config.services[0]!;
}

const albIdle = (resources: readonly Recorded[]): unknown[] => ofType(resources, T.alb).map((a) => a.inputs.idleTimeout);

describe("connections that last as long as they need", () => {
    describe("settings", () => {
        it("event-bridge streams in both stack files: no per-request limit, an hour idle", () => {
            for (const stack of ["dev", "prod"] as const) {
                const bridge = stackSettings(stack).services.find((s) => s.name === "event-bridge")!;
                assert.deepEqual(serviceConnectTimeout(bridge), { idleTimeoutSeconds: 3600, perRequestTimeoutSeconds: 0 }, stack);
            }
        });

        it("a service that says nothing keeps ECS's defaults (no timeout block)", () => {
            const proxy = stackSettings("prod").services.find((s) => s.name === "proxy-server")!;
            assert.equal(serviceConnectTimeout(proxy), undefined);
        });

        it("a public service's per-request and idle limits are taken in seconds, 0 meaning none", () => {
            const services = servicesWith("prod", "pnp-server", { timeouts: { perRequest: 120, idle: 0 } });
            const pnp = stackSettings("prod", { services }).services.find((s) => s.name === "pnp-server")!;
            assert.deepEqual(serviceConnectTimeout(pnp), { idleTimeoutSeconds: 0, perRequestTimeoutSeconds: 120 });
        });

        it("a private service gets no per-request limit: ECS allows one only on an HTTP port", () => {
            const services = servicesWith("prod", "neo-server", { timeouts: { perRequest: 60 } });
            assert.match(
                problemsOf(() => stackSettings("prod", { services })).join("\n"),
                /^vnv:services\[3\]\.timeouts\.perRequest: only a public service's port speaks HTTP through Service Connect; ECS allows a per-request timeout only there \(AWS ECS API reference, TimeoutConfiguration\)/,
            );
        });

        it("a private streaming service keeps an hour idle and is given no per-request limit", () => {
            const services = servicesWith("prod", "neo-server", { streaming: true });
            const neo = stackSettings("prod", { services }).services.find((s) => s.name === "neo-server")!;
            assert.deepEqual(serviceConnectTimeout(neo), { idleTimeoutSeconds: 3600 });
        });

        it("a streaming service with a per-request limit is refused: one contradicts the other", () => {
            const services = servicesWith("prod", "event-bridge", { timeouts: { perRequest: 30 } });
            assert.deepEqual(
                problemsOf(() => stackSettings("prod", { services })),
                ["vnv:services[1].timeouts.perRequest: a streaming service has no per-request limit; remove one of the two"],
            );
        });

        it("a timeout beyond a day, negative or not whole is refused, naming the range", () => {
            for (const bad of [86_401, -1, 1.5]) {
                const services = servicesWith("prod", "pnp-server", { timeouts: { idle: bad } });
                assert.deepEqual(
                    problemsOf(() => stackSettings("prod", { services })),
                    [`vnv:services[2].timeouts.idle: expected an integer from 0 to 86400, got ${bad}`],
                );
            }
        });

        it("an unknown timeout key is refused, naming the known ones", () => {
            const services = servicesWith("prod", "pnp-server", { timeouts: { request: 5 } });
            assert.deepEqual(
                problemsOf(() => stackSettings("prod", { services })),
                ["vnv:services[2].timeouts.request: unknown key; known keys: perRequest, idle"],
            );
        });

        it("a WebSocket path must reach its own service through the listener rules", () => {
            const services = servicesWith("prod", "event-bridge", { websocket: "/socket" });
            assert.deepEqual(
                problemsOf(() => stackSettings("prod", { services })),
                ["vnv:services[1].websocket: /socket is routed to proxy-server, not to event-bridge; give a path its paths match"],
            );
        });

        it("a WebSocket path on a service the load balancer does not reach is refused", () => {
            const services = servicesWith("prod", "redis", { websocket: "/socket" });
            assert.deepEqual(
                problemsOf(() => stackSettings("prod", { services })),
                ["vnv:services[4].websocket: only a public service is probed through the load balancer"],
            );
        });

        it("a WebSocket path routed to its service is kept", () => {
            const services = servicesWith("prod", "event-bridge", { websocket: "/events/socket" });
            assert.equal(stackSettings("prod", { services }).services[1]!.websocketPath, "/events/socket");
        });
    });

    describe("the load balancer's idle timeout", () => {
        it("is the ALB's 60 s unless a public service streams, then as long as its idle limit (at most 4000 s)", () => {
            const services = stackSettings("prod").services;
            assert.equal(albIdleTimeout(services.filter((s) => s.name !== "event-bridge")), 60);
            assert.equal(albIdleTimeout(services), 3600);
            assert.equal(albIdleTimeout(services.map((s) => (s.name === "event-bridge" ? { ...s, timeouts: { idleSeconds: 0 } } : s))), 4000);
        });

        it("a configured timeout below what a streaming service needs is refused, naming both", () => {
            const ingress = { ...(readStackFile("prod").raw.ingress as Record<string, unknown>), idleTimeout: 120 };
            assert.deepEqual(
                problemsOf(() => stackSettings("prod", { ingress })),
                [
                    "vnv:ingress.idleTimeout: 120 s would close event-bridge's idle streams at the load balancer before its own idle limit (3600 s); raise it to at least 3600 or lower event-bridge's timeouts.idle",
                ],
            );
        });

        it("only a dedicated ingress takes one: the shared ALB is the test platform's", () => {
            assert.deepEqual(
                problemsOf(() =>
                    ephemeralSettings("v1.2.3-rc.1", { ingress: { mode: "shared", platformStack: "organization/vnv/dev", slot: 3, idleTimeout: 300 } }),
                ),
                ["vnv:ingress.idleTimeout: only a dedicated ingress takes this; the shared ALB belongs to the test platform"],
            );
        });
    });

    describe("for any service", () => {
        const seconds = fc.option(fc.integer({ min: 0, max: 86_400 }), { nil: undefined });
        const spec = fc.record({
            name: fc.constantFrom("a", "b", "c"),
            public: fc.boolean(),
            streaming: fc.option(fc.boolean(), { nil: undefined }),
            timeouts: fc.option(fc.record({ perRequestSeconds: seconds, idleSeconds: seconds }), { nil: undefined }),
        });
        const asService = (s: Pick<ServiceSpec, "name" | "public" | "streaming" | "timeouts">): ServiceSpec => ({
            image: "ghcr.io/x/y",
            port: 80,
            cpu: 256,
            memory: 512,
            desiredCount: 1,
            ...s,
        });

        it("a service the settings accept never gets a per-request limit on a TCP port, and a streaming one never any", () => {
            fc.assert(
                fc.property(spec, (raw) => {
                    const s = asService(raw);
                    const timeout = serviceConnectTimeout(s);
                    const accepted = connectionProblems(s, "s", [s]).length === 0;
                    if (accepted && timeout?.perRequestTimeoutSeconds !== undefined) {
                        return s.public === true && (s.streaming !== true || timeout.perRequestTimeoutSeconds === 0);
                    }
                    return true;
                }),
            );
        });

        it("the ALB's derived idle timeout is within its range and never cuts a streaming public service first", () => {
            fc.assert(
                fc.property(fc.array(spec, { maxLength: 4 }), (raws) => {
                    const services = raws.map(asService);
                    const idle = albIdleTimeout(services);
                    return idle >= ALB_IDLE.min && idle <= ALB_IDLE.max && albIdleProblems(services, idle, "x").length === 0;
                }),
            );
        });
    });

    describe("under the strict mocks", () => {
        let prod: Recorded[];
        let dev: Recorded[];
        let ephemeral: Recorded[];
        before(async () => {
            prod = await deploy(stackSettings("prod"));
            dev = await deploy(stackSettings("dev"));
            ephemeral = await deploy(ephemeralSettings("v1.2.3-rc.1"));
        });

        it("event-bridge's Service Connect entry has no per-request limit and an hour idle, on every role", () => {
            for (const resources of [prod, dev, ephemeral]) {
                assert.deepEqual(serviceConnect(resources, "event-bridge").timeout, { idleTimeoutSeconds: 3600, perRequestTimeoutSeconds: 0 });
            }
        });

        it("the other services' entries carry no timeout: ECS's defaults", () => {
            assert.equal(serviceConnect(prod, "proxy-server").timeout, undefined);
            assert.equal(serviceConnect(prod, "redis").timeout, undefined);
        });

        it("a per-request limit is set only on a port its task definition declares HTTP (ECS refuses it on TCP: AWS ECS API reference, TimeoutConfiguration)", async () => {
            const services = servicesWith("prod", "pnp-server", { timeouts: { perRequest: 120 } });
            const resources = await deploy(stackSettings("prod", { services }));
            const ports = new Map(
                ofType(resources, T.taskDefinition).flatMap((td) =>
                    (JSON.parse(String(td.inputs.containerDefinitions)) as { portMappings?: { name: string; appProtocol?: string }[] }[]).flatMap((c) =>
                        (c.portMappings ?? []).map((p) => [p.name, p.appProtocol ?? "tcp"] as const),
                    ),
                ),
            );
            const limited = ofType(resources, T.service)
                .map((svc) => (svc.inputs.serviceConnectConfiguration as { services: { portName: string; timeout?: Record<string, unknown> }[] }).services[0]!)
                .filter((entry) => entry.timeout?.perRequestTimeoutSeconds !== undefined);
            assert.deepEqual(limited.map((entry) => entry.portName).sort(), ["event-bridge", "pnp-server"]);
            for (const entry of limited) {
                assert.equal(ports.get(entry.portName), "http", entry.portName);
            }
        });

        it("prod's ALB, dev's and the test platform's shared one keep an idle connection for an hour", () => {
            assert.deepEqual(albIdle(prod), [3600]);
            assert.deepEqual(albIdle(dev), [3600, 3600]);
        });

        it("a configured idle timeout reaches the ALB as given", async () => {
            const ingress = { ...(readStackFile("prod").raw.ingress as Record<string, unknown>), idleTimeout: 4000 };
            assert.deepEqual(albIdle(await deploy(stackSettings("prod", { ingress }))), [4000]);
        });
    });
});
