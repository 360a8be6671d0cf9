/**
 * The shipped command line: `bin/vnv.cjs` runs the compiled JavaScript in dist/ (built when stale),
 * the same program the tests run in-process from the sources.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { VERSION } from "../automation/cli/program";

const bin = path.join(__dirname, "..", "bin", "vnv.cjs");

describe("the vnv bin", function () {
    this.timeout(180_000); // a clean clone builds dist/ first

    it("runs the compiled command line: --version answers vnv's version, exit 0", () => {
        const r = spawnSync(process.execPath, [bin, "--version"], { encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout.trim(), VERSION);
    });

    it("exits with the error policy's codes: a bad version is bad input (exit 2), named", () => {
        const r = spawnSync(process.execPath, [bin, "env", "up", "latest"], { encoding: "utf8", env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: "x" } });
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, /invalid version "latest"/);
    });
});
