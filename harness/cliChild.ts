/**
 * The command line in its own process, for tests that kill it midway:
 *   node -r tsx/cjs harness/cliChild.ts <vnv arguments…>
 * VNV_CHILD_PROJECT_DIR and VNV_CHILD_PULUMI_HOME stand for what the tests give `main` directly;
 * registries are reached without credentials (the loopback registry).
 */
import { main } from "../automation/cli/program";
import { RegistryClient } from "../registry/client";

const projectDir = process.env.VNV_CHILD_PROJECT_DIR;
const pulumiHome = process.env.VNV_CHILD_PULUMI_HOME;
if (projectDir === undefined || pulumiHome === undefined) {
    process.stderr.write("cliChild: set VNV_CHILD_PROJECT_DIR and VNV_CHILD_PULUMI_HOME\n");
    process.exit(2);
}
void main(process.argv.slice(2), {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    projectDir,
    pulumiHome,
    registry: new RegistryClient({ credentials: () => undefined }),
    healthIntervalMs: 300,
}).then((code) => {
    process.exitCode = code;
});
