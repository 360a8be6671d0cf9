/**
 * Stand-in images of a version's services, made without Docker and without Docker Hub: a
 * static busybox is the whole base (one layer, the same blob in every image), a script or static
 * files the layer above. They run as nobody (65534), with a read-only root file system and a
 * writable /tmp, and carry their own health check (Docker and Compose use it when the service
 * names none).
 */
import * as fs from "node:fs";
import { busyboxBinary } from "./busybox";
import { checkTarget, type Entry, type Layer, type Pushed, pushImage, type RunConfig, type Target } from "./oci";
import { APPLETS, CYPHER_SHELL_SCRIPT, DATABASE_HEALTH, DATABASE_SCRIPT, DATASET_SCRIPT, escapeHtml, HTTP_SCRIPT } from "./scripts";

export const NOBODY = 65534;

/** What a stand-in is. `version` is what it says it is (default: the tag it is pushed as). */
export type StandinSpec =
    | {
          readonly kind: "http";
          readonly service: string;
          readonly version?: string;
          readonly port: number;
          /** Variables whose values `/` shows. @default ["RELEASE_VERSION", "IMAGE_DIGEST"] */
          readonly showEnv?: readonly string[];
          /** More labels of the image (a version's dataset label). */
          readonly labels?: Readonly<Record<string, string>>;
      }
    | { readonly kind: "database"; readonly service: string; readonly version?: string /** @default 7687 */; readonly port?: number }
    | {
          /** A dataset image (rules/datasets.ts): these files under /dataset, loaded by its own command. */
          readonly kind: "dataset";
          readonly service: string;
          readonly version?: string;
          readonly files: readonly { readonly path: string; readonly content: string | Buffer }[];
      }
    | {
          readonly kind: "frontend";
          readonly service: string;
          readonly version?: string;
          /** Where the static files are. @default "/usr/share/nginx/html" */
          readonly root?: string;
          /** The port it serves them on when run. @default 8080 */
          readonly port?: number;
      };

export interface PushOptions {
    /** An Authorization header for the registry. */
    readonly authorization?: string;
    /** Where VNV_BUSYBOX is read. @default process.env */
    readonly env?: NodeJS.ProcessEnv;
}

const SERVICE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const VERSION = /^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,127}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const ROOT = /^(?:\/[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}){1,8}$/;

/** Directories (with their ancestors, parents first) as tar entries. */
export function directories(paths: readonly string[], options: { mode?: number; uid?: number } = {}): Entry[] {
    const seen = new Set<string>();
    const out: Entry[] = [];
    for (const p of paths) {
        const parts = p.split("/").filter((x) => x !== "");
        for (let i = 1; i <= parts.length; i++) {
            const name = `${parts.slice(0, i).join("/")}/`;
            if (seen.has(name)) continue;
            seen.add(name);
            const own = i === parts.length;
            out.push({ type: "directory", name, mode: own ? options.mode : undefined, uid: own ? options.uid : undefined });
        }
    }
    return out;
}

/**
 * The base layer: /bin/busybox and its applets' links, /tmp (1777), /etc/passwd and /etc/group
 * naming root and nobody. Every stand-in image has this same blob.
 */
export function busyboxLayer(busybox: Buffer): Layer {
    const passwd = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
    const group = "root:x:0:\nnogroup:x:65534:\n";
    return {
        createdBy: "vnv standins: static busybox",
        entries: [
            ...directories(["bin", "etc", "root", "usr/local/bin"]),
            { type: "directory", name: "tmp/", mode: 0o1777 },
            { type: "file", name: "bin/busybox", content: busybox, mode: 0o755 },
            ...APPLETS.map((a): Entry => ({ type: "symlink", name: `bin/${a}`, target: "busybox" })),
            { type: "file", name: "etc/passwd", content: passwd },
            { type: "file", name: "etc/group", content: group },
        ],
    };
}

function nanos(seconds: number): number {
    return seconds * 1_000_000_000;
}

/** A health check as an image config holds it: a shell command, every 2 s, after a 30 s start period. */
export function healthcheck(command: string): NonNullable<RunConfig["Healthcheck"]> {
    return { Test: ["CMD-SHELL", command], Interval: nanos(2), Timeout: nanos(3), StartPeriod: nanos(30), Retries: 3 };
}

function checked(spec: StandinSpec, tag: string): { version: string; port: number } {
    if (!SERVICE.test(spec.service)) throw new Error(`not a service name: ${JSON.stringify(spec.service.slice(0, 100))}`);
    const version = spec.version ?? tag;
    if (!VERSION.test(version)) throw new Error(`not a version: ${JSON.stringify(version.slice(0, 200))}`);
    const port = ("port" in spec ? spec.port : undefined) ?? (spec.kind === "database" ? 7687 : 8080);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`not a port: ${port}`);
    return { version, port };
}

function labels(kind: string, service: string, version: string): Record<string, string> {
    return { "org.opencontainers.image.title": service, "org.opencontainers.image.version": version, "vnv.standin": kind };
}

function scriptLayer(name: string, script: string, extra: readonly Entry[] = []): Layer {
    return {
        createdBy: `vnv standins: ${name}`,
        entries: [...directories(["usr/local/bin"]), { type: "file", name: `usr/local/bin/${name}`, content: script, mode: 0o755 }, ...extra],
    };
}

/** The frontend's files: an index page and a script, both naming the service and version. */
export function frontendFiles(service: string, version: string): Array<{ path: string; content: string }> {
    const title = `${escapeHtml(service)} ${escapeHtml(version)}`;
    return [
        {
            path: "index.html",
            content: `<!doctype html>\n<html><head><meta charset="utf-8"><title>${title}</title><script src="assets/app.js"></script></head>\n<body><h1 id="service">${escapeHtml(service)}</h1><p>version <span id="version">${escapeHtml(version)}</span></p></body></html>\n`,
        },
        { path: "assets/app.js", content: `window.VNV_FRONTEND = ${JSON.stringify({ service, version })};\n` },
    ];
}

/** The layers and config of a stand-in (the busybox layer first). */
export function standinImage(spec: StandinSpec, tag: string, busybox: Buffer): { layers: Layer[]; config: RunConfig } {
    const { version, port } = checked(spec, tag);
    const base = busyboxLayer(busybox);
    const common = {
        Env: ["PATH=/usr/local/bin:/bin", `PORT=${port}`, `STANDIN_SERVICE=${spec.service}`, `STANDIN_VERSION=${version}`],
        ExposedPorts: { [`${port}/tcp`]: {} },
        WorkingDir: "/",
        User: `${NOBODY}:${NOBODY}`,
        Labels: labels(spec.kind, spec.service, version),
    };
    if (spec.kind === "http") {
        const show = spec.showEnv ?? ["RELEASE_VERSION", "IMAGE_DIGEST"];
        const bad = show.find((n) => !ENV_NAME.test(n));
        if (bad !== undefined) throw new Error(`not a variable name: ${JSON.stringify(bad.slice(0, 100))}`);
        return {
            layers: [base, scriptLayer("standin-http", HTTP_SCRIPT)],
            config: {
                ...common,
                Labels: { ...common.Labels, ...(spec.labels ?? {}) },
                Env: [...common.Env, `STANDIN_SHOW_ENV=${show.join(" ")}`],
                Entrypoint: ["/usr/local/bin/standin-http"],
                Healthcheck: healthcheck('wget -q -O /dev/null "http://127.0.0.1:$PORT/health"'),
            },
        };
    }
    if (spec.kind === "database") {
        const data: Entry = { type: "directory", name: "data/", mode: 0o755, uid: NOBODY };
        return {
            layers: [
                base,
                scriptLayer("standin-database", DATABASE_SCRIPT, [
                    data,
                    { type: "file", name: "usr/local/bin/cypher-shell", content: CYPHER_SHELL_SCRIPT, mode: 0o755 },
                ]),
            ],
            config: { ...common, Entrypoint: ["/usr/local/bin/standin-database"], Volumes: { "/data": {} }, Healthcheck: healthcheck(DATABASE_HEALTH) },
        };
    }
    if (spec.kind === "dataset") {
        const files = spec.files.map((f): Entry => {
            if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}(\/[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}){0,7}$/.test(f.path)) {
                throw new Error(`not a dataset file path: ${JSON.stringify(f.path.slice(0, 300))}`);
            }
            return { type: "file", name: `dataset/${f.path}`, content: f.content };
        });
        const dirs = [...new Set(spec.files.map((f) => `dataset/${f.path}`.split("/").slice(0, -1).join("/")))];
        return {
            layers: [
                base,
                scriptLayer("standin-dataset", DATASET_SCRIPT, [
                    { type: "directory", name: "data/", mode: 0o755, uid: NOBODY },
                    // The dump's directory, its user's: a volume mounted there starts with its owner (rules/datasets.ts).
                    { type: "directory", name: "vnv-dump/", mode: 0o755, uid: NOBODY },
                ]),
                { createdBy: "vnv standins: the dataset's files", entries: [...directories(dirs), ...files] },
            ],
            config: { ...common, Entrypoint: ["/usr/local/bin/standin-dataset"], Cmd: [] },
        };
    }
    const root = spec.root ?? "/usr/share/nginx/html";
    if (!ROOT.test(root)) throw new Error(`not a document root: ${JSON.stringify(root.slice(0, 300))}`);
    const files = frontendFiles(spec.service, version).map((f): Entry => ({ type: "file", name: `${root.slice(1)}/${f.path}`, content: f.content }));
    return {
        layers: [base, { createdBy: `vnv standins: the files of ${root}`, entries: [...directories([`${root}/assets`]), ...files] }],
        config: {
            ...common,
            Entrypoint: ["/bin/httpd", "-f", "-v", "-p", String(port), "-h", root],
            Healthcheck: healthcheck(`wget -q -O /dev/null "http://127.0.0.1:${port}/"`),
        },
    };
}

/**
 * Pushes the stand-in `spec` as `registryUrl`/`repo`:`tag` (`tag` is the version: `v1.2.3`);
 * answers the manifest's digest, `sha256:…`.
 */
export async function pushStandinImage(registryUrl: string, repo: string, tag: string, spec: StandinSpec, options: PushOptions = {}): Promise<string> {
    return (await pushStandin(registryUrl, repo, tag, spec, options)).digest;
}

/** As {@link pushStandinImage}, answering also the reference to pull and the bytes pushed. */
export async function pushStandin(registryUrl: string, repo: string, tag: string, spec: StandinSpec, options: PushOptions = {}): Promise<Pushed> {
    const target: Target = { registryUrl, repo, tag, ...(options.authorization ? { authorization: options.authorization } : {}) };
    checkTarget(target);
    const busybox = fs.readFileSync(await busyboxBinary(options.env ?? process.env));
    const { layers, config } = standinImage(spec, tag, busybox);
    return pushImage(target, layers, config);
}
