#!/usr/bin/env node
// Makes the pinned versitygw available (the S3 API image of a Docker environment, built by
// standins/s3api.ts): built from the Go module proxy (the version tools/s3api/go.mod requires,
// go.sum committed) with CGO_ENABLED=0, so the binary is static and runs FROM scratch, into
// <cache>/versitygw/<version>-<go.mod+go.sum hash>/bin/versitygw, reused on later runs.
// <cache> is VNV_CACHE_DIR, else XDG_CACHE_HOME/vnv, else ~/.cache/vnv (as for the Pulumi CLI).
// One build at a time: a lock file beside the cache entry (holding the builder's pid) makes a
// second setup wait for the first, and a lock whose process is gone is taken over.
//
//   node tools/s3api/setup.mjs      build or find it, print where it is
//
// Exits non-zero with the reason when it cannot build.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";

const require = createRequire(import.meta.url);
const { goVersion, goBuild } = require("../gobuild.cjs");
const { pkg, pinnedVersion, cachedRoot, moduleDir } = require("./locate.cjs");

const started = Date.now();
const seconds = () => ((Date.now() - started) / 1000).toFixed(1);
const log = (msg) => console.log(`setup:s3api: ${msg}`);

/** The version `versitygw --version` reports (its first line, "Version  : v1.8.0"), or undefined. */
function versionOf(binary) {
    if (!fs.existsSync(binary)) return undefined;
    const r = spawnSync(binary, ["--version"], { encoding: "utf8", timeout: 10_000 });
    const m = r.status === 0 ? /^Version\s*:\s*(\S{1,64})\s*$/m.exec(r.stdout.slice(0, 4096)) : null;
    return m ? m[1] : undefined;
}

function alive(pid) {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return e.code === "EPERM";
    }
}

/** Takes `lock` (waits while a living process holds it, at most 15 minutes); answers its release. */
function takeLock(lock) {
    const deadline = Date.now() + 15 * 60_000;
    for (let said = false; ; ) {
        try {
            fs.writeFileSync(lock, String(process.pid), { flag: "wx" });
            return () => fs.rmSync(lock, { force: true });
        } catch (e) {
            if (e.code !== "EEXIST") throw e;
        }
        const holder = Number.parseInt(fs.readFileSync(lock, "utf8").slice(0, 16), 10);
        if (!Number.isSafeInteger(holder) || !alive(holder)) {
            fs.rmSync(lock, { force: true }); // its builder is gone
            continue;
        }
        if (Date.now() > deadline) {
            console.error(`setup:s3api: ${lock} is still held by process ${holder} after 15 minutes`);
            process.exit(1);
        }
        if (!said) log(`process ${holder} is building versitygw; waiting for it`);
        said = true;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    }
}

function setup() {
    const version = pinnedVersion();
    const root = cachedRoot();
    const binary = path.join(root, "bin", "versitygw");
    if (versionOf(binary) === version) {
        log(`cached ${binary} (${version}), ${seconds()} s`);
        return binary;
    }
    const go = goVersion();
    if (!go) {
        console.error(`setup:s3api: no Go toolchain to build versitygw ${version}.`);
        console.error("  Install Go 1.25+ (https://go.dev/doc/install) and run `npm run setup:s3api` again.");
        process.exit(1);
    }
    fs.mkdirSync(path.dirname(root), { recursive: true });
    const release = takeLock(`${root}.lock`);
    try {
        if (versionOf(binary) !== version) {
            log(`building versitygw ${version} from the Go module proxy with ${go} (a first build takes minutes)...`);
            goBuild({ tag: "setup:s3api", moduleDir, pkg, root, binary: "versitygw", ldflags: `-s -w -X main.Version=${version}` });
        }
    } finally {
        release();
    }
    const built = versionOf(binary);
    if (built !== version) {
        console.error(`setup:s3api: the built versitygw reports ${built ?? "nothing"}, expected ${version}`);
        process.exit(1);
    }
    const size = (fs.statSync(binary).size / 1024 / 1024).toFixed(1);
    log(`built ${binary} (${version}, ${size} MiB) in ${seconds()} s`);
    return binary;
}

setup();
