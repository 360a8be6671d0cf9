/**
 * Identity across updates. Pulumi creates a replacement (or a resource under a new URN) before
 * it deletes the old one, and deletes removed resources only after every create and update. A
 * resource that holds a unique key (a listener-rule priority on its listener, a Service Connect
 * discovery name in its namespace, a bucket, log-group or namespace name) must therefore keep
 * its URN for as long as it holds that key, and may only move to a key no other resource held.
 * Each test runs the definition twice under the mocks, before and after a change that must
 * update in place, and compares the keys.
 */

// The mocks first: they are set when this module loads, before any program code runs.
import { ofType, type Recorded, run, T } from "../harness/mocks";
import { strict as assert } from "node:assert";
import { defineEnvironment } from "../infra/environment";
import type { EnvironmentSettings } from "../infra/settings";
import { ephemeralSettings, stackSettings } from "../harness/fixtures";

/** The unique key each resource of a key-holding type holds, by type token. */
const UNIQUE_KEYS: Record<string, (r: Recorded) => string[]> = {
    // ELBv2: a priority is held by one rule of a listener (CreateRule/SetRulePriorities: PriorityInUse).
    [T.rule]: (r) => [`${r.inputs.listenerArn}#${r.inputs.priority}`],
    // ECS: a discovery name is unique within its Cloud Map namespace ("SC service is already used").
    [T.service]: (r) =>
        (r.inputs.serviceConnectConfiguration?.services ?? []).map(
            (s: { discoveryName: string }) => `${r.inputs.serviceConnectConfiguration.namespace}#${s.discoveryName}`,
        ),
    [T.bucket]: (r) => [String(r.inputs.bucket)],
    [T.logGroup]: (r) => [String(r.inputs.name)],
    "aws:servicediscovery/httpNamespace:HttpNamespace": (r) => [String(r.inputs.name)],
    // A DNS name and type has one record set in a zone (alias records; validation records UPSERT).
    [T.record]: (r) => (r.inputs.allowOverwrite === true ? [] : [`${r.inputs.zoneId}#${r.inputs.name}#${r.inputs.type}`]),
};

interface Holder {
    readonly urn: string;
    readonly key: string;
}

function holders(resources: readonly Recorded[]): Holder[] {
    return resources.flatMap((r) => (UNIQUE_KEYS[r.type]?.(r) ?? []).map((key) => ({ urn: r.urn, key })));
}

/** Every way `after` would make two resources hold one key at once during the update. */
function conflicts(before: readonly Recorded[], after: readonly Recorded[]): string[] {
    const held = new Map(holders(before).map((h) => [h.key, h.urn]));
    return holders(after)
        .filter((h) => held.has(h.key) && held.get(h.key) !== h.urn)
        .map((h) => `${h.key} is held by ${held.get(h.key)} and would be taken by ${h.urn}`);
}

function urnsOf(resources: readonly Recorded[], types: readonly string[]): string[] {
    return resources
        .filter((r) => types.includes(r.type))
        .map((r) => r.urn)
        .sort();
}

async function resourcesOf(settings: EnvironmentSettings): Promise<Recorded[]> {
    return (await run(() => defineEnvironment(settings))).resources;
}

const KEYED = [T.rule, T.targetGroup, T.service, "aws:servicediscovery/httpNamespace:HttpNamespace", T.bucket];

function reordered(settings: EnvironmentSettings): EnvironmentSettings {
    return { ...settings, services: [...settings.services].reverse() };
}

function withPaths(settings: EnvironmentSettings, service: string, paths: string[]): EnvironmentSettings {
    return { ...settings, services: settings.services.map((s) => (s.name === service ? { ...s, paths } : s)) };
}

describe("identity across updates", () => {
    const cases: [string, () => EnvironmentSettings, () => EnvironmentSettings][] = [
        ["a new version on prod", () => stackSettings("prod"), () => stackSettings("prod", { version: "v1.3.0" })],
        ["a new version on dev", () => stackSettings("dev"), () => stackSettings("dev", { version: "v1.2.4-rc.1" })],
        ["services reordered on dev", () => stackSettings("dev"), () => reordered(stackSettings("dev"))],
        ["services reordered in an ephemeral environment", () => ephemeralSettings(), () => reordered(ephemeralSettings())],
        ["capacity changed on dev", () => stackSettings("dev"), () => stackSettings("dev", { capacity: "FARGATE_SPOT" })],
        ["a service's paths changed on prod", () => stackSettings("prod"), () => withPaths(stackSettings("prod"), "event-bridge", ["/events/*", "/bus/*"])],
        [
            "a service's paths changed in an ephemeral environment",
            () => ephemeralSettings(),
            () => withPaths(ephemeralSettings(), "pnp-server", ["/api/pnp/*"]),
        ],
    ];
    for (const [change, from, to] of cases) {
        it(`${change}: no resource takes a unique key another one still holds`, async () => {
            const a = await resourcesOf(from());
            const b = await resourcesOf(to());
            assert.deepEqual(conflicts(a, b), []);
        });

        it(`${change}: rules, target groups, services, namespace and bucket keep their URNs`, async () => {
            const a = await resourcesOf(from());
            const b = await resourcesOf(to());
            assert.deepEqual(urnsOf(b, KEYED), urnsOf(a, KEYED));
        });
    }

    it("paths that need one more rule add it at a priority no rule held, and move none", async () => {
        const a = await resourcesOf(stackSettings("dev"));
        const b = await resourcesOf(withPaths(stackSettings("dev"), "event-bridge", ["/e1/*", "/e2/*", "/e3/*", "/e4/*", "/e5/*", "/e6/*"]));
        assert.deepEqual(conflicts(a, b), []);
        const priorities = (rs: Recorded[]): Record<string, number> => Object.fromEntries(ofType(rs, T.rule).map((r) => [r.urn, r.inputs.priority as number]));
        const [pa, pb] = [priorities(a), priorities(b)];
        assert.equal(Object.keys(pb).length, Object.keys(pa).length + 1);
        for (const [urn, priority] of Object.entries(pa)) {
            assert.equal(pb[urn], priority, urn);
        }
    });

    it("services that a replacement would re-create are deleted first, so two never share a discovery name", async () => {
        for (const settings of [stackSettings("prod"), stackSettings("dev"), ephemeralSettings()]) {
            const services = ofType(await resourcesOf(settings), T.service);
            assert.ok(services.length > 0);
            assert.deepEqual(
                services.filter((s) => !s.deleteBeforeReplace).map((s) => s.name),
                [],
            );
        }
    });
});
