/**
 * What `vnv` prints never carries a character that acts on a terminal (rules/terminal.ts): the
 * history's rows and bad entries, `--json`, and errors that quote what came from outside. Runs
 * the command line in-process on a directory backend; no engine is needed for `history`.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { AUDIT_PREFIX, AuditLog, auditKey } from "../automation/history/audit";
import { fileBlobs } from "../automation/state/blobs";
import { main } from "../automation/cli/program";

/** A character that must never reach a terminal from outside: C0, DEL, C1, bidi controls, zero-width, separators. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060-\u2069\ufeff]/;

describe("vnv's output on a terminal", () => {
    let dir = "";
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-output-"));
    });
    afterEach(() => {
        fs.rmSync(dir, { recursive: true, force: true });
    });
    const state = () => path.join(dir, "state");
    const vnv = async (...args: string[]) => {
        let out = "";
        let err = "";
        const code = await main(args, { env: {}, stdout: (t) => (out += t), stderr: (t) => (err += t) });
        return { code, out, err };
    };
    /** A history holding an event whose text fields carry bidi and C1 characters (the reader allows them), and bad objects with hostile names. */
    const hostileHistory = async () => {
        const log = new AuditLog(fileBlobs(state()));
        const event = await log.append({
            at: "2026-11-27T10:00:00.000Z",
            actor: "mallory\u202e\u2066ana",
            action: "deploy",
            environment: "prod",
            version: "v1.2.3\u009b2J",
            digests: {},
            result: "failed",
            error: "boom\u009d0;pwned\u009c and \u200bhidden",
            durationMs: 1000,
        });
        const forged = "x\n2026-11-27 10:05  deploy  prod  v9.9.9  ok  ana  1s\n";
        fs.writeFileSync(path.join(state(), AUDIT_PREFIX, `\u001b[2J${forged}.json`), "{}");
        const good = JSON.parse(fs.readFileSync(path.join(state(), auditKey(event.id)), "utf8")) as Record<string, unknown>;
        fs.writeFileSync(path.join(state(), auditKey(`20261127T100001000Z-${"e".repeat(16)}`)), JSON.stringify({ ...good, "\u202eevil": 1 }));
        return event;
    };

    it("history: every row and every bad entry is shown with its control and bidi characters escaped, one line each", async () => {
        await hostileHistory();
        const r = await vnv("history", "--backend", pathToFileURL(state()).href);
        assert.equal(r.code, 0, r.err);
        assert.ok(!UNSAFE.test(r.out), JSON.stringify(r.out));
        assert.match(r.out, /mallory\\u202e\\u2066ana/);
        assert.match(r.out, /v1\.2\.3\\x9b2J/);
        assert.match(r.out, /boom\\x9d0;pwned\\x9c and \\u200bhidden/);
        assert.match(r.out, /unreadable event \.vnv\/history\/v1\/\\x1b\[2Jx\\n2026-11-27 10:05 {2}deploy {2}prod {2}v9\.9\.9 {2}ok {2}ana {2}1s\\n\.json: /);
        // The header, the event and its error, and the two bad objects: no forged row among them.
        assert.equal(r.out.trimEnd().split("\n").length, 5, r.out);
    });

    it("history --json: the same values, every such character a JSON escape", async () => {
        await hostileHistory();
        const r = await vnv("history", "--json", "--backend", pathToFileURL(state()).href);
        assert.equal(r.code, 0, r.err);
        assert.ok(!UNSAFE.test(r.out), JSON.stringify(r.out));
        assert.deepEqual(JSON.parse(r.out), JSON.parse(JSON.stringify(await new AuditLog(fileBlobs(state())).read({ limit: 100 }))));
    });

    it("an error that quotes a bad input shows it escaped", async () => {
        const r = await vnv("history", "--env", "prod\u009b2J\u202e", "--backend", pathToFileURL(state()).href);
        assert.equal(r.code, 2);
        assert.ok(!UNSAFE.test(r.err), JSON.stringify(r.err));
        assert.match(r.err, /invalid --env "prod\\x9b2J\\u202e"/);
    });
});
