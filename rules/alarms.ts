/**
 * What vnv watches in a running environment: the alarms of each public service, which of them
 * stop a deploy (ECS deployment alarms, with rollback), their names and what their messages say.
 *
 * Pure module: no `@pulumi/*` import.
 */

/** The alarms of one public service. */
export const ALARM_KINDS = ["5xx", "unhealthy", "latency", "cpu", "memory"] as const;
export type AlarmKind = (typeof ALARM_KINDS)[number];

/**
 * The alarms a deploy waits on: ECS marks a deployment failed, and rolls it back, when one of
 * them goes into ALARM while it runs or bakes (ECS Developer Guide, "How CloudWatch alarms detect
 * Amazon ECS deployment failures"). They read the load balancer's view of the new tasks; CPU and
 * memory near their limits alert, but a deploy that merely works hard is not a failed one.
 */
export const DEPLOYMENT_ALARMS = ["5xx", "unhealthy", "latency"] as const satisfies readonly AlarmKind[];
export type DeploymentAlarm = (typeof DEPLOYMENT_ALARMS)[number];

export const ALARM_THRESHOLDS = {
    /** Per cent of the requests answered 5xx by the targets in a minute… */
    errorRatePercent: 5,
    /** …counted only from this many requests a minute (one failed request of two is no signal). */
    minRequests: 10,
    /** The 95th percentile of the targets' response time. */
    latencyP95Seconds: 2,
    /** Average CPU and memory, per cent of the task's reservation. */
    cpuPercent: 90,
    memoryPercent: 90,
    /** One-minute periods, three of them in a row (CloudWatch: a period is 10, 20, 30 or a multiple of 60 seconds). */
    periodSeconds: 60,
    evaluationPeriods: 3,
} as const;

/** `<project>-<environment>-<service>-<kind>`: CloudWatch alarm names are 1–255 characters. */
export function alarmName(project: string, environment: string, service: string, kind: AlarmKind): string {
    const name = `${project}-${environment}-${service}-${kind}`;
    if (name.length > 255) {
        throw new Error(`alarm name ${name.slice(0, 60)}… is longer than CloudWatch's 255 characters`);
    }
    return name;
}

/** What an alarm's message says: the environment, the version, the service and the metric, so an alert reads on its own. */
export function alarmDescription(c: { environment: string; version: string; service: string; kind: AlarmKind }): string {
    const t = ALARM_THRESHOLDS;
    const minutes = t.evaluationPeriods;
    const what: Record<AlarmKind, string> = {
        "5xx": `more than ${t.errorRatePercent}% of requests answered 5xx (HTTPCode_Target_5XX_Count / RequestCount) for ${minutes} minutes`,
        unhealthy: `a target failed the load balancer's health check (UnHealthyHostCount > 0) for ${minutes} minutes`,
        latency: `p95 response time (TargetResponseTime) above ${t.latencyP95Seconds} s for ${minutes} minutes`,
        cpu: `CPU above ${t.cpuPercent}% of the task's reservation (CPUUtilization) for ${minutes} minutes`,
        memory: `memory above ${t.memoryPercent}% of the task's reservation (MemoryUtilization) for ${minutes} minutes`,
    };
    const rollback = (DEPLOYMENT_ALARMS as readonly AlarmKind[]).includes(c.kind) ? " During a deploy, ECS rolls the deploy back." : "";
    return `vnv ${c.environment} ${c.version}, service ${c.service}: ${what[c.kind]}.${rollback}`;
}

/** `app/<name>/<id>` of the load balancer a listener ARN belongs to (the `LoadBalancer` dimension of ALB metrics). */
export function loadBalancerOfListener(listenerArn: string): string {
    const m = /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:listener\/(app\/[A-Za-z0-9-]{1,32}\/[0-9a-f]+)\/[0-9a-f]+$/.exec(listenerArn);
    if (m === null) {
        throw new Error(`${JSON.stringify(listenerArn.slice(0, 200))} is not an application load balancer's listener ARN`);
    }
    return m[1]!;
}

/** `<cluster name>` of an ECS cluster ARN (`arn:aws:ecs:<region>:<account>:cluster/<name>`). */
export function clusterNameOf(clusterArn: string): string {
    const m = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/([A-Za-z0-9_-]{1,255})$/.exec(clusterArn);
    if (m === null) {
        throw new Error(`${JSON.stringify(clusterArn.slice(0, 200))} is not an ECS cluster ARN`);
    }
    return m[1]!;
}

/** Application Auto Scaling's resource ID of an ECS service: `service/<cluster name>/<service name>`. */
export function scalingResourceId(clusterArn: string, serviceName: string): string {
    return `service/${clusterNameOf(clusterArn)}/${serviceName}`;
}
