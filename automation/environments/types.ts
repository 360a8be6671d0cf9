/** The types of the environments library: its configuration and its results. */
import type { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import type { SnapshotClients } from "./ecsSnapshot";
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { PriceTable } from "../../rules/prices";
import type { SleepState } from "../../rules/schedule";
import type { LiveSleep } from "./sleep";
import type { EnvironmentCost, PricedEstimate } from "./cost";
import type { ChosenDataset, ResolvedImage } from "../release/dataset";
import type { PulumiFn } from "@pulumi/pulumi/automation";
import type { EnvironmentSettings, RawSettings } from "../../infra/settings";
import type { ImageSource } from "../release/release";
import type { TtlPolicy } from "../../rules/ttl";
import type { Version } from "../../rules/versions";
import type { AuthOutcome, AuthOwnerConfig } from "./authOwner";
import type { LockInfo } from "../errors";
import type { HealthReport, WaitOptions } from "./health";
import type { Backend, Secrets } from "../inputs";
import type { Notifier } from "./notify";
import type { ResolvedCli } from "../state/pulumiCli";
import type { ReapSummary } from "./reaper";

export type { AuthOutcome, ReapSummary };
import type { Auditor } from "../history/auditing";
import type { AuthProgramSpec } from "./authWorker";
/** Builds the inline program of one environment from its settings. */
export type ProgramFactory = (settings: EnvironmentSettings) => PulumiFn;
export type { AuthProgramFactory } from "./authOwner";

export interface DriverConfig {
    /** Pulumi project of the stacks. @default "vnv" */
    readonly projectName?: string;
    readonly backend: Backend;
    readonly secrets: Secrets;
    readonly cli: ResolvedCli;
    /** PULUMI_HOME for the engine (tests give each run its own). */
    readonly pulumiHome?: string;
    /** Let the engine download missing provider plugins. @default false */
    readonly pluginDownloads?: boolean;
    readonly program: ProgramFactory;
    /** The dev stack's configuration (`vnv:` keys) and region: what ephemeral settings derive from. */
    readonly devSettings: RawSettings;
    readonly region: string | undefined;
    /** The dev stack as a StackReference name. @default "organization/<project>/dev" */
    readonly platformStack?: string;
    readonly ttl: TtlPolicy;
    /** Stack names the reaper never touches, besides dev and prod. @default [] */
    readonly protectedStacks?: readonly string[];
    /** At most this many live environments; never above what the shared ALB holds. */
    readonly maxEnvironments?: number;
    /** A lock older than this is stale even if its process may live on another machine. @default 2h */
    readonly staleLockAfterMs?: number;
    /**
     * The owner of the shared application's redirect list (its paths come from the settings).
     * With `alongside`, `up` registers the list in a child process while the environment's
     * update runs (automation/environments/authWorker.ts), instead of after it.
     */
    readonly auth?: Omit<AuthOwnerConfig, "redirectPaths" | "domain" | "maxTtlMs"> & { readonly alongside?: AuthProgramSpec };
    /**
     * Checks that every image of the version exists and answers their digests, before any stack
     * is touched (`release check`); the environment pins exactly these. @default no check
     */
    readonly checkImages?: (version: Version, images: readonly ImageSource[]) => Promise<Readonly<Record<string, string>>>;
    /**
     * The dataset a new environment's database starts from (release/dataset.ts chooseDataset,
     * over the version's images and `--dataset`); undefined: it starts empty. @default none
     */
    readonly chooseDataset?: (images: readonly ResolvedImage[], explicit: string | undefined) => Promise<ChosenDataset | undefined>;
    /** @default () => new Date() */
    readonly clock?: () => Date;
    /** Progress lines. @default none */
    readonly log?: (line: string) => void;
    /** Engine output, streamed. @default none */
    readonly engineOutput?: (text: string) => void;
    /**
     * After an update, wait until every public service answers its health path through the
     * environment's URL (`base(hostname)`, `https://<host>` for real). @default no wait
     */
    readonly health?: { readonly base: (hostname: string) => string; readonly wait?: WaitOptions; readonly afterUp?: boolean };
    /**
     * Application Auto Scaling in a region (the cluster's), for sleep and wake. @default none:
     * `env sleep|wake` are refused, `env status` does not tell, `env up` cannot wake.
     */
    readonly scaling?: (region: string) => ApplicationAutoScalingClient;
    /**
     * The prices estimates use (rules/prices.ts) and the daily budget of the ephemeral
     * environments. @default none: no estimate; a budget cannot be held
     */
    readonly pricing?: { readonly table: PriceTable; readonly substitute: boolean };
    /** vnv:ephemeral.dailyBudget, US dollars; held only with a price table (`env up` refuses without one). @default none */
    readonly dailyBudget?: number;
    /** The Environment workflow's page, offered in the expiry warning (`<server>/<repository>/actions/workflows/environment.yml`). @default none */
    readonly workflowUrl?: string;
    /** ECS, EC2 and S3 in a region, for `env snapshot` on ECS (automation/environments/ecsSnapshot.ts). @default none: refused */
    readonly snapshots?: (region: string) => SnapshotClients;
    /** CloudWatch in a region, for the inactivity rule. @default none: no inactivity rule */
    readonly cloudwatch?: (region: string) => CloudWatchClient;
    /** vnv:ephemeral.idleAfter: awake time without a request after which an environment's expiry comes forward. @default none */
    readonly idleAfterMs?: number;
    /** Where announcements go. @default none */
    readonly notifier?: Notifier;
    /** The reaper announces an environment once when it expires within this. @default 1 hour */
    readonly expiryNoticeMs?: number;
    /** Where up, down, extend and reap are recorded (the audit trail in the state backend). @default none */
    readonly audit?: Auditor;
}

/** One row of `env ls`: an environment, or a stack that claims to be one but is malformed. */
export interface EnvironmentInfo {
    readonly stack: string;
    readonly status: "live" | "expired" | "malformed";
    /** Why a malformed stack is never acted on. */
    readonly problem?: string;
    readonly version?: string;
    readonly url?: string;
    readonly owner?: string;
    readonly createdAt?: string;
    readonly expiresAt?: string;
    /** Milliseconds until expiry (negative once expired). */
    readonly timeLeftMs?: number;
    readonly timeLeft?: string;
    /** Why it is kept past the maximum TTL (`env extend --keep`). */
    readonly keep?: string;
    readonly lastUpdate: string | undefined;
    readonly resourceCount: number | undefined;
    /** Who holds the stack's lock right now (an update or destroy in progress); null where the backend cannot tell. */
    readonly locks: readonly LockInfo[] | null;
    /** Whether its services sleep now, by the working hours or by hand (the stack's tag: `env status` asks AWS). */
    readonly sleep?: SleepState;
    /** What it has cost since its creation and will cost until its expiry, US dollars by vnv's estimate (absent without a price table). */
    readonly cost?: EnvironmentCost;
}

export interface UpResult {
    readonly stack: string;
    readonly version: string;
    readonly url: string;
    readonly created: boolean;
    readonly expiresAt: string;
    readonly outputs: Record<string, unknown>;
    /** The redirect list after the update (absent without an owner). */
    readonly auth?: AuthOutcome;
    /** What the health checks saw (absent when not asked for). */
    readonly health?: HealthReport;
    /** What it costs, by vnv's estimate (absent without a price table). */
    readonly estimate?: PricedEstimate;
    /** Milliseconds of each step, in order (`check images`, `engine update`, `redirect list`, …). */
    readonly steps: readonly { step: string; ms: number }[];
}

/** What `vnv deploy <prod|dev>` did. */
export interface DeployResult {
    readonly stack: string;
    readonly version: string;
    readonly url: string;
    /** The pinned digests deployed (service → sha256:…, `frontend` too). */
    readonly digests: Record<string, string>;
    readonly outputs: Record<string, unknown>;
    readonly health?: HealthReport;
    readonly steps: readonly { step: string; ms: number }[];
}

export interface StatusResult {
    readonly stack: string;
    readonly version: string;
    readonly url: string;
    readonly expiresAt: string;
    readonly health: HealthReport;
    /** Its services' sleep, read from Application Auto Scaling now (absent: nothing of it sleeps, or not asked). */
    readonly sleep?: LiveSleep;
    /** The dataset its database started from, and whether it was loaded (where the target can tell). */
    readonly dataset?: DatasetStatus;
}

export interface DatasetStatus {
    readonly tag: string;
    readonly image: string;
    readonly digest: string;
    /** `loaded` (its loader exited 0), `loading`, `failed` (its loader exited otherwise), `unknown`. */
    readonly state: "loaded" | "loading" | "failed" | "unknown";
    readonly detail?: string;
}

export interface DownResult {
    readonly stack: string;
    readonly auth?: AuthOutcome;
}
