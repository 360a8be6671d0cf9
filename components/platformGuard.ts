import * as pulumi from "@pulumi/pulumi";

/** Arguments of {@link PlatformGuard}. */
export interface PlatformGuardArgs {
    /** What ephemeral environments attach to: a change of any of them replaces what they use. */
    readonly attachments: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /**
     * The stack tag that marks an attached environment, as `pulumi stack ls --tag` takes it.
     * @default "vnv:kind=ephemeral"
     */
    readonly tag?: string;
}

interface GuardState {
    readonly attachments: Record<string, string>;
    readonly tag: string;
}

/**
 * The stacks on the state backend that carry `tag`: the ephemeral environments attached to the
 * platform. Runs in the dynamic provider's own process, with the engine's environment: the
 * `pulumi` on its PATH and the backend it is logged in to (the one the platform's stack lives
 * on, which is the one the environments' StackReference resolves on).
 */
function attachedEnvironments(tag: string): string[] {
    const { execFileSync } = require("node:child_process"); // required at run time: this function is serialized into the dynamic provider
    const out: string = execFileSync("pulumi", ["stack", "ls", "--all", "--json", "--non-interactive", "--tag", tag], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
    });
    return (JSON.parse(out) as { name: string }[]).map((s) => s.name).sort();
}

function refuse(what: string, attached: readonly string[]): Error {
    return new Error(
        `${what} while ${attached.length} ephemeral environment(s) are attached to the test platform: ${attached.join(", ")}. ` +
            "Take them down first (`vnv env down <version>` each, or `vnv env reap` once they expire).",
    );
}

const guardProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: GuardState) {
        return { id: "test-platform-guard", outs: inputs };
    },
    async diff(_id: string, olds: GuardState, news: GuardState) {
        const keys = [...new Set([...Object.keys(olds.attachments ?? {}), ...Object.keys(news.attachments ?? {})])];
        const changed = keys.filter((k) => olds.attachments?.[k] !== news.attachments?.[k]);
        if (changed.length === 0) {
            return { changes: olds.tag !== news.tag };
        }
        const attached = attachedEnvironments(news.tag ?? olds.tag);
        if (attached.length > 0) {
            throw refuse(`the test platform's ${changed.join(", ")} cannot change (the resources behind it would be replaced)`, attached);
        }
        return { changes: true };
    },
    async update(_id: string, _olds: GuardState, news: GuardState) {
        return { outs: news };
    },
    async delete(_id: string, props: GuardState) {
        const attached = attachedEnvironments(props.tag);
        if (attached.length > 0) {
            throw refuse("the test platform cannot be destroyed", attached);
        }
    },
};

/**
 * Keeps the test platform in place while ephemeral environments use it. It depends on what they
 * attach to (listener, security group, cluster), so the engine deletes it first on a destroy and
 * diffs it on every change of those: both are refused, naming the attached environments, as
 * long as the state backend holds stacks with the environments' tag. Type token
 * `pulumi-nodejs:dynamic:Resource` (a dynamic provider: no plugin to install).
 */
export class PlatformGuard extends pulumi.dynamic.Resource {
    constructor(name: string, args: PlatformGuardArgs, opts?: pulumi.CustomResourceOptions) {
        super(guardProvider, name, { attachments: args.attachments, tag: args.tag ?? "vnv:kind=ephemeral" }, opts);
    }
}
