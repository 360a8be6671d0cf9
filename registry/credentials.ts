/**
 * Registry credentials: from the environment, else from the user's Docker config.json.
 *
 * - `VNV_REGISTRY_CREDENTIALS`: JSON `{"ghcr.io": {"username": "…", "password": "…"}}`;
 * - `VNV_REGISTRY_USERNAME` / `VNV_REGISTRY_PASSWORD`: for every registry (CI with one registry);
 * - `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`): `auths[host].auth`
 *   (base64 `user:password`), `username`/`password`, or `identitytoken`.
 * Credential helpers (`credsStore`, `credHelpers`) are not run.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface Credentials {
    readonly username?: string;
    readonly password?: string;
    /** An OAuth2 refresh token (Docker's identitytoken). */
    readonly identityToken?: string;
    /** Where they came from, for error messages (never the secret itself). */
    readonly source: string;
}

export type CredentialLookup = (registry: string) => Credentials | undefined;

function dockerConfig(env: NodeJS.ProcessEnv): Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }> {
    const dir = env.DOCKER_CONFIG ?? path.join(env.HOME ?? os.homedir(), ".docker");
    const file = path.join(dir, "config.json");
    try {
        const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as { auths?: Record<string, never> };
        return parsed.auths ?? {};
    } catch {
        return {};
    }
}

function keysFor(registry: string): string[] {
    if (registry === "docker.io") {
        return ["https://index.docker.io/v1/", "index.docker.io", "docker.io", "registry-1.docker.io"];
    }
    return [registry, `https://${registry}`, `http://${registry}`];
}

/** Credentials per registry host from `env` and the Docker config it points to. */
export function credentialsFrom(env: NodeJS.ProcessEnv = process.env): CredentialLookup {
    let table: Record<string, { username?: string; password?: string }> = {};
    if (env.VNV_REGISTRY_CREDENTIALS) {
        try {
            table = JSON.parse(env.VNV_REGISTRY_CREDENTIALS);
        } catch {
            throw new Error('VNV_REGISTRY_CREDENTIALS is not JSON of the form {"ghcr.io": {"username": "…", "password": "…"}}');
        }
    }
    const docker = dockerConfig(env);
    return (registry) => {
        if (table[registry]) {
            return { ...table[registry], source: `VNV_REGISTRY_CREDENTIALS[${registry}]` };
        }
        if (env.VNV_REGISTRY_USERNAME && env.VNV_REGISTRY_PASSWORD) {
            return { username: env.VNV_REGISTRY_USERNAME, password: env.VNV_REGISTRY_PASSWORD, source: "VNV_REGISTRY_USERNAME/PASSWORD" };
        }
        for (const key of keysFor(registry)) {
            const entry = docker[key];
            if (!entry) {
                continue;
            }
            if (entry.identitytoken) {
                return { identityToken: entry.identitytoken, username: entry.username, source: `docker config (${key})` };
            }
            if (entry.auth) {
                const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
                const i = decoded.indexOf(":");
                return { username: decoded.slice(0, i), password: decoded.slice(i + 1), source: `docker config (${key})` };
            }
            if (entry.username && entry.password) {
                return { username: entry.username, password: entry.password, source: `docker config (${key})` };
            }
        }
        return undefined;
    };
}
