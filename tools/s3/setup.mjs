#!/usr/bin/env node
// Makes the test S3 API available: moto's server (PyPI, pinned in tools/s3/requirements.txt),
// installed with pip into a virtual environment at
// <cache>/moto/<hash of requirements.txt>/bin/moto_server, reused on later runs. <cache> is
// VNV_CACHE_DIR, else XDG_CACHE_HOME/vnv, else ~/.cache/vnv (as for the Pulumi CLI).
// VNV_TEST_S3_SERVER points at another moto_server. Prints where the server is.
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const { cacheDir } = require("../gobuild.cjs");
const here = path.dirname(fileURLToPath(import.meta.url));
const log = (msg) => console.log(`setup:s3: ${msg}`);
const started = Date.now();
const seconds = () => ((Date.now() - started) / 1000).toFixed(1);

const runs = (binary) => spawnSync(binary, ["--help"], { encoding: "utf8" }).status === 0;

if (process.env.VNV_TEST_S3_SERVER) {
    if (!runs(process.env.VNV_TEST_S3_SERVER)) {
        console.error(`setup:s3: VNV_TEST_S3_SERVER=${process.env.VNV_TEST_S3_SERVER} does not run`);
        process.exit(1);
    }
    log(`using ${process.env.VNV_TEST_S3_SERVER}`);
    process.exit(0);
}
const requirements = path.join(here, "requirements.txt");
const hash = crypto.createHash("sha256").update(fs.readFileSync(requirements)).digest("hex").slice(0, 12);
const root = path.join(cacheDir(), "moto", hash);
const server = path.join(root, "bin", "moto_server");
if (fs.existsSync(path.join(root, ".complete")) && runs(server)) {
    log(`cached ${server}, ${seconds()} s`);
    process.exit(0);
}
const python = ["python3", "python"].find((p) => spawnSync(p, ["--version"]).status === 0);
if (python === undefined) {
    console.error("setup:s3: the S3 tests need Python 3 (with venv and pip) to install moto's server from PyPI.");
    process.exit(1);
}
// A venv's scripts name its interpreter by absolute path, so it is built in place; a marker
// written last says it is complete (a half-built one is removed and built again).
const marker = path.join(root, ".complete");
fs.rmSync(root, { recursive: true, force: true });
fs.mkdirSync(path.dirname(root), { recursive: true });
const step = (cmd, args) => {
    const r = spawnSync(cmd, args, { stdio: ["ignore", "ignore", "inherit"] });
    if (r.status !== 0) {
        fs.rmSync(root, { recursive: true, force: true });
        console.error(`setup:s3: ${cmd} ${args.join(" ")} failed`);
        process.exit(1);
    }
};
log(`installing moto's server from PyPI into ${root}...`);
step(python, ["-m", "venv", root]);
step(path.join(root, "bin", "pip"), ["install", "--quiet", "--disable-pip-version-check", "-r", requirements]);
if (!runs(server)) {
    console.error(`setup:s3: installed, but ${server} does not run`);
    process.exit(1);
}
fs.writeFileSync(marker, "");
log(`installed ${server} in ${seconds()} s`);
