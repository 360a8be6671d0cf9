/**
 * The busybox the stand-in images are made of: one static x86-64 binary (a shell, httpd, nc,
 * wget…), so an image needs no base image from Docker Hub. Static is checked by reading the ELF
 * program headers: a program with a PT_INTERP header needs a dynamic loader and libraries the
 * image does not have. (A static-pie binary has a PT_DYNAMIC header but no PT_INTERP; it runs.)
 */
import * as fs from "node:fs";

const INSTALL =
    "install Debian's busybox-static (apt-get install busybox-static, which puts a static /bin/busybox), " +
    "or set VNV_BUSYBOX to a static x86-64 busybox; with Docker at hand one can be copied out of the official image: " +
    "docker run --rm busybox:1.37-musl cat /bin/busybox > busybox && chmod 755 busybox";

const PT_INTERP = 3;
const EM_X86_64 = 62;

/** Why the ELF file `bytes` (its first 64 KiB suffice) cannot run alone on linux/amd64, or undefined when it can. */
export function staticElfProblem(bytes: Buffer): string | undefined {
    if (bytes.length < 64 || bytes.readUInt32BE(0) !== 0x7f454c46) return "it is not an ELF program";
    if (bytes[4] !== 2 || bytes[5] !== 1) return "it is not a 64-bit little-endian ELF program";
    const type = bytes.readUInt16LE(16);
    if (type !== 2 && type !== 3) return `it is an ELF file of type ${type}, not a program`;
    const machine = bytes.readUInt16LE(18);
    if (machine !== EM_X86_64) return `it is built for ELF machine ${machine}, not x86-64 (${EM_X86_64})`;
    const phoff = Number(bytes.readBigUInt64LE(32));
    const phentsize = bytes.readUInt16LE(54);
    const phnum = bytes.readUInt16LE(56);
    if (phentsize < 56 || phnum === 0 || phnum > 256 || phoff + phnum * phentsize > bytes.length) {
        return "its program headers are missing or out of bounds";
    }
    for (let i = 0; i < phnum; i++) {
        if (bytes.readUInt32LE(phoff + i * phentsize) === PT_INTERP) return "it is dynamically linked (it names a program interpreter)";
    }
    return undefined;
}

/** The first 64 KiB of `file`. */
function head(file: string): Buffer {
    const fd = fs.openSync(file, "r");
    try {
        const buf = Buffer.alloc(64 * 1024);
        return buf.subarray(0, fs.readSync(fd, buf, 0, buf.length, 0));
    } finally {
        fs.closeSync(fd);
    }
}

/** Why `file` is not a usable static busybox, or undefined. */
function problemOf(file: string): string | undefined {
    let stat: fs.Stats;
    try {
        stat = fs.statSync(file);
    } catch {
        return "it does not exist";
    }
    if (!stat.isFile()) return "it is not a file";
    if ((stat.mode & 0o111) === 0) return "it is not executable";
    return staticElfProblem(head(file));
}

/**
 * The path of a static x86-64 busybox: VNV_BUSYBOX when set (then it must be one), else
 * /bin/busybox when it is static. Otherwise an error saying how to get one.
 */
export async function busyboxBinary(env: NodeJS.ProcessEnv = process.env): Promise<string> {
    const chosen = env.VNV_BUSYBOX;
    if (chosen !== undefined && chosen !== "") {
        const problem = problemOf(chosen);
        if (problem) throw new Error(`VNV_BUSYBOX is ${JSON.stringify(chosen.slice(0, 500))}, but ${problem}: ${INSTALL}`);
        return chosen;
    }
    const problem = problemOf("/bin/busybox");
    if (problem) throw new Error(`the stand-in images need a static busybox, and /bin/busybox will not do (${problem}): ${INSTALL}`);
    return "/bin/busybox";
}
