import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { FargateCluster } from "./fargateCluster";
import { serviceConnectTimeout } from "../rules/connections";
import { type AlarmContext, deploymentAlarms, serviceCapacity, serviceSleep, type TargetDimensions } from "./serviceOperations";
import type { WorkingHours } from "../rules/schedule";
import { ecsTasksTrustPolicy, execPolicy, executionPolicy, type RegistryCredentials } from "../rules/iamPolicies";
import { lookupReference, parseRepository } from "../rules/imageReference";
import { logGroupName, logGroupPrefix, roleLogicalName, serviceNamespaceName } from "../rules/naming";
import { type Capacity, isDigest, type ServiceSpec, serviceProblems } from "../rules/service";
import { type Container, type DatasetLoad, describeContainers, withDatasetLoad } from "../rules/containers";
import { DATABASE_DATA_PATH, type DatabaseSpec, pinnedDataset } from "../rules/database";
import { DATA_VOLUME_DEFAULTS, EBS_DATA_VOLUME } from "../rules/ecsSnapshot";
import { DatabaseSnapshots, ecsVolumeRole } from "./databaseSnapshots";

/** Arguments of {@link EcsServices}. */
export interface EcsServicesArgs {
    /** Project name used in log-group and namespace names (`vnv`). */
    readonly project: string;
    /** Environment name (`prod`, `dev`, `v1-2-3-rc-1`). */
    readonly environment: string;
    /** Canonical version (`v1.2.3-rc.1`): the default image tag and RELEASE_VERSION. */
    readonly version: string;
    readonly services: readonly ServiceSpec[];
    /** The environment's own database (one of `services` already), for its dataset's loader. */
    readonly database?: DatabaseSpec;
    /** AWS region, for the awslogs driver. */
    readonly region: pulumi.Input<string>;
    readonly vpcId: pulumi.Input<string>;
    /** Subnets the tasks run in (private subnets with a NAT, or public with `assignPublicIp`). */
    readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** @default false */
    readonly assignPublicIp?: boolean;
    /** Existing cluster (the test platform's); when absent the component creates one. @default a new cluster */
    readonly clusterArn?: pulumi.Input<string>;
    /** @default "FARGATE" */
    readonly capacity?: Capacity;
    /** Security group of the load balancer that reaches the public services. Required with public services. */
    readonly albSecurityGroupId?: pulumi.Input<string>;
    /** Target group per public service name (from Ingress). Required with public services. */
    readonly targetGroupArns?: Readonly<Record<string, pulumi.Input<string>>>;
    /** The environment's frontend bucket, given to containers as FRONTEND_BUCKET. */
    readonly frontendBucket: pulumi.Input<string>;
    /** CloudWatch log retention in days. @default 30 */
    readonly logRetentionDays?: number;
    /** Seconds a new task may fail load-balancer health checks before ECS counts it. @default 60 */
    readonly healthCheckGracePeriodSeconds?: number;
    /**
     * Pull credentials per private registry host (`ghcr.io`): every image from that registry is
     * pulled with them (`repositoryCredentials`), and the execution role may read exactly those
     * secrets. @default {} (public images only)
     */
    readonly registryCredentials?: Readonly<Record<string, RegistryCredentials>>;
    /**
     * Secrets whose ARN is known only at deploy time (an own database's generated credentials):
     * service → variable → `valueFrom`. The execution role may read exactly these too. @default {}
     */
    readonly deploySecrets?: Readonly<Record<string, Readonly<Record<string, pulumi.Input<string>>>>>;
    /** Resources every service waits for besides the execution role's grants (a secret's value). @default [] */
    readonly waitFor?: readonly pulumi.Resource[];
    /** The ALB metric dimensions per public service (from Ingress), for its alarms and its requests-per-target scaling. */
    readonly targetDimensions?: Readonly<Record<string, pulumi.Input<TargetDimensions>>>;
    /**
     * Alarms on every public service (rules/alarms.ts): 5xx rate, unhealthy targets and p95
     * latency stop a deploy (ECS deployment alarms with rollback); CPU and memory alert. Each is
     * sent to `actions`. @default none
     */
    readonly alarms?: { readonly actions: readonly pulumi.Input<string>[] };
    /**
     * Working hours (rules/schedule.ts): outside them every service but the database sleeps at 0
     * tasks, by Application Auto Scaling's scheduled actions. @default none (always running)
     */
    readonly workingHours?: WorkingHours;
    /**
     * Services but the database may be put to sleep (`vnv env sleep`): each gets an Application
     * Auto Scaling target at its count, which `vnv env sleep|wake` sets to 0 and back, and which
     * the working hours' scheduled actions act on. Dev and ephemeral environments; never prod.
     * @default false
     */
    readonly sleeps?: boolean;
    /**
     * ECS Exec (`aws ecs execute-command`, `vnv env exec`): every service's `enableExecuteCommand`,
     * and the task role's grants for the SSM agent's channels and for the session's log, which
     * goes where the container's own log goes (the cluster's logging DEFAULT: the task
     * definition's awslogs configuration). @default false
     */
    readonly exec?: boolean;
    /**
     * A database loaded from a dataset keeps its data on an EBS volume ECS makes for each of its
     * tasks, and gets what `vnv env snapshot` runs (components/databaseSnapshots.ts): the private
     * bucket dumps pass through, and the data volume's size in GiB. @default none (task storage, no snapshots)
     */
    readonly snapshots?: { readonly bucketName: string; readonly volumeSizeInGb: number };
}

/** Where a snapshot runs (the stack's `ecs.snapshot` output; automation/environments/ecsSnapshot.ts reads it). */
export interface SnapshotPlacementOutput {
    taskDefinition: string;
    bucket: string;
    volumeRole: string;
    volumeSizeInGb: number;
    subnets: string[];
    securityGroups: string[];
    assignPublicIp: boolean;
}

/** The execution role and the policies it needs before a task can start. */
interface Roles {
    readonly execution: aws.iam.Role;
    readonly task: aws.iam.Role;
    /** The execution role's policies: every service waits for them (image pull, secrets, logs). */
    readonly grants: pulumi.Resource[];
}

/**
 * The environment's Fargate services: one task definition and one service each, images pinned
 * by digest, deployment circuit breaker with rollback, Service Connect so services reach one
 * another by name (`redis:6379`), and security groups that admit the load balancer only on
 * public ports and the environment's own services only among themselves. An update is done
 * when every service is steady (`waitForSteadyState`): a service whose tasks never become
 * healthy fails the update instead of reporting success.
 */
export class EcsServices extends pulumi.ComponentResource {
    public readonly clusterArn: pulumi.Output<string>;
    /** `repository@sha256:…` per service. */
    public readonly images: Record<string, pulumi.Output<string>>;
    /** `sha256:…` per service. */
    public readonly imageDigests: pulumi.Output<Record<string, string>>;
    public readonly taskRoleArn: pulumi.Output<string>;
    public readonly securityGroupId: pulumi.Output<string>;
    public readonly serviceNames: Record<string, pulumi.Output<string>>;
    /** The services that may sleep, each with the task count it wakes to. */
    public readonly sleepCounts: Record<string, number>;
    /** Where `vnv env snapshot` runs, when the database is loaded from a dataset and `snapshots` is given. */
    public readonly snapshot: pulumi.Output<SnapshotPlacementOutput> | undefined;

    private readonly name: string;
    private readonly args: EcsServicesArgs;

    constructor(name: string, args: EcsServicesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vnv:components:EcsServices", name, {}, opts);
        this.name = name;
        this.args = args;
        checkArgs(args);

        const clusterArn = this.createCluster();
        const digests = this.resolveDigests();
        const roles = this.createRoles();
        const volumes = this.dataVolumes() ? ecsVolumeRole(name, args.environment, this) : undefined;
        const securityGroup = this.createSecurityGroup();
        const namespace = this.createNamespace();
        this.serviceNames = {};
        this.sleepCounts = {};
        this.images = {};
        const created = new Map<string, aws.ecs.Service>();
        const containers = withDatasetLoad(
            describeContainers<pulumi.Output<string>>({
                version: args.version,
                services: args.services,
                digests,
                frontendBucket: pulumi.output(args.frontendBucket),
                targetSecrets: mapValues(args.deploySecrets ?? {}, (byVariable) => mapValues(byVariable, (v) => pulumi.output(v))),
            }),
            args.database,
        );
        for (const container of containers) {
            const spec = args.services.find((s) => s.name === container.name)!;
            const image = pulumi.interpolate`${spec.image}@${digests[spec.name]!}`;
            this.images[spec.name] = image;
            const taskDefinition = this.createTaskDefinition(spec, container, image, roles, volumes !== undefined);
            const after = container.after.map((n) => created.get(n)!);
            const watched = this.alarmContext();
            const dimensions = args.targetDimensions?.[spec.name];
            const alarms =
                args.alarms !== undefined && (spec.public ?? false) && dimensions !== undefined
                    ? deploymentAlarms(this.name, watched, spec, dimensions, this)
                    : [];
            const service = this.createService(
                spec,
                clusterArn,
                taskDefinition,
                securityGroup,
                namespace,
                [
                    ...roles.grants,
                    ...(args.waitFor ?? []),
                    ...after,
                    ...alarms,
                    ...(container.load === undefined || volumes === undefined ? [] : [volumes.grant]),
                ],
                alarms,
                container.load === undefined ? undefined : volumes?.role.arn,
            );
            created.set(spec.name, service);
            this.serviceNames[spec.name] = service.name;
            serviceCapacity(
                this.name,
                { ...watched, alarms: args.alarms !== undefined },
                spec,
                { clusterArn, serviceName: service.name, ...(dimensions === undefined ? {} : { dimensions }) },
                this,
            );
            if (this.sleeps(spec)) {
                serviceSleep(this.name, spec, args.workingHours, { clusterArn, serviceName: service.name }, this);
                this.sleepCounts[spec.name] = spec.desiredCount;
            }
        }

        this.snapshot = volumes === undefined ? undefined : this.createSnapshots(roles, securityGroup, volumes.role);
        this.clusterArn = clusterArn;
        this.imageDigests = pulumi.output(digests);
        this.taskRoleArn = roles.task.arn;
        this.securityGroupId = securityGroup.id;
        this.registerOutputs({
            clusterArn: this.clusterArn,
            images: this.images,
            imageDigests: this.imageDigests,
            taskRoleArn: this.taskRoleArn,
            securityGroupId: this.securityGroupId,
        });
    }

    /** Whether the database keeps its data on EBS volumes (a dataset, and snapshots asked for). */
    private dataVolumes(): boolean {
        return this.args.snapshots !== undefined && this.args.database?.dataset !== undefined;
    }

    /** The snapshot's bucket and task definition, and where its tasks run. */
    private createSnapshots(roles: Roles, securityGroup: aws.ec2.SecurityGroup, volumeRole: aws.iam.Role): pulumi.Output<SnapshotPlacementOutput> {
        const db = this.args.database!;
        const dataset = pinnedDataset(db)!;
        const spec = this.args.services.find((s) => s.name === db.name)!;
        const credentials = this.args.registryCredentials?.[parseRepository(dataset.image).registry];
        const { bucketName, volumeSizeInGb } = this.args.snapshots!;
        const snapshots = new DatabaseSnapshots(
            `${this.name}-snapshots`,
            {
                project: this.args.project,
                environment: this.args.environment,
                region: this.args.region,
                bucketName,
                dataset,
                dataPath: DATABASE_DATA_PATH,
                cpu: spec.cpu,
                memory: spec.memory,
                volumeSizeInGb,
                executionRoleArn: roles.execution.arn,
                ...(credentials === undefined ? {} : { datasetCredentials: credentials.secretArn }),
                logRetentionDays: this.args.logRetentionDays ?? 30,
            },
            { parent: this, dependsOn: roles.grants },
        );
        return pulumi.output({
            taskDefinition: snapshots.taskDefinitionArn,
            bucket: snapshots.bucketName,
            volumeRole: volumeRole.arn,
            volumeSizeInGb,
            subnets: this.args.subnetIds,
            securityGroups: [securityGroup.id],
            assignPublicIp: this.args.assignPublicIp ?? false,
        });
    }

    /** Who the alarms concern and where they go. */
    private alarmContext(): AlarmContext {
        return { project: this.args.project, environment: this.args.environment, version: this.args.version, actions: this.args.alarms?.actions ?? [] };
    }

    private createCluster(): pulumi.Output<string> {
        if (this.args.clusterArn !== undefined) {
            return pulumi.output(this.args.clusterArn);
        }
        return new FargateCluster(`${this.name}-cluster`, {}, { parent: this }).clusterArn;
    }

    /**
     * The digest per service: given as is (pinned by `release check`), or, for an image whose tag
     * is the version (immutable: releases never move), resolved without pulling through the
     * docker provider of this component's parent chain (whose `registryAuth` carries the
     * registries' credentials). An image with a tag of its own (`redis:7.4-alpine`) must come
     * pinned: a moving tag resolved at every update would redeploy the service by itself.
     */
    private resolveDigests(): Record<string, pulumi.Output<string>> {
        const out: Record<string, pulumi.Output<string>> = {};
        for (const spec of this.args.services) {
            if (spec.digest !== undefined) {
                out[spec.name] = pulumi.output(spec.digest);
                continue;
            }
            const reference = lookupReference(spec.image, this.args.version);
            out[spec.name] = docker.getRegistryImageOutput({ name: reference }, { parent: this }).sha256Digest.apply((d) => {
                if (!isDigest(d)) {
                    throw new Error(`registry answered no sha256 digest for ${reference} (got ${JSON.stringify(d)})`);
                }
                return d;
            });
        }
        return out;
    }

    private createRoles(): Roles {
        const assume = aws.getCallerIdentityOutput({}, { parent: this }).accountId.apply(ecsTasksTrustPolicy);
        const execution = new aws.iam.Role(
            roleLogicalName(this.name, "execution"),
            { assumeRolePolicy: assume, description: `ECS task execution for ${this.args.environment}` },
            { parent: this },
        );
        const grants: pulumi.Resource[] = [
            new aws.iam.RolePolicyAttachment(
                `${this.name}-execution-policy`,
                { role: execution.name, policyArn: "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy" },
                { parent: this },
            ),
        ];
        // Scoped to exactly the secrets the containers name and the registries' credentials.
        const configured = this.args.services.flatMap((s) => Object.values(s.secrets ?? {}));
        const registries = this.usedRegistries().map(([, credentials]) => credentials);
        const generated = Object.values(this.args.deploySecrets ?? {}).flatMap((byVariable) => Object.values(byVariable));
        const policy =
            generated.length === 0
                ? executionPolicy({ secrets: configured, registries })
                : pulumi.all(generated).apply((arns) => executionPolicy({ secrets: [...configured, ...arns], registries })!);
        if (policy !== undefined) {
            grants.push(new aws.iam.RolePolicy(`${this.name}-execution-secrets`, { role: execution.name, policy }, { parent: this }));
        }
        const task = new aws.iam.Role(
            roleLogicalName(this.name, "task"),
            { assumeRolePolicy: assume, description: `Application role of ${this.args.environment}` },
            { parent: this },
        );
        if (this.args.exec ?? false) {
            const policy = pulumi
                .all([aws.getCallerIdentityOutput({}, { parent: this }).accountId, this.args.region])
                .apply(([account, region]) => execPolicy({ account, region, logGroupPrefix: logGroupPrefix(this.args.project, this.args.environment) }));
            grants.push(new aws.iam.RolePolicy(`${this.name}-task-exec`, { role: task.name, policy }, { parent: this }));
        }
        return { execution, task, grants };
    }

    /** The private registries the services' images (and a dataset's) come from, with their credentials. */
    private usedRegistries(): [string, RegistryCredentials][] {
        const dataset = this.args.database?.dataset;
        const images = [...this.args.services.map((s) => s.image), ...(dataset === undefined ? [] : [dataset.image])];
        const hosts = new Set(images.map((image) => parseRepository(image).registry));
        return Object.entries(this.args.registryCredentials ?? {}).filter(([host]) => hosts.has(host));
    }

    private createSecurityGroup(): aws.ec2.SecurityGroup {
        const ingress: aws.types.input.ec2.SecurityGroupIngress[] = [];
        for (const s of this.args.services) {
            if (s.public ?? false) {
                ingress.push({
                    protocol: "tcp",
                    fromPort: s.port,
                    toPort: s.port,
                    securityGroups: [this.args.albSecurityGroupId!],
                    description: `${s.name} from the load balancer`,
                });
            }
            ingress.push({ protocol: "tcp", fromPort: s.port, toPort: s.port, self: true, description: `${s.name} from the services of this environment` });
        }
        return new aws.ec2.SecurityGroup(
            `${this.name}-sg`,
            {
                vpcId: this.args.vpcId,
                description: `Services of ${this.args.environment}`,
                ingress,
                egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "registries, AWS APIs" }],
            },
            { parent: this },
        );
    }

    private createNamespace(): aws.servicediscovery.HttpNamespace {
        return new aws.servicediscovery.HttpNamespace(
            `${this.name}-namespace`,
            {
                name: serviceNamespaceName(this.args.project, this.args.environment),
                description: `Service Connect of ${this.args.environment}`,
            },
            { parent: this },
        );
    }

    private createTaskDefinition(
        spec: ServiceSpec,
        described: Container<pulumi.Output<string>>,
        image: pulumi.Output<string>,
        roles: Roles,
        onEbs: boolean,
    ): aws.ecs.TaskDefinition {
        const logs = new aws.cloudwatch.LogGroup(
            `${this.name}-${spec.name}-logs`,
            {
                name: logGroupName(this.args.project, this.args.environment, spec.name),
                retentionInDays: this.args.logRetentionDays ?? 30,
            },
            { parent: this },
        );
        const logsFor = (prefix: string) => ({
            logDriver: "awslogs",
            options: { "awslogs-group": logs.name, "awslogs-region": this.args.region, "awslogs-stream-prefix": prefix },
        });
        const credentials = this.args.registryCredentials?.[parseRepository(spec.image).registry];
        const container = {
            ...ecsContainer(described, image),
            ...(credentials === undefined ? {} : { repositoryCredentials: { credentialsParameter: credentials.secretArn } }),
            logConfiguration: logsFor(spec.name),
        };
        const storage = described.storage;
        const load = described.load;
        const loaderCredentials = load === undefined ? undefined : this.args.registryCredentials?.[parseRepository(load.repository).registry];
        // A dataset: its loader first, to success, on a task volume both mount (rules/datasets.ts).
        const definitions =
            load === undefined
                ? [container]
                : [
                      {
                          ...ecsLoader(load),
                          ...(loaderCredentials === undefined ? {} : { repositoryCredentials: { credentialsParameter: loaderCredentials.secretArn } }),
                          logConfiguration: logsFor(load.name),
                      },
                      withDataset(container, load),
                  ];
        return new aws.ecs.TaskDefinition(
            `${this.name}-${spec.name}`,
            {
                family: `${this.args.project}-${this.args.environment}-${spec.name}`.slice(0, 255),
                requiresCompatibilities: ["FARGATE"],
                networkMode: "awsvpc",
                cpu: String(spec.cpu),
                memory: String(spec.memory),
                executionRoleArn: roles.execution.arn,
                taskRoleArn: roles.task.arn,
                runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
                ...(storage.volumes.length > 0 || load !== undefined
                    ? { volumes: [...storage.volumes, ...(load === undefined ? [] : [{ name: DATA_VOLUME, ...(onEbs ? { configureAtLaunch: true } : {}) }])] }
                    : {}),
                containerDefinitions: pulumi.jsonStringify(definitions),
            },
            { parent: this },
        );
    }

    private createService(
        spec: ServiceSpec,
        clusterArn: pulumi.Output<string>,
        taskDefinition: aws.ecs.TaskDefinition,
        securityGroup: aws.ec2.SecurityGroup,
        namespace: aws.servicediscovery.HttpNamespace,
        waitFor: pulumi.Resource[],
        alarms: readonly aws.cloudwatch.MetricAlarm[],
        volumeRole: pulumi.Output<string> | undefined,
    ): aws.ecs.Service {
        const isPublic = spec.public ?? false;
        const service = new aws.ecs.Service(
            `${this.name}-${spec.name}`,
            {
                cluster: clusterArn,
                taskDefinition: taskDefinition.arn,
                desiredCount: spec.desiredCount,
                capacityProviderStrategies: [{ capacityProvider: spec.capacity ?? this.args.capacity ?? "FARGATE", weight: 1 }],
                networkConfiguration: {
                    subnets: this.args.subnetIds,
                    securityGroups: [securityGroup.id],
                    assignPublicIp: this.args.assignPublicIp ?? false,
                },
                deploymentCircuitBreaker: { enable: true, rollback: true },
                // A deploy that turns a deployment alarm red is failed and rolled back by ECS itself.
                ...(alarms.length === 0 ? {} : { alarms: { alarmNames: alarms.map((a) => a.name), enable: true, rollback: true } }),
                // The update is done when the service is steady; a rolled-back deployment fails it.
                waitForSteadyState: true,
                // The provider refuses a capacity-provider change without it (its CustomizeDiff:
                // "force_new_deployment should be true when capacity_provider_strategy is being
                // updated"); it is sent with every UpdateService, which only runs on a change.
                forceNewDeployment: true,
                // One at a time: the old task stops before the new one starts.
                deploymentMinimumHealthyPercent: spec.oneAtATime ? 0 : 100,
                deploymentMaximumPercent: spec.oneAtATime ? 100 : 200,
                healthCheckGracePeriodSeconds: isPublic ? (this.args.healthCheckGracePeriodSeconds ?? 60) : undefined,
                loadBalancers: isPublic ? [{ targetGroupArn: this.args.targetGroupArns![spec.name]!, containerName: spec.name, containerPort: spec.port }] : [],
                serviceConnectConfiguration: {
                    enabled: true,
                    namespace: namespace.arn,
                    services: [
                        {
                            portName: spec.name,
                            discoveryName: spec.name,
                            clientAlias: [{ port: spec.port, dnsName: spec.name }],
                            ...timeoutOf(spec),
                        },
                    ],
                },
                ...(volumeRole === undefined ? {} : { volumeConfiguration: dataVolumeConfiguration(volumeRole, this.args.snapshots!.volumeSizeInGb) }),
                propagateTags: "SERVICE",
                enableEcsManagedTags: true,
                enableExecuteCommand: this.args.exec ?? false,
            },
            {
                parent: this,
                // Tasks need the execution role's policies to pull their image and read secrets,
                // and start after the services they name in `after`.
                dependsOn: waitFor,
                // A Service Connect discovery name is unique in its namespace: a replacement
                // created beside its predecessor would be refused ("SC service is already used").
                deleteBeforeReplace: true,
                // A scaling service's count is Application Auto Scaling's (never below desiredCount,
                // its minimum): a deploy must not reset it to the minimum.
                // A sleeping service's count is its schedule's (0 at night): a deploy at night must not wake it.
                ...(spec.scaling === undefined && !this.sleeps(spec) ? {} : { ignoreChanges: ["desiredCount"] }),
            },
        );
        return service;
    }

    /**
     * Whether `spec` may sleep (on demand, or outside the working hours): every service but the
     * database, whose data lives in its task (a stopped task would come back with its dataset
     * only, losing the day's work).
     */
    private sleeps(spec: ServiceSpec): boolean {
        return ((this.args.sleeps ?? false) || this.args.workingHours !== undefined) && spec.name !== this.args.database?.name;
    }
}

function checkArgs(args: EcsServicesArgs): void {
    const problems = serviceProblems(args.services);
    const publics = args.services.filter((s) => s.public ?? false);
    if (publics.length > 0 && args.albSecurityGroupId === undefined) {
        problems.push("albSecurityGroupId: required when a service is public");
    }
    for (const s of publics) {
        if (args.targetGroupArns?.[s.name] === undefined) {
            problems.push(`targetGroupArns: no target group for public service ${s.name}`);
        }
    }
    for (const s of args.services) {
        if (s.digest === undefined && s.tag !== undefined && s.tag !== args.version) {
            problems.push(
                `services: ${s.name} uses the moving tag ${s.image}:${s.tag} without a pinned digest; pin it with \`vnv release check <version> --stack <stack> --pin\` (vnv:digests), so the tag moving never redeploys the service by itself`,
            );
        }
    }
    for (const name of Object.keys(args.deploySecrets ?? {})) {
        if (!args.services.some((s) => s.name === name)) {
            problems.push(`deploySecrets: no service named ${name}`);
        }
    }
    if (args.capacity !== undefined && args.capacity !== "FARGATE" && args.capacity !== "FARGATE_SPOT") {
        problems.push(`capacity: expected FARGATE or FARGATE_SPOT, got ${JSON.stringify(args.capacity)}`);
    }
    if (problems.length > 0) {
        throw new Error(`EcsServices: ${problems.join("; ")}`);
    }
}

/**
 * The ECS container definition of a described container (without its logs and pull
 * credentials, which are ECS's own). Keys appear as they always have: a container that keeps a
 * writable root gets no `readonlyRootFilesystem`, so its task definition stays as it was.
 */
export function ecsContainer(c: Container<pulumi.Output<string>>, image: pulumi.Input<string>) {
    return {
        name: c.name,
        image,
        essential: true,
        ...(c.storage.readonlyRootFilesystem ? { readonlyRootFilesystem: true } : {}),
        ...(c.storage.mountPoints.length > 0 ? { mountPoints: c.storage.mountPoints } : {}),
        portMappings: [{ containerPort: c.port, protocol: "tcp", name: c.name, ...(c.public ? { appProtocol: "http" } : {}) }],
        environment: c.environment.map(({ name, value }) => ({ name, value })),
        secrets: c.secrets.map(({ name, from }) => ({ name, valueFrom: from })),
        ...(c.healthCheck === undefined
            ? {}
            : {
                  healthCheck: {
                      command: [...c.healthCheck.command],
                      interval: c.healthCheck.intervalSeconds,
                      timeout: c.healthCheck.timeoutSeconds,
                      retries: c.healthCheck.retries,
                      startPeriod: c.healthCheck.startPeriodSeconds,
                  },
              }),
    };
}

/**
 * The database's data volume as ECS makes it for each task (rules/ecsSnapshot.ts): gp3, ext4,
 * encrypted, tagged like the service (so `vnv env orphans` finds one left behind).
 */
function dataVolumeConfiguration(roleArn: pulumi.Output<string>, sizeInGb: number) {
    const { volumeType, fileSystemType, encrypted } = DATA_VOLUME_DEFAULTS;
    return {
        name: DATA_VOLUME,
        managedEbsVolume: {
            roleArn,
            sizeInGb,
            volumeType,
            fileSystemType,
            encrypted,
            tagSpecifications: [{ resourceType: "volume", propagateTags: "SERVICE" }],
        },
    };
}

/** The task volume a database and its dataset loader share: the task's own storage, or an EBS volume ECS makes for the task (`snapshots`). */
export const DATA_VOLUME = EBS_DATA_VOLUME;

/**
 * The container definition of a dataset loader: not essential (it exits when done; ECS refuses
 * a SUCCESS dependency on an essential container), a read-only root (Security Hub ECS.5: it
 * writes into the data volume only), the data volume mounted, its own variables.
 */
export function ecsLoader(load: DatasetLoad) {
    return {
        name: load.name,
        image: `${load.repository}@${load.digest}`,
        essential: false,
        readonlyRootFilesystem: true,
        mountPoints: [{ sourceVolume: DATA_VOLUME, containerPath: load.dataPath, readOnly: false }],
        environment: load.environment.map(({ name, value }) => ({ name, value })),
    };
}

/** The database's container once its loader has exited with 0, on the same data volume. */
export function withDataset<C extends { mountPoints?: readonly unknown[] }>(container: C, load: DatasetLoad) {
    return {
        ...container,
        mountPoints: [...(container.mountPoints ?? []), { sourceVolume: DATA_VOLUME, containerPath: load.dataPath, readOnly: false }],
        dependsOn: [{ containerName: load.name, condition: "SUCCESS" }],
    };
}

/** The Service Connect `timeout` a service's settings ask for (rules/connections.ts), or nothing for ECS's defaults. */
function timeoutOf(spec: ServiceSpec): { timeout?: { idleTimeoutSeconds?: number; perRequestTimeoutSeconds?: number } } {
    const timeout = serviceConnectTimeout(spec);
    return timeout === undefined ? {} : { timeout };
}

function mapValues<A, B>(record: Readonly<Record<string, A>>, f: (a: A) => B): Record<string, B> {
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v)]));
}
