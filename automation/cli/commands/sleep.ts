/**
 * `vnv env sleep|wake <environment>`: an environment's services (not its database) to 0 tasks and
 * back, on demand, through Application Auto Scaling (automation/environments/sleep.ts). A demand
 * holds until the working hours' next change; prod never sleeps.
 */
import type { Command } from "commander";
import { stackName as versionStack } from "../../../rules/naming";
import { UsageError } from "../../errors";
import { MAX_OVERTIME_MS } from "../../../rules/schedule";
import { formatDuration } from "../../../rules/ttl";
import { ttlInput, versionInput } from "../../inputs";
import { type CliContext, engineCommand, type SharedOptions, withWait } from "../context";

export function sleepCommands(env: Command, ctx: CliContext): void {
    for (const asleep of [true, false]) {
        const cmd = engineCommand(env.command(`${asleep ? "sleep" : "wake"} <environment>`)).description(
            asleep
                ? "put the services of <environment> (a version, or dev) to 0 tasks now, its database kept running; until `env wake` or the working hours' next start"
                : "bring the services of <environment> (a version, or dev) back to their task count now, and wait for their health; until `env sleep` or the working hours' next end",
        );
        if (!asleep) {
            withWait(cmd).option(
                "--for <duration>",
                "how long it stays awake, at most 12h (default: outside the working hours 2h; in them until their end; without hours until `env sleep`)",
            );
        }
        cmd.action(async (target: string, opts: SharedOptions & { for?: string }) => {
            const name = environmentName(target);
            const forMs = opts.for === undefined ? undefined : forInput(opts.for);
            const driver = await ctx.driver(asleep ? { ...opts, wait: "0" } : opts);
            const r = await driver.sleep(name, asleep, forMs);
            const until = r.state.until === undefined ? "" : `, until ${r.state.until}`;
            ctx.emit(
                opts,
                r,
                `${r.stack} ${asleep ? "asleep" : "awake"}${until}: ${r.services.map((s) => `${s.service} ${s.tasks}`).join(", ")}${r.health?.healthy ? ", healthy" : ""}`,
            );
            await ctx.unhealthy(r.health);
        });
    }
}

/** `dev`, or a version's environment; prod is refused before anything is read. */
function environmentName(text: string): string {
    if (text === "prod") {
        throw new UsageError("prod never sleeps: sleep and wake are for dev and ephemeral environments");
    }
    return text === "dev" ? "dev" : versionStack(versionInput(text, "<environment>"));
}

/** `--for`: a duration up to {@link MAX_OVERTIME_MS}. */
function forInput(text: string): number {
    const { ms } = ttlInput(text, undefined, "--for");
    if (ms > MAX_OVERTIME_MS) {
        throw new UsageError(`invalid --for ${JSON.stringify(text)}: at most ${formatDuration(MAX_OVERTIME_MS)}`);
    }
    return ms;
}
