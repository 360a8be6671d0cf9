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
 * and fails loudly when the layout or a tag file's version is another. It writes one of them:
 * a new stack's first tag file ({@link BackendReader.createTags}), create-only.
 *
 * Every read is bounded before it is read (automation/state/blobs.ts): the listings in entries, each
 * object in bytes (the layout file, a tag file, a checkpoint and what it unpacks to, a lock
 * file), by its size in the listing or a stat, and again while its bytes come. A layout file,
 * tag file or checkpoint over its bound, or not JSON, fails the listing naming it
 * ({@link BackendObjectError}); a lock file over its bound or unreadable is still a lock, held by
 * someone unknown ("?"). Entries that are not objects (a symbolic link, a directory) are no
 * stacks and no locks.
 */
import { gunzipSync } from "node:zlib";
import type { TagMap } from "../../rules/metadata";
import { type BlobListing, BlobNotObjectError, type Blobs, BlobTooLargeError, blobsFor } from "./blobs";
import type { LockInfo } from "../errors";
import type { Backend } from "../inputs";
import { mapLimit } from "../util";

export { s3Location } from "./blobs";

export const BACKEND_LAYOUT_VERSION = 1;
const TAGS_VERSION = 1;

/** What vnv reads of the backend's own objects, at most. */
export const BACKEND_BOUNDS = {
    /** `.pulumi/meta.yaml` */
    layoutBytes: 64 * 1024,
    /** a `.pulumi-tags` file */
    tagBytes: 1024 * 1024,
    /** a checkpoint as stored, and as it unpacks when gzipped */
    checkpointBytes: 128 * 1024 * 1024,
    /** a lock file */
    lockBytes: 64 * 1024,
    /** entries of one listing (stacks, locks) */
    entries: 100_000,
} as const;

/** One of the backend's own objects that vnv will not read (too large, not an object, not JSON): named, with why. */
export class BackendObjectError extends Error {
    constructor(
        readonly key: string,
        problem: string,
    ) {
        super(`${key}: ${problem} (automation/state/backendReader.ts)`);
        this.name = "BackendObjectError";
    }
}

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
        super(`${message}; vnv reads layout ${BACKEND_LAYOUT_VERSION} of self-managed backends (automation/state/backendReader.ts)`);
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

    /** The object at `key`, at most `maxBytes` of it; a larger one, or one that is no object, is a {@link BackendObjectError}. */
    private async object(key: string, maxBytes: number, what: string): Promise<Buffer | undefined> {
        try {
            return await this.blobs.read(key, { maxBytes });
        } catch (e) {
            if (e instanceof BlobTooLargeError) {
                throw new BackendObjectError(
                    key,
                    `${e.size === undefined ? "more than" : `${e.size} bytes,`} more than the ${maxBytes} bytes vnv reads of ${what}`,
                );
            }
            if (e instanceof BlobNotObjectError) {
                throw new BackendObjectError(key, `not an object (${e.kind}), where vnv expects ${what}`);
            }
            throw e;
        }
    }

    /** `bytes` of `key` as JSON, or a {@link BackendObjectError} naming it. */
    private json(key: string, bytes: Buffer, what: string): unknown {
        try {
            return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
        } catch (e) {
            throw new BackendObjectError(key, `not JSON in UTF-8 (${(e as Error).message.slice(0, 200)}), where vnv expects ${what}`);
        }
    }

    private async checkLayout(): Promise<void> {
        if (this.layoutChecked) {
            return;
        }
        const meta = await this.object(".pulumi/meta.yaml", BACKEND_BOUNDS.layoutBytes, "the layout file");
        if (meta !== undefined) {
            const version = /^version:\s*(\d+)\s*$/m.exec(meta.toString("utf8"))?.[1];
            if (Number(version) !== BACKEND_LAYOUT_VERSION) {
                throw new BackendLayoutError(`the backend has layout version ${version ?? "unknown"}`);
            }
        } else if ((await this.blobs.list(".pulumi/stacks/", { maxKeys: BACKEND_BOUNDS.entries })).some((o) => /\.json(\.gz)?$/.test(o.key))) {
            // No meta.yaml but stacks at the top: the legacy layout, without projects.
            throw new BackendLayoutError("the backend has the legacy layout without projects (no .pulumi/meta.yaml); upgrade it with `pulumi state upgrade`");
        }
        this.layoutChecked = true;
    }

    /** The stacks of `project` with their tags (and, with `details`, last update and resource count). */
    async list(project: string, options: { details?: boolean } = {}): Promise<StackRecord[]> {
        await this.checkLayout();
        const dir = `.pulumi/stacks/${project}/`;
        const objects = await this.blobs.list(dir, { maxKeys: BACKEND_BOUNDS.entries });
        const checkpoints = new Map<string, BlobListing>();
        for (const o of objects) {
            const m = /^([^/]+)\.json(\.gz)?$/.exec(o.key.slice(dir.length));
            if (m !== null && o.kind === "object") {
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
            const state = await this.checkpoint(checkpoint);
            return state === undefined ? undefined : { name, tags, lastUpdate: checkpoint.modified.toISOString(), resourceCount: state.resources };
        });
        return records.filter((r): r is StackRecord => r !== undefined);
    }

    /**
     * The outputs of `stack` as its checkpoint holds them (the root `pulumi:pulumi:Stack`
     * resource's; secrets stay encrypted), or undefined when the backend holds no such stack.
     */
    async outputs(project: string, stack: string): Promise<Record<string, unknown> | undefined> {
        return (await this.stackState(project, stack))?.outputs;
    }

    /** How many pending operations (left by a killed run) `stack`'s checkpoint holds; undefined when there is no such stack. */
    async pendingOperations(project: string, stack: string): Promise<number | undefined> {
        return (await this.stackState(project, stack))?.pending;
    }

    /** The tags of one stack, read as {@link list} reads them (none: an empty map). */
    async stackTags(project: string, stack: string): Promise<TagMap> {
        await this.checkLayout();
        return this.tags(`.pulumi/stacks/${project}/${stack}.pulumi-tags`);
    }

    /**
     * Writes the first tag file of `stack`, a stack created a moment ago, as the engine writes it
     * (`pkg/backend/diy/stack_tags.go` `saveStackTags`: `{"version":1,"tags":{…}}`), only if it has
     * none: one object instead of one `pulumi stack tag set` process per tag (the engine has no
     * call that sets several). "exists" when the stack has a tag file already: nothing written.
     */
    async createTags(project: string, stack: string, tags: TagMap): Promise<"created" | "exists"> {
        await this.checkLayout();
        const bytes = Buffer.from(JSON.stringify({ version: TAGS_VERSION, tags }, null, 4));
        if (bytes.length > BACKEND_BOUNDS.tagBytes) {
            throw new BackendObjectError(
                `.pulumi/stacks/${project}/${stack}.pulumi-tags`,
                `${bytes.length} bytes of tags, more than ${BACKEND_BOUNDS.tagBytes}`,
            );
        }
        return this.blobs.create(`.pulumi/stacks/${project}/${stack}.pulumi-tags`, bytes);
    }

    private async stackState(project: string, stack: string): Promise<{ resources: number; pending: number; outputs: Record<string, unknown> } | undefined> {
        await this.checkLayout();
        const dir = `.pulumi/stacks/${project}/`;
        const objects = await this.blobs.list(dir, { maxKeys: BACKEND_BOUNDS.entries });
        const o = objects.find((x) => x.kind === "object" && (x.key === `${dir}${stack}.json` || x.key === `${dir}${stack}.json.gz`));
        return o === undefined ? undefined : this.checkpoint(o);
    }

    /** How many resources a checkpoint holds, and its stack's outputs; undefined when it was removed meanwhile. */
    private async checkpoint(o: BlobListing): Promise<{ resources: number; pending: number; outputs: Record<string, unknown> } | undefined> {
        const max = BACKEND_BOUNDS.checkpointBytes;
        if (o.size > max) {
            throw new BackendObjectError(o.key, `${o.size} bytes, more than the ${max} bytes vnv reads of a checkpoint`);
        }
        const bytes = await this.object(o.key, max, "a checkpoint");
        if (bytes === undefined) {
            return undefined;
        }
        let text = bytes;
        if (o.key.endsWith(".gz")) {
            try {
                text = gunzipSync(bytes, { maxOutputLength: max });
            } catch (e) {
                throw new BackendObjectError(o.key, `not gzip, or more than ${max} bytes unpacked (${(e as Error).message.slice(0, 200)})`);
            }
        }
        const state = this.json(o.key, text, "a checkpoint") as { checkpoint?: { latest?: { resources?: unknown; pending_operations?: unknown } } } | null;
        const resources = state?.checkpoint?.latest?.resources;
        const pendingOps = state?.checkpoint?.latest?.pending_operations;
        const list: unknown[] = Array.isArray(resources) ? resources : [];
        const root = list.find((r) => (r as { type?: unknown } | null)?.type === "pulumi:pulumi:Stack") as { outputs?: unknown } | undefined;
        const outputs =
            typeof root?.outputs === "object" && root.outputs !== null && !Array.isArray(root.outputs) ? (root.outputs as Record<string, unknown>) : {};
        return { resources: list.length, pending: Array.isArray(pendingOps) ? pendingOps.length : 0, outputs };
    }

    private async tags(key: string): Promise<TagMap> {
        const bytes = await this.object(key, BACKEND_BOUNDS.tagBytes, "a tag file");
        if (bytes === undefined) {
            return {}; // created a moment ago, not tagged yet
        }
        const file = this.json(key, bytes, "a tag file") as { version?: unknown; tags?: unknown } | null;
        if (file?.version !== TAGS_VERSION) {
            throw new BackendLayoutError(`${key} has tag-file version ${JSON.stringify(file?.version)}`);
        }
        const tags: Record<string, string> = {};
        if (typeof file.tags === "object" && file.tags !== null) {
            for (const [k, v] of Object.entries(file.tags as Record<string, unknown>)) {
                if (typeof v === "string") {
                    tags[k] = v;
                }
            }
        }
        return tags;
    }

    /** Who holds each stack's lock right now (stacks without a lock are absent), in one listing. */
    async locks(project: string): Promise<Map<string, LockInfo[]>> {
        await this.checkLayout();
        const dir = `.pulumi/locks/organization/${project}/`;
        const files = (await this.blobs.list(dir, { recursive: true, maxKeys: BACKEND_BOUNDS.entries })).filter(
            (o) => o.kind === "object" && /^[^/]+\/[^/]+\.json$/.test(o.key.slice(dir.length)),
        );
        const byStack = new Map<string, LockInfo[]>();
        await mapLimit(files, this.concurrency, async (o) => {
            const lock = await this.lock(o);
            if (lock === undefined) {
                return; // released while being read
            }
            const stack = o.key.slice(dir.length).split("/")[0]!;
            byStack.set(stack, [...(byStack.get(stack) ?? []), lock]);
        });
        return byStack;
    }

    /** A lock file as a lock: one over its bound or unreadable is still a lock, its holder unknown. */
    private async lock(o: BlobListing): Promise<LockInfo | undefined> {
        let lock: { pid?: unknown; username?: unknown; hostname?: unknown; timestamp?: unknown } = {};
        if (o.size <= BACKEND_BOUNDS.lockBytes) {
            try {
                const bytes = await this.object(o.key, BACKEND_BOUNDS.lockBytes, "a lock file");
                if (bytes === undefined) {
                    return undefined;
                }
                const value = this.json(o.key, bytes, "a lock file");
                lock = typeof value === "object" && value !== null ? (value as typeof lock) : {};
            } catch (e) {
                if (!(e instanceof BackendObjectError)) {
                    throw e;
                }
            }
        }
        const since = new Date(String(lock.timestamp ?? 0));
        return {
            url: o.key,
            user: String(lock.username ?? "?").slice(0, 200),
            host: String(lock.hostname ?? "?").slice(0, 200),
            pid: Number.isSafeInteger(lock.pid) ? (lock.pid as number) : 0,
            since: Number.isNaN(since.getTime()) ? new Date(0) : since,
        };
    }
}
