// Which Docker Compose v2 vnv runs, shared by setup.mjs, the test harness and the automation.
// Layout of the pinned build: <cache>/compose/<version>-<go.mod+go.sum hash>/bin/docker-compose,
// <cache> as for every tool (tools/gobuild.cjs cacheDir()). It is run directly, never installed
// as a CLI plugin.
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const { cacheDir, moduleHash } = require("../gobuild.cjs");

const here = __dirname;
/** The pinned build: the module and package built, its version, and the variable stamped with it. */
const pin = Object.freeze({
    module: "github.com/docker/compose/v2",
    package: "github.com/docker/compose/v2/cmd",
    version: "v2.40.3",
    versionVariable: "github.com/docker/compose/v2/internal.Version",
});

/** The build's identity: pinned version and the exact module graph (go.mod + go.sum). */
function buildKey() {
    return `${pin.version}-${moduleHash(here)}`;
}

/** Root directory of the cached build (its binary is root/bin/docker-compose). */
function cachedRoot(env = process.env) {
    return path.join(cacheDir(env), "compose", buildKey());
}

/** The cached binary's path (whether or not it is there). */
function cachedBinary(env = process.env) {
    return path.join(cachedRoot(env), "bin", "docker-compose");
}

const VERSION_LINE = /^Docker Compose version (v?\d{1,4}\.\d{1,4}\.\d{1,4}[0-9A-Za-z.+-]{0,64})$/;

/**
 * The version a compose command reports (`<file> <args> version`), e.g. "v2.40.3", or undefined
 * when it does not run, or answers anything but one "Docker Compose version vX.Y.Z" line, or is
 * not Compose v2 or later. Bounded: 15 s, 64 KiB of output.
 */
function composeVersion(file, args, env = process.env) {
    const r = spawnSync(file, [...args, "version"], { encoding: "utf8", env, timeout: 15_000, maxBuffer: 64 * 1024, stdio: ["ignore", "pipe", "pipe"] });
    if (r.status !== 0 || typeof r.stdout !== "string") return undefined;
    const m = r.stdout.trim().match(VERSION_LINE);
    if (!m?.[1]) return undefined;
    const major = Number(m[1].replace(/^v/, "").split(".")[0]);
    return major >= 2 ? m[1] : undefined;
}

/**
 * How to run Docker Compose v2: `file` with `args` prepended to compose's own arguments.
 *  1. VNV_COMPOSE, a path to a docker-compose binary (it must answer `version`);
 *  2. `docker compose`, when `docker compose version` answers (a CLI plugin of the docker on PATH);
 *  3. the pinned build in the cache (tools/compose/setup.mjs makes it).
 * Throws, saying what to do, when none is there.
 */
function composeCommand(env = process.env) {
    const chosen = env.VNV_COMPOSE;
    if (chosen !== undefined && chosen !== "") {
        const file = path.resolve(chosen);
        if (!composeVersion(file, [], env)) throw new Error(`VNV_COMPOSE=${chosen} does not answer \`version\` as Docker Compose v2`);
        return { file, args: [] };
    }
    if (composeVersion("docker", ["compose"], env)) return { file: "docker", args: ["compose"] };
    const cached = cachedBinary(env);
    if (fs.existsSync(cached)) return { file: cached, args: [] };
    throw new Error(`no Docker Compose v2: neither VNV_COMPOSE, \`docker compose\`, nor the pinned build at ${cached}; run \`npm run setup:compose\``);
}

module.exports = { pin, buildKey, cachedRoot, cachedBinary, composeVersion, composeCommand, moduleDir: here };
