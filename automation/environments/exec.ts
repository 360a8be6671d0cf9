/**
 * `vnv env exec`: a shell (or one command) in a running task of an environment's service, through
 * ECS Exec. What runs where is read from the stack's `ecs` output (infra/environment.ts), which
 * comes from the backend: hostile input, read strictly. The session itself is the AWS CLI's with
 * the Session Manager plugin; without them vnv prints the exact command instead.
 */
import { OperationError, UsageError } from "../errors";
import { terminalText } from "../../rules/terminal";

const CLUSTER_ARN = /^arn:aws[a-z-]*:ecs:([a-z]{2}(?:-[a-z]+)+-\d):\d{12}:cluster\/[A-Za-z0-9_-]{1,255}$/;
const ECS_NAME = /^[A-Za-z0-9_-]{1,255}$/;
const SERVICE = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** A command's words: at most this many, each at most {@link MAX_WORD} characters, none with a NUL or a line break. */
const MAX_WORDS = 64;
const MAX_WORD = 1024;

export interface EcsPlacement {
    readonly cluster: string;
    readonly region: string;
    /** Service → its ECS service name. */
    readonly services: Readonly<Record<string, string>>;
    readonly exec: boolean;
    /** Service → the task count it wakes to, for the services that may sleep (none in prod, or in a stack an older vnv wrote). */
    readonly sleep: Readonly<Record<string, number>>;
}

/** The most tasks vnv gives a service (rules/service.ts: desiredCount and scaling.max are at most 100). */
const MAX_COUNT = 100;

/** The stack's `ecs` output, or why it is not one vnv reads. */
export function ecsPlacement(stack: string, outputs: Readonly<Record<string, unknown>>): EcsPlacement {
    const o = outputs.ecs;
    const refuse = (why: string) =>
        new OperationError(
            `${stack}'s stack exports no ECS placement vnv reads (${why}); an update by this vnv writes it: \`vnv env up\` again, or \`vnv deploy <stack>\``,
        );
    if (typeof o !== "object" || o === null || Array.isArray(o)) {
        throw refuse(o === undefined ? "no ecs output" : "ecs is not an object");
    }
    const { cluster, services, exec, sleep } = o as Record<string, unknown>;
    const region = typeof cluster === "string" ? CLUSTER_ARN.exec(cluster)?.[1] : undefined;
    if (region === undefined || typeof cluster !== "string") {
        throw refuse("ecs.cluster is not an ECS cluster ARN");
    }
    if (typeof services !== "object" || services === null || Array.isArray(services)) {
        throw refuse("ecs.services is not an object");
    }
    const names = Object.entries(services as Record<string, unknown>).filter(
        (e): e is [string, string] => SERVICE.test(e[0]) && typeof e[1] === "string" && ECS_NAME.test(e[1]),
    );
    if (names.length !== Object.keys(services).length || names.length > 64) {
        throw refuse("ecs.services holds names vnv does not read");
    }
    if (typeof exec !== "boolean") {
        throw refuse("ecs.exec is not true or false");
    }
    return { cluster, region, services: Object.fromEntries(names), exec, sleep: sleepCounts(sleep, names, refuse) };
}

function sleepCounts(sleep: unknown, names: readonly [string, string][], refuse: (why: string) => Error): Record<string, number> {
    if (sleep === undefined) {
        return {};
    }
    if (typeof sleep !== "object" || sleep === null || Array.isArray(sleep)) {
        throw refuse("ecs.sleep is not an object");
    }
    const known = new Set(names.map(([service]) => service));
    const counts = Object.entries(sleep as Record<string, unknown>).filter(
        (e): e is [string, number] => known.has(e[0]) && Number.isInteger(e[1]) && (e[1] as number) >= 0 && (e[1] as number) <= MAX_COUNT,
    );
    if (counts.length !== Object.keys(sleep).length) {
        throw refuse(`ecs.sleep holds a service it does not run or a count that is not 0 to ${MAX_COUNT}`);
    }
    return Object.fromEntries(counts);
}

/** The command's words, checked: bounded, no NUL or line break (a session runs one line). */
export function commandWords(words: readonly string[]): string[] {
    if (words.length > MAX_WORDS) {
        throw new UsageError(`the command has ${words.length} words; at most ${MAX_WORDS}`);
    }
    for (const w of words) {
        if (w.length > MAX_WORD || /[\0\r\n]/.test(w)) {
            throw new UsageError(
                `the command's word ${JSON.stringify(terminalText(w.slice(0, 40)))} is longer than ${MAX_WORD} characters or holds a NUL or a line break`,
            );
        }
    }
    return words.length === 0 ? ["/bin/sh"] : [...words];
}

/** `word` as one POSIX shell word. */
export function shellWord(word: string): string {
    return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

export interface ExecPlan {
    readonly stack: string;
    readonly service: string;
    readonly cluster: string;
    readonly region: string;
    readonly ecsService: string;
    /** The AWS CLI's arguments that list the service's running tasks (the first is used). */
    readonly listTasks: readonly string[];
    /** The AWS CLI's arguments of the session, before `--task <arn>`. */
    readonly execute: readonly string[];
    /** Both as one command line to paste. */
    readonly commandLine: string;
}

/** The session into `service` of `stack`; refused when the environment runs without ECS Exec or has no such service. */
export function planExec(stack: string, placement: EcsPlacement, service: string, words: readonly string[]): ExecPlan {
    if (!placement.exec) {
        throw new UsageError(
            `${stack}'s services run without ECS Exec (off for prod unless its stack file sets vnv:exec: true; then deploy it, and the sessions are logged with the services' logs)`,
        );
    }
    const ecsService = placement.services[service];
    if (ecsService === undefined) {
        throw new UsageError(`${stack} has no service ${JSON.stringify(terminalText(service))}: it has ${Object.keys(placement.services).sort().join(", ")}`);
    }
    const where = ["--region", placement.region, "--cluster", placement.cluster];
    const listTasks = [
        "ecs",
        "list-tasks",
        ...where,
        "--service-name",
        ecsService,
        "--desired-status",
        "RUNNING",
        "--query",
        "taskArns[0]",
        "--output",
        "text",
    ];
    const execute = ["ecs", "execute-command", ...where, "--container", service, "--interactive", "--command", words.map(shellWord).join(" ")];
    const commandLine = `aws ${execute.map(shellWord).join(" ")} --task "$(aws ${listTasks.map(shellWord).join(" ")})"`;
    return { stack, service, cluster: placement.cluster, region: placement.region, ecsService, listTasks, execute, commandLine };
}

const TASK_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task\/[A-Za-z0-9_-]{1,255}\/[0-9a-f]{32}$/;

/** The task `aws ecs list-tasks --output text` answered: one task ARN, or why there is none. */
export function runningTask(plan: ExecPlan, answer: string): string {
    const arn = answer.trim();
    if (arn === "None" || arn === "") {
        throw new OperationError(`${plan.stack}'s ${plan.service} runs no task now (ECS service ${plan.ecsService}): \`vnv env status\` says why`);
    }
    if (!TASK_ARN.test(arn)) {
        throw new OperationError(`aws ecs list-tasks answered no task ARN: ${JSON.stringify(terminalText(arn.slice(0, 120)))}`);
    }
    return arn;
}
