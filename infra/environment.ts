/**
 * The one definition of an environment: settings in, stack outputs out. `pulumi up` calls it
 * through infra/index.ts with settings from config; the automation calls it as an inline
 * program with settings built in code.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { TestPlatform, VersionedStack, type SharedPlatform } from "../components";
import type { EnvironmentSettings } from "./settings";

export interface EnvironmentOutputs {
    url: pulumi.Output<string>;
    version: pulumi.Output<string>;
    imageDigests: pulumi.Output<Record<string, string>>;
    bucket: pulumi.Output<string>;
    /** The URIs this environment needs registered in Azure AD. */
    redirectUris: pulumi.Output<string[]>;
    /** Dev only: what ephemeral environments attach to (read through a StackReference). */
    platform?: Record<string, pulumi.Input<unknown>>;
}

/** Tags every AWS resource of the environment carries (provider default tags). */
export function environmentTags(settings: EnvironmentSettings): Record<string, string> {
    return {
        "vnv:project": settings.project,
        "vnv:environment": settings.environment,
        "vnv:role": settings.role,
        "vnv:version": settings.version,
        "managed-by": "pulumi",
    };
}

/** Defines one environment from settings. Creates resources: call it inside a Pulumi program. */
export function defineEnvironment(settings: EnvironmentSettings): EnvironmentOutputs {
    const provider = new aws.Provider(`${settings.project}-aws`, {
        region: settings.region as aws.Region,
        defaultTags: { tags: environmentTags(settings) },
    });
    const opts = { providers: { aws: provider } };
    const platform = settings.testPlatform
        ? new TestPlatform(
              `${settings.project}-platform`,
              {
                  domain: settings.domain,
                  hostedZoneId: settings.hostedZoneId,
                  vpcId: settings.network.vpcId,
                  publicSubnetIds: [...settings.network.publicSubnetIds],
                  // The same address type as dev's own ALB: ephemeral settings derive theirs from it.
                  ipAddressType: settings.ingress.mode === "dedicated" ? settings.ingress.ipAddressType : undefined,
              },
              opts,
          )
        : undefined;
    const ingress =
        settings.ingress.mode === "shared"
            ? { mode: "shared" as const, platform: { ...readPlatform(settings.ingress.platformStack), dualstack: settings.ingress.dualstack }, slot: settings.ingress.slot }
            : { mode: "dedicated" as const, deletionProtection: settings.ingress.deletionProtection, ipAddressType: settings.ingress.ipAddressType };
    const env = new VersionedStack(
        settings.project,
        {
            project: settings.project,
            environment: settings.environment,
            version: settings.version,
            hostname: settings.hostname,
            hostedZoneId: settings.hostedZoneId,
            region: settings.region,
            network: {
                vpcId: settings.network.vpcId,
                publicSubnetIds: [...settings.network.publicSubnetIds],
                privateSubnetIds: [...settings.network.privateSubnetIds],
                assignPublicIp: settings.network.assignPublicIp,
            },
            services: settings.services,
            capacity: settings.capacity,
            logRetentionDays: settings.logRetentionDays,
            ingress,
            frontend: settings.frontend,
            redirectPaths: settings.auth.redirectPaths,
            ownRedirects: settings.auth.manageRedirects
                ? { applicationId: settings.auth.applicationId!, type: settings.auth.type, extraRedirectUris: settings.auth.extraRedirectUris }
                : undefined,
        },
        opts,
    );
    return {
        url: env.url,
        version: env.version,
        imageDigests: env.imageDigests,
        bucket: env.bucketName,
        redirectUris: env.redirectUris,
        ...(platform ? { platform: platform.outputs() } : {}),
    };
}

/** The test platform's outputs from the dev stack (`platform` output of {@link defineEnvironment}). */
export function readPlatform(stack: string): SharedPlatform {
    const ref = new pulumi.StackReference(stack);
    const platform = ref.requireOutput("platform") as pulumi.Output<Record<string, unknown>>;
    const field = (key: string): pulumi.Output<string> =>
        platform.apply((p) => {
            const v = p?.[key];
            if (typeof v !== "string" || v === "") {
                throw new Error(`stack ${stack} has no platform.${key} output: deploy the dev stack (testPlatform: true) first`);
            }
            return v;
        });
    return {
        listenerArn: field("httpsListenerArn"),
        albSecurityGroupId: field("albSecurityGroupId"),
        albDnsName: field("albDnsName"),
        albZoneId: field("albZoneId"),
        clusterArn: field("clusterArn"),
    };
}
