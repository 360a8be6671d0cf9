/**
 * The step `env up` and `vnv deploy` share: update the stack under its lock (with the redirect
 * list registered alongside, when asked), then wait until every public service answers its
 * health path through the URL.
 */
import type { Stack, UpResult as EngineUpResult } from "@pulumi/pulumi/automation";
import type { EnvironmentSettings } from "../../infra/settings";
import type { AuthOutcome } from "./authOwner";
import { authOutcomeInChild } from "./authWorker";
import { asleepAt } from "../../rules/schedule";
import { awaitHealth, type HealthReport } from "./health";
import type { Runtime, StepClock } from "./runtime";

export interface Updated {
    readonly result: EngineUpResult;
    /** The redirect list after the update (undefined: no owner configured, or not asked). */
    readonly auth: AuthOutcome | undefined;
}

/**
 * Updates `stack` under its lock. With `redirects`, the environment is tagged (live) already, so
 * its redirect URIs are registered while it updates: in a child process, since two inline
 * programs at once in one process share the SDK's process-wide error handling (a failing auth
 * program failed the environment's own update). Without a child, after the update.
 */
export async function updateStack(rt: Runtime, stack: Stack, steps: StepClock, redirects: boolean): Promise<Updated> {
    const alongside = redirects ? authAlongside(rt) : undefined;
    const result = await rt.locks
        .run(stack, "up", () => stack.up({ onOutput: rt.cfg.engineOutput }))
        .catch(async (e: unknown) => {
            await alongside; // never leave the child behind
            throw e;
        });
    steps.lap("engine update");
    if (!redirects || rt.authOwner === undefined) {
        return { result, auth: undefined };
    }
    const auth = alongside === undefined ? await rt.authOwner.outcome() : await alongside;
    steps.lap(alongside === undefined ? "redirect list" : "redirect list (alongside, waited for)");
    return { result, auth };
}

/**
 * Waits for the services' health (see DriverConfig.health); a timeout is reported, not thrown.
 * Outside the working hours only when the services are known to be `awake` (env up woke them).
 */
export async function waitHealthy(rt: Runtime, settings: EnvironmentSettings, steps: StepClock, awake = false): Promise<HealthReport | undefined> {
    const health = rt.cfg.health;
    if (health === undefined || health.afterUp === false) {
        return undefined;
    }
    const hours = settings.workingHours;
    if (!awake && hours !== undefined && asleepAt(hours, rt.clock())) {
        // Its services may be at 0 tasks by their schedule: waiting would time out on a sleep.
        rt.log(
            `${settings.environment}: outside its working hours (${hours.from}–${hours.to} ${hours.timeZone}): not waiting for health, the schedule wakes it`,
        );
        return undefined;
    }
    const report = await awaitHealth(settings.services, health.base(settings.hostname), health.wait ?? {}, (line) =>
        rt.log(`${settings.environment}: ${line}`),
    );
    steps.lap("health");
    return report;
}

/** The redirect list's update started in a child process, when configured (see DriverConfig.auth). */
function authAlongside(rt: Runtime): Promise<AuthOutcome> | undefined {
    const auth = rt.cfg.auth;
    if (auth?.alongside === undefined || rt.authOwner === undefined) {
        return undefined;
    }
    const { alongside, program: _p, ...owner } = auth;
    return authOutcomeInChild(
        {
            store: rt.store.cfg,
            owner: { ...owner, ...rt.authOwner.bounds },
            program: alongside,
            ...(rt.cfg.staleLockAfterMs === undefined ? {} : { staleLockAfterMs: rt.cfg.staleLockAfterMs }),
        },
        (line) => rt.log(line),
        rt.cfg.engineOutput,
    );
}
