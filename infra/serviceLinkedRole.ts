/**
 * The account's ECS service-linked role, as a stack that creates a cluster needs it
 * (rules/serviceLinkedRole.ts says when a stack declares it and why).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { declaresServiceLinkedRole, ECS_SERVICE_LINKED_ROLE, isRoleNotFound, lookupFailure, ownRoleDescription } from "../rules/serviceLinkedRole";
import type { EnvironmentSettings } from "./settings";

const CAPACITY_PROVIDERS = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders";

/** Whether the stack creates an ECS cluster: prod and dev do (dev twice: its own, the test platform's); ephemeral ones use the platform's. */
export function createsCluster(settings: EnvironmentSettings): boolean {
    return settings.ingress.mode === "dedicated" || settings.testPlatform;
}

/**
 * Whether this stack declares the role: looked up through the provider's `getRole`; only "not
 * found" means absent, anything else (access denied, throttling) stops the deploy naming the
 * permission to grant and the one-off command that makes the lookup unnecessary.
 */
export async function declaresEcsServiceLinkedRole(settings: EnvironmentSettings, provider: aws.Provider): Promise<boolean> {
    let found: { description?: string } | undefined;
    try {
        found = await aws.iam.getRole({ name: ECS_SERVICE_LINKED_ROLE.name }, { provider });
    } catch (e) {
        const message = String((e as Error)?.message ?? e);
        if (!isRoleNotFound(message)) {
            throw new Error(lookupFailure(message));
        }
    }
    return declaresServiceLinkedRole(found, settings.project, settings.environment);
}

/**
 * Declares the role (kept when the stack goes: other stacks' clusters use it) and answers the
 * transformation that makes every cluster's capacity providers wait for it.
 */
export function ecsServiceLinkedRole(
    settings: EnvironmentSettings,
    opts: { provider: aws.Provider; transformations: pulumi.ResourceTransformation[] },
): pulumi.ResourceTransformation {
    const role = new aws.iam.ServiceLinkedRole(
        `${settings.project}-ecs-service-linked-role`,
        { awsServiceName: ECS_SERVICE_LINKED_ROLE.service, description: ownRoleDescription(settings.project, settings.environment) },
        { ...opts, retainOnDelete: true },
    );
    return (args) => (args.type === CAPACITY_PROVIDERS ? { props: args.props, opts: pulumi.mergeOptions(args.opts, { dependsOn: [role] }) } : undefined);
}
