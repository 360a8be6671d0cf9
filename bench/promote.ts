/**
 * Promotion at scale: `release promote --dry-run` (the plan: every check, nothing written) and
 * `release ls` (the catalogue) over images with many tags, against the real registry on loopback
 * (Debian's docker-registry, harness/registry.ts). Every image of the test stack's version
 * gets VNV_BENCH_TAGS tags (default 2000: candidates of older versions, one manifest tagged many
 * times) and one candidate of the release. The load average is printed beside each figure: the
 * machine is shared, and a figure means little without it.
 * Run: npm run bench:promote    (prints figures; pushing the tags takes most of the time; VNV_BENCH_RUNS runs of each, default 3)
 */
import * as os from "node:os";
import { catalogue } from "../automation/release/catalogue";
import { planPromotion } from "../automation/release/release";
import { RegistryClient } from "../registry/client";
import { pushImage, registryServices, startRegistry } from "../harness/registry";

const TAGS = Number(process.env.VNV_BENCH_TAGS ?? 2000);
const RUNS = Number(process.env.VNV_BENCH_RUNS ?? 3);

function load(): string {
    return os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(" ");
}

async function timed(label: string, fn: () => Promise<unknown>): Promise<void> {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
        const t = Date.now();
        await fn();
        times.push(Date.now() - t);
    }
    console.log(`${label}: ${times.map((ms) => `${ms} ms`).join(", ")} (${RUNS} runs; load average ${load()}; ${os.cpus().length} cores)`);
}

async function main(): Promise<void> {
    const reg = await startRegistry();
    try {
        const services = registryServices(reg.host);
        const versioned = services.filter((s) => s.tag === undefined);
        const client = new RegistryClient({ credentials: () => undefined });
        const seeded = Date.now();
        for (const svc of versioned) {
            await pushImage(reg, `infrasoftbe/${svc.name}`, "v9.0.0-rc.1", svc.name);
            const manifest = await client.manifest(svc.image, "v9.0.0-rc.1");
            for (let i = 0; i < TAGS - 1; i++) {
                await client.tag(svc.image, `v1.${Math.floor(i / 10)}.${i % 10}-rc.1`, manifest);
            }
        }
        const listed = await client.tags(versioned[0]!.image);
        console.log(
            `${versioned.length} images × ${listed.length} tags on ${reg.host} (seeded in ${((Date.now() - seeded) / 1000).toFixed(1)} s; load average ${load()})`,
        );
        await timed(`release promote v9.0.0 --dry-run, ${listed.length} tags an image`, async () => {
            const plan = await planPromotion(client, services, "v9.0.0");
            if (plan.from !== "v9.0.0-rc.1") {
                throw new Error(`planned from ${plan.from}`);
            }
        });
        await timed(`release ls, ${listed.length} tags an image`, () => catalogue(client, services, [], { limit: 30 }));
    } finally {
        await reg.stop();
    }
}

main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
});
