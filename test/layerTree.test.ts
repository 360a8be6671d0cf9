/**
 * The view of an image's file system as its layers are applied (registry/layerTree.ts), held
 * against the OCI image spec's rules written the plain way: for each layer, first its whiteouts
 * and opaque markers against what the lower layers left ("applied first ... regardless of the
 * ordering"), then its entries in order, each replacing what is at its path unless both are
 * directories.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { LayerTree } from "../registry/layerTree";

type Op =
    | { readonly op: "dir"; readonly path: string[] }
    | { readonly op: "file"; readonly path: string[]; readonly content: string }
    | { readonly op: "whiteout"; readonly path: string[] }
    | { readonly op: "opaque"; readonly path: string[] };

/** The spec's reading: a map of path → directory or file content. */
function specModel(layers: readonly (readonly Op[])[]): Map<string, string | null> {
    const state = new Map<string, string | null>(); // null: a directory
    const key = (p: readonly string[]) => p.join("/");
    const under = (k: string) => [...state.keys()].filter((x) => x.startsWith(`${k}/`));
    const removeTree = (k: string) => {
        for (const x of [k, ...under(k)]) {
            state.delete(x);
        }
    };
    for (const layer of layers) {
        for (const o of layer) {
            if (o.op === "whiteout") {
                removeTree(key(o.path));
            } else if (o.op === "opaque") {
                const k = key(o.path);
                if (k === "" ? true : state.get(k) === null) {
                    for (const x of k === "" ? [...state.keys()] : under(k)) {
                        state.delete(x);
                    }
                }
            }
        }
        for (const o of layer) {
            if (o.op !== "dir" && o.op !== "file") {
                continue;
            }
            for (let i = 1; i < o.path.length; i++) {
                const a = key(o.path.slice(0, i));
                if (state.get(a) !== null) {
                    removeTree(a);
                    state.set(a, null);
                }
            }
            const k = key(o.path);
            if (o.op === "dir" && state.get(k) === null) {
                continue;
            }
            removeTree(k);
            state.set(k, o.op === "dir" ? null : o.content);
        }
    }
    return state;
}

const name = fc.constantFrom("a", "b", "c");
const opPath = fc.array(name, { minLength: 1, maxLength: 3 });
const op: fc.Arbitrary<Op> = fc.oneof(
    opPath.map((p) => ({ op: "dir" as const, path: p })),
    fc.tuple(opPath, fc.constantFrom("1", "22", "333")).map(([p, content]) => ({ op: "file" as const, path: p, content })),
    opPath.map((p) => ({ op: "whiteout" as const, path: p })),
    fc.array(name, { maxLength: 2 }).map((p) => ({ op: "opaque" as const, path: p })),
);
/** A layer, as an archive holds it: no two entries of the same path (image-spec layer.md, "Distributable Format"). */
const layer = fc.array(op, { maxLength: 8 }).map((ops) => {
    const kindOf = (o: Op) => (o.op === "file" ? "dir" : o.op);
    return ops.filter((o, i) => ops.findIndex((x) => kindOf(x) === kindOf(o) && x.path.join("/") === o.path.join("/")) === i);
});

describe("the image's file system as its layers are applied", () => {
    let staging: string;
    beforeEach(() => {
        staging = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-layertree-"));
    });
    afterEach(() => {
        fs.rmSync(staging, { recursive: true, force: true });
    });

    function apply(layers: readonly (readonly Op[])[]): LayerTree {
        const tree = new LayerTree([]);
        let n = 0;
        for (const l of layers) {
            tree.nextLayer();
            for (const o of l) {
                if (o.op === "dir") {
                    tree.addDir(o.path);
                } else if (o.op === "whiteout") {
                    tree.whiteout(o.path);
                } else if (o.op === "opaque") {
                    tree.opaque(o.path);
                } else {
                    tree.clear(o.path);
                    const staged = path.join(staging, String(n++));
                    fs.writeFileSync(staged, o.content);
                    tree.addFile(o.path, staged, o.content.length);
                }
            }
        }
        return tree;
    }

    it("property: the files, their contents, count and bytes are the spec's, and deleted files leave no staged bytes behind", () => {
        fc.assert(
            fc.property(fc.array(layer, { minLength: 1, maxLength: 4 }), (layers) => {
                fs.rmSync(staging, { recursive: true, force: true });
                fs.mkdirSync(staging);
                const tree = apply(layers);
                const expected = [...specModel(layers)].filter(([, c]) => c !== null).sort(([a], [b]) => (a < b ? -1 : 1));
                const files = tree.rootFiles();
                assert.deepEqual(
                    files.map((f) => [f.key, fs.readFileSync(f.staged, "utf8")]),
                    expected,
                );
                assert.equal(tree.files, expected.length);
                assert.equal(
                    tree.bytes,
                    expected.reduce((s, [, c]) => s + (c ?? "").length, 0),
                );
                assert.deepEqual(fs.readdirSync(staging).sort(), files.map((f) => path.basename(f.staged)).sort());
            }),
            { numRuns: 300 },
        );
    });

    it("a whiteout in the same layer as a file of its path spares the file, listed before or after it", () => {
        const before = apply([
            [{ op: "file", path: ["a"], content: "1" }],
            [
                { op: "whiteout", path: ["a"] },
                { op: "file", path: ["a"], content: "2" },
            ],
        ]);
        const after = apply([
            [{ op: "file", path: ["b"], content: "1" }],
            [
                { op: "file", path: ["b"], content: "2" },
                { op: "whiteout", path: ["b"] },
            ],
        ]);
        assert.deepEqual(
            [...before.rootFiles(), ...after.rootFiles()].map((f) => [f.key, fs.readFileSync(f.staged, "utf8")]),
            [
                ["a", "2"],
                ["b", "2"],
            ],
        );
    });

    it("the root's state says where its chain breaks and what stands there", () => {
        const tree = new LayerTree(["usr", "share", "nginx", "html"]);
        tree.nextLayer();
        tree.addDir(["usr", "share"]);
        assert.deepEqual(tree.rootState(), { kind: "missing", at: ["usr", "share", "nginx"] });
        tree.addOther(["usr", "share", "nginx"], "symlink", "/opt/nginx");
        assert.deepEqual(tree.rootState(), { kind: "other", at: ["usr", "share", "nginx"], type: "symlink", linkname: "/opt/nginx" });
        tree.addDir(["usr", "share", "nginx", "html"]);
        assert.deepEqual(tree.rootState(), { kind: "dir" });
    });
});
