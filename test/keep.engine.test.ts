/**
 * `vnv env extend --keep <reason>`: an environment kept past the maximum TTL, up to
 * vnv:ephemeral.maxKeep (Pulumi.dev.yaml: 3d and 14d), its reason in `env ls` and the history;
 * on the real engine and a directory backend, with the stand-in program.
 */
import { strict as assert } from "node:assert";
import { runCli } from "../harness/cli";
import { makeDriver, useTempDir, v } from "../harness/driver";

describe("@engine keeping an environment (env extend --keep)", function () {
    this.timeout(120_000);
    const tmp = useTempDir("vnv-keep-");
    const DAY = 86_400_000;

    const vnv = (args: string[]) => runCli(args, tmp());

    const created = async (version: string) => new Date((await makeDriver(tmp()).up(v(version))).expiresAt).getTime() - 6 * 3_600_000;

    it("--keep sets the expiry to creation + vnv:ephemeral.maxKeep; env ls and the history show the reason", async () => {
        const at = await created("v8.0.0-rc.1");
        const r = await vnv(["env", "extend", "v8.0.0-rc.1", "--keep", "client demo on Friday", "--json"]);
        assert.equal(r.code, 0, r.err);
        assert.equal(new Date(JSON.parse(r.out).expiresAt).getTime(), at + 14 * DAY);
        const [row] = JSON.parse((await vnv(["env", "ls", "--json", "--on", "aws"])).out);
        assert.equal(row.keep, "client demo on Friday", JSON.stringify(row));
        const { events } = JSON.parse((await vnv(["history", "--env", "v8-0-0-rc-1", "--json"])).out);
        assert.equal(events[0].reason, "client demo on Friday");
    });

    it("a kept environment's TTL is bounded by vnv:ephemeral.maxKeep: beyond it, exit 2 naming the bound, nothing changed", async () => {
        await created("v8.1.0-rc.1");
        const r = await vnv(["env", "extend", "v8.1.0-rc.1", "--keep", "demo", "--ttl", "20d"]);
        assert.equal(r.code, 2, r.err);
        assert.match(r.err, /at most 14d for a kept environment \(vnv:ephemeral\.maxKeep\)/);
    });

    it("an extend without --keep drops the reason, within the maximum TTL again", async () => {
        await created("v8.2.0-rc.1");
        assert.equal((await vnv(["env", "extend", "v8.2.0-rc.1", "--keep", "demo"])).code, 0);
        assert.equal((await vnv(["env", "extend", "v8.2.0-rc.1", "--ttl", "1d"])).code, 0);
        const [row] = JSON.parse((await vnv(["env", "ls", "--json", "--on", "aws"])).out);
        assert.deepEqual([row.keep, row.status], [undefined, "live"]);
    });

    it("a reason with control characters is refused with exit 2 before anything is read", async () => {
        const r = await vnv(["env", "extend", "v8.3.0-rc.1", "--keep", "demo\u001b[2J"]);
        assert.equal(r.code, 2, r.err);
        assert.match(r.err, /invalid --keep/);
        assert.ok(!r.err.includes("\u001b"), "the reason is escaped when printed");
    });

    it("an environment whose tags claim a creation decades ago is listed without a cost (nothing priced over decades)", async () => {
        await created("v8.4.0-rc.1");
        const stack = await makeDriver(tmp()).store.select("v8-4-0-rc-1");
        await stack!.setTag("vnv:expires-at", "1970-01-02T00:00:00.000Z");
        await stack!.setTag("vnv:created-at", "1970-01-01T00:00:00.000Z");
        const [row] = JSON.parse((await vnv(["env", "ls", "--json", "--on", "aws"])).out);
        assert.deepEqual([row.status, row.cost], ["expired", undefined]);
    });
});
