/**
 * Before an environment whose database keeps its data on ECS-managed EBS volumes is destroyed:
 * its database's tasks and any snapshot task are stopped, and vnv waits until they are. ECS
 * deletes a task's volume with the volume role once the task has stopped, but DeleteService ends
 * while its tasks are still stopping (ECS API reference, DeleteService), so the engine would
 * delete the role first and leave the volume behind, and the task stuck deprovisioning (ECS
 * developer guide, "Amazon ECS infrastructure IAM role"). Best effort: what cannot be asked is
 * said, and the destroy goes on.
 */
import { terminalLines } from "../../rules/terminal";
import { tryParseVersion } from "../../rules/versions";
import { SNAPSHOT_STARTED_BY, snapshotPlacement } from "./ecsSnapshotAnswers";
import { ecsPlacement } from "./exec";
import type { Runtime } from "./runtime";

/** How long the tasks may take to stop, and how often ECS is asked. */
export const RELEASE_WAIT = { timeoutMs: 10 * 60_000, pollMs: 5_000 } as const;

/** Stops the database's and snapshot tasks of stack `name` and waits until they have stopped (nothing when its data is not on EBS). */
export async function releaseDataVolumes(rt: Runtime, name: string, wait: { timeoutMs: number; pollMs: number } = RELEASE_WAIT): Promise<void> {
    const outputs = (await rt.store.outputs(name)) ?? {};
    let cluster: string;
    let region: string;
    let services: readonly string[];
    try {
        if (snapshotPlacement(name, outputs.ecs) === undefined) {
            return;
        }
        ({ cluster, region } = ecsPlacement(name, outputs));
        // The database's name as dev's policy gives it to the version the stack runs (the slot does not change it).
        const version = typeof outputs.version === "string" ? tryParseVersion(outputs.version.slice(0, 128)) : undefined;
        const database = version === undefined ? undefined : rt.settingsFor(version, 0).database?.name;
        const service = database === undefined ? undefined : ecsPlacement(name, outputs).services[database];
        services = service === undefined ? [] : [service];
    } catch (e) {
        rt.log(`${name}: its database's volumes are left to ECS (${terminalLines(String((e as Error).message).slice(0, 200))})`);
        return;
    }
    if (rt.cfg.snapshots === undefined) {
        rt.log(`${name}: no ECS client configured: its database's tasks are not stopped before the destroy`);
        return;
    }
    const { ecs } = rt.cfg.snapshots(region);
    const sdk = require("@aws-sdk/client-ecs") as typeof import("@aws-sdk/client-ecs");
    try {
        for (const service of services) {
            // So ECS does not start another; a service gone already is no reason to stop here.
            await ecs
                .send(new sdk.UpdateServiceCommand({ cluster, service, desiredCount: 0 }))
                .catch((e: unknown) => rt.log(`${name}: ${service} not set to 0 tasks (${terminalLines(String((e as Error).message).slice(0, 200))})`));
        }
        const listed = await Promise.all([
            ...services.map((serviceName) => ecs.send(new sdk.ListTasksCommand({ cluster, serviceName, maxResults: 100 }))),
            ecs.send(new sdk.ListTasksCommand({ cluster, startedBy: SNAPSHOT_STARTED_BY, maxResults: 100 })),
        ]);
        const arns = [...new Set(listed.flatMap((l) => l.taskArns ?? []))].slice(0, 100);
        for (const task of arns) {
            await ecs.send(new sdk.StopTaskCommand({ cluster, task, reason: "vnv: the environment is being destroyed" }));
        }
        rt.log(`${name}: stopping ${arns.length} database and snapshot task(s) so ECS deletes their volumes`);
        const deadline = Date.now() + wait.timeoutMs;
        for (let left = arns; left.length > 0; ) {
            const tasks = (await ecs.send(new sdk.DescribeTasksCommand({ cluster, tasks: left }))).tasks ?? [];
            left = tasks.filter((t) => t.lastStatus !== "STOPPED" && t.taskArn !== undefined).map((t) => t.taskArn!);
            if (left.length > 0 && Date.now() > deadline) {
                rt.log(
                    `${name}: ${left.length} task(s) still stopping after ${Math.round(wait.timeoutMs / 60_000)} min; destroying anyway (a volume may stay: \`vnv env orphans\`)`,
                );
                return;
            }
            if (left.length > 0) {
                await new Promise((resolve) => setTimeout(resolve, wait.pollMs));
            }
        }
    } catch (e) {
        rt.log(`${name}: could not stop its database's tasks first (${terminalLines(String((e as Error).message).slice(0, 200))}); destroying anyway`);
    }
}
