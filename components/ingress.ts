import { albIdleTimeout } from "../rules/connections";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type PlannedRule, planRules } from "../rules/listenerRules";
import { targetGroupLogicalName } from "../rules/naming";
import { loadBalancerOfListener } from "../rules/alarms";
import { defaultService, type ServiceSpec } from "../rules/service";
import type { TargetDimensions } from "./serviceOperations";
import { type AccessLogsTarget, PublicLoadBalancer } from "./publicLoadBalancer";

/** Own ALB and certificate (production, the long-lived dev environment). */
export interface DedicatedIngressArgs {
    readonly mode: "dedicated";
    readonly vpcId: pulumi.Input<string>;
    /** Public services of the environment; the one without paths takes the default route. */
    readonly services: readonly ServiceSpec[];
    readonly publicSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** Validated certificate covering the host name. */
    readonly certificateArn: pulumi.Input<string>;
    /** @default "ipv4" */
    readonly ipAddressType?: "ipv4" | "dualstack";
    /** @default false */
    readonly deletionProtection?: boolean;
    /** The ALB's access logs (see PublicLoadBalancer). @default none */
    readonly accessLogs?: AccessLogsTarget;
    /** Seconds an idle connection stays open at the ALB. @default 60, or what streaming services need (rules/connections.ts) */
    readonly idleTimeout?: number;
}

/** Host-header rules and target groups on the test platform's shared HTTPS listener. */
export interface SharedIngressArgs {
    readonly mode: "shared";
    readonly vpcId: pulumi.Input<string>;
    readonly services: readonly ServiceSpec[];
    /** Host name the rules match (`1-2-3-rc-1.step-studio.be`). */
    readonly hostname: string;
    /** The platform's HTTPS listener. */
    readonly listenerArn: pulumi.Input<string>;
    /** The platform ALB's security group (source of traffic to the services). */
    readonly albSecurityGroupId: pulumi.Input<string>;
    readonly albDnsName: pulumi.Input<string>;
    readonly albZoneId: pulumi.Input<string>;
    /** @default false */
    readonly dualstack?: boolean;
    /**
     * The environment's slot on the shared listener, assigned by the automation (lowest free
     * slot among live environments). Slot `n` owns rule priorities `10n+1 … 10n+10`, so two
     * environments never collide.
     */
    readonly slot: number;
}

/** Arguments of {@link Ingress}. */
export type IngressArgs = DedicatedIngressArgs | SharedIngressArgs;

/** Seconds a draining target keeps connections: below Fargate Spot's 2-minute notice. */
export const DEREGISTRATION_DELAY = 30;

/**
 * How requests reach the environment's public services.
 *
 * - `dedicated`: its own internet-facing ALB (80 → 301 to HTTPS, 443 with TLS 1.2+ and the
 *   certificate), default action to the default public service, path rules for the others.
 * - `shared`: no ALB and no certificate; target groups and host-header rules on the platform's
 *   HTTPS listener, at priorities of the environment's slot.
 */
export class Ingress extends pulumi.ComponentResource {
    /** Target group ARN per public service name. */
    public readonly targetGroupArns: Record<string, pulumi.Output<string>>;
    /** The ALB metric dimensions per public service (`app/…` and `targetgroup/…`), for alarms and scaling. */
    public readonly targetDimensions: Record<string, pulumi.Output<TargetDimensions>>;
    private readonly targetGroupSuffixes: Record<string, pulumi.Output<string>> = {};
    public readonly albDnsName: pulumi.Output<string>;
    public readonly albZoneId: pulumi.Output<string>;
    public readonly albSecurityGroupId: pulumi.Output<string>;
    public readonly dualstack: boolean;
    public readonly shared: boolean;

    constructor(name: string, args: IngressArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vnv:components:Ingress", name, {}, opts);
        checkArgs(args);
        this.shared = args.mode === "shared";
        this.targetGroupArns = this.createTargetGroups(name, args);
        const fallback = defaultService(args.services)!;
        if (args.mode === "dedicated") {
            const alb = new PublicLoadBalancer(
                `${name}-lb`,
                {
                    vpcId: args.vpcId,
                    subnetIds: args.publicSubnetIds,
                    certificateArn: args.certificateArn,
                    ipAddressType: args.ipAddressType,
                    deletionProtection: args.deletionProtection,
                    accessLogs: args.accessLogs,
                    idleTimeout: albIdleTimeout(args.services, args.idleTimeout),
                    defaultAction: { type: "forward", targetGroupArn: this.targetGroupArns[fallback.name] },
                },
                { parent: this },
            );
            this.createRules(name, alb.httpsListenerArn, planRules(args.services));
            this.targetDimensions = this.dimensionsOn(alb.arnSuffix);
            this.albDnsName = alb.dnsName;
            this.albZoneId = alb.zoneId;
            this.albSecurityGroupId = alb.securityGroupId;
            this.dualstack = alb.dualstack;
        } else {
            this.createRules(name, pulumi.output(args.listenerArn), planRules(args.services, { hostname: args.hostname, slot: args.slot }));
            this.targetDimensions = this.dimensionsOn(pulumi.output(args.listenerArn).apply(loadBalancerOfListener));
            this.albDnsName = pulumi.output(args.albDnsName);
            this.albZoneId = pulumi.output(args.albZoneId);
            this.albSecurityGroupId = pulumi.output(args.albSecurityGroupId);
            this.dualstack = args.dualstack ?? false;
        }
        this.registerOutputs({
            targetGroupArns: this.targetGroupArns,
            albDnsName: this.albDnsName,
            albZoneId: this.albZoneId,
            albSecurityGroupId: this.albSecurityGroupId,
        });
    }

    private createTargetGroups(name: string, args: IngressArgs): Record<string, pulumi.Output<string>> {
        const arns: Record<string, pulumi.Output<string>> = {};
        for (const s of args.services.filter((x) => x.public ?? false)) {
            const tg = new aws.lb.TargetGroup(
                targetGroupLogicalName(name, s.name),
                {
                    vpcId: args.vpcId,
                    targetType: "ip",
                    protocol: "HTTP",
                    port: s.port,
                    deregistrationDelay: DEREGISTRATION_DELAY,
                    healthCheck: {
                        path: s.healthCheckPath ?? "/health",
                        matcher: "200-399",
                        interval: 15,
                        healthyThreshold: 2,
                        unhealthyThreshold: 3,
                    },
                    tags: { "vnv:service": s.name },
                },
                { parent: this },
            );
            arns[s.name] = tg.arn;
            this.targetGroupSuffixes[s.name] = tg.arnSuffix;
        }
        return arns;
    }

    private dimensionsOn(loadBalancer: pulumi.Output<string>): Record<string, pulumi.Output<TargetDimensions>> {
        return Object.fromEntries(
            Object.entries(this.targetGroupSuffixes).map(([service, targetGroup]) => [
                service,
                pulumi.all([loadBalancer, targetGroup]).apply(([lb, tg]) => ({ loadBalancer: lb, targetGroup: tg })),
            ]),
        );
    }

    private createRules(name: string, listenerArn: pulumi.Output<string>, rules: readonly PlannedRule[]): void {
        for (const rule of rules) {
            const conditions: aws.types.input.lb.ListenerRuleCondition[] = [];
            if (rule.hosts.length > 0) {
                conditions.push({ hostHeader: { values: [...rule.hosts] } });
            }
            if (rule.paths.length > 0) {
                conditions.push({ pathPattern: { values: [...rule.paths] } });
            }
            new aws.lb.ListenerRule(
                `${name}-rule-${rule.key}`,
                {
                    listenerArn,
                    priority: rule.priority,
                    conditions,
                    actions: [{ type: "forward", targetGroupArn: this.targetGroupArns[rule.service] }],
                },
                { parent: this },
            );
        }
    }
}

function checkArgs(args: IngressArgs): void {
    const given = args as unknown as Record<string, unknown>;
    const forbidden: Record<IngressArgs["mode"], string[]> = {
        dedicated: ["listenerArn", "albSecurityGroupId", "albDnsName", "albZoneId", "slot", "hostname"],
        shared: ["certificateArn", "publicSubnetIds", "deletionProtection", "ipAddressType", "accessLogs", "idleTimeout"],
    };
    if (args.mode !== "dedicated" && args.mode !== "shared") {
        throw new Error(`Ingress mode must be "dedicated" or "shared", got ${JSON.stringify((args as { mode: unknown }).mode)}`);
    }
    const conflicts = forbidden[args.mode].filter((k) => given[k] !== undefined);
    if (conflicts.length > 0) {
        throw new Error(`Ingress mode "${args.mode}" does not take ${conflicts.join(", ")}`);
    }
    if (!defaultService(args.services)) {
        throw new Error("Ingress needs exactly one public service without paths: it takes the default route");
    }
    if (args.mode === "shared") {
        planRules(args.services, { hostname: args.hostname, slot: args.slot });
    }
}
