/** The long-lived stacks, prod and dev: a pinned deploy, and drift. Selected, never created. */
import type { Stack } from "@pulumi/pulumi/automation";
import { type EnvironmentSettings, ROLE_RULES } from "../../infra/settings";
import { EnvironmentNotFoundError } from "../errors";
import { checkDrift, type DriftReport, ownedByAws } from "./drift";
import { updateFailure } from "./failures";
import { plainOutputs, type Runtime, StepClock } from "./runtime";
import type { DeployResult } from "./types";
import { updateStack, waitHealthy } from "./update";

/** `settings.environment`'s stack with the program of `settings`: a deploy against the wrong backend must not make a new prod. */
async function longLivedStack(rt: Runtime, settings: EnvironmentSettings, remedy: string): Promise<Stack> {
    const name = settings.environment;
    const stack = await rt.store.select(name, rt.cfg.program(settings));
    if (stack === undefined) {
        throw new EnvironmentNotFoundError(
            name,
            `no stack ${name} on ${rt.cfg.backend.url}: point --backend (or PULUMI_BACKEND_URL) at the backend that holds it${remedy}`,
        );
    }
    return stack;
}

/** The digests a pinned stack file deploys (service → sha256:…, the frontend's too). */
export function pinnedDigests(settings: EnvironmentSettings): Record<string, string> {
    return Object.fromEntries(
        [...settings.services.map((s) => [s.name, s.digest] as const), ["frontend", settings.frontend.digest] as const].filter(
            (e): e is readonly [string, string] => e[1] !== undefined,
        ),
    );
}

/**
 * Deploys a long-lived stack with `settings` from its pinned stack file: the same definition
 * `pulumi up` runs, as an inline program; then waits until healthy and announces. An unhealthy
 * result is reported (and recorded as a failure through `draft`).
 */
export async function deployLongLived(rt: Runtime, settings: EnvironmentSettings, draft: { url?: string; failure?: string }): Promise<DeployResult> {
    const steps = new StepClock();
    const name = settings.environment;
    const stack = await steps.time("select stack", () => longLivedStack(rt, settings, `, or create it once with \`pulumi stack init ${name}\``));
    await steps.time("recovery check", () => rt.locks.recover(stack));
    const url = `https://${settings.hostname}`;
    draft.url = url;
    rt.log(`${name}: deploying ${settings.version} at ${url}`);
    const { result } = await updateStack(rt, stack, steps, false);
    rt.log(`${name}: ${result.summary.result}`);
    const health = await waitHealthy(rt, settings, steps);
    const failure = updateFailure(health, undefined);
    if (failure !== undefined) {
        draft.failure = failure;
    } else {
        await rt.announce({ kind: "deployed", stack: name as "prod" | "dev", version: settings.version, url });
    }
    return {
        stack: name,
        version: settings.version,
        url,
        digests: pinnedDigests(settings),
        outputs: plainOutputs(result.outputs),
        ...(health === undefined ? {} : { health }),
        steps: steps.laps,
    };
}

/** What changed outside vnv since the stack's last update (automation/environments/drift.ts); drift is announced. */
export async function driftOf(rt: Runtime, settings: EnvironmentSettings): Promise<DriftReport> {
    const name = settings.environment;
    const stack = await longLivedStack(rt, settings, "");
    rt.log(`${name}: reading every resource from its provider (a refresh, previewed: nothing is written)`);
    const owned = ownedByAws(settings.services, ROLE_RULES[settings.role].sleeps, settings.database?.name);
    const report = await rt.locks.run(stack, "drift", () => checkDrift(stack, rt.clock(), rt.cfg.engineOutput, owned));
    if (report.drifted.length > 0) {
        await rt.announce({ kind: "drift", stack: name, resources: report.drifted.map((d) => `${d.change} ${d.urn.split("::").pop() ?? d.urn} (${d.type})`) });
    }
    return report;
}
