// Where the pinned versitygw lives, shared by setup.mjs and standins/s3api.ts.
// Layout: <cache>/versitygw/<version>-<go.mod+go.sum hash>/bin/versitygw.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { cacheDir, moduleHash } = require("../gobuild.cjs");

const here = __dirname;
const pkg = "github.com/versity/versitygw/cmd/versitygw";

/** The pinned version: the one go.mod requires (go.mod is the single source of truth). */
function pinnedVersion() {
    const mod = fs.readFileSync(path.join(here, "go.mod"), "utf8");
    const m = mod.match(/^\s*(?:require\s+)?github\.com\/versity\/versitygw\s+(v\d+\.\d+\.\d+)\s/m);
    if (!m) throw new Error(`${path.join(here, "go.mod")} requires no github.com/versity/versitygw`);
    return m[1];
}

/** Root directory of the cached build (its binary is root/bin/versitygw). */
function cachedRoot(env = process.env) {
    return path.join(cacheDir(env), "versitygw", `${pinnedVersion()}-${moduleHash(here)}`);
}

/** The cached binary's path (it may not exist yet: `npm run setup:s3api` builds it). */
function cachedBinary(env = process.env) {
    return path.join(cachedRoot(env), "bin", "versitygw");
}

module.exports = { pkg, pinnedVersion, cachedRoot, cachedBinary, moduleDir: here };
