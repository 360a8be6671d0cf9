// Shared by the tools that build a pinned Go program from the Go module proxy into the vnv
// cache (tools/pulumi, tools/actionlint): where the cache is, the identity of a build, and the
// build itself (staging directory, then an atomic rename, so a half-built tool is never found).
"use strict";
const { spawnSync } = require("node:child_process");
const crypto = require("node:crypto");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

/** The cache directory: VNV_CACHE_DIR, else XDG_CACHE_HOME/vnv, else ~/.cache/vnv. */
function cacheDir(env = process.env) {
    if (env.VNV_CACHE_DIR) return path.resolve(env.VNV_CACHE_DIR);
    const base = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), ".cache");
    return path.join(base, "vnv");
}

/** The exact module graph of a tools module: the first 12 hex digits of sha256(go.mod + go.sum). */
function moduleHash(moduleDir) {
    const sum = fs.readFileSync(path.join(moduleDir, "go.sum"));
    const mod = fs.readFileSync(path.join(moduleDir, "go.mod"));
    return crypto.createHash("sha256").update(mod).update(sum).digest("hex").slice(0, 12);
}

/** `go version` output, or undefined when there is no Go toolchain. */
function goVersion() {
    const r = spawnSync("go", ["version"], { encoding: "utf8" });
    return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * Builds `pkg` of the module in `moduleDir` into `root`/bin/`binary` with CGO_ENABLED=0 and
 * -trimpath. It is built in `root`.partial-<pid>; `finish(stagingBinDir)`, if given, adds files
 * beside it; then the staging directory replaces `root` in one rename. On a failed build the
 * staging directory is removed and the process exits 1 with the command in the message.
 */
function goBuild({ tag, moduleDir, pkg, root, binary, ldflags, finish }) {
    const staging = `${root}.partial-${process.pid}`;
    fs.rmSync(staging, { recursive: true, force: true });
    fs.mkdirSync(path.join(staging, "bin"), { recursive: true });
    const args = ["build", "-trimpath", "-ldflags", ldflags, "-o", path.join(staging, "bin", binary), pkg];
    const r = spawnSync("go", args, {
        cwd: moduleDir,
        stdio: ["ignore", "inherit", "inherit"],
        env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=readonly -buildvcs=false", GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? "auto" },
    });
    if (r.status !== 0) {
        fs.rmSync(staging, { recursive: true, force: true });
        console.error(`${tag}: go ${args.join(" ")} failed (exit ${r.status}) in ${moduleDir}`);
        process.exit(1);
    }
    if (finish) finish(path.join(staging, "bin"));
    fs.rmSync(root, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(root), { recursive: true });
    fs.renameSync(staging, root); // atomic: a half-built tool is never found
}

module.exports = { cacheDir, moduleHash, goVersion, goBuild };
