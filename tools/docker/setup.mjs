#!/usr/bin/env node
// Makes a Docker Engine available for the tests (harness/docker.ts starts a private one):
// the docker CLI, dockerd, containerd and runc, and a static /bin/busybox that the tests build
// FROM-scratch images from. Whatever is missing comes from Debian's packages docker.io (dockerd,
// containerd, runc, a docker 20.10 CLI) and busybox-static, installed with apt-get as root or
// through password-less sudo (as tools/registry/setup.mjs installs docker-registry). Installing
// docker.io on a machine with systemd also starts the system's engine at /var/run/docker.sock;
// the tests never use that one unless VNV_TEST_DOCKER_HOST names it.
// With VNV_TEST_DOCKER_HOST set, the tests use that engine: only the CLI and busybox are needed.
// Prints what it found or installed and how long it took; exits non-zero with the reason when it cannot.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { findProgram, isStaticElf, BUSYBOX } = require("./locate.cjs");
const started = Date.now();
const seconds = () => ((Date.now() - started) / 1000).toFixed(1);
const quiet = process.argv.includes("--quiet");
const log = (msg) => console.log(`setup:docker: ${msg}`);

/** The first line a program prints for `args`, bounded; undefined when it does not run. */
function firstLine(file, args) {
    const r = spawnSync(file, args, { encoding: "utf8", timeout: 15_000, maxBuffer: 64 * 1024, stdio: ["ignore", "pipe", "pipe"] });
    if (r.status !== 0 || typeof r.stdout !== "string") return undefined;
    const line = r.stdout.trim().split("\n")[0]?.trim();
    return line ? line.slice(0, 200) : undefined;
}

/** What is there: name → { path, version } or undefined. */
function survey() {
    const programs = { docker: ["--version"], dockerd: ["--version"], containerd: ["--version"], runc: ["--version"] };
    const found = {};
    for (const [name, args] of Object.entries(programs)) {
        const file = findProgram(name);
        const version = file ? firstLine(file, args) : undefined;
        found[name] = version ? { path: file, version } : undefined;
    }
    found.busybox = isStaticElf(BUSYBOX) ? { path: BUSYBOX, version: firstLine(BUSYBOX, ["--help"]) ?? "static" } : undefined;
    return found;
}

function missing(found) {
    const engine = process.env.VNV_TEST_DOCKER_HOST ? [] : ["dockerd", "containerd", "runc"];
    const packages = new Set();
    for (const name of ["docker", ...engine]) if (!found[name]) packages.add("docker.io");
    if (!found.busybox) packages.add("busybox-static");
    return [...packages];
}

function describe(found) {
    return Object.entries(found)
        .filter(([, v]) => v)
        .map(([name, v]) => `${name} ${v.path} (${v.version})`)
        .join("; ");
}

let found = survey();
let packages = missing(found);
if (packages.length === 0) {
    if (!quiet) log(`${describe(found)}, ${seconds()} s`);
    process.exit(0);
}
const root = process.getuid?.() === 0;
const hasApt = findProgram("apt-get") !== undefined;
if (!hasApt || (!root && spawnSync("sudo", ["-n", "true"]).status !== 0)) {
    console.error(
        `setup:docker: the Docker tests need Debian's ${packages.join(" and ")} (missing: ${Object.keys(found)
            .filter((k) => !found[k])
            .join(", ")}).`,
    );
    console.error(`  Install them (sudo apt-get install ${packages.join(" ")}), or set VNV_TEST_DOCKER_HOST to an engine for the tests`);
    console.error(`  (then only the docker CLI and a static ${BUSYBOX} are needed).`);
    process.exit(1);
}
log(`installing Debian's ${packages.join(", ")} with apt-get...`);
const sudo = root ? [] : ["sudo", "-n"];
const run = (args) => {
    const all = [...sudo, "env", "DEBIAN_FRONTEND=noninteractive", ...args];
    return spawnSync(all[0], all.slice(1), { stdio: ["ignore", "ignore", "inherit"] });
};
if (run(["apt-get", "update", "-qq"]).status !== 0 || run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", ...packages]).status !== 0) {
    console.error(`setup:docker: apt-get install ${packages.join(" ")} failed`);
    process.exit(1);
}
found = survey();
packages = missing(found);
if (packages.length > 0) {
    console.error(
        `setup:docker: installed, but still missing: ${Object.keys(found)
            .filter((k) => !found[k])
            .join(", ")}`,
    );
    process.exit(1);
}
log(`installed in ${seconds()} s: ${describe(found)}`);
