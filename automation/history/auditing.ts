/**
 * Records operations in the audit trail (automation/history/audit.ts): one event per operation that ran,
 * written before the operation returns. An operation that succeeded and whose event cannot be
 * written fails (exit 1) with a message saying it did succeed: a success nobody can prove is
 * what the trail exists to prevent. An operation that failed records the failure, and a
 * failure to record that is logged beside the operation's own error. Refusals before anything
 * is touched (bad input, not found, busy) are not operations and record nothing.
 */
import { type AuditAction, type AuditEvent, type AuditLog, MAX_ERROR, type NewAuditEvent } from "./audit";
import { OperationError } from "../errors";
import { meaningOf } from "../../rules/meaning";
import { failureText } from "../util";

/** What an operation tells its event while it runs (the action may only be known midway). */
export interface AuditDraft {
    action: AuditAction;
    environment: string;
    version: string;
    digests: Record<string, string>;
    url?: string;
    expiresAt?: string;
    /** Set when the operation returned but did not do what was asked (unhealthy after up). */
    failure?: string;
    /** Why, when the operator said (`env extend --keep <reason>`). */
    reason?: string;
}

export class AuditWriteError extends OperationError {
    constructor(draft: AuditDraft, cause: unknown) {
        super(
            `${draft.action} of ${draft.environment}${draft.version === "" ? "" : ` (${draft.version})`} succeeded, but its audit event could not be written: ${cause instanceof Error ? cause.message : String(cause)}`,
        );
        this.name = "AuditWriteError";
    }
}

export class Auditor {
    constructor(
        private readonly log: AuditLog,
        private readonly who: { actor: string; runUrl?: string },
        private readonly clock: () => Date = () => new Date(),
        private readonly warn: (line: string) => void = () => undefined,
    ) {}

    /** Runs `operation`, then records it; `draft` may be completed by the operation as it runs. */
    async run<T>(draft: AuditDraft, operation: (draft: AuditDraft) => Promise<T>): Promise<T> {
        const at = this.clock();
        const started = Date.now();
        let result: T;
        try {
            result = await operation(draft);
        } catch (e) {
            if (meaningOf(e) === "failed") {
                await this.write(draft, at, started, failureText(e)).catch((w: unknown) =>
                    this.warn(`the failure of ${draft.action} ${draft.environment} could not be written to the audit trail: ${String(w)}`),
                );
            }
            throw e;
        }
        try {
            await this.write(draft, at, started, draft.failure);
        } catch (e) {
            throw new AuditWriteError(draft, e);
        }
        return result;
    }

    private async write(draft: AuditDraft, at: Date, started: number, failure: string | undefined): Promise<AuditEvent> {
        const event: NewAuditEvent = {
            at: at.toISOString(),
            actor: this.who.actor,
            action: draft.action,
            environment: draft.environment,
            version: draft.version,
            digests: draft.digests,
            result: failure === undefined ? "succeeded" : "failed",
            ...(failure === undefined ? {} : { error: failure.slice(0, MAX_ERROR) }),
            durationMs: Date.now() - started,
            ...(draft.url === undefined ? {} : { url: draft.url }),
            ...(draft.expiresAt === undefined ? {} : { expiresAt: draft.expiresAt }),
            ...(draft.reason === undefined ? {} : { reason: draft.reason }),
            ...(this.who.runUrl === undefined ? {} : { runUrl: this.who.runUrl }),
        };
        return this.log.append(event);
    }
}
