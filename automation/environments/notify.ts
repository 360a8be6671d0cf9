/**
 * Announcements to the team's chat: an environment created or updated, about to expire,
 * destroyed, an operation that failed, or a release whose tags moved (`release verify`). Posted to a webhook (Microsoft Teams or Slack format)
 * whose URL comes from a secret in the environment (`VNV_WEBHOOK_URL`), never from a file.
 * A message that cannot be delivered never fails the operation (seed 000: "the notification
 * failed, but the flow continues"): it is logged, and the answer says so.
 *
 * The URL is a secret (a Teams or Slack webhook's path and query are its key): one with
 * credentials is refused, and nothing vnv prints shows more of it than its scheme and host. A
 * redirect is never followed; every message waits a bounded time; expiry warnings go out a few
 * at a time within one deadline.
 */
import { type EnvironmentMeta, stackRole, TAG, type TagRules } from "../../rules/metadata";
import { UsageError } from "../errors";
import { shown } from "../inputs";
import type { StackStore } from "../state/stackStore";
import { mapLimit } from "../util";

export type WebhookFormat = "teams" | "slack";

export type Announcement =
    | { readonly kind: "up"; readonly created: boolean; readonly version: string; readonly url: string; readonly owner: string; readonly expiresAt: string }
    | {
          readonly kind: "expiring";
          readonly version: string;
          readonly url: string;
          readonly owner: string;
          readonly expiresAt: string;
          /** The exact command that extends it. */
          readonly extend: string;
          /** The Environment workflow, to extend it from the browser. */
          readonly workflowUrl?: string;
      }
    | { readonly kind: "destroyed"; readonly version: string; readonly by: "down" | "reaper" }
    | { readonly kind: "failed"; readonly operation: string; readonly version?: string; readonly error: string }
    | { readonly kind: "deployed"; readonly stack: "prod" | "dev"; readonly version: string; readonly url: string }
    /** Resources of prod or dev changed outside vnv (`vnv drift`), each as `changed name (type)`. */
    | { readonly kind: "drift"; readonly stack: string; readonly resources: readonly string[] }
    | {
          readonly kind: "release-moved";
          readonly version: string;
          /** `promoted <time> by <actor>`: the record the tags no longer match. */
          readonly released: string;
          readonly moved: readonly { readonly service: string; readonly tag: string; readonly recorded: string; readonly now: string }[];
      };

/** What became of one message. */
export type Delivery = { readonly delivered: true } | { readonly delivered: false; readonly reason: string };

export interface Notifier {
    /** Sends `a`; `signal` stops it (then it is not delivered). Never throws. */
    announce(a: Announcement, signal?: AbortSignal): Promise<Delivery>;
}

/** The plain text of an announcement: the same words in every format. */
export function announcementText(a: Announcement): { title: string; lines: string[] } {
    switch (a.kind) {
        case "up":
            return {
                title: `${a.created ? "New environment" : "Environment updated"}: ${a.version}`,
                lines: [`URL: ${a.url}`, `Owner: ${a.owner}`, `Expires: ${a.expiresAt}`],
            };
        case "expiring":
            return {
                title: `Environment ${a.version} expires soon`,
                lines: [
                    `URL: ${a.url}`,
                    `Owner: ${a.owner}`,
                    `Expires: ${a.expiresAt}`,
                    `Extend it: \`${a.extend}\``,
                    ...(a.workflowUrl === undefined ? [] : [`or run the Environment workflow (action extend): ${a.workflowUrl}`]),
                ],
            };
        case "destroyed":
            return { title: `Environment ${a.version} destroyed`, lines: [a.by === "reaper" ? "Its time was up (reaper)." : "Taken down by hand."] };
        case "failed":
            return { title: `vnv ${a.operation} failed${a.version ? ` for ${a.version}` : ""}`, lines: [a.error.split("\n")[0] ?? ""] };
        case "deployed":
            return { title: `${a.stack} now runs ${a.version}`, lines: [`URL: ${a.url}`] };
        case "drift":
            return {
                title: `${a.stack} drifted: ${a.resources.length} resource(s) changed outside vnv`,
                lines: [
                    ...a.resources.slice(0, 10),
                    ...(a.resources.length > 10 ? [`and ${a.resources.length - 10} more`] : []),
                    `See \`vnv drift ${a.stack}\`.`,
                ],
            };
        case "release-moved":
            return {
                title: `Release ${a.version} has moved: its tags no longer point where it was released`,
                lines: [
                    `Released: ${a.released}`,
                    ...a.moved.slice(0, 20).map((m) => `${m.service}:${m.tag} now ${m.now}, released as ${m.recorded}`),
                    "Releases are immutable: put the tags back. Deploys pin digests, and `vnv release check` refuses this release until then.",
                ],
            };
    }
}

/** The JSON body of a message in the webhook's format. */
export function webhookBody(format: WebhookFormat, a: Announcement): unknown {
    const { title, lines } = announcementText(a);
    if (format === "slack") {
        return { text: `*${title}*\n${lines.join("\n")}` };
    }
    // Teams incoming webhook (workflow "post to a channel when a webhook request is received"): an Adaptive Card.
    return {
        type: "message",
        attachments: [
            {
                contentType: "application/vnd.microsoft.card.adaptive",
                content: {
                    type: "AdaptiveCard",
                    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
                    version: "1.4",
                    body: [{ type: "TextBlock", text: title, weight: "Bolder", wrap: true }, ...lines.map((text) => ({ type: "TextBlock", text, wrap: true }))],
                },
            },
        ],
    };
}

/**
 * A webhook's URL as vnv takes it, from a secret (`VNV_WEBHOOK_URL`): https (http only on
 * loopback), without credentials (user:password@ is refused: the URL is the secret already).
 * A Teams or Slack webhook's path and query are themselves the secret, so `shown`, the only part
 * ever printed, is the scheme and host. Errors never show the value.
 */
export interface WebhookTarget {
    readonly url: URL;
    /** `https://hooks.slack.com`: what a log line may say. */
    readonly shown: string;
}

const SECRET = "(its value is a secret and is not shown)";

export function webhookTarget(text: string, what: string = "VNV_WEBHOOK_URL"): WebhookTarget {
    let url: URL;
    try {
        url = new URL(text);
    } catch {
        throw new UsageError(`invalid ${what}: not a URL ${SECRET}`);
    }
    if (url.username !== "" || url.password !== "") {
        throw new UsageError(`invalid ${what}: it carries credentials (user:password@ before the host), which vnv never sends; remove them ${SECRET}`);
    }
    const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
    if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
        throw new UsageError(`invalid ${what}: expected an https:// URL (http:// only on loopback) ${SECRET}`);
    }
    return { url, shown: `${url.protocol}//${url.host}` };
}

/** Longest a message may wait for its answer. */
export const MAX_WEBHOOK_TIMEOUT_MS = 60_000;

/** Why a request failed, without its message (a message may quote the URL): the error's code, or its kind. */
function failureCode(e: unknown): string {
    const err = e as { name?: unknown; code?: unknown; cause?: { code?: unknown; name?: unknown } };
    for (const c of [err.cause?.code, err.code, err.cause?.name, err.name]) {
        if (typeof c === "string" && /^[A-Za-z0-9_]{1,40}$/.test(c) && c !== "TypeError" && c !== "Error") {
            return c;
        }
    }
    return "network error";
}

/**
 * Posts to a webhook; never throws once made (making it throws {@link UsageError} for a URL
 * {@link webhookTarget} refuses). A redirect is never followed: Teams and Slack answer a
 * webhook's POST themselves, and following one would send the message to an address nobody
 * configured (a 307/308 resends the body too); it is reported as not delivered. Each message
 * waits at most `timeoutMs` (default 10 s) for its answer, or less when `signal` stops it.
 */
export function webhookNotifier(options: {
    url: string;
    format: WebhookFormat;
    log: (line: string) => void;
    timeoutMs?: number;
    fetch?: typeof fetch;
}): Notifier {
    const target = webhookTarget(options.url);
    const timeoutMs = options.timeoutMs ?? 10_000;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_WEBHOOK_TIMEOUT_MS) {
        throw new RangeError(`timeoutMs ${timeoutMs} is not a whole number of milliseconds from 1 to ${MAX_WEBHOOK_TIMEOUT_MS}`);
    }
    const post = options.fetch ?? fetch;
    const undelivered = (a: Announcement, reason: string): Delivery => {
        options.log(`announcement "${announcementText(a).title}" to ${target.shown} not delivered: ${reason}; carrying on`);
        return { delivered: false, reason };
    };
    return {
        async announce(a, signal) {
            const timeout = AbortSignal.timeout(timeoutMs);
            try {
                signal?.throwIfAborted();
                const res = await post(target.url, {
                    method: "POST",
                    headers: { "content-type": "application/json" },
                    body: JSON.stringify(webhookBody(options.format, a)),
                    redirect: "manual",
                    signal: signal === undefined ? timeout : AbortSignal.any([timeout, signal]),
                });
                await res.body?.cancel().catch(() => undefined); // the answer's body is not read
                if (res.status >= 200 && res.status < 300) {
                    return { delivered: true };
                }
                const redirect = res.status >= 300 && res.status < 400 ? ", a redirect, which vnv never follows" : "";
                return undelivered(a, `the webhook answered HTTP ${res.status}${redirect}`);
            } catch (e) {
                if (timeout.aborted) {
                    return undelivered(a, `the webhook could not be reached (no answer within ${timeoutMs / 1000} s)`);
                }
                if (signal?.aborted) {
                    return undelivered(a, "not sent: the announcements' time was up");
                }
                return undelivered(a, `the webhook could not be reached (${failureCode(e)})`);
            }
        },
    };
}

/** No webhook configured: nothing is sent. */
export const silentNotifier: Notifier = { announce: async () => ({ delivered: false, reason: "no webhook configured" }) };

/**
 * The notifier the environment asks for: `VNV_WEBHOOK_URL` (a secret, see
 * {@link webhookTarget}) and `VNV_WEBHOOK_FORMAT` (teams, the default, or slack). Parsed
 * strictly: a bad value is bad input.
 */
export function notifierFrom(env: NodeJS.ProcessEnv, log: (line: string) => void): Notifier {
    const url = env.VNV_WEBHOOK_URL;
    if (url === undefined || url === "") {
        return silentNotifier;
    }
    webhookTarget(url);
    const format = env.VNV_WEBHOOK_FORMAT ?? "teams";
    if (format !== "teams" && format !== "slack") {
        throw new UsageError(`invalid VNV_WEBHOOK_FORMAT ${shown(format)}: expected teams or slack`);
    }
    return webhookNotifier({ url, format, log });
}

/** How {@link noticeExpiring} sends: so many messages at once, all within a deadline. */
export interface NoticeBounds {
    /** @default 4 */
    readonly concurrency?: number;
    /** Past it, what is not sent yet is not sent (the next run tries again). @default 60 s */
    readonly deadlineMs?: number;
}

/**
 * Announces, once, every live environment that expires within `windowMs` of `now`: the
 * announced expiry is kept in a tag, so a later run (or an extended expiry) decides again, and a
 * message that was not delivered is tried again by the next run. Messages go out `concurrency`
 * at a time, all within `deadlineMs`: a webhook that hangs costs one deadline, not one timeout
 * per environment. Answers the stacks announced, in the listing's order.
 */
export async function noticeExpiring(
    store: Pick<StackStore, "list" | "select">,
    notifier: Notifier,
    rules: TagRules,
    windowMs: number,
    bounds: NoticeBounds = {},
    hint: (meta: EnvironmentMeta) => { extend: string; workflowUrl?: string } = (meta) => ({ extend: `vnv env extend ${meta.version} --ttl <longer>` }),
): Promise<string[]> {
    const now = rules.now;
    const due = (await store.list()).flatMap((s) => {
        const role = stackRole(s.name, s.tags, rules);
        if (role.role !== "environment") {
            return [];
        }
        const { meta } = role;
        const left = meta.expiresAt.getTime() - now.getTime();
        const expiry = meta.expiresAt.toISOString();
        return left <= 0 || left > windowMs || s.tags[TAG.expiryNoticed] === expiry ? [] : [{ name: s.name, meta, expiry }];
    });
    const deadline = AbortSignal.timeout(bounds.deadlineMs ?? 60_000);
    const sent = await mapLimit(due, bounds.concurrency ?? 4, async ({ name, meta, expiry }) => {
        if (deadline.aborted) {
            return undefined; // not sent: the next run tries again
        }
        const delivery = await notifier.announce(
            { kind: "expiring", version: meta.version, url: `https://${meta.hostname}`, owner: meta.owner, expiresAt: expiry, ...hint(meta) },
            deadline,
        );
        if (!delivery.delivered) {
            return undefined;
        }
        await (await store.select(name))?.setTag(TAG.expiryNoticed, expiry);
        return name;
    });
    return sent.filter((name): name is string => name !== undefined);
}
