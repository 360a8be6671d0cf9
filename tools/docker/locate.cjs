// Where the Docker Engine's programs are, shared by tools/docker/setup.mjs and harness/docker.ts.
// dockerd and containerd live in /usr/sbin or /usr/bin on Debian (docker.io, containerd), which
// a user's PATH may lack, so those are searched after PATH.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const SYSTEM_DIRS = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

/** The first executable file `name` on env.PATH, then in the system directories; or undefined. */
function findProgram(name, env = process.env) {
    const dirs = [...(env.PATH ?? "").split(path.delimiter).filter((d) => path.isAbsolute(d)), ...SYSTEM_DIRS];
    for (const dir of dirs) {
        const candidate = path.join(dir, name);
        try {
            fs.accessSync(candidate, fs.constants.X_OK);
            if (fs.statSync(candidate).isFile()) return candidate;
        } catch {
            // not here
        }
    }
    return undefined;
}

/**
 * Whether `file` is a statically linked ELF executable (no PT_INTERP program header), so that it
 * runs alone in a FROM-scratch image. Reads at most the first 64 KiB; false for anything else.
 */
function isStaticElf(file) {
    let buf;
    try {
        const fd = fs.openSync(file, "r");
        try {
            buf = Buffer.alloc(65536);
            buf = buf.subarray(0, fs.readSync(fd, buf, 0, buf.length, 0));
        } finally {
            fs.closeSync(fd);
        }
    } catch {
        return false;
    }
    if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46) return false;
    const is64 = buf[4] === 2;
    const little = buf[5] === 1;
    if (!is64 && buf[4] !== 1) return false;
    const u16 = (o) => (little ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
    const u32 = (o) => (little ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
    const phoff = is64 ? Number(little ? buf.readBigUInt64LE(32) : buf.readBigUInt64BE(32)) : u32(28);
    const phentsize = u16(is64 ? 54 : 42);
    const phnum = u16(is64 ? 56 : 44);
    if (phentsize < 8 || phnum === 0 || phoff + phnum * phentsize > buf.length) return false;
    for (let i = 0; i < phnum; i++) {
        if (u32(phoff + i * phentsize) === 3) return false; // PT_INTERP: dynamically linked
    }
    return true;
}

/** The static busybox the Docker tests build FROM-scratch images from (Debian's busybox-static). */
const BUSYBOX = "/bin/busybox";

module.exports = { findProgram, isStaticElf, BUSYBOX };
