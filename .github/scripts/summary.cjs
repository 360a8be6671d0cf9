// Appends a Markdown summary of one vnv result to the job summary, for the workflows in
// .github/workflows: the step runs vnv with --json and tees it into a file, and a later step
// (`if: always()`, so a failed deploy still shows what it saw) runs
//
//   node .github/scripts/summary.cjs <kind> <file.json>
//
// kinds: up (env up), deploy, status (env status), extend (env extend), down (env down), sleep and wake (env sleep|wake), snapshot (env snapshot),
// promote (release promote), reap (env reap), check (release check), drift (vnv drift), verify (release verify). Tables of version, URL,
// expiry, health, digests and steps go to $GITHUB_STEP_SUMMARY (stdout without it).
//
// It never fails the step and never throws: a missing, empty or unparsable file, an unknown kind
// or a result of an unexpected shape is one line saying so. Every value is treated as text from
// elsewhere: escaped for a table cell, one line, cut to a bounded length. No dependencies.
"use strict";
const fs = require("node:fs");

const MAX_ROWS = 200; // rows of one table; the rest is counted
const MAX_CELL = 400; // characters of one cell

const KINDS = {
    up: { label: "env up", render: renderUp },
    deploy: { label: "deploy", render: renderDeploy },
    status: { label: "env status", render: renderStatus },
    extend: { label: "env extend", render: renderExtend },
    down: { label: "env down", render: renderDown },
    sleep: { label: "env sleep", render: renderSleep },
    wake: { label: "env wake", render: renderSleep },
    snapshot: { label: "env snapshot", render: renderSnapshot },
    promote: { label: "release promote", render: renderPromote },
    reap: { label: "env reap", render: renderReap },
    check: { label: "release check", render: renderCheck },
    drift: { label: "drift", render: renderDrift },
    verify: { label: "release verify", render: renderVerify },
};

// ---- values from the result: read defensively, never trusted ----

function isObject(v) {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}
function obj(v) {
    return isObject(v) ? v : {};
}
function arr(v) {
    return Array.isArray(v) ? v : [];
}
/** A scalar as text; undefined for anything else (objects, arrays, null). */
function text(v) {
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    return undefined;
}
function oneLine(s) {
    const line = s.replace(/[\r\n\t\u2028\u2029]+/g, " ").trim();
    return line.length > MAX_CELL ? `${line.slice(0, MAX_CELL)}…` : line;
}

/** A table cell: one line, Markdown and HTML that would break the table or the page escaped. */
function cell(v) {
    const s = text(v);
    if (s === undefined || s === "") return "—";
    return oneLine(s)
        .replace(/\\/g, "\\\\")
        .replace(/\|/g, "\\|")
        .replace(/</g, "&lt;")
        .replace(/>/g, "&gt;")
        .replace(/([`*_[\]])/g, "\\$1");
}

/** A code span (digests, images, tags): backticks cannot close it early; pipes escaped for the table. */
function code(v) {
    const s = text(v);
    if (s === undefined || s === "") return "—";
    return `\`${oneLine(s).replace(/`/g, "'").replace(/\|/g, "\\|")}\``;
}

function yesNo(v, yes = "yes", no = "no") {
    return v === true ? yes : v === false ? no : "—";
}

function seconds(ms) {
    return typeof ms === "number" && Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : "—";
}

function table(headers, rows) {
    const shown = rows.slice(0, MAX_ROWS);
    const lines = [`| ${headers.join(" | ")} |`, `| ${headers.map(() => "---").join(" | ")} |`, ...shown.map((r) => `| ${r.join(" | ")} |`)];
    if (rows.length > shown.length) {
        lines.push("", `… and ${rows.length - shown.length} more (the whole result is in the step's log)`);
    }
    return [...lines, ""];
}

/** The key/value table every result starts with. */
function facts(pairs) {
    return table(["", ""], pairs);
}

function section(title, lines) {
    return lines.length === 0 ? [] : [`#### ${title}`, "", ...lines];
}

// ---- the parts results share ----

function healthWord(health) {
    if (!isObject(health)) return "not checked";
    if (health.healthy === true) return "healthy";
    if (health.healthy === false) return "**not healthy**";
    return "—";
}

function healthTable(health) {
    const h = obj(health);
    const services = arr(h.services).map((s) => {
        const o = obj(s);
        return [cell(o.service), cell(o.url), yesNo(o.healthy, "yes", "**no**"), cell(o.seen)];
    });
    const elsewhere = arr(h.notReachable).map((s) => {
        const o = obj(s);
        return [cell(o.service), "—", "left to its target group", cell(o.reason)];
    });
    const rows = [...services, ...elsewhere];
    return rows.length === 0 ? [] : section("Health", table(["Service", "URL", "Healthy", "Last answer"], rows));
}

function digestsOf(r) {
    const outputs = obj(r.outputs);
    for (const candidate of [r.digests, outputs.imageDigests, outputs.digests]) {
        if (isObject(candidate)) return candidate;
    }
    return undefined;
}

function digestTable(digests) {
    const rows = Object.entries(obj(digests)).map(([service, digest]) => [cell(service), code(digest)]);
    return rows.length === 0 ? [] : section("Digests", table(["Service", "Digest"], rows));
}

function stepsTable(steps) {
    const rows = arr(steps).map((s) => [cell(obj(s).step), seconds(obj(s).ms)]);
    return rows.length === 0 ? [] : section("Steps", table(["Step", "Time"], rows));
}

function authWord(auth) {
    if (!isObject(auth)) return "—";
    if (auth.ok === true) return `updated (${cell(auth.uris)} URIs)`;
    if (auth.ok === false) return `**not updated**: ${cell(auth.error)}`;
    return "—";
}

// ---- one renderer per kind: the result's object → lines ----

function renderUp(r) {
    return [
        ...facts([
            ["Stack", cell(r.stack)],
            ["Version", cell(r.version)],
            ["URL", cell(r.url)],
            ["Created", yesNo(r.created, "yes", "no (updated in place)")],
            ["Expires", cell(r.expiresAt)],
            ["Health", healthWord(r.health)],
            ["Redirect list", authWord(r.auth)],
        ]),
        ...digestTable(digestsOf(r)),
        ...healthTable(r.health),
        ...stepsTable(r.steps),
    ];
}

function renderDeploy(r) {
    return [
        ...facts([
            ["Stack", cell(r.stack)],
            ["Version", cell(r.version)],
            ["URL", cell(r.url)],
            ["Expires", r.expiresAt === undefined ? "never (a long-lived stack)" : cell(r.expiresAt)],
            ["Health", healthWord(r.health)],
            ...(r.rolledBackFrom == null ? [] : [["Rolled back from", cell(r.rolledBackFrom.version)]]),
        ]),
        ...digestTable(digestsOf(r)),
        ...healthTable(r.health),
        ...stepsTable(r.steps),
    ];
}

function renderStatus(r) {
    return [
        ...facts([
            ["Stack", cell(r.stack)],
            ["Version", cell(r.version)],
            ["URL", cell(r.url)],
            ["Expires", cell(r.expiresAt)],
            ["Health", healthWord(r.health)],
        ]),
        ...healthTable(r.health),
    ];
}

function renderExtend(r) {
    return facts([["Stack", cell(r.stack)], ["Expires", cell(r.expiresAt)], ...(r.keep === undefined ? [] : [["Kept", cell(r.keep)]])]);
}

function renderSnapshot(r) {
    const from = obj(r.from);
    return facts([
        ["Stack", cell(r.stack)],
        ["Dataset", cell(r.reference)],
        ["From", cell(from.tag)],
        ["Files", cell(r.files)],
        ["Bytes", cell(r.bytes)],
    ]);
}

function renderSleep(r) {
    const state = obj(r.state);
    return facts([
        ["Stack", cell(r.stack)],
        ["Asleep", yesNo(r.asleep)],
        ["Until", cell(state.until)],
        [
            "Services",
            cell(
                arr(r.services)
                    .map((s) => `${text(obj(s).service) ?? "?"} ${text(obj(s).tasks) ?? "?"}`)
                    .join(", "),
            ),
        ],
        ...(r.health === undefined ? [] : [["Healthy", yesNo(obj(r.health).healthy)]]),
    ]);
}

function renderDown(r) {
    return facts([
        ["Stack", cell(r.stack)],
        ["Destroyed", "yes, and its stack removed"],
        ["Redirect list", authWord(r.auth)],
    ]);
}

function renderPromote(r) {
    const written = arr(r.written);
    const rows = arr(r.steps).map((s) => {
        const o = obj(s);
        return [cell(o.service), code(o.image), code(o.digest), cell(arr(o.write).map(text).join(", ")), cell(arr(o.unchanged).map(text).join(", "))];
    });
    return [
        ...facts([
            ["Release", cell(r.release)],
            ["From", cell(r.from)],
            ["Environment tag", cell(r.envTag)],
            ["Dry run", r.dryRun === true ? "yes: nothing tagged" : yesNo(r.dryRun)],
            ["Tags written", r.dryRun === true ? "none" : String(written.length)],
        ]),
        ...section("Images", table(["Service", "Image", "Digest", r.dryRun === true ? "Would tag" : "Tagged", "Already there"], rows)),
    ];
}

function renderReap(r) {
    const rows = [
        ...arr(r.destroyed).map((s) => [cell(s), "destroyed", "—"]),
        ...arr(r.wouldDestroy).map((s) => [cell(s), "would be destroyed", "—"]),
        ...arr(r.failed).map((f) => [cell(obj(f).stack), "**failed**", cell(obj(f).reason)]),
        ...arr(r.skipped).map((f) => [cell(obj(f).stack), "skipped", cell(obj(f).reason)]),
        ...arr(r.noticed).map((s) => [cell(s), "announced: expires soon", "—"]),
        ...arr(r.idled).map((i) => [cell(obj(i).stack), "idle: expiry brought forward", cell(obj(i).expiresAt)]),
        ...arr(r.orphans).map((o) => [cell(obj(o).environment), "**orphaned**: no stack", `${cell(obj(o).resources)} resource(s) left: vnv env orphans`]),
    ];
    return [
        ...facts([
            ["Now", cell(r.now)],
            ["Dry run", yesNo(r.dryRun)],
            ["Destroyed", String(arr(r.destroyed).length)],
            ["Failed", String(arr(r.failed).length)],
            ["Redirect list", authWord(r.auth)],
        ]),
        ...section("Environments", rows.length === 0 ? ["Nothing to do.", ""] : table(["Stack", "Outcome", "Reason"], rows)),
    ];
}

function renderCheck(r) {
    const rows = arr(r.images).map((i) => {
        const o = obj(i);
        const image = text(o.image) !== undefined && text(o.tag) !== undefined ? `${o.image}:${o.tag}` : o.image;
        return [cell(o.service), code(image), text(o.digest) ? code(o.digest) : `**missing**: ${cell(o.problem)}`];
    });
    return [
        ...facts([
            ["Version", cell(r.version)],
            ["Missing", String(arr(r.missing).length)],
            ...(Array.isArray(r.moved) ? [["Released", cell(r.released)]] : []),
            ...(Array.isArray(r.moved)
                ? [
                      [
                          "Moved since released",
                          r.moved.length === 0
                              ? "none"
                              : `**${cell(r.moved.map((m) => `${text(obj(m).service) ?? ""}:${text(obj(m).tag) ?? ""}`).join(", "))}**`,
                      ],
                  ]
                : []),
        ]),
        ...section("Images", table(["Service", "Image", "Digest"], rows)),
    ];
}

function renderDrift(r) {
    const rows = arr(r.drifted).map((d) => {
        const o = obj(d);
        return [cell(o.change), code(o.urn), cell(arr(o.keys).map(text).filter(Boolean).join(", "))];
    });
    return [
        ...facts([
            ["Stack", cell(r.stack)],
            ["Checked", cell(r.checkedAt)],
            ["Drifted", String(rows.length)],
            ["As the state says", cell(r.unchanged)],
        ]),
        ...section("Changed outside vnv", rows.length === 0 ? ["Nothing.", ""] : table(["Change", "Resource", "Outputs that differ"], rows)),
    ];
}

function renderVerify(r) {
    const rows = arr(r.verdicts).flatMap((v) => {
        const o = obj(v);
        const moved = arr(o.moved).map((m) => {
            const x = obj(m);
            return [
                cell(o.version),
                cell(o.recorded),
                `**moved**: ${cell(x.service)} ${code(`${text(x.image) ?? ""}:${text(x.tag) ?? ""}`)} now ${code(x.now)}, released as ${code(x.recorded)}`,
            ];
        });
        const gone = arr(o.gone).length > 0 ? [[cell(o.version), cell(o.recorded), `gone: ${cell(arr(o.gone).map(text).join(", "))}`]] : [];
        return moved.length + gone.length > 0 ? [...moved, ...gone] : [[cell(o.version), cell(o.recorded), "as released"]];
    });
    return [
        ...facts([
            ["Releases checked", cell(r.checked)],
            ["Moved", arr(r.moved).length === 0 ? "none" : `**${cell(arr(r.moved).map(text).join(", "))}**`],
            ["Without a record", arr(r.unrecorded).length === 0 ? "none" : cell(arr(r.unrecorded).map(text).join(", "))],
        ]),
        ...section("Releases", rows.length === 0 ? ["No release recorded.", ""] : table(["Release", "Recorded", "Tags"], rows)),
    ];
}

// ---- the whole summary ----

/** The Markdown for one result file; never throws. */
function summarize(kind, file, read = (f) => fs.readFileSync(f, "utf8")) {
    const known = Object.hasOwn(KINDS, kind ?? "") ? KINDS[kind] : undefined;
    const label = known ? known.label : String(kind ?? "");
    const head = `### vnv ${cell(label)}`;
    const note = (message) => `${head}\n\n> :warning: ${message}\n\n`;
    if (!known) {
        return note(`unknown kind of result ${code(kind ?? "")} (${code(file ?? "")}): nothing summarised; kinds are ${Object.keys(KINDS).join(", ")}.`);
    }
    let raw;
    try {
        raw = read(file);
    } catch (e) {
        return note(`no result to summarise: ${code(file ?? "")} cannot be read (${cell(e?.code ? e.code : String(e))}).`);
    }
    if (raw.trim() === "") {
        return note(`the step wrote no result into ${code(file)} (it failed before vnv printed one); see the step's log.`);
    }
    let result;
    try {
        result = JSON.parse(raw);
    } catch {
        return note(`the result in ${code(file)} is not JSON (${raw.length} characters); see the step's log.`);
    }
    if (!isObject(result)) {
        return note(
            `${code(file)} holds JSON but not a result of vnv ${cell(label)} (${Array.isArray(result) ? "an array" : result === null ? "null" : `a ${typeof result}`}).`,
        );
    }
    try {
        const title = text(result.version) ?? text(result.release) ?? text(result.stack);
        return [`${head}${title === undefined ? "" : `: ${cell(title)}`}`, "", ...known.render(result), ""].join("\n");
    } catch (e) {
        return note(`the result in ${code(file)} could not be summarised (${cell(e instanceof Error ? e.message : String(e))}).`);
    }
}

/** Appends to the job summary (or prints); a summary that cannot be written is reported, not fatal. */
function run(argv, env) {
    const [kind, file] = argv;
    let markdown;
    try {
        markdown = summarize(kind, file);
    } catch (e) {
        markdown = `> :warning: the summary failed: ${cell(e instanceof Error ? e.message : String(e))}\n\n`;
    }
    const target = env.GITHUB_STEP_SUMMARY;
    try {
        if (target) {
            fs.appendFileSync(target, markdown);
        } else {
            process.stdout.write(markdown);
        }
    } catch (e) {
        process.stderr.write(`summary: cannot write the job summary: ${e instanceof Error ? e.message : String(e)}\n`);
    }
}

if (require.main === module) {
    run(process.argv.slice(2), process.env);
    process.exitCode = 0;
}

module.exports = { summarize, cell, code, KINDS };
