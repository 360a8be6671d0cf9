/**
 * The listener rules of an environment: which rule routes what, at which priority. A rule's
 * identity is its priority, so no update ever moves a rule onto a priority another one holds
 * (docs/architecture.md, "Identity across updates").
 *
 * Pure module: no `@pulumi/*` import.
 */
import { chunk, LIMITS, rulePriority } from "./naming";
import { defaultService, type ServiceSpec } from "./service";

/** Rules one environment may hold on a shared listener (a slot's block of priorities). */
export const RULES_PER_SLOT = 10;

/** One listener rule of an environment. */
export interface PlannedRule {
    /**
     * The rule's identity: `path-1`, `path-2`, … in evaluation order, and `host` for the shared
     * ingress's catch-all. A key always comes with the same priority, so a rule never moves to a
     * priority another rule may still hold: reordering services or changing paths updates the
     * rules' conditions and actions in place, and a new rule only ever takes a priority no rule
     * of the environment had.
     */
    readonly key: string;
    readonly priority: number;
    readonly service: string;
    readonly hosts: readonly string[];
    readonly paths: readonly string[];
}

/**
 * The listener rules an environment needs, in evaluation order, each with at most 5 condition
 * values (host-header and path-pattern values counted together). Without `shared`, the rules of
 * a dedicated listener: `path-n` at priority n. With `shared`, the rules of the environment's
 * slot on the platform's listener: `path-n` at the slot's n-th priority and the catch-all `host`
 * rule at its last. Pure: exported for tests and the automation's capacity count.
 */
export function planRules(services: readonly ServiceSpec[], shared?: { readonly hostname: string; readonly slot: number }): PlannedRule[] {
    const hosts = shared === undefined ? [] : [shared.hostname];
    const perRule = LIMITS.conditionValuesPerRule - hosts.length;
    const priority = (index: number): number => (shared === undefined ? index + 1 : rulePriority(shared.slot, index, RULES_PER_SLOT));
    const rules: PlannedRule[] = [];
    for (const s of services.filter((x) => (x.public ?? false) && (x.paths ?? []).length > 0)) {
        for (const paths of chunk(s.paths ?? [], perRule)) {
            const index = rules.length;
            if (shared !== undefined && index >= RULES_PER_SLOT - 1) {
                throw new Error(
                    `shared ingress: the services need more than ${RULES_PER_SLOT - 1} path rules; a slot holds ${RULES_PER_SLOT - 1} and its catch-all`,
                );
            }
            rules.push({ key: `path-${index + 1}`, priority: priority(index), service: s.name, hosts, paths });
        }
    }
    const fallback = defaultService(services);
    if (shared !== undefined && fallback) {
        rules.push({ key: "host", priority: priority(RULES_PER_SLOT - 1), service: fallback.name, hosts, paths: [] });
    }
    return rules;
}

/** Whether an ALB path pattern (`*` any characters, `?` one; case-sensitive) matches `path`. */
export function pathMatches(pattern: string, path: string): boolean {
    const re = new RegExp(
        `^${pattern
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, ".*")
            .replace(/\?/g, ".")}$`,
    );
    return re.test(path);
}

/**
 * The public service a request for `path` reaches: the first path rule that matches, in
 * priority order, else the service of the default route.
 */
export function routedService(services: readonly ServiceSpec[], path: string): string | undefined {
    const rule = planRules(services).find((r) => r.paths.some((p) => pathMatches(p, path)));
    return rule?.service ?? defaultService(services)?.name;
}
