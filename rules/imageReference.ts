/**
 * Image repositories as the distribution API sees them: which host to ask, over which scheme,
 * and the repository path. Pure: no network, no `@pulumi/*`.
 */

export interface Repository {
    /** As written in the settings (`ghcr.io/infrasoftbe/infrasoft-vnv-proxy-server`). */
    readonly name: string;
    /** Registry host[:port] for credentials (`ghcr.io`, `docker.io`, `127.0.0.1:5000`). */
    readonly registry: string;
    /** Base URL of the API (`https://ghcr.io`, `https://registry-1.docker.io`, `http://127.0.0.1:5000`). */
    readonly baseUrl: string;
    /** Path in the registry (`infrasoftbe/infrasoft-vnv-proxy-server`, `library/redis`). */
    readonly path: string;
}

export class ImageReferenceError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ImageReferenceError";
    }
}

const PATH = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$/;

/** A tag as the OCI distribution spec defines it: `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`. */
export function isImageTag(text: string): boolean {
    return /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(text);
}

/** Loopback registries are spoken to over plain HTTP (as Docker does for localhost). */
export function isLoopback(host: string): boolean {
    const h = host.replace(/:\d+$/, "");
    return h === "localhost" || /^127\.\d+\.\d+\.\d+$/.test(h) || h === "[::1]";
}

/** `ghcr.io/org/app` → registry `ghcr.io`, path `org/app`; `redis` → Docker Hub `library/redis`. */
export function parseRepository(name: string): Repository {
    if (name.includes("@") || /:[^/]*$/.test(name.split("/").slice(1).join("/") || "x")) {
        throw new ImageReferenceError(`image ${JSON.stringify(name)} must be a repository without tag or digest`);
    }
    const parts = name.split("/");
    const first = parts[0] ?? "";
    const hasHost = parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost");
    let registry = hasHost ? first : "docker.io";
    let path = hasHost ? parts.slice(1).join("/") : name;
    if (registry === "docker.io" || registry === "index.docker.io") {
        registry = "docker.io";
        if (!path.includes("/")) {
            path = `library/${path}`;
        }
    }
    if (!PATH.test(path)) {
        throw new ImageReferenceError(`image ${JSON.stringify(name)}: ${JSON.stringify(path)} is not a valid repository path`);
    }
    const apiHost = registry === "docker.io" ? "registry-1.docker.io" : registry;
    return { name, registry, baseUrl: `${isLoopback(apiHost) ? "http" : "https"}://${apiHost}`, path };
}

/**
 * The name to give the docker provider's `getRegistryImage` for `repository:tag`. The provider
 * takes a first segment with a dot as the registry host and asks `https://<host>/v2/…`; it maps
 * only registry-less names to Docker Hub's API host. `docker.io/library/redis` would therefore be
 * asked of `https://docker.io`, which serves no registry API: Docker Hub images are named by
 * their API host instead (kreuzwerker/terraform-provider-docker, parseImageOptions and
 * dataSourceDockerRegistryImageRead).
 */
export function lookupReference(repository: string, tag: string): string {
    const repo = parseRepository(repository);
    return repo.registry === "docker.io" ? `registry-1.docker.io/${repo.path}:${tag}` : `${repository}:${tag}`;
}
