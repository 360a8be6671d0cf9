/**
 * Stand-in images benchmark: how long writing each image into a registry takes, without Docker
 * (standins/), against the real registry on loopback (`npm run setup:registry`; the S3 API image
 * needs `npm run setup:s3api`). Each image is pushed twice: into an empty repository (every blob
 * sent), then as another tag (only the config and the manifest: the registry has the layers).
 * The time includes making the layers (tar, gzip) and hashing them.
 *
 * Run: npm run bench:standins    (a few seconds)
 */
import * as os from "node:os";
import { startRegistry } from "../harness/registry";
import { pushStandin, type StandinSpec } from "../standins/images";
import { pushS3Api } from "../standins/s3api";

const SPECS: Array<[string, StandinSpec]> = [
    ["api", { kind: "http", service: "api", port: 8080 }],
    ["neo4j", { kind: "database", service: "neo4j" }],
    ["web", { kind: "frontend", service: "web" }],
];

async function timed<T extends { bytesPushed: number }>(what: string, push: () => Promise<T>): Promise<void> {
    const started = process.hrtime.bigint();
    const pushed = await push();
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    console.log(`${what.padEnd(28)} ${ms.toFixed(0).padStart(6)} ms  ${(pushed.bytesPushed / 1024).toFixed(0).padStart(7)} KiB sent`);
}

async function main(): Promise<void> {
    console.log(
        `load average ${os
            .loadavg()
            .map((l) => l.toFixed(2))
            .join(" ")}`,
    );
    const reg = await startRegistry();
    try {
        for (const [name, spec] of SPECS) {
            await timed(`${name} (${spec.kind}) v1.0.0`, () => pushStandin(reg.host, `bench/${name}`, "v1.0.0", spec));
            await timed(`${name} (${spec.kind}) v1.0.1`, () => pushStandin(reg.host, `bench/${name}`, "v1.0.1", spec));
        }
        await timed("s3api (versitygw) first", () => pushS3Api(reg.host, "bench/s3api", "first"));
        await timed("s3api (versitygw) again", () => pushS3Api(reg.host, "bench/s3api", "again"));
    } finally {
        await reg.stop();
    }
}

main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
});
