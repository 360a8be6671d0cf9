#!/usr/bin/env node
// Makes a Pulumi CLI available for the automation and its tests:
//  1. VNV_PULUMI_ROOT (a directory with bin/pulumi), if set;
//  2. a `pulumi` on PATH that is new enough (self-managed backends need >= 3.211 for stack tags);
//  3. the pinned version built from the Go module proxy into a versioned cache directory,
//     reused on later runs.
// Prints what it did and how long it took; exits non-zero with the reason when it cannot.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";

const require = createRequire(import.meta.url);
const { pin, cachedRoot, moduleDir } = require("./locate.cjs");
const { goVersion, goBuild } = require("../gobuild.cjs");
const started = Date.now();
const seconds = () => ((Date.now() - started) / 1000).toFixed(1);
const quiet = process.argv.includes("--quiet");
const log = (msg) => console.log(`setup:pulumi: ${msg}`);

function versionOf(binary) {
    const r = spawnSync(binary, ["version"], { encoding: "utf8", env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" } });
    if (r.status !== 0) return undefined;
    const m = r.stdout.trim().match(/^v?(\d+)\.(\d+)\.(\d+)/);
    return m ? { text: r.stdout.trim(), parts: m.slice(1, 4).map(Number) } : undefined;
}

function atLeast(parts, minimum) {
    const min = minimum.split(".").map(Number);
    for (let i = 0; i < 3; i++) {
        if (parts[i] !== min[i]) return parts[i] > min[i];
    }
    return true;
}

function onPath() {
    const r = spawnSync("sh", ["-c", "command -v pulumi"], { encoding: "utf8" });
    return r.status === 0 ? r.stdout.trim() : undefined;
}

/** The dynamic-provider launcher that @pulumi/pulumi ships, placed beside the CLI. */
function placeDynamicProvider(binDir) {
    let script;
    try {
        script = path.join(path.dirname(require.resolve("@pulumi/pulumi/package.json")), "pulumi-resource-pulumi-nodejs");
    } catch {
        return;
    }
    if (fs.existsSync(script)) {
        const target = path.join(binDir, "pulumi-resource-pulumi-nodejs");
        fs.copyFileSync(script, target);
        fs.chmodSync(target, 0o755);
    }
}

function build(root) {
    const go = goVersion();
    if (!go) {
        console.error(`setup:pulumi: no Pulumi CLI >= ${pin.minimumOnPath} on PATH, and no Go toolchain to build ${pin.version}.`);
        console.error("  Install Go 1.24+ (https://go.dev/doc/install) and run `npm run setup:pulumi` again,");
        console.error("  or install the Pulumi CLI and put it on PATH, or set VNV_PULUMI_ROOT to a directory holding bin/pulumi.");
        process.exit(1);
    }
    log(`building Pulumi CLI ${pin.version} from the Go module proxy with ${go} (a first build takes minutes)...`);
    goBuild({
        tag: "setup:pulumi",
        moduleDir,
        pkg: pin.package,
        root,
        binary: "pulumi",
        ldflags: `-s -w -X ${pin.versionVariable}=${pin.version}`,
        finish: placeDynamicProvider,
    });
}

function main() {
    if (process.env.VNV_PULUMI_ROOT) {
        const binary = path.join(process.env.VNV_PULUMI_ROOT, "bin", "pulumi");
        const v = versionOf(binary);
        if (!v) {
            console.error(`setup:pulumi: VNV_PULUMI_ROOT is set, but ${binary} does not run`);
            process.exit(1);
        }
        log(`using ${binary} (${v.text}) from VNV_PULUMI_ROOT, ${seconds()} s`);
        return;
    }
    const found = onPath();
    const onPathVersion = found ? versionOf(found) : undefined;
    if (onPathVersion && atLeast(onPathVersion.parts, pin.minimumOnPath)) {
        log(`using ${found} (${onPathVersion.text}) from PATH, ${seconds()} s`);
        return;
    }
    if (found) {
        log(`${found} is ${onPathVersion?.text ?? "not runnable"}; need >= ${pin.minimumOnPath}: using the pinned build instead`);
    }
    const root = cachedRoot();
    const binary = path.join(root, "bin", "pulumi");
    const cached = versionOf(binary);
    if (cached && cached.text === pin.version) {
        placeDynamicProvider(path.join(root, "bin"));
        if (!quiet) log(`cached ${binary} (${cached.text}), ${seconds()} s`);
        return;
    }
    build(root);
    const built = versionOf(binary);
    if (!built || built.text !== pin.version) {
        console.error(`setup:pulumi: the built CLI reports ${built?.text ?? "nothing"}, expected ${pin.version}`);
        process.exit(1);
    }
    const size = (fs.statSync(binary).size / 1024 / 1024).toFixed(1);
    log(`built ${binary} (${built.text}, ${size} MiB) in ${seconds()} s`);
}

main();
