/**
 * The automation stays a table of contents (docs/architecture.md, "Wings"): no file over 350
 * lines, no function over 60, read with the TypeScript compiler.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";

const ROOT = path.join(__dirname, "..", "automation");
const files = (fs.readdirSync(ROOT, { recursive: true }) as string[]).filter((f) => f.endsWith(".ts")).map((f) => path.join(ROOT, f));

/** Every function-like node of `file` longer than `max` lines, as `file:line name (n lines)`. */
function longFunctions(file: string, max: number): string[] {
    const text = fs.readFileSync(file, "utf8");
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const found: string[] = [];
    const visit = (node: ts.Node): void => {
        if (ts.isFunctionLike(node) && "body" in node && node.body !== undefined) {
            const first = sf.getLineAndCharacterOfPosition(node.getStart()).line;
            const last = sf.getLineAndCharacterOfPosition(node.end).line;
            if (last - first + 1 > max) {
                const name = "name" in node && node.name !== undefined ? node.name.getText() : "(anonymous)";
                found.push(`${path.relative(ROOT, file)}:${first + 1} ${name} (${last - first + 1} lines)`);
            }
        }
        ts.forEachChild(node, visit);
    };
    visit(sf);
    return found;
}

describe("the automation's sizes", () => {
    it("no file is over 350 lines", () => {
        const long = files.map((f) => [path.relative(ROOT, f), fs.readFileSync(f, "utf8").split("\n").length] as const).filter(([, n]) => n > 350);
        assert.deepEqual(long, []);
    });

    it("no function is over 60 lines", () => {
        assert.deepEqual(
            files.flatMap((f) => longFunctions(f, 60)),
            [],
        );
    });
});
