/**
 * The image's file system as its layers are applied, kept for the one directory being taken
 * (the root) and the chain of its ancestors: a tree of nodes, each marked with the layer that
 * last wrote it. File contents are not held: each file's bytes sit in a staging file on disk.
 *
 * The OCI image spec's rules (image-spec layer.md):
 * - "Changeset over existing files": when an entry and the existing path are both directories,
 *   the directory stays (its content merges); in every other case the existing path is removed
 *   and recreated from the entry: a file replaces a directory and everything under it, and a
 *   directory a file. A later entry always replaces an earlier one of the same path.
 * - "Whiteouts": a whiteout deletes its path, and everything under it, as the lower layers left
 *   it; it "MUST only apply to resources in lower/parent layers", so what its own layer put
 *   there stays, in whatever order the archive lists them. An opaque whiteout hides every child
 *   the lower layers put in its directory, "including sub-directories ... and all descendants".
 *   Both apply at any depth: a whiteout of the root or of one of its ancestors, or an opaque
 *   marker in an ancestor, deletes the root's files as well.
 *
 * Each node is visited once when it is added and once when it is removed, so applying the layers
 * costs time in proportion to their entries, whiteouts included.
 */
import * as fs from "node:fs";

interface DirNode {
    kind: "dir";
    layer: number;
    readonly children: Map<string, TreeNode>;
}
interface FileNode {
    kind: "file";
    layer: number;
    readonly staged: string;
    readonly size: number;
}
/** Anything else on the root's chain: a symlink, a file where a directory is wanted, a device. */
interface OtherNode {
    kind: "other";
    layer: number;
    readonly type: string;
    readonly linkname: string | undefined;
}
type TreeNode = DirNode | FileNode | OtherNode;

/** What the root is once every layer is applied. */
export type RootState =
    | { readonly kind: "dir" }
    | { readonly kind: "missing"; readonly at: readonly string[] }
    | { readonly kind: "other"; readonly at: readonly string[]; readonly type: string; readonly linkname: string | undefined };

export class LayerTree {
    private readonly top: DirNode = { kind: "dir", layer: 0, children: new Map() };
    private layer = 0;
    /** Files (and their bytes) in the tree now. */
    files = 0;
    bytes = 0;

    constructor(private readonly root: readonly string[]) {}

    /** The next layer: what it writes is marked with it, and its whiteouts spare it. */
    nextLayer(): void {
        this.layer++;
    }

    /** A directory entry at `parts`: merged with a directory there, replacing anything else. */
    addDir(parts: readonly string[]): void {
        if (parts.length === 0) {
            this.top.layer = this.layer;
            return;
        }
        const parent = this.parentOf(parts);
        const name = parts[parts.length - 1]!;
        const existing = parent.children.get(name);
        if (existing?.kind === "dir") {
            existing.layer = this.layer;
            return;
        }
        this.replace(parent, name, { kind: "dir", layer: this.layer, children: new Map() });
    }

    /** Removes what is at `parts` (a file entry's path, before its content is staged). */
    clear(parts: readonly string[]): void {
        const parent = this.parentOf(parts);
        this.remove(parent, parts[parts.length - 1]!);
    }

    /** A file at `parts`, its content staged in the file `staged`. */
    addFile(parts: readonly string[], staged: string, size: number): void {
        this.replace(this.parentOf(parts), parts[parts.length - 1]!, { kind: "file", layer: this.layer, staged, size });
    }

    /** A link, a device or a file on the root's chain (or the root itself): the root is not a directory there. */
    addOther(parts: readonly string[], type: string, linkname: string | undefined): void {
        this.replace(this.parentOf(parts), parts[parts.length - 1]!, { kind: "other", layer: this.layer, type, linkname });
    }

    /** A whiteout of `parts`: what lower layers put there goes, what this layer put there stays. */
    whiteout(parts: readonly string[]): void {
        const parent = this.find(parts.slice(0, -1));
        const name = parts[parts.length - 1]!;
        const node = parent?.kind === "dir" ? parent.children.get(name) : undefined;
        if (parent?.kind !== "dir" || node === undefined) {
            return;
        }
        if (node.layer < this.layer) {
            this.remove(parent, name);
        } else if (node.kind === "dir") {
            this.prune(node);
        }
    }

    /** An opaque whiteout in the directory `parts`: the lower layers' children go. */
    opaque(parts: readonly string[]): void {
        const node = this.find(parts);
        if (node?.kind === "dir") {
            this.prune(node);
        }
    }

    /** What the root is: a directory, missing (and where the chain breaks), or something else. */
    rootState(): RootState {
        let node: TreeNode = this.top;
        for (let i = 0; i < this.root.length; i++) {
            const next: TreeNode | undefined = node.kind === "dir" ? node.children.get(this.root[i]!) : undefined;
            if (next === undefined) {
                return { kind: "missing", at: this.root.slice(0, i + 1) };
            }
            if (next.kind !== "dir") {
                return next.kind === "other"
                    ? { kind: "other", at: this.root.slice(0, i + 1), type: next.type, linkname: next.linkname }
                    : { kind: "other", at: this.root.slice(0, i + 1), type: "file", linkname: undefined };
            }
            node = next;
        }
        return { kind: "dir" };
    }

    /** The files under the root: key (path under it) and staged content, sorted by key. */
    rootFiles(): { key: string; staged: string; size: number }[] {
        const root = this.find(this.root);
        const out: { key: string; staged: string; size: number }[] = [];
        if (root?.kind !== "dir") {
            return out;
        }
        const stack: [string, DirNode][] = [["", root]];
        while (stack.length > 0) {
            const [prefix, dir] = stack.pop()!;
            for (const [name, child] of dir.children) {
                const key = prefix === "" ? name : `${prefix}/${name}`;
                if (child.kind === "dir") {
                    stack.push([key, child]);
                } else if (child.kind === "file") {
                    out.push({ key, staged: child.staged, size: child.size });
                }
            }
        }
        return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    }

    /** The node at `parts`, if every step to it is a directory. */
    private find(parts: readonly string[]): TreeNode | undefined {
        let node: TreeNode = this.top;
        for (const part of parts) {
            const next: TreeNode | undefined = node.kind === "dir" ? node.children.get(part) : undefined;
            if (next === undefined) {
                return undefined;
            }
            node = next;
        }
        return node;
    }

    /** The directory holding `parts`, made (as this layer's) where missing or not a directory. */
    private parentOf(parts: readonly string[]): DirNode {
        let dir = this.top;
        dir.layer = this.layer;
        for (let i = 0; i < parts.length - 1; i++) {
            const part = parts[i]!;
            let next = dir.children.get(part);
            if (next?.kind !== "dir") {
                next = { kind: "dir", layer: this.layer, children: new Map() };
                this.replace(dir, part, next);
            }
            next.layer = this.layer;
            dir = next;
        }
        return dir;
    }

    private replace(parent: DirNode, name: string, node: TreeNode): void {
        this.remove(parent, name);
        parent.children.set(name, node);
        if (node.kind === "file") {
            this.files++;
            this.bytes += node.size;
        }
    }

    /** Removes `name` of `parent` and everything under it, its staged files deleted. */
    private remove(parent: DirNode, name: string): void {
        const node = parent.children.get(name);
        if (node === undefined) {
            return;
        }
        parent.children.delete(name);
        const stack: TreeNode[] = [node];
        while (stack.length > 0) {
            const n = stack.pop()!;
            if (n.kind === "dir") {
                for (const child of n.children.values()) {
                    stack.push(child);
                }
            } else if (n.kind === "file") {
                this.files--;
                this.bytes -= n.size;
                fs.rmSync(n.staged, { force: true });
            }
        }
    }

    /** Removes, under `dir`, every node an earlier layer wrote; this layer's stay (their own lower content pruned). */
    private prune(dir: DirNode): void {
        const stack: DirNode[] = [dir];
        while (stack.length > 0) {
            const d = stack.pop()!;
            for (const [name, child] of [...d.children]) {
                if (child.layer < this.layer) {
                    this.remove(d, name);
                } else if (child.kind === "dir") {
                    stack.push(child);
                }
            }
        }
    }
}
