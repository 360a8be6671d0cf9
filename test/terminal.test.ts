import { strict as assert } from "node:assert";
import fc from "fast-check";
import { terminalJson, terminalLines, terminalText, UNSAFE } from "../rules/terminal";

/** Characters an adversary reaches for: C0 and C1 controls, ESC, DEL, bidi controls, zero-width and separators. */
const DANGEROUS = [
    "\u0000",
    "\u0007",
    "\b",
    "\t",
    "\n",
    "\r",
    "\u001b",
    "\u007f",
    "\u0085",
    "\u009b",
    "\u009d",
    "\u061c",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u200e",
    "\u200f",
    ...Array.from({ length: 5 }, (_, i) => String.fromCodePoint(0x202a + i)),
    ...Array.from({ length: 4 }, (_, i) => String.fromCodePoint(0x2066 + i)),
    "\u2028",
    "\u2029",
    "\u2060",
    "\ufeff",
    "\u{e0001}",
];
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
/** Any text, rich in the characters above and in lone surrogates. */
const anyCodePoint = fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c));
const hostile = fc.string({ unit: fc.oneof(fc.constantFrom(...DANGEROUS), loneSurrogate, fc.constantFrom("[", "2", "J", "\\", "u", "x", "{"), anyCodePoint) });
/** Every character a terminal must never receive from outside. */
const UNSAFE_OR_BIDI =
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
    /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe("text shown on a terminal", () => {
    it("never holds a control, bidirectional, zero-width or separator character, nor a lone surrogate", () => {
        fc.assert(
            fc.property(hostile, (text) => {
                const shown = terminalText(text);
                assert.ok(!UNSAFE_OR_BIDI.test(shown), JSON.stringify(shown));
                assert.ok(!UNSAFE.test(shown), JSON.stringify(shown));
            }),
            { numRuns: 2000 },
        );
    });

    it("leaves printable ASCII as it is", () => {
        fc.assert(
            fc.property(fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) }), (text) => terminalText(text) === text),
        );
    });

    it("leaves printable text of any script as it is", () => {
        assert.equal(terminalText("Größe → ✓ 日本語 שלום 😀 é"), "Größe → ✓ 日本語 שלום 😀 é");
    });

    it("shows two different texts differently (texts without a backslash: the escapes are prefix-free)", () => {
        const noBackslash = hostile.map((t) => t.replaceAll("\\", "/"));
        fc.assert(
            fc.property(noBackslash, noBackslash, (a, b) => a === b || terminalText(a) !== terminalText(b)),
            { numRuns: 2000 },
        );
    });

    it("escaping again changes nothing: a message escaped in parts can be escaped whole at the output", () => {
        fc.assert(fc.property(hostile, (text) => terminalText(terminalText(text)) === terminalText(text)));
    });

    it("writes each escape so that a reader sees what was there", () => {
        assert.equal(terminalText("a\u001b[2Jb"), "a\\x1b[2Jb");
        assert.equal(terminalText("\u009b31m"), "\\x9b31m");
        assert.equal(terminalText("deploy\u202eTAE"), "deploy\\u202eTAE");
        assert.equal(terminalText("x\u2066y\u2069"), "x\\u2066y\\u2069");
        assert.equal(terminalText("row\nforged\r\t"), "row\\nforged\\r\\t");
        assert.equal(terminalText("\u2028\u2029\u200b\u007f\u0000"), "\\u2028\\u2029\\u200b\\x7f\\x00");
        assert.equal(terminalText("\u{e0041}\ud800"), "\\u{e0041}\\ud800");
    });

    it("line by line: keeps the line breaks, escapes everything else", () => {
        assert.equal(terminalLines("first\u001b]0;title\u0007\nsecond\r\n"), "first\\x1b]0;title\\x07\nsecond\\r\n");
        fc.assert(
            fc.property(hostile, (text) => {
                const shown = terminalLines(text);
                return shown.split("\n").length === text.split("\n").length && !UNSAFE_OR_BIDI.test(shown.replaceAll("\n", ""));
            }),
        );
    });

    it("as JSON: the same value to a machine, with nothing that acts on a terminal but the indentation's line breaks", () => {
        const value = fc.oneof(fc.array(hostile), fc.dictionary(hostile, fc.oneof(hostile, fc.integer(), fc.boolean(), fc.constant(null))));
        fc.assert(
            fc.property(value, (v) => {
                const text = terminalJson(v);
                assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(v)));
                assert.ok(!UNSAFE_OR_BIDI.test(text.replaceAll("\n", "")), text);
            }),
            { numRuns: 500 },
        );
        assert.equal(terminalJson({ actor: "ana\u202e\u009b" }), '{\n  "actor": "ana\\u202e\\u009b"\n}');
    });
});
