import * as pulumi from "@pulumi/pulumi";
import { FargateCluster } from "./fargateCluster";
import { validateDomain } from "../rules/naming";
import { PlatformGuard } from "./platformGuard";
import { type AccessLogsTarget, PublicLoadBalancer } from "./publicLoadBalancer";
import { SiteCertificate } from "./siteCertificate";

/** Arguments of {@link TestPlatform}. */
export interface TestPlatformArgs {
    /** Domain whose one-label subdomains the wildcard certificate covers (`step-studio.be`). */
    readonly domain: string;
    readonly hostedZoneId: pulumi.Input<string>;
    readonly vpcId: pulumi.Input<string>;
    readonly publicSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** @default "ipv4" */
    readonly ipAddressType?: "ipv4" | "dualstack";
    /** The shared ALB's access logs (see PublicLoadBalancer). @default none */
    readonly accessLogs?: AccessLogsTarget;
    /** Seconds an idle connection stays open at the shared ALB. @default 60 */
    readonly idleTimeout?: number;
}

/**
 * What the dev stack provides to ephemeral environments: a wildcard certificate for
 * `*.<domain>` (one label deep: `1-2-3-rc-1.step-studio.be`, not the apex), a shared ALB whose
 * HTTPS listener answers a fixed 404 unless an environment's host rule matches, and a cluster
 * with FARGATE and FARGATE_SPOT capacity. Its outputs become the dev stack's outputs. A guard
 * refuses to destroy or replace any of it while ephemeral environments are attached.
 */
export class TestPlatform extends pulumi.ComponentResource {
    public readonly certificateArn: pulumi.Output<string>;
    public readonly albArn: pulumi.Output<string>;
    public readonly albDnsName: pulumi.Output<string>;
    public readonly albZoneId: pulumi.Output<string>;
    public readonly albSecurityGroupId: pulumi.Output<string>;
    public readonly httpsListenerArn: pulumi.Output<string>;
    public readonly clusterArn: pulumi.Output<string>;
    public readonly clusterName: pulumi.Output<string>;
    public readonly dualstack: boolean;

    constructor(name: string, args: TestPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vnv:components:TestPlatform", name, {}, opts);
        validateDomain(args.domain);
        const certificate = new SiteCertificate(`${name}-wildcard`, { domainName: `*.${args.domain}`, hostedZoneId: args.hostedZoneId }, { parent: this });
        const alb = new PublicLoadBalancer(
            `${name}-lb`,
            {
                vpcId: args.vpcId,
                subnetIds: args.publicSubnetIds,
                certificateArn: certificate.certificateArn,
                ipAddressType: args.ipAddressType,
                accessLogs: args.accessLogs,
                idleTimeout: args.idleTimeout,
                defaultAction: {
                    type: "fixed-response",
                    fixedResponse: { statusCode: "404", contentType: "text/plain", messageBody: "No environment answers at this host.\n" },
                },
            },
            { parent: this },
        );
        const cluster = new FargateCluster(`${name}-cluster`, {}, { parent: this });
        // Neither destroyed nor replaced while ephemeral environments use it.
        new PlatformGuard(
            `${name}-guard`,
            { attachments: { httpsListenerArn: alb.httpsListenerArn, albSecurityGroupId: alb.securityGroupId, clusterArn: cluster.clusterArn } },
            { parent: this },
        );
        this.certificateArn = certificate.certificateArn;
        this.albArn = alb.arn;
        this.albDnsName = alb.dnsName;
        this.albZoneId = alb.zoneId;
        this.albSecurityGroupId = alb.securityGroupId;
        this.httpsListenerArn = alb.httpsListenerArn;
        this.clusterArn = cluster.clusterArn;
        this.clusterName = cluster.clusterName;
        this.dualstack = alb.dualstack;
        this.registerOutputs(this.outputs());
    }

    /** The stack outputs ephemeral environments read through a StackReference. */
    public outputs(): Record<string, pulumi.Input<unknown>> {
        return {
            certificateArn: this.certificateArn,
            albArn: this.albArn,
            albDnsName: this.albDnsName,
            albZoneId: this.albZoneId,
            albSecurityGroupId: this.albSecurityGroupId,
            httpsListenerArn: this.httpsListenerArn,
            clusterArn: this.clusterArn,
            clusterName: this.clusterName,
            dualstack: this.dualstack,
        };
    }
}
