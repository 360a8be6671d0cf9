/**
 * How the command line shows results to people (`--json` shows the same objects to machines).
 * Every value that came from outside (stack names and tags, lock files, the history's objects
 * and their names, health answers, registry answers) is shown through rules/terminal.ts, cell by
 * cell, so a value can neither act on the terminal nor break a row into forged ones; the command
 * line escapes its whole output once more (which changes nothing already escaped).
 */
import { dollars } from "../../rules/prices";
import type { SleepState } from "../../rules/schedule";
import { terminalText as t } from "../../rules/terminal";
import type { DatasetListing } from "../release/datasets";
import type { AuditHistory } from "../history/audit";
import type { DriftReport } from "../environments/drift";
import { describeLock } from "../errors";
import type { DeployResult, EnvironmentInfo, ReapSummary, StatusResult } from "../environments/environments";
import type { CheckResult, PromotionPlan } from "../release/release";

export function statusText(r: StatusResult): string {
    const state = r.sleep?.state === "asleep" ? "asleep (not probed)" : r.health.healthy ? "healthy" : "NOT healthy";
    const lines = [`${t(r.version)} at ${t(r.url)}: ${state} (expires ${t(r.expiresAt)})`];
    if (r.sleep !== undefined && r.sleep.state !== "asleep") {
        const asleep = r.sleep.services.filter((s) => s.state !== "awake").map((s) => `${s.service} ${s.state}`);
        lines.push(
            `  sleep: ${t(r.sleep.state)}${asleep.length > 0 ? ` (${t(asleep.join(", "))})` : ""}${r.sleep.detail === undefined ? "" : `: ${t(r.sleep.detail)}`}`,
        );
    }
    for (const s of r.health.services) {
        lines.push(`  ${s.healthy ? "ok  " : "FAIL"}  ${t(s.service).padEnd(16)} ${t(s.url)}  ${t(s.seen)}`);
    }
    for (const n of r.health.notReachable) {
        lines.push(`  -     ${t(n.service).padEnd(16)} ${t(n.reason)}`);
    }
    if (r.dataset !== undefined) {
        const d = r.dataset;
        lines.push(`  dataset ${t(d.tag)} (${t(d.image)}@${t(d.digest)}): ${t(d.state)}${d.detail === undefined ? "" : `, ${t(d.detail)}`}`);
    }
    return lines.join("\n");
}

export function checkText(r: CheckResult): string {
    const names = r.images.map((i) => t(`${i.image}:${i.tag}`));
    const width = Math.max(...names.map((n) => n.length));
    return r.images.map((i, n) => `${names[n]!.padEnd(width)}  ${t(i.digest ?? "MISSING")}`).join("\n");
}

export function promoteText(plan: PromotionPlan, dryRun: boolean): string {
    const lines = [`${dryRun ? "would promote" : "promoted"} ${t(plan.from)} → ${t(plan.release)} (+ ${t(plan.envTag)})`];
    for (const step of plan.steps) {
        const what = step.write.length > 0 ? `${dryRun ? "would tag" : "tagged"} ${t(step.write.join(", "))}` : "already done";
        lines.push(`  ${t(step.image)}@${t(step.digest)}: ${what}`);
    }
    return lines.join("\n");
}

function when(iso: string | undefined): string {
    return iso === undefined ? "-" : t(iso.slice(0, 16).replace("T", " "));
}

function lockText(r: EnvironmentInfo): string {
    if (r.locks === null) {
        return "?";
    }
    return r.locks.length === 0 ? "no" : `yes: ${r.locks.map((l) => t(describeLock(l))).join("; ")}`;
}

export function environmentsTable(rows: readonly EnvironmentInfo[]): string {
    if (rows.length === 0) {
        return "no environments";
    }
    const head = ["VERSION", "URL", "OWNER", "CREATED", "EXPIRES", "LEFT", "SLEEP", "COST SO FAR + TO EXPIRY", "LAST UPDATE", "RESOURCES", "UPDATING"];
    const body = rows.map((r): string[] =>
        (r.status === "malformed"
            ? [
                  r.stack,
                  `MALFORMED (never acted on): ${r.problem ?? ""}`,
                  "-",
                  "-",
                  "-",
                  "-",
                  "-",
                  "-",
                  r.lastUpdate ?? "never",
                  String(r.resourceCount ?? 0),
                  lockText(r),
              ]
            : [
                  r.version ?? "",
                  r.url ?? "",
                  r.owner ?? "",
                  when(r.createdAt),
                  when(r.expiresAt),
                  `${r.timeLeft ?? ""}${r.keep === undefined ? "" : ` (kept: ${r.keep})`}`,
                  sleepText(r.sleep),
                  r.cost === undefined ? "-" : `${dollars(r.cost.soFar)} + ${dollars(r.cost.toExpiry)}`,
                  r.lastUpdate ?? "never",
                  String(r.resourceCount ?? 0),
                  lockText(r),
              ]
        ).map(t),
    );
    const priced = rows.flatMap((r) => (r.cost === undefined ? [] : [r.cost]));
    const total = (key: "soFar" | "toExpiry" | "day") => dollars(priced.reduce((a, c) => a + c[key], 0));
    const totals =
        priced.length === 0
            ? ""
            : `\ntotal: ${total("soFar")} so far, ${total("toExpiry")} more until their expiry, ${total("day")} a day now (vnv's estimate: vnv prices)`;
    return `${columns(head, body)}${totals}`;
}

/** `asleep (hours) until …`, `awake (by hand) until …`, or `-` for an environment that always runs. */
function sleepText(s: SleepState | undefined): string {
    if (s?.by === undefined) {
        return s?.asleep ? "asleep" : "-";
    }
    return `${s.asleep ? "asleep" : "awake"} (${s.by === "hours" ? "hours" : "by hand"})${s.until === undefined ? "" : ` until ${when(s.until)}`}`;
}

/** Rows under a head, each column as wide as its widest cell (cells escaped already). */
function columns(head: readonly string[], body: readonly (readonly string[])[]): string {
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? "").length)));
    return [head, ...body]
        .map((cols) =>
            cols
                .map((c, i) => c.padEnd(widths[i] ?? 0))
                .join("  ")
                .trimEnd(),
        )
        .join("\n");
}

/** `vnv dataset ls`: one line per dataset, the newest first. */
export function datasetsText(l: DatasetListing): string {
    if (l.datasets.length === 0) {
        return `no datasets in ${t(l.image)}`;
    }
    const mib = (n: number | undefined) => (n === undefined ? "?" : `${(n / 1024 / 1024).toFixed(1)} MiB`);
    const body = l.datasets.map((d) =>
        (d.problem !== undefined
            ? [d.tag, "-", "-", `UNREADABLE: ${d.problem}`, "-"]
            : [d.tag, when(d.created), mib(d.size), d.source ?? "", d.usedBy.length === 0 ? "-" : d.usedBy.join(", ")]
        ).map(t),
    );
    const more = l.more > 0 ? `\n(${l.more} more; --limit shows more)` : "";
    return `${t(l.image)}\n${columns(["TAG", "CREATED", "SIZE", "SOURCE", "USED BY"], body)}${more}`;
}

export function reapText(s: ReapSummary): string {
    const lines = [`reap at ${s.now}${s.dryRun ? " (dry run)" : ""}`];
    for (const stack of s.dryRun ? s.wouldDestroy : s.destroyed) {
        lines.push(`  ${s.dryRun ? "would destroy" : "destroyed"}  ${t(stack)}`);
    }
    for (const f of s.failed) {
        lines.push(`  failed     ${t(f.stack)}: ${t(f.reason)}`);
    }
    for (const k of s.skipped) {
        lines.push(`  skipped    ${t(k.stack)}: ${t(k.reason)}`);
    }
    for (const i of s.idled ?? []) {
        lines.push(`  idle       ${t(i.stack)}: unused, now expires ${t(i.expiresAt)}`);
    }
    for (const o of s.orphans ?? []) {
        lines.push(
            `  orphaned   ${t(o.environment)}: no stack, ${o.resources} resource(s) still tagged for it (\`vnv env orphans --out plan.json\`, then --apply)`,
        );
    }
    if (s.auth !== undefined) {
        lines.push(s.auth.ok ? `  redirect list: ${s.auth.uris} URI(s) registered` : `  redirect list: NOT updated: ${t(s.auth.error.split("\n")[0] ?? "")}`);
    }
    lines.push(
        `${s.dryRun ? s.wouldDestroy.length : s.destroyed.length} ${s.dryRun ? "to destroy" : "destroyed"}, ${s.skipped.length} skipped, ${s.failed.length} failed`,
    );
    return lines.join("\n");
}

/** `vnv history`: one line per event, newest first; a failure's reason below it. */
export function historyText(h: AuditHistory): string {
    if (h.events.length === 0 && h.problems.length === 0) {
        return "no events";
    }
    const rows = h.events.map((e) =>
        [
            when(e.at),
            e.action,
            e.environment,
            e.version === "" ? "-" : e.version,
            e.result === "succeeded" ? "ok" : "FAILED",
            e.actor,
            `${Math.round(e.durationMs / 1000)}s`,
        ].map(t),
    );
    const header = ["WHEN (UTC)", "ACTION", "ENVIRONMENT", "VERSION", "RESULT", "BY", "TOOK"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) =>
        cells
            .map((c, i) => c.padEnd(widths[i]!))
            .join("  ")
            .trimEnd();
    const lines = [line(header)];
    h.events.forEach((e, i) => {
        lines.push(line(rows[i]!));
        const digests = Object.entries(e.digests);
        if (digests.length > 0) {
            lines.push(`    ${t(digests.map(([s, d]) => `${s}@${d.slice(7, 19)}`).join(" "))}`);
        }
        if (e.error !== undefined) {
            lines.push(`    ${t(e.error.split("\n")[0] ?? "")}`);
        }
        if (e.reason !== undefined) {
            lines.push(`    kept: ${t(e.reason)}`);
        }
    });
    for (const p of h.problems) {
        lines.push(`unreadable event ${t(p.key)}: ${t(p.problem)}`);
    }
    return lines.join("\n");
}

/** `vnv deploy`: the URL, what was deployed, and how it answered. */
export function deployText(r: DeployResult): string {
    const lines = [t(r.url), `deployed ${t(r.version)} to ${t(r.stack)}${r.health?.healthy ? ", healthy" : ""}`];
    for (const [service, digest] of Object.entries(r.digests)) {
        lines.push(`  ${t(service).padEnd(16)} ${t(digest)}`);
    }
    return lines.join("\n");
}

/** `vnv drift`: what changed outside vnv, one resource a line. */
export function driftText(r: DriftReport): string {
    if (r.drifted.length === 0) {
        return `${r.stack}: no drift: ${r.unchanged} resource(s) as the state says (checked ${r.checkedAt})`;
    }
    const rows = r.drifted.map((d) => `  ${d.change.padEnd(8)} ${t(d.urn)}${d.keys.length > 0 ? `: ${d.keys.map((k) => t(k)).join(", ")}` : ""}`);
    return [`${r.stack}: ${r.drifted.length} resource(s) changed outside vnv, ${r.unchanged} as the state says (checked ${r.checkedAt})`, ...rows].join("\n");
}
