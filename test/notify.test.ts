import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { UsageError } from "../automation/errors";
import { backendInput } from "../automation/inputs";
import { type Announcement, announcementText, noticeExpiring, notifierFrom, silentNotifier, webhookNotifier } from "../automation/environments/notify";
import { extendHint } from "../automation/environments/reaping";
import { StackStore } from "../automation/state/stackStore";
import { metaToTags } from "../rules/metadata";
import { hostname, stackName } from "../rules/naming";
import { deadUrl, startServer, type TestServer } from "../harness/http";

/** A loopback server that answers each request with `answer` (never, when it answers undefined); counts requests and the most open at once. */
async function scripted(answer: (n: number) => { status: number; headers?: Record<string, string> } | undefined) {
    let requests = 0;
    let open = 0;
    let mostOpen = 0;
    const server = http.createServer((req, res) => {
        const n = requests++;
        open++;
        mostOpen = Math.max(mostOpen, open);
        res.on("close", () => open--);
        req.resume();
        const a = answer(n);
        if (a !== undefined) {
            res.writeHead(a.status, a.headers).end("answer body");
        }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        requests: () => requests,
        mostOpen: () => mostOpen,
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}

const created: Announcement = {
    kind: "up",
    created: true,
    version: "v1.2.3-rc.1",
    url: "https://1-2-3-rc-1.step-studio.be",
    owner: "ana",
    expiresAt: "2026-11-27T18:00:00.000Z",
};

describe("announcements", () => {
    let server: TestServer | undefined;
    afterEach(async () => {
        await server?.close();
        server = undefined;
    });

    it("posts a Teams card with the version, URL, owner and expiry", async () => {
        server = await startServer(() => 202);
        const logs: string[] = [];
        const delivery = await webhookNotifier({ url: server.url, format: "teams", log: (l) => logs.push(l) }).announce(created);
        assert.deepEqual(delivery, { delivered: true });
        const card = JSON.parse(server.requests[0]!.body);
        const texts = card.attachments[0].content.body.map((b: { text: string }) => b.text);
        assert.deepEqual(texts, ["New environment: v1.2.3-rc.1", "URL: https://1-2-3-rc-1.step-studio.be", "Owner: ana", "Expires: 2026-11-27T18:00:00.000Z"]);
        assert.deepEqual(logs, []);
    });

    it("posts Slack's format when asked", async () => {
        server = await startServer(() => 200);
        await webhookNotifier({ url: server.url, format: "slack", log: () => undefined }).announce({ kind: "destroyed", version: "v1.2.3-rc.1", by: "reaper" });
        assert.deepEqual(JSON.parse(server.requests[0]!.body), { text: "*Environment v1.2.3-rc.1 destroyed*\nIts time was up (reaper)." });
    });

    it("a webhook answering 500 never fails the operation: the failure is logged and answered", async () => {
        server = await startServer(() => 500);
        const logs: string[] = [];
        const delivery = await webhookNotifier({ url: server.url, format: "teams", log: (l) => logs.push(l) }).announce(created);
        assert.deepEqual(delivery, { delivered: false, reason: "the webhook answered HTTP 500" });
        assert.match(logs[0]!, /not delivered: the webhook answered HTTP 500; carrying on/);
    });

    it("a webhook that is down never fails the operation either", async () => {
        const delivery = await webhookNotifier({ url: await deadUrl(), format: "slack", log: () => undefined }).announce(created);
        assert.equal(delivery.delivered, false);
        assert.match((delivery as { reason: string }).reason, /could not be reached/);
    });

    it("the webhook comes from the environment, https only, and a bad one is refused without showing it", () => {
        assert.equal(
            notifierFrom({}, () => undefined),
            silentNotifier,
        );
        assert.throws(
            () => notifierFrom({ VNV_WEBHOOK_URL: "http://hooks.example.com/secret-token" }, () => undefined),
            (e: unknown) => e instanceof UsageError && !e.message.includes("secret-token"),
        );
        assert.throws(
            () => notifierFrom({ VNV_WEBHOOK_URL: "https://hooks.example.com/x", VNV_WEBHOOK_FORMAT: "discord" }, () => undefined),
            /expected teams or slack/,
        );
    });

    it("a URL carrying credentials is refused when it is read, and the error never shows them", () => {
        const url = "https://bot:s3cr3t-pass@hooks.example.com/services/T0/B0/tok3n?sig=qu3ry";
        for (const make of [
            () => notifierFrom({ VNV_WEBHOOK_URL: url }, () => undefined),
            () => webhookNotifier({ url, format: "slack", log: () => undefined }),
        ]) {
            assert.throws(
                make,
                (e: unknown) => e instanceof UsageError && /carries credentials/.test(e.message) && !/s3cr3t|bot|tok3n|qu3ry|example/.test(e.message),
            );
        }
    });

    it("no log line or error names more of the webhook than its scheme and host (its path and query are the secret)", async () => {
        server = await startServer(() => 500);
        const dead = await deadUrl();
        const texts: string[] = [];
        for (const url of [
            `${server.url}/webhookb2/t0k3n/IncomingWebhook/p4th?sig=qu3ry`,
            `${dead}/services/t0k3n/p4th?sig=qu3ry`,
            `${server.url.replace("//", "//bot:s3cr3t@")}/t0k3n`,
            "not a URL t0k3n",
        ]) {
            try {
                const delivery = await webhookNotifier({ url, format: "teams", log: (l) => texts.push(l) }).announce(created);
                texts.push((delivery as { reason: string }).reason);
            } catch (e) {
                texts.push((e as Error).message);
            }
        }
        assert.ok(texts.length >= 4, texts.join("\n"));
        assert.ok(
            texts.every((t) => !/t0k3n|p4th|qu3ry|s3cr3t/.test(t)),
            texts.join("\n"),
        );
        assert.ok(
            texts.some((t) => t.includes(`to ${server!.url} not delivered`)),
            texts.join("\n"),
        );
    });

    it("a redirect is never followed: the message is not delivered, and the address it points to hears nothing", async () => {
        const elsewhere = await scripted(() => ({ status: 200 }));
        const redirecting = await scripted(() => ({ status: 307, headers: { location: `${elsewhere.url}/s3cr3t-target` } }));
        try {
            const logs: string[] = [];
            const delivery = await webhookNotifier({ url: redirecting.url, format: "slack", log: (l) => logs.push(l) }).announce(created);
            assert.deepEqual(delivery, { delivered: false, reason: "the webhook answered HTTP 307, a redirect, which vnv never follows" });
            assert.equal(elsewhere.requests(), 0);
            assert.ok(logs.length === 1 && !logs[0]!.includes("s3cr3t-target"), logs.join("\n"));
        } finally {
            await redirecting.close();
            await elsewhere.close();
        }
    });

    it("a message waits for its answer at most its timeout, which is at most a minute", async () => {
        const hanging = await scripted(() => undefined);
        try {
            const started = Date.now();
            const delivery = await webhookNotifier({ url: hanging.url, format: "slack", log: () => undefined, timeoutMs: 300 }).announce(created);
            assert.deepEqual(delivery, { delivered: false, reason: "the webhook could not be reached (no answer within 0.3 s)" });
            assert.ok(Date.now() - started < 2_000);
        } finally {
            await hanging.close();
        }
        for (const timeoutMs of [0, -1, 1.5, 60_001, Number.POSITIVE_INFINITY]) {
            assert.throws(
                () => webhookNotifier({ url: "https://hooks.example.com/x", format: "slack", log: () => undefined, timeoutMs }),
                RangeError,
                String(timeoutMs),
            );
        }
    });

    describe("expiry warnings", () => {
        let dir = "";
        beforeEach(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-notice-"));
        });
        afterEach(() => {
            fs.rmSync(dir, { recursive: true, force: true });
        });
        const now = new Date("2026-11-27T10:00:00.000Z");
        const rules = { domain: "step-studio.be", maxTtlMs: 3 * 86_400_000, now };
        /** A directory backend holding `count` environments that expire within the next half hour. */
        const expiringStore = (count: number): StackStore => {
            const put = (rel: string, text: string) => {
                fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
                fs.writeFileSync(path.join(dir, rel), text);
            };
            put(".pulumi/meta.yaml", "version: 1\n");
            for (let i = 0; i < count; i++) {
                const version = `v1.2.${i}-rc.1`;
                const meta = {
                    stack: stackName(version),
                    version,
                    hostname: hostname(version, "step-studio.be"),
                    owner: "ana",
                    createdAt: new Date(now.getTime() - 3_600_000),
                    expiresAt: new Date(now.getTime() + 1_800_000),
                    slot: i,
                };
                put(`.pulumi/stacks/vnv/${meta.stack}.json`, "{}");
                put(`.pulumi/stacks/vnv/${meta.stack}.pulumi-tags`, JSON.stringify({ version: 1, tags: metaToTags(meta) }));
            }
            return new StackStore({
                project: "vnv",
                backend: backendInput(pathToFileURL(dir).href, {}, dir),
                secrets: { provider: "passphrase", passphrase: "unused" },
                cli: { root: dir, binary: path.join(dir, "bin", "pulumi"), version: "3.211.0", source: "PATH" }, // never run: listing reads the backend
            });
        };

        describe("offer the way to extend", () => {
            const DAY = 86_400_000;
            const policy = { defaultMs: 6 * 3_600_000, maxMs: 3 * DAY, maxKeepMs: 14 * DAY };
            const made = new Date("2026-11-27T00:00:00.000Z");
            const env = (ttlMs: number) => ({
                stack: "v1-2-3-rc-1",
                version: "v1.2.3-rc.1",
                hostname: "1-2-3-rc-1.step-studio.be",
                owner: "ana",
                createdAt: made,
                expiresAt: new Date(made.getTime() + ttlMs),
                slot: 0,
            });

            it("the exact command, its TTL longer by the default one", () => {
                assert.equal(extendHint(policy, undefined, env(6 * 3_600_000)).extend, "vnv env extend v1.2.3-rc.1 --ttl 12h");
            });

            it("never past the maximum TTL: at it, keeping with a reason", () => {
                assert.deepEqual(
                    [extendHint(policy, undefined, env(3 * DAY - 3_600_000)).extend, extendHint(policy, undefined, env(3 * DAY)).extend],
                    ["vnv env extend v1.2.3-rc.1 --ttl 3d", 'vnv env extend v1.2.3-rc.1 --keep "<why>"'],
                );
            });

            it("the message names the command and the Environment workflow's page", () => {
                const hint = extendHint(policy, "https://github.com/infrasoftbe/vnv/actions/workflows/environment.yml", env(6 * 3_600_000));
                const { lines } = announcementText({ kind: "expiring", version: "v1.2.3-rc.1", url: "https://x", owner: "ana", expiresAt: "t", ...hint });
                assert.deepEqual(lines.slice(3), [
                    "Extend it: `vnv env extend v1.2.3-rc.1 --ttl 12h`",
                    "or run the Environment workflow (action extend): https://github.com/infrasoftbe/vnv/actions/workflows/environment.yml",
                ]);
            });
        });

        it("to a webhook that hangs go out several at once, all within one deadline, not one timeout after another", async () => {
            const hanging = await scripted(() => undefined);
            try {
                const notifier = webhookNotifier({ url: hanging.url, format: "slack", log: () => undefined, timeoutMs: 2_000 });
                const started = Date.now();
                const noticed = await noticeExpiring(expiringStore(6), notifier, rules, 3_600_000, { concurrency: 4, deadlineMs: 1_000 });
                const took = Date.now() - started;
                assert.deepEqual(noticed, []);
                // One after another: 6 × 2 s; four at a time without the deadline: 2 × 2 s.
                assert.ok(took < 3_500, `${took} ms`);
                assert.equal(hanging.mostOpen(), 4);
            } finally {
                await hanging.close();
            }
        });

        it("that are not delivered are not marked, so the next run sends them again", async () => {
            server = await startServer(() => 503);
            const noticed = await noticeExpiring(
                expiringStore(3),
                webhookNotifier({ url: server.url, format: "slack", log: () => undefined }),
                rules,
                3_600_000,
            );
            assert.deepEqual(noticed, []);
            assert.equal(server.requests.length, 3);
            assert.ok(
                fs
                    .readdirSync(path.join(dir, ".pulumi/stacks/vnv"))
                    .every((f) => !f.endsWith(".pulumi-tags") || !fs.readFileSync(path.join(dir, ".pulumi/stacks/vnv", f), "utf8").includes("expiry-noticed")),
            );
        });
    });
});
