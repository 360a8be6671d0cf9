/**
 * The library's driver as the command line configures it: dev's stack file, the flags and the
 * environment, every check run before any stack is touched. Loaded only by commands that use it.
 */
import type { EnvironmentSettings } from "../../infra/settings";
import { parseDuration, ttlPolicy } from "../../rules/ttl";
import { programOf } from "../environments/authWorker";
import { type DriverConfig, Environments, type ProgramFactory } from "../environments/environments";
import { notifierFrom } from "../environments/notify";
import { secretsInput, ttlInput } from "../inputs";
import { chooseDataset } from "../release/dataset";
import { checkRelease, MissingImagesError } from "../release/release";
import { resolveCli } from "../state/pulumiCli";
import { priceTableFor } from "../prices/table";
import { awsClientConfig, clientsFor } from "../aws";
import type { CliContext, SharedOptions } from "./context";

/** The real environment program: the same definition `pulumi up` runs, as an inline program (loaded when it runs). */
export const environmentProgram: ProgramFactory = (settings) => async () =>
    (require("../../infra/environment") as typeof import("../../infra/environment")).deployEnvironment(settings);

export async function makeDriver(ctx: CliContext, opts: SharedOptions): Promise<Environments> {
    const deps = ctx.deps;
    const { settings, raw, region } = await ctx.stackFile("dev");
    const policy = settings.ephemeral!;
    const backend = ctx.backend(opts);
    const secrets = secretsInput(opts.secretsProvider, deps.env);
    const notifier = notifierFrom(deps.env, ctx.log);
    const wait = opts.wait ?? deps.waitDefault ?? "10m";
    const waitMs = wait === "0" ? 0 : ttlInput(wait, undefined, "--wait").ms;
    const registry = await ctx.registry();
    const audit = await ctx.auditor(backend);
    const pricing = pricingOf(ctx, region ?? settings.region);
    return new Environments({
        ...(pricing === undefined ? {} : { pricing }),
        ...(policy.dailyBudget === undefined ? {} : { dailyBudget: policy.dailyBudget }),
        ...(audit === undefined ? {} : { audit }),
        ...(deps.clock === undefined ? {} : { clock: deps.clock }),
        checkImages: async (version, services) => {
            const result = await checkRelease(registry, services, version.canonical);
            if (result.missing.length > 0) {
                throw new MissingImagesError(result);
            }
            return result.digests;
        },
        chooseDataset: (images, explicit) => chooseDataset(registry, policy.database?.dataset, images, explicit),
        backend,
        secrets,
        cli: resolveCli(deps.env),
        pulumiHome: deps.pulumiHome,
        // The real program needs the aws and azuread plugins; stand-ins need none.
        pluginDownloads: deps.program === undefined,
        program: deps.program ?? environmentProgram,
        devSettings: raw,
        region,
        platformStack: policy.platformStack,
        ttl: ttlPolicy(policy.defaultTtl, policy.maxTtl, policy.maxKeep),
        protectedStacks: policy.protectedStacks,
        maxEnvironments: policy.maxEnvironments,
        staleLockAfterMs: parseDuration(policy.staleLockAfter),
        auth: authOf(ctx, policy, settings),
        log: ctx.log,
        engineOutput: opts.quiet || opts.json ? undefined : (text) => deps.stderr(text),
        notifier,
        ...workflowOf(deps.env),
        ...(policy.idleAfter === undefined ? {} : { idleAfterMs: parseDuration(policy.idleAfter) }),
        ...awsClients(deps.env),
        expiryNoticeMs: parseDuration(policy.expiryNotice),
        health: {
            base: deps.healthBase ?? ((host) => `https://${host}`),
            wait: { timeoutMs: waitMs, intervalMs: deps.healthIntervalMs ?? 5_000 },
            afterUp: waitMs > 0,
        },
    });
}

/** The redirect list's owner: the shared application's, registered alongside updates from a child process. */
function authOf(ctx: CliContext, policy: NonNullable<EnvironmentSettings["ephemeral"]>, settings: EnvironmentSettings) {
    const deps = ctx.deps;
    const spec =
        deps.authAlongside ??
        (deps.authProgram === undefined && policy.authApplicationId !== undefined
            ? ({ kind: "azuread", applicationId: policy.authApplicationId, type: settings.auth.type } as const)
            : undefined);
    if (deps.authProgram === undefined && spec === undefined) {
        return undefined;
    }
    return {
        stackName: policy.authStack,
        fixedHosts: policy.fixedRedirectHosts,
        extraUris: settings.auth.extraRedirectUris,
        program: deps.authProgram ?? programOf(spec!),
        ...(spec === undefined ? {} : { alongside: spec }),
    };
}

/**
 * The price table of dev's region (or the snapshot's); one that cannot be read is said, not fatal
 * here (`env up` with a daily budget then refuses: the budget cannot be held without prices).
 */
function pricingOf(ctx: CliContext, region: string) {
    try {
        const loaded = priceTableFor(ctx.dir, region);
        return loaded === undefined ? undefined : { table: loaded.table, substitute: loaded.substitute };
    } catch (e) {
        ctx.log(`prices: ${(e as Error).message}`);
        return undefined;
    }
}

/** The Environment workflow of the repository vnv runs in, when it runs in GitHub Actions. */
function workflowOf(env: NodeJS.ProcessEnv): { workflowUrl?: string } {
    const server = env.GITHUB_SERVER_URL ?? "";
    const repository = env.GITHUB_REPOSITORY ?? "";
    if (!/^https:\/\/[a-z0-9.-]{1,253}(:\d{1,5})?$/.test(server) || !/^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/.test(repository)) {
        return {};
    }
    return { workflowUrl: `${server}/${repository}/actions/workflows/environment.yml` };
}

/** The AWS clients the library asks for by region: Application Auto Scaling (sleep), CloudWatch (the inactivity rule), ECS, EC2 and S3 (snapshots). */
function awsClients(env: NodeJS.ProcessEnv): Pick<DriverConfig, "cloudwatch" | "scaling" | "snapshots"> {
    return {
        snapshots: (where) => {
            const made = clientsFor(awsClientConfig(env, where));
            return { ecs: made.ecs(), ec2: made.ec2(), s3: made.s3() };
        },
        cloudwatch: (where) => {
            const { CloudWatchClient } = require("@aws-sdk/client-cloudwatch") as typeof import("@aws-sdk/client-cloudwatch");
            return new CloudWatchClient(awsClientConfig(env, where));
        },
        scaling: (where) => {
            const { ApplicationAutoScalingClient } =
                require("@aws-sdk/client-application-auto-scaling") as typeof import("@aws-sdk/client-application-auto-scaling");
            return new ApplicationAutoScalingClient(awsClientConfig(env, where));
        },
    };
}
