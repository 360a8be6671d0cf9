/**
 * A critical-path estimate of creating an environment, from the resource graph of the real
 * definition (`defineEnvironment` under the repo's strict Pulumi mocks) and the published
 * per-type creation times of bench/creationTimes.ts (each with its source):
 *
 * - vnv's ephemeral environment, which attaches to dev's shared ALB, listener and wildcard
 *   certificate (listener rules, target groups, services, a DNS alias, a bucket);
 * - the one-time dev platform it shares (TestPlatform: wildcard certificate, ALB, cluster);
 * - seed 000's design, one ALB and one certificate per version: the same ephemeral graph with
 *   the dedicated ingress of the real definition grafted in front (the PublicLoadBalancer and
 *   SiteCertificate subtrees of the dev stack's own VersionedStack, with the edges the dedicated
 *   definition has into them); and, as the seed's HCL sketch has it, own ALB with a shared
 *   wildcard certificate.
 *
 * Two figures per scenario: "up done" (the last resource created, what `pulumi up` waits for)
 * and "URL answers": the DNS alias in sync, the rules in place and every public service's
 * target healthy, which the ECS waiter does not wait for on a new service (see the Service entry
 * of the table), so the bench adds it as its own step from the target group's real health check.
 *
 * Run: npx tsx bench/criticalPath.ts [--json]
 */

// The mocks first: they are set when this module loads, before any program code runs.
import { type Recorded, run } from "../harness/mocks";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { defineEnvironment } from "../infra/environment";
import { type CriticalPath, criticalPath, type GraphNode } from "../rules/criticalPath";
import { ephemeralSettings, stackSettings } from "../harness/fixtures";
import { type CreationTime, creationTime } from "./creationTimes";

export const QUANTILES = ["low", "typical", "high"] as const;
export type Quantile = (typeof QUANTILES)[number];
export type Triple = Readonly<Record<Quantile, number>>;

/** A node of the bench's graph: a resource the program registered, one it read, or a step the bench adds. */
export interface BenchNode extends GraphNode {
    readonly name: string;
    /** A custom resource (or a read / provider): it takes its creation time. Components take none. */
    readonly custom: boolean;
    /** Times of a step the bench adds (a target becoming healthy); resources take the table's. */
    readonly times?: Triple;
    readonly source?: string;
}

/** What the mocks' request said beyond what harness/mocks.ts records. */
interface Extra {
    readonly provider: string;
    readonly propertyDependencies: readonly string[];
}

export interface RecordedGraph {
    readonly nodes: BenchNode[];
    readonly resources: Recorded[];
    /** Per URN: the provider reference and the property dependencies of its RegisterResource request. */
    readonly extra: ReadonlyMap<string, Extra>;
}

/** Type tokens of the steps the bench adds (not resources: the table has no entry for them). */
export const TARGET_HEALTHY = "vnv:bench:TargetHealthy";
export const URL_ANSWERS = "vnv:bench:UrlAnswers";

/** The type token in a URN (`urn:pulumi:stack::project::parent$type::name`). */
export function typeOfUrn(urn: string): string {
    const qualified = urn.split("::")[2] ?? "";
    return qualified.split("$").pop() ?? qualified;
}

function nameOfUrn(urn: string): string {
    return urn.split("::").slice(3).join("::");
}

/** The URN of a provider reference (`urn::id`). */
function providerUrn(reference: string): string {
    const at = reference.lastIndexOf("::");
    return at < 0 ? reference : reference.slice(0, at);
}

/**
 * Runs `program` under the mocks and answers its resource graph: every registered resource with
 * its parent, what it waits for (the request's dependencies, which the SDK fills with the explicit
 * `dependsOn` and every resource an input Output came from, plus its provider: the one named in
 * the request, or the package's default provider the engine supplies), and a node for each
 * resource it only read (the StackReference) or waited for without registering (a default
 * provider).
 */
export async function recordGraph(program: () => unknown): Promise<RecordedGraph> {
    const extra = new Map<string, Extra>();
    const previous = MockMonitor.prototype.registerResource;
    // biome-ignore lint/suspicious/noExplicitAny: gRPC request and response objects of the SDK, untyped in its mocks
    MockMonitor.prototype.registerResource = function (req: any, callback: (err: any, res: any) => void): Promise<void> {
        // biome-ignore lint/suspicious/noExplicitAny: gRPC response object of the SDK
        return previous.call(this, req, (err: unknown, res: any) => {
            if (!err) {
                const propertyDependencies: string[] = [];
                // biome-ignore lint/suspicious/noExplicitAny: jspb map value of the SDK's request
                req.getPropertydependenciesMap().forEach((deps: any) => {
                    propertyDependencies.push(...(deps.getUrnsList() as string[]));
                });
                extra.set(res.getUrn(), { provider: req.getProvider() ?? "", propertyDependencies });
            }
            callback(err, res);
        });
    };
    let resources: Recorded[];
    try {
        ({ resources } = await run(program));
    } finally {
        MockMonitor.prototype.registerResource = previous;
    }
    const registered = new Set(resources.map((r) => r.urn));
    const nodes: BenchNode[] = resources.map((r) => {
        const reference = extra.get(r.urn)?.provider ?? "";
        // No provider named: the engine uses (and first registers) the package's default provider
        // (pkg/resource/deploy/default_providers.go), which the SDK does not name in the request.
        const provider =
            reference !== ""
                ? providerUrn(reference)
                : r.custom && !r.type.startsWith("pulumi:providers:")
                  ? `${r.urn.split("::").slice(0, 2).join("::")}::pulumi:providers:${r.type.split(":")[0]}::default`
                  : undefined;
        const dependsOn = [...new Set([...r.dependencies, ...(provider === undefined ? [] : [provider])])];
        return {
            id: r.urn,
            type: r.type,
            name: r.name,
            custom: r.custom,
            dependsOn,
            ...(registered.has(r.parent) ? { parent: r.parent } : {}),
        };
    });
    const known = new Set(nodes.map((n) => n.id));
    for (const node of [...nodes]) {
        for (const dep of node.dependsOn) {
            if (!known.has(dep)) {
                known.add(dep);
                nodes.push({ id: dep, type: typeOfUrn(dep), name: nameOfUrn(dep), custom: true, dependsOn: [] });
            }
        }
    }
    return { nodes, resources, extra };
}

/** Implicit dependencies the request carried (`propertyDependencies`) but its dependency list lacks: none expected. */
export function missingImplicitEdges(graph: RecordedGraph): string[] {
    const problems: string[] = [];
    for (const r of graph.resources) {
        const deps = new Set(r.dependencies);
        for (const urn of graph.extra.get(r.urn)?.propertyDependencies ?? []) {
            if (!deps.has(urn)) {
                problems.push(`${r.name} has an input from ${urn} that is not among its dependencies`);
            }
        }
    }
    return problems;
}

/** `roots`, their descendants (by parent), and everything those wait for, transitively. */
function closure(nodes: readonly BenchNode[], roots: readonly string[]): BenchNode[] {
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const children = new Map<string, string[]>();
    for (const n of nodes) {
        if (n.parent !== undefined) {
            children.set(n.parent, [...(children.get(n.parent) ?? []), n.id]);
        }
    }
    const keep = new Set<string>();
    const down = [...roots];
    while (down.length > 0) {
        const id = down.pop()!;
        if (!keep.has(id)) {
            keep.add(id);
            down.push(...(children.get(id) ?? []));
        }
    }
    const up = [...keep];
    while (up.length > 0) {
        const node = byId.get(up.pop()!)!;
        for (const dep of [...node.dependsOn, ...(node.parent === undefined ? [] : [node.parent])]) {
            if (!keep.has(dep)) {
                keep.add(dep);
                up.push(dep);
            }
        }
    }
    return nodes.filter((n) => keep.has(n.id));
}

/** The subtrees (by parent) of the nodes `pick` selects. */
function subtrees(nodes: readonly BenchNode[], pick: (node: BenchNode) => boolean): Set<string> {
    const ids = new Set(nodes.filter(pick).map((n) => n.id));
    let grew = true;
    while (grew) {
        grew = false;
        for (const n of nodes) {
            if (n.parent !== undefined && ids.has(n.parent) && !ids.has(n.id)) {
                ids.add(n.id);
                grew = true;
            }
        }
    }
    return ids;
}

/** The dev platform: the TestPlatform subtree and what it waits for. */
export function platformGraph(dev: readonly BenchNode[]): BenchNode[] {
    return closure(
        dev,
        dev.filter((n) => n.type === "vnv:components:TestPlatform").map((n) => n.id),
    );
}

/**
 * Seed 000's design from the real graph: the ephemeral environment plus the dedicated ingress
 * of the real definition (taken from `dedicated`, a stack whose VersionedStack has its own ALB
 * and certificate: dev's). Grafted: the PublicLoadBalancer under the environment's Ingress (its
 * security group, ALB, HTTP and HTTPS listeners) and, with `certificate`, the environment's
 * SiteCertificate (certificate, validation record, validation), each with its recorded edges.
 * Every ephemeral resource also waits for what its counterpart (same URN) in the dedicated
 * definition waits for among the grafted resources; one with no counterpart (the shared
 * ingress's catch-all rule) takes the grafted edges of its same-type siblings there. Without
 * `certificate`, the listener uses an existing wildcard certificate: its wait for the
 * validation is dropped.
 */
export function seedGraph(ephemeral: readonly BenchNode[], dedicated: readonly BenchNode[], options: { readonly certificate: boolean }): BenchNode[] {
    const byId = new Map(dedicated.map((n) => [n.id, n]));
    const parentType = (n: BenchNode): string => (n.parent === undefined ? "" : (byId.get(n.parent)?.type ?? ""));
    const lb = subtrees(dedicated, (n) => n.type === "vnv:components:PublicLoadBalancer" && parentType(n) === "vnv:components:Ingress");
    const cert = subtrees(dedicated, (n) => n.type === "vnv:components:SiteCertificate" && parentType(n) === "vnv:components:VersionedStack");
    if (lb.size === 0 || cert.size === 0) {
        throw new Error("the dedicated definition has no PublicLoadBalancer under its Ingress or no SiteCertificate under its VersionedStack");
    }
    // An ALB of its own logs to a log bucket of its own (ELB.5): the seed design's per-version ALB would too.
    const logs = subtrees(dedicated, (n) => n.type === "vnv:components:LogBucket");
    const grafted = new Set([...lb, ...logs, ...(options.certificate ? cert : [])]);
    const dropped = options.certificate ? new Set<string>() : cert;
    const eph = new Map(ephemeral.map((n) => [n.id, n]));
    const inGraph = (id: string): boolean => eph.has(id) || grafted.has(id);
    const graftedEdges = (n: BenchNode): string[] => n.dependsOn.filter((d) => grafted.has(d));

    const nodes: BenchNode[] = ephemeral.map((n) => {
        const counterpart = byId.get(n.id);
        const extra =
            counterpart !== undefined
                ? graftedEdges(counterpart)
                : dedicated.filter((d) => d.type === n.type && d.parent === n.parent).flatMap((d) => graftedEdges(d));
        return { ...n, dependsOn: [...new Set([...n.dependsOn, ...extra])] };
    });
    for (const id of grafted) {
        if (eph.has(id)) {
            continue;
        }
        const n = byId.get(id)!;
        const deps = n.dependsOn.filter((d) => !dropped.has(d));
        const missing = deps.filter((d) => !inGraph(d));
        if (missing.length > 0) {
            throw new Error(`grafted ${n.name} waits for ${missing.join(", ")}, which the ephemeral environment does not have`);
        }
        if (n.parent !== undefined && !inGraph(n.parent)) {
            throw new Error(`grafted ${n.name} has parent ${n.parent}, which the ephemeral environment does not have`);
        }
        nodes.push({ ...n, dependsOn: deps });
    }
    return nodes;
}

/**
 * Adds the steps after which the URL answers: each public service's target turning healthy (its
 * target group's real health check: `healthyThreshold` passing checks `interval` apart) and a
 * sink waiting for those, the DNS alias records, the listeners and the listener rules.
 */
export function withUrlAnswers(nodes: readonly BenchNode[], resources: readonly Recorded[]): { nodes: BenchNode[]; sink: string } {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const targetGroups = resources.filter((r) => r.type === "aws:lb/targetGroup:TargetGroup");
    const ids = new Set(nodes.map((n) => n.id));
    const added: BenchNode[] = [];
    for (const n of nodes) {
        const r = byUrn.get(n.id);
        if (n.type !== "aws:ecs/service:Service" || r === undefined) {
            continue;
        }
        for (const lb of (r.inputs.loadBalancers ?? []) as { targetGroupArn?: string }[]) {
            const tg = targetGroups.find((t) => t.state.arn === lb.targetGroupArn);
            if (tg === undefined) {
                throw new Error(`${n.name}: no recorded target group has ARN ${lb.targetGroupArn}`);
            }
            const interval = Number(tg.inputs.healthCheck?.interval ?? 30);
            const threshold = Number(tg.inputs.healthCheck?.healthyThreshold ?? 5);
            added.push({
                id: `${n.id}#target-healthy`,
                type: TARGET_HEALTHY,
                name: `${tg.name} healthy`,
                custom: true,
                dependsOn: [n.id],
                times: { low: (threshold - 1) * interval, typical: threshold * interval, high: (threshold + 1) * interval },
                source:
                    `${tg.name}: healthCheck interval ${interval} s × healthyThreshold ${threshold} (ELB User Guide, 'Health checks for ` +
                    "Application Load Balancer target groups': a target is healthy after HealthyThresholdCount consecutive successes, " +
                    "HealthCheckIntervalSeconds apart; low if the first check passes at registration, high if one check fails while the app warms up)",
            });
        }
    }
    const parents = new Map(nodes.map((n) => [n.id, n.parent === undefined ? undefined : nodes.find((p) => p.id === n.parent)]));
    const dns = nodes.filter((n) => n.type === "aws:route53/record:Record" && parents.get(n.id)?.type === "vnv:components:DnsAlias");
    const ingress = nodes.filter((n) => n.type === "aws:lb/listenerRule:ListenerRule" || n.type === "aws:lb/listener:Listener");
    const sink = "vnv:bench:url-answers";
    if (ids.has(sink)) {
        throw new Error("the graph already has a URL sink");
    }
    return {
        nodes: [
            ...nodes,
            ...added,
            { id: sink, type: URL_ANSWERS, name: "URL answers", custom: false, dependsOn: [...added, ...dns, ...ingress].map((n) => n.id) },
        ],
        sink,
    };
}

/** A node's time at a quantile: a bench step's own, a custom resource's from the table, a component's 0. */
export function durationOf(node: BenchNode, q: Quantile): number {
    if (node.times !== undefined) {
        return node.times[q];
    }
    if (!node.custom) {
        return 0;
    }
    const t: CreationTime | undefined = creationTime(node.type);
    if (t === undefined) {
        throw new Error(`bench/creationTimes.ts has no creation time for ${node.type} (${node.name})`);
    }
    return t[q];
}

interface Estimate {
    readonly total: Triple;
    /** The critical path at each quantile (it can differ between them). */
    readonly paths: Readonly<Record<Quantile, CriticalPath["path"]>>;
}

function estimate(nodes: readonly BenchNode[], to?: readonly string[]): Estimate {
    const results = Object.fromEntries(
        QUANTILES.map((q) => [q, criticalPath(nodes, (n) => durationOf(n as BenchNode, q), to === undefined ? {} : { to })]),
    ) as Record<Quantile, CriticalPath>;
    return {
        total: { low: results.low.total, typical: results.typical.total, high: results.high.total },
        paths: { low: results.low.path, typical: results.typical.path, high: results.high.path },
    };
}

export interface Scenario {
    readonly key: string;
    readonly title: string;
    readonly resources: number;
    readonly upDone: Estimate;
    readonly urlAnswers?: Estimate;
    readonly nodes: readonly BenchNode[];
}

function scenario(key: string, title: string, nodes: readonly BenchNode[], resources: readonly Recorded[], url: boolean): Scenario {
    const real = nodes.filter((n) => n.custom && n.times === undefined);
    const upDone = estimate(
        nodes,
        nodes.map((n) => n.id),
    );
    if (!url) {
        return { key, title, resources: real.length, upDone, nodes };
    }
    const withUrl = withUrlAnswers(nodes, resources);
    return { key, title, resources: real.length, upDone, urlAnswers: estimate(withUrl.nodes, [withUrl.sink]), nodes: withUrl.nodes };
}

/** Every scenario, from the real definition. */
export async function scenarios(version = "v1.2.3-rc.1"): Promise<{ list: Scenario[]; graphs: { ephemeral: RecordedGraph; dev: RecordedGraph } }> {
    const ephemeral = await recordGraph(() => defineEnvironment(ephemeralSettings(version)));
    const dev = await recordGraph(() => defineEnvironment(stackSettings("dev")));
    for (const g of [ephemeral, dev]) {
        const missing = missingImplicitEdges(g);
        if (missing.length > 0) {
            throw new Error(`the recorded dependencies miss implicit edges:\n  ${missing.join("\n  ")}`);
        }
    }
    const resources = [...ephemeral.resources, ...dev.resources];
    const list = [
        scenario("vnv", `vnv: ephemeral environment ${version} on the shared ALB`, ephemeral.nodes, ephemeral.resources, true),
        scenario("platform", "vnv: the dev platform it shares (one time: wildcard certificate, ALB, cluster)", platformGraph(dev.nodes), dev.resources, false),
        scenario(
            "seed",
            `seed 000: ${version} with its own ALB and its own certificate`,
            seedGraph(ephemeral.nodes, dev.nodes, { certificate: true }),
            resources,
            true,
        ),
        scenario(
            "seed-wildcard",
            `seed 000 HCL sketch: ${version} with its own ALB, shared wildcard certificate`,
            seedGraph(ephemeral.nodes, dev.nodes, { certificate: false }),
            resources,
            true,
        ),
    ];
    return { list, graphs: { ephemeral, dev } };
}

// ---------------------------------------------------------------------------------------------
// Output

function clock(seconds: number): string {
    const s = Math.round(seconds);
    const m = Math.floor(s / 60);
    return m === 0 ? `${s}s` : `${m}m${String(s % 60).padStart(2, "0")}s`;
}

function triple(t: Triple): string {
    return `low ${clock(t.low)} · typical ${clock(t.typical)} · high ${clock(t.high)}`;
}

/** `aws:lb/loadBalancer:LoadBalancer` → `aws:lb/loadBalancer`; other tokens as they are. */
function shortType(type: string): string {
    return type.includes("/") ? type.replace(/:[A-Za-z0-9]+$/, "") : type;
}

function printPath(path: CriticalPath["path"], byId: ReadonlyMap<string, BenchNode>): void {
    console.log(`      ${"start".padStart(7)} ${"takes".padStart(7)} ${"done".padStart(7)}  resource`);
    for (const step of path) {
        if (step.duration === 0) {
            continue;
        }
        const node = byId.get(step.id);
        console.log(
            `      ${clock(step.start).padStart(7)} ${`+${clock(step.duration)}`.padStart(7)} ${clock(step.finish).padStart(7)}  ${shortType(step.type).padEnd(34)} ${node?.name ?? step.id}`,
        );
    }
}

function printScenario(s: Scenario): void {
    const byId = new Map(s.nodes.map((n) => [n.id, n]));
    console.log(`\n== ${s.title} (${s.resources} resources)`);
    console.log(`   up done:     ${triple(s.upDone.total)}`);
    if (s.urlAnswers !== undefined) {
        console.log(`   URL answers: ${triple(s.urlAnswers.total)}`);
        console.log("   critical path to the URL answering (typical):");
        printPath(s.urlAnswers.paths.typical, byId);
    }
    console.log("   critical path to up done (typical):");
    printPath(s.upDone.paths.typical, byId);
}

function minus(a: Triple, b: Triple): Triple {
    return { low: a.low - b.low, typical: a.typical - b.typical, high: a.high - b.high };
}

async function main(): Promise<void> {
    const json = process.argv.includes("--json");
    const { list } = await scenarios();
    const get = (key: string): Scenario => list.find((s) => s.key === key)!;
    const vnv = get("vnv");
    const seed = get("seed");
    const wildcard = get("seed-wildcard");
    const difference = {
        seedMinusVnv: { urlAnswers: minus(seed.urlAnswers!.total, vnv.urlAnswers!.total), upDone: minus(seed.upDone.total, vnv.upDone.total) },
        seedWildcardMinusVnv: { urlAnswers: minus(wildcard.urlAnswers!.total, vnv.urlAnswers!.total), upDone: minus(wildcard.upDone.total, vnv.upDone.total) },
    };
    if (json) {
        const types = [...new Set(list.flatMap((s) => s.nodes.filter((n) => n.custom && n.times === undefined).map((n) => n.type)))].sort();
        const steps = (path: CriticalPath["path"]) =>
            path
                .filter((p) => p.duration > 0)
                .map((p) => ({
                    type: p.type,
                    name: list.flatMap((s) => s.nodes).find((n) => n.id === p.id)?.name ?? p.id,
                    start: p.start,
                    duration: p.duration,
                    finish: p.finish,
                }));
        console.log(
            JSON.stringify(
                {
                    unit: "seconds",
                    scenarios: list.map((s) => ({
                        key: s.key,
                        title: s.title,
                        resources: s.resources,
                        upDone: { total: s.upDone.total, path: Object.fromEntries(QUANTILES.map((q) => [q, steps(s.upDone.paths[q])])) },
                        ...(s.urlAnswers === undefined
                            ? {}
                            : {
                                  urlAnswers: { total: s.urlAnswers.total, path: Object.fromEntries(QUANTILES.map((q) => [q, steps(s.urlAnswers!.paths[q])])) },
                              }),
                    })),
                    difference,
                    creationTimes: Object.fromEntries(types.map((t) => [t, creationTime(t)])),
                    addedSteps: [
                        ...new Map(
                            list.flatMap((s) =>
                                s.nodes.filter((n) => n.times !== undefined).map((n) => [n.name, { name: n.name, times: n.times, source: n.source }] as const),
                            ),
                        ).values(),
                    ],
                },
                null,
                2,
            ),
        );
        return;
    }
    console.log("Critical path of creating an environment, from the real definition's resource graph (seconds from `pulumi up`'s first step;");
    console.log("creation times per type with their sources in bench/creationTimes.ts; unbounded parallelism, no engine or checkpoint overhead;");
    console.log("components take no time and are left out of the paths; 'start'/'done' are cumulative).");
    for (const s of list) {
        printScenario(s);
    }
    console.log("\n== difference");
    console.log(`   seed 000 (own ALB + own certificate) − vnv, URL answers: ${triple(difference.seedMinusVnv.urlAnswers)}`);
    console.log(`   seed 000 (own ALB + own certificate) − vnv, up done:     ${triple(difference.seedMinusVnv.upDone)}`);
    console.log(`   seed 000 HCL sketch (own ALB, wildcard) − vnv, URL answers: ${triple(difference.seedWildcardMinusVnv.urlAnswers)}`);
    console.log(`   (vnv pays the dev platform once: ${triple(get("platform").upDone.total)})`);
}

if (require.main === module) {
    main().catch((e) => {
        console.error(e);
        process.exitCode = 1;
    });
}
