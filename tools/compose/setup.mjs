#!/usr/bin/env node
// Makes Docker Compose v2 available for vnv's Docker target and its tests, in the order
// tools/compose/locate.cjs looks for it:
//  1. VNV_COMPOSE (a path to a docker-compose binary), if set;
//  2. `docker compose`, when the docker CLI on PATH has the plugin;
//  3. the pinned version (tools/compose/go.mod) built from the Go module proxy into
//     <cache>/compose/<version>-<go.mod+go.sum hash>/bin/docker-compose, reused on later runs.
// One build at a time: a lock file beside the cache root; a second setup waits for the first.
// Prints what it did and how long it took (--quiet: nothing when the cached build is reused);
// exits non-zero with the reason when it cannot.
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";

const require = createRequire(import.meta.url);
const { pin, cachedRoot, cachedBinary, composeVersion, moduleDir } = require("./locate.cjs");
const { goVersion, goBuild } = require("../gobuild.cjs");
const started = Date.now();
const seconds = () => ((Date.now() - started) / 1000).toFixed(1);
const quiet = process.argv.includes("--quiet");
const log = (msg) => console.log(`setup:compose: ${msg}`);
const fail = (msg) => {
    console.error(`setup:compose: ${msg}`);
    process.exit(1);
};

function alive(pid) {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return e.code === "EPERM";
    }
}

/** Takes `lock` (a file holding the owner's pid); waits, up to 30 min, while a live process holds it. */
function acquire(lock) {
    const deadline = Date.now() + 30 * 60_000;
    let said = false;
    for (;;) {
        try {
            fs.writeFileSync(lock, String(process.pid), { flag: "wx" });
            return;
        } catch (e) {
            if (e.code !== "EEXIST") throw e;
        }
        const text = fs.readFileSync(lock, { encoding: "utf8", flag: "r" }).slice(0, 16).trim();
        const owner = /^\d{1,10}$/.test(text) ? Number(text) : undefined;
        if (owner === undefined || !alive(owner)) {
            fs.rmSync(lock, { force: true }); // a dead owner's lock (or a torn write): take it over
            continue;
        }
        if (Date.now() > deadline) fail(`${lock} is still held by process ${owner} after 30 min`);
        if (!said) log(`waiting for the build that process ${owner} is running (${lock})...`);
        said = true;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    }
}

function main() {
    if (process.env.VNV_COMPOSE) {
        const v = composeVersion(process.env.VNV_COMPOSE, []);
        if (!v) fail(`VNV_COMPOSE=${process.env.VNV_COMPOSE} does not answer \`version\` as Docker Compose v2`);
        log(`using ${process.env.VNV_COMPOSE} (${v}) from VNV_COMPOSE, ${seconds()} s`);
        return;
    }
    const plugin = composeVersion("docker", ["compose"]);
    if (plugin) {
        log(`using \`docker compose\` (${plugin}), ${seconds()} s`);
        return;
    }
    const root = cachedRoot();
    const binary = cachedBinary();
    if (composeVersion(binary, []) === pin.version) {
        if (!quiet) log(`cached ${binary} (${pin.version}), ${seconds()} s`);
        return;
    }
    const go = goVersion();
    if (!go) {
        fail(
            `no \`docker compose\` and no Go toolchain to build Docker Compose ${pin.version}.\n` +
                "  Install Go 1.24+ (https://go.dev/doc/install) and run `npm run setup:compose` again,\n" +
                "  or install the docker compose plugin, or set VNV_COMPOSE to a docker-compose v2 binary.",
        );
    }
    fs.mkdirSync(path.dirname(root), { recursive: true });
    const lock = `${root}.lock`;
    acquire(lock);
    try {
        if (composeVersion(binary, []) === pin.version) {
            log(`built meanwhile by another setup: ${binary} (${pin.version}), ${seconds()} s`);
            return;
        }
        log(`building Docker Compose ${pin.version} from the Go module proxy with ${go} (a first build takes minutes)...`);
        goBuild({
            tag: "setup:compose",
            moduleDir,
            pkg: pin.package,
            root,
            binary: "docker-compose",
            ldflags: `-s -w -X ${pin.versionVariable}=${pin.version}`,
        });
    } finally {
        fs.rmSync(lock, { force: true });
    }
    const built = composeVersion(binary, []);
    if (built !== pin.version) fail(`the built ${binary} reports ${built ?? "nothing"} for \`version\`, expected ${pin.version}`);
    const size = (fs.statSync(binary).size / 1024 / 1024).toFixed(1);
    log(`built ${binary} (${built}, ${size} MiB) in ${seconds()} s`);
}

main();
