/**
 * The price before creation: the estimate's arithmetic held against AWS's published Fargate
 * pricing, sleep counted, the price table read strictly, and its refresh from AWS Price List
 * offer files served by a real HTTP server on loopback (the bulk API's documented format).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import fc from "fast-check";
import { fetchOffer, MATCHERS, refreshPrices } from "../automation/prices/offers";
import { readTable } from "../automation/prices/table";
import { PROJECT_DIR } from "../infra/stackFile";
import { awakeHoursBetween, costBetween, dollars, estimate, type PriceKey, type PricedEnvironment, type PriceTable, parsePriceTable } from "../rules/prices";
import { asleepAt, type WorkingHours } from "../rules/schedule";

const BRUSSELS: WorkingHours = { timeZone: "Europe/Brussels", days: ["mon", "tue", "wed", "thu", "fri"], from: "07:00", to: "19:00" };
const SNAPSHOT = readTable(path.join(PROJECT_DIR, "prices", "us-east-1.json"));

/** The snapshot with only the given prices, the rest at 0. */
function only(prices: Partial<Record<PriceKey, number>>, assumptions = { logGbPerTaskDay: 0 }): PriceTable {
    const all = Object.fromEntries(
        (["fargateVcpuHour", "fargateGbHour", "albHour", "publicIpv4Hour", "logsIngestGb", "secretMonth"] as const).map((k) => [
            k,
            { usd: prices[k] ?? 0, source: "test" },
        ]),
    );
    const spot = Object.fromEntries(
        (["fargateSpotVcpuHour", "fargateSpotGbHour", "ebsGp3GbMonth"] as const)
            .filter((k) => prices[k] !== undefined)
            .map((k) => [k, { usd: prices[k]!, source: "test" }]),
    );
    return parsePriceTable({ region: "us-east-1", date: "2026-06-17", currency: "USD", prices: { ...all, ...spot }, assumptions }, "test");
}

const one = (over: Partial<PricedEnvironment> = {}): PricedEnvironment => ({
    services: [{ name: "web", cpu: 1024, memory: 2048, desiredCount: 1 }],
    capacity: "FARGATE",
    assignPublicIp: false,
    albSharedBy: 1,
    ...over,
});

describe("the price of an environment", () => {
    describe("the arithmetic, against AWS's published Fargate pricing", () => {
        // AWS Fargate pricing, example: 5 tasks of 1 vCPU and 2 GB for 10 minutes a day for 30 days
        // in US East (N. Virginia): 5 × 1 × $0.000011244 × 600 × 30 = $1.01 of vCPU and
        // 5 × 2 × $0.000001235 × 600 × 30 = $0.22 of memory, $1.23 in all.
        const five = one({ services: [{ name: "job", cpu: 1024, memory: 2048, desiredCount: 5 }] });
        const hours = (600 * 30) / 3600;

        it("the vCPU part is $1.01", () => {
            assert.equal(dollars(estimate(five, only({ fargateVcpuHour: SNAPSHOT.prices.fargateVcpuHour!.usd })).awakeHour * hours), "$1.01");
        });

        it("the memory part is $0.22", () => {
            assert.equal(dollars(estimate(five, only({ fargateGbHour: SNAPSHOT.prices.fargateGbHour!.usd })).awakeHour * hours), "$0.22");
        });

        it("the committed table's per-hour rates are the page's per-second ones (to its nine decimals) times 3600", () => {
            assert.deepEqual(
                [SNAPSHOT.prices.fargateVcpuHour!.usd, SNAPSHOT.prices.fargateGbHour!.usd].map((h) => Math.round((h / 3600) * 1e9) / 1e9),
                [0.000011244, 0.000001235],
            );
        });

        it("both make $1.23", () => {
            const table = only({ fargateVcpuHour: SNAPSHOT.prices.fargateVcpuHour!.usd, fargateGbHour: SNAPSHOT.prices.fargateGbHour!.usd });
            assert.equal(dollars(estimate(five, table).awakeHour * hours), "$1.23");
        });
    });

    describe("what it counts", () => {
        it("a service asleep costs nothing; the database runs around the clock", () => {
            const env = one({ workingHours: BRUSSELS, database: { name: "neo4j", cpu: 1024, memory: 3072 } });
            const e = estimate(env, only({ fargateVcpuHour: 1 }));
            assert.deepEqual([e.awakeHour, e.asleepHour], [2, 1]);
        });

        it("a day is the week's awake hours at the awake rate and the rest asleep, over seven days: 60 of 168 in Brussels' hours", () => {
            const e = estimate(one({ workingHours: BRUSSELS }), only({ fargateVcpuHour: 1 }));
            assert.deepEqual([e.awakeHoursPerWeek, e.day], [60, 60 / 7]);
        });

        it("without working hours a day is 24 hours awake", () => {
            assert.equal(estimate(one(), only({ fargateVcpuHour: 1 })).day, 24);
        });

        it("Spot capacity takes the Spot rates; without them, the on-demand ones, said as an upper bound", () => {
            const spot = one({ capacity: "FARGATE_SPOT" });
            assert.equal(estimate(spot, only({ fargateVcpuHour: 1, fargateSpotVcpuHour: 0.3, fargateSpotGbHour: 0 })).awakeHour, 0.3);
            const without = estimate(spot, only({ fargateVcpuHour: 1 }));
            assert.deepEqual([without.awakeHour, without.caveats.length], [1, 1]);
        });

        it("the database runs on-demand even where the services run on Spot", () => {
            const env = one({ capacity: "FARGATE_SPOT", services: [], database: { name: "neo4j", cpu: 1024, memory: 2048 } });
            assert.equal(estimate(env, only({ fargateVcpuHour: 1, fargateSpotVcpuHour: 0.3, fargateSpotGbHour: 0 })).awakeHour, 1);
        });

        it("a shared load balancer is paid in shares: the hour divided among the environments on it", () => {
            assert.deepEqual(
                [1, 4].map((n) => estimate(one({ services: [], albSharedBy: n }), only({ albHour: 0.0225 })).awakeHour),
                [0.0225, 0.0225 / 4],
            );
        });

        it("each task with a public IPv4 address pays for it, asleep ones not", () => {
            const e = estimate(
                one({ assignPublicIp: true, workingHours: BRUSSELS, database: { name: "neo4j", cpu: 1024, memory: 2048 } }),
                only({ publicIpv4Hour: 0.005 }),
            );
            assert.deepEqual([e.awakeHour, e.asleepHour], [0.01, 0.005]);
        });

        it("logs are the assumed volume per task and day at the ingestion rate", () => {
            const e = estimate(one(), only({ logsIngestGb: 0.5 }, { logGbPerTaskDay: 0.048 }));
            assert.equal(Math.round(e.awakeHour * 24 * 1e6) / 1e6, 0.024);
        });

        it("the database's secret is a month's price prorated over 730 hours", () => {
            const e = estimate(one({ services: [], database: { name: "neo4j", cpu: 0, memory: 0 } }), only({ secretMonth: 0.4 }));
            assert.ok(Math.abs(e.awakeHour * 730 - 0.4) < 1e-12);
        });

        it("a database loaded from a dataset pays its EBS data volume around the clock: GiB × the GB-month rate over 730 hours", () => {
            const e = estimate(one({ services: [], dataVolumeGb: 20 }), only({ ebsGp3GbMonth: 0.08 }));
            assert.ok(Math.abs(e.awakeHour * 730 - 1.6) < 1e-12);
            assert.equal(e.asleepHour, e.awakeHour);
            assert.deepEqual(e.caveats, []);
        });

        it("a table without the EBS rate leaves the volume out and says so", () => {
            const e = estimate(one({ services: [], dataVolumeGb: 20 }), only({}));
            assert.match(e.caveats.join("\n"), /EBS data volume not counted/);
        });
    });

    describe("cost over time", () => {
        it("Friday 18:00 to Monday 08:00 in Brussels is one hour awake on Friday and one on Monday", () => {
            assert.equal(awakeHoursBetween(BRUSSELS, new Date("2026-12-04T17:00:00Z"), new Date("2026-12-07T07:00:00Z")), 2);
        });

        it("for any interval, the awake hours are those minute by minute", () => {
            const start = fc
                .date({ min: new Date("2026-01-01Z"), max: new Date("2027-01-01Z"), noInvalidDate: true })
                .map((d) => new Date(Math.floor(d.getTime() / 60_000) * 60_000));
            fc.assert(
                fc.property(start, fc.integer({ min: 0, max: 3 * 24 * 60 }), (from, minutes) => {
                    let awake = 0;
                    for (let m = 0; m < minutes; m++) {
                        awake += asleepAt(BRUSSELS, new Date(from.getTime() + m * 60_000)) ? 0 : 1;
                    }
                    return Math.abs(awakeHoursBetween(BRUSSELS, from, new Date(from.getTime() + minutes * 60_000)) - awake / 60) < 1e-9;
                }),
                { numRuns: 25 },
            );
        });

        it("a span longer than the bound is refused rather than scanned for minutes (tags can claim any creation time)", () => {
            assert.throws(() => awakeHoursBetween(BRUSSELS, new Date("1970-01-01Z"), new Date("2026-12-01Z")), /not priced/);
        });

        it("cost between two instants is the awake hours at the awake rate and the rest at the asleep rate", () => {
            const cost = costBetween({ awakeHour: 2, asleepHour: 1 }, BRUSSELS, new Date("2026-12-04T17:00:00Z"), new Date("2026-12-07T07:00:00Z"));
            assert.equal(cost, 2 * 2 + 60 * 1);
        });
    });

    describe("the price table is read strictly", () => {
        const good = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "prices", "us-east-1.json"), "utf8"));
        const refused = (change: (t: Record<string, unknown> & { prices: Record<string, Record<string, unknown>> }) => void): string => {
            const t = structuredClone(good);
            change(t);
            try {
                parsePriceTable(t, "t");
                return "accepted";
            } catch (e) {
                return (e as Error).message;
            }
        };

        it("the committed snapshot is a table: us-east-1, dated, every required price with its source", () => {
            assert.deepEqual([SNAPSHOT.region, SNAPSHOT.date, Object.keys(SNAPSHOT.prices).length], ["us-east-1", "2026-06-17", 7]);
        });

        it("a negative price, an absurd one, or one that is not a number is refused, naming it", () => {
            assert.match(
                refused((t) => (t.prices.albHour!.usd = -1)),
                /prices\.albHour\.usd: expected 0 to 1000/,
            );
            assert.match(
                refused((t) => (t.prices.albHour!.usd = 1e9)),
                /prices\.albHour\.usd/,
            );
            assert.match(
                refused((t) => (t.prices.albHour!.usd = "0.02")),
                /prices\.albHour\.usd/,
            );
        });

        it("a required price missing, an unknown key, or a source with control characters is refused", () => {
            assert.match(
                refused((t) => delete t.prices.fargateGbHour),
                /prices\.fargateGbHour: expected \{usd, source\}/,
            );
            assert.match(
                refused((t) => (t.prices.gpuHour = { usd: 1, source: "x" })),
                /prices\.gpuHour: unknown key/,
            );
            assert.match(
                refused((t) => (t.prices.albHour!.source = "x\u001b[2J")),
                /prices\.albHour\.source/,
            );
        });
    });
});

describe("refreshing the prices from the AWS Price List offer files", () => {
    let server: http.Server | undefined;
    afterEach(async () => {
        await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
        server = undefined;
    });

    /** A loopback server answering `/offers/v1.0/aws/<service>/current/<region>/index.json` with `answer(service)`. */
    async function priceList(answer: (service: string, res: http.ServerResponse) => void): Promise<string> {
        server = http.createServer((req, res) => {
            const m = /^\/offers\/v1\.0\/aws\/([A-Za-z]+)\/current\/eu-central-1\/index\.json$/.exec(req.url ?? "");
            if (m === null) {
                res.writeHead(404).end();
                return;
            }
            answer(m[1]!, res);
        });
        await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
        return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }

    /** An offer file in the bulk API's format: products by SKU, and their on-demand terms. */
    function offer(products: { usagetype: string; usd: string; family?: string; region?: string }[]): string {
        const entries = products.map((p, i) => [`SKU${i}`, p] as const);
        return JSON.stringify({
            formatVersion: "v1.0",
            offerCode: "X",
            publicationDate: "2026-11-20T00:00:00Z",
            products: Object.fromEntries(
                entries.map(([sku, p]) => [
                    sku,
                    { sku, productFamily: p.family ?? "Compute", attributes: { usagetype: p.usagetype, regionCode: p.region ?? "eu-central-1" } },
                ]),
            ),
            terms: {
                OnDemand: Object.fromEntries(
                    entries.map(([sku, p]) => [
                        sku,
                        {
                            [`${sku}.T`]: {
                                sku,
                                priceDimensions: { [`${sku}.T.D`]: { beginRange: "0", endRange: "Inf", unit: "Hrs", pricePerUnit: { USD: p.usd } } },
                            },
                        },
                    ]),
                ),
            },
        });
    }

    const FRANKFURT: Record<string, { usagetype: string; usd: string; family?: string; region?: string }[]> = {
        AmazonECS: [
            { usagetype: "EUC1-Fargate-vCPU-Hours:perCPU", usd: "0.0465600000" },
            { usagetype: "EUC1-Fargate-GB-Hours", usd: "0.0051100000" },
            { usagetype: "EUC1-Fargate-ARM-vCPU-Hours:perCPU", usd: "0.0372500000" },
            { usagetype: "EUC1-SpotUsage:Fargate-vCPU-Hours:perCPU", usd: "0.0150000000" },
            { usagetype: "EUW1-Fargate-vCPU-Hours:perCPU", usd: "9.9", region: "eu-west-1" },
        ],
        AWSELB: [
            { usagetype: "EUC1-LoadBalancerUsage", usd: "0.0270000000", family: "Load Balancer-Application" },
            { usagetype: "EUC1-LoadBalancerUsage", usd: "0.0270000000", family: "Load Balancer-Network" },
        ],
        AmazonVPC: [{ usagetype: "EUC1-PublicIPv4:InUseAddress", usd: "0.0050000000" }],
        AmazonCloudWatch: [{ usagetype: "EUC1-DataProcessing-Bytes", usd: "0.6300000000" }],
        AWSSecretsManager: [{ usagetype: "EUC1-AWSSecretsManager-Secrets", usd: "0.4000000000" }],
    };

    const serve = (files: typeof FRANKFURT) => (service: string, res: http.ServerResponse) =>
        files[service] === undefined ? res.writeHead(404).end() : res.writeHead(200, { "content-type": "application/json" }).end(offer(files[service]!));

    it("every price found is the region's, from the product of its usage type, with the offer it came from", async () => {
        const base = await priceList(serve(FRANKFURT));
        const { table } = await refreshPrices("eu-central-1", base, "2026-12-03", SNAPSHOT);
        assert.deepEqual(
            [table.region, table.date, table.prices.fargateVcpuHour, table.prices.albHour?.usd, table.prices.logsIngestGb?.usd],
            [
                "eu-central-1",
                "2026-12-03",
                { usd: 0.04656, source: "AWS Price List, AmazonECS offer of 2026-11-20T00:00:00Z, usagetype EUC1-Fargate-vCPU-Hours:perCPU" },
                0.027,
                0.63,
            ],
        );
    });

    it("a price the offer files lack keeps the earlier one, said as another region's", async () => {
        const base = await priceList(serve(FRANKFURT));
        const r = await refreshPrices("eu-central-1", base, "2026-12-03", SNAPSHOT);
        assert.equal(r.table.prices.fargateSpotGbHour, undefined, "the snapshot has none either");
        const { AWSSecretsManager: _s, ...without } = FRANKFURT;
        const again = await refreshPrices("eu-central-1", await restart(serve({ ...without, AWSSecretsManager: [] })), "2026-12-03", SNAPSHOT);
        assert.match(again.table.prices.secretMonth!.source, /^not in eu-central-1's offer files: us-east-1's, AWS Secrets Manager pricing/);
        assert.deepEqual(
            again.changes.filter((c) => !c.found).map((c) => c.key),
            // EBS is in the EC2 offer, which no refresh reads: kept from the snapshot.
            ["fargateSpotGbHour", "secretMonth", "ebsGp3GbMonth"],
        );
    });

    async function restart(answer: (service: string, res: http.ServerResponse) => void): Promise<string> {
        await new Promise<void>((resolve) => server!.close(() => resolve()));
        return priceList(answer);
    }

    it("two products that price one thing differently are refused, not guessed between", async () => {
        const base = await priceList(serve({ ...FRANKFURT, AmazonECS: [...FRANKFURT.AmazonECS!, { usagetype: "Fargate-vCPU-Hours:perCPU", usd: "0.05" }] }));
        await assert.rejects(refreshPrices("eu-central-1", base, "2026-12-03", SNAPSHOT), /two products price fargateVcpuHour differently/);
    });

    it("a price that is not a decimal number is refused, naming its product", async () => {
        const base = await priceList(serve({ ...FRANKFURT, AmazonVPC: [{ usagetype: "EUC1-PublicIPv4:InUseAddress", usd: "1e3" }] }));
        await assert.rejects(refreshPrices("eu-central-1", base, "2026-12-03", SNAPSHOT), /EUC1-PublicIPv4:InUseAddress.*expected one price in USD/);
    });

    it("a file larger than the limit is refused, whether it says so or not", async () => {
        const limits = { bytes: 1000, timeoutMs: 5000, products: 100 };
        let declared = true;
        const base = await priceList((_s, res) => {
            const body = " ".repeat(5000);
            res.writeHead(200, declared ? { "content-length": String(body.length) } : {});
            res.end(body);
        });
        await assert.rejects(fetchOffer(`${base}/offers/v1.0/aws/AmazonECS/current/eu-central-1/index.json`, limits), /is 5000 bytes: more than the 1000/);
        declared = false;
        await assert.rejects(fetchOffer(`${base}/offers/v1.0/aws/AmazonECS/current/eu-central-1/index.json`, limits), /sent more than the 1000 bytes/);
    });

    it("a server that does not answer in time is given up on", async () => {
        const base = await priceList(() => undefined); // never answers
        await assert.rejects(
            fetchOffer(`${base}/offers/v1.0/aws/AmazonECS/current/eu-central-1/index.json`, { bytes: 1000, timeoutMs: 200, products: 10 }),
            /could not be read/,
        );
        server?.closeAllConnections();
    });

    it("every matcher's usage type reads with and without a region prefix, and no other", () => {
        const vcpu = MATCHERS.find((m) => m.key === "fargateVcpuHour")!.usagetype;
        assert.deepEqual(
            [
                "EUC1-Fargate-vCPU-Hours:perCPU",
                "Fargate-vCPU-Hours:perCPU",
                "EUC1-Fargate-ARM-vCPU-Hours:perCPU",
                "EUC1-SpotUsage:Fargate-vCPU-Hours:perCPU",
            ].map((u) => vcpu.test(u)),
            [true, true, false, false],
        );
    });
});
