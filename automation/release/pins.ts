/**
 * Pins a checked release into a stack file: `vnv:version` and `vnv:digests` in
 * `Pulumi.<stack>.yaml`, comments and layout kept, so that a plain `pulumi up` deploys exactly
 * the digests `release check` found.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseDocument } from "yaml";

export function writePins(dir: string, stack: string, version: string, digests: Readonly<Record<string, string>>): string {
    const file = path.join(dir, `Pulumi.${stack}.yaml`);
    const doc = parseDocument(fs.readFileSync(file, "utf8"));
    doc.setIn(["config", "vnv:version"], version);
    doc.setIn(["config", "vnv:digests"], doc.createNode({ ...digests }));
    fs.writeFileSync(file, doc.toString());
    return file;
}
