#!/usr/bin/env node
// The `vnv` command line as compiled JavaScript (`npm run vnv -- …`): node runs dist/, built by
// `npm run build` (tsc -p tsconfig.build.json). When dist/ is missing or older than a source
// file, it is built first (about 6 s on 2 cores), so the command line never runs stale code.
// Development can run the sources directly: `npx tsx automation/cli/main.ts …`.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { spawnSync } = require("node:child_process");

const root = path.resolve(__dirname, "..");
const entry = path.join(root, "dist", "automation", "cli", "main.js");
const SOURCES = ["automation", "infra", "components", "rules", "registry"];

/** The newest modification time among the program's sources and build configuration. */
function newestSource() {
    let newest = Math.max(fs.statSync(path.join(root, "tsconfig.json")).mtimeMs, fs.statSync(path.join(root, "tsconfig.build.json")).mtimeMs);
    const walk = (dir) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
            const p = path.join(dir, e.name);
            if (e.isDirectory()) walk(p);
            else if (e.name.endsWith(".ts")) newest = Math.max(newest, fs.statSync(p).mtimeMs);
        }
    };
    for (const dir of SOURCES) walk(path.join(root, dir));
    return newest;
}

function built() {
    try {
        return fs.statSync(entry).mtimeMs >= newestSource();
    } catch {
        return false;
    }
}

if (!built()) {
    process.stderr.write("vnv: compiling the command line (npm run build)…\n");
    const tsc = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", path.join(root, "tsconfig.build.json")], { stdio: "inherit" });
    if (tsc.status !== 0) {
        process.stderr.write("vnv: the command line did not compile (see above)\n");
        process.exit(1);
    }
    fs.utimesSync(entry, new Date(), new Date()); // tsc keeps unchanged outputs' times
}
require(entry);
