/**
 * Stand-in programs for the automation's tests: they need no cloud provider, but have real
 * resources (a dynamic resource whose create and delete can be slowed down), a secret in the
 * state, and the outputs an environment has.
 */
import * as pulumi from "@pulumi/pulumi";
import { pinnedDataset } from "../rules/database";
import { datasetReference } from "../rules/datasets";
import { DATA_VOLUME_DEFAULTS } from "../rules/ecsSnapshot";
import { dumpBucketName } from "../rules/naming";
import type { AuthProgramFactory, ProgramFactory } from "../automation/environments/environments";

interface MarkerInputs {
    hostname: string;
    createDelayMs: number;
    deleteDelayMs: number;
    /** While this file exists, create and delete wait (at most a minute): lets a test kill a run mid-operation. */
    pauseFile: string;
    token: string;
}

const markerProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: MarkerInputs) {
        // Runs in the dynamic provider's own process: only what is required here is available.
        const fs = require("node:fs"); // required at run time: serialized into the dynamic provider
        for (let i = 0; inputs.pauseFile !== "" && fs.existsSync(inputs.pauseFile) && i < 600; i++) {
            await new Promise((r) => setTimeout(r, 100));
        }
        await new Promise((r) => setTimeout(r, inputs.createDelayMs));
        return { id: `marker-${inputs.hostname}`, outs: inputs };
    },
    async delete(_id: string, props: MarkerInputs) {
        const fs = require("node:fs"); // required at run time: serialized into the dynamic provider
        for (let i = 0; props.pauseFile !== "" && fs.existsSync(props.pauseFile) && i < 600; i++) {
            await new Promise((r) => setTimeout(r, 100));
        }
        await new Promise((r) => setTimeout(r, props.deleteDelayMs));
    },
    async diff() {
        return { changes: false };
    },
};

class Marker extends pulumi.dynamic.Resource {
    constructor(name: string, args: { [K in keyof MarkerInputs]: pulumi.Input<MarkerInputs[K]> }, opts?: pulumi.CustomResourceOptions) {
        super(markerProvider, name, args, opts);
    }
}

/**
 * A resource whose "cloud" is a file: created by writing its value there, read back from it by a
 * refresh. Changing or removing the file behind the engine's back is drift.
 */
const recordProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: { file: string; value: string }) {
        require("node:fs").writeFileSync(inputs.file, JSON.stringify({ value: inputs.value })); // required at run time: serialized
        return { id: inputs.file, outs: inputs };
    },
    async read(id: string, props: { file: string; value: string }) {
        const fs = require("node:fs"); // required at run time: serialized into the dynamic provider
        if (!fs.existsSync(id)) {
            return { id: "" }; // gone: the engine reads an empty id as deleted
        }
        return { id, props: { ...props, value: JSON.parse(fs.readFileSync(id, "utf8")).value } };
    },
    async diff(_id: string, olds: { value: string }, news: { value: string }) {
        return { changes: olds.value !== news.value };
    },
    async delete(id: string) {
        require("node:fs").rmSync(id, { force: true }); // required at run time: serialized
    },
};

class StandInRecord extends pulumi.dynamic.Resource {
    constructor(name: string, args: { file: string; value: string }, opts?: pulumi.CustomResourceOptions) {
        super(recordProvider, name, args, opts);
    }
}

class StandInEnvironment extends pulumi.ComponentResource {
    constructor(
        name: string,
        args: { hostname: string; createDelayMs: number; deleteDelayMs: number; pauseFile: string },
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super("vnvtest:index:StandInEnvironment", name, {}, opts);
        new Marker(`${name}-marker`, { ...args, token: pulumi.secret(`token-for-${args.hostname}`) }, { parent: this });
        this.registerOutputs({});
    }
}

export interface StandInOptions {
    readonly createDelayMs?: number;
    readonly deleteDelayMs?: number;
    /** See MarkerInputs.pauseFile. @default "" (never pause) */
    readonly pauseFile?: string;
    /** Versions whose update fails (to test that a failed `up` is still collected). */
    readonly failFor?: readonly string[];
    /** A resource whose real state is this file (see StandInRecord): lets a test drift. */
    readonly recordFile?: string;
}

/** The environment stand-in: one component, one slow-able dynamic resource, the usual outputs. */
export function standIn(options: StandInOptions = {}): ProgramFactory {
    return (settings) => async () => {
        if ((options.failFor ?? []).includes(settings.version)) {
            throw new Error(`stand-in failure for ${settings.version}`);
        }
        new StandInEnvironment(settings.project, {
            hostname: settings.hostname,
            createDelayMs: options.createDelayMs ?? 0,
            deleteDelayMs: options.deleteDelayMs ?? 0,
            pauseFile: options.pauseFile ?? "",
        });
        if (options.recordFile !== undefined) {
            new StandInRecord(`${settings.project}-record`, { file: options.recordFile, value: settings.version });
        }
        return {
            url: `https://${settings.hostname}`,
            version: settings.version,
            slot: settings.ingress.mode === "shared" ? settings.ingress.slot : -1,
            apiToken: pulumi.secret(`secret-of-${settings.version}`),
            digests: Object.fromEntries([
                ...settings.services.filter((s) => s.digest).map((s) => [s.name, s.digest]),
                ...(settings.frontend.digest === undefined ? [] : [["frontend", settings.frontend.digest]]),
                ...(settings.database?.digest === undefined ? [] : [[settings.database.name, settings.database.digest]]),
            ]),
            // As the real program's (infra/environment.ts): names as ECS would make them.
            ecs: {
                cluster: `arn:aws:ecs:${settings.region}:123456789012:cluster/vnv-${settings.environment}-cluster-1a2b3c4`,
                services: Object.fromEntries(
                    [...settings.services.map((s) => s.name), ...(settings.database === undefined ? [] : [settings.database.name])].map((name) => [
                        name,
                        `vnv-services-${name}-5d6e7f8`,
                    ]),
                ),
                exec: settings.exec,
                // Every service but the database may sleep, outside prod (components/ecsServices.ts).
                sleep:
                    settings.role === "prod"
                        ? {}
                        : Object.fromEntries(settings.services.filter((s) => s.name !== settings.database?.name).map((s) => [s.name, s.desiredCount])),
                // A database loaded from a dataset can be snapshotted (components/ecsServices.ts).
                ...(pinnedDataset(settings.database) === undefined
                    ? {}
                    : {
                          snapshot: {
                              taskDefinition: `arn:aws:ecs:${settings.region}:123456789012:task-definition/vnv-${settings.environment}-snapshot:1`,
                              bucket: dumpBucketName(settings.frontend.bucketPrefix, settings.version),
                              volumeRole: "arn:aws:iam::123456789012:role/vnv-services-volumes-role-9a8b7c6",
                              volumeSizeInGb: DATA_VOLUME_DEFAULTS.sizeInGb,
                              subnets: [...settings.network.privateSubnetIds],
                              securityGroups: ["sg-0123456789abcdef0"],
                              assignPublicIp: settings.network.assignPublicIp ?? false,
                          },
                      }),
            },
            // As the real program's: each public service's target group on the load balancer.
            requests: settings.services
                .filter((s) => s.public ?? false)
                .map((s) => ({
                    loadBalancer: "app/vnv-dev-alb/0123456789abcdef",
                    targetGroup: `targetgroup/${`${settings.environment}-${s.name}`.slice(0, 32)}/0123456789abcdef`,
                })),
            // As the real program (infra/environment.ts datasetOutput), without loading it.
            ...(pinnedDataset(settings.database) === undefined ? {} : { dataset: datasetReference(pinnedDataset(settings.database)!) }),
        };
    };
}

/** The auth owner stand-in: exports the list it would register. */
export const authStandIn: AuthProgramFactory = (uris) => async () => ({ redirectUris: [...uris] });
