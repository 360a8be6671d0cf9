import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Arguments of {@link FargateCluster}. */
export interface FargateClusterArgs {
    /** CloudWatch Container Insights (standard), Security Hub ECS.12. @default true */
    readonly containerInsights?: boolean;
}

/**
 * An ECS cluster that can run both on-demand Fargate and Fargate Spot: both capacity providers
 * are attached, so services choose per service (Spot cannot be mixed with `launchType`).
 */
export class FargateCluster extends pulumi.ComponentResource {
    public readonly clusterArn: pulumi.Output<string>;
    public readonly clusterName: pulumi.Output<string>;

    constructor(name: string, args: FargateClusterArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("vnv:components:FargateCluster", name, {}, opts);
        const cluster = new aws.ecs.Cluster(
            `${name}-cluster`,
            {
                settings: [{ name: "containerInsights", value: (args.containerInsights ?? true) ? "enabled" : "disabled" }],
            },
            { parent: this },
        );
        const providers = new aws.ecs.ClusterCapacityProviders(
            `${name}-capacity`,
            {
                clusterName: cluster.name,
                capacityProviders: ["FARGATE", "FARGATE_SPOT"],
                defaultCapacityProviderStrategies: [{ capacityProvider: "FARGATE", weight: 1 }],
            },
            { parent: this },
        );
        // Services must not be created before both capacity providers are attached: the
        // outputs carry the association as a dependency, so whoever uses them waits for it.
        this.clusterArn = pulumi.all([cluster.arn, providers.id]).apply(([arn]) => arn);
        this.clusterName = providers.clusterName;
        this.registerOutputs({ clusterArn: this.clusterArn, clusterName: this.clusterName });
    }
}
