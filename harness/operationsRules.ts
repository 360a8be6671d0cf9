/**
 * Provider rules of the resources that run production (harness/providerRules.ts has the rest and
 * says how rules are read): alarms, autoscaling, alerts, and the ECS service's deployment alarms.
 * Every rule names its source; the notes on each come from reading terraform-provider-aws
 * (which pulumi-aws 7.x wraps) and the AWS API references.
 *
 * Pure module: no `@pulumi/*` import.
 */
import {
    absent,
    at,
    boolean,
    eachValue,
    got,
    IAM_DESCRIPTION,
    intBetween,
    isRecord,
    items,
    oneOf,
    type ProviderRule,
    pulumiRequired,
    rule,
    str,
    tagRules,
    validArn,
    value,
} from "./ruleKit";

const TF = "terraform-provider-aws";
const SRC = {
    alarm: `${TF} internal/service/cloudwatch/metric_alarm.go`,
    alarmConsts: `${TF} internal/service/cloudwatch/consts.go`,
    target: `${TF} internal/service/appautoscaling/target.go`,
    targetApi: "AWS Application Auto Scaling API reference, RegisterScalableTarget",
    policy: `${TF} internal/service/appautoscaling/policy.go`,
    policyApi: "AWS Application Auto Scaling API reference, PutScalingPolicy / PredefinedMetricSpecification",
    topic: `${TF} internal/service/sns/topic.go`,
    subscription: `${TF} internal/service/sns/topic_subscription.go (protocol: subscriptionProtocol_Values() in consts.go)`,
    slack: `${TF} internal/service/chatbot/slack_channel_configuration.go`,
    teams: `${TF} internal/service/chatbot/teams_channel_configuration.go`,
    chatbotApi: "AWS Chatbot API reference, SlackChannelConfiguration / TeamsChannelConfiguration",
    service: `${TF} internal/service/ecs/service.go`,
    timeoutApi: "AWS ECS API reference, TimeoutConfiguration",
    linkedRole: `${TF} internal/service/iam/service_linked_role.go`,
    scheduled: `${TF} internal/service/appautoscaling/scheduled_action.go`,
    scheduledApi: "Application Auto Scaling API reference, PutScheduledAction",
    linkedRoleApi: "IAM API reference, CreateServiceLinkedRole",
} as const;

export const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
export const SCALING_TARGET = "aws:appautoscaling/target:Target";
export const SCALING_POLICY = "aws:appautoscaling/policy:Policy";
export const TOPIC = "aws:sns/topic:Topic";
export const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";
export const SLACK = "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration";
export const TEAMS = "aws:chatbot/teamsChannelConfiguration:TeamsChannelConfiguration";
export const LINKED_ROLE = "aws:iam/serviceLinkedRole:ServiceLinkedRole";
export const SCHEDULED_ACTION = "aws:appautoscaling/scheduledAction:ScheduledAction";

const STATISTICS = ["SampleCount", "Average", "Sum", "Minimum", "Maximum"];
const EXTENDED_STATISTIC = /^((p|(tm)|(wm)|(tc)|(ts))((\d{1,2}(\.\d{1,2})?)|(100))|(IQM)|(((TM)|(WM)|(PR)|(TC)|(TS)))\((\d+(\.\d+)?%?)?:(\d+(\.\d+)?%?)?\))$/;
const COMPARISONS = [
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
    "LessThanLowerOrGreaterThanUpperThreshold",
    "LessThanLowerThreshold",
    "GreaterThanUpperThreshold",
];

/** 10, 20, 30 or a multiple of 60 (`extra`: also these, as metric queries allow 1 and 5). */
function period(extra: readonly number[] = []): (v: unknown) => string | undefined {
    return (v) =>
        typeof v === "number" && Number.isInteger(v) && ([...extra, 10, 20, 30].includes(v) || (v > 0 && v % 60 === 0))
            ? undefined
            : `${[...extra, 10, 20, 30].join(", ")} or a multiple of 60`;
}

const len = (min: number, max: number) => str((s) => ([...s].length >= min && [...s].length <= max ? undefined : `${min} to ${max} characters`));

const alarmRules: ProviderRule[] = [
    value(ALARM, "name", `${SRC.alarm}: alarm_name StringLenBetween(1, 255)`, len(1, 255)),
    value(ALARM, "alarmDescription", `${SRC.alarm}: alarm_description StringLenBetween(0, 1024)`, len(0, 1024)),
    value(ALARM, "comparisonOperator", `${SRC.alarm}: comparison_operator enum ComparisonOperator`, oneOf(COMPARISONS)),
    value(ALARM, "evaluationPeriods", `${SRC.alarm}: evaluation_periods IntAtLeast(1)`, intBetween(1, 2147483647)),
    value(ALARM, "datapointsToAlarm", `${SRC.alarm}: datapoints_to_alarm IntAtLeast(1)`, intBetween(1, 2147483647)),
    value(ALARM, "period", `${SRC.alarm}: period Any(IntInSlice{10, 20, 30}, IntDivisibleBy(60))`, period()),
    value(ALARM, "statistic", `${SRC.alarm}: statistic enum Statistic`, oneOf(STATISTICS)),
    value(
        ALARM,
        "extendedStatistic",
        `${SRC.alarm}: extended_statistic StringMatch (p95, tm90, …)`,
        str((s) => (EXTENDED_STATISTIC.test(s) ? undefined : "a percentile or trimmed statistic such as p95")),
    ),
    value(
        ALARM,
        "treatMissingData",
        `${SRC.alarm}: treat_missing_data StringInSlice(${SRC.alarmConsts} missingData_Values(), ignoreCase)`,
        oneOf(["breaching", "ignore", "missing", "notBreaching"], true),
    ),
    value(
        ALARM,
        "namespace",
        `${SRC.alarm}: namespace StringLenBetween(1, 255), no colon`,
        str((s) => (s.length >= 1 && s.length <= 255 && !s.includes(":") ? undefined : "1 to 255 characters without a colon")),
    ),
    rule(
        ALARM,
        "metricName / metricQueries / evaluationCriteria",
        `${SRC.alarm}: ExactlyOneOf(evaluation_criteria, metric_name, metric_query); period, statistic, extended_statistic, dimensions ConflictsWith metric_query`,
        (inputs) => {
            const given = ["metricName", "metricQueries", "evaluationCriteria"].filter(
                (k) => !absent(inputs[k]) && !(k === "metricQueries" && items(inputs[k]).length === 0),
            );
            const problems =
                given.length === 1 ? [] : [`exactly one of metricName, metricQueries, evaluationCriteria is needed, got ${given.join(", ") || "none"}`];
            if (given.includes("metricQueries")) {
                problems.push(
                    ...["period", "statistic", "extendedStatistic", "dimensions", "namespace"]
                        .filter((k) => !absent(inputs[k]))
                        .map((k) => `${k} conflicts with metricQueries`),
                );
            }
            return problems;
        },
    ),
    rule(
        ALARM,
        "comparisonOperator / evaluationPeriods",
        `${SRC.alarm}: CustomizeDiff ("comparison_operator is required for traditional metric alarms", "evaluation_periods is required …")`,
        (inputs) =>
            absent(inputs.metricName) && items(inputs.metricQueries).length === 0
                ? undefined
                : ["comparisonOperator", "evaluationPeriods"].filter((k) => absent(inputs[k])).map((k) => `${k} is required for a metric alarm`),
    ),
    rule(
        ALARM,
        "statistic / extendedStatistic",
        `${SRC.alarm}: CustomizeDiff ("One of \`statistic\` or \`extended_statistic\` must be set"); statistic ConflictsWith extended_statistic`,
        (inputs) => {
            if (absent(inputs.metricName)) {
                return undefined;
            }
            const n = ["statistic", "extendedStatistic"].filter((k) => !absent(inputs[k])).length;
            return n === 1 ? undefined : `exactly one of statistic and extendedStatistic with metricName, got ${n}`;
        },
    ),
    rule(
        ALARM,
        "metricQueries",
        `${SRC.alarm}: metric_query (id Required StringLenBetween(1, 255); expression StringLenBetween(1, 1024); metric.metric_name, metric.period, metric.stat Required; period Any(IntInSlice{1, 5, 10, 20, 30}, IntDivisibleBy(60)); "No metric_query may have both \`expression\` and a \`metric\` specified")`,
        (inputs) => {
            const problems: string[] = [];
            items(inputs.metricQueries).forEach((q, i) => {
                const w = `[${i}]`;
                if (!isRecord(q)) {
                    problems.push(`${w} ${got(q, "an object")}`);
                    return;
                }
                if (absent(q.id)) {
                    problems.push(`${w}.id is required but absent`);
                }
                problems.push(...eachValue([{ where: `${w}.id`, value: q.id }], len(1, 255)));
                problems.push(...eachValue([{ where: `${w}.expression`, value: q.expression }], len(1, 1024)));
                if (!absent(q.expression) && !absent(q.metric)) {
                    problems.push(`${w} has both expression and metric`);
                }
                if (absent(q.expression) && absent(q.metric)) {
                    problems.push(`${w} has neither expression nor metric`);
                }
                if (isRecord(q.metric)) {
                    for (const k of ["metricName", "period", "stat"]) {
                        if (absent(q.metric[k])) {
                            problems.push(`${w}.metric.${k} is required but absent`);
                        }
                    }
                    problems.push(...eachValue([{ where: `${w}.metric.period`, value: q.metric.period }], period([1, 5])));
                    problems.push(
                        ...eachValue(
                            [{ where: `${w}.metric.stat`, value: q.metric.stat }],
                            str((s) =>
                                STATISTICS.includes(s) || EXTENDED_STATISTIC.test(s) ? undefined : "a statistic (Sum, Average, …) or a percentile (p95)",
                            ),
                        ),
                    );
                }
            });
            return problems;
        },
    ),
    rule(ALARM, "okActions / insufficientDataActions", `${SRC.alarm}: ok_actions, insufficient_data_actions MaxItems 5; every action ValidARN`, (inputs) => {
        const problems: string[] = [];
        for (const k of ["alarmActions", "okActions", "insufficientDataActions"]) {
            const list = items(inputs[k]);
            if (k !== "alarmActions" && list.length > 5) {
                problems.push(`${k} ${got(inputs[k], "at most 5 actions")}`);
            }
            problems.push(
                ...eachValue(
                    list.map((v, i) => ({ where: `${k}[${i}]`, value: v })),
                    validArn,
                ),
            );
        }
        return problems;
    }),
    ...tagRules(ALARM),
];

const scalingTargetRules: ProviderRule[] = [
    ...pulumiRequired(
        SCALING_TARGET,
        "appautoscaling.Target",
        ["maxCapacity", "minCapacity", "resourceId", "scalableDimension", "serviceNamespace"],
        SRC.target,
    ),
    rule(
        SCALING_TARGET,
        "resourceId / scalableDimension",
        `${SRC.targetApi}: for ecs, ResourceId service/<cluster name>/<service name> and ScalableDimension ecs:service:DesiredCount`,
        (inputs) => {
            if (inputs.serviceNamespace !== "ecs") {
                return undefined;
            }
            return [
                ...eachValue(
                    [{ where: "resourceId", value: inputs.resourceId }],
                    str((s) => (/^service\/[A-Za-z0-9_-]{1,255}\/[A-Za-z0-9_-]{1,255}$/.test(s) ? undefined : "service/<cluster name>/<service name>")),
                ),
                ...eachValue([{ where: "scalableDimension", value: inputs.scalableDimension }], oneOf(["ecs:service:DesiredCount"])),
            ];
        },
    ),
    rule(
        SCALING_TARGET,
        "minCapacity / maxCapacity",
        `${SRC.targetApi}: MinCapacity and MaxCapacity are non-negative; the minimum cannot be greater than the maximum`,
        (inputs) => {
            const problems = eachValue(
                [
                    { where: "minCapacity", value: inputs.minCapacity },
                    { where: "maxCapacity", value: inputs.maxCapacity },
                ],
                intBetween(0, 2147483647),
            );
            const min = inputs.minCapacity;
            const max = inputs.maxCapacity;
            if (typeof min === "number" && typeof max === "number" && min > max) {
                problems.push(`minCapacity ${min} is greater than maxCapacity ${max}`);
            }
            return problems;
        },
    ),
    ...tagRules(SCALING_TARGET),
];

const PREDEFINED = ["ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization", "ALBRequestCountPerTarget"];
const RESOURCE_LABEL = /^app\/[A-Za-z0-9-]{1,32}\/[0-9a-f]+\/targetgroup\/[A-Za-z0-9-]{1,32}\/[0-9a-f]+$/;

const scalingPolicyRules: ProviderRule[] = [
    ...pulumiRequired(SCALING_POLICY, "appautoscaling.Policy", ["resourceId", "scalableDimension", "serviceNamespace"], SRC.policy),
    value(SCALING_POLICY, "name", `${SRC.policy}: name StringLenBetween(0, 255)`, len(0, 255)),
    value(
        SCALING_POLICY,
        "policyType",
        `${SRC.policy}: policy_type enum PolicyType (default StepScaling)`,
        oneOf(["StepScaling", "TargetTrackingScaling", "PredictiveScaling"]),
    ),
    rule(
        SCALING_POLICY,
        "targetTrackingScalingPolicyConfiguration",
        `${SRC.policyApi}: the configuration of the policy's type is required (the type defaults to StepScaling, ${SRC.policy})`,
        (inputs) => {
            const type = absent(inputs.policyType) ? "StepScaling" : inputs.policyType;
            const tracking = !absent(inputs.targetTrackingScalingPolicyConfiguration);
            if (type === "TargetTrackingScaling" && !tracking) {
                return "is required for policyType TargetTrackingScaling";
            }
            return type !== "TargetTrackingScaling" && tracking ? `given, but policyType is ${String(type)} (set TargetTrackingScaling)` : undefined;
        },
    ),
    rule(
        SCALING_POLICY,
        "targetTrackingScalingPolicyConfiguration",
        `${SRC.policy}: target_value Required, predefined_metric_specification ConflictsWith customized_metric_specification, predefined_metric_type Required, resource_label StringLenBetween(0, 1023); ${SRC.policyApi}: ECS metric types; a resource label only, and always, for ALBRequestCountPerTarget, app/<lb>/<id>/targetgroup/<tg>/<id>`,
        (inputs) => {
            const c = inputs.targetTrackingScalingPolicyConfiguration;
            if (!isRecord(c)) {
                return undefined;
            }
            const problems: string[] = [];
            if (absent(c.targetValue)) {
                problems.push(".targetValue is required but absent");
            } else if (typeof c.targetValue !== "number") {
                problems.push(`.targetValue ${got(c.targetValue, "a number")}`);
            }
            if (!absent(c.predefinedMetricSpecification) && !absent(c.customizedMetricSpecification)) {
                problems.push("predefinedMetricSpecification conflicts with customizedMetricSpecification");
            }
            problems.push(
                ...eachValue(
                    [
                        { where: ".scaleInCooldown", value: c.scaleInCooldown },
                        { where: ".scaleOutCooldown", value: c.scaleOutCooldown },
                    ],
                    intBetween(0, 2147483647),
                ),
            );
            problems.push(...eachValue([{ where: ".disableScaleIn", value: c.disableScaleIn }], boolean));
            const m = c.predefinedMetricSpecification;
            if (isRecord(m)) {
                if (absent(m.predefinedMetricType)) {
                    problems.push(".predefinedMetricSpecification.predefinedMetricType is required but absent");
                }
                if (inputs.serviceNamespace === "ecs") {
                    problems.push(
                        ...eachValue([{ where: ".predefinedMetricSpecification.predefinedMetricType", value: m.predefinedMetricType }], oneOf(PREDEFINED)),
                    );
                }
                const alb = m.predefinedMetricType === "ALBRequestCountPerTarget";
                if (alb && absent(m.resourceLabel)) {
                    problems.push(".predefinedMetricSpecification.resourceLabel is required for ALBRequestCountPerTarget");
                }
                if (!alb && !absent(m.resourceLabel)) {
                    problems.push(".predefinedMetricSpecification.resourceLabel is only for ALBRequestCountPerTarget");
                }
                problems.push(
                    ...eachValue(
                        [{ where: ".predefinedMetricSpecification.resourceLabel", value: m.resourceLabel }],
                        str((s) => (s.length <= 1023 && RESOURCE_LABEL.test(s) ? undefined : "app/<lb name>/<lb id>/targetgroup/<tg name>/<tg id>")),
                    ),
                );
            }
            return problems;
        },
    ),
];

const topicRules: ProviderRule[] = [
    rule(TOPIC, "name", `${SRC.topic}: resourceTopicCustomizeDiff (^[0-9A-Za-z_-]{1,256}$, or …{1,251}\\.fifo$ for a FIFO topic)`, (inputs) =>
        eachValue(
            [{ where: "", value: inputs.name }],
            str((s) =>
                (inputs.fifoTopic === true ? /^[0-9A-Za-z_-]{1,251}\.fifo$/ : /^[0-9A-Za-z_-]{1,256}$/).test(s)
                    ? undefined
                    : "1 to 256 of [0-9A-Za-z_-] (a FIFO topic: ending in .fifo)",
            ),
        ),
    ),
    ...tagRules(TOPIC),
];

const subscriptionRules: ProviderRule[] = [
    ...pulumiRequired(SUBSCRIPTION, "sns.TopicSubscription", ["endpoint", "protocol", "topic"], SRC.subscription),
    value(
        SUBSCRIPTION,
        "protocol",
        `${SRC.subscription}: protocol StringInSlice`,
        oneOf(["application", "email", "email-json", "firehose", "http", "https", "lambda", "sms", "sqs"]),
    ),
    value(SUBSCRIPTION, "topic", `${SRC.subscription}: topic_arn ValidARN`, validArn),
];

const chatRules = (type: string, source: string, required: readonly string[]): ProviderRule[] => [
    ...pulumiRequired(type, "chatbot", required, source),
    value(type, "loggingLevel", `${source}: logging_level enum ERROR | INFO | NONE`, oneOf(["ERROR", "INFO", "NONE"])),
    value(type, "iamRoleArn", `${SRC.chatbotApi}: IamRoleArn, a role ARN`, validArn),
    rule(type, "snsTopicArns", `${SRC.chatbotApi}: SnsTopicArns, ARNs`, (inputs) =>
        eachValue(
            items(inputs.snsTopicArns).map((v, i) => ({ where: `[${i}]`, value: v })),
            validArn,
        ),
    ),
    ...tagRules(type),
];

const serviceOperationRules: ProviderRule[] = [
    value("aws:ecs/service:Service", "enableExecuteCommand", `${SRC.service}: enable_execute_command TypeBool Optional`, boolean),
    rule("aws:ecs/service:Service", "alarms", `${SRC.service}: alarms MaxItems 1 (alarm_names Required, enable Required, rollback Required)`, (inputs) => {
        const a = inputs.alarms;
        if (absent(a)) {
            return undefined;
        }
        if (!isRecord(a)) {
            return got(a, "an object");
        }
        const problems = ["alarmNames", "enable", "rollback"].filter((k) => absent(a[k])).map((k) => `.${k} is required but absent`);
        problems.push(
            ...eachValue(
                [
                    { where: ".enable", value: a.enable },
                    { where: ".rollback", value: a.rollback },
                ],
                boolean,
            ),
        );
        problems.push(
            ...eachValue(
                items(a.alarmNames).map((v, i) => ({ where: `.alarmNames[${i}]`, value: v })),
                len(1, 255),
            ),
        );
        return problems;
    }),
    rule(
        "aws:ecs/service:Service",
        "serviceConnectConfiguration.services[].timeout",
        `${SRC.service}: timeout idle_timeout_seconds, per_request_timeout_seconds IntBetween(0, 2147483647); ${SRC.timeoutApi}`,
        (inputs) =>
            items(at(inputs, "serviceConnectConfiguration.services")).flatMap((s, i) =>
                isRecord(s) && isRecord(s.timeout)
                    ? eachValue(
                          [
                              { where: `[${i}].timeout.idleTimeoutSeconds`, value: s.timeout.idleTimeoutSeconds },
                              { where: `[${i}].timeout.perRequestTimeoutSeconds`, value: s.timeout.perRequestTimeoutSeconds },
                          ],
                          intBetween(0, 2147483647),
                      )
                    : [],
            ),
    ),
];

const linkedRoleRules: ProviderRule[] = [
    ...pulumiRequired(LINKED_ROLE, "iam/serviceLinkedRole", ["awsServiceName"], "internal/service/iam/service_linked_role.go"),
    value(
        LINKED_ROLE,
        "awsServiceName",
        `${SRC.linkedRole}: aws_service_name StringMatch(\\., "must be a full service hostname e.g. elasticbeanstalk.amazonaws.com")`,
        str((s) => (s.includes(".") ? undefined : "a full service hostname such as ecs.amazonaws.com")),
    ),
    value(
        LINKED_ROLE,
        "description",
        `${SRC.linkedRoleApi}: Description length 0-1000, pattern [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*`,
        str((s) => ([...s].length <= 1000 && IAM_DESCRIPTION.test(s) ? undefined : "at most 1000 tab, newline, printable ASCII or Latin-1 characters")),
    ),
    value(
        LINKED_ROLE,
        "customSuffix",
        `${SRC.linkedRoleApi}: CustomSuffix length 1-64, pattern [\\w+=,.@-]+`,
        str((s) => (/^[\w+=,.@-]{1,64}$/.test(s) ? undefined : "1 to 64 of [\\w+=,.@-]")),
    ),
    ...tagRules(LINKED_ROLE),
];

/** A six-field cron expression with `?` in exactly one of day-of-month and day-of-week, an at() or a rate(). */
function scheduleProblem(s: string): string | undefined {
    if (/^at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$/.test(s) || /^rate\(\d+ (minute|minutes|hour|hours|day|days)\)$/.test(s)) {
        return undefined;
    }
    const cron = /^cron\((.*)\)$/.exec(s);
    const fields = cron?.[1]?.split(" ") ?? [];
    if (fields.length !== 6 || fields.some((f) => f === "")) {
        return "at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(minutes hours day-of-month month day-of-week year)";
    }
    return (fields[2] === "?") !== (fields[4] === "?") ? undefined : "a cron expression with ? in exactly one of day-of-month and day-of-week";
}

const scheduledActionRules: ProviderRule[] = [
    ...pulumiRequired(
        SCHEDULED_ACTION,
        "appautoscaling.ScheduledAction",
        ["name", "resourceId", "scalableDimension", "scalableTargetAction", "schedule", "serviceNamespace"],
        SRC.scheduled,
    ),
    value(
        SCHEDULED_ACTION,
        "name",
        `${SRC.scheduledApi}: ScheduledActionName length 1-256, no control characters, no : / |, no leading or trailing space`,
        str((s) =>
            [...s].length >= 1 && [...s].length <= 256 && !/[\p{Cc}:/|]/u.test(s) && s.trim() === s
                ? undefined
                : "1 to 256 characters without control characters, :, / or |, and no leading or trailing space",
        ),
    ),
    value(
        SCHEDULED_ACTION,
        "schedule",
        `${SRC.scheduledApi}: Schedule length 1-1600, at(), rate() or cron() (six fields)`,
        str((s) => (s.length > 1600 ? "at most 1600 characters" : scheduleProblem(s))),
    ),
    value(
        SCHEDULED_ACTION,
        "timezone",
        `${SRC.scheduledApi}: Timezone, an IANA time zone (default UTC, ${SRC.scheduled})`,
        str((s) => {
            try {
                new Intl.DateTimeFormat("en", { timeZone: s });
                return s.length <= 1600 ? undefined : "at most 1600 characters";
            } catch {
                return "an IANA time zone such as Europe/Brussels";
            }
        }),
    ),
    rule(
        SCHEDULED_ACTION,
        "scalableTargetAction",
        `${SRC.scheduled}: scalable_target_action MaxItems 1; min_capacity, max_capacity ValidateTypeStringNullableIntAtLeast(0), AtLeastOneOf`,
        (inputs) => {
            const a = inputs.scalableTargetAction;
            if (!isRecord(a)) {
                return absent(a) ? [] : [got(a, "one block")];
            }
            const given = ["minCapacity", "maxCapacity"].filter((k) => !absent(a[k]));
            if (given.length === 0) {
                return [".minCapacity or .maxCapacity is required"];
            }
            return eachValue(
                given.map((k) => ({ where: `.${k}`, value: a[k] })),
                intBetween(0, 2147483647),
            );
        },
    ),
];

/** The rules of this file, by Pulumi type token (the ECS service's are added to its own). */
export const OPERATIONS_RULES: Readonly<Record<string, readonly ProviderRule[]>> = {
    [ALARM]: alarmRules,
    [SCALING_TARGET]: scalingTargetRules,
    [SCALING_POLICY]: scalingPolicyRules,
    [TOPIC]: topicRules,
    [SUBSCRIPTION]: subscriptionRules,
    [SLACK]: chatRules(SLACK, SRC.slack, ["configurationName", "iamRoleArn", "slackChannelId", "slackTeamId"]),
    [LINKED_ROLE]: linkedRoleRules,
    [SCHEDULED_ACTION]: scheduledActionRules,
    [TEAMS]: chatRules(TEAMS, SRC.teams, ["channelId", "configurationName", "iamRoleArn", "teamId", "tenantId"]),
    "aws:ecs/service:Service": serviceOperationRules,
};
