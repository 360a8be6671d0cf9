/**
 * How the names in an image layer's tar archive are read: a name's path components (or a refusal
 * when it climbs out of the image's root), what a whiteout name deletes, where a path lies
 * relative to the directory being taken, and how a hostile name is shown.
 *
 * Whiteouts, as the OCI image spec says (image-spec layer.md, "Whiteouts" and "Opaque
 * Whiteout"): a file whose basename is `.wh.` plus a name deletes that name of its directory, as
 * lower layers left it; `.wh..wh..opq` hides every child the lower layers put in its directory;
 * "it is not possible to create a filesystem which has a file or directory with a name beginning
 * with `.wh.`", so every such name is a whiteout, never a file.
 *
 * Pure module: no `@pulumi/*` import.
 */
import { terminalText } from "./terminal";

export const OPAQUE = ".wh..wh..opq";
export const WHITEOUT_PREFIX = ".wh.";
/** The longest object key S3 takes (UTF-8 bytes). */
export const MAX_KEY_BYTES = 1024;

/** `./usr//share/x/` → `["usr", "share", "x"]`; undefined for a name with a `..` component. */
export function pathParts(name: string): string[] | undefined {
    const parts = name.split("/").filter((p) => p !== "" && p !== ".");
    return parts.includes("..") ? undefined : parts;
}

/** What a layer entry's basename means. */
export type EntryKind =
    | { readonly kind: "plain" }
    | { readonly kind: "opaque" }
    | { readonly kind: "whiteout"; readonly name: string }
    | { readonly kind: "bad-whiteout"; readonly reason: string };

export function entryKind(base: string): EntryKind {
    if (base === OPAQUE) {
        return { kind: "opaque" };
    }
    if (!base.startsWith(WHITEOUT_PREFIX)) {
        return { kind: "plain" };
    }
    const name = base.slice(WHITEOUT_PREFIX.length);
    if (name === "" || name === "." || name === "..") {
        return { kind: "bad-whiteout", reason: `a whiteout of ${JSON.stringify(name)}, which names no entry` };
    }
    return { kind: "whiteout", name };
}

/**
 * Where `parts` lies with respect to the directory `root` (its components): `outside` it,
 * on the `chain` of its ancestors (the image's top included), the `root` itself, or `inside` it.
 */
export type Relation = "outside" | "chain" | "root" | "inside";

export function relationTo(root: readonly string[], parts: readonly string[]): Relation {
    const n = Math.min(root.length, parts.length);
    for (let i = 0; i < n; i++) {
        if (root[i] !== parts[i]) {
            return "outside";
        }
    }
    return parts.length < root.length ? "chain" : parts.length === root.length ? "root" : "inside";
}

/** Why a file's key (its path under the root) cannot be an S3 object key, or undefined. */
export function keyProblem(key: string): string | undefined {
    const bytes = Buffer.byteLength(key, "utf8");
    return bytes > MAX_KEY_BYTES ? `a name of ${bytes} bytes: an S3 object key has at most ${MAX_KEY_BYTES}` : undefined;
}

/**
 * A name from outside, fit for a terminal or a log: quoted, at most `max` characters (then `…`
 * and how many more), with control characters (C0, DEL, C1), format characters (bidirectional
 * overrides and isolates, zero-width ones) and line or paragraph separators written as `\uXXXX`,
 * so no name can move the cursor, recolour the terminal or reorder what follows it.
 */
export function quoteName(name: string, max = 200): string {
    const cut = name.length > max ? name.slice(0, max) : name;
    const quoted = terminalText(JSON.stringify(cut)); // JSON quotes and escapes C0; the terminal rule the rest (rules/terminal.ts)
    return name.length > max ? `${quoted}… (${name.length - max} more characters)` : quoted;
}
