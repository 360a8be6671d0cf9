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
import * as fs from "node:fs";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, S3Client } from "@aws-sdk/client-s3";
import type { TagMap } from "../rules/metadata";
import type { LockInfo } from "./errors";
import type { Backend } from "./inputs";
import { mapLimit } from "./util";

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

/** A blob store as the backend uses it: keys relative to the backend's root. */
interface Blobs {
    /** Keys directly under `prefix` (or all below it, `recursive`), with their modification time. */
    list(prefix: string, options?: { recursive?: boolean }): Promise<{ key: string; modified: Date }[]>;
    /** The object's bytes, or undefined when it is gone. */
    read(key: string): Promise<Buffer | undefined>;
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
        const concurrency = options.concurrency ?? 32;
        if (backend.kind === "file" && backend.dir !== undefined) {
            return new BackendReader(fileBlobs(backend.dir), concurrency);
        }
        if (backend.kind === "s3") {
            return new BackendReader(s3Blobs(backend.url), concurrency);
        }
        return undefined;
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

function fileBlobs(root: string): Blobs {
    return {
        async list(prefix, options) {
            const dir = path.join(root, prefix);
            let entries: fs.Dirent[];
            try {
                entries = fs.readdirSync(dir, { withFileTypes: true, recursive: options?.recursive ?? false });
            } catch (e) {
                if ((e as NodeJS.ErrnoException).code === "ENOENT") {
                    return [];
                }
                throw e;
            }
            return entries.flatMap((e) => {
                if (!e.isFile()) {
                    return [];
                }
                const full = path.join(e.parentPath, e.name);
                try {
                    return [{ key: `${prefix}${path.relative(dir, full).split(path.sep).join("/")}`, modified: fs.statSync(full).mtime }];
                } catch {
                    return []; // removed meanwhile
                }
            });
        },
        async read(key) {
            try {
                return fs.readFileSync(path.join(root, key));
            } catch (e) {
                if ((e as NodeJS.ErrnoException).code === "ENOENT") {
                    return undefined;
                }
                throw e;
            }
        },
    };
}

/** `s3://bucket[/prefix][?region=…&endpoint=…&s3ForcePathStyle=true&profile=…]`, as the engine reads it. */
export function s3Location(url: string): { bucket: string; prefix: string; region?: string; endpoint?: string; forcePathStyle: boolean; profile?: string } {
    const u = new URL(url);
    const q = u.searchParams;
    const prefix = decodeURIComponent(u.pathname.replace(/^\/+/, ""));
    return {
        bucket: u.hostname,
        prefix: prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`,
        region: q.get("region") ?? undefined,
        endpoint: q.get("endpoint") ?? undefined,
        forcePathStyle: q.get("s3ForcePathStyle") === "true" || q.get("use_path_style") === "true",
        profile: q.get("profile") ?? undefined,
    };
}

function s3Blobs(url: string): Blobs {
    const at = s3Location(url);
    const client = new S3Client({
        ...(at.region !== undefined ? { region: at.region } : {}),
        ...(at.endpoint !== undefined ? { endpoint: at.endpoint } : {}),
        ...(at.profile !== undefined ? { profile: at.profile } : {}),
        forcePathStyle: at.forcePathStyle,
        maxAttempts: 3,
    });
    return {
        async list(prefix, options) {
            const out: { key: string; modified: Date }[] = [];
            let token: string | undefined;
            do {
                const page = await client.send(
                    new ListObjectsV2Command({
                        Bucket: at.bucket,
                        Prefix: `${at.prefix}${prefix}`,
                        ...(options?.recursive ? {} : { Delimiter: "/" }),
                        ContinuationToken: token,
                    }),
                );
                for (const o of page.Contents ?? []) {
                    if (o.Key !== undefined) {
                        out.push({ key: o.Key.slice(at.prefix.length), modified: o.LastModified ?? new Date(0) });
                    }
                }
                token = page.IsTruncated ? page.NextContinuationToken : undefined;
            } while (token !== undefined);
            return out;
        },
        async read(key) {
            try {
                const r = await client.send(new GetObjectCommand({ Bucket: at.bucket, Key: `${at.prefix}${key}` }));
                return Buffer.from(await r.Body!.transformToByteArray());
            } catch (e) {
                if (e instanceof NoSuchKey || (e as { name?: string }).name === "NoSuchKey") {
                    return undefined;
                }
                throw e;
            }
        },
    };
}
