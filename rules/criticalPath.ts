/**
 * The critical path of a resource graph: how long creating every resource takes when each one
 * starts as soon as everything it waits for is done, and which chain of resources decides that.
 *
 * How the Pulumi engine schedules a `pulumi up` (why the model is "earliest start = latest
 * finish of what a resource waits for"):
 *
 * - The language host sends a resource's RegisterResource only once its dependencies are done:
 *   `prepareResource` in `@pulumi/pulumi` `runtime/resource.ts` awaits the URNs of its explicit
 *   `dependsOn` and of every resource its input Outputs came from ("Before we can proceed, all
 *   our dependencies must be finished"), and those URNs resolve when the dependency's own
 *   RegisterResource returns, which the engine answers only after its step ran ("Now block
 *   waiting for the operation to finish", `pkg/resource/deploy/source_eval.go`). The step
 *   executor then runs whatever it is given at once: "Pulumi language hosts can only invoke the
 *   resource monitor once all of their dependencies have resolved, we (the engine) can assume
 *   that any chain given to us by the step generator is already ready to execute"
 *   (`pkg/resource/deploy/step_executor.go`).
 * - A child also awaits its parent's URN ("Wait for the parent to complete", same
 *   `prepareResource`). A component's URN resolves when its own registration returns, and that
 *   registration waited for the component's `dependsOn` first, so a component takes no time but
 *   every child of a component that depends on X waits for X. `parentIsDependency` (default
 *   true) models that; turn it off only for an engine that does not wait for parents.
 * - A custom resource also waits for its provider's registration (`ProviderResource.register`);
 *   callers add the provider as a dependency.
 *
 * The estimate assumes enough parallelism: `pulumi up --parallel` defaults to 4 × GOMAXPROCS
 * steps at once (`pkg/cmd/pulumi/operations/up.go`), far more than the handful of long waits
 * an environment has at the same time.
 *
 * Pure module: no `@pulumi/*` import.
 */

/** One resource of the graph. */
export interface GraphNode {
    /** Unique id (a URN). */
    readonly id: string;
    /** Type token (`aws:lb/loadBalancer:LoadBalancer`). */
    readonly type: string;
    /** Ids this resource waits for: explicit `dependsOn` and the resources its inputs came from. */
    readonly dependsOn: readonly string[];
    /** Id of its parent, if any (a component or, rarely, a custom resource). */
    readonly parent?: string;
}

/** One resource on the critical path, with when it starts and ends. */
export interface PathStep {
    readonly id: string;
    readonly type: string;
    readonly duration: number;
    readonly start: number;
    readonly finish: number;
}

/** The longest chain through the graph. */
export interface CriticalPath {
    /** When the last resource (of `to`, when given) is done, counting from 0. */
    readonly total: number;
    /** The chain that decides `total`, first resource first; consecutive steps wait for one another. */
    readonly path: readonly PathStep[];
    /** Earliest finish of every node. */
    readonly finish: ReadonlyMap<string, number>;
}

export interface CriticalPathOptions {
    /** A child waits for its parent (see above). @default true */
    readonly parentIsDependency?: boolean;
    /** Compute the path to the latest of these ids instead of to the latest of all. @default all */
    readonly to?: readonly string[];
}

/** The graph has a cycle: no order creates it. `cycle` lists ids each waiting for the next, the first repeated last. */
export class CycleError extends Error {
    constructor(public readonly cycle: readonly string[]) {
        super(`the resource graph has a cycle: ${cycle.join(" → ")}`);
        this.name = "CycleError";
    }
}

/** A problem with the input: a duplicate id, a dependency on no node, an invalid duration. */
export class GraphError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "GraphError";
    }
}

/** What a node waits for: its dependencies and, unless turned off, its parent (deduplicated). */
function predecessors(node: GraphNode, parentIsDependency: boolean): string[] {
    const all = parentIsDependency && node.parent !== undefined ? [...node.dependsOn, node.parent] : [...node.dependsOn];
    return [...new Set(all)];
}

/** The nodes in an order where every node comes after what it waits for; throws on a cycle. */
export function topologicalOrder(nodes: readonly GraphNode[], options: Pick<CriticalPathOptions, "parentIsDependency"> = {}): GraphNode[] {
    const parentIsDependency = options.parentIsDependency ?? true;
    const byId = new Map<string, GraphNode>();
    for (const node of nodes) {
        if (byId.has(node.id)) {
            throw new GraphError(`duplicate node id ${JSON.stringify(node.id)}`);
        }
        byId.set(node.id, node);
    }
    for (const node of nodes) {
        for (const dep of predecessors(node, parentIsDependency)) {
            if (!byId.has(dep)) {
                throw new GraphError(`${node.id} waits for ${JSON.stringify(dep)}, which is not a node of the graph`);
            }
        }
    }
    // Depth-first, iteratively (graphs can be deep): white = unseen, grey = on the stack, black = done.
    const state = new Map<string, "grey" | "black">();
    const order: GraphNode[] = [];
    for (const root of nodes) {
        if (state.has(root.id)) {
            continue;
        }
        const stack: { node: GraphNode; next: number; deps: string[] }[] = [{ node: root, next: 0, deps: predecessors(root, parentIsDependency) }];
        state.set(root.id, "grey");
        while (stack.length > 0) {
            const frame = stack[stack.length - 1]!;
            const dep = frame.deps[frame.next];
            if (dep === undefined) {
                state.set(frame.node.id, "black");
                order.push(frame.node);
                stack.pop();
                continue;
            }
            frame.next++;
            const seen = state.get(dep);
            if (seen === "black") {
                continue;
            }
            if (seen === "grey") {
                // Each frame waits for the next one, and the top one waits for `dep`: a cycle.
                const from = stack.findIndex((f) => f.node.id === dep);
                throw new CycleError([...stack.slice(from).map((f) => f.node.id), dep]);
            }
            const node = byId.get(dep)!;
            state.set(dep, "grey");
            stack.push({ node, next: 0, deps: predecessors(node, parentIsDependency) });
        }
    }
    return order;
}

/**
 * The critical path: every node starts when the latest of what it waits for is done
 * (at 0 when it waits for nothing) and takes `duration(node)` (≥ 0, finite). Ties are broken
 * deterministically: between equally late predecessors, the one listed first; between equally
 * late ends, the one later in dependency order (so a zero-time tail stays on the path).
 */
export function criticalPath(nodes: readonly GraphNode[], duration: (node: GraphNode) => number, options: CriticalPathOptions = {}): CriticalPath {
    const parentIsDependency = options.parentIsDependency ?? true;
    const order = topologicalOrder(nodes, { parentIsDependency });
    const finish = new Map<string, number>();
    const start = new Map<string, number>();
    const took = new Map<string, number>();
    const via = new Map<string, string>();
    for (const node of order) {
        const d = duration(node);
        if (!Number.isFinite(d) || d < 0) {
            throw new GraphError(`duration of ${node.id} (${node.type}) must be a finite number ≥ 0, got ${d}`);
        }
        let begin = 0;
        let from: string | undefined;
        for (const dep of predecessors(node, parentIsDependency)) {
            const f = finish.get(dep)!;
            if (from === undefined || f > begin) {
                begin = f;
                from = dep;
            }
        }
        if (from !== undefined) {
            via.set(node.id, from);
        }
        start.set(node.id, begin);
        took.set(node.id, d);
        finish.set(node.id, begin + d);
    }
    const targets = options.to ?? nodes.map((n) => n.id);
    const position = new Map(order.map((n, i) => [n.id, i]));
    let last: string | undefined;
    for (const id of targets) {
        const f = finish.get(id);
        if (f === undefined) {
            throw new GraphError(`target ${JSON.stringify(id)} is not a node of the graph`);
        }
        const best = last === undefined ? -1 : finish.get(last)!;
        if (last === undefined || f > best || (f === best && position.get(id)! > position.get(last)!)) {
            last = id;
        }
    }
    if (last === undefined) {
        return { total: 0, path: [], finish };
    }
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const path: PathStep[] = [];
    for (let id: string | undefined = last; id !== undefined; id = via.get(id)) {
        const node = byId.get(id)!;
        path.push({ id, type: node.type, duration: took.get(id)!, start: start.get(id)!, finish: finish.get(id)! });
    }
    path.reverse();
    return { total: finish.get(last)!, path, finish };
}
