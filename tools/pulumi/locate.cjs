// Where the pinned Pulumi CLI lives, shared by setup.mjs and automation/state/pulumiCli.ts.
// Layout: <cache>/pulumi/<version>-<go.mod+go.sum hash>/bin/pulumi, so PulumiCommand.get({ root }) finds it.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { cacheDir, moduleHash } = require("../gobuild.cjs");

const here = __dirname;
const pin = JSON.parse(fs.readFileSync(path.join(here, "pulumi.json"), "utf8"));

/** The build's identity: pinned version and the exact module graph (go.mod + go.sum). */
function buildKey() {
    return `${pin.version}-${moduleHash(here)}`;
}

/** Root directory of the cached CLI (its binary is root/bin/pulumi). */
function cachedRoot(env = process.env) {
    return path.join(cacheDir(env), "pulumi", buildKey());
}

module.exports = { pin, cacheDir, buildKey, cachedRoot, moduleDir: here };
