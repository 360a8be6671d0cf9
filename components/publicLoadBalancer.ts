import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { albLogicalName } from "../rules/naming";

/** TLS 1.2 and 1.3 only. */
export const DEFAULT_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/** Arguments of {@link PublicLoadBalancer}. */
export interface PublicLoadBalancerArgs {
    readonly vpcId: pulumi.Input<string>;
    /** Public subnets, at least two availability zones. */
    readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** The validated certificate for the HTTPS listener. */
    readonly certificateArn: pulumi.Input<string>;
    /** What the HTTPS listener does with a request no rule matches. */
    readonly defaultAction: pulumi.Input<aws.types.input.lb.ListenerDefaultAction>;
    /** `ipv4` or `dualstack` (then AAAA aliases make sense). @default "ipv4" */
    readonly ipAddressType?: "ipv4" | "dualstack";
    /** ALB deletion protection (production). @default false */
    readonly deletionProtection?: boolean;
    /** TLS policy of the HTTPS listener. @default "ELBSecurityPolicy-TLS13-1-2-2021-06" */
    readonly sslPolicy?: string;
    /** Seconds an idle connection stays open. @default 60 */
    readonly idleTimeout?: number;
    /**
     * Where the access logs go (Security Hub ELB.5): the log bucket (a LogBucket's name, which
     * carries its policy, so the ALB waits for it) and the prefix. @default none (no access logs)
     */
    readonly accessLogs?: AccessLogsTarget;
}

/** A log bucket and the prefix one load balancer's access logs go under. */
export interface AccessLogsTarget {
    readonly bucket: pulumi.Input<string>;
    /** `alb/<name>` (rules/accessLogs.ts). */
    readonly prefix: string;
}

/**
 * An internet-facing ALB: a security group that opens only 80 and 443 to the world, port 80
 * answering 301 to HTTPS, and an HTTPS listener on 443 with a TLS 1.2+ policy.
 */
export class PublicLoadBalancer extends pulumi.ComponentResource {
    public readonly arn: pulumi.Output<string>;
    /** `app/<name>/<id>`: the `LoadBalancer` dimension of its metrics. */
    public readonly arnSuffix: pulumi.Output<string>;
    public readonly dnsName: pulumi.Output<string>;
    public readonly zoneId: pulumi.Output<string>;
    public readonly securityGroupId: pulumi.Output<string>;
    public readonly httpsListenerArn: pulumi.Output<string>;
    public readonly dualstack: boolean;

    constructor(name: string, args: PublicLoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vnv:components:PublicLoadBalancer", name, {}, opts);
        this.dualstack = (args.ipAddressType ?? "ipv4") === "dualstack";
        const securityGroup = this.createSecurityGroup(name, args);
        const alb = new aws.lb.LoadBalancer(
            albLogicalName(name),
            {
                loadBalancerType: "application",
                internal: false,
                subnets: args.subnetIds,
                securityGroups: [securityGroup.id],
                ipAddressType: args.ipAddressType ?? "ipv4",
                enableDeletionProtection: args.deletionProtection ?? false,
                dropInvalidHeaderFields: true,
                idleTimeout: args.idleTimeout ?? 60,
                ...(args.accessLogs === undefined ? {} : { accessLogs: { bucket: args.accessLogs.bucket, prefix: args.accessLogs.prefix, enabled: true } }),
            },
            { parent: this },
        );
        new aws.lb.Listener(
            `${name}-http`,
            {
                loadBalancerArn: alb.arn,
                port: 80,
                protocol: "HTTP",
                defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
            },
            { parent: this },
        );
        const https = new aws.lb.Listener(
            `${name}-https`,
            {
                loadBalancerArn: alb.arn,
                port: 443,
                protocol: "HTTPS",
                sslPolicy: args.sslPolicy ?? DEFAULT_SSL_POLICY,
                certificateArn: args.certificateArn,
                defaultActions: [args.defaultAction],
            },
            { parent: this },
        );
        this.arn = alb.arn;
        this.arnSuffix = alb.arnSuffix;
        this.dnsName = alb.dnsName;
        this.zoneId = alb.zoneId;
        this.securityGroupId = securityGroup.id;
        this.httpsListenerArn = https.arn;
        this.registerOutputs({
            arn: this.arn,
            dnsName: this.dnsName,
            zoneId: this.zoneId,
            securityGroupId: this.securityGroupId,
            httpsListenerArn: this.httpsListenerArn,
        });
    }

    private createSecurityGroup(name: string, args: PublicLoadBalancerArgs): aws.ec2.SecurityGroup {
        const world = (port: number): aws.types.input.ec2.SecurityGroupIngress => ({
            protocol: "tcp",
            fromPort: port,
            toPort: port,
            cidrBlocks: ["0.0.0.0/0"],
            ipv6CidrBlocks: this.dualstack ? ["::/0"] : undefined,
            description: port === 80 ? "HTTP, answered with a redirect to HTTPS" : "HTTPS",
        });
        return new aws.ec2.SecurityGroup(
            `${name}-sg`,
            {
                vpcId: args.vpcId,
                description: "Public load balancer: 80 and 443 from anywhere",
                ingress: [world(80), world(443)],
                egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "to targets" }],
            },
            { parent: this },
        );
    }
}
