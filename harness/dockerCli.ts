/**
 * The command line as the Docker target's tests run it: in this process, against a test's
 * engine, project directory and state directory, answering its exit code and what it printed.
 */
import { type CliDeps, main } from "../automation/cli/program";
import { RegistryClient } from "../registry/client";

export interface CliRun {
    readonly code: number;
    readonly out: string;
    readonly err: string;
}

/** `vnv <args>` with `env` (the engine's DOCKER_HOST), state and Pulumi home under `dir`, on `project`. */
export async function vnvOnDocker(args: string[], at: { env: NodeJS.ProcessEnv; dir: string; project: string }, extra: Partial<CliDeps> = {}): Promise<CliRun> {
    let out = "";
    let err = "";
    const code = await main(args, {
        env: { ...at.env, PULUMI_BACKEND_URL: `file://${at.dir}/state`, PULUMI_CONFIG_PASSPHRASE: "x" },
        stdout: (t) => (out += t),
        stderr: (t) => (err += t),
        projectDir: at.project,
        pulumiHome: `${at.dir}/home`,
        registry: new RegistryClient({ credentials: () => undefined, backoffMs: 10 }),
        waitDefault: "2m",
        healthIntervalMs: 300,
        ...extra,
    });
    return { code, out, err };
}
