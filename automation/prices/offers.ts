/**
 * `vnv prices refresh`: a region's prices read from the AWS Price List bulk offer files
 * (`<base>/offers/v1.0/aws/<service>/current/<region>/index.json`, AWS Price List API: "Using the
 * bulk API"), one file per service. A product is found by its `usagetype` (region prefix, such
 * as `EUC1-`, optional) and its on-demand price is its only price dimension starting at 0. What
 * is not found keeps the table's earlier price, said as such.
 *
 * The files are hostile input: bounded in bytes and in time, read strictly; two products that
 * match one price with different prices are refused rather than guessed between.
 */
import { OperationError } from "../errors";
import { PRICE_KEYS, type Price, type PriceKey, type PriceTable, parsePriceTable } from "../../rules/prices";
import { terminalText } from "../../rules/terminal";

export const PRICE_LIST_URL = "https://pricing.us-east-1.amazonaws.com";
export const OFFER_LIMITS = { bytes: 128 * 1024 * 1024, timeoutMs: 120_000, products: 500_000 } as const;

interface Matcher {
    readonly key: PriceKey;
    readonly service: string;
    readonly usagetype: RegExp;
    readonly family?: string;
}

const P = "^(?:[A-Z0-9]+-)?";
/** What each price is in the offer files. */
export const MATCHERS: readonly Matcher[] = [
    { key: "fargateVcpuHour", service: "AmazonECS", usagetype: new RegExp(`${P}Fargate-vCPU-Hours:perCPU$`) },
    { key: "fargateGbHour", service: "AmazonECS", usagetype: new RegExp(`${P}Fargate-GB-Hours$`) },
    { key: "fargateSpotVcpuHour", service: "AmazonECS", usagetype: new RegExp(`${P}SpotUsage:Fargate-vCPU-Hours:perCPU$`) },
    { key: "fargateSpotGbHour", service: "AmazonECS", usagetype: new RegExp(`${P}SpotUsage:Fargate-GB-Hours$`) },
    { key: "albHour", service: "AWSELB", usagetype: new RegExp(`${P}LoadBalancerUsage$`), family: "Load Balancer-Application" },
    { key: "publicIpv4Hour", service: "AmazonVPC", usagetype: new RegExp(`${P}PublicIPv4:InUseAddress$`) },
    { key: "logsIngestGb", service: "AmazonCloudWatch", usagetype: new RegExp(`${P}DataProcessing-Bytes$`) },
    { key: "secretMonth", service: "AWSSecretsManager", usagetype: new RegExp(`${P}AWSSecretsManager-Secrets$`) },
];

export interface Limits {
    readonly bytes: number;
    readonly timeoutMs: number;
    readonly products: number;
}

/** One offer file, fetched within the limits and parsed. */
export async function fetchOffer(url: string, limits: Limits = OFFER_LIMITS): Promise<unknown> {
    let response: Response;
    try {
        response = await fetch(url, { signal: AbortSignal.timeout(limits.timeoutMs) });
    } catch (e) {
        throw new OperationError(`the Price List at ${url} could not be read: ${terminalText((e as Error).message.slice(0, 200))}`);
    }
    if (!response.ok) {
        await response.body?.cancel();
        throw new OperationError(`the Price List at ${url} answered HTTP ${response.status}`);
    }
    const declared = Number(response.headers.get("content-length") ?? "0");
    if (declared > limits.bytes) {
        await response.body?.cancel();
        throw new OperationError(`the Price List at ${url} is ${declared} bytes: more than the ${limits.bytes} vnv reads`);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
            size += chunk.byteLength;
            if (size > limits.bytes) {
                throw new OperationError(`the Price List at ${url} sent more than the ${limits.bytes} bytes vnv reads`);
            }
            chunks.push(chunk);
        }
    } catch (e) {
        if (e instanceof OperationError) {
            throw e;
        }
        throw new OperationError(`the Price List at ${url} could not be read whole: ${terminalText((e as Error).message.slice(0, 200))}`);
    }
    try {
        return JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
        throw new OperationError(`the Price List at ${url} is not JSON`);
    }
}

/** The on-demand price of each matcher's product in one offer file of `region` (USD per unit), and what it said of itself. */
export function pricesInOffer(
    offer: unknown,
    matchers: readonly Matcher[],
    region: string,
    url: string,
    limits: Limits = OFFER_LIMITS,
): { found: Partial<Record<PriceKey, { usd: number; usagetype: string }>>; version: string } {
    const refuse = (why: string): never => {
        throw new OperationError(`the Price List at ${url} is not an offer file vnv reads: ${why}`);
    };
    const o = isObject(offer) ? offer : refuse("not a JSON object");
    const products = isObject(o.products) ? o.products : refuse("no products");
    const onDemand = isObject(o.terms) && isObject(o.terms.OnDemand) ? o.terms.OnDemand : refuse("no terms.OnDemand");
    const version = typeof o.publicationDate === "string" && o.publicationDate.length <= 40 ? o.publicationDate : "an unnamed publication";
    const skus = Object.keys(products);
    if (skus.length > limits.products) {
        refuse(`${skus.length} products, more than the ${limits.products} vnv reads`);
    }
    const found: Partial<Record<PriceKey, { usd: number; usagetype: string }>> = {};
    for (const sku of skus) {
        const product = products[sku];
        const attributes = isObject(product) && isObject(product.attributes) ? product.attributes : undefined;
        const usagetype = attributes?.usagetype;
        if (typeof usagetype !== "string" || usagetype.length > 200 || (typeof attributes?.regionCode === "string" && attributes.regionCode !== region)) {
            continue;
        }
        for (const m of matchers.filter(
            (x) => x.usagetype.test(usagetype) && (x.family === undefined || (isObject(product) && product.productFamily === x.family)),
        )) {
            const usd = onDemandPrice(onDemand[sku], `${sku} (${usagetype})`, refuse);
            const earlier = found[m.key];
            if (earlier !== undefined && earlier.usd !== usd) {
                refuse(`two products price ${m.key} differently: ${earlier.usagetype} at ${earlier.usd} and ${terminalText(usagetype)} at ${usd}`);
            }
            found[m.key] = { usd, usagetype };
        }
    }
    return { found, version };
}

/** A product's single on-demand price dimension from 0, in USD. */
function onDemandPrice(terms: unknown, what: string, refuse: (why: string) => never): number {
    const offers = isObject(terms) ? Object.values(terms) : [];
    if (offers.length !== 1 || !isObject(offers[0]) || !isObject(offers[0].priceDimensions)) {
        return refuse(`${terminalText(what)}: expected one on-demand term`);
    }
    const dimensions = Object.values(offers[0].priceDimensions).filter((d) => isObject(d) && (d.beginRange === undefined || d.beginRange === "0"));
    const [dimension] = dimensions;
    const text = dimensions.length === 1 && isObject(dimension) && isObject(dimension.pricePerUnit) ? dimension.pricePerUnit.USD : undefined;
    if (typeof text !== "string" || !/^\d{1,6}(\.\d{1,12})?$/.test(text)) {
        return refuse(`${terminalText(what)}: expected one price in USD from 0, got ${terminalText(JSON.stringify(text ?? null).slice(0, 40))}`);
    }
    return Number(text);
}

function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

export interface Refreshed {
    readonly table: PriceTable;
    /** Each price: its earlier and its new value, and whether the offer files had it. */
    readonly changes: readonly { key: PriceKey; before?: number; after?: number; found: boolean }[];
}

/**
 * A new table for `region` from the offer files at `base`, dated `today`: every price found
 * replaces the earlier one (of `earlier`, the region's table or another region's snapshot),
 * which is kept, said as kept, for the ones not found.
 */
export async function refreshPrices(
    region: string,
    base: string,
    today: string,
    earlier: PriceTable,
    limits: Limits = OFFER_LIMITS,
    log: (line: string) => void = () => undefined,
): Promise<Refreshed> {
    const found: Partial<Record<PriceKey, Price>> = {};
    for (const service of [...new Set(MATCHERS.map((m) => m.service))]) {
        const url = `${base.replace(/\/+$/, "")}/offers/v1.0/aws/${service}/current/${region}/index.json`;
        log(`reading ${url}`);
        const prices = pricesInOffer(
            await fetchOffer(url, limits),
            MATCHERS.filter((m) => m.service === service),
            region,
            url,
            limits,
        );
        for (const [key, p] of Object.entries(prices.found) as [PriceKey, { usd: number; usagetype: string }][]) {
            found[key] = { usd: p.usd, source: `AWS Price List, ${service} offer of ${prices.version}, usagetype ${p.usagetype}` };
        }
    }
    const kept = (key: PriceKey): Price | undefined => {
        const p = earlier.prices[key];
        if (p === undefined) {
            return undefined;
        }
        return earlier.region === region || p.source.startsWith("not in ")
            ? p
            : { usd: p.usd, source: `not in ${region}'s offer files: ${earlier.region}'s, ${p.source}`.slice(0, 300) };
    };
    // Every key: those no offer file here holds (EBS is in the EC2 offer, beyond any bound) are kept as they were.
    const prices = Object.fromEntries(
        PRICE_KEYS.flatMap((key) => {
            const p = found[key] ?? kept(key);
            return p === undefined ? [] : [[key, p]];
        }),
    );
    const table = parsePriceTable({ region, date: today, currency: "USD", prices, assumptions: earlier.assumptions }, `the ${region} prices read`);
    const changes = PRICE_KEYS.map((key) => ({
        key,
        ...(earlier.prices[key] === undefined ? {} : { before: earlier.prices[key]!.usd }),
        ...(table.prices[key] === undefined ? {} : { after: table.prices[key]!.usd }),
        found: found[key] !== undefined,
    }));
    return { table, changes };
}
