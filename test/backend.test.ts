import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resolveBackend, resolveSecrets } from "../automation/backend";
import { processAlive } from "../automation/environments";
import { MissingSecretsError, parseLocks, UsageError } from "../automation/errors";

describe("state backend and secrets", () => {
    it("the --backend flag wins over PULUMI_BACKEND_URL", () => {
        assert.equal(resolveBackend("s3://flag-bucket", { PULUMI_BACKEND_URL: "s3://env-bucket" }), "s3://flag-bucket");
        assert.equal(resolveBackend(undefined, { PULUMI_BACKEND_URL: "s3://env-bucket/vnv" }), "s3://env-bucket/vnv");
    });

    it("defaults to a git-ignored directory of the repository, created when missing", () => {
        const url = resolveBackend(undefined, {});
        assert.match(url, /^file:\/\/.*\/\.vnv\/state$/);
        assert.ok(
            fs
                .readFileSync(path.join(__dirname, "..", ".gitignore"), "utf8")
                .split("\n")
                .includes(".vnv/"),
        );
    });

    it("creates a file:// directory that does not exist yet", () => {
        const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "vnv-be-")), "nested", "state");
        resolveBackend(`file://${dir}`, {});
        assert.ok(fs.statSync(dir).isDirectory());
    });

    it("refuses a backend that is not self-managed, naming it", () => {
        assert.throws(
            () => resolveBackend("https://api.pulumi.com", {}),
            (e: unknown) => e instanceof UsageError && e.message.includes('"https://api.pulumi.com"'),
        );
    });

    it("a missing passphrase is a clear error", () => {
        assert.throws(() => resolveSecrets(undefined, {}), MissingSecretsError);
        assert.throws(() => resolveSecrets(undefined, { PULUMI_CONFIG_PASSPHRASE: "" }), MissingSecretsError);
    });

    it("reads the passphrase from PULUMI_CONFIG_PASSPHRASE_FILE", () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "vnv-pp-")), "pass");
        fs.writeFileSync(file, "from-file\n");
        assert.deepEqual(resolveSecrets(undefined, { PULUMI_CONFIG_PASSPHRASE_FILE: file }), { provider: "passphrase", passphrase: "from-file" });
    });

    it("takes a KMS URL and refuses other providers", () => {
        assert.deepEqual(resolveSecrets("awskms://alias/vnv-state", {}), { provider: "awskms://alias/vnv-state" });
        assert.throws(() => resolveSecrets("rot13", {}), /unsupported secrets provider "rot13"/);
    });

    it("reads who holds a lock from the engine's error text", () => {
        const text =
            "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.\n" +
            "  file:///tmp/s/.pulumi/locks/organization/vnv/v1/7f3b.json: created by ana@build-7 (pid 4242) at 2026-11-23T01:02:03Z\n";
        assert.deepEqual(parseLocks(text), [
            {
                url: "file:///tmp/s/.pulumi/locks/organization/vnv/v1/7f3b.json",
                user: "ana",
                host: "build-7",
                pid: 4242,
                since: new Date("2026-11-23T01:02:03Z"),
            },
        ]);
    });
});

describe("lock holders", () => {
    it("a zombie (killed, not reaped) holds no lock", async () => {
        // sh starts a child and exec's into sleep: the child, once killed, stays a zombie of sleep.
        const parent = spawn("sh", ["-c", "sleep 30 & exec sleep 30"], { stdio: "ignore" });
        await new Promise((r) => setTimeout(r, 200));
        const children = fs.readFileSync(`/proc/${parent.pid}/task/${parent.pid}/children`, "utf8").trim().split(/\s+/).map(Number);
        const zombie = children[0]!;
        process.kill(zombie, "SIGKILL");
        await new Promise((r) => setTimeout(r, 200));
        assert.match(fs.readFileSync(`/proc/${zombie}/stat`, "utf8"), /\) Z /);
        assert.equal(processAlive(zombie), false);
        parent.kill("SIGKILL");
    });

    it("a live process that is not pulumi (a reused pid) holds no lock", async () => {
        assert.equal(processAlive(process.pid), false);
    });
});
