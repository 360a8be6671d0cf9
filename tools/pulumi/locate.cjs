// Where the pinned Pulumi CLI lives, shared by setup.mjs and automation/pulumiCli.ts.
// Layout: <cache>/pulumi/<version>-<go.sum hash>/bin/pulumi, so PulumiCommand.get({ root }) finds it.
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const here = __dirname;
const pin = JSON.parse(fs.readFileSync(path.join(here, "pulumi.json"), "utf8"));

/** The versioned cache directory: VNV_CACHE_DIR, else XDG_CACHE_HOME/vnv, else ~/.cache/vnv. */
function cacheDir(env = process.env) {
    if (env.VNV_CACHE_DIR) return path.resolve(env.VNV_CACHE_DIR);
    const base = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), ".cache");
    return path.join(base, "vnv");
}

/** The build's identity: pinned version and the exact module graph (go.sum). */
function buildKey() {
    const sum = fs.readFileSync(path.join(here, "go.sum"));
    const mod = fs.readFileSync(path.join(here, "go.mod"));
    const hash = crypto.createHash("sha256").update(mod).update(sum).digest("hex").slice(0, 12);
    return `${pin.version}-${hash}`;
}

/** Root directory of the cached CLI (its binary is root/bin/pulumi). */
function cachedRoot(env = process.env) {
    return path.join(cacheDir(env), "pulumi", buildKey());
}

module.exports = { pin, cacheDir, buildKey, cachedRoot, moduleDir: here };
