/**
 * A run of `env up` or `env down` in its own process, for tests that kill it midway:
 *   node -r tsx/cjs harness/child.ts <up|down> <dir> <version> <pauseFile>
 * Engine output goes to stdout, so the test sees when the stand-in resource is being worked on.
 */
import { versionInput } from "../automation/inputs";
import { makeDriver } from "./driver";
import { standIn } from "./standins";

async function main(): Promise<void> {
    const [op, dir, version, pauseFile] = process.argv.slice(2);
    const env = makeDriver(dir!, {
        auth: undefined,
        program: standIn({ pauseFile }),
        engineOutput: (text) => process.stdout.write(text),
        log: (line) => console.log(`LOG ${line}`),
    });
    if (op === "up") {
        await env.up(versionInput(version!));
    } else {
        await env.down(versionInput(version!));
    }
}

main().then(
    () => process.exit(0),
    (e) => {
        console.error(e);
        process.exit(1);
    },
);
