/** `vnv history`: what happened, newest first, from the audit trail in the state backend. */
import { type Command, Option } from "commander";
import { AUDIT_ACTIONS, type AuditAction } from "../../history/events";
import { UsageError } from "../../errors";
import { environmentInput, limitInput, sinceInput, versionInput } from "../../inputs";
import { type CliContext, withBackend, withJson } from "../context";

export function historyCommand(program: Command, ctx: CliContext): void {
    withJson(withBackend(program.command("history")))
        .description("what was deployed, updated, extended, destroyed, promoted, pinned and rolled back, when, by whom, with which digests: newest first")
        .option("--env <name>", "only this environment: prod, dev, an environment's stack (v1-2-3-rc-1) or version, or a promotion's tag")
        .option("--version <version>", "only this version (any spelling: v1.2.3-rc.1, 1.2.3-RC1)")
        .addOption(new Option("--action <action>", "only this kind of operation").choices(AUDIT_ACTIONS))
        .option("--since <when>", "only events since then: 2026-11-27, 2026-11-27T08:00Z, or a duration back from now such as 36h or 7d")
        .option("--limit <n>", "at most this many events, the newest (1 to 1000)", "100")
        .action(async (opts: { env?: string; version?: string; action?: AuditAction; since?: string; limit: string; backend?: string; json?: boolean }) => {
            const filter = {
                ...(opts.env === undefined ? {} : { environment: environmentInput(opts.env) }),
                ...(opts.version === undefined ? {} : { version: versionInput(opts.version, "--version").canonical }),
                ...(opts.action === undefined ? {} : { action: opts.action }),
                ...(opts.since === undefined ? {} : { since: sinceInput(opts.since, ctx.deps.clock?.() ?? new Date()) }),
                limit: limitInput(opts.limit),
            };
            const backend = ctx.backend(opts);
            const { AuditLog } = require("../../history/audit") as typeof import("../../history/audit");
            const trail = AuditLog.for(backend);
            if (trail === undefined) {
                throw new UsageError(`the audit trail is kept in file:// and s3:// backends; ${backend.url} keeps none`);
            }
            const history = await trail.read(filter);
            const { historyText } = require("../render") as typeof import("../render");
            ctx.emit(opts, history, historyText(history));
        });
}
