#!/usr/bin/env node
// Makes the test registry available: Debian's docker-registry package (the CNCF distribution
// registry), which the registry tests start on loopback. Installs it with apt-get when missing
// (as root, or through sudo); otherwise says what to install. VNV_TEST_REGISTRY_BINARY points
// at another build of the same registry.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";

const binary = process.env.VNV_TEST_REGISTRY_BINARY ?? "/usr/bin/docker-registry";
const log = (msg) => console.log(`setup:registry: ${msg}`);
const started = Date.now();

function version() {
    const r = spawnSync(binary, ["--version"], { encoding: "utf8" });
    return r.status === 0 ? r.stdout.trim() : undefined;
}

let found = fs.existsSync(binary) ? version() : undefined;
if (found) {
    log(`using ${binary} (${found})`);
    process.exit(0);
}
if (process.env.VNV_TEST_REGISTRY_BINARY) {
    console.error(`setup:registry: VNV_TEST_REGISTRY_BINARY=${binary} does not run`);
    process.exit(1);
}
const root = process.getuid?.() === 0;
const sudo = root ? [] : ["sudo", "-n"];
const hasApt = spawnSync("sh", ["-c", "command -v apt-get"]).status === 0;
if (!hasApt || (!root && spawnSync("sudo", ["-n", "true"]).status !== 0)) {
    console.error("setup:registry: the registry tests need Debian's docker-registry package at /usr/bin/docker-registry.");
    console.error("  Install it (sudo apt-get install docker-registry), or set VNV_TEST_REGISTRY_BINARY to a distribution registry binary.");
    process.exit(1);
}
log("installing Debian's docker-registry with apt-get...");
const run = (args) =>
    spawnSync(sudo.length ? sudo[0] : args[0], sudo.length ? [...sudo.slice(1), ...args] : args.slice(1), {
        stdio: ["ignore", "ignore", "inherit"],
        env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
if (run(["apt-get", "update", "-qq"]).status !== 0 || run(["apt-get", "install", "-y", "-qq", "docker-registry"]).status !== 0) {
    console.error("setup:registry: apt-get install docker-registry failed");
    process.exit(1);
}
found = version();
if (!found) {
    console.error(`setup:registry: installed, but ${binary} does not run`);
    process.exit(1);
}
log(`installed ${binary} (${found}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
