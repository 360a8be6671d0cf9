/**
 * What an environment costs, from its own definition and a price table.
 *
 * A price table names its region, the day its prices were read and, for each price, where it
 * came from (prices/<region>.json: a committed snapshot, refreshed by `vnv prices refresh` from
 * the AWS Price List bulk offer files). The estimate counts, per hour:
 *
 * - Fargate: each task's vCPU and memory (`cpu`/1024 vCPU, `memory`/1024 GB) at the on-demand or
 *   the Spot rate of its capacity; AWS bills per second, so an hour is 3600 seconds of it (AWS
 *   Fargate pricing: "rounded up to the nearest second"). A table without Spot rates prices
 *   Spot at on-demand rates, said as an upper bound.
 * - The public IPv4 address each task has when `assignPublicIp` (Amazon VPC pricing: every
 *   public IPv4 address, per hour).
 * - Its share of the load balancer: an ephemeral environment shares dev's ALB with the others
 *   live, so its share is the ALB's hour divided among them; a dedicated one pays it whole.
 *   LCUs are traffic, which a test environment hardly has: not counted.
 * - Logs: an assumed volume per task and day (the table's assumption, printed), at the
 *   ingestion rate.
 * - Secrets: the own database's password, one secret, prorated by the hour (AWS Secrets
 *   Manager pricing: per secret per month, prorated by the hours it is stored).
 * - The database's data volume, when it is loaded from a dataset (an ECS-managed gp3 EBS volume,
 *   rules/ecsSnapshot.ts): its size at the GB-month rate, prorated by the hour (Amazon EBS
 *   pricing), around the clock. A table without the rate leaves it out, said.
 * - Service Connect: no charge of its own (its proxy runs in the task's CPU and memory).
 *
 * Sleeping services (every one but the database, outside the working hours) cost nothing while
 * asleep; the database always runs. Pure module: no `@pulumi/*` import.
 */
import type { WorkingHours } from "./schedule";
import { UNSAFE } from "./terminal";
import { asleepAt, clockMinutes, nextChange } from "./schedule";

/** One price: US dollars per unit, and where it was read. */
export interface Price {
    readonly usd: number;
    readonly source: string;
}

export const PRICE_KEYS = [
    "fargateVcpuHour",
    "fargateGbHour",
    "fargateSpotVcpuHour",
    "fargateSpotGbHour",
    "albHour",
    "publicIpv4Hour",
    "logsIngestGb",
    "secretMonth",
    "ebsGp3GbMonth",
] as const;
export type PriceKey = (typeof PRICE_KEYS)[number];
/** Spot rates change with the market and may be absent, as may EBS (tables from before it); the others are required. */
const OPTIONAL: readonly PriceKey[] = ["fargateSpotVcpuHour", "fargateSpotGbHour", "ebsGp3GbMonth"];

export interface PriceTable {
    readonly region: string;
    /** `YYYY-MM-DD`: the day the prices were read. */
    readonly date: string;
    readonly currency: "USD";
    readonly prices: Readonly<Partial<Record<PriceKey, Price>>>;
    readonly assumptions: { readonly logGbPerTaskDay: number };
}

/** A price table that is not one: data from a file or the Price List, so a failure (exit 1), not bad input. */
export class PriceTableError extends Error {
    readonly meaning = "failed" as const;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** A price above this per unit is no AWS price of these kinds: a table that says so is refused. */
const MAX_USD = 1000;

/** A price table read from JSON, strictly (a committed file, or one a refresh wrote): refused whole on the first fault. */
export function parsePriceTable(value: unknown, where: string): PriceTable {
    const fail = (why: string): never => {
        throw new PriceTableError(`${where}: ${why}`);
    };
    const o = isObject(value) ? value : fail("not a JSON object");
    unknownKeys(o, ["region", "date", "currency", "prices", "assumptions"], "", fail);
    const region = typeof o.region === "string" && REGION.test(o.region) ? o.region : fail("region: expected an AWS region such as eu-central-1");
    const date =
        typeof o.date === "string" && DATE.test(o.date) && !Number.isNaN(Date.parse(`${o.date}T00:00:00Z`)) ? o.date : fail("date: expected YYYY-MM-DD");
    if (o.currency !== "USD") {
        fail("currency: expected USD (AWS prices in US dollars)");
    }
    const raw = isObject(o.prices) ? o.prices : fail("prices: expected an object");
    unknownKeys(raw, PRICE_KEYS, "prices.", fail);
    const prices: Partial<Record<PriceKey, Price>> = {};
    for (const key of PRICE_KEYS) {
        const p = raw[key];
        if (p === undefined && OPTIONAL.includes(key)) {
            continue;
        }
        const entry = isObject(p) ? p : fail(`prices.${key}: expected {usd, source}`);
        unknownKeys(entry, ["usd", "source"], `prices.${key}.`, fail);
        const usd =
            typeof entry.usd === "number" && Number.isFinite(entry.usd) && entry.usd >= 0 && entry.usd <= MAX_USD
                ? entry.usd
                : fail(`prices.${key}.usd: expected 0 to ${MAX_USD}`);
        const source =
            typeof entry.source === "string" && entry.source.length > 0 && entry.source.length <= 300 && !UNSAFE.test(entry.source)
                ? entry.source
                : fail(`prices.${key}.source: expected where the price was read, at most 300 characters`);
        prices[key] = { usd, source };
    }
    const a = isObject(o.assumptions) ? o.assumptions : fail("assumptions: expected an object");
    unknownKeys(a, ["logGbPerTaskDay"], "assumptions.", fail);
    const logGbPerTaskDay =
        typeof a.logGbPerTaskDay === "number" && a.logGbPerTaskDay >= 0 && a.logGbPerTaskDay <= 100
            ? a.logGbPerTaskDay
            : fail("assumptions.logGbPerTaskDay: expected 0 to 100");
    return { region, date, currency: "USD", prices, assumptions: { logGbPerTaskDay } };
}

function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function unknownKeys(o: Record<string, unknown>, known: readonly string[], at: string, fail: (why: string) => never): void {
    const extra = Object.keys(o).filter((k) => !known.includes(k));
    if (extra.length > 0) {
        fail(`${at}${extra[0]!.slice(0, 40)}: unknown key (known: ${known.join(", ")})`);
    }
}

/** What the estimate needs of an environment (infra/settings: EnvironmentSettings has it). */
export interface PricedEnvironment {
    readonly services: readonly {
        readonly name: string;
        readonly cpu: number;
        readonly memory: number;
        readonly desiredCount: number;
        readonly capacity?: "FARGATE" | "FARGATE_SPOT";
    }[];
    readonly database?: { readonly name: string; readonly cpu: number; readonly memory: number };
    /** GiB of the database's EBS data volume (a database loaded from a dataset). */
    readonly dataVolumeGb?: number;
    readonly capacity: "FARGATE" | "FARGATE_SPOT";
    readonly assignPublicIp: boolean;
    /** How many environments share its load balancer (1: a dedicated one). */
    readonly albSharedBy: number;
    readonly workingHours?: WorkingHours;
}

/** One line of an estimate: what it is, its cost per hour awake and asleep. */
export interface EstimateLine {
    readonly item: string;
    readonly awakeHour: number;
    readonly asleepHour: number;
}

export interface Estimate {
    readonly lines: readonly EstimateLine[];
    /** Per hour with every service running. */
    readonly awakeHour: number;
    /** Per hour with the services asleep (the database, the ALB's share, secrets go on). */
    readonly asleepHour: number;
    /** Per day, on average over a week of its working hours (24 awake hours without them). */
    readonly day: number;
    /** Hours awake in a week (168 without working hours). */
    readonly awakeHoursPerWeek: number;
    /** What the estimate could not price exactly, said with it. */
    readonly caveats: readonly string[];
    readonly table: { readonly region: string; readonly date: string };
}

/** The estimate of an environment with this table (see the module's comment). */
export function estimate(env: PricedEnvironment, table: PriceTable): Estimate {
    const price = (key: PriceKey): number => table.prices[key]?.usd ?? 0;
    const spotKnown = table.prices.fargateSpotVcpuHour !== undefined && table.prices.fargateSpotGbHour !== undefined;
    const caveats: string[] = [];
    const task = (cpu: number, memory: number, capacity: "FARGATE" | "FARGATE_SPOT"): number => {
        const spot = capacity === "FARGATE_SPOT" && spotKnown;
        if (capacity === "FARGATE_SPOT" && !spotKnown && !caveats.includes(SPOT_CAVEAT)) {
            caveats.push(SPOT_CAVEAT);
        }
        return (cpu / 1024) * price(spot ? "fargateSpotVcpuHour" : "fargateVcpuHour") + (memory / 1024) * price(spot ? "fargateSpotGbHour" : "fargateGbHour");
    };
    const sleeps = env.workingHours !== undefined;
    const lines: EstimateLine[] = [];
    let tasksAwake = 0;
    let tasksAsleep = 0;
    for (const s of env.services) {
        const hour = s.desiredCount * task(s.cpu, s.memory, s.capacity ?? env.capacity);
        lines.push({ item: `${s.name}: ${s.desiredCount} × ${s.cpu / 1024} vCPU, ${s.memory / 1024} GB`, awakeHour: hour, asleepHour: sleeps ? 0 : hour });
        tasksAwake += s.desiredCount;
        tasksAsleep += sleeps ? 0 : s.desiredCount;
    }
    if (env.database !== undefined) {
        const d = env.database;
        // The database runs on-demand capacity: Spot would stop it, and its data with it.
        const hour = task(d.cpu, d.memory, "FARGATE");
        lines.push({ item: `${d.name} (database, never asleep): 1 × ${d.cpu / 1024} vCPU, ${d.memory / 1024} GB`, awakeHour: hour, asleepHour: hour });
        tasksAwake += 1;
        tasksAsleep += 1;
    }
    if (env.assignPublicIp) {
        lines.push({
            item: "public IPv4 addresses, one per task",
            awakeHour: tasksAwake * price("publicIpv4Hour"),
            asleepHour: tasksAsleep * price("publicIpv4Hour"),
        });
    }
    const alb = price("albHour") / Math.max(1, env.albSharedBy);
    lines.push({ item: env.albSharedBy > 1 ? `its share of the load balancer (1/${env.albSharedBy})` : "its load balancer", awakeHour: alb, asleepHour: alb });
    const logs = (table.assumptions.logGbPerTaskDay * price("logsIngestGb")) / 24;
    lines.push({
        item: `logs (${table.assumptions.logGbPerTaskDay} GB per task and day, assumed)`,
        awakeHour: tasksAwake * logs,
        asleepHour: tasksAsleep * logs,
    });
    if (env.database !== undefined) {
        const secret = price("secretMonth") / HOURS_PER_MONTH;
        lines.push({ item: "the database's secret", awakeHour: secret, asleepHour: secret });
    }
    if (env.dataVolumeGb !== undefined) {
        if (table.prices.ebsGp3GbMonth === undefined) {
            caveats.push(EBS_CAVEAT);
        }
        const volume = (env.dataVolumeGb * price("ebsGp3GbMonth")) / HOURS_PER_MONTH;
        lines.push({ item: `the database's data volume (${env.dataVolumeGb} GiB gp3 EBS)`, awakeHour: volume, asleepHour: volume });
    }
    lines.push({ item: "Service Connect (no charge of its own)", awakeHour: 0, asleepHour: 0 });
    const awakeHour = sum(lines.map((l) => l.awakeHour));
    const asleepHour = sum(lines.map((l) => l.asleepHour));
    const awakeHoursPerWeek = env.workingHours === undefined ? 168 : weeklyAwakeHours(env.workingHours);
    const day = (awakeHoursPerWeek * awakeHour + (168 - awakeHoursPerWeek) * asleepHour) / 7;
    return { lines, awakeHour, asleepHour, day, awakeHoursPerWeek, caveats, table: { region: table.region, date: table.date } };
}

const EBS_CAVEAT = "the database's EBS data volume not counted (the table has no EBS rate: `vnv prices show`)";
const SPOT_CAVEAT = "Fargate Spot priced at on-demand rates (the table has no Spot rates): an upper bound";
/** AWS's hours in a month for prorating (730 = 8760 / 12). */
export const HOURS_PER_MONTH = 730;

function sum(xs: readonly number[]): number {
    return xs.reduce((a, b) => a + b, 0);
}

function weeklyAwakeHours(h: WorkingHours): number {
    return (h.days.length * ((clockMinutes(h.to) ?? 0) - (clockMinutes(h.from) ?? 0))) / 60;
}

/** The longest span {@link awakeHoursBetween} counts. */
export const MAX_SPAN_MS = 400 * 86_400_000;

/** Hours between `from` and `to` the working hours keep the services awake (all of them without hours). */
export function awakeHoursBetween(hours: WorkingHours | undefined, from: Date, to: Date): number {
    if (to.getTime() <= from.getTime()) {
        return 0;
    }
    if (hours === undefined) {
        return (to.getTime() - from.getTime()) / 3_600_000;
    }
    if (to.getTime() - from.getTime() > MAX_SPAN_MS) {
        // Stepped change by change, a span is scanned minute by minute: callers bound theirs.
        throw new RangeError(`a span of more than ${MAX_SPAN_MS / 86_400_000} days is not priced`);
    }
    let awake = 0;
    for (let t = from; t.getTime() < to.getTime(); ) {
        const next = new Date(Math.min(nextChange(hours, t).getTime(), to.getTime()));
        if (!asleepAt(hours, t)) {
            awake += next.getTime() - t.getTime();
        }
        t = next;
    }
    return awake / 3_600_000;
}

/** What an environment costs between two instants: its awake hours at the awake rate, the rest asleep. */
export function costBetween(e: Pick<Estimate, "awakeHour" | "asleepHour">, hours: WorkingHours | undefined, from: Date, to: Date): number {
    const total = Math.max(0, (to.getTime() - from.getTime()) / 3_600_000);
    const awake = awakeHoursBetween(hours, from, to);
    return awake * e.awakeHour + (total - awake) * e.asleepHour;
}

/** `$1.23`: dollars to the cent, `<$0.01` below. */
export function dollars(usd: number): string {
    return usd > 0 && usd < 0.005 ? "<$0.01" : `$${usd.toFixed(2)}`;
}
