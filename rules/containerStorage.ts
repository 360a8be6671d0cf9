/**
 * Security Hub ECS.5: every container's root file system is read-only. The paths a service's
 * image must write to (`/tmp`, redis's `/data`) are task volumes mounted read-write: on Fargate a
 * volume without a host path is the task's own ephemeral storage, so nothing is shared or kept.
 *
 * Pure module: no `@pulumi/*` import.
 */

/** What a service gets when it names no writable paths: a scratch directory, which most images expect. */
export const DEFAULT_WRITABLE_PATHS: readonly string[] = ["/tmp"];
/** At most this many writable paths per service (each is one task volume). */
export const MAX_WRITABLE_PATHS = 10;
/** At most this many characters per path. */
export const MAX_PATH_LENGTH = 255;
/** Kernel file systems a container needs as they are: a volume over them breaks the container. */
const RESERVED = ["/proc", "/sys", "/dev"];
const SEGMENT = /^[A-Za-z0-9._-]+$/;

/** Why `path` cannot be a writable path, or undefined. */
export function writablePathProblem(path: string): string | undefined {
    const shown = JSON.stringify(path);
    if (path.length === 0 || path.length > MAX_PATH_LENGTH) {
        return `expected an absolute path of 1 to ${MAX_PATH_LENGTH} characters, got ${path.length > MAX_PATH_LENGTH ? `${path.length} characters` : shown}`;
    }
    if (!path.startsWith("/")) {
        return `expected an absolute path such as /tmp, got ${shown}`;
    }
    if (path === "/") {
        return "the root itself cannot be writable: name the directories the image writes to";
    }
    const segments = path.slice(1).split("/");
    if (segments.some((s) => s === "." || s === "..")) {
        return `${shown} has a . or .. segment; give the path as it is, such as /var/lib/app`;
    }
    if (segments.some((s) => !SEGMENT.test(s))) {
        return `${shown} is not a path of /-separated names of letters, digits, dots, hyphens and underscores (no empty segment, no trailing /)`;
    }
    const reserved = RESERVED.find((r) => path === r || path.startsWith(`${r}/`));
    return reserved === undefined ? undefined : `${shown} is under ${reserved}, which the container runtime provides`;
}

/** Every problem of a service's writable paths, each naming `where` and the offending entry. */
export function writablePathsProblems(paths: readonly string[], where: string): string[] {
    if (paths.length > MAX_WRITABLE_PATHS) {
        return [`${where}: at most ${MAX_WRITABLE_PATHS} writable paths, got ${paths.length}`];
    }
    const problems: string[] = [];
    paths.forEach((p, i) => {
        const problem = writablePathProblem(p);
        if (problem !== undefined) {
            problems.push(`${where}[${i}]: ${problem}`);
            return;
        }
        const other = paths.findIndex((q, j) => j !== i && (q === p ? j < i : p.startsWith(`${q}/`)));
        if (other >= 0) {
            const q = paths[other]!;
            problems.push(`${where}[${i}]: ${JSON.stringify(p)} ${q === p ? "appears twice" : `is inside ${JSON.stringify(q)}, which is writable already`}`);
        }
    });
    return problems;
}

/** How a container's file systems are set up: a read-only root and one read-write task volume per writable path. */
export interface ContainerStorage {
    readonly readonlyRootFilesystem: boolean;
    /** The task definition's volumes (no host path: the task's own storage). */
    readonly volumes: readonly { readonly name: string }[];
    /** The container's mount points of those volumes. */
    readonly mountPoints: readonly { readonly sourceVolume: string; readonly containerPath: string; readonly readOnly: false }[];
}

/**
 * The storage of a service's container. `writableRoot` (a reason) keeps the root file system
 * writable: only vnv's own services set it, for an image that cannot start otherwise, and the
 * baseline check names it as an exemption.
 */
export function containerStorage(spec: { readonly writablePaths?: readonly string[]; readonly writableRoot?: string }): ContainerStorage {
    const paths = spec.writablePaths ?? DEFAULT_WRITABLE_PATHS;
    return {
        readonlyRootFilesystem: spec.writableRoot === undefined,
        volumes: paths.map((_, i) => ({ name: volumeName(i) })),
        mountPoints: paths.map((containerPath, i) => ({ sourceVolume: volumeName(i), containerPath, readOnly: false })),
    };
}

/** A task volume's name, by position: `writable-0`, `writable-1`, … (ECS: up to 255 of [A-Za-z0-9_-]). */
function volumeName(index: number): string {
    return `writable-${index}`;
}
