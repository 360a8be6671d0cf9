/** A driver on a temporary file backend with stand-in programs, for tests and benchmarks. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { Environments, type DriverConfig } from "../../automation/environments";
import { resolveCli } from "../../automation/pulumiCli";
import { ttlPolicy } from "../../automation/ttl";
import { readStackFile } from "../../infra/stackFile";
import { authStandIn, standIn } from "./standins";

export const PASSPHRASE = "test-passphrase-not-secret";

export function tempDir(prefix: string = "vnv-auto-"): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function makeDriver(dir: string, overrides: Partial<DriverConfig> = {}): Environments {
    const dev = readStackFile("dev");
    const state = path.join(dir, "state");
    fs.mkdirSync(state, { recursive: true });
    return new Environments({
        backendUrl: pathToFileURL(state).href,
        secrets: { provider: "passphrase", passphrase: PASSPHRASE },
        cli: resolveCli(),
        pulumiHome: path.join(dir, "home"),
        program: standIn(),
        devSettings: dev.raw,
        region: dev.region,
        ttl: ttlPolicy("6h", "3d"),
        auth: { fixedHosts: ["dev.step-studio.be"], extraUris: ["http://localhost:3000/"], program: authStandIn },
        ...overrides,
    });
}

/** Stack files under the backend (`.pulumi/stacks/<project>/<name>.json`). */
export function stackFiles(dir: string): string[] {
    const root = path.join(dir, "state", ".pulumi", "stacks");
    const out: string[] = [];
    const walk = (d: string): void => {
        for (const e of fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }) : []) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) {
                walk(p);
            } else if (/\.json(\.gz)?$/.test(e.name)) {
                out.push(path.relative(root, p));
            }
        }
    };
    walk(root);
    return out.sort();
}
