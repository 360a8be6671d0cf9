/**
 * Announcements to the team's chat: an environment created or updated, about to expire,
 * destroyed, an operation that failed, or a release whose tags moved (`release verify`). Posted to a webhook (Microsoft Teams or Slack format)
 * whose URL comes from a secret in the environment (`VNV_WEBHOOK_URL`), never from a file.
 * A message that cannot be delivered never fails the operation (seed 000: "the notification
 * failed, but the flow continues"): it is logged, and the answer says so.
 */
import { stackRole, TAG } from "../rules/metadata";
import { UsageError } from "./errors";
import { shown } from "./inputs";
import type { StackStore } from "./stackStore";

export type WebhookFormat = "teams" | "slack";

export type Announcement =
    | { readonly kind: "up"; readonly created: boolean; readonly version: string; readonly url: string; readonly owner: string; readonly expiresAt: string }
    | { readonly kind: "expiring"; readonly version: string; readonly url: string; readonly owner: string; readonly expiresAt: string }
    | { readonly kind: "destroyed"; readonly version: string; readonly by: "down" | "reaper" }
    | { readonly kind: "failed"; readonly operation: string; readonly version?: string; readonly error: string }
    | { readonly kind: "deployed"; readonly stack: "prod" | "dev"; readonly version: string; readonly url: string }
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
    announce(a: Announcement): Promise<Delivery>;
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
                lines: [`URL: ${a.url}`, `Owner: ${a.owner}`, `Expires: ${a.expiresAt}`, "Extend it with `vnv env extend`."],
            };
        case "destroyed":
            return { title: `Environment ${a.version} destroyed`, lines: [a.by === "reaper" ? "Its time was up (reaper)." : "Taken down by hand."] };
        case "failed":
            return { title: `vnv ${a.operation} failed${a.version ? ` for ${a.version}` : ""}`, lines: [a.error.split("\n")[0] ?? ""] };
        case "deployed":
            return { title: `${a.stack} now runs ${a.version}`, lines: [`URL: ${a.url}`] };
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

/** Posts to a webhook; never throws. */
export function webhookNotifier(options: {
    url: string;
    format: WebhookFormat;
    log: (line: string) => void;
    timeoutMs?: number;
    fetch?: typeof fetch;
}): Notifier {
    const post = options.fetch ?? fetch;
    return {
        async announce(a) {
            try {
                const res = await post(options.url, {
                    method: "POST",
                    headers: { "content-type": "application/json" },
                    body: JSON.stringify(webhookBody(options.format, a)),
                    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
                });
                if (res.status >= 200 && res.status < 300) {
                    return { delivered: true };
                }
                return undelivered(options.log, a, `the webhook answered HTTP ${res.status}`);
            } catch (e) {
                return undelivered(options.log, a, `the webhook could not be reached (${(e as Error).message})`);
            }
        },
    };
}

function undelivered(log: (line: string) => void, a: Announcement, reason: string): Delivery {
    log(`announcement "${announcementText(a).title}" not delivered: ${reason}; carrying on`);
    return { delivered: false, reason };
}

/** No webhook configured: nothing is sent. */
export const silentNotifier: Notifier = { announce: async () => ({ delivered: false, reason: "no webhook configured" }) };

/**
 * The notifier the environment asks for: `VNV_WEBHOOK_URL` (a secret, https; http only on
 * loopback) and `VNV_WEBHOOK_FORMAT` (teams, the default, or slack). Parsed strictly: a bad
 * value is bad input.
 */
export function notifierFrom(env: NodeJS.ProcessEnv, log: (line: string) => void): Notifier {
    const url = env.VNV_WEBHOOK_URL;
    if (url === undefined || url === "") {
        return silentNotifier;
    }
    let parsed: URL;
    try {
        parsed = new URL(url);
    } catch {
        throw new UsageError("invalid VNV_WEBHOOK_URL: not a URL (its value is a secret and is not shown)");
    }
    const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(parsed.hostname);
    if (parsed.protocol !== "https:" && !(parsed.protocol === "http:" && loopback)) {
        throw new UsageError("invalid VNV_WEBHOOK_URL: expected an https:// URL (its value is a secret and is not shown)");
    }
    const format = env.VNV_WEBHOOK_FORMAT ?? "teams";
    if (format !== "teams" && format !== "slack") {
        throw new UsageError(`invalid VNV_WEBHOOK_FORMAT ${shown(format)}: expected teams or slack`);
    }
    return webhookNotifier({ url, format, log });
}

/**
 * Announces, once, every live environment that expires within `windowMs` of `now`: the
 * announced expiry is kept in a tag, so a later run (or an extended expiry) decides again, and a
 * message that was not delivered is tried again by the next run. Answers the stacks announced.
 */
export async function noticeExpiring(store: StackStore, notifier: Notifier, now: Date, windowMs: number): Promise<string[]> {
    const noticed: string[] = [];
    for (const s of await store.list()) {
        const role = stackRole(s.name, s.tags);
        if (role.role !== "environment") {
            continue;
        }
        const { meta } = role;
        const left = meta.expiresAt.getTime() - now.getTime();
        const expiry = meta.expiresAt.toISOString();
        if (left <= 0 || left > windowMs || s.tags[TAG.expiryNoticed] === expiry) {
            continue;
        }
        const delivery = await notifier.announce({
            kind: "expiring",
            version: meta.version,
            url: `https://${meta.hostname}`,
            owner: meta.owner,
            expiresAt: expiry,
        });
        if (delivery.delivered) {
            await (await store.select(s.name))?.setTag(TAG.expiryNoticed, expiry);
            noticed.push(s.name);
        }
    }
    return noticed;
}
