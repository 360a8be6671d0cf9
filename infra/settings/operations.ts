/**
 * How an environment is run once deployed: how a service rolls out and scales
 * (`vnv:services[i]`), where alarms go (`vnv:alerts`), and the rule that no image is pulled from
 * Docker Hub anonymously. No `@pulumi/*` import.
 */
import { parseRepository } from "../../rules/imageReference";
import type { RegistryCredentials } from "../../rules/iamPolicies";
import { MAX_TIMEOUT_SECONDS, type ServiceTimeouts } from "../../rules/connections";
import { DAYS, type Day, WORKING_DAYS, type WorkingHours, workingHoursProblems } from "../../rules/schedule";
import { SCALING_DEFAULTS, type ServiceScaling } from "../../rules/service";
import type { Reader } from "./reader";
import type { AlertSettings, Role } from "./types";

export const ROLLOUTS = ["rolling", "one-at-a-time"] as const;

/**
 * `rollout`: `rolling` (a new task starts beside the old one, 100 %/200 %) or `one-at-a-time`
 * (the old task stops first, 0 %/100 %): a stateful service such as redis must never answer
 * twice behind one name, or its clients split between two caches.
 */
export function readRollout(r: Reader, value: unknown, at: string): { oneAtATime?: true } {
    return r.oneOf(value, `${at}.rollout`, ROLLOUTS, "rolling") === "one-at-a-time" ? { oneAtATime: true } : {};
}

/**
 * `scaling: {max, cpuPercent?, requestsPerTarget?}`: target tracking between `desiredCount` and
 * `max` tasks, on CPU and, when given, on the load balancer's requests per target. Production's
 * public services only: dev and ephemeral environments run a fixed count (what they cost is
 * known in advance), and a service the load balancer does not reach has no requests to count.
 */
export function readScaling(
    r: Reader,
    value: unknown,
    at: string,
    service: { role: Role; isPublic: boolean; desiredCount: number },
): { scaling?: ServiceScaling } {
    const o = r.object(value, `${at}.scaling`, false);
    if (o === undefined) {
        return {};
    }
    r.unknownKeys(o, `${at}.scaling`, ["max", "cpuPercent", "requestsPerTarget"]);
    if (service.role !== "prod") {
        r.fail(`${at}.scaling`, "only production scales; dev and ephemeral environments run their configured count (desiredCount)");
        return {};
    }
    if (!service.isPublic) {
        r.fail(`${at}.scaling`, "only a public service scales (the load balancer spreads its requests over the tasks)");
        return {};
    }
    const max = r.integer(o.max, `${at}.scaling.max`, 1, 100);
    if (max === undefined) {
        r.fail(`${at}.scaling.max`, "required: the most tasks the service may run (from desiredCount to 100)");
        return {};
    }
    if (max < service.desiredCount) {
        r.fail(`${at}.scaling.max`, `at least desiredCount (${service.desiredCount}), the fewest tasks it runs, got ${max}`);
        return {};
    }
    const cpuPercent = r.integer(o.cpuPercent, `${at}.scaling.cpuPercent`, 10, 90, SCALING_DEFAULTS.cpuPercent) ?? SCALING_DEFAULTS.cpuPercent;
    const requestsPerTarget = o.requestsPerTarget === undefined ? undefined : r.integer(o.requestsPerTarget, `${at}.scaling.requestsPerTarget`, 1, 1_000_000);
    return { scaling: { max, cpuPercent, ...(requestsPerTarget === undefined ? {} : { requestsPerTarget }) } };
}

/**
 * How long connections to a service last: `timeouts: {perRequest?, idle?}` (seconds of Service
 * Connect, 0 for no limit), `streaming: true` (event streams and WebSockets: no per-request
 * limit, an hour idle, an ALB that waits as long) and `websocket: <path>` (opened through the
 * load balancer by the health wait). Judged with the other services by rules/connections.ts.
 */
export function readConnections(r: Reader, o: Record<string, unknown>, at: string): { timeouts?: ServiceTimeouts; streaming?: true; websocketPath?: string } {
    const t = r.object(o.timeouts, `${at}.timeouts`, false);
    r.unknownKeys(t, `${at}.timeouts`, ["perRequest", "idle"]);
    const seconds = (key: "perRequest" | "idle") => (t?.[key] === undefined ? undefined : r.integer(t[key], `${at}.timeouts.${key}`, 0, MAX_TIMEOUT_SECONDS));
    const perRequestSeconds = seconds("perRequest");
    const idleSeconds = seconds("idle");
    const timeouts = {
        ...(perRequestSeconds === undefined ? {} : { perRequestSeconds }),
        ...(idleSeconds === undefined ? {} : { idleSeconds }),
    };
    const websocketPath = r.string(o.websocket, `${at}.websocket`, { pattern: /^\/\S*$/, allowed: "a path starting with /, such as /events/socket" });
    return {
        ...(Object.keys(timeouts).length === 0 ? {} : { timeouts }),
        ...(r.boolean(o.streaming, `${at}.streaming`, false) ? { streaming: true as const } : {}),
        ...(websocketPath === undefined ? {} : { websocketPath }),
    };
}

/**
 * `vnv:workingHours: {timeZone, days?, from, to}`: when dev and its ephemeral environments run
 * (rules/schedule.ts); outside them their services sleep at 0 tasks. prod never sleeps.
 */
export function readWorkingHours(r: Reader, value: unknown, role: Role): WorkingHours | undefined {
    const o = r.object(value, "workingHours", false);
    if (o === undefined) {
        return undefined;
    }
    if (role === "prod") {
        r.fail("workingHours", "prod never sleeps: working hours are for dev and its ephemeral environments");
        return undefined;
    }
    r.unknownKeys(o, "workingHours", ["timeZone", "days", "from", "to"]);
    const text = (key: string, allowed: string) => r.string(o[key], `workingHours.${key}`, { required: true, allowed }) ?? "";
    const days = o.days === undefined ? [...WORKING_DAYS] : r.strings(o.days, "workingHours.days", /^[a-z]{3}$/, `days of the week (${DAYS.join(", ")})`, true);
    const hours = {
        timeZone: text("timeZone", "an IANA time zone such as Europe/Brussels"),
        days: days as Day[],
        from: text("from", "a time of day HH:MM"),
        to: text("to", "a time of day HH:MM"),
    };
    const problems = workingHoursProblems(hours, "workingHours");
    for (const p of problems) {
        r.problems.push(r.key(p));
    }
    return problems.length === 0 ? hours : undefined;
}

/** Docker Hub's limit for pulls without credentials, per address: every task behind one NAT shares it. */
export const DOCKER_HUB_ANONYMOUS_PULLS = "10 pulls per hour per IP address (Docker Docs, Docker Hub usage and limits)";

/**
 * Every image Fargate pulls from Docker Hub is pulled with the team's credentials
 * (`vnv:registries.docker.io`): anonymously, a busy hour of `env up`s, Spot replacements and
 * deploys ends in `toomanyrequests` and a rolled-back update.
 */
export function anonymousPullProblems(
    images: readonly { readonly at: string; readonly image: string }[],
    registries: Readonly<Record<string, RegistryCredentials>>,
): { at: string; message: string }[] {
    if (registries["docker.io"] !== undefined) {
        return [];
    }
    return images
        .filter(({ image }) => image !== "" && safeRegistry(image) === "docker.io")
        .map(({ at, image }) => ({
            at,
            message:
                `${image} comes from Docker Hub, which allows ${DOCKER_HUB_ANONYMOUS_PULLS} without credentials; ` +
                "give Fargate the team's Docker Hub credentials: vnv:registries.docker.io.credentialsSecretArn (a Secrets Manager secret holding {username, password: <an access token>})",
        }));
}

function safeRegistry(image: string): string | undefined {
    try {
        return parseRepository(image).registry;
    } catch {
        return undefined; // a malformed image is reported where it is read
    }
}

const EMAIL = /^[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;
/**
 * The most alert addresses: each is an SNS subscription that must be confirmed from its mailbox
 * and receives every alarm and recovery; more people belong on a mailing list or the chat
 * channel. (SNS itself allows 12,500,000 subscriptions per topic: Amazon SNS quotas.)
 */
export const MAX_ALERT_EMAILS = 10;

/**
 * `alerts.email`: at most {@link MAX_ALERT_EMAILS} addresses (counted before any is read), each
 * at most 254 characters (RFC 5321's path limit), none twice in any case: SNS answers a second
 * subscription of one address with the first one's ARN, and two resources would share it.
 */
function readEmails(r: Reader, value: unknown): string[] | undefined {
    const list = r.list(value, "alerts.email", false);
    if (list === undefined) {
        return undefined;
    }
    if (list.length > MAX_ALERT_EMAILS) {
        r.fail(
            "alerts.email",
            `at most ${MAX_ALERT_EMAILS} addresses (each one is a subscription to confirm and a mailbox for every alarm); got ${list.length}: use a mailing list or the chat channel`,
        );
        return undefined;
    }
    const emails = list.flatMap((e, i) => {
        if (typeof e === "string" && e.length > 254) {
            r.fail(`alerts.email[${i}]`, `at most 254 characters (RFC 5321), got ${e.length}`);
            return [];
        }
        const email = r.string(e, `alerts.email[${i}]`, { required: true, pattern: EMAIL, allowed: "email addresses" });
        return email === undefined ? [] : [email];
    });
    const seen = new Set<string>();
    for (const e of emails) {
        if (seen.has(e.toLowerCase())) {
            r.fail("alerts.email", `${JSON.stringify(e)} appears twice; SNS would subscribe it once`);
        }
        seen.add(e.toLowerCase());
    }
    return emails;
}
const SLACK_ID = /^[A-Z0-9]{1,255}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TEAMS_CHANNEL = /^[^\s]{1,255}$/;

/**
 * `vnv:alerts: {email?, slack?: {workspaceId, channelId}, teams?: {teamId, channelId, tenantId}}`:
 * where the alarms go. Only where there are alarms (prod, dev); an ephemeral environment takes none from dev.
 */
export function readAlerts(r: Reader, value: unknown, alarms: boolean): AlertSettings | undefined {
    const o = r.object(value, "alerts", false);
    if (o === undefined) {
        return undefined;
    }
    if (!alarms) {
        r.fail("alerts", "only prod and dev have alarms to send");
        return undefined;
    }
    r.unknownKeys(o, "alerts", ["email", "slack", "teams"]);
    const email = readEmails(r, o.email);
    const slackO = r.object(o.slack, "alerts.slack", false);
    r.unknownKeys(slackO, "alerts.slack", ["workspaceId", "channelId"]);
    const id = (v: unknown, at: string, pattern: RegExp, allowed: string) => r.string(v, at, { required: true, pattern, allowed }) ?? "";
    const slack =
        slackO === undefined
            ? undefined
            : {
                  workspaceId: id(slackO.workspaceId, "alerts.slack.workspaceId", SLACK_ID, "the Slack workspace ID (T…), as AWS Chatbot shows it"),
                  channelId: id(slackO.channelId, "alerts.slack.channelId", SLACK_ID, "the Slack channel ID (C…), from the channel's details"),
              };
    const teamsO = r.object(o.teams, "alerts.teams", false);
    r.unknownKeys(teamsO, "alerts.teams", ["teamId", "channelId", "tenantId"]);
    const teams =
        teamsO === undefined
            ? undefined
            : {
                  teamId: id(teamsO.teamId, "alerts.teams.teamId", GUID, "the Microsoft Teams team ID (a GUID), from the channel's link"),
                  channelId: id(teamsO.channelId, "alerts.teams.channelId", TEAMS_CHANNEL, "the Teams channel ID (19:…@thread.tacv2), from the channel's link"),
                  tenantId: id(teamsO.tenantId, "alerts.teams.tenantId", GUID, "the Microsoft Entra tenant ID (a GUID)"),
              };
    const noEmail = o.email === undefined || (Array.isArray(o.email) && o.email.length === 0);
    if (noEmail && slack === undefined && teams === undefined) {
        r.fail("alerts", "name at least one of email, slack or teams");
        return undefined;
    }
    return {
        ...(email === undefined || email.length === 0 ? {} : { email }),
        ...(slack === undefined ? {} : { slack }),
        ...(teams === undefined ? {} : { teams }),
    };
}
