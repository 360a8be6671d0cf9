/**
 * The owner of the shared test application's redirect list: one stack (`auth`) whose program
 * registers the whole list, computed here from the fixed hosts and every live environment.
 * `azuread.ApplicationRedirectUris` overwrites the list, so exactly one stack may own it;
 * concurrent runs are serialised by its lock and converge by re-reading the live set.
 */
import { type PulumiFn, type Stack, StackAlreadyExistsError } from "@pulumi/pulumi/automation";
import { redirectUrisFor, validateRedirectList } from "../../rules/redirects";
import { isLockContention, OperationError, StackLockedError } from "../errors";
import type { Locks } from "../state/locks";
import { liveOf } from "./slots";
import type { StackStore } from "../state/stackStore";
import { sleep } from "../util";

/** Builds the inline program of the auth owner stack from the complete redirect list. */
export type AuthProgramFactory = (redirectUris: readonly string[]) => PulumiFn;

export interface AuthOwnerConfig {
    /** Stack that owns the shared application's redirect list. @default "auth" */
    readonly stackName?: string;
    /** Hosts whose URIs always stay registered (dev; localhost is given in extraUris). */
    readonly fixedHosts: readonly string[];
    /** Further URIs that stay registered (`http://localhost:3000/`). @default [] */
    readonly extraUris?: readonly string[];
    /** Paths under each host (`/`, `/auth/callback`). */
    readonly redirectPaths: readonly string[];
    /** The domain environments' hosts are in, and their maximum TTL: a stack whose tags disagree is no environment (rules/metadata.ts, TagRules). */
    readonly domain: string;
    readonly maxTtlMs: number;
    readonly program: AuthProgramFactory;
}

/** What became of the redirect list after a command changed the set of environments. */
export type AuthOutcome = { readonly ok: true; readonly uris: number } | { readonly ok: false; readonly error: string };

export class AuthOwner {
    constructor(
        private readonly cfg: AuthOwnerConfig,
        private readonly store: StackStore,
        private readonly locks: Locks,
        private readonly log: (line: string) => void,
        private readonly engineOutput?: (text: string) => void,
    ) {}

    /** What the owner needs besides the program, the same for every version: for a child process that runs it (authWorker.ts). */
    get bounds(): Pick<AuthOwnerConfig, "redirectPaths" | "domain" | "maxTtlMs"> {
        return { redirectPaths: this.cfg.redirectPaths, domain: this.cfg.domain, maxTtlMs: this.cfg.maxTtlMs };
    }

    /** The complete redirect list: fixed hosts, extra URIs and every live environment's host. */
    async redirectList(): Promise<string[]> {
        const rules = { domain: this.cfg.domain, maxTtlMs: this.cfg.maxTtlMs, now: new Date() };
        const hosts = [...this.cfg.fixedHosts, ...liveOf(await this.store.list(), rules).map((l) => l.hostname)];
        return validateRedirectList([...hosts.flatMap((h) => redirectUrisFor(h, this.cfg.redirectPaths)), ...(this.cfg.extraUris ?? [])]);
    }

    /** Brings the owner stack in line with the live environments; answers the list registered. */
    async reconcile(): Promise<string[]> {
        const name = this.cfg.stackName ?? "auth";
        let uris = await this.redirectList();
        for (let attempt = 0; ; attempt++) {
            const program = this.cfg.program(uris);
            let stack: Stack;
            try {
                stack = await this.store.createOrSelect(name, program);
            } catch (e) {
                // Another run created it a moment ago (it exists), or is creating it (its
                // `stack init` holds the lock): select it next time.
                if ((e instanceof StackAlreadyExistsError || isLockContention(e)) && attempt < 20) {
                    await sleep(100 + Math.random() * 400);
                    continue;
                }
                throw e;
            }
            try {
                await this.locks.run(stack, "auth", () => stack.up({ onOutput: this.engineOutput }));
            } catch (e) {
                if (!(e instanceof StackLockedError) || attempt >= 20) {
                    throw e;
                }
                await sleep(250 + Math.random() * 750);
                uris = await this.redirectList();
                continue;
            }
            // Another run may have changed the set of environments while this list was being
            // applied, or applied an older list after it: look again, and converge.
            const now = await this.redirectList();
            if (now.length === uris.length && now.every((u, i) => u === uris[i])) {
                this.log(`${name}: ${uris.length} redirect URI(s) registered`);
                return uris;
            }
            if (attempt >= 20) {
                throw new OperationError(`${name}: the redirect list keeps changing; run again to converge`);
            }
            uris = now;
        }
    }

    /** {@link reconcile}, its failure reported instead of thrown: the command's own result stands. */
    async outcome(): Promise<AuthOutcome> {
        try {
            return { ok: true, uris: (await this.reconcile()).length };
        } catch (e) {
            const error = e instanceof Error ? e.message : String(e);
            this.log(`auth: the redirect list was not updated: ${error.split("\n")[0]}`);
            return { ok: false, error };
        }
    }
}
