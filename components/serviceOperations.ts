import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
    ALARM_THRESHOLDS,
    type AlarmKind,
    alarmDescription,
    alarmName,
    clusterNameOf,
    DEPLOYMENT_ALARMS,
    type DeploymentAlarm,
    scalingResourceId,
} from "../rules/alarms";
import type { ServiceSpec } from "../rules/service";
import { type WorkingHours, workingHoursSchedules } from "../rules/schedule";

/** The ALB metric dimensions of one public service: `app/<lb>/<id>` and `targetgroup/<tg>/<id>`. */
export interface TargetDimensions {
    readonly loadBalancer: string;
    readonly targetGroup: string;
}

/** Who the alarms concern and where they go. */
export interface AlarmContext {
    readonly project: string;
    readonly environment: string;
    readonly version: string;
    /** Where an alarm (and its recovery) is sent: the alerts topic's ARN; none: the alarms still stop deploys. */
    readonly actions: readonly pulumi.Input<string>[];
}

/** Seconds Application Auto Scaling waits after scaling out before scaling out again, and after scaling in. */
export const SCALING_COOLDOWNS = { outSeconds: 60, inSeconds: 300 } as const;

/**
 * A public service's deployment alarms (5xx rate, unhealthy targets, p95 latency at its target
 * group): created before the service, which names them in its `alarms` so ECS rolls back a
 * deploy that turns one red; outside deploys they alert like any alarm.
 */
export function deploymentAlarms(
    name: string,
    c: AlarmContext,
    service: ServiceSpec,
    dimensions: pulumi.Input<TargetDimensions>,
    parent: pulumi.Resource,
): aws.cloudwatch.MetricAlarm[] {
    const t = ALARM_THRESHOLDS;
    const dims = pulumi.output(dimensions).apply((d) => ({ LoadBalancer: d.loadBalancer, TargetGroup: d.targetGroup }));
    const plain = (metricName: string) => ({ metricName, namespace: "AWS/ApplicationELB", period: t.periodSeconds, dimensions: dims });
    const alb = (metricName: string, stat: string) => ({ ...plain(metricName), stat });
    const shapes: Record<DeploymentAlarm, Partial<aws.cloudwatch.MetricAlarmArgs>> = {
        "5xx": {
            metricQueries: [
                { id: "errors", metric: alb("HTTPCode_Target_5XX_Count", "Sum"), returnData: false },
                { id: "requests", metric: alb("RequestCount", "Sum"), returnData: false },
                {
                    id: "rate",
                    expression: `IF(requests >= ${t.minRequests}, 100 * FILL(errors, 0) / requests, 0)`,
                    label: "5xx per cent of requests",
                    returnData: true,
                },
            ],
            threshold: t.errorRatePercent,
        },
        unhealthy: { ...plain("UnHealthyHostCount"), statistic: "Maximum", threshold: 0 },
        latency: { ...plain("TargetResponseTime"), extendedStatistic: "p95", threshold: t.latencyP95Seconds },
    };
    return DEPLOYMENT_ALARMS.map((kind) => alarm(`${name}-${service.name}-${kind}`, c, service.name, kind, shapes[kind], parent));
}

/**
 * After the service: its CPU and memory alarms, and, when it scales, the scalable target and
 * its target-tracking policies (CPU, and requests per target when given).
 */
export function serviceCapacity(
    name: string,
    c: AlarmContext & { readonly alarms: boolean },
    spec: ServiceSpec,
    target: { clusterArn: pulumi.Output<string>; serviceName: pulumi.Output<string>; dimensions?: pulumi.Input<TargetDimensions> },
    parent: pulumi.Resource,
): void {
    if (c.alarms && (spec.public ?? false)) {
        const dims = pulumi.all([target.clusterArn, target.serviceName]).apply(([arn, service]) => ({ ClusterName: clusterNameOf(arn), ServiceName: service }));
        const ecs = (metricName: string, threshold: number) => ({
            metricName,
            namespace: "AWS/ECS",
            period: ALARM_THRESHOLDS.periodSeconds,
            statistic: "Average",
            dimensions: dims,
            threshold,
        });
        alarm(`${name}-${spec.name}-cpu`, c, spec.name, "cpu", ecs("CPUUtilization", ALARM_THRESHOLDS.cpuPercent), parent);
        alarm(`${name}-${spec.name}-memory`, c, spec.name, "memory", ecs("MemoryUtilization", ALARM_THRESHOLDS.memoryPercent), parent);
    }
    const scaling = spec.scaling;
    if (scaling === undefined) {
        return;
    }
    const scalable = serviceTarget(`${name}-${spec.name}-scaling`, target, { min: spec.desiredCount, max: scaling.max }, parent);
    const policy = (
        key: string,
        targetValue: number,
        metric: aws.types.input.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification,
    ) =>
        new aws.appautoscaling.Policy(
            `${name}-${spec.name}-scale-${key}`,
            {
                policyType: "TargetTrackingScaling",
                serviceNamespace: scalable.serviceNamespace,
                scalableDimension: scalable.scalableDimension,
                resourceId: scalable.resourceId,
                targetTrackingScalingPolicyConfiguration: {
                    targetValue,
                    predefinedMetricSpecification: metric,
                    scaleOutCooldown: SCALING_COOLDOWNS.outSeconds,
                    scaleInCooldown: SCALING_COOLDOWNS.inSeconds,
                },
            },
            { parent },
        );
    policy("cpu", scaling.cpuPercent, { predefinedMetricType: "ECSServiceAverageCPUUtilization" });
    if (scaling.requestsPerTarget !== undefined) {
        if (target.dimensions === undefined) {
            throw new Error(`EcsServices: ${spec.name} scales on requests per target but has no target group`);
        }
        const label = pulumi.output(target.dimensions).apply((d) => `${d.loadBalancer}/${d.targetGroup}`);
        policy("requests", scaling.requestsPerTarget, { predefinedMetricType: "ALBRequestCountPerTarget", resourceLabel: label });
    }
}

/**
 * A service that may sleep: a scalable target at its count (which `vnv env sleep|wake` sets to 0
 * and back) and, with working hours, a scheduled action to 0 tasks at the end of the hours and
 * one back to its count at their start, in the hours' time zone (rules/schedule.ts).
 * Application Auto Scaling runs them: no job of ours.
 */
export function serviceSleep(
    name: string,
    spec: ServiceSpec,
    hours: WorkingHours | undefined,
    target: { clusterArn: pulumi.Output<string>; serviceName: pulumi.Output<string> },
    parent: pulumi.Resource,
): void {
    const scalable = serviceTarget(`${name}-${spec.name}-hours`, target, { min: spec.desiredCount, max: spec.desiredCount }, parent);
    if (hours === undefined) {
        return;
    }
    const schedules = workingHoursSchedules(hours);
    for (const [key, schedule, count] of [
        ["wake", schedules.wake, spec.desiredCount],
        ["sleep", schedules.sleep, 0],
    ] as const) {
        new aws.appautoscaling.ScheduledAction(
            `${name}-${spec.name}-${key}`,
            {
                name: pulumi.interpolate`${target.serviceName}-${key}`,
                serviceNamespace: scalable.serviceNamespace,
                scalableDimension: scalable.scalableDimension,
                resourceId: scalable.resourceId,
                schedule,
                timezone: hours.timeZone,
                scalableTargetAction: { minCapacity: count, maxCapacity: count },
            },
            { parent },
        );
    }
}

/** The ECS service's task count as an Application Auto Scaling scalable target, between `min` and `max`. */
function serviceTarget(
    logical: string,
    target: { clusterArn: pulumi.Output<string>; serviceName: pulumi.Output<string> },
    count: { min: number; max: number },
    parent: pulumi.Resource,
): aws.appautoscaling.Target {
    return new aws.appautoscaling.Target(
        logical,
        {
            serviceNamespace: "ecs",
            scalableDimension: "ecs:service:DesiredCount",
            resourceId: pulumi.all([target.clusterArn, target.serviceName]).apply(([arn, service]) => scalingResourceId(arn, service)),
            minCapacity: count.min,
            maxCapacity: count.max,
        },
        { parent },
    );
}

function alarm(
    logical: string,
    c: AlarmContext,
    service: string,
    kind: AlarmKind,
    shape: Partial<aws.cloudwatch.MetricAlarmArgs>,
    parent: pulumi.Resource,
): aws.cloudwatch.MetricAlarm {
    return new aws.cloudwatch.MetricAlarm(
        logical,
        {
            name: alarmName(c.project, c.environment, service, kind),
            alarmDescription: alarmDescription({ environment: c.environment, version: c.version, service, kind }),
            comparisonOperator: "GreaterThanThreshold",
            evaluationPeriods: ALARM_THRESHOLDS.evaluationPeriods,
            datapointsToAlarm: ALARM_THRESHOLDS.evaluationPeriods,
            // No requests, no data: nothing is failing.
            treatMissingData: "notBreaching",
            alarmActions: [...c.actions],
            okActions: [...c.actions],
            ...shape,
        },
        { parent },
    );
}
