import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Arguments of {@link DnsAlias}. */
export interface DnsAliasArgs {
    /** Route 53 hosted zone of the domain. */
    readonly hostedZoneId: pulumi.Input<string>;
    /** Full host name (`1-2-3-rc-1.step-studio.be`). */
    readonly hostname: string;
    /** The load balancer's DNS name. */
    readonly targetDnsName: pulumi.Input<string>;
    /** The load balancer's canonical hosted zone (its `zoneId`, not the domain's zone). */
    readonly targetZoneId: pulumi.Input<string>;
    /**
     * Let Route 53 consult the load balancer's health. Must be false on a shared load balancer:
     * one broken version must not mark the others' load balancer unhealthy. @default false
     */
    readonly evaluateTargetHealth?: boolean;
    /** Also an AAAA alias (the load balancer is dualstack). @default false */
    readonly ipv6?: boolean;
}

/** Route 53 alias record(s) from a host name to a load balancer: A, and AAAA when dualstack. */
export class DnsAlias extends pulumi.ComponentResource {
    public readonly fqdn: pulumi.Output<string>;

    constructor(name: string, args: DnsAliasArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vnv:components:DnsAlias", name, {}, opts);
        const types = (args.ipv6 ?? false) ? ["A", "AAAA"] : ["A"];
        const records = types.map(
            (type) =>
                new aws.route53.Record(
                    `${name}-${type.toLowerCase()}`,
                    {
                        zoneId: args.hostedZoneId,
                        name: args.hostname,
                        type,
                        aliases: [
                            {
                                name: args.targetDnsName,
                                zoneId: args.targetZoneId,
                                evaluateTargetHealth: args.evaluateTargetHealth ?? false,
                            },
                        ],
                    },
                    { parent: this },
                ),
        );
        this.fqdn = records[0]!.fqdn;
        this.registerOutputs({ fqdn: this.fqdn });
    }
}
