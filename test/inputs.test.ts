import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { ConcurrentUpdateError } from "@pulumi/pulumi/automation";
import { isLockContention, MissingSecretsError, parseLocks, UsageError } from "../automation/errors";
import { backendInput, concurrencyInput, envTagInput, instantInput, ownerInput, secretsInput, stackInput, ttlInput, versionInput } from "../automation/inputs";
import { processAlive } from "../automation/state/locks";

describe("the input layer", () => {
    const DEFAULT = "/srv/vnv/.vnv/state";

    it("the --backend flag wins over PULUMI_BACKEND_URL", () => {
        assert.equal(backendInput("s3://flag-bucket", { PULUMI_BACKEND_URL: "s3://env-bucket" }, DEFAULT).url, "s3://flag-bucket");
        assert.equal(
            backendInput(undefined, { PULUMI_BACKEND_URL: "s3://env-bucket/vnv?region=eu-central-1" }, DEFAULT).url,
            "s3://env-bucket/vnv?region=eu-central-1",
        );
    });

    it("defaults to a git-ignored directory of the repository", () => {
        assert.deepEqual(backendInput(undefined, {}, DEFAULT), { url: "file:///srv/vnv/.vnv/state", kind: "file", dir: DEFAULT });
        assert.ok(
            fs
                .readFileSync(path.join(__dirname, "..", ".gitignore"), "utf8")
                .split("\n")
                .includes(".vnv/"),
        );
    });

    it("a file:// backend takes an absolute directory or one under ~", () => {
        assert.equal(backendInput("file:///var/lib/vnv", {}, DEFAULT).dir, "/var/lib/vnv");
        assert.equal(backendInput("file://~/vnv-state", { HOME: "/home/ana" }, DEFAULT).dir, "/home/ana/vnv-state");
    });

    it("failure 3: file:// with no path, a relative path or the filesystem root is refused before anything is created", () => {
        for (const [url, why] of [
            ["file://", /no directory/],
            ["file://relative/dir", /not absolute/],
            ["file:///", /filesystem root/],
            ["file:///a/../..", /filesystem root/],
        ] as const) {
            assert.throws(
                () => backendInput(url, {}, DEFAULT),
                (e: unknown) => e instanceof UsageError && why.test(e.message) && e.message.includes("--backend") && e.message.includes("expected file:///"),
                url,
            );
        }
    });

    it("refuses a backend that is not self-managed, or a bucket that is not a bucket name, naming it", () => {
        assert.throws(
            () => backendInput("https://api.pulumi.com", {}, DEFAULT),
            (e: unknown) => e instanceof UsageError && e.message.includes('"https://api.pulumi.com"'),
        );
        assert.throws(() => backendInput("s3://Bad_Bucket", {}, DEFAULT), /is not a bucket name/);
        assert.throws(() => backendInput(undefined, { PULUMI_BACKEND_URL: "s3://ok-bucket\nrm" }, DEFAULT), /PULUMI_BACKEND_URL .*control characters/);
    });

    it("a missing passphrase is a clear error", () => {
        assert.throws(() => secretsInput(undefined, {}), MissingSecretsError);
        assert.throws(() => secretsInput(undefined, { PULUMI_CONFIG_PASSPHRASE: "" }), MissingSecretsError);
    });

    it("reads the passphrase from PULUMI_CONFIG_PASSPHRASE_FILE", () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "vnv-pp-")), "pass");
        fs.writeFileSync(file, "from-file\n");
        assert.deepEqual(secretsInput(undefined, { PULUMI_CONFIG_PASSPHRASE_FILE: file }), { provider: "passphrase", passphrase: "from-file" });
    });

    it("takes a KMS URL and refuses other providers", () => {
        assert.deepEqual(secretsInput("awskms://alias/vnv-state", {}), { provider: "awskms://alias/vnv-state" });
        assert.throws(() => secretsInput("rot13", {}), /invalid --secrets-provider "rot13"/);
    });

    it("failure 4: an owner is 1 to 64 characters of a user name or e-mail address; long, multi-line or escaped ones are refused", () => {
        assert.equal(ownerInput("ana.de-smet@infrasoft.be"), "ana.de-smet@infrasoft.be");
        for (const bad of ["a".repeat(65), "ana\nv9-9-9  https://evil", "\u001b[2Jana", "", " ana", "ana bob"]) {
            assert.throws(
                () => ownerInput(bad),
                (e: unknown) => e instanceof UsageError && e.message.startsWith("invalid --owner"),
                JSON.stringify(bad),
            );
        }
    });

    it("a refused value is shown quoted, escaped and cut, so it cannot forge output", () => {
        try {
            ownerInput(`${"x".repeat(200)}\nforged row`);
            assert.fail("expected a refusal");
        } catch (e) {
            const message = (e as Error).message;
            assert.ok(!message.includes("\n"), message);
            assert.ok(message.length < 300, message);
        }
    });

    it("property: any owner that passes is one line of at most 64 printable characters", () => {
        fc.assert(
            fc.property(fc.string({ maxLength: 100 }), (text) => {
                try {
                    const owner = ownerInput(text);
                    return owner.length <= 64 && /^[\x21-\x7e]+$/.test(owner);
                } catch (e) {
                    return e instanceof UsageError;
                }
            }),
        );
    });

    it("failure 2: an environment tag shaped like a version is refused: releases are never moved", () => {
        for (const tag of ["v1.2.3", "1.2.3", "v1.2.3-rc.1", "v1.2.3-RC1", "v2", "V1.0.0"]) {
            assert.throws(
                () => envTagInput(tag),
                (e: unknown) => e instanceof UsageError && /releases are never moved/.test(e.message),
                tag,
            );
        }
        assert.equal(envTagInput("prod"), "prod");
        assert.equal(envTagInput("test"), "test");
        assert.throws(() => envTagInput("latest"), /not latest/);
    });

    it("--now needs a date, a time and a time zone", () => {
        assert.equal(instantInput("2026-11-24T08:00:00Z").toISOString(), "2026-11-24T08:00:00.000Z");
        assert.equal(instantInput("2026-11-24T09:00+01:00").toISOString(), "2026-11-24T08:00:00.000Z");
        for (const bad of ["2026-11-24", "5", "2026-11-24T08:00:00", "tomorrow", "2026-13-01T00:00:00Z"]) {
            assert.throws(() => instantInput(bad), /invalid --now/, bad);
        }
    });

    it("--concurrency is an integer from 1 to 32", () => {
        assert.equal(concurrencyInput("4"), 4);
        for (const bad of ["0", "33", "-1", "2.5", "04", "four", ""]) {
            assert.throws(() => concurrencyInput(bad), /invalid --concurrency/, bad);
        }
    });

    it("a TTL is refused above the maximum, naming the maximum", () => {
        assert.deepEqual(ttlInput("6h", 3 * 86_400_000), { text: "6h", ms: 6 * 3_600_000 });
        assert.throws(() => ttlInput("4d", 3 * 86_400_000), /invalid --ttl "4d": at most 3d/);
        assert.throws(() => ttlInput("6 hours"), /invalid --ttl "6 hours": expected a positive duration/);
    });

    it("a version is parsed once, with the forms allowed named", () => {
        assert.equal(versionInput("v1.2.3-RC1").canonical, "v1.2.3-rc.1");
        assert.throws(
            () => versionInput("latest"),
            (e: unknown) => e instanceof UsageError && /invalid version "latest"/.test(e.message),
        );
    });

    it("--stack is dev or prod", () => {
        assert.equal(stackInput("prod"), "prod");
        assert.throws(() => stackInput("staging"), /invalid --stack "staging": expected dev or prod/);
    });

    it("a lock file that vanished while the engine read it is another run's contention, like a held lock; other errors are not", () => {
        const s3 =
            'error: could not create stack: blob (key ".pulumi/locks/organization/vnv/v6-1-0-rc-1/8fc13dcd.json") (code=NotFound): operation error S3: GetObject, StatusCode: 404';
        const dir = "error: open /tmp/s/.pulumi/locks/organization/vnv/v1/7f3b.json: no such file or directory";
        assert.equal(isLockContention(new Error(s3)), true);
        assert.equal(isLockContention(new Error(dir)), true);
        assert.equal(isLockContention(new ConcurrentUpdateError(new Error("locked") as never)), true);
        assert.equal(isLockContention(new Error('blob (key ".pulumi/stacks/vnv/v1.json") (code=NotFound)')), false);
        assert.equal(isLockContention(new Error("error: access denied")), false);
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
