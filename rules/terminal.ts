/**
 * Text from outside (backend object names and contents, stack tags, lock files, registry
 * answers, error messages of other programs) shown on a terminal: every character that could
 * act on the terminal or change how the line reads is written as an escape instead.
 *
 * Escaped: the Unicode categories Cc (C0 controls, DEL, C1 controls: ESC sequences start
 * there), Cf (format characters: the bidirectional marks, embeddings, overrides and isolates
 * U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069, the zero-width characters U+200B–U+200D,
 * U+2060, U+FEFF, the soft hyphen, tag characters), Zl and Zp (U+2028, U+2029) and lone
 * surrogates (Cs). Each is written `\n`, `\r`, `\t`, `\xHH` (below U+0100), `\uHHHH`, or
 * `\u{HHHHH}`; every other character, backslash included, is kept as it is.
 *
 * So: printable ASCII (and any printable text) is unchanged; the output never holds a character
 * of those categories; escaping twice changes nothing more than escaping once (so a whole
 * message can be escaped at the output even when parts of it were escaped already); and two
 * different texts without a backslash never show the same (the escapes are prefix-free). A
 * backslash is not doubled: that would make escaping not idempotent, and a text that spells
 * an escape with a real backslash forges nothing (it acts on nothing), it only reads alike.
 */

/** A character that must not reach a terminal as it is. */
export const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
const UNSAFE_ALL = new RegExp(UNSAFE.source, "gu");

const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function escapeOne(c: string): string {
    const named = NAMED[c];
    if (named !== undefined) {
        return named;
    }
    const code = c.codePointAt(0) ?? 0;
    const hex = code.toString(16);
    if (code < 0x100) {
        return `\\x${hex.padStart(2, "0")}`;
    }
    return code <= 0xffff ? `\\u${hex.padStart(4, "0")}` : `\\u{${hex}}`;
}

/** `text` with every character that could act on a terminal escaped (see above); one line. */
export function terminalText(text: string): string {
    return text.replace(UNSAFE_ALL, escapeOne);
}

/** `text` escaped line by line: its line breaks (`\n`) kept, everything else as {@link terminalText}. */
export function terminalLines(text: string): string {
    return text.split("\n").map(terminalText).join("\n");
}

/** A JSON unit as `\uHHHH`. */
const jsonEscape = (c: string): string =>
    c === "\n" ? c : Array.from({ length: c.length }, (_, i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, "0")}`).join("");

/**
 * `value` as JSON (indented by 2) in which every character {@link terminalText} escapes is
 * written as a JSON escape (`\u202e`): the same value to a machine, nothing that acts on a
 * terminal to a person. The only line breaks left are the indentation's (JSON escapes those in strings).
 */
export function terminalJson(value: unknown): string {
    return JSON.stringify(value, null, 2).replace(UNSAFE_ALL, jsonEscape);
}
