/**
 * The stacks on the state backend: workspaces, selecting, creating and listing stacks with their
 * tags, and who holds a stack's lock. Everything that talks to the backend through the engine
 * goes through here.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, type PulumiFn, type Stack, StackAlreadyExistsError, StackNotFoundError } from "@pulumi/pulumi/automation";
import { shortStackName, type StackSummary, type TagMap } from "../../rules/metadata";
import { BackendReader } from "./backendReader";
import { isLockContention, type LockInfo, StackLockedError } from "../errors";
import type { Backend, Secrets } from "../inputs";
import { engineEnv, pulumiCommand, type ResolvedCli, runPulumi } from "./pulumiCli";
import { mapLimit, sleep } from "../util";

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

export class StackStore {
    private readonly reader: BackendReader | undefined;

    constructor(readonly cfg: StoreConfig) {
        this.reader = BackendReader.for(cfg.backend);
    }

    async workspace(program: PulumiFn = noProgram): Promise<LocalWorkspace> {
        if (this.cfg.backend.dir !== undefined) {
            fs.mkdirSync(this.cfg.backend.dir, { recursive: true });
        }
        return LocalWorkspace.create({
            program,
            workDir: workDirOfThisProcess(),
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

    /**
     * A new stack; one that exists already means another run is creating it right now. Two
     * `stack init`s that take the lock at the same instant can both back off (the DIY backend's
     * lock check): a refusal by the lock is tried again after a random pause, so one of them
     * wins and the other then finds the stack.
     */
    async create(name: string): Promise<Stack> {
        const ws = await this.workspace();
        for (let attempt = 0; ; attempt++) {
            try {
                return await LocalWorkspace.createStack({ stackName: name, projectName: this.cfg.project, program: noProgram }, wsOptions(ws));
            } catch (e) {
                if (isLockContention(e) && attempt < 4) {
                    await sleep(200 + Math.random() * 800);
                    continue;
                }
                if (e instanceof StackAlreadyExistsError || isLockContention(e)) {
                    throw new StackLockedError(name, [], `environment ${name} is being created by another run right now; try again when it has finished`);
                }
                throw e;
            }
        }
    }

    async createOrSelect(name: string, program: PulumiFn): Promise<Stack> {
        const ws = await this.workspace(program);
        return LocalWorkspace.createOrSelectStack({ stackName: name, projectName: this.cfg.project, program }, wsOptions(ws));
    }

    /**
     * Every stack of the project with its tags; with `details`, also when each was last updated
     * and how many resources it holds. Read straight from the backend where vnv can
     * ({@link BackendReader}: `file://` and `s3://`), else through the CLI, one call per stack
     * (`via: "cli"` forces that, for comparison). A stack created a moment ago may have no tags
     * yet: read as none.
     */
    async list(options: { details?: boolean; via?: "backend" | "cli"; concurrency?: number } = {}): Promise<StoredStack[]> {
        if (options.via !== "cli" && this.reader !== undefined) {
            return (await this.reader.list(this.cfg.project, { details: options.details ?? false })).map((r) => ({
                name: r.name,
                tags: r.tags,
                lastUpdate: r.lastUpdate,
                resourceCount: r.resourceCount,
            }));
        }
        const ws = await this.workspace();
        const summaries = await ws.listStacks();
        return mapLimit(summaries, options.concurrency ?? 4, async (summary) => {
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
     * The outputs of `name` (plain values; secrets as the engine shows them, never decrypted by
     * the reader), or undefined when the backend holds no such stack. Read from the checkpoint
     * where vnv can read the backend, else through the CLI.
     */
    async outputs(name: string): Promise<Record<string, unknown> | undefined> {
        if (this.reader !== undefined) {
            return this.reader.outputs(this.cfg.project, name);
        }
        const stack = await this.select(name);
        return stack === undefined
            ? undefined
            : Object.fromEntries(Object.entries(await stack.outputs()).map(([k, v]) => [k, v.secret ? "[secret]" : v.value]));
    }

    /** The tags of `stack`, straight from the backend where vnv can read it (no engine process), else through the CLI. */
    async tags(stack: Stack): Promise<TagMap> {
        return this.reader !== undefined ? this.reader.stackTags(this.cfg.project, shortStackName(stack.name)) : ((await stack.listTags()) ?? {});
    }

    /**
     * Sets every tag of `stack`, a stack this run has just created: one create-only object where
     * vnv can write the backend ({@link BackendReader.createTags}), else (or when the stack has a
     * tag file already) one `pulumi stack tag set` per tag.
     */
    async tagNew(stack: Stack, tags: TagMap): Promise<void> {
        if ((await this.reader?.createTags(this.cfg.project, shortStackName(stack.name), tags)) === "created") {
            return;
        }
        for (const [key, value] of Object.entries(tags)) {
            await stack.setTag(key, value);
        }
    }

    /** How many pending operations a killed run left in `stack`'s state: from the checkpoint where vnv can read it, else an export. */
    async pendingOperations(stack: Stack): Promise<number> {
        const direct = await this.reader?.pendingOperations(this.cfg.project, shortStackName(stack.name));
        if (direct !== undefined) {
            return direct;
        }
        const state = await stack.exportStack();
        return ((state.deployment as { pending_operations?: unknown[] } | undefined)?.pending_operations ?? []).length;
    }

    /**
     * Destroys `stack`'s resources and removes it, in one engine process (`pulumi destroy
     * --remove`, automation/state/pulumiCli.ts `runPulumi`). The SDK's `destroy` runs two more: a
     * history read for its summary and, with `remove`, a separate `stack rm`.
     */
    async destroyAndRemove(stack: Stack, onOutput?: (text: string) => void): Promise<void> {
        const ws = stack.workspace as LocalWorkspace;
        const env = { ...(ws.pulumiHome === undefined ? {} : { PULUMI_HOME: ws.pulumiHome }), ...ws.envVars };
        await runPulumi(this.cfg.cli.binary, ["destroy", "--yes", "--skip-preview", "--remove", "--stack", stack.name], ws.workDir, env, onOutput);
    }

    /** Who holds each stack's lock right now (unlocked stacks absent); undefined where the backend cannot be read directly. */
    async locks(): Promise<Map<string, LockInfo[]> | undefined> {
        return this.reader?.locks(this.cfg.project);
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

/** Work directories this process made (removed when it exits). */
const workDirs: string[] = [];

/**
 * A fresh work directory for one workspace (the SDK writes Pulumi.yaml and the stack's settings
 * file there), removed when the process exits. Without one, the SDK makes its own
 * (`$TMPDIR/automation-…`) and never removes it: every command left a directory behind.
 */
function workDirOfThisProcess(): string {
    if (workDirs.length === 0) {
        process.once("exit", () => {
            for (const dir of workDirs) {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vnv-workspace-"));
    workDirs.push(dir);
    return dir;
}
