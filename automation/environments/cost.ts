/**
 * What environments cost, by vnv's estimate (rules/prices.ts) with the driver's price table:
 * `env up` says it before creating and holds the daily budget; `env ls` says what each has cost
 * since its creation and will cost until its expiry. Sleep by the working hours is counted;
 * sleep by hand is not (the estimate is what the configuration costs, not a bill).
 */
import type { EnvironmentSettings } from "../../infra/settings";
import { costBetween, dollars, type Estimate, estimate, type PricedEnvironment } from "../../rules/prices";
import type { EnvironmentMeta } from "../../rules/metadata";
import { DATA_VOLUME_DEFAULTS } from "../../rules/ecsSnapshot";
import { parseVersion } from "../../rules/versions";
import { OperationError, UsageError } from "../errors";
import type { Runtime } from "./runtime";

/** An estimate, and whether its prices are another region's. */
export type PricedEstimate = Estimate & { readonly substitute: boolean };

export function pricedOf(settings: EnvironmentSettings, sharedBy: number): PricedEnvironment {
    return {
        services: settings.services,
        ...(settings.database === undefined ? {} : { database: settings.database }),
        // A database loaded from a dataset keeps its data on EBS (infra/environment.ts).
        ...(settings.database?.dataset === undefined ? {} : { dataVolumeGb: DATA_VOLUME_DEFAULTS.sizeInGb }),
        capacity: settings.capacity,
        assignPublicIp: settings.network.assignPublicIp,
        albSharedBy: settings.ingress.mode === "shared" ? Math.max(1, sharedBy) : 1,
        ...(settings.workingHours === undefined ? {} : { workingHours: settings.workingHours }),
    };
}

/** The estimate of `settings` sharing the ALB with `sharedBy` environments, or undefined without a price table. */
export function estimateOf(rt: Runtime, settings: EnvironmentSettings, sharedBy: number): PricedEstimate | undefined {
    const pricing = rt.cfg.pricing;
    return pricing === undefined ? undefined : { ...estimate(pricedOf(settings, sharedBy), pricing.table), substitute: pricing.substitute };
}

/** One line: `about $0.31 an hour awake, $5.12 a day (us-east-1 prices of 2026-06-17)`. */
export function estimateText(e: PricedEstimate, region: string): string {
    const prices = `${e.table.region} prices of ${e.table.date}${e.substitute ? `, not ${region}'s: \`vnv prices refresh\`` : ""}`;
    const asleep = e.awakeHoursPerWeek < 168 ? `, ${dollars(e.asleepHour)} asleep` : "";
    return `about ${dollars(e.awakeHour)} an hour awake${asleep}, ${dollars(e.day)} a day (${prices})${e.caveats.length > 0 ? `; ${e.caveats.join("; ")}` : ""}`;
}

/**
 * The estimate of `version`'s new environment, refused (UsageError, exit 2, nothing made) when
 * it would take the live ephemeral environments past the daily budget.
 */
export async function priceNew(rt: Runtime, stack: string, settings: EnvironmentSettings): Promise<PricedEstimate | undefined> {
    const budget = rt.cfg.dailyBudget;
    const live = await rt.live();
    const mine = estimateOf(rt, settings, live.length + 1);
    if (mine === undefined) {
        if (budget !== undefined) {
            throw new OperationError(
                `${stack}: vnv:ephemeral.dailyBudget is set but there is no price table to hold it (prices/<region>.json): nothing was created`,
            );
        }
        return undefined;
    }
    rt.log(`${stack}: ${estimateText(mine, settings.region)}`);
    if (budget === undefined) {
        return mine;
    }
    // One whose settings no longer build (a version dev's configuration no longer makes) is
    // priced as this one: it still runs, and must not block everyone else's up.
    const others = live.map((m) => {
        try {
            return estimateOf(rt, settingsOfMeta(rt, m), live.length + 1)?.day ?? mine.day;
        } catch {
            return mine.day;
        }
    });
    const total = mine.day + others.reduce((a, b) => a + b, 0);
    if (total > budget) {
        throw new UsageError(
            `${stack} would take the ephemeral environments to ${dollars(total)} a day (${dollars(mine.day)} for it, ${dollars(total - mine.day)} for the ${live.length} live), ` +
                `more than vnv:ephemeral.dailyBudget, $${budget} a day: nothing was created. Take one down (\`vnv env ls\` shows them and their cost) or raise the budget in Pulumi.dev.yaml`,
        );
    }
    return mine;
}

/** The settings of a live environment, from its tags. */
export function settingsOfMeta(rt: Runtime, meta: EnvironmentMeta): EnvironmentSettings {
    return rt.settingsFor(parseVersion(meta.version), meta.slot);
}

/** What an environment has cost since its creation and will cost until its expiry, and a day now. */
export interface EnvironmentCost {
    readonly soFar: number;
    readonly toExpiry: number;
    readonly day: number;
}

/** A life longer than this is no environment vnv priced (tags that say so are hostile or broken): no cost is shown. */
const MAX_PRICED_MS = 400 * 86_400_000;

export function costOf(rt: Runtime, meta: EnvironmentMeta, sharedBy: number, now: Date): EnvironmentCost | undefined {
    if (Math.max(now.getTime(), meta.expiresAt.getTime()) - meta.createdAt.getTime() > MAX_PRICED_MS || meta.createdAt.getTime() > now.getTime()) {
        return undefined;
    }
    let settings: EnvironmentSettings;
    try {
        settings = settingsOfMeta(rt, meta);
    } catch {
        return undefined; // a version dev's configuration no longer makes: no price
    }
    const e = estimateOf(rt, settings, sharedBy);
    if (e === undefined) {
        return undefined;
    }
    const until = meta.expiresAt.getTime() > now.getTime() ? meta.expiresAt : now;
    return {
        soFar: costBetween(e, settings.workingHours, meta.createdAt, now),
        toExpiry: costBetween(e, settings.workingHours, now, until),
        day: e.day,
    };
}
