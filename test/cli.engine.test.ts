/** @engine: the `vnv` command line, in-process, on the real engine with stand-in programs. */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { main } from "../automation/cli";
import { PASSPHRASE, stackFiles, tempDir } from "./support/driver";
import { authStandIn, standIn } from "./support/standins";

interface Run {
    code: number;
    out: string;
    err: string;
}

describe("@engine vnv command line", function () {
    this.timeout(300_000);
    let dir: string;
    beforeEach(() => {
        dir = tempDir("vnv-cli-");
    });
    afterEach(() => {
        fs.rmSync(dir, { recursive: true, force: true });
    });

    async function vnv(args: string[], env: NodeJS.ProcessEnv = { ...process.env, PULUMI_CONFIG_PASSPHRASE: PASSPHRASE }): Promise<Run> {
        let out = "";
        let err = "";
        const code = await main(args, {
            env: { ...env, PULUMI_BACKEND_URL: `file://${dir}/state` },
            stdout: (t) => (out += t),
            stderr: (t) => (err += t),
            program: standIn(),
            authProgram: authStandIn,
            pulumiHome: `${dir}/home`,
        });
        return { code, out, err };
    }

    it("up, ls, extend, reap --dry-run and down, with --json for machines", async () => {
        const up = await vnv(["env", "up", "v1.4.0-rc.2", "--ttl", "2h", "--owner", "ana", "--json"]);
        assert.equal(up.code, 0, up.err);
        assert.equal(JSON.parse(up.out).url, "https://1-4-0-rc-2.step-studio.be");
        assert.match(up.err, /vnv: v1-4-0-rc-2: creating v1\.4\.0-rc\.2/, "no progress lines");

        const ls = await vnv(["env", "ls", "--json"]);
        const [row] = JSON.parse(ls.out);
        assert.deepEqual([row.version, row.owner], ["v1.4.0-rc.2", "ana"]);

        const text = await vnv(["env", "ls"]);
        assert.match(text.out, /^VERSION\s+URL\s+OWNER\s+CREATED\s+EXPIRES\s+LEFT\s+LAST UPDATE\s+RESOURCES\nv1\.4\.0-rc\.2\s+https:\/\/1-4-0-rc-2\.step-studio\.be\s+ana /);

        const extend = await vnv(["env", "extend", "v1.4.0-rc.2", "--ttl", "5h", "--json"]);
        assert.equal(extend.code, 0, extend.err);

        const later = new Date(Date.now() + 6 * 3_600_000).toISOString();
        const dry = await vnv(["env", "reap", "--dry-run", "--now", later, "--json"]);
        assert.deepEqual(JSON.parse(dry.out).wouldDestroy, ["v1-4-0-rc-2"]);

        const down = await vnv(["env", "down", "v1.4.0-rc.2"]);
        assert.equal(down.code, 0, down.err);
        assert.equal(down.out, "destroyed v1-4-0-rc-2\n");
        assert.deepEqual(stackFiles(dir), ["vnv/auth.json"]);
    });

    it("a missing passphrase is refused with exit code 2 before any stack exists", async () => {
        const env = { ...process.env };
        delete env.PULUMI_CONFIG_PASSPHRASE;
        delete env.PULUMI_CONFIG_PASSPHRASE_FILE;
        const r = await vnv(["env", "up", "v1.4.0-rc.2"], env);
        assert.equal(r.code, 2);
        assert.match(r.err, /no secrets provider: set PULUMI_CONFIG_PASSPHRASE/);
        assert.deepEqual(stackFiles(dir), []);
    });

    it("a bad version, TTL or concurrency is refused with exit code 2, naming it", async () => {
        for (const [args, message] of [
            [["env", "up", "v1.2"], /invalid version "v1\.2"/],
            [["env", "up", "v1.2.3", "--ttl", "abc"], /invalid TTL "abc"/],
            [["env", "up", "v1.2.3", "--ttl", "9d"], /above the maximum of 3d/],
            [["env", "reap", "--concurrency", "x"], /invalid --concurrency "x"/],
            [["env", "reap", "--now", "tomorrow"], /invalid --now "tomorrow"/],
            [["env", "up", "v1.2.3", "--backend", "https://api.pulumi.com"], /unsupported backend/],
        ] as const) {
            const r = await vnv([...args]);
            assert.equal(r.code, 2, `${args.join(" ")}: ${r.err}`);
            assert.match(r.err, message);
        }
        assert.deepEqual(stackFiles(dir), []);
    });

    it("down of an environment that does not exist fails with exit code 1", async () => {
        const r = await vnv(["env", "down", "v9.9.9"]);
        assert.equal(r.code, 1);
        assert.match(r.err, /no environment v9-9-9/);
    });
});
