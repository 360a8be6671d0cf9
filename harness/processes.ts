/** Processes a test started, found through /proc, so a test that kills a run leaves none behind. */
import * as fs from "node:fs";

/** Every process below `pid` (children, their children, …), read from /proc now. */
export function descendants(pid: number): number[] {
    const parentOf = new Map<number, number>();
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) {
            continue;
        }
        try {
            const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
            const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
            parentOf.set(Number(entry), ppid);
        } catch {
            // gone meanwhile
        }
    }
    const found: number[] = [];
    let frontier = [pid];
    while (frontier.length > 0) {
        const next = [...parentOf].filter(([, ppid]) => frontier.includes(ppid)).map(([child]) => child);
        found.push(...next);
        frontier = next;
    }
    return found;
}

/** Whether `pid` still runs (a zombie does not). */
export function running(pid: number): boolean {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3));
    } catch {
        return false;
    }
}

/**
 * SIGKILLs `pid`'s process group and every descendant, the plugins too: the Pulumi CLI starts
 * its plugins (the dynamic provider among them) in process groups of their own, so killing the
 * group alone leaves them running. Answers the pids killed.
 */
export function killTree(pid: number): number[] {
    const all = [pid, ...descendants(pid)];
    try {
        process.kill(-pid, "SIGKILL");
    } catch {
        // no such group
    }
    for (const p of all) {
        try {
            process.kill(p, "SIGKILL");
        } catch {
            // already gone
        }
    }
    return all;
}
