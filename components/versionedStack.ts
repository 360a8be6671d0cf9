import type { WorkingHours } from "../rules/schedule";
import * as pulumi from "@pulumi/pulumi";
import { AuthRedirects, type RedirectType } from "./authRedirects";
import { DnsAlias } from "./dnsAlias";
import { Alerts, type AlertsArgs } from "./alerts";
import { EcsServices, type SnapshotPlacementOutput } from "./ecsServices";
import { GraphDatabaseCredentials } from "./graphDatabase";
import type { DatabaseSpec } from "../rules/database";
import { environmentServices } from "../rules/containers";
import { FrontendBucket } from "./frontendBucket";
import type { RegistryCredentials } from "../rules/iamPolicies";
import { Ingress } from "./ingress";
import type { AccessLogsTarget } from "./publicLoadBalancer";
import { redirectUrisFor } from "../rules/redirects";
import type { Capacity, ServiceSpec } from "../rules/service";
import { SiteCertificate } from "./siteCertificate";

/** What the test platform (the dev stack's outputs) gives a shared-ingress environment. */
export interface SharedPlatform {
    readonly listenerArn: pulumi.Input<string>;
    readonly albSecurityGroupId: pulumi.Input<string>;
    readonly albDnsName: pulumi.Input<string>;
    readonly albZoneId: pulumi.Input<string>;
    readonly clusterArn: pulumi.Input<string>;
    /** @default false */
    readonly dualstack?: boolean;
}

export interface NetworkArgs {
    readonly vpcId: pulumi.Input<string>;
    readonly publicSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** Tasks in public subnets without NAT need a public IP to pull images. @default false */
    readonly assignPublicIp?: boolean;
}

export type VersionedIngressArgs =
    | {
          readonly mode: "dedicated";
          readonly deletionProtection?: boolean;
          readonly ipAddressType?: "ipv4" | "dualstack";
          /** The ALB's access logs (see PublicLoadBalancer). @default none */
          readonly accessLogs?: AccessLogsTarget;
          /** Seconds an idle connection stays open at the ALB (see Ingress). @default from the services */
          readonly idleTimeout?: number;
      }
    | { readonly mode: "shared"; readonly platform: SharedPlatform; readonly slot: number };

/** Arguments of {@link VersionedStack}. */
export interface VersionedStackArgs {
    /** Project name in derived names (`vnv`). */
    readonly project: string;
    /** Environment name (`prod`, `dev`, `v1-2-3-rc-1`). */
    readonly environment: string;
    /** Canonical version (`v1.2.3-rc.1`). */
    readonly version: string;
    /** Host the environment answers at (`1-2-3-rc-1.step-studio.be`). */
    readonly hostname: string;
    readonly hostedZoneId: pulumi.Input<string>;
    readonly region: pulumi.Input<string>;
    readonly network: NetworkArgs;
    readonly services: readonly ServiceSpec[];
    /**
     * The environment's own database (ephemeral environments): one more internal service with
     * credentials generated for this environment, given to it and its clients as ECS secrets
     * only; whatever the services carry for its variables is dropped. @default none
     */
    readonly database?: DatabaseSpec;
    /** Pull credentials per private registry host (see EcsServices). @default {} */
    readonly registryCredentials?: Readonly<Record<string, RegistryCredentials>>;
    /** @default "FARGATE" */
    readonly capacity?: Capacity;
    /** @default 30 */
    readonly logRetentionDays?: number;
    /** ECS Exec into the services' tasks (see EcsServices). @default false */
    readonly exec?: boolean;
    /** Outside these hours the services (not the database) sleep (see EcsServices). @default always running */
    readonly workingHours?: WorkingHours;
    /** The services (not the database) may be put to sleep on demand (see EcsServices). @default false */
    readonly sleeps?: boolean;
    /** The database's data on EBS, and snapshots (EcsServicesArgs.snapshots). */
    readonly snapshots?: { readonly bucketName: string; readonly volumeSizeInGb: number };
    readonly ingress: VersionedIngressArgs;
    /**
     * Alarms on the public services (deployment alarms with rollback, CPU and memory), sent to
     * `alerts` when given. @default none (ephemeral environments)
     */
    readonly watch?: { readonly alerts?: Omit<AlertsArgs, "project" | "environment"> };
    readonly frontend: {
        readonly bucketName: string;
        /** @default false */
        readonly publicWebsite?: boolean;
        /** @default false */
        readonly forceDestroy?: boolean;
        /** @default false */
        readonly retain?: boolean;
        /** The retained bucket exists already: adopt it (see FrontendBucket). @default false */
        readonly adopt?: boolean;
        /** The frontend's static files (see FrontendBucket). @default [] */
        readonly files?: readonly { readonly key: string; readonly path: string }[];
        /** The frontend image's digest, for release.json. @default none */
        readonly digest?: string;
        /** The log bucket of the bucket's server access logs (see FrontendBucket). @default none */
        readonly serverAccessLogs?: pulumi.Input<string>;
    };
    /** Paths under the host that Azure AD redirects to (`/`, `/auth/callback`). */
    readonly redirectPaths: readonly string[];
    /**
     * Register the redirect list in Azure AD from this stack. Only for a stack that is the sole
     * owner of that application's list (production with its own application); see AuthRedirects.
     * @default undefined (the URIs are only exported)
     */
    readonly ownRedirects?: {
        readonly applicationId: pulumi.Input<string>;
        readonly type: RedirectType;
        /** URIs of other hosts that must stay registered. @default [] */
        readonly extraRedirectUris?: readonly string[];
    };
}

/**
 * One version of the VNV tool as one environment: certificate (dedicated ingress only),
 * ingress, Fargate services, frontend bucket, DNS alias and, when asked, its redirect URIs.
 */
/** The stack's `ecs` output (automation/environments/exec.ts reads it). */
export interface EcsPlacementOutput {
    cluster: string;
    services: Record<string, string>;
    exec: boolean;
    sleep: Record<string, number>;
    /** Where `vnv env snapshot` runs (a database loaded from a dataset only). */
    snapshot?: SnapshotPlacementOutput;
}

export class VersionedStack extends pulumi.ComponentResource {
    public readonly url: pulumi.Output<string>;
    public readonly version: pulumi.Output<string>;
    public readonly imageDigests: pulumi.Output<Record<string, string>>;
    public readonly bucketName: pulumi.Output<string>;
    public readonly redirectUris: pulumi.Output<string[]>;
    /**
     * Where the services run, for `vnv env exec` and `vnv env sleep|wake`: the cluster's ARN, each
     * service's ECS name, whether ECS Exec is on, and the services that may sleep with the task
     * count each wakes to.
     */
    public readonly ecs: pulumi.Output<EcsPlacementOutput>;
    /** The ALB metric dimensions of each public service's target group: where the reaper reads whether anyone uses it. */
    public readonly requests: pulumi.Output<{ loadBalancer: string; targetGroup: string }[]>;

    private readonly name: string;
    private readonly args: VersionedStackArgs;

    constructor(name: string, args: VersionedStackArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vnv:components:VersionedStack", name, {}, opts);
        this.name = name;
        this.args = args;
        const redirectUris = redirectUrisFor(args.hostname, args.redirectPaths);

        const certificate = this.createCertificate();
        const ingress = this.createIngress(certificate);
        const services = this.createServices(ingress);
        const frontend = this.createFrontend(services);
        this.createDnsAlias(ingress);
        this.createRedirects(redirectUris);

        this.url = pulumi.output(`https://${args.hostname}`);
        this.version = pulumi.output(args.version);
        this.imageDigests = services.imageDigests;
        this.ecs = pulumi.output({
            cluster: services.clusterArn,
            services: services.serviceNames,
            exec: args.exec ?? false,
            sleep: services.sleepCounts,
            ...(services.snapshot === undefined ? {} : { snapshot: services.snapshot }),
        });
        this.requests = pulumi
            .all(Object.values(ingress.targetDimensions))
            .apply((dims) => dims.map((d) => ({ loadBalancer: d.loadBalancer, targetGroup: d.targetGroup })));
        this.bucketName = frontend.bucketName;
        this.redirectUris = pulumi.output(redirectUris);
        this.registerOutputs({
            url: this.url,
            version: this.version,
            imageDigests: this.imageDigests,
            bucketName: this.bucketName,
            redirectUris: this.redirectUris,
        });
    }

    /** Only a dedicated ingress owns a certificate; a shared one uses the platform's wildcard. */
    private createCertificate(): SiteCertificate | undefined {
        if (this.args.ingress.mode !== "dedicated") {
            return undefined;
        }
        return new SiteCertificate(`${this.name}-certificate`, { domainName: this.args.hostname, hostedZoneId: this.args.hostedZoneId }, { parent: this });
    }

    private createIngress(certificate: SiteCertificate | undefined): Ingress {
        const { ingress, network, services } = this.args;
        if (ingress.mode === "dedicated") {
            return new Ingress(
                `${this.name}-ingress`,
                {
                    mode: "dedicated",
                    vpcId: network.vpcId,
                    services,
                    publicSubnetIds: network.publicSubnetIds,
                    certificateArn: certificate!.certificateArn,
                    deletionProtection: ingress.deletionProtection,
                    ipAddressType: ingress.ipAddressType,
                    accessLogs: ingress.accessLogs,
                    idleTimeout: ingress.idleTimeout,
                },
                { parent: this },
            );
        }
        return new Ingress(
            `${this.name}-ingress`,
            {
                mode: "shared",
                vpcId: network.vpcId,
                services,
                hostname: this.args.hostname,
                listenerArn: ingress.platform.listenerArn,
                albSecurityGroupId: ingress.platform.albSecurityGroupId,
                albDnsName: ingress.platform.albDnsName,
                albZoneId: ingress.platform.albZoneId,
                dualstack: ingress.platform.dualstack,
                slot: ingress.slot,
            },
            { parent: this },
        );
    }

    private createServices(ingress: Ingress): EcsServices {
        const { args } = this;
        const db = args.database;
        const credentials =
            db === undefined
                ? undefined
                : new GraphDatabaseCredentials(
                      `${this.name}-database`,
                      { project: args.project, environment: args.environment, database: db },
                      { parent: this },
                  );
        const services = environmentServices(args.services, db);
        return new EcsServices(
            `${this.name}-services`,
            {
                project: args.project,
                environment: args.environment,
                version: args.version,
                services,
                ...(db === undefined ? {} : { database: db }),
                region: args.region,
                vpcId: args.network.vpcId,
                subnetIds: args.network.privateSubnetIds,
                assignPublicIp: args.network.assignPublicIp,
                clusterArn: args.ingress.mode === "shared" ? args.ingress.platform.clusterArn : undefined,
                capacity: args.capacity,
                albSecurityGroupId: ingress.albSecurityGroupId,
                targetGroupArns: ingress.targetGroupArns,
                frontendBucket: args.frontend.bucketName,
                logRetentionDays: args.logRetentionDays,
                exec: args.exec ?? false,
                ...(args.workingHours === undefined ? {} : { workingHours: args.workingHours }),
                sleeps: args.sleeps ?? false,
                ...(args.snapshots === undefined ? {} : { snapshots: args.snapshots }),
                registryCredentials: args.registryCredentials,
                targetDimensions: ingress.targetDimensions,
                ...(args.watch === undefined ? {} : { alarms: { actions: this.alertActions(args.watch.alerts) } }),
                ...(credentials === undefined ? {} : { deploySecrets: credentials.secretsByService(), waitFor: [credentials.value] }),
            },
            // ECS refuses a service whose target group is not yet attached to a listener: the
            // services wait for every listener and rule of the ingress.
            { parent: this, dependsOn: [ingress] },
        );
    }

    /** The alerts topic, when the environment's alarms go somewhere. */
    private alertActions(alerts: Omit<AlertsArgs, "project" | "environment"> | undefined): pulumi.Output<string>[] {
        if (alerts === undefined) {
            return [];
        }
        const topic = new Alerts(`${this.name}-alerts`, { project: this.args.project, environment: this.args.environment, ...alerts }, { parent: this });
        return [topic.topicArn];
    }

    private createFrontend(services: EcsServices): FrontendBucket {
        const { frontend, version } = this.args;
        return new FrontendBucket(
            `${this.name}-frontend`,
            {
                bucketName: frontend.bucketName,
                readerRoleArns: [services.taskRoleArn],
                release: pulumi.output({
                    version,
                    bucket: frontend.bucketName,
                    images: frontend.digest === undefined ? services.imageDigests : services.imageDigests.apply((d) => ({ ...d, frontend: frontend.digest! })),
                }),
                publicWebsite: frontend.publicWebsite,
                forceDestroy: frontend.forceDestroy,
                retain: frontend.retain,
                adopt: frontend.adopt,
                files: frontend.files,
                serverAccessLogs: frontend.serverAccessLogs,
            },
            { parent: this },
        );
    }

    private createDnsAlias(ingress: Ingress): DnsAlias {
        return new DnsAlias(
            `${this.name}-dns`,
            {
                hostedZoneId: this.args.hostedZoneId,
                hostname: this.args.hostname,
                targetDnsName: ingress.albDnsName,
                targetZoneId: ingress.albZoneId,
                // On the shared ALB one broken version must not mark the ALB unhealthy for all.
                evaluateTargetHealth: !ingress.shared,
                ipv6: ingress.dualstack,
            },
            { parent: this },
        );
    }

    private createRedirects(uris: readonly string[]): AuthRedirects | undefined {
        const own = this.args.ownRedirects;
        if (own === undefined) {
            return undefined;
        }
        return new AuthRedirects(
            `${this.name}-auth`,
            { applicationId: own.applicationId, type: own.type, redirectUris: [...uris, ...(own.extraRedirectUris ?? [])] },
            { parent: this },
        );
    }
}
