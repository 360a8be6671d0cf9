#!/usr/bin/env node
// Makes the pinned actionlint available: built from the Go module proxy (the version that
// tools/actionlint/go.mod requires, go.sum committed) into
// <cache>/actionlint/<version>-<go.mod+go.sum hash>/bin/actionlint, reused on later runs.
// <cache> is VNV_CACHE_DIR, else XDG_CACHE_HOME/vnv, else ~/.cache/vnv (as for the Pulumi CLI).
//
//   node tools/actionlint/setup.mjs                  build or find it, print where it is
//   node tools/actionlint/setup.mjs --run [args...]  then run it from the repository root:
//                                                    with no args, over .github/workflows
//
// actionlint runs shellcheck on `run:` scripts when `shellcheck` is on PATH and skips that check
// otherwise; --run says which. Exits non-zero with the reason when it cannot build, or with
// actionlint's exit code.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const { cacheDir, moduleHash, goVersion, goBuild } = require("../gobuild.cjs");

const moduleDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(moduleDir, "..", "..");
const pkg = "github.com/rhysd/actionlint/cmd/actionlint";
const started = Date.now();
const seconds = () => ((Date.now() - started) / 1000).toFixed(1);
const log = (msg) => console.log(`setup:actionlint: ${msg}`);

/** The pinned version: the one go.mod requires (go.mod is the single source of truth). */
function pinnedVersion() {
    const mod = fs.readFileSync(path.join(moduleDir, "go.mod"), "utf8");
    const m = mod.match(/^\s*(?:require\s+)?github\.com\/rhysd\/actionlint\s+(v\d+\.\d+\.\d+\S*)/m);
    if (!m) {
        console.error(`setup:actionlint: ${path.join(moduleDir, "go.mod")} requires no github.com/rhysd/actionlint`);
        process.exit(1);
    }
    return m[1];
}

/** What `actionlint -version` reports first (the stamped version), or undefined. */
function versionOf(binary) {
    if (!fs.existsSync(binary)) return undefined;
    const r = spawnSync(binary, ["-version"], { encoding: "utf8" });
    return r.status === 0 ? r.stdout.split("\n")[0].trim() : undefined;
}

function setup() {
    const version = pinnedVersion();
    const stamp = version.replace(/^v/, ""); // as release binaries report it: 1.7.12
    const root = path.join(cacheDir(), "actionlint", `${version}-${moduleHash(moduleDir)}`);
    const binary = path.join(root, "bin", "actionlint");
    if (versionOf(binary) === stamp) {
        log(`cached ${binary} (${stamp}), ${seconds()} s`);
        return binary;
    }
    const go = goVersion();
    if (!go) {
        console.error(`setup:actionlint: no Go toolchain to build actionlint ${version}.`);
        console.error("  Install Go 1.24+ (https://go.dev/doc/install) and run `npm run lint:workflows` again.");
        process.exit(1);
    }
    log(`building actionlint ${version} from the Go module proxy with ${go}...`);
    goBuild({
        tag: "setup:actionlint",
        moduleDir,
        pkg,
        root,
        binary: "actionlint",
        ldflags: `-s -w -X github.com/rhysd/actionlint.version=${stamp} -X 'github.com/rhysd/actionlint.installedFrom=built from the Go module proxy by tools/actionlint/setup.mjs'`,
    });
    const built = versionOf(binary);
    if (built !== stamp) {
        console.error(`setup:actionlint: the built actionlint reports ${built ?? "nothing"}, expected ${stamp}`);
        process.exit(1);
    }
    const size = (fs.statSync(binary).size / 1024 / 1024).toFixed(1);
    log(`built ${binary} (${stamp}, ${size} MiB) in ${seconds()} s`);
    return binary;
}

/** Every workflow file, relative to the repository root. */
function workflowFiles() {
    const dir = path.join(repoRoot, ".github", "workflows");
    if (!fs.existsSync(dir)) return [];
    return fs
        .readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .map((f) => path.join(".github", "workflows", f));
}

function run(binary, args) {
    const shellcheck = spawnSync("shellcheck", ["--version"], { encoding: "utf8" });
    if (shellcheck.status === 0) {
        const v = shellcheck.stdout.match(/^version:\s*(\S+)/m)?.[1] ?? "unknown version";
        log(`shellcheck ${v} checks the run: scripts`);
    } else {
        log("shellcheck not found: run: scripts are NOT checked (apt-get install shellcheck)");
    }
    let files = args;
    if (files.length === 0) {
        files = workflowFiles();
        if (files.length === 0) {
            log("no workflow files in .github/workflows");
            return 0;
        }
        log(`linting ${files.join(" ")}`);
    }
    const r = spawnSync(binary, files, { cwd: repoRoot, stdio: "inherit" });
    if (r.error) {
        console.error(`setup:actionlint: ${binary}: ${r.error.message}`);
        return 1;
    }
    if (r.status === 0 && args.length === 0) log(`no problems found, ${seconds()} s`);
    return r.status ?? 1;
}

const binary = setup();
const at = process.argv.indexOf("--run");
if (at >= 0) process.exit(run(binary, process.argv.slice(at + 1)));
