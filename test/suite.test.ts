/** Rules of the test suite itself. */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";

const ENGINE = /\b(workspaceOptions|makeDriver|LocalWorkspace\.)/;
const REGISTRY = /\bstartRegistry\(/;
const DOCKER = /\bdockerEngine\(/;

/** Each top-level `describe` of a test file: its title and its body. */
function topLevelDescribes(file: string): { title: string; body: string }[] {
    const text = fs.readFileSync(file, "utf8");
    const starts = [...text.matchAll(/^(?:for \([^)]*\)\s*)?describe\(["`]([^"`]+)["`]/gm)];
    return starts.map((m, i) => ({ title: m[1]!, body: text.slice(m.index, starts[i + 1]?.index ?? text.length) }));
}

describe("the test suite", () => {
    it("failure 10: `npm run test:unit` runs no test that needs the Pulumi engine, the registry or a Docker engine, so it runs with nothing installed", () => {
        const script = (JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts[
            "test:unit"
        ];
        assert.equal(script, 'mocha --grep "@engine|@registry|@docker" --invert');
        const untagged: string[] = [];
        for (const file of fs.readdirSync(__dirname).filter((f) => f.endsWith(".test.ts") && f !== "suite.test.ts")) {
            for (const d of topLevelDescribes(path.join(__dirname, file))) {
                const needs = ENGINE.test(d.body) ? "@engine" : DOCKER.test(d.body) ? "@docker" : REGISTRY.test(d.body) ? "@registry" : undefined;
                if (needs !== undefined && !d.title.includes("@engine") && !d.title.includes(needs)) {
                    untagged.push(`${file}: "${d.title}" needs ${needs}`);
                }
            }
        }
        assert.deepEqual(untagged, []);
    });
});
