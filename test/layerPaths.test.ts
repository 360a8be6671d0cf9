import { strict as assert } from "node:assert";
import fc from "fast-check";
import { entryKind, keyProblem, MAX_KEY_BYTES, pathParts, quoteName, relationTo } from "../rules/layerPaths";

describe("the names in an image layer", () => {
    it("a name is read as path components: `.`, empty ones and a leading / dropped", () => {
        assert.deepEqual(pathParts("./usr//share/./nginx/"), ["usr", "share", "nginx"]);
        assert.deepEqual(pathParts("/etc/passwd"), ["etc", "passwd"]);
        assert.deepEqual(pathParts("./"), []);
    });

    it("a name with a `..` component is refused, wherever it is", () => {
        assert.equal(pathParts("usr/share/../../../tmp/x"), undefined);
        assert.equal(pathParts(".."), undefined);
        assert.deepEqual(pathParts("a/..b/c.."), ["a", "..b", "c.."]);
    });

    it("property: the components of an accepted name are never empty, `.` or `..`, and hold no /", () => {
        fc.assert(
            fc.property(fc.array(fc.constantFrom("a", ".", "..", "", "b.c", "..d", "/", "//"), { maxLength: 12 }), (pieces) => {
                const parts = pathParts(pieces.join("/"));
                return parts === undefined || parts.every((p) => p !== "" && p !== "." && p !== ".." && !p.includes("/"));
            }),
        );
    });

    it("`.wh..wh..opq` is an opaque marker; `.wh.<name>` a whiteout of <name>; other names are plain", () => {
        assert.deepEqual(entryKind(".wh..wh..opq"), { kind: "opaque" });
        assert.deepEqual(entryKind(".wh.index.html"), { kind: "whiteout", name: "index.html" });
        assert.deepEqual(entryKind(".wh..wh.plnk"), { kind: "whiteout", name: ".wh.plnk" });
        assert.deepEqual(entryKind("index.html"), { kind: "plain" });
        assert.deepEqual(entryKind("a.wh.b"), { kind: "plain" });
    });

    it("a whiteout naming no entry (empty, `.` or `..`) is malformed", () => {
        for (const base of [".wh.", ".wh..", ".wh..."]) {
            assert.equal(entryKind(base).kind, "bad-whiteout", base);
        }
    });

    it("a path lies outside the root, on the chain of its ancestors, at the root, or inside it", () => {
        const root = ["usr", "share", "nginx", "html"];
        assert.equal(relationTo(root, []), "chain");
        assert.equal(relationTo(root, ["usr", "share"]), "chain");
        assert.equal(relationTo(root, root), "root");
        assert.equal(relationTo(root, [...root, "a", "b"]), "inside");
        assert.equal(relationTo(root, ["usr", "share", "doc"]), "outside");
        assert.equal(relationTo(root, ["usr", "share", "nginx", "html2"]), "outside");
        assert.equal(relationTo([], []), "root");
        assert.equal(relationTo([], ["etc"]), "inside");
    });

    it("property: a path is on the chain or at the root exactly when it is a prefix of the root", () => {
        const parts = fc.array(fc.constantFrom("a", "b", "c"), { maxLength: 5 });
        fc.assert(
            fc.property(parts, parts, (root, p) => {
                const prefix = p.length <= root.length && p.every((x, i) => x === root[i]);
                const r = relationTo(root, p);
                return prefix === (r === "chain" || r === "root");
            }),
        );
    });

    it("a file's key may have at most 1024 bytes, as an S3 object key", () => {
        assert.equal(keyProblem("a".repeat(MAX_KEY_BYTES)), undefined);
        assert.match(keyProblem("é".repeat(513)) ?? "", /a name of 1026 bytes: an S3 object key has at most 1024/);
    });

    it("a name is shown quoted, cut at 200 characters, with control, bidirectional and zero-width characters escaped", () => {
        assert.equal(quoteName("a\u001b[2Jb"), '"a\\u001b[2Jb"');
        assert.equal(quoteName("x\u202ey\u009bz\u200b\u007f"), '"x\\u202ey\\x9bz\\u200b\\x7f"');
        assert.equal(quoteName("\u{e0041}"), '"\\u{e0041}"');
        assert.equal(quoteName("a".repeat(205)), `"${"a".repeat(200)}"… (5 more characters)`);
    });

    it("property: a quoted name holds no control, format or separator character, and reads back when short and plain", () => {
        fc.assert(
            fc.property(fc.string({ unit: "binary", maxLength: 250 }), (name) => {
                const q = quoteName(name);
                const clean = !/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(q);
                const plain = name.length <= 200 && !/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u.test(name);
                return clean && (!plain || JSON.parse(q) === name);
            }),
        );
    });
});
