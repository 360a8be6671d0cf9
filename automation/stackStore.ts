/**
 * The stacks on the state backend: workspaces, selecting, creating and listing stacks with their
 * tags, and who holds a stack's lock. Everything that talks to the backend through the engine
 * goes through here.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ConcurrentUpdateError, LocalWorkspace, type PulumiFn, type Stack, StackAlreadyExistsError, StackNotFoundError } from "@pulumi/pulumi/automation";
import { shortStackName, type StackSummary, type TagMap } from "../rules/metadata";
import { type LockInfo, StackLockedError } from "./errors";
import type { Backend, Secrets } from "./inputs";
import { engineEnv, pulumiCommand, type ResolvedCli } from "./pulumiCli";
import { mapLimit } from "./util";

export interface StoreConfig {
    /** Pulumi project of the stacks. */
    readonly project: string;
    readonly backend: Backend;
    readonly secrets: Secrets;
    readonly cli: ResolvedCli;
    /** PULUMI_HOME for the engine (tests give each run its own). */
    readonly pulumiHome?: string;
    /** Let the engine download missing provider plugins. @default false */
    readonly pluginDownloads?: boolean;
}

/** A stack as a listing shows it. */
export interface StoredStack extends StackSummary {
    readonly lastUpdate: string | undefined;
    readonly resourceCount: number | undefined;
}

/** An inline program that declares nothing: for stacks only selected, tagged or destroyed. */
export const noProgram: PulumiFn = async () => ({});

/**
 * The layout of a self-managed backend that {@link StackStore.locksOf} reads (lock files are not
 * exposed through the engine): `.pulumi/meta.yaml` says `version: 1`, and each lock is
 * `.pulumi/locks/organization/<project>/<stack>/<id>.json` holding pid, user name, host and time.
 */
export const BACKEND_LAYOUT_VERSION = 1;

export class StackStore {
    constructor(readonly cfg: StoreConfig) {}

    async workspace(program: PulumiFn = noProgram): Promise<LocalWorkspace> {
        if (this.cfg.backend.dir !== undefined) {
            fs.mkdirSync(this.cfg.backend.dir, { recursive: true });
        }
        return LocalWorkspace.create({
            program,
            envVars: engineEnv(this.cfg.cli, {
                home: this.cfg.pulumiHome,
                backendUrl: this.cfg.backend.url,
                pluginDownloads: this.cfg.pluginDownloads,
                passphrase: "passphrase" in this.cfg.secrets ? this.cfg.secrets.passphrase : undefined,
            }),
            pulumiCommand: await pulumiCommand(this.cfg.cli),
            secretsProvider: this.cfg.secrets.provider,
            projectSettings: { name: this.cfg.project, runtime: "nodejs", backend: { url: this.cfg.backend.url } },
        });
    }

    /** The stack, or undefined when the backend holds none of that name. */
    async select(name: string, program: PulumiFn = noProgram): Promise<Stack | undefined> {
        const ws = await this.workspace(program);
        try {
            return await LocalWorkspace.selectStack({ stackName: name, projectName: this.cfg.project, program }, wsOptions(ws));
        } catch (e) {
            if (e instanceof StackNotFoundError) {
                return undefined;
            }
            throw e;
        }
    }

    /** A new stack; one that exists already means another run is creating it right now. */
    async create(name: string): Promise<Stack> {
        const ws = await this.workspace();
        try {
            return await LocalWorkspace.createStack({ stackName: name, projectName: this.cfg.project, program: noProgram }, wsOptions(ws));
        } catch (e) {
            // Another run created it a moment ago (it exists), or is creating it (it is locked).
            if (e instanceof StackAlreadyExistsError || e instanceof ConcurrentUpdateError) {
                throw new StackLockedError(name, [], `environment ${name} is being created by another run right now; try again when it has finished`);
            }
            throw e;
        }
    }

    async createOrSelect(name: string, program: PulumiFn): Promise<Stack> {
        const ws = await this.workspace(program);
        return LocalWorkspace.createOrSelectStack({ stackName: name, projectName: this.cfg.project, program }, wsOptions(ws));
    }

    /**
     * Every stack of the project with its tags (read `concurrency` at a time). A stack created
     * a moment ago may have no tags yet: the engine answers null, read as none.
     */
    async list(concurrency: number = 4): Promise<StoredStack[]> {
        const ws = await this.workspace();
        const summaries = await ws.listStacks();
        return mapLimit(summaries, concurrency, async (summary) => {
            const name = shortStackName(summary.name);
            let tags: TagMap = {};
            try {
                tags = (await ws.listTags(name)) ?? {};
            } catch (e) {
                if (!(e instanceof StackNotFoundError) && !/no stack named|not found/i.test(String((e as Error).message))) {
                    throw e;
                }
                // removed between the listing and the tag read
            }
            return { name, tags, lastUpdate: summary.lastUpdate, resourceCount: summary.resourceCount };
        });
    }

    /**
     * Who holds `name`'s lock right now: the lock files of a `file://` backend. Undefined where
     * they cannot be read (other backends). Fails loudly if the backend's layout is not the one
     * this reader knows.
     */
    locksOf(name: string): LockInfo[] | undefined {
        const dir = this.cfg.backend.dir;
        if (dir === undefined) {
            return undefined;
        }
        const meta = path.join(dir, ".pulumi", "meta.yaml");
        if (fs.existsSync(meta)) {
            const version = /^version:\s*(\d+)\s*$/m.exec(fs.readFileSync(meta, "utf8"))?.[1];
            if (Number(version) !== BACKEND_LAYOUT_VERSION) {
                throw new Error(`the backend at ${dir} has layout version ${version ?? "unknown"}; vnv reads locks of layout ${BACKEND_LAYOUT_VERSION} only`);
            }
        }
        const lockDir = path.join(dir, ".pulumi", "locks", "organization", this.cfg.project, name);
        if (!fs.existsSync(lockDir)) {
            return [];
        }
        return fs
            .readdirSync(lockDir)
            .filter((f) => f.endsWith(".json"))
            .flatMap((f): LockInfo[] => {
                try {
                    const lock = JSON.parse(fs.readFileSync(path.join(lockDir, f), "utf8")) as {
                        pid?: unknown;
                        username?: unknown;
                        hostname?: unknown;
                        timestamp?: unknown;
                    };
                    return [
                        {
                            url: `file://${path.join(lockDir, f)}`,
                            user: String(lock.username ?? "?"),
                            host: String(lock.hostname ?? "?"),
                            pid: Number(lock.pid ?? 0),
                            since: new Date(String(lock.timestamp ?? 0)),
                        },
                    ];
                } catch {
                    return []; // released while being read
                }
            });
    }
}

function wsOptions(ws: LocalWorkspace): Parameters<typeof LocalWorkspace.selectStack>[1] {
    return {
        workDir: ws.workDir,
        pulumiHome: ws.pulumiHome,
        envVars: ws.envVars,
        pulumiCommand: ws.pulumiCommand,
        secretsProvider: ws.secretsProvider,
    };
}
