/**
 * `vnv env exec <environment> <service> [-- command…]`: a shell in a running task of a service,
 * through ECS Exec (or `docker exec` on the Docker target). Without the AWS CLI and its Session
 * Manager plugin, the exact command is printed instead.
 */
import type { Command } from "commander";
import { stackName as versionStack } from "../../../rules/naming";
import { OperationError, UsageError } from "../../errors";
import { versionInput } from "../../inputs";
import { type CliContext, engineCommand } from "../context";
import type { OnTarget } from "./env";

const SERVICE = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function execCommand(env: Command, ctx: CliContext, withTarget: (cmd: Command) => Command): void {
    withTarget(engineCommand(env.command("exec <environment> <service> [command...]")))
        .description(
            "a shell (or the command after --) in a running task of <service> of an environment (a version, or dev or prod): ECS Exec, logged with the service's logs; without the AWS CLI's Session Manager plugin, the exact command is printed",
        )
        .action(async (target: string, serviceText: string, words: string[], opts: OnTarget) => {
            const stack = target === "dev" || target === "prod" ? target : versionStack(versionInput(target, "<environment>"));
            if (!SERVICE.test(serviceText)) {
                throw new UsageError(`invalid <service> ${JSON.stringify(serviceText.slice(0, 80))}: a service's name, such as proxy-server`);
            }
            const { commandWords, ecsPlacement, planExec, runningTask } = require("../../environments/exec") as typeof import("../../environments/exec");
            const command = commandWords(words);
            if (opts.on === "docker") {
                return dockerExec(ctx, opts, target, serviceText, command);
            }
            const outputs = await (await ctx.driver({ ...opts, wait: "0" })).store.outputs(stack);
            if (outputs === undefined) {
                const { EnvironmentNotFoundError } = require("../../errors") as typeof import("../../errors");
                throw new EnvironmentNotFoundError(stack);
            }
            const plan = planExec(stack, ecsPlacement(stack, outputs), serviceText, command);
            const programs = require("../programs") as typeof import("../programs");
            const onPath = ctx.deps.onPath ?? ((name: string) => programs.onPath(name, ctx.deps.env));
            const missing = ["aws", "session-manager-plugin"].filter((p) => !onPath(p));
            if (missing.length > 0) {
                ctx.log(`${missing.join(" and ")} not found on PATH: run this where the AWS CLI and its Session Manager plugin are installed`);
                return ctx.emit(opts, { ...plan, ran: false }, plan.commandLine);
            }
            const capture = ctx.deps.capture ?? programs.capture;
            const listed = await capture("aws", plan.listTasks, ctx.deps.env);
            if (listed.code !== 0) {
                throw new OperationError(`aws ecs list-tasks failed (exit ${listed.code}): ${listed.stderr.trim().split("\n").slice(-3).join(" ")}`);
            }
            const task = runningTask(plan, listed.stdout);
            ctx.log(`${stack}: ${serviceText}: session into task ${task.split("/").pop()}`);
            const code = await (ctx.deps.interactive ?? programs.interactive)("aws", [...plan.execute, "--task", task], ctx.deps.env);
            if (code !== 0) {
                ctx.problem(`the session ended with exit code ${code}`);
            }
        });
}

/** `docker exec` into the running container of `service` of the Docker environment `target`. */
async function dockerExec(ctx: CliContext, opts: OnTarget, target: string, service: string, command: readonly string[]): Promise<void> {
    const { makeDockerTarget } = require("../dockerDriver") as typeof import("../dockerDriver");
    const docker = await makeDockerTarget(ctx, opts);
    const found = await docker.found(versionInput(target, "<environment>"));
    const running = found.env.objects.filter((o) => o.kind === "container" && o.service === service && o.state === "running");
    const container = running[0];
    if (container === undefined) {
        const services = [...new Set(found.env.objects.flatMap((o) => (o.kind === "container" && o.service !== undefined ? [o.service] : [])))].sort();
        throw new UsageError(`${found.env.stack} on Docker runs no container of ${service}: it has ${services.join(", ")}`);
    }
    const programs = require("../programs") as typeof import("../programs");
    const args = ["exec", ...(process.stdin.isTTY ? ["-it"] : ["-i"]), container.id, ...command];
    const code = await (ctx.deps.interactive ?? programs.interactive)("docker", args, docker.cfg.engine.env);
    if (code !== 0) {
        ctx.problem(`the session ended with exit code ${code}`);
    }
}
