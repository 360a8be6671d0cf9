/**
 * What the steps of the environments library share (automation/environments/environments.ts
 * builds it once per driver): its configuration, the stack store, locks and leases, the clock,
 * the log, and the few questions every step asks (the settings of a version's environment, the
 * rules tags are read by, the audit trail, announcements). Steps are plain functions over it.
 */
import type { Stack } from "@pulumi/pulumi/automation";
import type { EnvironmentSettings } from "../../infra/settings";
import type { PinnedDataset } from "../../rules/datasets";
import type { EnvironmentMeta, TagRules } from "../../rules/metadata";
import type { WorkingHours } from "../../rules/schedule";
import type { Version } from "../../rules/versions";
import type { AuditDraft } from "../history/auditing";
import type { Locks } from "../state/locks";
import type { StackStore } from "../state/stackStore";
import type { AuthOwner } from "./authOwner";
import type { Leases } from "./leases";
import type { Announcement } from "./notify";
import type { DriverConfig } from "./types";

export interface Runtime {
    readonly cfg: DriverConfig;
    readonly project: string;
    readonly store: StackStore;
    readonly locks: Locks;
    readonly leases: Leases;
    readonly authOwner: AuthOwner | undefined;
    readonly clock: () => Date;
    readonly log: (line: string) => void;
    /** The settings of `version`'s environment in `slot`; bad settings are a UsageError. */
    settingsFor(version: Version, slot: number, digests?: Readonly<Record<string, string>>, dataset?: PinnedDataset): EnvironmentSettings;
    /** The working hours dev and its ephemeral environments share (vnv:workingHours), if any. */
    workingHours(): WorkingHours | undefined;
    /** How many environments may be live at once. */
    capacity(): number;
    /** The rules an environment's tags are read by at `now`. */
    tagRules(now?: Date): TagRules;
    /** Runs `operation` as one event of the audit trail (when one is configured). */
    audited<T>(draft: AuditDraft, operation: (draft: AuditDraft) => Promise<T>): Promise<T>;
    /** Announces, never failing the operation. */
    announce(a: Announcement): Promise<void>;
    /** The live ephemeral environments (by their tags). */
    live(): Promise<EnvironmentMeta[]>;
    /** The metadata of an environment's stack; anything else is a NotEphemeralError. */
    metaOf(stack: Stack): Promise<EnvironmentMeta>;
}

/** Milliseconds spent in each step of a command. */
export class StepClock {
    readonly laps: { step: string; ms: number }[] = [];
    private last = Date.now();

    lap(step: string): void {
        const now = Date.now();
        this.laps.push({ step, ms: now - this.last });
        this.last = now;
    }

    /** Runs `step`, then laps it under `name`. */
    async time<T>(name: string, step: () => Promise<T>): Promise<T> {
        const result = await step();
        this.lap(name);
        return result;
    }
}

/** An engine result's outputs, secrets shown as `[secret]`. */
export function plainOutputs(outputs: Record<string, { value: unknown; secret: boolean }>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.secret ? "[secret]" : v.value]));
}
