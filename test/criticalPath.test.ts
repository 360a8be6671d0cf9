/**
 * The critical path of a resource graph (rules/criticalPath.ts): property tests against a brute
 * force over every path, and the graph of the real definition the bench measures
 * (bench/criticalPath.ts): acyclic, its implicit edges recorded, every created type timed.
 */

// The bench imports the mocks first: they are set before any program code runs.
import {
    recordGraph,
    missingImplicitEdges,
    scenarios,
    seedGraph,
    TARGET_HEALTHY,
    URL_ANSWERS,
    type BenchNode,
    type RecordedGraph,
} from "../bench/criticalPath";
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { CREATION_TIMES, creationTime } from "../bench/creationTimes";
import { defineEnvironment } from "../infra/environment";
import { CycleError, criticalPath, GraphError, type GraphNode, topologicalOrder } from "../rules/criticalPath";
import { ephemeralSettings, stackSettings } from "../harness/fixtures";

// ---------------------------------------------------------------------------------------------
// Generators: DAGs whose edges only go from a lower index to a higher one (node j may wait for i < j).

interface Dag {
    readonly nodes: GraphNode[];
    readonly durations: ReadonlyMap<string, number>;
}

const id = (i: number): string => `n${i}`;

const dag: fc.Arbitrary<Dag> = fc.integer({ min: 1, max: 9 }).chain((n) =>
    fc
        .record({
            durations: fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: n, maxLength: n }),
            edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: n * 3 }),
            parents: fc.array(fc.option(fc.nat(n - 1), { nil: undefined }), { minLength: n, maxLength: n }),
        })
        .map(({ durations, edges, parents }) => {
            const deps = Array.from({ length: n }, () => new Set<string>());
            for (const [a, b] of edges) {
                if (a !== b) {
                    deps[Math.max(a, b)]!.add(id(Math.min(a, b)));
                }
            }
            const nodes = durations.map((_, i): GraphNode => {
                const p = parents[i];
                return { id: id(i), type: `t${i % 3}`, dependsOn: [...deps[i]!], ...(p !== undefined && p < i ? { parent: id(p) } : {}) };
            });
            return { nodes, durations: new Map(durations.map((d, i) => [id(i), d])) };
        }),
);

const timeOf =
    (g: Dag) =>
    (node: GraphNode): number =>
        g.durations.get(node.id)!;

/** The longest path by brute force: every path from every node backwards, summed. */
function bruteForce(g: Dag): number {
    const byId = new Map(g.nodes.map((n) => [n.id, n]));
    const waits = (n: GraphNode): string[] => [...n.dependsOn, ...(n.parent === undefined ? [] : [n.parent])];
    let best = 0;
    const walk = (n: GraphNode, sum: number): void => {
        const total = sum + g.durations.get(n.id)!;
        best = Math.max(best, total);
        for (const d of waits(n)) {
            walk(byId.get(d)!, total);
        }
    };
    for (const n of g.nodes) {
        walk(n, 0);
    }
    return best;
}

describe("critical path (rules/criticalPath.ts)", () => {
    it("equals the longest path found by trying every path", () => {
        fc.assert(fc.property(dag, (g) => criticalPath(g.nodes, timeOf(g)).total === bruteForce(g)));
    });

    it("is at least the longest single duration and at most the sum of all", () => {
        fc.assert(
            fc.property(dag, (g) => {
                const total = criticalPath(g.nodes, timeOf(g)).total;
                const all = [...g.durations.values()];
                return total >= Math.max(...all) && total <= all.reduce((a, b) => a + b, 0);
            }),
        );
    });

    it("equals the sum on a chain", () => {
        fc.assert(
            fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 20 }), (durations) => {
                const nodes = durations.map((_, i): GraphNode => ({ id: id(i), type: "t", dependsOn: i === 0 ? [] : [id(i - 1)] }));
                const r = criticalPath(nodes, (n) => durations[Number(n.id.slice(1))]!);
                return r.total === durations.reduce((a, b) => a + b, 0) && r.path.length === durations.length;
            }),
        );
    });

    it("never gets shorter when an edge is added", () => {
        fc.assert(
            fc.property(dag, fc.nat(), fc.nat(), (g, a, b) => {
                const n = g.nodes.length;
                const [from, to] = [Math.min(a % n, b % n), Math.max(a % n, b % n)];
                fc.pre(from !== to);
                const more = g.nodes.map((node, i) => (i === to ? { ...node, dependsOn: [...node.dependsOn, id(from)] } : node));
                return criticalPath(more, timeOf(g)).total >= criticalPath(g.nodes, timeOf(g)).total;
            }),
        );
    });

    it("answers a chain of waits from a node that waits for nothing to the last one done", () => {
        fc.assert(
            fc.property(dag, (g) => {
                const r = criticalPath(g.nodes, timeOf(g));
                const byId = new Map(g.nodes.map((n) => [n.id, n]));
                assert.ok(r.path.length > 0);
                assert.equal(r.path[0]!.start, 0);
                const first = byId.get(r.path[0]!.id)!;
                assert.equal(first.dependsOn.length + (first.parent === undefined ? 0 : 1), 0, "the path starts at a node that waits for nothing");
                assert.equal(r.path[r.path.length - 1]!.finish, r.total);
                assert.equal(
                    r.path.reduce((s, p) => s + p.duration, 0),
                    r.total,
                );
                r.path.forEach((step, i) => {
                    assert.equal(step.finish, step.start + step.duration);
                    assert.equal(step.duration, g.durations.get(step.id));
                    assert.equal(r.finish.get(step.id), step.finish);
                    const prev = r.path[i - 1];
                    if (prev !== undefined) {
                        const node = byId.get(step.id)!;
                        assert.ok(node.dependsOn.includes(prev.id) || node.parent === prev.id, `${step.id} does not wait for ${prev.id}`);
                        assert.equal(step.start, prev.finish);
                    }
                });
            }),
        );
    });

    it("does not depend on the order the nodes are listed in", () => {
        fc.assert(
            fc.property(
                dag.chain((g) =>
                    fc.shuffledSubarray(g.nodes, { minLength: g.nodes.length, maxLength: g.nodes.length }).map((shuffled) => [g, shuffled] as const),
                ),
                ([g, shuffled]) => criticalPath(shuffled, timeOf(g)).total === criticalPath(g.nodes, timeOf(g)).total,
            ),
        );
    });

    it("makes a child wait for its parent, unless told not to", () => {
        fc.assert(
            fc.property(dag, (g) => {
                const asEdges = g.nodes.map((n) => ({ id: n.id, type: n.type, dependsOn: n.parent === undefined ? n.dependsOn : [...n.dependsOn, n.parent] }));
                const withParents = criticalPath(g.nodes, timeOf(g)).total;
                const without = criticalPath(g.nodes, timeOf(g), { parentIsDependency: false }).total;
                return withParents === criticalPath(asEdges, timeOf(g)).total && without <= withParents;
            }),
        );
    });

    it("answers the path to chosen targets", () => {
        fc.assert(
            fc.property(dag, fc.nat(), (g, k) => {
                const target = g.nodes[k % g.nodes.length]!.id;
                const all = criticalPath(g.nodes, timeOf(g));
                const to = criticalPath(g.nodes, timeOf(g), { to: [target] });
                return to.total === all.finish.get(target) && to.path[to.path.length - 1]!.id === target;
            }),
        );
    });

    it("orders every node after what it waits for", () => {
        fc.assert(
            fc.property(dag, (g) => {
                const position = new Map(topologicalOrder(g.nodes).map((n, i) => [n.id, i]));
                return g.nodes.every((n) => [...n.dependsOn, ...(n.parent ? [n.parent] : [])].every((d) => position.get(d)! < position.get(n.id)!));
            }),
        );
    });

    it("refuses a cycle, naming a real one", () => {
        fc.assert(
            fc.property(dag, fc.nat(), fc.nat(), (g, a, b) => {
                const n = g.nodes.length;
                const [low, high] = [Math.min(a % n, b % n), Math.max(a % n, b % n)];
                // A chain low → … → high, and low waiting for high: a cycle (a self-wait when low = high).
                const nodes = g.nodes.map((node, i) => {
                    const deps = [...node.dependsOn];
                    if (i > low && i <= high) {
                        deps.push(id(i - 1));
                    }
                    if (i === low) {
                        deps.push(id(high));
                    }
                    return { ...node, dependsOn: deps };
                });
                const byId = new Map(nodes.map((x) => [x.id, x]));
                try {
                    criticalPath(nodes, timeOf(g));
                } catch (e) {
                    assert.ok(e instanceof CycleError, String(e));
                    const cycle = e.cycle;
                    assert.ok(cycle.length >= 2);
                    assert.equal(cycle[0], cycle[cycle.length - 1]);
                    for (let i = 0; i + 1 < cycle.length; i++) {
                        const x = byId.get(cycle[i]!)!;
                        assert.ok(x.dependsOn.includes(cycle[i + 1]!) || x.parent === cycle[i + 1], `${cycle[i]} does not wait for ${cycle[i + 1]}`);
                    }
                    return true;
                }
                return false;
            }),
        );
    });

    it("refuses a dependency on no node, a duplicate id and a negative duration", () => {
        assert.throws(() => criticalPath([{ id: "a", type: "t", dependsOn: ["b"] }], () => 1), GraphError);
        assert.throws(
            () =>
                criticalPath(
                    [
                        { id: "a", type: "t", dependsOn: [] },
                        { id: "a", type: "t", dependsOn: [] },
                    ],
                    () => 1,
                ),
            GraphError,
        );
        assert.throws(() => criticalPath([{ id: "a", type: "t", dependsOn: [] }], () => -1), GraphError);
        assert.throws(() => criticalPath([{ id: "a", type: "t", dependsOn: [] }], () => 1, { to: ["b"] }), GraphError);
        assert.deepEqual(
            criticalPath([], () => 1),
            { total: 0, path: [], finish: new Map() },
        );
    });
});

describe("critical path of the real definition (bench/criticalPath.ts)", () => {
    const graphs: Record<string, RecordedGraph> = {};
    before(async () => {
        graphs.ephemeral = await recordGraph(() => defineEnvironment(ephemeralSettings("v1.2.3-rc.1")));
        graphs.dev = await recordGraph(() => defineEnvironment(stackSettings("dev")));
        graphs.prod = await recordGraph(() => defineEnvironment(stackSettings("prod")));
    });

    it("records the implicit dependencies (inputs from another resource) among the edges", () => {
        for (const [role, g] of Object.entries(graphs)) {
            assert.deepEqual(missingImplicitEdges(g), [], role);
            // Not vacuous: a listener rule's target group comes only through its input.
            const rule = g.resources.find((r) => r.type === "aws:lb/listenerRule:ListenerRule")!;
            const tg = g.resources.find((r) => r.type === "aws:lb/targetGroup:TargetGroup" && r.state.arn === rule.inputs.actions?.[0]?.targetGroupArn);
            assert.ok(tg, `${role}: no target group for ${rule.name}`);
            assert.ok(g.extra.get(rule.urn)?.propertyDependencies.includes(tg.urn), `${role}: ${rule.name} has no property dependency on ${tg.name}`);
            assert.ok(rule.dependencies.includes(tg.urn));
        }
    });

    it("is acyclic for every role, and every resource waits for its provider", () => {
        for (const [role, g] of Object.entries(graphs)) {
            assert.doesNotThrow(() => topologicalOrder(g.nodes), role);
            const providers = new Set(g.nodes.filter((n) => n.type.startsWith("pulumi:providers:")).map((n) => n.id));
            for (const r of g.resources.filter((x) => x.custom && !x.type.startsWith("pulumi:providers:"))) {
                const node = g.nodes.find((n) => n.id === r.urn)!;
                assert.ok(
                    node.dependsOn.some((d) => providers.has(d)),
                    `${role}: ${r.name} waits for no provider`,
                );
            }
        }
    });

    it("has a creation time, with its source, for every type the program creates or reads", () => {
        const types = new Set(
            Object.values(graphs)
                .flatMap((g) => g.nodes)
                .filter((n: BenchNode) => n.custom)
                .map((n) => n.type),
        );
        assert.deepEqual(
            [...types].filter((t) => creationTime(t) === undefined).sort(),
            [],
            "add the missing types to bench/creationTimes.ts, with their sources",
        );
        for (const [type, t] of Object.entries(CREATION_TIMES)) {
            assert.ok(t.low >= 0 && t.low <= t.typical && t.typical <= t.high, `${type}: low ≤ typical ≤ high`);
            assert.ok(t.source.length > 40 && t.basis.length > 0, `${type}: name the source`);
            assert.ok(!t.basis.includes("assumed") || /assum/i.test(t.source), `${type}: say what is assumed`);
        }
    });

    it("grafts seed 000's ingress with the dedicated definition's real edges", () => {
        const seed = seedGraph(graphs.ephemeral!.nodes, graphs.dev!.nodes, { certificate: true });
        assert.doesNotThrow(() => topologicalOrder(seed));
        const one = (type: string): BenchNode[] => seed.filter((n) => n.type === type);
        assert.equal(one("aws:lb/loadBalancer:LoadBalancer").length, 1);
        assert.equal(one("aws:acm/certificate:Certificate").length, 1);
        assert.equal(one("aws:acm/certificateValidation:CertificateValidation").length, 1);
        const https = one("aws:lb/listener:Listener").find((l) => l.dependsOn.includes(one("aws:acm/certificateValidation:CertificateValidation")[0]!.id));
        assert.ok(https, "the HTTPS listener waits for the certificate validation");
        for (const rule of one("aws:lb/listenerRule:ListenerRule")) {
            assert.ok(rule.dependsOn.includes(https.id), `${rule.name} waits for the HTTPS listener`);
        }
        const alias = one("aws:route53/record:Record").find((r) => r.name.endsWith("-dns-a"))!;
        assert.ok(alias.dependsOn.includes(one("aws:lb/loadBalancer:LoadBalancer")[0]!.id), "the alias waits for the ALB");
    });

    it("estimates the seed design no faster than vnv's, at every quantile", async () => {
        const { list } = await scenarios();
        const vnv = list.find((s) => s.key === "vnv")!;
        for (const key of ["seed", "seed-wildcard"]) {
            const seed = list.find((s) => s.key === key)!;
            for (const q of ["low", "typical", "high"] as const) {
                assert.ok(seed.urlAnswers!.total[q] >= vnv.urlAnswers!.total[q], `${key} ${q}`);
                assert.ok(seed.upDone.total[q] >= vnv.upDone.total[q], `${key} ${q}`);
            }
        }
        // The URL waits for every public service's target to turn healthy.
        const sink = vnv.nodes.find((n) => n.type === URL_ANSWERS)!;
        const healthy = vnv.nodes.filter((n) => n.type === TARGET_HEALTHY);
        const publicServices = graphs.ephemeral!.resources.filter((r) => r.type === "aws:ecs/service:Service" && (r.inputs.loadBalancers ?? []).length > 0);
        assert.equal(healthy.length, publicServices.length);
        assert.ok(healthy.every((h) => sink.dependsOn.includes(h.id)));
    });

    it("models what the SDK does: a component's child waits for the component's dependencies", function () {
        this.timeout(60_000);
        // A separate process, so its own mocks (with a slow resource) leave this one's alone.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-parent-wait-"));
        try {
            const script = path.join(dir, "probe.js");
            fs.writeFileSync(
                script,
                `
const pulumi = require(${JSON.stringify(require.resolve("@pulumi/pulumi"))});
const t0 = Date.now();
const at = {};
pulumi.runtime.setMocks({
    async newResource(args) {
        at[args.name + ":start"] = Date.now() - t0;
        if (args.type === "test:index:Slow") await new Promise((r) => setTimeout(r, 400));
        at[args.name + ":done"] = Date.now() - t0;
        return { id: args.name + "-id", state: args.inputs };
    },
    call() { return {}; },
}, "p", "s", false);
class Comp extends pulumi.ComponentResource {
    constructor(name, opts) {
        super("test:index:Comp", name, {}, opts);
        new pulumi.CustomResource("test:index:Fast", name + "-child", {}, { parent: this });
        this.registerOutputs({});
    }
}
const slow = new pulumi.CustomResource("test:index:Slow", "slow", {});
new Comp("waits", { dependsOn: [slow] });
new Comp("free");
setTimeout(() => process.stdout.write(JSON.stringify(at)), 1200);
`,
            );
            const at = JSON.parse(execFileSync(process.execPath, [script], { encoding: "utf8", timeout: 30_000 })) as Record<string, number>;
            assert.ok(
                at["waits-child:start"]! >= at["slow:done"]!,
                `the dependent component's child started at ${at["waits-child:start"]} ms, before slow was done at ${at["slow:done"]} ms`,
            );
            assert.ok(at["free-child:start"]! < at["slow:done"]!, "an independent component's child does not wait");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
