/**
 * Frontend extraction benchmark: is applying layers linear in their entries, whiteouts included?
 *
 *   1. the layer tree alone (registry/layerTree.ts), no registry: N files in a lower layer, then a
 *      layer with a whiteout for every other file, an opaque marker in every tenth directory and a
 *      whiteout of one whole directory; 10k, 50k and 200k files;
 *   2. the whole extraction (registry/extract.ts) against the real registry on loopback (the test
 *      registry, `npm run setup:registry`): the same image, pushed as two gzip layers, for 10k and
 *      50k files (the files kept are raised to fit).
 *
 * Linear means the time per entry stays flat as N grows (a quadratic whiteout would make it grow
 * with N: 5× the entries, 25× the time). The load average is printed with each figure: on a
 * shared machine, compare figures taken under the same load.
 *
 * Run: npm run bench:extract    (takes about a minute)
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RegistryClient } from "../registry/client";
import { extractImage } from "../registry/extract";
import { LayerTree } from "../registry/layerTree";
import { type LayerEntry, pushLayeredImage } from "../harness/layers";
import { startRegistry } from "../harness/registry";

const ROOT = "usr/share/nginx/html";

function load(): string {
    return os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(" ");
}

/** Path of the i-th file: 100 files per directory, 10 directories per parent. */
function fileOf(i: number): string[] {
    const d = Math.floor(i / 100);
    return ["app", `g${Math.floor(d / 10)}`, `d${d}`, `f${i}.js`];
}

/** The two layers of the benchmark, as entries under the root: N files, then the whiteouts. */
function layersOf(n: number): { lower: string[][]; upper: { kind: "whiteout" | "opaque"; path: string[] }[] } {
    const lower = Array.from({ length: n }, (_, i) => fileOf(i));
    const upper: { kind: "whiteout" | "opaque"; path: string[] }[] = [];
    for (let i = 1; i < n; i += 2) {
        upper.push({ kind: "whiteout", path: fileOf(i) });
    }
    for (let d = 0; d * 100 < n; d += 10) {
        upper.push({ kind: "opaque", path: fileOf(d * 100).slice(0, -1) });
    }
    upper.push({ kind: "whiteout", path: ["app", "g0"] });
    return { lower, upper };
}

function treeAlone(n: number): void {
    const staging = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-bench-extract-"));
    try {
        const { lower, upper } = layersOf(n);
        const start = process.hrtime.bigint();
        const tree = new LayerTree([]);
        tree.nextLayer();
        lower.forEach((p, i) => {
            tree.clear(p);
            tree.addFile(p, path.join(staging, String(i)), 1);
        });
        tree.nextLayer();
        for (const u of upper) {
            if (u.kind === "whiteout") {
                tree.whiteout(u.path);
            } else {
                tree.opaque(u.path);
            }
        }
        const left = tree.rootFiles().length;
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        const entries = lower.length + upper.length;
        console.log(
            `tree alone   ${String(n).padStart(6)} files ${String(entries).padStart(7)} entries  ${ms.toFixed(0).padStart(6)} ms  ${((ms * 1000) / entries).toFixed(2).padStart(6)} µs/entry  ${left} left  load ${load()}`,
        );
    } finally {
        fs.rmSync(staging, { recursive: true, force: true });
    }
}

async function wholeExtraction(n: number): Promise<void> {
    const reg = await startRegistry();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-bench-extract-"));
    try {
        const { lower, upper } = layersOf(n);
        const name = (p: string[]) => `${ROOT}/${p.join("/")}`;
        const lowerEntries: LayerEntry[] = [{ name: `${ROOT}/index.html`, content: "<h1>bench</h1>" }, ...lower.map((p) => ({ name: name(p), content: "x" }))];
        const upperEntries: LayerEntry[] = upper.map((u) =>
            u.kind === "whiteout"
                ? { name: `${ROOT}/${[...u.path.slice(0, -1), `.wh.${u.path[u.path.length - 1]}`].join("/")}`, content: "" }
                : { name: `${ROOT}/${[...u.path, ".wh..wh..opq"].join("/")}`, content: "" },
        );
        await pushLayeredImage(reg, "bench/app", "v1", [
            { compression: "gzip", entries: lowerEntries },
            { compression: "gzip", entries: upperEntries },
        ]);
        const client = new RegistryClient({ credentials: () => undefined });
        const start = process.hrtime.bigint();
        const r = await extractImage(client, `${reg.host}/bench/app`, "v1", { from: `/${ROOT}`, to: path.join(dir, "out"), maxFiles: 2 * n });
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        const entries = lowerEntries.length + upperEntries.length;
        console.log(
            `extraction   ${String(n).padStart(6)} files ${String(entries).padStart(7)} entries  ${ms.toFixed(0).padStart(6)} ms  ${((ms * 1000) / entries).toFixed(2).padStart(6)} µs/entry  ${r.files.length} left  load ${load()}`,
        );
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
        await reg.stop();
    }
}

async function main(): Promise<void> {
    console.log(`node ${process.version}, ${os.cpus().length} CPUs`);
    for (const n of [10_000, 50_000, 200_000]) {
        treeAlone(n);
    }
    for (const n of [10_000, 50_000]) {
        await wholeExtraction(n);
    }
}

main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
});
