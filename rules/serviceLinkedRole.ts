/**
 * The ECS service-linked role (`AWSServiceRoleForECS`): ECS needs it before a cluster's capacity
 * providers can be attached and before a service places tasks. On a new account it may not
 * exist yet: ECS creates it with the first cluster, but `PutClusterCapacityProviders` can run
 * first and fail, and the provider retries only the cluster's own creation
 * (terraform-provider-aws internal/service/ecs/cluster.go).
 *
 * So a stack that creates a cluster looks the role up first (iam:GetRole):
 * - absent: the stack creates it, with a description naming the stack, kept when the stack goes
 *   (other stacks' clusters use it: it is the account's, not the environment's);
 * - present with that description: this stack created it, and keeps declaring it (no change);
 * - present otherwise (AWS made it, or another stack): the stack leaves it alone. Creating it
 *   then would fail: "Service role name AWSServiceRoleForECS has been taken in this account"
 *   (IAM API reference, CreateServiceLinkedRole, InvalidInput).
 * A lookup that fails for another reason than "not found" stops the deploy with what to do.
 *
 * Pure module: no `@pulumi/*` import.
 */

export const ECS_SERVICE_LINKED_ROLE = { name: "AWSServiceRoleForECS", service: "ecs.amazonaws.com" } as const;

/** The description a vnv stack gives the role it creates: how it recognises its own. */
export function ownRoleDescription(project: string, environment: string): string {
    return `Created by vnv (${project}/${environment}) on an account without it; kept when that stack is destroyed`;
}

/** Whether this stack declares the role: when there is none, or when the one there is its own. */
export function declaresServiceLinkedRole(found: { readonly description?: string } | undefined, project: string, environment: string): boolean {
    return found === undefined || found.description === ownRoleDescription(project, environment);
}

/** Whether a failed lookup means "no such role": the provider's not-found answers, and nothing else. */
export function isRoleNotFound(message: string): boolean {
    // terraform-provider-aws internal/service/iam/role_data_source.go: "reading IAM Role (…): couldn't
    // find resource" (findRoleByName's NotFound); older lines relay IAM's NoSuchEntity as is.
    return message.includes("couldn't find resource") || /\bNoSuchEntity\b/.test(message);
}

/** The error of a lookup that could not tell: what failed, and the two ways forward. */
export function lookupFailure(message: string): string {
    const { name, service } = ECS_SERVICE_LINKED_ROLE;
    return (
        `cannot tell whether the ECS service-linked role ${name} exists (iam:GetRole answered: ${message.slice(0, 300)}). ` +
        `Allow the deployer iam:GetRole on role/aws-service-role/${service}/${name}, or create the role once with ` +
        `\`aws iam create-service-linked-role --aws-service-name ${service}\` and allow the lookup`
    );
}
