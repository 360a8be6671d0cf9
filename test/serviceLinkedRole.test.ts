/**
 * The account's ECS service-linked role: created by the stack that finds none (and kept when the
 * stack goes), declared again by that stack, left alone when AWS or another stack made it, and a
 * lookup that cannot tell stops the deploy with what to do. Under the strict mocks, whose
 * `getRole` answers as the provider does.
 */

// The mocks first: they are set when this module loads, before any program code runs.
import { AWS_ECS_ROLE_DESCRIPTION, existingRoles, ofType, type Recorded, run, T } from "../harness/mocks";
import { strict as assert } from "node:assert";
import { deployEnvironment } from "../infra/environment";
import type { EnvironmentSettings } from "../infra/settings";
import { ephemeralSettings, stackSettings } from "../harness/fixtures";
import { isRoleNotFound, ownRoleDescription } from "../rules/serviceLinkedRole";

const ROLE = "AWSServiceRoleForECS";
const noFiles = async (): Promise<{ key: string; path: string }[]> => [];

async function deploy(settings: EnvironmentSettings) {
    return run(() => deployEnvironment(settings, noFiles));
}

/** Whether every cluster's capacity providers wait for `role`. */
function capacityWaitsFor(resources: readonly Recorded[], role: Recorded): boolean[] {
    return ofType(resources, T.capacity).map((c) => c.dependencies.includes(role.urn));
}

describe("the ECS service-linked role", () => {
    afterEach(() => {
        existingRoles.clear();
        existingRoles.set(ROLE, { description: AWS_ECS_ROLE_DESCRIPTION });
    });

    it("an account that has it (AWS made it) gets none from the stack", async () => {
        const { resources } = await deploy(stackSettings("prod"));
        assert.deepEqual(ofType(resources, T.linkedRole), []);
    });

    it("an account without it gets it from the first stack that runs a cluster, kept when that stack goes", async () => {
        existingRoles.delete(ROLE);
        const { resources } = await deploy(stackSettings("prod"));
        const [role, ...more] = ofType(resources, T.linkedRole);
        assert.equal(more.length, 0);
        assert.deepEqual(
            [role!.inputs.awsServiceName, role!.inputs.description, role!.retainOnDelete],
            ["ecs.amazonaws.com", ownRoleDescription("vnv", "prod"), true],
        );
    });

    it("every cluster's capacity providers wait for it, dev's own and the test platform's", async () => {
        existingRoles.delete(ROLE);
        const { resources } = await deploy(stackSettings("dev"));
        const role = ofType(resources, T.linkedRole)[0]!;
        assert.deepEqual(capacityWaitsFor(resources, role), [true, true]);
    });

    it("the stack that made it declares it again, so its next update changes nothing", async () => {
        existingRoles.set(ROLE, { description: ownRoleDescription("vnv", "prod") });
        const { resources } = await deploy(stackSettings("prod"));
        assert.equal(ofType(resources, T.linkedRole).length, 1);
    });

    it("another stack's role is left to it: dev does not declare what prod made", async () => {
        existingRoles.set(ROLE, { description: ownRoleDescription("vnv", "prod") });
        const { resources } = await deploy(stackSettings("dev"));
        assert.deepEqual(ofType(resources, T.linkedRole), []);
    });

    it("an ephemeral environment, which runs on the platform's cluster, never looks it up", async () => {
        existingRoles.delete(ROLE);
        const { resources, invocations } = await deploy(ephemeralSettings("v1.2.3-rc.1"));
        assert.deepEqual([ofType(resources, T.linkedRole), invocations.filter((i) => i.token === "aws:iam/getRole:getRole")], [[], []]);
    });

    it("a lookup the account refuses stops the deploy, naming the permission and the one-off command", async () => {
        existingRoles.set(ROLE, () => {
            throw Object.assign(new Error("invoke failed"), {
                details: `reading IAM Role (${ROLE}): operation error IAM: GetRole, https response error StatusCode: 403, api error AccessDenied: not authorized to perform: iam:GetRole`,
            });
        });
        await assert.rejects(
            deploy(stackSettings("prod")),
            /cannot tell whether the ECS service-linked role AWSServiceRoleForECS exists \(iam:GetRole answered: .*AccessDenied.*\)\. Allow the deployer iam:GetRole on role\/aws-service-role\/ecs\.amazonaws\.com\/AWSServiceRoleForECS, or create the role once with `aws iam create-service-linked-role --aws-service-name ecs\.amazonaws\.com`/,
        );
    });

    it("only the provider's not-found answers mean absent", () => {
        assert.equal(isRoleNotFound("reading IAM Role (AWSServiceRoleForECS): couldn't find resource"), true);
        assert.equal(isRoleNotFound("NoSuchEntity: The role with name AWSServiceRoleForECS cannot be found."), true);
        assert.equal(isRoleNotFound("api error AccessDenied: not authorized to perform: iam:GetRole"), false);
        assert.equal(isRoleNotFound("api error Throttling: Rate exceeded"), false);
    });
});
