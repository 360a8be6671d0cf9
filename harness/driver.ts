/** A driver on a temporary file backend with stand-in programs, for tests and benchmarks. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { LocalWorkspaceOptions } from "@pulumi/pulumi/automation";
import { type DriverConfig, Environments } from "../automation/environments/environments";
import { backendInput, ownerInput, ttlInput, versionInput } from "../automation/inputs";
import { engineEnv, pulumiCommand, resolveCli } from "../automation/state/pulumiCli";
import { ttlPolicy } from "../rules/ttl";
import { readStackFile } from "../infra/stackFile";
import { backendUrl } from "./backends";
import { authStandIn, standIn } from "./standins";

export { backendFile, backendFiles, stackFiles } from "./backends";

export const PASSPHRASE = "test-passphrase-not-secret";

/** Typed inputs for the library, parsed as the command line parses them. */
export const v = (text: string) => versionInput(text);
export const ttl = (text: string) => ttlInput(text);
export const owner = (text: string) => ownerInput(text);

export function tempDir(prefix: string = "vnv-auto-"): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function makeDriver(dir: string, overrides: Partial<DriverConfig> = {}): Environments {
    const dev = readStackFile("dev");
    // A child process of a test (harness/child.ts) is told its backend.
    const url = process.env.VNV_TEST_BACKEND_URL ?? backendUrl(dir);
    return new Environments({
        backend: backendInput(url, {}, path.join(dir, "state")),
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

/**
 * A fresh temporary directory for each test of the enclosing `describe`, removed after it.
 * Call inside `describe`; read the current directory through the returned function.
 */
export function useTempDir(prefix: string = "vnv-auto-"): () => string {
    let dir = "";
    beforeEach(() => {
        dir = tempDir(prefix);
    });
    afterEach(() => {
        fs.rmSync(dir, { recursive: true, force: true });
    });
    return () => dir;
}

/** Workspace options for a test's backend (see {@link backendUrl}), passphrase secrets. */
export async function workspaceOptions(dir: string): Promise<LocalWorkspaceOptions> {
    const cli = resolveCli();
    const url = backendUrl(dir);
    // A work directory inside the test's own (removed with it), not one the SDK makes in $TMPDIR and keeps.
    const workDir = fs.mkdtempSync(path.join(dir, "workspace-"));
    return {
        workDir,
        pulumiCommand: await pulumiCommand(cli),
        envVars: engineEnv(cli, { home: path.join(dir, "home"), passphrase: PASSPHRASE, backendUrl: url }),
        secretsProvider: "passphrase",
        projectSettings: { name: "vnv", runtime: "nodejs", backend: { url } },
    };
}

/** Every `.json` / `.json.gz` file below `root`, relative to it, sorted. */
export function jsonFilesUnder(root: string): string[] {
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
