/**
 * Where state lives and how its secrets are encrypted: the backend URL (`--backend`,
 * PULUMI_BACKEND_URL, or a git-ignored local directory) and the secrets provider (a passphrase
 * from the environment, or a KMS URL). Both are checked before any stack is touched.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { MissingSecretsError, UsageError } from "./errors";

/** The embedded default: `.vnv/state` in the repository (git-ignored). */
export const DEFAULT_STATE_DIR = path.resolve(__dirname, "..", ".vnv", "state");

const SCHEMES = ["file://", "s3://", "gs://", "azblob://"];

/** The backend URL to use; a `file://` directory is created when missing. */
export function resolveBackend(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
    const url = flag ?? env.PULUMI_BACKEND_URL ?? pathToFileURL(DEFAULT_STATE_DIR).href;
    if (!SCHEMES.some((s) => url.startsWith(s))) {
        throw new UsageError(
            `unsupported backend ${JSON.stringify(url)}: expected a self-managed backend URL starting with ${SCHEMES.join(", ")} (e.g. file://~/.vnv-state or s3://my-state-bucket)`,
        );
    }
    if (url.startsWith("file://")) {
        const dir = url.startsWith("file://~") ? path.join(env.HOME ?? "", url.slice("file://~".length)) : fileURLToPath(url);
        fs.mkdirSync(dir, { recursive: true });
        return pathToFileURL(dir).href;
    }
    return url;
}

export type Secrets = { readonly provider: "passphrase"; readonly passphrase: string } | { readonly provider: string };

/** The secrets provider: `--secrets-provider` (a KMS URL), else the passphrase from the environment. */
export function resolveSecrets(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Secrets {
    if (flag !== undefined && flag !== "passphrase") {
        if (!/^(awskms|gcpkms|azurekeyvault|hashivault):\/\/\S+$/.test(flag)) {
            throw new UsageError(
                `unsupported secrets provider ${JSON.stringify(flag)}: expected passphrase or a KMS URL (awskms://, gcpkms://, azurekeyvault://, hashivault://)`,
            );
        }
        return { provider: flag };
    }
    let passphrase = env.PULUMI_CONFIG_PASSPHRASE;
    if (passphrase === undefined && env.PULUMI_CONFIG_PASSPHRASE_FILE) {
        try {
            passphrase = fs.readFileSync(env.PULUMI_CONFIG_PASSPHRASE_FILE, "utf8").replace(/\r?\n$/, "");
        } catch (e) {
            throw new UsageError(`cannot read PULUMI_CONFIG_PASSPHRASE_FILE ${env.PULUMI_CONFIG_PASSPHRASE_FILE}: ${(e as Error).message}`);
        }
    }
    if (passphrase === undefined || passphrase === "") {
        throw new MissingSecretsError();
    }
    return { provider: "passphrase", passphrase };
}
