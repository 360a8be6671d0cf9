import { strict as assert } from "node:assert";
import { UsageError } from "../automation/errors";
import { type Announcement, notifierFrom, silentNotifier, webhookNotifier } from "../automation/notify";
import { deadUrl, startServer, type TestServer } from "./support/http";

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
});
