/**
 * The GitHub Actions workflows (.github/workflows) against the rules they must keep, and against
 * the real command line: every workflow is parsed as YAML and checked for script injection, for
 * vnv invocations that the CLI actually has (command and flags, from its own --help), for OIDC
 * permissions, for the production environment on the prod path, and for deploys that never run
 * twice at once. The job-summary script (.github/scripts/summary.cjs) runs as the workflows run
 * it, on every kind of result and on garbage.
 */
import { strict as assert } from "node:assert";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { main } from "../automation/cli/program";

const ROOT = path.resolve(__dirname, "..");
const WORKFLOWS = path.join(ROOT, ".github", "workflows");
const SUMMARY_SCRIPT = path.join(ROOT, ".github", "scripts", "summary.cjs");

// ---- the workflows, as data ----

type Dict = Record<string, unknown>;

interface Step {
    readonly name?: string;
    readonly id?: string;
    readonly uses?: string;
    readonly run?: string;
    readonly if?: string;
    readonly with?: Dict;
    readonly env?: Dict;
}

interface Job {
    readonly name?: string;
    readonly if?: string;
    readonly permissions?: string | Dict;
    readonly environment?: string | { name?: string; url?: string };
    readonly concurrency?: string | Dict;
    readonly steps?: Step[];
    readonly needs?: string | string[];
}

interface Workflow {
    readonly file: string;
    readonly name?: string;
    readonly permissions?: string | Dict;
    readonly concurrency?: string | Dict;
    readonly jobs: Record<string, Job>;
}

function loadWorkflows(): Workflow[] {
    return fs
        .readdirSync(WORKFLOWS)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .map((file) => {
            const doc = parse(fs.readFileSync(path.join(WORKFLOWS, file), "utf8")) as Dict;
            assert.ok(doc !== null && typeof doc === "object" && typeof doc.jobs === "object", `${file}: not a workflow (no jobs)`);
            return { ...(doc as object), file } as Workflow;
        });
}

const workflows = loadWorkflows();
const byFile = (file: string): Workflow => {
    const wf = workflows.find((w) => w.file === file);
    assert.ok(wf, `.github/workflows/${file} is missing`);
    return wf;
};

interface Script {
    readonly where: string;
    readonly file: string;
    readonly job: string;
    readonly script: string;
}

function scriptsOf(wf: Workflow): Script[] {
    return Object.entries(wf.jobs).flatMap(([jobId, job]) =>
        (job.steps ?? []).flatMap((step, i) =>
            typeof step.run === "string"
                ? [{ where: `${wf.file} › ${jobId} › ${step.name ?? step.id ?? `step ${i + 1}`}`, file: wf.file, job: jobId, script: step.run }]
                : [],
        ),
    );
}
const allScripts = workflows.flatMap(scriptsOf);

// ---- vnv invocations in run: scripts ----

const INVOCATION = /(?:npm\s+run\s+(?:-s\s+|--silent\s+)?vnv\s+--|(?:npx\s+)?tsx\s+(?:\.\/)?automation\/main\.ts)(?=\s|$)/g;

interface Invocation {
    readonly where: string;
    readonly file: string;
    readonly job: string;
    /** The command line after `vnv`, up to the end of the shell command. */
    readonly text: string;
    /** `["env", "up"]`, `["deploy"]`: the leading bare words. */
    readonly words: readonly string[];
    /** Every `--flag` in the command line, also those inside `${TTL:+--ttl "$TTL"}`. */
    readonly flags: readonly string[];
}

/** The rest of a shell command: up to an unquoted `|`, `;`, `&`, `>`, `<`, `)`, newline or comment. */
function shellCommand(rest: string): string {
    let quote: "'" | '"' | undefined;
    let braces = 0;
    for (let i = 0; i < rest.length; i++) {
        const c = rest[i]!;
        if (quote !== undefined) {
            if (c === "\\" && quote === '"') {
                i++;
            } else if (c === quote) {
                quote = undefined;
            }
            continue;
        }
        if (c === "\\") {
            i++;
        } else if (c === "'" || c === '"') {
            quote = c;
        } else if (c === "$" && rest[i + 1] === "{") {
            braces++;
            i++;
        } else if (c === "}" && braces > 0) {
            braces--;
        } else if (braces === 0 && (/[|;&<>)\n]/.test(c) || (c === "#" && /\s/.test(rest[i - 1] ?? " ")))) {
            return rest.slice(0, i);
        }
    }
    return rest;
}

function invocationsOf(s: Script): Invocation[] {
    const script = s.script.replace(/\\\r?\n/g, " "); // continuation lines are one command
    return [...script.matchAll(INVOCATION)].map((m) => {
        const text = shellCommand(script.slice(m.index + m[0].length)).trim();
        const tokens = text.split(/\s+/).filter((t) => t !== "");
        const words: string[] = [];
        for (const t of tokens) {
            if (!/^[a-z][a-z-]*$/.test(t)) {
                break;
            }
            words.push(t);
        }
        const flags = [...new Set([...text.matchAll(/(?<![\w-])--[a-z][a-z0-9-]*/g)].map((f) => f[0]))];
        return { where: s.where, file: s.file, job: s.job, text, words, flags };
    });
}
const invocations = allScripts.flatMap(invocationsOf);

/** What the real CLI says to `<words> --help`. */
async function help(words: readonly string[]): Promise<{ code: number; out: string }> {
    let out = "";
    const code = await main([...words, "--help"], {
        env: {},
        stdout: (t) => {
            out += t;
        },
        stderr: (t) => {
            out += t;
        },
    });
    return { code, out };
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Commands that change what runs (a stack, a tag): their workflows must never run twice at once. */
function changesSomething(inv: Invocation): boolean {
    const cmd = inv.words.join(" ");
    return (
        ["deploy", "rollback", "env up", "env down", "env extend", "env reap", "release promote"].includes(cmd) ||
        (cmd === "release check" && inv.flags.includes("--pin"))
    );
}

// ---- GitHub's expression language, the part job conditions and names use ----

type Value = string | number | boolean | null | Dict | unknown[];

function truthy(v: Value): boolean {
    return !(v === false || v === null || v === 0 || v === "" || (typeof v === "number" && Number.isNaN(v)));
}

function toNumber(v: Value): number {
    if (v === null) return 0;
    if (typeof v === "boolean") return v ? 1 : 0;
    if (typeof v === "number") return v;
    if (typeof v === "string") return v.trim() === "" ? 0 : Number(v);
    return Number.NaN;
}

function toText(v: Value): string {
    if (v === null) return "";
    if (typeof v === "object") return JSON.stringify(v);
    return String(v);
}

/** `==` as GitHub has it: strings case-insensitively, other mixed types as numbers. */
function equal(a: Value, b: Value): boolean {
    if (typeof a === "string" && typeof b === "string") return a.toLowerCase() === b.toLowerCase();
    if (typeof a === typeof b && (typeof a !== "object" || a === null || b === null)) return a === b;
    if (typeof a === "object" && a !== null) return a === b;
    return toNumber(a) === toNumber(b);
}

/** Evaluates one expression (the inside of `${{ }}`) against the given contexts. */
function evaluate(expr: string, contexts: Dict): Value {
    const tokens = expr.match(/\s+|'(?:[^']|'')*'|==|!=|<=|>=|&&|\|\||[!<>(),.[\]]|[A-Za-z_][\w-]*|-?\d+(?:\.\d+)?/g) ?? [];
    if (tokens.join("") !== expr) {
        throw new Error(`cannot read the expression ${JSON.stringify(expr)}`);
    }
    const toks = tokens.filter((t) => t.trim() !== "");
    let i = 0;
    const peek = (): string | undefined => toks[i];
    const take = (want?: string): string => {
        const t = toks[i++];
        if (t === undefined || (want !== undefined && t !== want)) {
            throw new Error(`expected ${want ?? "more"} in ${JSON.stringify(expr)}, found ${t ?? "the end"}`);
        }
        return t;
    };
    const functions: Record<string, (...args: Value[]) => Value> = {
        format: (f, ...args) => toText(f).replace(/\{\{|\}\}|\{(\d+)\}/g, (m, n?: string) => (n === undefined ? m[0]! : toText(args[Number(n)] ?? null))),
        contains: (hay, needle) =>
            Array.isArray(hay) ? hay.some((x) => equal(x as Value, needle)) : toText(hay).toLowerCase().includes(toText(needle).toLowerCase()),
        startsWith: (s, p) => toText(s).toLowerCase().startsWith(toText(p).toLowerCase()),
        endsWith: (s, p) => toText(s).toLowerCase().endsWith(toText(p).toLowerCase()),
        success: () => true,
        always: () => true,
        failure: () => false,
        cancelled: () => false,
    };
    const primary = (): Value => {
        const t = take();
        if (t === "(") {
            const v = or();
            take(")");
            return v;
        }
        if (t === "!") return !truthy(primary());
        if (t.startsWith("'")) return t.slice(1, -1).replace(/''/g, "'");
        if (/^-?\d/.test(t)) return Number(t);
        if (t === "true" || t === "false") return t === "true";
        if (t === "null") return null;
        if (peek() === "(") {
            take("(");
            const args: Value[] = [];
            while (peek() !== ")") {
                args.push(or());
                if (peek() === ",") take(",");
            }
            take(")");
            const fn = functions[t];
            if (fn === undefined) throw new Error(`the test knows no function ${t}() (in ${JSON.stringify(expr)})`);
            return fn(...args);
        }
        let v: Value = (contexts[t] as Value) ?? null;
        while (peek() === "." || peek() === "[") {
            let key: Value;
            if (take() === ".") {
                key = take();
            } else {
                key = or();
                take("]");
            }
            v = v !== null && typeof v === "object" ? (((v as Dict)[toText(key)] as Value) ?? null) : null;
        }
        return v;
    };
    const comparison = (): Value => {
        let v = primary();
        for (let op = peek(); op !== undefined && ["==", "!=", "<", ">", "<=", ">="].includes(op); op = peek()) {
            take();
            const r = primary();
            v =
                op === "=="
                    ? equal(v, r)
                    : op === "!="
                      ? !equal(v, r)
                      : op === "<"
                        ? toNumber(v) < toNumber(r)
                        : op === ">"
                          ? toNumber(v) > toNumber(r)
                          : op === "<="
                            ? toNumber(v) <= toNumber(r)
                            : toNumber(v) >= toNumber(r);
        }
        return v;
    };
    const and = (): Value => {
        let v = comparison();
        while (peek() === "&&") {
            take();
            const r = comparison();
            v = truthy(v) ? r : v;
        }
        return v;
    };
    const or = (): Value => {
        let v = and();
        while (peek() === "||") {
            take();
            const r = and();
            v = truthy(v) ? v : r;
        }
        return v;
    };
    const v = or();
    if (i !== toks.length) throw new Error(`unexpected ${toks[i]} in ${JSON.stringify(expr)}`);
    return v;
}

/** A value as a workflow field holds it: `${{ }}` parts evaluated; the whole field one expression when it is one. */
function interpolate(field: string, contexts: Dict): Value {
    const whole = field.trim().match(/^\$\{\{([\s\S]*?)\}\}$/);
    if (whole) return evaluate(whole[1]!.trim(), contexts);
    return field.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, e: string) => toText(evaluate(e.trim(), contexts)));
}

/** A job condition: a bare expression, or one in `${{ }}`; no condition runs. */
function runs(job: Job, contexts: Dict): boolean {
    if (job.if === undefined) return true;
    const cond = String(job.if).trim();
    return truthy(/^\$\{\{[\s\S]*\}\}$/.test(cond) ? interpolate(cond, contexts) : evaluate(cond, contexts));
}

const dispatch = (inputs: Dict): Dict => ({
    inputs,
    github: { event_name: "workflow_dispatch", ref: "refs/heads/main", run_id: "4242", event: { inputs, repository: { default_branch: "main" } } },
    vars: {},
    steps: {},
});

function environmentOf(job: Job, contexts: Dict): string | undefined {
    const e = job.environment;
    const name = typeof e === "string" ? e : e?.name;
    return name === undefined ? undefined : toText(interpolate(name, contexts));
}

function concurrencyGroup(c: string | Dict | undefined, contexts: Dict): string | undefined {
    const group = typeof c === "string" ? c : typeof c?.group === "string" ? c.group : undefined;
    return group === undefined ? undefined : toText(interpolate(group, contexts));
}

// ---- the summary script ----

function runSummary(kind: string | undefined, json: string | undefined, opts: { summaryFile?: string | null } = {}) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-summary-"));
    try {
        const file = path.join(dir, "result.json");
        if (json !== undefined) {
            fs.writeFileSync(file, json);
        }
        const summary = opts.summaryFile === undefined ? path.join(dir, "summary.md") : opts.summaryFile;
        const env: NodeJS.ProcessEnv = { ...process.env };
        delete env.GITHUB_STEP_SUMMARY;
        if (summary !== null) {
            env.GITHUB_STEP_SUMMARY = summary;
        }
        const args = [SUMMARY_SCRIPT, ...(kind === undefined ? [] : [kind, file])];
        const r = spawnSync(process.execPath, args, { env, encoding: "utf8", timeout: 30_000 });
        const written = summary !== null && fs.existsSync(summary) && fs.statSync(summary).isFile() ? fs.readFileSync(summary, "utf8") : "";
        return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, summary: written };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const HEALTHY = {
    healthy: true,
    services: [{ service: "proxy-server", url: "https://1-2-3-rc-1.step-studio.be/health", healthy: true, seen: "HTTP 200", streak: 3 }],
    notReachable: [{ service: "pnp-server", reason: "its health path is routed to proxy-server" }],
    elapsedMs: 42_000,
};
const DIGEST = `sha256:${"a".repeat(64)}`;
const FRONTEND = `sha256:${"f".repeat(64)}`;

/** One sample per kind, shaped as vnv prints it with --json, and rows the summary must hold. */
const SAMPLES: Record<string, { json: unknown; rows: string[] }> = {
    up: {
        json: {
            stack: "v1-2-3-rc-1",
            version: "v1.2.3-rc.1",
            url: "https://1-2-3-rc-1.step-studio.be",
            created: true,
            expiresAt: "2026-11-27T18:00:00.000Z",
            outputs: { url: "https://1-2-3-rc-1.step-studio.be", imageDigests: { "proxy-server": DIGEST, frontend: FRONTEND } },
            auth: { ok: true, uris: 5 },
            health: HEALTHY,
            steps: [
                { step: "check images", ms: 1200 },
                { step: "engine update", ms: 95_000 },
            ],
        },
        rows: [
            "| Stack | v1-2-3-rc-1 |",
            "| Version | v1.2.3-rc.1 |",
            "| URL | https://1-2-3-rc-1.step-studio.be |",
            "| Created | yes |",
            "| Expires | 2026-11-27T18:00:00.000Z |",
            "| Health | healthy |",
            "| Redirect list | updated (5 URIs) |",
            `| proxy-server | \`${DIGEST}\` |`,
            `| frontend | \`${FRONTEND}\` |`,
            "| proxy-server | https://1-2-3-rc-1.step-studio.be/health | yes | HTTP 200 |",
            "| engine update | 95.0 s |",
        ],
    },
    deploy: {
        json: {
            stack: "prod",
            version: "v1.2.3",
            url: "https://studio.step-studio.be",
            digests: { "proxy-server": DIGEST },
            health: { ...HEALTHY, healthy: false, services: [{ ...HEALTHY.services[0], healthy: false, seen: "HTTP 503", streak: 0 }] },
            steps: [{ step: "engine update", ms: 300_000 }],
            rolledBackFrom: { version: "v1.2.4|<b>" }, // vnv rollback's result is a deploy's, with what it left
        },
        rows: [
            "| Stack | prod |",
            "| Version | v1.2.3 |",
            "| URL | https://studio.step-studio.be |",
            "| Expires | never (a long-lived stack) |",
            "| Health | **not healthy** |",
            "| Rolled back from | v1.2.4\\|&lt;b&gt; |",
            `| proxy-server | \`${DIGEST}\` |`,
            "| proxy-server | https://1-2-3-rc-1.step-studio.be/health | **no** | HTTP 503 |",
        ],
    },
    status: {
        json: {
            stack: "v1-2-3-rc-1",
            version: "v1.2.3-rc.1",
            url: "https://1-2-3-rc-1.step-studio.be",
            expiresAt: "2026-11-27T18:00:00.000Z",
            health: HEALTHY,
        },
        rows: [
            "| Version | v1.2.3-rc.1 |",
            "| Expires | 2026-11-27T18:00:00.000Z |",
            "| Health | healthy |",
            "| pnp-server | — | left to its target group | its health path is routed to proxy-server |",
        ],
    },
    extend: {
        json: { stack: "v1-2-3-rc-1", expiresAt: "2026-11-28T12:00:00.000Z" },
        rows: ["| Stack | v1-2-3-rc-1 |", "| Expires | 2026-11-28T12:00:00.000Z |"],
    },
    sleep: {
        json: {
            stack: "v1-2-3-rc-1",
            asleep: true,
            services: [
                { service: "proxy-server", tasks: 0 },
                { service: "redis", tasks: 0 },
            ],
            state: { asleep: true, by: "demand", until: "2026-12-03T18:00:00.000Z" },
        },
        rows: ["| Stack | v1-2-3-rc-1 |", "| Asleep | yes |", "| Until | 2026-12-03T18:00:00.000Z |", "| Services | proxy-server 0, redis 0 |"],
    },
    wake: {
        json: {
            stack: "v1-2-3-rc-1",
            asleep: false,
            services: [{ service: "proxy-server", tasks: 1 }],
            state: { asleep: false, by: "demand", until: "2026-12-02T22:00:00.000Z" },
            health: { healthy: true, services: [], notReachable: [], elapsedMs: 1 },
        },
        rows: ["| Asleep | no |", "| Services | proxy-server 1 |", "| Healthy | yes |"],
    },
    snapshot: {
        json: {
            stack: "v1-2-3-rc-1",
            version: "v1.2.3-rc.1",
            dataset: { image: "ghcr.io/infrasoftbe/infrasoft-vnv-dataset", tag: "brakes-edge-case", digest: `sha256:${"e".repeat(64)}` },
            reference: `ghcr.io/infrasoftbe/infrasoft-vnv-dataset:brakes-edge-case@sha256:${"e".repeat(64)}`,
            from: { image: "ghcr.io/infrasoftbe/infrasoft-vnv-dataset", tag: "2026.11", digest: `sha256:${"d".repeat(64)}` },
            files: 2,
            bytes: 1048576,
            size: 524288,
            steps: [],
        },
        rows: [
            "| Stack | v1-2-3-rc-1 |",
            `| Dataset | ghcr.io/infrasoftbe/infrasoft-vnv-dataset:brakes-edge-case@sha256:${"e".repeat(64)} |`,
            "| From | 2026.11 |",
            "| Files | 2 |",
            "| Bytes | 1048576 |",
        ],
    },
    down: {
        json: { stack: "v1-2-3-rc-1", auth: { ok: false, error: "locked | try later" } },
        rows: ["| Stack | v1-2-3-rc-1 |", "| Destroyed | yes, and its stack removed |", "| Redirect list | **not updated**: locked \\| try later |"],
    },
    promote: {
        json: {
            release: "v1.2.3",
            from: "v1.2.3-rc.4",
            envTag: "prod",
            steps: [
                {
                    service: "proxy-server",
                    image: "ghcr.io/infrasoftbe/infrasoft-vnv-proxy-server",
                    digest: DIGEST,
                    mediaType: "application/vnd.oci.image.index.v1+json",
                    write: ["v1.2.3", "prod"],
                    unchanged: [],
                },
            ],
            dryRun: false,
            written: [
                { service: "proxy-server", tag: "v1.2.3", digest: DIGEST },
                { service: "proxy-server", tag: "prod", digest: DIGEST },
            ],
        },
        rows: [
            "| Release | v1.2.3 |",
            "| From | v1.2.3-rc.4 |",
            "| Environment tag | prod |",
            "| Dry run | no |",
            "| Tags written | 2 |",
            `| proxy-server | \`ghcr.io/infrasoftbe/infrasoft-vnv-proxy-server\` | \`${DIGEST}\` | v1.2.3, prod | — |`,
        ],
    },
    reap: {
        json: {
            now: "2026-11-27T08:00:00.000Z",
            dryRun: false,
            destroyed: ["v1-2-3-rc-1"],
            wouldDestroy: [],
            skipped: [{ stack: "v1-2-4-rc-1", reason: "expires in 2h" }],
            failed: [{ stack: "v1-2-2-rc-9", reason: "locked by another run" }],
            auth: { ok: true, uris: 3 },
            noticed: ["v1-2-4-rc-1"],
        },
        rows: [
            "| Dry run | no |",
            "| Destroyed | 1 |",
            "| Failed | 1 |",
            "| v1-2-3-rc-1 | destroyed | — |",
            "| v1-2-2-rc-9 | **failed** | locked by another run |",
            "| v1-2-4-rc-1 | skipped | expires in 2h |",
            "| v1-2-4-rc-1 | announced: expires soon | — |",
        ],
    },
    drift: {
        json: {
            stack: "prod",
            checkedAt: "2026-11-27T06:41:00.000Z",
            drifted: [
                {
                    urn: "urn:pulumi:prod::vnv::aws:s3/bucketV2:BucketV2::vnv-frontend",
                    type: "aws:s3/bucketV2:BucketV2",
                    change: "changed",
                    keys: ["tags", "versioning"],
                },
            ],
            unchanged: 41,
        },
        rows: ["| Stack | prod |", "| Drifted | 1 |", "| changed | `urn:pulumi:prod::vnv::aws:s3/bucketV2:BucketV2::vnv-frontend` | tags, versioning |"],
    },
    check: {
        json: {
            version: "v1.2.3",
            images: [
                { service: "proxy-server", image: "ghcr.io/infrasoftbe/infrasoft-vnv-proxy-server", tag: "v1.2.3", digest: DIGEST },
                { service: "redis", image: "docker.io/library/redis", tag: "7.4-alpine", problem: "docker.io/library/redis:7.4-alpine does not exist" },
            ],
            missing: ["redis (docker.io/library/redis:7.4-alpine)"],
            digests: { "proxy-server": DIGEST },
        },
        rows: [
            "| Version | v1.2.3 |",
            "| Missing | 1 |",
            `| proxy-server | \`ghcr.io/infrasoftbe/infrasoft-vnv-proxy-server:v1.2.3\` | \`${DIGEST}\` |`,
            "| redis | `docker.io/library/redis:7.4-alpine` | **missing**: docker.io/library/redis:7.4-alpine does not exist |",
        ],
    },
};

SAMPLES.verify = {
    json: {
        checked: 2,
        moved: ["v1.2.3"],
        verdicts: [
            { version: "v1.2.4", recorded: "promoted 2026-11-27T10:00:00.000Z by ana", moved: [], gone: [], unchecked: [] },
            {
                version: "v1.2.3",
                recorded: "promoted 2026-11-20T10:00:00.000Z by bob",
                moved: [{ service: "proxy-server", image: "ghcr.io/infrasoftbe/infrasoft-vnv-proxy-server", tag: "1.2.3", recorded: DIGEST, now: FRONTEND }],
                gone: [],
                unchecked: [],
            },
        ],
        unrecorded: ["v0.9.0"],
    },
    rows: [
        "| Releases checked | 2 |",
        "| Moved | **v1.2.3** |",
        "| Without a record | v0.9.0 |",
        "| v1.2.4 | promoted 2026-11-27T10:00:00.000Z by ana | as released |",
        `| v1.2.3 | promoted 2026-11-20T10:00:00.000Z by bob | **moved**: proxy-server \`ghcr.io/infrasoftbe/infrasoft-vnv-proxy-server:1.2.3\` now \`${FRONTEND}\`, released as \`${DIGEST}\` |`,
    ],
};

// ---- the rules ----

describe("workflows (.github/workflows)", () => {
    it("are the front door: deploy, promote, environment, smoke, reap, preview, drift and verify-releases, each with jobs and scripts", () => {
        for (const file of ["deploy.yml", "promote.yml", "environment.yml", "smoke.yml", "reap.yml", "preview.yml", "drift.yml", "verify-releases.yml"]) {
            assert.ok(Object.keys(byFile(file).jobs).length > 0, `${file} has no jobs`);
        }
        assert.ok(allScripts.length >= 20, `only ${allScripts.length} run: scripts found`);
        assert.ok(invocations.length >= 12, `only ${invocations.length} vnv invocations found`);
    });

    it("never put an input into a run: script (inputs go through env:, quoted)", () => {
        const found: string[] = [];
        for (const s of allScripts) {
            for (const m of s.script.matchAll(/\$\{\{([\s\S]*?)\}\}/g)) {
                if (/(?:^|[^\w.])(?:github\.event\.)?inputs\b/.test(m[1]!)) {
                    found.push(`${s.where}: ${m[0]}`);
                }
            }
        }
        assert.deepEqual(found, []);
    });

    it("pass every value from outside as an operand only after `--`, so a value such as --help is never read as an option", () => {
        const loose: string[] = [];
        for (const inv of invocations) {
            // `${VAR:+--flag "$VAR"}` is a flag given only when VAR is set: its first token is a flag.
            const tokens = inv.text.split(/\s+/).filter((t) => t !== "");
            let operands = false;
            tokens.forEach((t, i) => {
                if (t === "--") {
                    operands = true;
                } else if (/^"?\$/.test(t) && !/^\$\{\w+:\+--[a-z]/.test(t) && !operands && !/--[a-z][a-z0-9-]*$/.test(tokens[i - 1] ?? "")) {
                    loose.push(`${inv.where}: ${t} in ${inv.text}`);
                }
            });
        }
        assert.deepEqual(loose, []);
    });

    it("an operand after `--` that looks like an option is refused as the value it stands for (exit 2)", async () => {
        let err = "";
        const code = await main(["env", "status", "--json", "--", "--help"], { env: {}, stdout: () => undefined, stderr: (t) => (err += t) });
        assert.equal(code, 2);
        assert.match(err, /"--help"/);
    });

    it("call vnv only with commands and flags the CLI has (its --help)", async () => {
        const problems: string[] = [];
        const helps = new Map<string, { code: number; out: string }>();
        for (const inv of invocations) {
            const command = inv.words.join(" ");
            if (inv.words.length === 0) {
                problems.push(`${inv.where}: \`vnv ${inv.text}\` names no command`);
                continue;
            }
            if (!helps.has(command)) {
                helps.set(command, await help(inv.words));
            }
            const h = helps.get(command)!;
            // An unknown command shows its parent's help with exit code 0: the usage line says whose it is.
            const usage = h.out.match(/^Usage: (.*)$/m)?.[1] ?? "";
            if (h.code !== 0 || !new RegExp(`^vnv ${escapeRe(command)}(?: |$)`).test(usage)) {
                problems.push(`${inv.where}: vnv has no command \`${command}\` (\`vnv ${command} --help\` exits ${h.code}, usage: ${usage || "none"})`);
                continue;
            }
            for (const flag of inv.flags) {
                if (!new RegExp(`(?:^|[\\s,])${escapeRe(flag)}(?=[\\s,=]|$)`, "m").test(h.out)) {
                    problems.push(`${inv.where}: \`vnv ${command}\` has no flag ${flag}`);
                }
            }
        }
        assert.deepEqual(problems, []);
    });

    it("give id-token: write to every job that assumes an AWS role (OIDC)", () => {
        const missing: string[] = [];
        let assuming = 0;
        for (const wf of workflows) {
            for (const [jobId, job] of Object.entries(wf.jobs)) {
                const assumes = (job.steps ?? []).some(
                    (s) => /^aws-actions\/configure-aws-credentials@/.test(s.uses ?? "") && s.with?.["role-to-assume"] !== undefined,
                );
                if (!assumes) continue;
                assuming++;
                // A job's own permissions replace the workflow's entirely.
                const perms = job.permissions ?? wf.permissions;
                const ok = perms === "write-all" || (typeof perms === "object" && perms !== null && perms["id-token"] === "write");
                if (!ok) missing.push(`${wf.file} › ${jobId}`);
            }
        }
        assert.ok(assuming >= 7, `only ${assuming} jobs assume an AWS role`);
        assert.deepEqual(missing, []);
    });

    it("deploy prod in the production GitHub environment (required reviewers), and nothing else there", () => {
        const wf = byFile("deploy.yml");
        for (const target of ["prod", "dev", "ephemeral"]) {
            const ctx = dispatch({ environment: target, version: target === "ephemeral" ? "v1.2.3-rc.1" : "v1.2.3", ttl: "", owner: "" });
            const running = Object.entries(wf.jobs).filter(([, job]) => runs(job, ctx));
            const deploying = running.filter(([, job]) =>
                (job.steps ?? []).some(
                    (s) => typeof s.run === "string" && invocationsOf({ where: "", file: "", job: "", script: s.run }).some(changesSomething),
                ),
            );
            assert.ok(deploying.length > 0, `no job deploys ${target}`);
            for (const [jobId, job] of running) {
                const environment = environmentOf(job, ctx);
                if (target === "prod") {
                    assert.equal(environment, "production", `deploy.yml › ${jobId} runs for prod in ${environment ?? "no environment"}`);
                } else {
                    assert.notEqual(environment, "production", `deploy.yml › ${jobId} runs for ${target} in production (its reviewers would gate it)`);
                }
            }
        }
    });

    it("roll prod back from deploy.yml in production with vnv rollback only (no release check, no deploy); elsewhere a rollback is refused", () => {
        const wf = byFile("deploy.yml");
        const commandsRun = (inputs: Dict) => {
            const ctx = dispatch({ ttl: "", owner: "", ...inputs, rollback: true });
            const running = Object.entries(wf.jobs).filter(([, job]) => runs(job, ctx));
            const commands = running.flatMap(([, job]) =>
                (job.steps ?? [])
                    .map((step) => ({ step, found: invocationsOf({ where: "", file: "", job: "", script: typeof step.run === "string" ? step.run : "" }) }))
                    .filter(({ step, found }) => found.length > 0 && runs(step as Job, ctx))
                    .flatMap(({ found }) => found.map((i) => [i.words.join(" "), ...i.flags].join(" "))),
            );
            return { jobs: running.map(([id, job]) => [id, environmentOf(job, ctx)]), commands };
        };
        const prod = commandsRun({ environment: "prod", version: "v1.2.3" });
        assert.deepEqual(prod.jobs, [["pinned", "production"]]);
        assert.deepEqual(prod.commands, ["rollback --yes --json --from"]);
        const ephemeral = commandsRun({ environment: "ephemeral", version: "v1.2.3-rc.1" });
        assert.deepEqual(ephemeral.jobs, [["rollback-refused", undefined]]);
        assert.deepEqual(ephemeral.commands, []);
    });

    it("promote only after a reviewer of the release environment approved, with the dry run's log to read first", () => {
        const wf = byFile("promote.yml");
        const ctx = dispatch({ release: "v1.2.3", candidate: "" });
        const promoting = invocations.filter((i) => i.file === "promote.yml" && i.words.join(" ") === "release promote");
        const writes = promoting.filter((i) => !i.flags.includes("--dry-run"));
        const dryRuns = promoting.filter((i) => i.flags.includes("--dry-run"));
        assert.ok(writes.length > 0 && dryRuns.length > 0);
        for (const w of writes) {
            const job = wf.jobs[w.job]!;
            assert.equal(environmentOf(job, ctx), "release", `${w.where} runs without the release environment's reviewers`);
            const needs = [job.needs ?? []].flat();
            assert.ok(
                dryRuns.every((d) => needs.includes(d.job)),
                `${w.where} does not wait for the dry run (${dryRuns.map((d) => d.job).join(", ")})`,
            );
        }
    });

    it("verify every recorded release on a schedule: release verify --json with the webhook, its job summary, and OIDC", () => {
        const wf = byFile("verify-releases.yml") as Workflow & { on?: { schedule?: Array<{ cron?: string }> } };
        assert.ok(
            (wf.on?.schedule ?? []).some((s) => typeof s.cron === "string"),
            "verify-releases.yml has no schedule",
        );
        const verifying = invocations.filter((i) => i.file === "verify-releases.yml" && i.words.join(" ") === "release verify");
        assert.equal(verifying.length, 1);
        assert.ok(verifying[0]!.flags.includes("--json"));
        const job = wf.jobs[verifying[0]!.job]!;
        const env = { ...((wf as { env?: Dict }).env ?? {}), ...((job as { env?: Dict }).env ?? {}) };
        assert.match(String(env.VNV_WEBHOOK_URL), /secrets\.VNV_WEBHOOK_URL/, "a moved release is announced through the webhook");
        assert.match(String(env.PULUMI_BACKEND_URL), /vars\.PULUMI_BACKEND_URL/, "the records live in the history on the backend");
        assert.ok(
            (job.steps ?? []).some((s) => s.run === "node .github/scripts/summary.cjs verify verify.json"),
            "no job summary of the verification",
        );
    });

    it("queue every workflow that deploys: a concurrency group with cancel-in-progress false", () => {
        const problems: string[] = [];
        const deploying = workflows.filter((wf) => invocations.some((inv) => inv.file === wf.file && changesSomething(inv)));
        for (const wf of deploying) {
            const jobs = [...new Set(invocations.filter((inv) => inv.file === wf.file && changesSomething(inv)).map((inv) => inv.job))];
            for (const jobId of jobs) {
                const c = wf.jobs[jobId]?.concurrency ?? wf.concurrency;
                if (typeof c !== "object" || c === null) {
                    problems.push(`${wf.file} › ${jobId}: no concurrency (or no explicit cancel-in-progress)`);
                } else if (typeof c.group !== "string" || c.group.trim() === "") {
                    problems.push(`${wf.file} › ${jobId}: concurrency without a group`);
                } else if (c["cancel-in-progress"] !== false) {
                    problems.push(`${wf.file} › ${jobId}: cancel-in-progress is ${JSON.stringify(c["cancel-in-progress"])}, not false`);
                }
            }
        }
        assert.deepEqual(
            deploying.map((wf) => wf.file),
            ["deploy.yml", "environment.yml", "promote.yml", "reap.yml", "smoke.yml"],
        );
        assert.deepEqual(problems, []);
    });

    it("queue deploys per stack (prod, dev) and per version (ephemeral), and env extend/down behind an env up of the same version", () => {
        const deploy = byFile("deploy.yml");
        const environment = byFile("environment.yml");
        const group = (wf: Workflow, inputs: Dict) => concurrencyGroup(wf.concurrency, dispatch(inputs));
        const d = (environment: string, version: string) => group(deploy, { environment, version });
        assert.equal(d("prod", "v1.2.3"), d("prod", "v1.2.4"), "two prod deploys may run at once");
        assert.equal(d("dev", "v1.2.3-rc.1"), d("dev", "v1.2.4-rc.1"), "two dev deploys may run at once");
        assert.notEqual(d("prod", "v1.2.3"), d("dev", "v1.2.3"));
        assert.notEqual(d("ephemeral", "v1.2.3-rc.1"), d("ephemeral", "v1.2.3-rc.2"), "ephemeral environments of different versions wait for each other");
        assert.notEqual(d("ephemeral", "v1.2.3-rc.1"), d("dev", "v1.2.3-rc.1"));
        for (const action of ["extend", "down"]) {
            assert.equal(
                group(environment, { action, version: "v1.2.3-rc.1", ttl: "1d" }),
                d("ephemeral", "v1.2.3-rc.1"),
                `env ${action} does not wait for env up`,
            );
        }
        assert.notEqual(group(environment, { action: "status", version: "v1.2.3-rc.1" }), d("ephemeral", "v1.2.3-rc.1"), "status waits for nothing");
    });
});

describe("the job summary (.github/scripts/summary.cjs)", () => {
    for (const [kind, sample] of Object.entries(SAMPLES)) {
        it(`summarises ${kind} results as tables`, () => {
            const r = runSummary(kind, JSON.stringify(sample.json, null, 2));
            assert.equal(r.status, 0, r.stderr);
            assert.match(r.summary, /^### vnv /);
            const lines = r.summary.split("\n");
            for (const row of sample.rows) {
                assert.ok(lines.includes(row), `no row ${row} in:\n${r.summary}`);
            }
        });
    }

    it("says when a checked release's tags moved since it was released", () => {
        const moved = {
            ...(SAMPLES.check!.json as Dict),
            released: "promoted 2026-11-20T10:00:00.000Z by bob",
            moved: [{ service: "proxy-server", tag: "1.2.3" }],
        };
        const lines = runSummary("check", JSON.stringify(moved)).summary.split("\n");
        assert.ok(lines.includes("| Released | promoted 2026-11-20T10:00:00.000Z by bob |"), lines.join("\n"));
        assert.ok(lines.includes("| Moved since released | **proxy-server:1.2.3** |"), lines.join("\n"));
    });

    it("appends, so several results share one summary", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-summary-"));
        try {
            const summary = path.join(dir, "summary.md");
            fs.writeFileSync(summary, "before\n");
            runSummary("extend", JSON.stringify(SAMPLES.extend!.json), { summaryFile: summary });
            runSummary("down", JSON.stringify(SAMPLES.down!.json), { summaryFile: summary });
            const text = fs.readFileSync(summary, "utf8");
            assert.ok(text.startsWith("before\n"));
            assert.ok(text.indexOf("### vnv env extend") < text.indexOf("### vnv env down"));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("says so in one line, and exits 0, on garbage: not JSON, empty, missing, not an object, wrong shapes, unknown kinds", () => {
        const cases: Array<[string | undefined, string | undefined, RegExp]> = [
            ["up", "garbage{", /is not JSON/],
            ["deploy", "", /wrote no result/],
            ["status", undefined, /cannot be read/],
            ["reap", "[1, 2]", /not a result of vnv env reap \(an array\)/],
            ["promote", "null", /\(null\)/],
            ["check", '"text"', /\(a string\)/],
            ["bogus", "{}", /unknown kind of result/],
            ["__proto__", "{}", /unknown kind of result/],
            [undefined, undefined, /unknown kind of result/],
        ];
        for (const [kind, json, said] of cases) {
            const r = runSummary(kind, json);
            assert.equal(r.status, 0, `${kind}: exit ${r.status} ${r.signal ?? ""} ${r.stderr}`);
            assert.match(r.summary, said, `${kind} ${json}`);
            assert.equal(r.stderr, "", `${kind}: ${r.stderr}`);
        }
        // Objects of the wrong shape: every field the wrong type; still a summary, no crash.
        const shapes = [
            { stack: 1, version: {}, url: [], health: "yes", steps: 5, outputs: null, digests: [1], auth: "no", created: "maybe" },
            { health: { services: "x", notReachable: [null, 3, "a"] }, steps: [null, { step: {}, ms: "x" }], digests: { a: { b: 1 } } },
            { images: [null, 1, { image: 3 }], missing: "all", steps: [null], written: {}, destroyed: "x", failed: [null], skipped: [{}] },
        ];
        for (const kind of Object.keys(SAMPLES)) {
            for (const shape of shapes) {
                const r = runSummary(kind, JSON.stringify(shape));
                assert.equal(r.status, 0, `${kind}: ${r.stderr}`);
                assert.match(r.summary, /^### vnv /, kind);
                assert.equal(r.stderr, "", `${kind}: ${r.stderr}`);
            }
        }
    });

    it("keeps hostile values inside their cell: no new rows, no HTML, no early end of a code span", () => {
        const json = {
            stack: "x",
            version: "v1.2.3\n| injected | row |\n<script>alert(1)</script>",
            url: "https://a|b",
            digests: { "a`b": "sha256:`| x" },
            health: { healthy: true, services: [], notReachable: [] },
            steps: [],
        };
        const r = runSummary("deploy", JSON.stringify(json));
        assert.equal(r.status, 0, r.stderr);
        const lines = r.summary.split("\n");
        assert.ok(!lines.some((l) => l.startsWith("| injected")), r.summary);
        assert.ok(!r.summary.includes("<script>"), r.summary);
        assert.ok(lines.includes("| Version | v1.2.3 \\| injected \\| row \\| &lt;script&gt;alert(1)&lt;/script&gt; |"), r.summary);
        assert.ok(lines.includes("| URL | https://a\\|b |"), r.summary);
        assert.ok(lines.includes("| a\\`b | `sha256:'\\| x` |"), r.summary);
    });

    it("writes to stdout without GITHUB_STEP_SUMMARY, and never fails when the summary cannot be written", () => {
        const out = runSummary("extend", JSON.stringify(SAMPLES.extend!.json), { summaryFile: null });
        assert.equal(out.status, 0);
        assert.match(out.stdout, /\| Expires \| 2026-11-28T12:00:00.000Z \|/);
        const unwritable = runSummary("extend", JSON.stringify(SAMPLES.extend!.json), { summaryFile: os.tmpdir() }); // a directory
        assert.equal(unwritable.status, 0);
        assert.match(unwritable.stderr, /cannot write the job summary/);
    });

    it("is what the workflows run: every summary step names a kind the script knows and a file a step before tees", () => {
        const known = Object.keys(SAMPLES);
        const problems: string[] = [];
        for (const wf of workflows) {
            for (const [jobId, job] of Object.entries(wf.jobs)) {
                const steps = job.steps ?? [];
                steps.forEach((step, i) => {
                    const m = typeof step.run === "string" ? step.run.match(/node \.github\/scripts\/summary\.cjs (\S+) (\S+)/) : null;
                    if (m === null) return;
                    const [, kind, file] = m as unknown as [string, string, string];
                    if (!String(step.if ?? "").includes("always()") || !String(step.if ?? "").includes(`hashFiles('${file}')`)) {
                        problems.push(`${wf.file} › ${jobId}: the summary of ${file} is not written with if: always() && hashFiles('${file}') != ''`);
                    }
                    if (kind !== '"$ACTION"' && !known.includes(kind)) {
                        problems.push(`${wf.file} › ${jobId}: unknown kind ${kind}`);
                    }
                    const teed = steps.slice(0, i).some((s) => typeof s.run === "string" && new RegExp(`\\| tee ${escapeRe(file)}(?:\\s|$)`).test(s.run));
                    if (!teed) problems.push(`${wf.file} › ${jobId}: no step before tees ${file}`);
                });
            }
        }
        assert.deepEqual(problems, []);
        // environment.yml passes its action as the kind: each choice must be one.
        const action = (
            parse(fs.readFileSync(path.join(WORKFLOWS, "environment.yml"), "utf8")) as {
                on: { workflow_dispatch: { inputs: { action: { options: string[] } } } };
            }
        ).on.workflow_dispatch.inputs.action.options;
        assert.deepEqual(
            action.filter((a) => !known.includes(a)),
            [],
        );
        // The script's own list agrees with the samples: every kind it handles is tested here.
        const script = execFileSync(
            process.execPath,
            ["-e", `process.stdout.write(JSON.stringify(Object.keys(require(${JSON.stringify(SUMMARY_SCRIPT)}).KINDS)))`],
            {
                encoding: "utf8",
            },
        );
        assert.deepEqual(JSON.parse(script).sort(), [...known].sort());
    });
});
