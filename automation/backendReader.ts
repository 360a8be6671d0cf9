/**
 * Reads a self-managed backend directly, for listing: the engine has no listing that carries
 * tags (`pulumi stack ls --tag` filters, it does not show them), so reading each stack's tags
 * through the CLI costs one process per stack (≈100 ms on a local directory, far more over a
 * network). This reader lists the project's stacks with their tags in one directory listing (or
 * one S3 ListObjectsV2 page per 1000 keys) plus one read per tag file, many at a time.
 *
 * It reads the backend's own layout, version 1 (`.pulumi/meta.yaml` says `version: 1`):
 *   .pulumi/stacks/<project>/<stack>.json[.gz]     checkpoint (exists iff the stack exists)
 *   .pulumi/stacks/<project>/<stack>.pulumi-tags   {"version":1,"tags":{…}}
 *   .pulumi/locks/organization/<project>/<stack>/<id>.json   {pid, username, hostname, timestamp}
 * and fails loudly when the layout or a tag file's version is another.
 */
import { gunzipSync } from "node:zlib";
import type { TagMap } from "../rules/metadata";
import { type Blobs, blobsFor } from "./blobs";
import type { LockInfo } from "./errors";
import type { Backend } from "./inputs";
import { mapLimit } from "./util";

export { s3Location } from "./blobs";

export const BACKEND_LAYOUT_VERSION = 1;
const TAGS_VERSION = 1;

export interface StackRecord {
    readonly name: string;
    readonly tags: TagMap;
    /** With `details`: when the checkpoint was last written. */
    readonly lastUpdate?: string;
    /** With `details`: resources in the checkpoint. */
    readonly resourceCount?: number;
}

export class BackendLayoutError extends Error {
    constructor(message: string) {
        super(`${message}; vnv reads layout ${BACKEND_LAYOUT_VERSION} of self-managed backends (automation/backendReader.ts)`);
        this.name = "BackendLayoutError";
    }
}

export class BackendReader {
    private layoutChecked = false;

    private constructor(
        private readonly blobs: Blobs,
        private readonly concurrency: number,
    ) {}

    /** A reader for `backend`, or undefined for a backend it cannot read (gs://, azblob://). */
    static for(backend: Backend, options: { concurrency?: number } = {}): BackendReader | undefined {
        const blobs = blobsFor(backend);
        return blobs === undefined ? undefined : new BackendReader(blobs, options.concurrency ?? 32);
    }

    private async checkLayout(): Promise<void> {
        if (this.layoutChecked) {
            return;
        }
        const meta = await this.blobs.read(".pulumi/meta.yaml");
        if (meta !== undefined) {
            const version = /^version:\s*(\d+)\s*$/m.exec(meta.toString("utf8"))?.[1];
            if (Number(version) !== BACKEND_LAYOUT_VERSION) {
                throw new BackendLayoutError(`the backend has layout version ${version ?? "unknown"}`);
            }
        } else if ((await this.blobs.list(".pulumi/stacks/")).some((o) => /\.json(\.gz)?$/.test(o.key))) {
            // No meta.yaml but stacks at the top: the legacy layout, without projects.
            throw new BackendLayoutError("the backend has the legacy layout without projects (no .pulumi/meta.yaml); upgrade it with `pulumi state upgrade`");
        }
        this.layoutChecked = true;
    }

    /** The stacks of `project` with their tags (and, with `details`, last update and resource count). */
    async list(project: string, options: { details?: boolean } = {}): Promise<StackRecord[]> {
        await this.checkLayout();
        const dir = `.pulumi/stacks/${project}/`;
        const objects = await this.blobs.list(dir);
        const checkpoints = new Map<string, { key: string; modified: Date }>();
        for (const o of objects) {
            const m = /^([^/]+)\.json(\.gz)?$/.exec(o.key.slice(dir.length));
            if (m !== null) {
                checkpoints.set(m[1]!, o);
            }
        }
        const names = [...checkpoints.keys()].sort();
        const records = await mapLimit(names, this.concurrency, async (name): Promise<StackRecord | undefined> => {
            const tags = await this.tags(`${dir}${name}.pulumi-tags`);
            if (!options.details) {
                return { name, tags };
            }
            const checkpoint = checkpoints.get(name)!;
            const bytes = await this.blobs.read(checkpoint.key);
            if (bytes === undefined) {
                return undefined; // removed meanwhile
            }
            const text = checkpoint.key.endsWith(".gz") ? gunzipSync(bytes).toString("utf8") : bytes.toString("utf8");
            const state = JSON.parse(text) as { checkpoint?: { latest?: { resources?: unknown[] } } };
            return { name, tags, lastUpdate: checkpoint.modified.toISOString(), resourceCount: state.checkpoint?.latest?.resources?.length ?? 0 };
        });
        return records.filter((r): r is StackRecord => r !== undefined);
    }

    private async tags(key: string): Promise<TagMap> {
        const bytes = await this.blobs.read(key);
        if (bytes === undefined) {
            return {}; // created a moment ago, not tagged yet
        }
        const file = JSON.parse(bytes.toString("utf8")) as { version?: unknown; tags?: unknown };
        if (file.version !== TAGS_VERSION) {
            throw new BackendLayoutError(`${key} has tag-file version ${JSON.stringify(file.version)}`);
        }
        const tags: Record<string, string> = {};
        for (const [k, v] of Object.entries((file.tags ?? {}) as Record<string, unknown>)) {
            if (typeof v === "string") {
                tags[k] = v;
            }
        }
        return tags;
    }

    /** Who holds each stack's lock right now (stacks without a lock are absent), in one listing. */
    async locks(project: string): Promise<Map<string, LockInfo[]>> {
        await this.checkLayout();
        const dir = `.pulumi/locks/organization/${project}/`;
        const files = (await this.blobs.list(dir, { recursive: true })).filter((o) => /^[^/]+\/[^/]+\.json$/.test(o.key.slice(dir.length)));
        const byStack = new Map<string, LockInfo[]>();
        await mapLimit(files, this.concurrency, async (o) => {
            const bytes = await this.blobs.read(o.key);
            if (bytes === undefined) {
                return; // released while being read
            }
            const lock = JSON.parse(bytes.toString("utf8")) as { pid?: unknown; username?: unknown; hostname?: unknown; timestamp?: unknown };
            const stack = o.key.slice(dir.length).split("/")[0]!;
            byStack.set(stack, [
                ...(byStack.get(stack) ?? []),
                {
                    url: o.key,
                    user: String(lock.username ?? "?"),
                    host: String(lock.hostname ?? "?"),
                    pid: Number(lock.pid ?? 0),
                    since: new Date(String(lock.timestamp ?? 0)),
                },
            ]);
        });
        return byStack;
    }
}
