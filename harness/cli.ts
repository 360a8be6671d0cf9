/** The command line run in-process for tests: on a temporary directory's backend, with the stand-in programs. */
import { type CliDeps, main } from "../automation/cli/program";
import { PASSPHRASE } from "./driver";
import { authStandIn, standIn } from "./standins";

export interface Run {
    readonly code: number;
    readonly out: string;
    readonly err: string;
}

/**
 * `vnv <args>` with its state in `dir/state` (a directory backend), its Pulumi home in
 * `dir/home`, no health wait, and the stand-in programs; `env` adds to the process's
 * environment, `deps` replace the rest.
 */
export async function runCli(args: readonly string[], dir: string, options: { env?: NodeJS.ProcessEnv } & Partial<Omit<CliDeps, "env">> = {}): Promise<Run> {
    let out = "";
    let err = "";
    const { env, ...deps } = options;
    const code = await main(args, {
        env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: PASSPHRASE, PULUMI_BACKEND_URL: `file://${dir}/state`, ...env },
        stdout: (t) => (out += t),
        stderr: (t) => (err += t),
        program: standIn(),
        authProgram: authStandIn,
        pulumiHome: `${dir}/home`,
        waitDefault: "0",
        ...deps,
    });
    return { code, out, err };
}
