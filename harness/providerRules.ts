/**
 * The documented input constraints of the provider resources this project creates, so that the
 * Pulumi mocks refuse what the real providers (or the AWS / Microsoft Graph APIs behind them)
 * would refuse.
 *
 * Every rule names where it comes from: the provider's schema validation (terraform-provider-aws,
 * which pulumi-aws 7.x wraps; terraform-provider-azuread, which @pulumi/azuread 6.x wraps), the
 * Pulumi SDK's required inputs, or the service's API reference / quota page. Nothing here is a
 * house style: a rule without a source does not belong in this file.
 *
 * Inputs are checked exactly as `@pulumi/pulumi`'s mock monitor deserializes them: Pulumi's
 * camelCase property names, nested objects and arrays, numbers as numbers. JSON-string inputs
 * (ECS container definitions, IAM and bucket policies, the provider's `defaultTags`) are parsed
 * and checked inside. Only values that are present are checked (an absent optional value, and a
 * value still unknown, are fine); absent required inputs are violations.
 *
 * Pure module: no `@pulumi/*` import.
 */
import {
    type ProviderRule,
    type Inputs,
    isRecord,
    UNKNOWN,
    absent,
    at,
    items,
    missingKeys,
    records,
    show,
    integer,
    chars,
    utf8Bytes,
    parseJson,
    jsonInput,
    rule,
    got,
    eachValue,
    value,
    str,
    intBetween,
    oneOf,
    boolean,
    required,
    requiredNonEmptyList,
    pulumiRequired,
    ARN,
    IAM_DESCRIPTION,
    arnProblem,
    validArn,
    arnService,
    tagProblems,
    TAGS_SOURCE,
    tagRules,
    isIPv4Cidr,
    isIPv6Cidr,
    anyCidr,
    policyLength,
    iamPolicyJsonProblem,
    policyGrammarProblems,
} from "./ruleKit";

export type { ProviderRule } from "./ruleKit";
import { OPERATIONS_RULES } from "./operationsRules";

// ---------------------------------------------------------------------------------------------
// Sources

const TF = "terraform-provider-aws";
const SRC = {
    tags: TAGS_SOURCE,
    validArn: `${TF} internal/verify/validate.go: ValidARN`,
    iamPolicyJson: `${TF} internal/verify/validate.go: ValidIAMPolicyJSON`,
    elbValidate: `${TF} internal/service/elbv2/validate.go`,
    lb: `${TF} internal/service/elbv2/load_balancer.go`,
    lbAttributes: "AWS ELBv2 API reference, LoadBalancerAttribute",
    tg: `${TF} internal/service/elbv2/target_group.go`,
    listener: `${TF} internal/service/elbv2/listener.go`,
    rule: `${TF} internal/service/elbv2/listener_rule.go`,
    elbQuotas: "AWS Application Load Balancer quotas (Quotas for your Application Load Balancers: Rules)",
    acm: `${TF} internal/service/acm/certificate.go`,
    acmApi: "AWS ACM API reference, RequestCertificate (DomainNameString: 1–253, pattern ^(\\*\\.)?(((?!-)[A-Za-z0-9-]{0,62}[A-Za-z0-9])\\.)+((?!-)[A-Za-z0-9-]{1,62}[A-Za-z0-9])$)",
    acmQuota: "AWS Certificate Manager quotas: domain names per ACM certificate (default 10, at most 100)",
    acmValidation: `${TF} internal/service/acm/certificate_validation.go`,
    r53: `${TF} internal/service/route53/record.go`,
    r53Api: "AWS Route 53 API reference, ChangeResourceRecordSets / ResourceRecordSet",
    s3Bucket: `${TF} internal/service/s3/bucket.go`,
    s3Naming: "Amazon S3 User Guide, General purpose bucket naming rules",
    s3Object: `${TF} internal/service/s3/object.go`,
    s3Keys: "Amazon S3 User Guide, Naming Amazon S3 objects (key ≤1,024 bytes of UTF-8)",
    s3ObjectTags: "Amazon S3 User Guide, Categorizing your objects using tags (≤10 tags per object)",
    s3Policy: `${TF} internal/service/s3/bucket_policy.go (internal/sdkv2 IAMPolicyDocumentSchemaRequired: validation.StringIsJSON)`,
    s3PolicySize: "Amazon S3 User Guide, Bucket policies and user policies: bucket policies are limited to 20 KB",
    s3Website: `${TF} internal/service/s3/bucket_website_configuration.go`,
    s3IndexDocument: "AWS S3 API reference, IndexDocument Suffix: must not be empty and must not include a slash character",
    s3Sse: `${TF} internal/service/s3/bucket_server_side_encryption_configuration.go`,
    s3Ownership: `${TF} internal/service/s3/bucket_ownership_controls.go (enum ObjectOwnership)`,
    s3AccessBlock: `${TF} internal/service/s3/bucket_public_access_block.go (TypeBool)`,
    s3Logging: `${TF} internal/service/s3/bucket_logging.go`,
    s3Lifecycle: `${TF} internal/service/s3/bucket_lifecycle_configuration.go`,
    s3LifecycleApi: "AWS S3 API reference, LifecycleExpiration: Days, the lifetime of objects in days, must be a non-zero positive integer",
    lbAccessLogs: `${TF} internal/service/elbv2/load_balancer.go: access_logs (bucket Required, enabled TypeBool, prefix TypeString)`,
    ecsVolume:
        "AWS ECS API reference, Volume (name: up to 255 letters, numbers, underscores and hyphens; referenced by a container's mountPoints sourceVolume) and HostVolumeProperties (sourcePath is not supported on Fargate)",
    ecsMountPoint:
        "AWS ECS API reference, MountPoint (sourceVolume: the name of a volume of the task definition; containerPath: the path in the container; readOnly: Boolean)",
    ecsValidate: `${TF} internal/service/ecs/validate.go: validateClusterName`,
    ecsCluster: `${TF} internal/service/ecs/cluster.go`,
    ecsClusterSetting: "AWS ECS API reference, ClusterSetting (value: enhanced, enabled or disabled)",
    ecsCapacity: `${TF} internal/service/ecs/cluster_capacity_providers.go`,
    ecsService: `${TF} internal/service/ecs/service.go`,
    ecsCreateService: "AWS ECS API reference, CreateService",
    ecsAwsVpc: "AWS ECS API reference, AwsVpcConfiguration (≤16 subnets, ≤5 security groups)",
    ecsServiceConnect: "AWS ECS API reference, ServiceConnectService / ServiceConnectClientAlias",
    ecsTaskDefinition: `${TF} internal/service/ecs/task_definition.go`,
    ecsRegister: "AWS ECS API reference, RegisterTaskDefinition / TaskDefinition (cpu, memory, networkMode)",
    ecsContainer: "AWS ECS API reference, ContainerDefinition",
    ecsDependency:
        'AWS ECS API reference, ContainerDependency (containerName: a container of the task; condition START | COMPLETE | SUCCESS | HEALTHY; COMPLETE and SUCCESS "can\'t be set on an essential container"; HEALTHY "requires that the dependent container has health checks configured")',
    ecsPortMapping: "AWS ECS API reference, PortMapping name",
    ecsSecret: "AWS ECS API reference, Secret",
    ecsRepositoryCredentials: "AWS ECS API reference, RepositoryCredentials credentialsParameter",
    ecsServiceVolume: `${TF} internal/service/ecs/service.go: volume_configuration (MaxItems 1; name Required; managed_ebs_volume Required, MaxItems 1: role_arn Required, ValidARN; encrypted TypeBool; file_system_type enum TaskFilesystemType (ext3, ext4, ntfs, xfs); iops, size_in_gb, volume_initialization_rate TypeInt; throughput IntBetween(0, 1000); tag_specifications: resource_type Required, enum EBSResourceType (volume); propagate_tags enum PropagateTags)`,
    ecsManagedEbs:
        "AWS ECS API reference, ServiceManagedEBSVolumeConfiguration (you must specify either snapshotId or sizeInGiB; volumeType gp2, gp3, io1, io2, st1, sc1 or standard, the magnetic standard type not supported on Fargate; sizeInGiB gp2 and gp3 1-16,384, io1 and io2 4-16,384, st1 and sc1 125-16,384, standard 1-1,024; iops gp3 3,000-16,000, io1 100-64,000, io2 100-256,000, required for io1 and io2, not supported for st1, sc1 or standard; throughput only supported for gp3; volumeInitializationRate only if you specify a snapshotId)",
    ecsEbsTags: "AWS ECS API reference, EBSTagSpecification tags (AmazonECSCreated and AmazonECSManaged are reserved tags that can't be used)",
    ecsVolumeAtLaunch:
        "AWS ECS API reference, Volume configuredAtLaunch (each task definition revision may only have one volume configured at launch; @pulumi/aws 7.x TaskDefinitionVolume configureAtLaunch says the same)",
    ecsVolumeKinds:
        "AWS ECS API reference, Volume (each volume may only specify a name and one of either configuredAtLaunch, dockerVolumeConfiguration, efsVolumeConfiguration, s3filesVolumeConfiguration, fsxWindowsFileServerVolumeConfiguration, or host)",
    ecsServiceVolumeName:
        "AWS ECS API reference, CreateService / UpdateService volumeConfigurations and ServiceVolumeConfiguration name (the name of the volume must match the name from the task definition's Volume configured at launch) and Volume configuredAtLaunch (to configure a volume at launch time, specify a volumeConfigurations object when calling CreateService, UpdateService, RunTask or StartTask)",
    iamRole: `${TF} internal/service/iam/role.go`,
    iamValidate: `${TF} internal/service/iam/validate.go`,
    iamCreateRole: "AWS IAM API reference, CreateRole",
    iamQuotas: "AWS IAM User Guide, IAM and AWS STS quotas (whitespace not counted)",
    iamRolePolicy: `${TF} internal/service/iam/role_policy.go`,
    iamAttach: "AWS IAM API reference, AttachRolePolicy",
    iamGrammar: "AWS IAM User Guide, IAM JSON policy elements: Version (2012-10-17 or 2008-10-17), Statement, Effect (required; Allow or Deny, case sensitive)",
    sg: `${TF} internal/service/ec2/vpc_security_group.go`,
    sgRuleDescription: `${TF} internal/service/ec2/validate.go: validSecurityGroupRuleDescription`,
    ec2CreateSg: "AWS EC2 API reference, CreateSecurityGroup (GroupName, GroupDescription)",
    cloudMap: `${TF} internal/service/servicediscovery/validate.go: validNamespaceName`,
    cloudMapApi: "AWS Cloud Map API reference, CreateHttpNamespace",
    logs: `${TF} internal/service/logs/validate.go: validLogGroupName`,
    logsGroup: `${TF} internal/service/logs/group.go`,
    logsApi: "AWS CloudWatch Logs API reference, CreateLogGroup",
    azureRedirects: "terraform-provider-azuread internal/services/applications/application_redirect_uris_resource.go",
    azureUri: "terraform-provider-azuread internal/helpers/tf/validation/uri.go: IsRedirectUriFunc",
    azureApplicationId: "terraform-provider-azuread (go-azure-sdk microsoft-graph stable/id_application.go: ValidateApplicationID)",
    entraRedirects: "Microsoft identity platform docs, Redirect URI (reply URL) outline and restrictions",
} as const;

// ---------------------------------------------------------------------------------------------
// Elastic Load Balancing v2

const LB = "aws:lb/loadBalancer:LoadBalancer";
const TG = "aws:lb/targetGroup:TargetGroup";
const LISTENER = "aws:lb/listener:Listener";
const RULE = "aws:lb/listenerRule:ListenerRule";

const ELB_NAME = /^[0-9A-Za-z-]+$/;

function lbName(s: string): string | undefined {
    if (s === "") {
        return undefined;
    }
    if (chars(s) > 32 || !ELB_NAME.test(s) || s.startsWith("-") || s.endsWith("-") || s.startsWith("internal-")) {
        return "at most 32 characters of [0-9A-Za-z-], not beginning or ending with a hyphen, not beginning with internal-";
    }
    return undefined;
}

function lbNamePrefix(s: string): string | undefined {
    if (chars(s) > 6 || !ELB_NAME.test(s) || s.startsWith("-") || s.startsWith("internal-")) {
        return "at most 6 characters of [0-9A-Za-z-], not beginning with a hyphen or internal-";
    }
    return undefined;
}

function tgName(s: string): string | undefined {
    if (chars(s) > 32 || !ELB_NAME.test(s) || s.startsWith("-") || s.endsWith("-")) {
        return "1 to 32 characters of [0-9A-Za-z-], not beginning or ending with a hyphen";
    }
    return undefined;
}

function tgNamePrefix(s: string): string | undefined {
    if (chars(s) > 6 || !ELB_NAME.test(s) || s.startsWith("-")) {
        return "1 to 6 characters (32 - 26 for the unique suffix) of [0-9A-Za-z-], not beginning with a hyphen";
    }
    return undefined;
}

const lbRules: ProviderRule[] = [
    value(LB, "name", `${SRC.elbValidate}: validName`, str(lbName)),
    value(LB, "namePrefix", `${SRC.elbValidate}: validNamePrefix`, str(lbNamePrefix)),
    value(LB, "loadBalancerType", `${SRC.lb} (enum LoadBalancerTypeEnum)`, oneOf(["application", "network", "gateway"])),
    value(LB, "ipAddressType", `${SRC.lb} (enum IpAddressType)`, oneOf(["ipv4", "dualstack", "dualstack-without-public-ipv4"])),
    value(LB, "idleTimeout", `${SRC.lbAttributes}: idle_timeout.timeout_seconds, valid range 1-4000 seconds`, intBetween(1, 4000)),
    value(LB, "clientKeepAlive", `${SRC.lbAttributes}: client_keep_alive.seconds, valid range 60-604800 seconds`, intBetween(60, 604800)),
    value(LB, "desyncMitigationMode", `${SRC.lb}: desync_mitigation_mode`, oneOf(["monitor", "defensive", "strictest"])),
    value(
        LB,
        "xffHeaderProcessingMode",
        `${SRC.lb}: xff_header_processing_mode (${SRC.lbAttributes}: append, preserve, remove)`,
        oneOf(["append", "preserve", "remove"]),
    ),
    value(LB, "internal", SRC.lb, boolean),
    value(LB, "enableDeletionProtection", SRC.lb, boolean),
    value(LB, "dropInvalidHeaderFields", SRC.lb, boolean),
    rule(LB, "accessLogs", SRC.lbAccessLogs, (inputs) => {
        const logs = inputs.accessLogs;
        if (absent(logs)) {
            return undefined;
        }
        if (!isRecord(logs)) {
            return got(logs, "an object with bucket, enabled and prefix");
        }
        return [
            ...missingKeys(logs, ["bucket"], ""),
            ...eachValue([{ where: ".enabled", value: logs.enabled }], boolean),
            ...eachValue(
                [{ where: ".prefix", value: logs.prefix }],
                str(() => undefined),
            ),
        ];
    }),
    rule(LB, "subnets", `${SRC.lb}: ExactlyOneOf subnet_mapping, subnets`, (inputs) => {
        const hasSubnets = items(inputs.subnets).length > 0;
        const hasMappings = items(inputs.subnetMappings).length > 0;
        return hasSubnets && hasMappings
            ? got({ subnets: inputs.subnets, subnetMappings: inputs.subnetMappings }, "exactly one of subnets and subnetMappings")
            : undefined;
    }),
    rule(
        LB,
        "subnets",
        "AWS ELBv2 API reference, CreateLoadBalancer Subnets: [Application Load Balancers] subnets from at least two Availability Zones",
        (inputs) => {
            const type = at(inputs, "loadBalancerType");
            if (!absent(type) && type !== "application") {
                return undefined;
            }
            const subnets = [...items(inputs.subnets), ...items(inputs.subnetMappings)];
            if (subnets.length === 0) {
                return undefined;
            }
            return subnets.length < 2
                ? got(inputs.subnets ?? inputs.subnetMappings, "at least two subnets (in two Availability Zones) for a regional Application Load Balancer")
                : undefined;
        },
    ),
    ...tagRules(LB),
];

/** ALB HTTP codes: 200-499, as single codes, comma lists or ranges. */
function httpMatcher(s: string): string | undefined {
    const ok = s.split(",").every((part) => {
        const m = /^(\d{3})(?:-(\d{3}))?$/.exec(part);
        if (!m) {
            return false;
        }
        const lo = Number(m[1]);
        const hi = m[2] === undefined ? lo : Number(m[2]);
        return lo >= 200 && hi <= 499 && lo <= hi;
    });
    return ok ? undefined : 'HTTP codes from 200 to 499, e.g. "200", "200,202" or "200-299"';
}

function grpcMatcher(s: string): string | undefined {
    const ok = s.split(",").every((part) => {
        const m = /^(\d{1,2})(?:-(\d{1,2}))?$/.exec(part);
        return m !== null && (m[2] === undefined || Number(m[1]) <= Number(m[2]));
    });
    return ok ? undefined : 'gRPC codes from 0 to 99, e.g. "12", "0,1" or "0-5"';
}

const tgRules: ProviderRule[] = [
    value(TG, "name", `${SRC.elbValidate}: validTargetGroupName`, str(tgName)),
    value(TG, "namePrefix", `${SRC.elbValidate}: validTargetGroupNamePrefix`, str(tgNamePrefix)),
    value(TG, "port", `${SRC.tg}: port IntBetween(1, 65535)`, intBetween(1, 65535)),
    value(TG, "protocol", `${SRC.tg} (enum ProtocolEnum)`, oneOf(["HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE"])),
    value(TG, "protocolVersion", `${SRC.tg} (protocolVersionEnumValues)`, oneOf(["GRPC", "HTTP1", "HTTP2"], true)),
    value(TG, "targetType", `${SRC.tg} (enum TargetTypeEnum)`, oneOf(["instance", "ip", "lambda", "alb"])),
    rule(TG, "port, protocol, vpcId", `${SRC.tg}: customizeDiffTargetGroupTargetTypeNotLambda`, (inputs) => {
        if (inputs.targetType === "lambda") {
            return undefined;
        }
        const missing = ["port", "protocol", "vpcId"].filter((p) => absent(inputs[p]));
        return missing.length > 0 ? `${missing.join(", ")} required when targetType is ${show(inputs.targetType ?? "instance")}, got none` : undefined;
    }),
    value(TG, "deregistrationDelay", `${SRC.tg}: deregistration_delay ValidateTypeStringNullableIntBetween(0, 3600)`, intBetween(0, 3600)),
    value(TG, "slowStart", `${SRC.tg}: slow_start (0 or 30-900)`, (v) => {
        const n = integer(v);
        return n === 0 || (n !== undefined && n >= 30 && n <= 900) ? undefined : "0 or an integer from 30 to 900";
    }),
    value(TG, "healthCheck.interval", `${SRC.tg}: health_check.interval IntBetween(5, 300)`, intBetween(5, 300)),
    value(TG, "healthCheck.timeout", `${SRC.tg}: health_check.timeout IntBetween(2, 120)`, intBetween(2, 120)),
    value(TG, "healthCheck.healthyThreshold", `${SRC.tg}: health_check.healthy_threshold IntBetween(2, 10)`, intBetween(2, 10)),
    value(TG, "healthCheck.unhealthyThreshold", `${SRC.tg}: health_check.unhealthy_threshold IntBetween(2, 10)`, intBetween(2, 10)),
    value(
        TG,
        "healthCheck.path",
        `${SRC.tg}: health_check.path StringLenBetween(1, 1024), StringHasPrefix("/")`,
        str((s) => (chars(s) >= 1 && chars(s) <= 1024 && s.startsWith("/") ? undefined : "1 to 1024 characters starting with /")),
    ),
    value(TG, "healthCheck.port", `${SRC.tg}: validTargetGroupHealthCheckPort`, (v) => {
        if (v === "traffic-port") {
            return undefined;
        }
        const n = integer(v);
        return n !== undefined && n >= 1 && n <= 65536 ? undefined : 'a port number (1-65536) or "traffic-port"';
    }),
    value(TG, "healthCheck.protocol", `${SRC.tg} (healthCheckProtocolEnumValues)`, oneOf(["HTTP", "HTTPS", "TCP"], true)),
    value(TG, "healthCheck.enabled", SRC.tg, boolean),
    rule(
        TG,
        "healthCheck.matcher",
        `AWS ELBv2 API reference, Matcher (HttpCode: ALB 200-499; GrpcCode: 0-99); ${SRC.tg}: resourceTargetGroupCustomizeDiff`,
        (inputs) => {
            const matcher = at(inputs, "healthCheck.matcher");
            if (absent(matcher)) {
                return undefined;
            }
            if (typeof matcher !== "string") {
                return got(matcher, "a string");
            }
            const hcProtocol = at(inputs, "healthCheck.protocol");
            if (typeof hcProtocol === "string" && hcProtocol.toUpperCase() === "TCP") {
                return got(matcher, "no matcher when healthCheck.protocol is TCP");
            }
            const protocol = inputs.protocol;
            if (protocol !== "HTTP" && protocol !== "HTTPS") {
                return undefined;
            }
            const version = inputs.protocolVersion;
            const problem = typeof version === "string" && version.toUpperCase() === "GRPC" ? grpcMatcher(matcher) : httpMatcher(matcher);
            return problem === undefined ? undefined : got(matcher, problem);
        },
    ),
    rule(TG, "healthCheck.path", `${SRC.tg}: resourceTargetGroupCustomizeDiff (no path with a TCP health check)`, (inputs) => {
        const hcProtocol = at(inputs, "healthCheck.protocol");
        const path = at(inputs, "healthCheck.path");
        return typeof hcProtocol === "string" && hcProtocol.toUpperCase() === "TCP" && !absent(path) && path !== ""
            ? got(path, "no path when healthCheck.protocol is TCP")
            : undefined;
    }),
    rule(TG, "healthCheck.protocol", `${SRC.tg}: resourceTargetGroupCustomizeDiff (HTTP/HTTPS target groups cannot use a TCP health check)`, (inputs) => {
        const hcProtocol = at(inputs, "healthCheck.protocol");
        return (inputs.protocol === "HTTP" || inputs.protocol === "HTTPS") && typeof hcProtocol === "string" && hcProtocol.toUpperCase() === "TCP"
            ? got(hcProtocol, `HTTP or HTTPS when the target group protocol is ${inputs.protocol}`)
            : undefined;
    }),
    value(
        TG,
        "stickiness.type",
        `${SRC.tg} (stickinessType_Values)`,
        oneOf(["lb_cookie", "app_cookie", "source_ip", "source_ip_dest_ip", "source_ip_dest_ip_proto"]),
    ),
    value(TG, "stickiness.cookieDuration", `${SRC.tg}: stickiness.cookie_duration IntBetween(0, 604800)`, intBetween(0, 604800)),
    ...tagRules(TG),
];

const REDIRECT_STATUS = ["HTTP_301", "HTTP_302"];
const FIXED_CONTENT_TYPES = ["text/plain", "text/css", "text/html", "application/javascript", "application/json"];
const ACTION_TYPES = ["forward", "redirect", "fixed-response", "authenticate-cognito", "authenticate-oidc", "jwt-validation"];

/** Problems of listener / listener-rule actions (the same ELBv2 Action object). */
function actionProblems(actions: unknown, where: string): string[] {
    const problems: string[] = [];
    records(actions).forEach((action, i) => {
        const at_ = `${where}[${i}]`;
        const type = action.type;
        if (absent(type)) {
            problems.push(`${at_}.type is required but absent`);
            return;
        }
        const typeProblem = oneOf(ACTION_TYPES, true)(type);
        if (typeProblem !== undefined) {
            problems.push(`${at_}.type ${got(type, typeProblem)}`);
            return;
        }
        const kind = String(type).toLowerCase();
        problems.push(...eachValue([{ where: `${at_}.order`, value: action.order }], intBetween(1, 50000)));
        problems.push(...eachValue([{ where: `${at_}.targetGroupArn`, value: action.targetGroupArn }], validArn));
        if (kind === "forward") {
            const groups = records(at(action, "forward.targetGroups"));
            if (absent(action.targetGroupArn) && groups.length === 0) {
                problems.push(`${at_} forward action without targetGroupArn or forward.targetGroups`);
            }
            if (!absent(action.forward) && (groups.length < 1 || groups.length > 5)) {
                problems.push(`${at_}.forward.targetGroups ${got(at(action, "forward.targetGroups"), "1 to 5 target groups")}`);
            }
            groups.forEach((g, j) => {
                problems.push(...eachValue([{ where: `${at_}.forward.targetGroups[${j}].arn`, value: g.arn }], validArn));
                problems.push(...eachValue([{ where: `${at_}.forward.targetGroups[${j}].weight`, value: g.weight }], intBetween(0, 999)));
            });
        }
        if (kind === "redirect") {
            const redirect = action.redirect;
            if (!isRecord(redirect)) {
                problems.push(`${at_} redirect action without redirect`);
            } else {
                if (absent(redirect.statusCode)) {
                    problems.push(`${at_}.redirect.statusCode is required but absent`);
                }
                problems.push(...eachValue([{ where: `${at_}.redirect.statusCode`, value: redirect.statusCode }], oneOf(REDIRECT_STATUS)));
                problems.push(...eachValue([{ where: `${at_}.redirect.protocol`, value: redirect.protocol }], oneOf(["#{protocol}", "HTTP", "HTTPS"])));
                const len = (min: number) => str((s) => (chars(s) >= min && chars(s) <= 128 ? undefined : `${min} to 128 characters`));
                problems.push(...eachValue([{ where: `${at_}.redirect.host`, value: redirect.host }], len(1)));
                problems.push(...eachValue([{ where: `${at_}.redirect.path`, value: redirect.path }], len(1)));
                problems.push(...eachValue([{ where: `${at_}.redirect.query`, value: redirect.query }], len(0)));
            }
        }
        if (kind === "fixed-response") {
            const fixed = action.fixedResponse;
            if (!isRecord(fixed)) {
                problems.push(`${at_} fixed-response action without fixedResponse`);
            } else {
                if (absent(fixed.contentType)) {
                    problems.push(`${at_}.fixedResponse.contentType is required but absent`);
                }
                problems.push(...eachValue([{ where: `${at_}.fixedResponse.contentType`, value: fixed.contentType }], oneOf(FIXED_CONTENT_TYPES)));
                problems.push(
                    ...eachValue(
                        [{ where: `${at_}.fixedResponse.statusCode`, value: fixed.statusCode }],
                        str((s) => (/^[245]\d\d$/.test(s) ? undefined : "a 2XX, 4XX or 5XX status code (^[245]\\d\\d$)")),
                    ),
                );
                problems.push(
                    ...eachValue(
                        [{ where: `${at_}.fixedResponse.messageBody`, value: fixed.messageBody }],
                        str((s) => (chars(s) <= 1024 ? undefined : "at most 1024 characters")),
                    ),
                );
            }
        }
    });
    return problems;
}

const listenerRules: ProviderRule[] = [
    ...pulumiRequired(LISTENER, "lb/listener", ["loadBalancerArn", "defaultActions"], "internal/service/elbv2/listener.go"),
    value(LISTENER, "loadBalancerArn", SRC.validArn, validArn),
    value(LISTENER, "certificateArn", SRC.validArn, validArn),
    value(LISTENER, "port", `${SRC.listener}: port validation.IsPortNumber`, intBetween(1, 65535)),
    value(LISTENER, "protocol", `${SRC.listener} (enum ProtocolEnum)`, oneOf(["HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE"], true)),
    value(LISTENER, "alpnPolicy", `${SRC.listener}: alpn_policy`, oneOf(["HTTP1Only", "HTTP2Only", "HTTP2Optional", "HTTP2Preferred", "None"], true)),
    rule(
        LISTENER,
        "certificateArn",
        "AWS ELBv2 API reference, CreateListener Certificates: [HTTPS and TLS listeners] you must provide exactly one certificate",
        (inputs) => {
            const protocol = inputs.protocol;
            return typeof protocol === "string" && ["HTTPS", "TLS"].includes(protocol.toUpperCase()) && absent(inputs.certificateArn)
                ? `absent, but a ${protocol} listener needs a certificate`
                : undefined;
        },
    ),
    rule(
        LISTENER,
        "defaultActions",
        `${SRC.listener}: default_action (and ${SRC.rule} for the shared Action constraints: message_body 0-1024, redirect host/path 1-128, query 0-128)`,
        (inputs) => actionProblems(inputs.defaultActions, "defaultActions"),
    ),
    ...tagRules(LISTENER),
];

const CONDITION_FIELDS = ["hostHeader", "httpHeader", "httpRequestMethod", "pathPattern", "queryStrings", "sourceIp"] as const;

/** The values one condition contributes to the per-rule quota. */
function conditionValues(condition: Record<string, unknown>): string[] {
    const out: string[] = [];
    for (const field of ["hostHeader", "pathPattern", "httpHeader", "httpRequestMethod", "sourceIp"]) {
        for (const key of ["values", "regexValues"]) {
            for (const v of items(at(condition, `${field}.${key}`))) {
                out.push(typeof v === "string" ? v : JSON.stringify(v));
            }
        }
    }
    for (const q of records(condition.queryStrings)) {
        out.push(`${typeof q.key === "string" ? `${q.key}=` : ""}${typeof q.value === "string" ? q.value : ""}`);
    }
    return out;
}

const listenerRuleRules: ProviderRule[] = [
    ...pulumiRequired(RULE, "lb/listenerRule", ["listenerArn", "actions", "conditions"], "internal/service/elbv2/listener_rule.go"),
    value(RULE, "listenerArn", SRC.validArn, validArn),
    value(RULE, "priority", `${SRC.rule}: validListenerRulePriority; AWS ELBv2 API reference, CreateRule Priority (1-50000)`, intBetween(1, 50000)),
    rule(RULE, "actions", `${SRC.rule}: action (message_body 0-1024, redirect host/path 1-128, query 0-128, forward target_group 1-5)`, (inputs) =>
        actionProblems(inputs.actions, "actions"),
    ),
    rule(
        RULE,
        "conditions",
        `${SRC.rule}: expandRuleConditions (exactly one of host_header, http_header, http_request_method, path_pattern, query_string, source_ip per condition)`,
        (inputs) => {
            const problems: string[] = [];
            const conditions = items(inputs.conditions);
            if (!absent(inputs.conditions) && conditions.length === 0) {
                problems.push(got(inputs.conditions, "at least one condition"));
            }
            conditions.forEach((c, i) => {
                if (!isRecord(c)) {
                    problems.push(`conditions[${i}] ${got(c, "an object")}`);
                    return;
                }
                const set = CONDITION_FIELDS.filter((f) => items(c[f]).length > 0);
                if (set.length !== 1) {
                    problems.push(`conditions[${i}] ${got(c, `exactly one of ${CONDITION_FIELDS.join(", ")} (found ${set.length})`)}`);
                }
            });
            return problems;
        },
    ),
    rule(
        RULE,
        "conditions[].hostHeader.values / pathPattern.values",
        `${SRC.rule}: host_header.values, path_pattern.values (MinItems 1, each StringLenBetween(1, 128))`,
        (inputs) => {
            const problems: string[] = [];
            records(inputs.conditions).forEach((c, i) => {
                for (const field of ["hostHeader", "pathPattern"]) {
                    const block = c[field];
                    if (absent(block)) {
                        continue;
                    }
                    const values = [...items(at(block, "values")), ...items(at(block, "regexValues"))];
                    if (values.length === 0) {
                        problems.push(`conditions[${i}].${field} ${got(block, "at least one value")}`);
                    }
                    problems.push(
                        ...eachValue(
                            items(at(block, "values")).map((v, j) => ({ where: `conditions[${i}].${field}.values[${j}]`, value: v })),
                            str((s) => (chars(s) >= 1 && chars(s) <= 128 ? undefined : "1 to 128 characters")),
                        ),
                    );
                }
                const header = c.httpHeader;
                if (isRecord(header)) {
                    problems.push(
                        ...eachValue(
                            [{ where: `conditions[${i}].httpHeader.httpHeaderName`, value: header.httpHeaderName }],
                            str((s) => (/^[0-9A-Za-z_!#$%&'*+,.^`|~-]{1,40}$/.test(s) ? undefined : "1 to 40 characters of [0-9A-Za-z_!#$%&'*+,.^`|~-]")),
                        ),
                    );
                    problems.push(
                        ...eachValue(
                            items(header.values).map((v, j) => ({ where: `conditions[${i}].httpHeader.values[${j}]`, value: v })),
                            str((s) => (chars(s) >= 1 && chars(s) <= 128 ? undefined : "1 to 128 characters")),
                        ),
                    );
                }
                problems.push(
                    ...eachValue(
                        items(at(c, "httpRequestMethod.values")).map((v, j) => ({ where: `conditions[${i}].httpRequestMethod.values[${j}]`, value: v })),
                        str((s) => (/^[A-Za-z-_]{1,40}$/.test(s) ? undefined : "1 to 40 characters of [A-Za-z-_]")),
                    ),
                );
                problems.push(
                    ...eachValue(
                        items(at(c, "sourceIp.values")).map((v, j) => ({ where: `conditions[${i}].sourceIp.values[${j}]`, value: v })),
                        str(anyCidr),
                    ),
                );
            });
            return problems;
        },
    ),
    rule(RULE, "conditions", `${SRC.elbQuotas}: Condition Values per Rule 5 (not adjustable), counted across all conditions`, (inputs) => {
        const values = records(inputs.conditions).flatMap(conditionValues);
        return values.length > 5 ? got(values, `at most 5 condition values per rule across its conditions (found ${values.length})`) : undefined;
    }),
    rule(RULE, "conditions", `${SRC.elbQuotas}: Condition Wildcards per Rule 6 (not adjustable)`, (inputs) => {
        const values = records(inputs.conditions).flatMap(conditionValues);
        const wildcards = values.reduce((n, v) => n + (v.match(/[*?]/g)?.length ?? 0), 0);
        return wildcards > 6 ? got(values, `at most 6 wildcards (* or ?) per rule (found ${wildcards})`) : undefined;
    }),
    ...tagRules(RULE),
];

// ---------------------------------------------------------------------------------------------
// ACM

const CERT = "aws:acm/certificate:Certificate";
const CERT_VALIDATION = "aws:acm/certificateValidation:CertificateValidation";
const DOMAIN_NAME = /^(\*\.)?(((?!-)[A-Za-z0-9-]{0,62}[A-Za-z0-9])\.)+((?!-)[A-Za-z0-9-]{1,62}[A-Za-z0-9])$/;

function acmDomain(s: string): string | undefined {
    if (s.endsWith(".")) {
        return "a domain name not ending with a period";
    }
    if (chars(s) < 1 || chars(s) > 253 || !DOMAIN_NAME.test(s)) {
        return "1 to 253 characters of DNS labels ([A-Za-z0-9-], no leading hyphen), a wildcard only as the whole first label (*.)";
    }
    return undefined;
}

const certificateRules: ProviderRule[] = [
    value(CERT, "domainName", `${SRC.acm}: domain_name (cannot end with a period); ${SRC.acmApi}`, str(acmDomain)),
    rule(CERT, "subjectAlternativeNames", `${SRC.acm}: subject_alternative_names StringLenBetween(1, 253), cannot end with a period; ${SRC.acmApi}`, (inputs) =>
        eachValue(
            items(inputs.subjectAlternativeNames).map((v, i) => ({ where: `[${i}]`, value: v })),
            str(acmDomain),
        ),
    ),
    rule(CERT, "domainName + subjectAlternativeNames", SRC.acmQuota, (inputs) => {
        const names = new Set<string>();
        for (const n of [inputs.domainName, ...items(inputs.subjectAlternativeNames)]) {
            if (typeof n === "string") {
                names.add(n.toLowerCase());
            }
        }
        return names.size > 10
            ? got([...names], `at most 10 distinct domain names per certificate (default quota; 100 at most), found ${names.size}`)
            : undefined;
    }),
    rule(CERT, "domainName / privateKey", `${SRC.acm}: ExactlyOneOf domain_name, private_key`, (inputs) => {
        const n = [inputs.domainName, inputs.privateKey].filter((v) => !absent(v)).length;
        return n === 1 ? undefined : `exactly one of domainName (request) and privateKey (import) is required, found ${n}`;
    }),
    rule(
        CERT,
        "validationMethod",
        `${SRC.acm}: resourceCertificateCreate (certificate_authority_arn or validation_method must be set when requesting)`,
        (inputs) =>
            !absent(inputs.domainName) && absent(inputs.validationMethod) && absent(inputs.certificateAuthorityArn)
                ? "absent, and so is certificateAuthorityArn; a requested certificate needs one of them"
                : undefined,
    ),
    value(CERT, "validationMethod", `${SRC.acm} (enum ValidationMethod)`, oneOf(["DNS", "EMAIL", "HTTP"])),
    value(CERT, "certificateAuthorityArn", SRC.validArn, validArn),
    ...tagRules(CERT),
];

const certificateValidationRules: ProviderRule[] = [
    ...pulumiRequired(CERT_VALIDATION, "acm/certificateValidation", ["certificateArn"], "internal/service/acm/certificate_validation.go"),
    rule(CERT_VALIDATION, "validationRecordFqdns", `${SRC.acmValidation}: validation_record_fqdns (set of strings)`, (inputs) =>
        eachValue(
            items(inputs.validationRecordFqdns).map((v, i) => ({ where: `[${i}]`, value: v })),
            str(() => undefined),
        ),
    ),
];

// ---------------------------------------------------------------------------------------------
// Route 53

const RECORD = "aws:route53/record:Record";
const RR_TYPES = ["SOA", "A", "TXT", "NS", "CNAME", "MX", "NAPTR", "PTR", "SRV", "SPF", "AAAA", "CAA", "DS", "TLSA", "SSHFP", "SVCB", "HTTPS"];

const recordRules: ProviderRule[] = [
    ...pulumiRequired(RECORD, "route53/record", ["name", "type", "zoneId"], "internal/service/route53/record.go"),
    value(
        RECORD,
        "name",
        `${SRC.r53Api} Name (maximum length 1024)`,
        str((s) => (s !== "" && chars(s) <= 1024 ? undefined : "1 to 1024 characters")),
    ),
    value(RECORD, "type", `${SRC.r53} (enum RRType); ${SRC.r53Api} Type`, oneOf(RR_TYPES)),
    value(
        RECORD,
        "zoneId",
        `${SRC.r53}: zone_id NoZeroValues`,
        str((s) => (s === "" ? "a non-empty hosted zone id" : undefined)),
    ),
    rule(RECORD, "aliases / records", `${SRC.r53}: ExactlyOneOf alias, records`, (inputs) => {
        const hasAlias = items(inputs.aliases).length > 0;
        const hasRecords = items(inputs.records).length > 0;
        return hasAlias === hasRecords ? got({ aliases: inputs.aliases, records: inputs.records }, "exactly one of aliases and records") : undefined;
    }),
    rule(RECORD, "ttl", `${SRC.r53}: ttl ConflictsWith alias; ${SRC.r53Api} TTL (omit for alias records, required otherwise)`, (inputs) => {
        if (items(inputs.aliases).length > 0 && !absent(inputs.ttl)) {
            return got(inputs.ttl, "no ttl on an alias record");
        }
        if (items(inputs.records).length > 0 && absent(inputs.ttl)) {
            return "absent, but a record with records needs a ttl";
        }
        return undefined;
    }),
    value(RECORD, "ttl", `${SRC.r53Api} TTL (0 to 2147483647)`, intBetween(0, 2147483647)),
    rule(
        RECORD,
        "aliases",
        `${SRC.r53}: alias (MaxItems 1; name StringLenBetween(1, 1024), zone_id StringLenBetween(1, 32), evaluate_target_health Required)`,
        (inputs) => {
            const aliases = items(inputs.aliases);
            const problems: string[] = [];
            if (aliases.length > 1) {
                problems.push(got(inputs.aliases, "at most one alias"));
            }
            aliases.forEach((a, i) => {
                if (!isRecord(a)) {
                    problems.push(`[${i}] ${got(a, "an object")}`);
                    return;
                }
                problems.push(...missingKeys(a, ["name", "zoneId", "evaluateTargetHealth"], `[${i}]`));
                problems.push(
                    ...eachValue(
                        [{ where: `[${i}].name`, value: a.name }],
                        str((s) => (chars(s) >= 1 && chars(s) <= 1024 ? undefined : "1 to 1024 characters")),
                    ),
                );
                problems.push(
                    ...eachValue(
                        [{ where: `[${i}].zoneId`, value: a.zoneId }],
                        str((s) => (chars(s) >= 1 && chars(s) <= 32 ? undefined : "1 to 32 characters")),
                    ),
                );
                problems.push(...eachValue([{ where: `[${i}].evaluateTargetHealth`, value: a.evaluateTargetHealth }], boolean));
            });
            return problems;
        },
    ),
];

// ---------------------------------------------------------------------------------------------
// S3

const BUCKET = "aws:s3/bucket:Bucket";
const OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls";
const SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
const ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const WEBSITE = "aws:s3/bucketWebsiteConfiguration:BucketWebsiteConfiguration";
const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";
const OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2";
const LOGGING = "aws:s3/bucketLogging:BucketLogging";
const LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration";

/** Every general purpose bucket naming rule `name` breaks. */
function bucketNameProblems(name: string): string[] {
    const problems: string[] = [];
    if (name.length < 3 || name.length > 63) {
        problems.push("3 to 63 characters");
    }
    if (/[A-Z]/.test(name)) {
        problems.push("no uppercase letters");
    }
    if (!/^[0-9A-Za-z.-]*$/.test(name)) {
        problems.push("only lowercase letters, digits, dots and hyphens");
    }
    if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) {
        problems.push("beginning and ending with a letter or digit");
    }
    if (name.includes("..")) {
        problems.push("no two adjacent periods");
    }
    if (/^(\d{1,3}\.){3}\d{1,3}$/.test(name)) {
        problems.push("not formatted as an IP address");
    }
    for (const prefix of ["xn--", "sthree-", "amzn-s3-demo-"]) {
        if (name.startsWith(prefix)) {
            problems.push(`not beginning with the reserved prefix ${prefix}`);
        }
    }
    for (const suffix of ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"]) {
        if (name.endsWith(suffix)) {
            problems.push(`not ending with the reserved suffix ${suffix}`);
        }
    }
    return problems;
}

/** A bucket sub-resource's `bucket`: required, and 1–63 characters where its resource validates that (`source`). */
function bucketRef(type: string, lengthSource?: string): ProviderRule[] {
    return [
        required(type, "bucket", `@pulumi/aws 7.x required input (${TF} internal/service/s3: bucket Required)`),
        ...(lengthSource === undefined
            ? []
            : [
                  value(
                      type,
                      "bucket",
                      `${lengthSource}: bucket StringLenBetween(1, 63)`,
                      str((s) => (s.length >= 1 && s.length <= 63 ? undefined : "1 to 63 characters")),
                  ),
              ]),
    ];
}

const bucketRules: ProviderRule[] = [
    value(
        BUCKET,
        "bucket",
        `${SRC.s3Bucket}: validBucketName (regions other than us-east-1); ${SRC.s3Naming}`,
        str((s) => {
            const problems = bucketNameProblems(s);
            return problems.length === 0 ? undefined : `a bucket name with ${problems.join(", ")}`;
        }),
    ),
    value(
        BUCKET,
        "bucketPrefix",
        `${SRC.s3Bucket}: bucket_prefix StringLenBetween(0, 63 - 26)`,
        str((s) => (s.length <= 37 ? undefined : "at most 37 characters")),
    ),
    rule(BUCKET, "bucket / bucketPrefix", `${SRC.s3Bucket}: ConflictsWith bucket, bucket_prefix`, (inputs) =>
        !absent(inputs.bucket) && !absent(inputs.bucketPrefix) ? "bucket and bucketPrefix are both set; give one" : undefined,
    ),
    value(BUCKET, "forceDestroy", SRC.s3Bucket, boolean),
    ...tagRules(BUCKET),
];

const ownershipRules: ProviderRule[] = [
    ...bucketRef(OWNERSHIP),
    required(OWNERSHIP, "rule", `@pulumi/aws 7.x s3/bucketOwnershipControls required input (${SRC.s3Ownership})`),
    required(OWNERSHIP, "rule.objectOwnership", SRC.s3Ownership),
    value(OWNERSHIP, "rule.objectOwnership", SRC.s3Ownership, oneOf(["BucketOwnerPreferred", "ObjectWriter", "BucketOwnerEnforced"])),
];

const sseRules: ProviderRule[] = [
    ...bucketRef(SSE, SRC.s3Sse),
    requiredNonEmptyList(SSE, "rules", `@pulumi/aws 7.x required input (${SRC.s3Sse}: rule Required)`),
    rule(SSE, "rules[].applyServerSideEncryptionByDefault.sseAlgorithm", `${SRC.s3Sse}: sse_algorithm Required (enum ServerSideEncryption)`, (inputs) => {
        const problems: string[] = [];
        records(inputs.rules).forEach((r, i) => {
            const byDefault = r.applyServerSideEncryptionByDefault;
            if (absent(byDefault)) {
                return;
            }
            const algorithm = at(byDefault, "sseAlgorithm");
            if (absent(algorithm)) {
                problems.push(`rules[${i}].applyServerSideEncryptionByDefault.sseAlgorithm is required but absent`);
            }
            problems.push(...eachValue([{ where: `rules[${i}]`, value: algorithm }], oneOf(["AES256", "aws:kms", "aws:kms:dsse", "aws:fsx"])));
            problems.push(...eachValue([{ where: `rules[${i}].bucketKeyEnabled`, value: r.bucketKeyEnabled }], boolean));
        });
        return problems;
    }),
];

const accessBlockRules: ProviderRule[] = [
    ...bucketRef(ACCESS_BLOCK),
    ...["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"].map((p) => value(ACCESS_BLOCK, p, SRC.s3AccessBlock, boolean)),
];

const websiteRules: ProviderRule[] = [
    ...bucketRef(WEBSITE, SRC.s3Website),
    rule(WEBSITE, "indexDocument.suffix", `${SRC.s3Website}: index_document.suffix Required; ${SRC.s3IndexDocument}`, (inputs) => {
        const index = inputs.indexDocument;
        if (absent(index)) {
            return undefined;
        }
        const suffix = at(index, "suffix");
        if (absent(suffix)) {
            return "is required in indexDocument but absent";
        }
        return eachValue(
            [{ where: "", value: suffix }],
            str((s) => (s !== "" && !s.includes("/") ? undefined : "a non-empty suffix without a slash")),
        );
    }),
    rule(WEBSITE, "errorDocument.key", `${SRC.s3Website}: error_document.key Required`, (inputs) =>
        !absent(inputs.errorDocument) && absent(at(inputs.errorDocument, "key")) ? "is required in errorDocument but absent" : undefined,
    ),
    rule(
        WEBSITE,
        "redirectAllRequestsTo",
        `${SRC.s3Website}: redirect_all_requests_to ConflictsWith error_document, index_document, routing_rule, routing_rules`,
        (inputs) => {
            if (absent(inputs.redirectAllRequestsTo)) {
                return undefined;
            }
            const others = ["errorDocument", "indexDocument", "routingRules", "routingRuleDetails"].filter((p) => !absent(inputs[p]));
            return others.length > 0 ? `set together with ${others.join(", ")}; redirectAllRequestsTo excludes them` : undefined;
        },
    ),
    value(
        WEBSITE,
        "routingRuleDetails",
        `${SRC.s3Website}: routing_rules validation.StringIsJSON`,
        str((s) => {
            const parsed = parseJson(s);
            return parsed.ok ? undefined : `valid JSON (${parsed.error})`;
        }),
    ),
];

const bucketPolicyRules: ProviderRule[] = [
    ...bucketRef(BUCKET_POLICY),
    required(BUCKET_POLICY, "policy", `@pulumi/aws 7.x required input (${SRC.s3Policy})`),
    value(BUCKET_POLICY, "policy", SRC.s3Policy, (v) => {
        if (isRecord(v)) {
            return undefined;
        }
        if (typeof v !== "string") {
            return "a JSON policy document";
        }
        const parsed = parseJson(v);
        return parsed.ok ? undefined : `valid JSON (${parsed.error})`;
    }),
    rule(BUCKET_POLICY, "policy", SRC.iamGrammar, (inputs) => policyGrammarProblems(inputs.policy)),
    value(BUCKET_POLICY, "policy", SRC.s3PolicySize, (v) => {
        const text = typeof v === "string" ? v : JSON.stringify(v);
        const bytes = utf8Bytes(text);
        return bytes <= 20 * 1024 ? undefined : `at most 20 KB (20480 bytes), found ${bytes} bytes`;
    }),
];

const objectRules: ProviderRule[] = [
    ...bucketRef(OBJECT),
    value(
        OBJECT,
        "bucket",
        `${SRC.s3Object}: bucket NoZeroValues`,
        str((s) => (s === "" ? "a non-empty bucket name" : undefined)),
    ),
    value(
        OBJECT,
        "key",
        `${SRC.s3Object}: key NoZeroValues; ${SRC.s3Keys}`,
        str((s) => {
            if (s === "") {
                return "a non-empty key";
            }
            const bytes = utf8Bytes(s);
            return bytes <= 1024 ? undefined : `at most 1024 bytes of UTF-8 (found ${bytes})`;
        }),
    ),
    value(
        OBJECT,
        "cacheControl",
        `${SRC.s3Object}: cache_control (TypeString; no further documented constraint)`,
        str(() => undefined),
    ),
    rule(OBJECT, "content / contentBase64 / source", `${SRC.s3Object}: content, content_base64, source ConflictsWith one another`, (inputs) => {
        const set = ["content", "contentBase64", "source"].filter((p) => !absent(inputs[p]));
        return set.length > 1 ? `${set.join(" and ")} are all set; give at most one` : undefined;
    }),
    rule(OBJECT, "metadata", `${SRC.s3Object}: metadata validateMetadataIsLowerCase`, (inputs) => {
        const metadata = inputs.metadata;
        if (!isRecord(metadata)) {
            return undefined;
        }
        return Object.keys(metadata)
            .filter((k) => k !== k.toLowerCase())
            .map((k) => `key ${got(k, "a lowercase metadata key")}`);
    }),
    value(OBJECT, "kmsKeyId", SRC.validArn, validArn),
    value(OBJECT, "serverSideEncryption", `${SRC.s3Object} (enum ServerSideEncryption)`, oneOf(["AES256", "aws:kms", "aws:kms:dsse", "aws:fsx"])),
    rule(OBJECT, "tags", `${SRC.s3ObjectTags}; ${SRC.tags}`, (inputs) => tagProblems(inputs.tags, "tags", 10)),
];

const loggingRules: ProviderRule[] = [
    ...bucketRef(LOGGING, SRC.s3Logging),
    required(LOGGING, "targetBucket", `@pulumi/aws 7.x required input (${SRC.s3Logging}: target_bucket Required)`),
    required(LOGGING, "targetPrefix", `@pulumi/aws 7.x required input (${SRC.s3Logging}: target_prefix Required)`),
];

const lifecycleRules: ProviderRule[] = [
    ...bucketRef(LIFECYCLE, SRC.s3Lifecycle),
    requiredNonEmptyList(LIFECYCLE, "rules", `${SRC.s3Lifecycle}: rule listvalidator.SizeAtLeast(1)`),
    rule(
        LIFECYCLE,
        "rules[]",
        `${SRC.s3Lifecycle}: rule.id Required, LengthBetween(1, 255); rule.status Required, OneOf(Enabled, Disabled); expiration, filter SizeAtMost(1); ${SRC.s3LifecycleApi}`,
        (inputs) =>
            items(inputs.rules).flatMap((r, i) => {
                const where = `[${i}]`;
                if (!isRecord(r)) {
                    return [`${where} ${got(r, "an object")}`];
                }
                return [
                    ...missingKeys(r, ["id", "status"], where),
                    ...eachValue(
                        [{ where: `${where}.id`, value: r.id }],
                        str((s) => (s.length >= 1 && s.length <= 255 ? undefined : "1 to 255 characters")),
                    ),
                    ...eachValue([{ where: `${where}.status`, value: r.status }], oneOf(["Enabled", "Disabled"])),
                    ...(items(r.expiration).length > 1 ? [`${where}.expiration ${got(r.expiration, "at most one expiration")}`] : []),
                    ...eachValue([{ where: `${where}.expiration.days`, value: at(r.expiration, "days") }], intBetween(1, 2147483647)),
                ];
            }),
    ),
];

// ---------------------------------------------------------------------------------------------
// ECS

const CLUSTER = "aws:ecs/cluster:Cluster";
const CAPACITY = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders";
const SERVICE = "aws:ecs/service:Service";
const TASK = "aws:ecs/taskDefinition:TaskDefinition";

const ECS_NAME = /^[0-9A-Za-z_-]+$/;
const ecsName = str((s) => (s.length >= 1 && s.length <= 255 && ECS_NAME.test(s) ? undefined : "1 to 255 characters of [A-Za-z0-9_-]"));

function strategyProblems(strategies: unknown, where: string): string[] {
    const problems: string[] = [];
    items(strategies).forEach((s, i) => {
        if (!isRecord(s)) {
            problems.push(`${where}[${i}] ${got(s, "an object")}`);
            return;
        }
        if (absent(s.capacityProvider)) {
            problems.push(`${where}[${i}].capacityProvider is required but absent`);
        }
        problems.push(...eachValue([{ where: `${where}[${i}].base`, value: s.base }], intBetween(0, 100000)));
        problems.push(...eachValue([{ where: `${where}[${i}].weight`, value: s.weight }], intBetween(0, 1000)));
    });
    return problems;
}

const clusterRules: ProviderRule[] = [
    value(CLUSTER, "name", SRC.ecsValidate, ecsName),
    rule(CLUSTER, "settings", `${SRC.ecsCluster}: setting.name (enum ClusterSettingName); ${SRC.ecsClusterSetting}`, (inputs) => {
        const problems: string[] = [];
        items(inputs.settings).forEach((s, i) => {
            if (!isRecord(s)) {
                problems.push(`[${i}] ${got(s, "an object")}`);
                return;
            }
            problems.push(...missingKeys(s, ["name", "value"], `[${i}]`));
            problems.push(...eachValue([{ where: `[${i}].name`, value: s.name }], oneOf(["containerInsights"])));
            problems.push(...eachValue([{ where: `[${i}].value`, value: s.value }], oneOf(["enhanced", "enabled", "disabled"])));
        });
        return problems;
    }),
    ...tagRules(CLUSTER),
];

const capacityRules: ProviderRule[] = [
    required(CAPACITY, "clusterName", `@pulumi/aws 7.x ecs/clusterCapacityProviders required input (${SRC.ecsCapacity}: cluster_name Required)`),
    value(CAPACITY, "clusterName", `${SRC.ecsCapacity}: cluster_name validateClusterName (a name, not an ARN)`, ecsName),
    rule(CAPACITY, "capacityProviders", `${SRC.ecsCapacity}: capacity_providers (set of strings)`, (inputs) =>
        eachValue(
            items(inputs.capacityProviders).map((v, i) => ({ where: `[${i}]`, value: v })),
            str((s) => (s === "" ? "a non-empty capacity provider name" : undefined)),
        ),
    ),
    rule(
        CAPACITY,
        "defaultCapacityProviderStrategies",
        `${SRC.ecsCapacity}: default_capacity_provider_strategy (capacity_provider Required, base IntBetween(0, 100000), weight IntBetween(0, 1000))`,
        (inputs) => strategyProblems(inputs.defaultCapacityProviderStrategies, ""),
    ),
];

const DISCOVERY_NAME = /^[a-z0-9_][a-z0-9_-]{0,63}$/;
const DNS_NAME = /^[a-z0-9_.][a-z0-9_.-]{0,126}$/;

/** The service's one volume configuration and its one managed EBS volume (each MaxItems 1), or undefined. */
function volumeConfiguration(inputs: Inputs): Record<string, unknown> | undefined {
    const [config] = records(inputs.volumeConfiguration);
    return config;
}

function managedEbsVolume(inputs: Inputs): Record<string, unknown> | undefined {
    const config = volumeConfiguration(inputs);
    return config === undefined ? undefined : records(config.managedEbsVolume)[0];
}

/** Whether the service's tasks run on Fargate: its launch type says so, or each provider of its capacity provider strategy is Fargate's. */
function serviceOnFargate(inputs: Inputs): boolean {
    if (!absent(inputs.launchType)) {
        return inputs.launchType === "FARGATE";
    }
    const providers = records(inputs.capacityProviderStrategies).map((s) => s.capacityProvider);
    return providers.length > 0 && providers.every((p) => p === "FARGATE" || p === "FARGATE_SPOT");
}

/** EBS volume types ECS makes: the size range (GiB) of each, and the IOPS range of those that take IOPS. */
const EBS_TYPES: ReadonlyMap<string, { readonly size: readonly [number, number]; readonly iops?: readonly [number, number] }> = new Map([
    ["gp2", { size: [1, 16384] }],
    ["gp3", { size: [1, 16384], iops: [3000, 16000] }],
    ["io1", { size: [4, 16384], iops: [100, 64000] }],
    ["io2", { size: [4, 16384], iops: [100, 256000] }],
    ["st1", { size: [125, 16384] }],
    ["sc1", { size: [125, 16384] }],
    ["standard", { size: [1, 1024] }],
] as const);

const RESERVED_EBS_TAGS = ["AmazonECSCreated", "AmazonECSManaged"];

const serviceRules: ProviderRule[] = [
    value(SERVICE, "name", `${SRC.ecsCreateService} serviceName: up to 255 letters, numbers, underscores and hyphens`, ecsName),
    value(
        SERVICE,
        "healthCheckGracePeriodSeconds",
        `${SRC.ecsService}: health_check_grace_period_seconds IntBetween(0, math.MaxInt32)`,
        intBetween(0, 2147483647),
    ),
    value(
        SERVICE,
        "deploymentMinimumHealthyPercent",
        `${SRC.ecsService}: deployment_minimum_healthy_percent (TypeInt; the API documents no further range)`,
        intBetween(0, 2147483647),
    ),
    value(
        SERVICE,
        "deploymentMaximumPercent",
        `${SRC.ecsService}: deployment_maximum_percent (TypeInt; the API documents no further range)`,
        intBetween(0, 2147483647),
    ),
    value(SERVICE, "desiredCount", `${SRC.ecsService}: desired_count (TypeInt)`, intBetween(0, 2147483647)),
    value(SERVICE, "launchType", `${SRC.ecsService} (enum LaunchType)`, oneOf(["EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES"])),
    value(SERVICE, "propagateTags", `${SRC.ecsService} (enum PropagateTags)`, oneOf(["TASK_DEFINITION", "SERVICE", "NONE"])),
    value(SERVICE, "schedulingStrategy", `${SRC.ecsService} (enum SchedulingStrategy)`, oneOf(["REPLICA", "DAEMON"])),
    value(SERVICE, "enableEcsManagedTags", SRC.ecsService, boolean),
    rule(
        SERVICE,
        "launchType / capacityProviderStrategies",
        `${SRC.ecsCreateService} launchType: if a launchType is specified, the capacityProviderStrategy parameter must be omitted`,
        (inputs) =>
            !absent(inputs.launchType) && items(inputs.capacityProviderStrategies).length > 0
                ? `launchType ${show(inputs.launchType)} set together with capacityProviderStrategies; give one`
                : undefined,
    ),
    rule(
        SERVICE,
        "capacityProviderStrategies",
        `${SRC.ecsService}: capacity_provider_strategy (capacity_provider Required, base IntBetween(0, 100000), weight IntBetween(0, 1000))`,
        (inputs) => strategyProblems(inputs.capacityProviderStrategies, ""),
    ),
    rule(SERVICE, "deploymentCircuitBreaker", `${SRC.ecsService}: deployment_circuit_breaker (enable, rollback Required)`, (inputs) => {
        const breaker = inputs.deploymentCircuitBreaker;
        if (absent(breaker)) {
            return undefined;
        }
        return ["enable", "rollback"].flatMap((k) => {
            const v = at(breaker, k);
            return absent(v) ? [`.${k} is required but absent`] : eachValue([{ where: `.${k}`, value: v }], boolean);
        });
    }),
    rule(
        SERVICE,
        "loadBalancers",
        `${SRC.ecsService}: load_balancer (container_name Required, container_port IntBetween(0, 65536), target_group_arn ValidARN)`,
        (inputs) => {
            const problems: string[] = [];
            items(inputs.loadBalancers).forEach((lb, i) => {
                if (!isRecord(lb)) {
                    problems.push(`[${i}] ${got(lb, "an object")}`);
                    return;
                }
                problems.push(...missingKeys(lb, ["containerName", "containerPort"], `[${i}]`));
                problems.push(...eachValue([{ where: `[${i}].containerPort`, value: lb.containerPort }], intBetween(0, 65536)));
                problems.push(...eachValue([{ where: `[${i}].targetGroupArn`, value: lb.targetGroupArn }], validArn));
            });
            return problems;
        },
    ),
    rule(SERVICE, "networkConfiguration", `${SRC.ecsService}: network_configuration.subnets Required; ${SRC.ecsAwsVpc}`, (inputs) => {
        const config = inputs.networkConfiguration;
        if (absent(config)) {
            return undefined;
        }
        const problems: string[] = [];
        const subnets = at(config, "subnets");
        if (absent(subnets)) {
            problems.push(".subnets is required but absent");
        } else if (items(subnets).length > 16) {
            problems.push(`.subnets ${got(subnets, "at most 16 subnets")}`);
        }
        const groups = at(config, "securityGroups");
        if (items(groups).length > 5) {
            problems.push(`.securityGroups ${got(groups, "at most 5 security groups")}`);
        }
        problems.push(...eachValue([{ where: ".assignPublicIp", value: at(config, "assignPublicIp") }], boolean));
        return problems;
    }),
    rule(
        SERVICE,
        "serviceConnectConfiguration",
        `${SRC.ecsService}: service_connect_configuration (enabled Required; service.port_name Required; client_alias.port IntBetween(0, 65535); ingress_port_override IntBetween(0, 65535)); ${SRC.ecsServiceConnect} (discoveryName ≤64 of [a-z0-9_-] not starting with a hyphen; at most 1 client alias; dnsName ≤127 of [a-z0-9_.-] not starting with a hyphen)`,
        (inputs) => {
            const config = inputs.serviceConnectConfiguration;
            if (absent(config)) {
                return undefined;
            }
            if (!isRecord(config)) {
                return got(config, "an object");
            }
            const problems: string[] = [];
            if (absent(config.enabled)) {
                problems.push(".enabled is required but absent");
            }
            problems.push(...eachValue([{ where: ".enabled", value: config.enabled }], boolean));
            items(config.services).forEach((s, i) => {
                const where = `.services[${i}]`;
                if (!isRecord(s)) {
                    problems.push(`${where} ${got(s, "an object")}`);
                    return;
                }
                if (absent(s.portName)) {
                    problems.push(`${where}.portName is required but absent`);
                }
                problems.push(
                    ...eachValue(
                        [{ where: `${where}.portName`, value: s.portName }],
                        str((n) => (n === "" ? "the non-empty name of a portMappings entry of the task definition" : undefined)),
                    ),
                );
                problems.push(
                    ...eachValue(
                        [{ where: `${where}.discoveryName`, value: s.discoveryName }],
                        str((n) => (DISCOVERY_NAME.test(n) ? undefined : "1 to 64 characters of [a-z0-9_-], not starting with a hyphen")),
                    ),
                );
                problems.push(...eachValue([{ where: `${where}.ingressPortOverride`, value: s.ingressPortOverride }], intBetween(0, 65535)));
                const aliases = items(s.clientAlias);
                if (aliases.length > 1) {
                    problems.push(`${where}.clientAlias ${got(s.clientAlias, "at most 1 client alias")}`);
                }
                aliases.forEach((a, j) => {
                    const aw = `${where}.clientAlias[${j}]`;
                    if (!isRecord(a)) {
                        problems.push(`${aw} ${got(a, "an object")}`);
                        return;
                    }
                    if (absent(a.port)) {
                        problems.push(`${aw}.port is required but absent`);
                    }
                    problems.push(...eachValue([{ where: `${aw}.port`, value: a.port }], intBetween(0, 65535)));
                    problems.push(
                        ...eachValue(
                            [{ where: `${aw}.dnsName`, value: a.dnsName }],
                            str((n) => (DNS_NAME.test(n) ? undefined : "1 to 127 characters of [a-z0-9_.-], not starting with a hyphen")),
                        ),
                    );
                });
            });
            return problems;
        },
    ),
    rule(SERVICE, "volumeConfiguration", SRC.ecsServiceVolume, (inputs) => {
        const configs = items(inputs.volumeConfiguration);
        if (configs.length === 0) {
            return undefined;
        }
        if (configs.length > 1) {
            return got(inputs.volumeConfiguration, "at most one volume configuration");
        }
        const [config] = configs;
        if (!isRecord(config)) {
            return got(config, "an object");
        }
        const problems = missingKeys(config, ["name", "managedEbsVolume"], "");
        const volumes = items(config.managedEbsVolume);
        if (volumes.length > 1) {
            problems.push(`.managedEbsVolume ${got(config.managedEbsVolume, "one managed EBS volume")}`);
        }
        records(config.managedEbsVolume).forEach((v) => {
            const where = ".managedEbsVolume";
            problems.push(...missingKeys(v, ["roleArn"], where));
            problems.push(
                ...eachValue([{ where: `${where}.roleArn`, value: v.roleArn }], validArn),
                ...eachValue([{ where: `${where}.encrypted`, value: v.encrypted }], boolean),
                ...eachValue([{ where: `${where}.fileSystemType`, value: v.fileSystemType }], oneOf(["ext3", "ext4", "ntfs", "xfs"])),
                ...eachValue([{ where: `${where}.throughput`, value: v.throughput }], intBetween(0, 1000)),
                ...eachValue(
                    ["sizeInGb", "iops", "volumeInitializationRate"].map((k) => ({ where: `${where}.${k}`, value: v[k] })),
                    intBetween(-2147483648, 2147483647),
                ),
            );
            items(v.tagSpecifications).forEach((t, i) => {
                const tw = `${where}.tagSpecifications[${i}]`;
                if (!isRecord(t)) {
                    problems.push(`${tw} ${got(t, "an object")}`);
                    return;
                }
                problems.push(...missingKeys(t, ["resourceType"], tw));
                problems.push(...eachValue([{ where: `${tw}.resourceType`, value: t.resourceType }], oneOf(["volume"])));
                problems.push(...eachValue([{ where: `${tw}.propagateTags`, value: t.propagateTags }], oneOf(["TASK_DEFINITION", "SERVICE", "NONE"])));
            });
        });
        return problems;
    }),
    rule(SERVICE, "volumeConfiguration.managedEbsVolume", SRC.ecsManagedEbs, (inputs) => {
        const v = managedEbsVolume(inputs);
        if (v === undefined) {
            return undefined;
        }
        const problems: string[] = [];
        const type = v.volumeType;
        const known = typeof type === "string" ? EBS_TYPES.get(type) : undefined;
        if (!absent(type) && known === undefined) {
            problems.push(`volumeType ${got(type, `one of ${[...EBS_TYPES.keys()].join(", ")}`)}`);
        }
        if (type === "standard" && serviceOnFargate(inputs)) {
            problems.push(`volumeType ${got(type, "not standard (magnetic) on Fargate")}`);
        }
        if (absent(v.sizeInGb) && absent(v.snapshotId)) {
            problems.push("neither sizeInGb nor snapshotId: give one");
        }
        // Without a (known) type, the bounds every type shares.
        const [minSize, maxSize] = known?.size ?? [1, 16384];
        problems.push(
            ...eachValue([{ where: "sizeInGb", value: v.sizeInGb }], (n) =>
                intBetween(minSize, maxSize)(n) === undefined
                    ? undefined
                    : `an integer from ${minSize} to ${maxSize}${known === undefined ? "" : ` for ${String(type)}`}`,
            ),
        );
        if (!absent(v.iops) && known !== undefined) {
            problems.push(
                ...(known.iops === undefined
                    ? [`iops ${got(v.iops, `no iops for ${String(type)}`)}`]
                    : eachValue([{ where: "iops", value: v.iops }], (n) =>
                          intBetween(known.iops![0], known.iops![1])(n) === undefined
                              ? undefined
                              : `an integer from ${known.iops![0]} to ${known.iops![1]} for ${String(type)}`,
                      )),
            );
        }
        if (absent(v.iops) && (type === "io1" || type === "io2")) {
            problems.push(`iops is required for ${type} but absent`);
        }
        if (!absent(v.throughput) && !absent(type) && type !== "gp3") {
            problems.push(`throughput ${got(v.throughput, `no throughput for ${String(type)} (gp3 only)`)}`);
        }
        if (!absent(v.volumeInitializationRate) && absent(v.snapshotId)) {
            problems.push(`volumeInitializationRate ${got(v.volumeInitializationRate, "none without a snapshotId")}`);
        }
        return problems;
    }),
    rule(SERVICE, "volumeConfiguration.managedEbsVolume.tagSpecifications[].tags", SRC.ecsEbsTags, (inputs) =>
        records(managedEbsVolume(inputs)?.tagSpecifications).flatMap((t, i) => {
            const tags = t.tags;
            return isRecord(tags)
                ? Object.keys(tags)
                      .filter((k) => RESERVED_EBS_TAGS.includes(k))
                      .map((k) => `[${i}] key ${got(k, `no ${RESERVED_EBS_TAGS.join(" or ")} (reserved)`)}`)
                : [];
        }),
    ),
    ...tagRules(SERVICE),
];

/** Fargate's task sizes: CPU units → the memory values (MiB) each allows. */
const FARGATE_SIZES: ReadonlyMap<number, readonly number[]> = new Map<number, readonly number[]>([
    [256, [512, 1024, 2048]],
    [512, [1024, 2048, 3072, 4096]],
    [1024, steps(2048, 8192, 1024)],
    [2048, steps(4096, 16384, 1024)],
    [4096, steps(8192, 30720, 1024)],
    [8192, steps(16384, 61440, 4096)],
    [16384, steps(32768, 122880, 8192)],
]);

function steps(from: number, to: number, step: number): number[] {
    const out: number[] = [];
    for (let n = from; n <= to; n += step) {
        out.push(n);
    }
    return out;
}

/** Task-level CPU as units: `1024` or `1 vCPU` (the API converts the string form). */
function cpuUnits(v: unknown): number | undefined {
    const n = integer(v);
    if (n !== undefined) {
        return n;
    }
    const m = typeof v === "string" ? /^(\d+(?:\.\d+)?)\s*vcpu$/i.exec(v.trim()) : null;
    return m && m[1] !== undefined ? Math.round(Number(m[1]) * 1024) : undefined;
}

/** Task-level memory in MiB: `1024` or `1 GB`. */
function memoryMiB(v: unknown): number | undefined {
    const n = integer(v);
    if (n !== undefined) {
        return n;
    }
    const m = typeof v === "string" ? /^(\d+(?:\.\d+)?)\s*gb$/i.exec(v.trim()) : null;
    return m && m[1] !== undefined ? Math.round(Number(m[1]) * 1024) : undefined;
}

function fargateSizeList(): string {
    return [...FARGATE_SIZES.entries()].map(([cpu, mem]) => `${cpu}: ${mem[0]}-${mem[mem.length - 1]}`).join("; ");
}

function containers(inputs: Inputs): Record<string, unknown>[] {
    const parsed = jsonInput(inputs.containerDefinitions);
    return Array.isArray(parsed) ? parsed.filter(isRecord) : [];
}

const PORT_MAPPING_NAME = /^[a-z0-9_][a-z0-9_-]{0,63}$/;

/** A task definition volume's kinds besides configured at launch (Pulumi's names; `hostPath` is the API's `host`). */
const VOLUME_KINDS = [
    "dockerVolumeConfiguration",
    "efsVolumeConfiguration",
    "s3filesVolumeConfiguration",
    "fsxWindowsFileServerVolumeConfiguration",
    "hostPath",
];

const taskDefinitionRules: ProviderRule[] = [
    ...pulumiRequired(TASK, "ecs/taskDefinition", ["family", "containerDefinitions"], "internal/service/ecs/task_definition.go"),
    rule(
        TASK,
        "containerDefinitions[].healthCheck",
        "AWS ECS API reference, HealthCheck (and CloudFormation's AWS::ECS::TaskDefinition HealthCheck): command required (CMD or CMD-SHELL first); interval 5–300, timeout 2–60, retries 1–10, startPeriod 0–300 seconds",
        (inputs) =>
            containers(inputs).flatMap((c, i) => {
                const h = c.healthCheck;
                if (absent(h)) {
                    return [];
                }
                if (!isRecord(h)) {
                    return [`[${i}] ${got(h, "an object")}`];
                }
                const out: string[] = [];
                const command = h.command;
                if (!Array.isArray(command) || command.length < 2 || !["CMD", "CMD-SHELL"].includes(String(command[0]))) {
                    out.push(`[${i}].command ${got(command, '["CMD" or "CMD-SHELL", …]')}`);
                }
                for (const [key, min, max] of [
                    ["interval", 5, 300],
                    ["timeout", 2, 60],
                    ["retries", 1, 10],
                    ["startPeriod", 0, 300],
                ] as const) {
                    const n = h[key];
                    if (!absent(n) && (integer(n) === undefined || integer(n)! < min || integer(n)! > max)) {
                        out.push(`[${i}].${key} ${got(n, `an integer from ${min} to ${max}`)}`);
                    }
                }
                return out;
            }),
    ),
    value(TASK, "family", `${SRC.ecsTaskDefinition}: family StringLenBetween(1, 255), StringMatch(^[0-9A-Za-z_-]+$)`, ecsName),
    rule(TASK, "containerDefinitions[].readonlyRootFilesystem", `${SRC.ecsContainer} readonlyRootFilesystem (Type: Boolean)`, (inputs) =>
        eachValue(
            containers(inputs).map((c, i) => ({ where: `[${i}]`, value: c.readonlyRootFilesystem })),
            boolean,
        ),
    ),
    rule(TASK, "volumes[]", `${SRC.ecsVolume}; ${SRC.ecsTaskDefinition}: volume.name Required`, (inputs) => {
        const fargate = items(inputs.requiresCompatibilities).includes("FARGATE");
        return records(inputs.volumes).flatMap((v, i) => [
            ...missingKeys(v, ["name"], `[${i}]`),
            ...eachValue(
                [{ where: `[${i}].name`, value: v.name }],
                str((n) => (n.length <= 255 && ECS_NAME.test(n) ? undefined : "1 to 255 characters of [A-Za-z0-9_-]")),
            ),
            ...(fargate && !absent(at(v, "hostPath")) ? [`[${i}].hostPath ${got(v.hostPath, "no host path on Fargate")}`] : []),
        ]);
    }),
    rule(TASK, "volumes[].configureAtLaunch", SRC.ecsVolumeAtLaunch, (inputs) => {
        const atLaunch = records(inputs.volumes).filter((v) => v.configureAtLaunch === true);
        return [
            ...eachValue(
                records(inputs.volumes).map((v, i) => ({ where: `[${i}]`, value: v.configureAtLaunch })),
                boolean,
            ),
            ...(atLaunch.length > 1 ? [`${atLaunch.length} volumes configured at launch (${atLaunch.map((v) => show(v.name)).join(", ")}): at most one`] : []),
        ];
    }),
    rule(TASK, "volumes[]: one kind", SRC.ecsVolumeKinds, (inputs) =>
        records(inputs.volumes).flatMap((v, i) => {
            const kinds = [...(v.configureAtLaunch === true ? ["configureAtLaunch"] : []), ...VOLUME_KINDS.filter((k) => !absent(v[k]))];
            return kinds.length > 1 ? [`[${i}] (${show(v.name)}) gives ${kinds.join(", ")}: a volume gives one of them`] : [];
        }),
    ),
    rule(TASK, "containerDefinitions[].mountPoints[]", SRC.ecsMountPoint, (inputs) => {
        const names = new Set(records(inputs.volumes).map((v) => v.name));
        return containers(inputs).flatMap((c, i) =>
            items(c.mountPoints).flatMap((m, j) => {
                const where = `[${i}].mountPoints[${j}]`;
                if (!isRecord(m)) {
                    return [`${where} ${got(m, "an object")}`];
                }
                return [
                    ...missingKeys(m, ["sourceVolume", "containerPath"], where),
                    ...(absent(m.sourceVolume) || names.has(m.sourceVolume)
                        ? []
                        : [`${where}.sourceVolume ${got(m.sourceVolume, "the name of a volume of the task definition")}`]),
                    ...eachValue([{ where: `${where}.readOnly`, value: m.readOnly }], boolean),
                ];
            }),
        );
    }),
    value(TASK, "containerDefinitions", `${SRC.ecsTaskDefinition}: ValidTaskDefinitionContainerDefinitions (a JSON array of container definitions)`, (v) => {
        if (Array.isArray(v)) {
            return undefined;
        }
        if (typeof v !== "string") {
            return "a JSON array of container definitions";
        }
        const parsed = parseJson(v);
        if (!parsed.ok) {
            return `valid JSON (${parsed.error})`;
        }
        return Array.isArray(parsed.value) && parsed.value.every(isRecord) ? undefined : "a JSON array of container definition objects";
    }),
    rule(
        TASK,
        "containerDefinitions[].essential",
        `${SRC.ecsContainer} essential (Boolean, default true): "All tasks must have at least one essential container"`,
        (inputs) => {
            const all = containers(inputs);
            const bad = eachValue(
                all.map((c, i) => ({ where: `[${i}].essential`, value: c.essential })),
                boolean,
            );
            return all.length > 0 && !all.some((c) => c.essential !== false) ? [...bad, "no essential container: at least one must be"] : bad;
        },
    ),
    rule(TASK, "containerDefinitions[].dependsOn[]", SRC.ecsDependency, (inputs) => {
        const all = containers(inputs);
        return all.flatMap((c, i) =>
            items(c.dependsOn).flatMap((d, j) => {
                const where = `[${i}].dependsOn[${j}]`;
                if (!isRecord(d)) {
                    return [`${where} ${got(d, "an object with containerName and condition")}`];
                }
                const other = all.find((o) => o.name === d.containerName);
                const problems = missingKeys(d, ["containerName", "condition"], where);
                if (!absent(d.containerName) && (other === undefined || other === c)) {
                    problems.push(`${where}.containerName ${got(d.containerName, "another container of the task definition")}`);
                }
                if (!absent(d.condition) && !["START", "COMPLETE", "SUCCESS", "HEALTHY"].includes(String(d.condition))) {
                    problems.push(`${where}.condition ${got(d.condition, "START, COMPLETE, SUCCESS or HEALTHY")}`);
                }
                if ((d.condition === "SUCCESS" || d.condition === "COMPLETE") && other !== undefined && other.essential !== false) {
                    problems.push(`${where}.condition ${d.condition} on ${String(d.containerName)}, an essential container: it must be essential: false`);
                }
                if (d.condition === "HEALTHY" && other !== undefined && absent(other.healthCheck)) {
                    problems.push(`${where}.condition HEALTHY on ${String(d.containerName)}, which has no health check`);
                }
                return problems;
            }),
        );
    }),
    rule(TASK, "containerDefinitions[].name", `${SRC.ecsContainer} name: up to 255 letters, numbers, underscores and hyphens`, (inputs) =>
        eachValue(
            containers(inputs).map((c, i) => ({ where: `[${i}]`, value: c.name })),
            ecsName,
        ),
    ),
    rule(
        TASK,
        "containerDefinitions[].portMappings[].name",
        `${SRC.ecsPortMapping}: up to 64 lowercase letters, numbers, underscores and hyphens, not starting with a hyphen`,
        (inputs) =>
            containers(inputs).flatMap((c, i) =>
                eachValue(
                    records(c.portMappings).map((p, j) => ({ where: `[${i}].portMappings[${j}]`, value: p.name })),
                    str((n) => (PORT_MAPPING_NAME.test(n) ? undefined : "1 to 64 characters of [a-z0-9_-], not starting with a hyphen")),
                ),
            ),
    ),
    rule(
        TASK,
        "containerDefinitions[].secrets[]",
        `${SRC.ecsSecret}: name and valueFrom required; valueFrom is the full ARN of a Secrets Manager secret or of an SSM Parameter Store parameter (or, in the same Region, the parameter's name)`,
        (inputs) =>
            containers(inputs).flatMap((c, i) =>
                items(c.secrets).flatMap((s, j) => {
                    const where = `[${i}].secrets[${j}]`;
                    if (!isRecord(s)) {
                        return [`${where} ${got(s, "an object with name and valueFrom")}`];
                    }
                    const problems: string[] = [];
                    problems.push(...missingKeys(s, ["name", "valueFrom"], `${where}`));
                    problems.push(
                        ...eachValue(
                            [{ where: `${where}.valueFrom`, value: s.valueFrom }],
                            str((v) => {
                                if (v === "") {
                                    return "a Secrets Manager secret ARN or an SSM parameter ARN or name";
                                }
                                if (!v.startsWith("arn:")) {
                                    return undefined;
                                }
                                const service = arnService(v);
                                return (service === "secretsmanager" || service === "ssm") && arnProblem(v) === undefined
                                    ? undefined
                                    : "the full ARN of a Secrets Manager secret or of an SSM parameter";
                            }),
                        ),
                    );
                    return problems;
                }),
            ),
    ),
    rule(
        TASK,
        "containerDefinitions[].repositoryCredentials.credentialsParameter",
        `${SRC.ecsRepositoryCredentials}: the ARN of the Secrets Manager secret containing the private repository credentials (in the same Region the secret's name is also accepted)`,
        (inputs) =>
            containers(inputs).flatMap((c, i) => {
                const credentials = c.repositoryCredentials;
                if (absent(credentials)) {
                    return [];
                }
                const parameter = at(credentials, "credentialsParameter");
                if (absent(parameter)) {
                    return [`[${i}].repositoryCredentials.credentialsParameter is required but absent`];
                }
                return eachValue(
                    [{ where: `[${i}]`, value: parameter }],
                    str((v) => {
                        if (v === "") {
                            return "a Secrets Manager secret ARN";
                        }
                        if (!v.startsWith("arn:")) {
                            return undefined;
                        }
                        const m = ARN.exec(v);
                        return m && m[2] === "secretsmanager" && (m[5] ?? "").startsWith("secret:") && arnProblem(v) === undefined
                            ? undefined
                            : "a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)";
                    }),
                );
            }),
    ),
    rule(TASK, "cpu / memory", `${SRC.ecsRegister}: for Fargate both are required and must be one of the supported pairs (${fargateSizeList()})`, (inputs) => {
        const fargate = items(inputs.requiresCompatibilities).includes("FARGATE");
        if (!fargate) {
            return undefined;
        }
        if (absent(inputs.cpu) || absent(inputs.memory)) {
            return `cpu ${show(inputs.cpu)} and memory ${show(inputs.memory)}: both are required for FARGATE`;
        }
        const cpu = cpuUnits(inputs.cpu);
        const memory = memoryMiB(inputs.memory);
        const allowed = cpu === undefined ? undefined : FARGATE_SIZES.get(cpu);
        if (allowed === undefined) {
            return got({ cpu: inputs.cpu, memory: inputs.memory }, `cpu one of ${[...FARGATE_SIZES.keys()].join(", ")}`);
        }
        return memory !== undefined && allowed.includes(memory)
            ? undefined
            : got(
                  { cpu: inputs.cpu, memory: inputs.memory },
                  `memory (MiB) ${allowed[0]} to ${allowed[allowed.length - 1]} in Fargate's steps for ${cpu} CPU units (${allowed.join(", ")})`,
              );
    }),
    rule(TASK, "networkMode", `${SRC.ecsRegister}: for Amazon ECS tasks on Fargate, the awsvpc network mode is required`, (inputs) =>
        items(inputs.requiresCompatibilities).includes("FARGATE") && !absent(inputs.networkMode) && inputs.networkMode !== "awsvpc"
            ? got(inputs.networkMode, "awsvpc for FARGATE")
            : undefined,
    ),
    value(TASK, "networkMode", `${SRC.ecsTaskDefinition} (enum NetworkMode)`, oneOf(["bridge", "host", "awsvpc", "none"])),
    rule(TASK, "requiresCompatibilities", `${SRC.ecsTaskDefinition}: requires_compatibilities (enum Compatibility)`, (inputs) =>
        eachValue(
            items(inputs.requiresCompatibilities).map((v, i) => ({ where: `[${i}]`, value: v })),
            oneOf(["EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES"]),
        ),
    ),
    value(TASK, "runtimePlatform.cpuArchitecture", `${SRC.ecsTaskDefinition} (enum CPUArchitecture)`, oneOf(["X86_64", "ARM64"])),
    value(TASK, "executionRoleArn", SRC.validArn, validArn),
    value(TASK, "taskRoleArn", SRC.validArn, validArn),
    value(TASK, "ephemeralStorage.sizeInGib", `${SRC.ecsTaskDefinition}: ephemeral_storage.size_in_gib IntBetween(21, 200)`, intBetween(21, 200)),
    ...tagRules(TASK),
];

// ---------------------------------------------------------------------------------------------
// IAM

const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";

const IAM_NAME = /^[\w+=,.@-]*$/;
function iamName(max: number): (value: unknown) => string | undefined {
    return str((s) => (s.length >= 1 && s.length <= max && IAM_NAME.test(s) ? undefined : `1 to ${max} characters of [\\w+=,.@-]`));
}

const IAM_PATH = /^(\u002F|\u002F[\u0021-\u007E]+\u002F)$/;

function policyDocument(maxLength: number, what: string): (value: unknown) => string | undefined {
    return str((s) => {
        const problem = iamPolicyJsonProblem(s);
        if (problem !== undefined) {
            return problem;
        }
        const n = policyLength(s);
        return n <= maxLength ? undefined : `${what} of at most ${maxLength} characters (whitespace not counted), found ${n}`;
    });
}

const roleRules: ProviderRule[] = [
    ...pulumiRequired(ROLE, "iam/role", ["assumeRolePolicy"], "internal/service/iam/role.go"),
    value(ROLE, "name", `${SRC.iamValidate}: validResourceName(roleNameMaxLen = 64)`, iamName(64)),
    value(ROLE, "namePrefix", `${SRC.iamValidate}: validResourceName(roleNamePrefixMaxLen = 64 - 26)`, iamName(38)),
    value(
        ROLE,
        "description",
        `${SRC.iamRole}: description StringLenBetween(0, 1000), no “‘; ${SRC.iamCreateRole} Description pattern [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*`,
        str((s) => {
            if (chars(s) > 1000) {
                return "at most 1000 characters";
            }
            return IAM_DESCRIPTION.test(s)
                ? undefined
                : "only tab, newline, carriage return, printable ASCII and Latin-1 (U+00A1-U+00FF) characters: no curly quotes, dashes or other symbols above U+00FF";
        }),
    ),
    value(
        ROLE,
        "path",
        `${SRC.iamRole}: path StringLenBetween(0, 512); ${SRC.iamCreateRole} Path pattern (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)`,
        str((s) =>
            s.length >= 1 && s.length <= 512 && IAM_PATH.test(s)
                ? undefined
                : "/ or /segment(s)/ of printable ASCII without spaces, starting and ending with /, at most 512 characters",
        ),
    ),
    value(
        ROLE,
        "assumeRolePolicy",
        `${SRC.iamPolicyJson}; ${SRC.iamQuotas}: role trust policy length 2,048 characters (default quota)`,
        policyDocument(2048, "a trust policy"),
    ),
    rule(ROLE, "assumeRolePolicy", SRC.iamGrammar, (inputs) => policyGrammarProblems(inputs.assumeRolePolicy)),
    value(ROLE, "maxSessionDuration", `${SRC.iamRole}: max_session_duration IntBetween(3600, 43200)`, intBetween(3600, 43200)),
    value(ROLE, "permissionsBoundary", SRC.validArn, validArn),
    ...tagRules(ROLE),
];

const rolePolicyRules: ProviderRule[] = [
    ...pulumiRequired(ROLE_POLICY, "iam/rolePolicy", ["policy", "role"], "internal/service/iam/role_policy.go"),
    value(
        ROLE_POLICY,
        "policy",
        `${SRC.iamPolicyJson}; ${SRC.iamQuotas}: role inline policies 10,240 characters in total`,
        policyDocument(10240, "an inline role policy"),
    ),
    rule(ROLE_POLICY, "policy", SRC.iamGrammar, (inputs) => policyGrammarProblems(inputs.policy)),
    value(
        ROLE_POLICY,
        "role",
        `${SRC.iamValidate}: validRolePolicyRole (StringLenBetween(1, 128), [\\w+=,.@-]+, the role's name not its ARN)`,
        str((s) => {
            if (s.startsWith("arn:")) {
                return "the role's name, not its ARN";
            }
            return s.length >= 1 && s.length <= 128 && /^[\w+=,.@-]+$/.test(s) ? undefined : "1 to 128 characters of [\\w+=,.@-]";
        }),
    ),
    value(ROLE_POLICY, "name", `${SRC.iamValidate}: validRolePolicyName = validResourceName(128)`, iamName(128)),
    value(ROLE_POLICY, "namePrefix", `${SRC.iamRolePolicy}: name_prefix validResourceName(128 - 26)`, iamName(102)),
];

const attachmentRules: ProviderRule[] = [
    ...pulumiRequired(ATTACHMENT, "iam/rolePolicyAttachment", ["policyArn", "role"], "internal/service/iam/role_policy_attachment.go"),
    value(ATTACHMENT, "role", `${SRC.iamAttach} RoleName (1 to 64 of [\\w+=,.@-], the name not the ARN)`, iamName(64)),
    value(
        ATTACHMENT,
        "policyArn",
        `${SRC.iamAttach} PolicyArn (length 20 to 2048); ${SRC.validArn}`,
        str((s) => {
            if (s.length < 20 || s.length > 2048) {
                return "an ARN of 20 to 2048 characters";
            }
            return arnProblem(s);
        }),
    ),
];

// ---------------------------------------------------------------------------------------------
// EC2 security groups

const SG = "aws:ec2/securityGroup:SecurityGroup";
const SG_TEXT = /^[A-Za-z0-9 ._\-:/()#,@[\]+=&;{}!$*]*$/;
const SG_TEXT_ALLOWED = "a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*";

function sgRuleProblems(rules: unknown, where: string): string[] {
    const problems: string[] = [];
    items(rules).forEach((r, i) => {
        const at_ = `${where}[${i}]`;
        if (!isRecord(r)) {
            problems.push(`${at_} ${got(r, "an object")}`);
            return;
        }
        problems.push(...missingKeys(r, ["protocol", "fromPort", "toPort"], `${at_}`));
        const protocol = r.protocol;
        const all = protocol === "-1" || protocol === -1 || (typeof protocol === "string" && protocol.toLowerCase() === "all");
        if (all && ((integer(r.fromPort) ?? 0) !== 0 || (integer(r.toPort) ?? 0) !== 0)) {
            problems.push(`${at_} fromPort ${show(r.fromPort)} and toPort ${show(r.toPort)} must both be 0 with the "-1" (all) protocol`);
        }
        problems.push(
            ...eachValue(
                items(r.cidrBlocks).map((v, j) => ({ where: `${at_}.cidrBlocks[${j}]`, value: v })),
                str(isIPv4Cidr),
            ),
        );
        problems.push(
            ...eachValue(
                items(r.ipv6CidrBlocks).map((v, j) => ({ where: `${at_}.ipv6CidrBlocks[${j}]`, value: v })),
                str(isIPv6Cidr),
            ),
        );
    });
    return problems;
}

function sgDescriptionProblems(rules: unknown, where: string): string[] {
    return eachValue(
        records(rules).map((r, i) => ({ where: `${where}[${i}].description`, value: r.description })),
        str((s) => (chars(s) <= 255 && SG_TEXT.test(s) ? undefined : `at most 255 characters of ${SG_TEXT_ALLOWED}`)),
    );
}

const securityGroupRules: ProviderRule[] = [
    value(
        SG,
        "name",
        `${SRC.sg}: name StringLenBetween(0, 255), cannot begin with sg-; ${SRC.ec2CreateSg}`,
        str((s) => {
            if (s.startsWith("sg-")) {
                return "a name not beginning with sg-";
            }
            return chars(s) <= 255 && SG_TEXT.test(s) ? undefined : `at most 255 characters of ${SG_TEXT_ALLOWED}`;
        }),
    ),
    value(
        SG,
        "namePrefix",
        `${SRC.sg}: name_prefix StringLenBetween(0, 255 - 26), cannot begin with sg-; ${SRC.ec2CreateSg}`,
        str((s) => {
            if (s.startsWith("sg-")) {
                return "a prefix not beginning with sg-";
            }
            return chars(s) <= 229 && SG_TEXT.test(s) ? undefined : `at most 229 characters of ${SG_TEXT_ALLOWED}`;
        }),
    ),
    rule(SG, "name / namePrefix", `${SRC.sg}: ConflictsWith name, name_prefix`, (inputs) =>
        !absent(inputs.name) && !absent(inputs.namePrefix) ? "name and namePrefix are both set; give one" : undefined,
    ),
    value(
        SG,
        "description",
        `${SRC.sg}: description StringLenBetween(0, 255); ${SRC.ec2CreateSg} GroupDescription valid characters`,
        str((s) => (chars(s) <= 255 && SG_TEXT.test(s) ? undefined : `at most 255 characters of ${SG_TEXT_ALLOWED}`)),
    ),
    rule(SG, "ingress[].description", SRC.sgRuleDescription, (inputs) => sgDescriptionProblems(inputs.ingress, "ingress")),
    rule(SG, "egress[].description", SRC.sgRuleDescription, (inputs) => sgDescriptionProblems(inputs.egress, "egress")),
    rule(
        SG,
        "ingress[]",
        `${SRC.sg}: securityGroupRuleNestedBlock (protocol, from_port, to_port Required; cidr_blocks ValidIPv4CIDRNetworkAddress; ipv6_cidr_blocks ValidIPv6CIDRNetworkAddress) and expandIPPerms (ports 0 with protocol -1)`,
        (inputs) => sgRuleProblems(inputs.ingress, "ingress"),
    ),
    rule(
        SG,
        "egress[]",
        `${SRC.sg}: securityGroupRuleNestedBlock (protocol, from_port, to_port Required; cidr_blocks ValidIPv4CIDRNetworkAddress; ipv6_cidr_blocks ValidIPv6CIDRNetworkAddress) and expandIPPerms (ports 0 with protocol -1)`,
        (inputs) => sgRuleProblems(inputs.egress, "egress"),
    ),
    ...tagRules(SG),
];

// ---------------------------------------------------------------------------------------------
// Cloud Map, CloudWatch Logs

const NAMESPACE = "aws:servicediscovery/httpNamespace:HttpNamespace";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";

const namespaceRules: ProviderRule[] = [
    value(
        NAMESPACE,
        "name",
        `${SRC.cloudMap} (StringLenBetween(1, 1024), ^[0-9A-Za-z._-]+$); ${SRC.cloudMapApi} Name ^(?!arn:)[!-~]{1,1024}$`,
        str((s) =>
            s.length >= 1 && s.length <= 1024 && /^[0-9A-Za-z._-]+$/.test(s) && !s.startsWith("arn:") ? undefined : "1 to 1024 characters of [0-9A-Za-z._-]",
        ),
    ),
    value(
        NAMESPACE,
        "description",
        `${SRC.cloudMapApi} Description (maximum length 1024)`,
        str((s) => (chars(s) <= 1024 ? undefined : "at most 1024 characters")),
    ),
    ...tagRules(NAMESPACE),
];

const LOG_GROUP_NAME = /^[0-9A-Za-z_./#-]+$/;
const RETENTION_DAYS = [0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

const logGroupRules: ProviderRule[] = [
    value(
        LOG_GROUP,
        "name",
        `${SRC.logs}; ${SRC.logsApi} (1 to 512 characters, can't start with aws/)`,
        str((s) => {
            if (s.length < 1 || s.length > 512 || !LOG_GROUP_NAME.test(s)) {
                return "1 to 512 characters of [0-9A-Za-z_./#-]";
            }
            return s.startsWith("aws/") ? "a name not starting with aws/" : undefined;
        }),
    ),
    value(
        LOG_GROUP,
        "namePrefix",
        `${TF} internal/service/logs/validate.go: validLogGroupNamePrefix`,
        str((s) => (s.length <= 483 && LOG_GROUP_NAME.test(s) ? undefined : "1 to 483 characters of [0-9A-Za-z_./#-]")),
    ),
    value(LOG_GROUP, "retentionInDays", `${SRC.logsGroup}: retention_in_days IntInSlice`, (v) => {
        const n = integer(v);
        return n !== undefined && RETENTION_DAYS.includes(n) ? undefined : `one of ${RETENTION_DAYS.join(", ")} (0: never expire)`;
    }),
    ...tagRules(LOG_GROUP),
];

const SECRET = "aws:secretsmanager/secret:Secret";
const SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion";
const SECRET_NAME = /^[0-9A-Za-z/_+=.@-]+$/;

const secretRules: ProviderRule[] = [
    value(
        SECRET,
        "name",
        `${TF} internal/service/secretsmanager/validate.go: validSecretName (^[0-9A-Za-z/_+=.@-]+$, at most 512)`,
        str((s) => (s.length <= 512 && SECRET_NAME.test(s) ? undefined : "1 to 512 characters of [0-9A-Za-z/_+=.@-]")),
    ),
    value(
        SECRET,
        "namePrefix",
        `${TF} internal/service/secretsmanager/validate.go: validSecretNamePrefix (at most 512 - 26)`,
        str((s) => (s.length <= 486 && SECRET_NAME.test(s) ? undefined : "1 to 486 characters of [0-9A-Za-z/_+=.@-]")),
    ),
    rule(SECRET, "name", `${TF} internal/service/secretsmanager/secret.go: name ConflictsWith name_prefix`, (inputs) =>
        !absent(inputs.name) && !absent(inputs.namePrefix) ? "name and namePrefix are both set; at most one is allowed" : undefined,
    ),
    value(
        SECRET,
        "recoveryWindowInDays",
        `${TF} internal/service/secretsmanager/secret.go: recovery_window_in_days Any(IntBetween(7, 30), IntInSlice(0))`,
        (v) => {
            const n = integer(v);
            return n !== undefined && (n === 0 || (n >= 7 && n <= 30)) ? undefined : "0 (delete at once) or 7 to 30";
        },
    ),
    value(
        SECRET,
        "description",
        "AWS Secrets Manager API reference, CreateSecret: Description (maximum length 2048)",
        str((s) => (chars(s) <= 2048 ? undefined : "at most 2048 characters")),
    ),
    ...tagRules(SECRET),
];

const secretVersionRules: ProviderRule[] = [
    ...pulumiRequired(SECRET_VERSION, "secretsmanager/secretVersion", ["secretId"], "internal/service/secretsmanager/secret_version.go"),
    rule(
        SECRET_VERSION,
        "secretString",
        `${TF} internal/service/secretsmanager/secret_version.go: secret_string, secret_binary and secret_string_wo ConflictsWith one another`,
        (inputs) => {
            const set = ["secretString", "secretBinary", "secretStringWo"].filter((k) => !absent(inputs[k]));
            return set.length > 1 ? `${set.join(" and ")} are all set; at most one is allowed` : undefined;
        },
    ),
    value(
        SECRET_VERSION,
        "secretString",
        "AWS Secrets Manager API reference, PutSecretValue: SecretString (1 to 65536 bytes)",
        str((s) => (utf8Bytes(s) >= 1 && utf8Bytes(s) <= 65536 ? undefined : "1 to 65536 bytes")),
    ),
];

// ---------------------------------------------------------------------------------------------
// Provider and Azure AD

const PROVIDER = "pulumi:providers:aws";
const REDIRECTS = "azuread:index/applicationRedirectUris:ApplicationRedirectUris";

const providerRules: ProviderRule[] = [
    rule(PROVIDER, "defaultTags.tags", `${SRC.tags} (default tags are applied to every resource of the provider)`, (inputs) => {
        const defaults = jsonInput(inputs.defaultTags);
        if (absent(defaults)) {
            return undefined;
        }
        if (!isRecord(defaults)) {
            return got(inputs.defaultTags, "an object with tags");
        }
        return tagProblems(defaults.tags, "defaultTags.tags", 50);
    }),
];

const LOCAL_HOSTS = ["localhost", "127.0.0.1", "[::1]"];

/** Why the provider refuses `uri` (IsRedirectUriFunc(urnAllowed, allowAllSchemes)), or undefined. */
function providerRedirectUri(uri: string): string | undefined {
    if (uri === "") {
        return "a non-empty URI";
    }
    if (chars(uri) > 256) {
        return "a URI of at most 256 characters";
    }
    const parts = uri.split(":");
    if (parts.length >= 3 && parts[0] === "urn") {
        return undefined;
    }
    let url: URL;
    try {
        url = new URL(uri);
    } catch {
        return "an absolute URI";
    }
    return url.hostname === "" ? "a URI with a host" : undefined;
}

const redirectRules: ProviderRule[] = [
    ...["applicationId", "redirectUris", "type"].map((p) =>
        required(REDIRECTS, p, `@pulumi/azuread 6.x applicationRedirectUris required input (${SRC.azureRedirects}: Required)`),
    ),
    value(
        REDIRECTS,
        "applicationId",
        SRC.azureApplicationId,
        str((s) => (/^\/applications\/[^/]+$/.test(s) ? undefined : "an application resource ID, /applications/{object id}")),
    ),
    value(REDIRECTS, "type", `${SRC.azureRedirects}: type StringInSlice(possibleValuesForRedirectUriType)`, oneOf(["PublicClient", "SPA", "Web"])),
    rule(REDIRECTS, "redirectUris", `${SRC.azureUri}(true, true) (non-empty, parseable, with a host unless a URN, at most 256 characters)`, (inputs) =>
        eachValue(
            items(inputs.redirectUris).map((v, i) => ({ where: `[${i}]`, value: v })),
            str(providerRedirectUri),
        ),
    ),
    rule(REDIRECTS, "redirectUris", `${SRC.entraRedirects}: https only, except http for localhost; none of ! $ ' ( ) , ;`, (inputs) => {
        const type = inputs.type;
        return eachValue(
            items(inputs.redirectUris).map((v, i) => ({ where: `[${i}]`, value: v })),
            str((uri) => {
                const bad = /[!$'(),;]/.exec(uri);
                if (bad) {
                    return `no ${bad[0]} (none of ! $ ' ( ) , ; is supported)`;
                }
                if (type !== "SPA" && type !== "Web") {
                    return undefined;
                }
                if (uri.startsWith("urn:")) {
                    return undefined;
                }
                let url: URL;
                try {
                    url = new URL(uri);
                } catch {
                    return undefined;
                }
                if (url.protocol === "https:") {
                    return undefined;
                }
                return url.protocol === "http:" && LOCAL_HOSTS.includes(url.hostname)
                    ? undefined
                    : `an https URI (http only for localhost) for type ${String(type)}`;
            }),
        );
    }),
    rule(
        REDIRECTS,
        "redirectUris",
        `${SRC.entraRedirects}: at most 256 redirect URIs per application (100 when personal Microsoft accounts can sign in)`,
        (inputs) => {
            const n = new Set(items(inputs.redirectUris)).size;
            return n > 256 ? `has ${n} URIs, at most 256 are allowed` : undefined;
        },
    ),
];

// ---------------------------------------------------------------------------------------------

/** The signature `@pulumi/pulumi` marks a secret value with on the wire (`{<sig>: <secret>, value}`). */
const SECRET_SIG = ["4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"] as const;

/** `value` with every secret replaced by what it holds: the provider judges the value, not its wrapping. */
function revealed(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(revealed);
    }
    if (isRecord(value)) {
        if (value[SECRET_SIG[0]] === SECRET_SIG[1]) {
            return revealed(value.value);
        }
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revealed(v)]));
    }
    return value;
}

/** Every rule, keyed by Pulumi type token. */
export const PROVIDER_RULES: Readonly<Record<string, readonly ProviderRule[]>> = Object.freeze({
    [LB]: lbRules,
    [TG]: tgRules,
    [LISTENER]: listenerRules,
    [RULE]: listenerRuleRules,
    [CERT]: certificateRules,
    [CERT_VALIDATION]: certificateValidationRules,
    [RECORD]: recordRules,
    [BUCKET]: bucketRules,
    [OWNERSHIP]: ownershipRules,
    [SSE]: sseRules,
    [ACCESS_BLOCK]: accessBlockRules,
    [WEBSITE]: websiteRules,
    [BUCKET_POLICY]: bucketPolicyRules,
    [OBJECT]: objectRules,
    [LOGGING]: loggingRules,
    [LIFECYCLE]: lifecycleRules,
    [CLUSTER]: clusterRules,
    [CAPACITY]: capacityRules,
    [SERVICE]: [...serviceRules, ...(OPERATIONS_RULES[SERVICE] ?? [])],
    [TASK]: taskDefinitionRules,
    [ROLE]: roleRules,
    [ROLE_POLICY]: rolePolicyRules,
    [ATTACHMENT]: attachmentRules,
    [SG]: securityGroupRules,
    [NAMESPACE]: namespaceRules,
    [LOG_GROUP]: logGroupRules,
    [SECRET]: secretRules,
    [SECRET_VERSION]: secretVersionRules,
    [REDIRECTS]: redirectRules,
    [PROVIDER]: providerRules,
    ...Object.fromEntries(Object.entries(OPERATIONS_RULES).filter(([type]) => type !== SERVICE)),
});

/** Violations of `inputs` for a resource of `type`; each message names type, property, offending value, what is allowed, and the rule's source. */
export function providerViolations(type: string, inputs: Record<string, unknown>): string[] {
    const rules = PROVIDER_RULES[type] ?? [];
    const plain = revealed(inputs) as Record<string, unknown>;
    const out: string[] = [];
    for (const r of rules) {
        const message = r.check(plain);
        if (message !== undefined) {
            out.push(message);
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Across resources: what the provider checks against another resource the program made

/** A registered resource as the cross-resource rules read it. */
export interface Registered {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, unknown>;
}

/** A constraint between a resource of `type` and the others of the program, each naming its source. */
export interface CrossResourceRule {
    readonly type: string;
    readonly property: string;
    readonly source: string;
    check(resource: Registered, all: readonly Registered[]): string | undefined;
}

/** The family a service's `taskDefinition` names: `family`, `family:revision` or the task definition's ARN. */
function taskFamily(reference: unknown): string | undefined {
    if (typeof reference !== "string" || reference === "" || reference === UNKNOWN) {
        return undefined;
    }
    const resource = reference.startsWith("arn:") ? /:task-definition\/(.+)$/.exec(reference)?.[1] : reference;
    return resource?.replace(/:\d+$/, "");
}

/** The task definition of the program a service runs, when the program made it (by family; the last registered). */
function serviceTaskDefinition(service: Registered, all: readonly Registered[]): Record<string, unknown> | undefined {
    const family = taskFamily(revealed(service.inputs.taskDefinition));
    if (family === undefined) {
        return undefined;
    }
    const found = all.filter((r) => r.type === TASK && revealed(r.inputs.family) === family);
    return found.length === 0 ? undefined : (revealed(found[found.length - 1]!.inputs) as Record<string, unknown>);
}

export const CROSS_RESOURCE_RULES: readonly CrossResourceRule[] = [
    {
        type: SERVICE,
        property: "volumeConfiguration / taskDefinition volumes[].configureAtLaunch",
        source: SRC.ecsServiceVolumeName,
        check(resource, all) {
            const task = serviceTaskDefinition(resource, all);
            if (task === undefined) {
                return undefined;
            }
            const inputs = revealed(resource.inputs) as Inputs;
            const atLaunch = records(task.volumes)
                .filter((v) => v.configureAtLaunch === true)
                .map((v) => v.name);
            const config = volumeConfiguration(inputs);
            const family = show(task.family);
            if (config === undefined) {
                return atLaunch.length > 0
                    ? `no volumeConfiguration, but task definition ${family} has volume ${atLaunch.map(show).join(", ")} configured at launch: the service must configure it`
                    : undefined;
            }
            if (absent(config.name) || atLaunch.includes(config.name)) {
                return undefined;
            }
            return `volumeConfiguration.name ${got(
                config.name,
                atLaunch.length > 0
                    ? `the name of task definition ${family}'s volume configured at launch (${atLaunch.map(show).join(", ")})`
                    : `a volume configured at launch, but task definition ${family} has none`,
            )}`;
        },
    },
];

/**
 * Violations between the resources a program registered (each `<name>: <type> <property>: … [source: …]`):
 * the checks the provider makes against another resource, which no single resource's inputs show.
 */
export function crossResourceViolations(resources: readonly Registered[]): string[] {
    const out: string[] = [];
    for (const resource of resources) {
        for (const r of CROSS_RESOURCE_RULES) {
            if (r.type !== resource.type) {
                continue;
            }
            const problem = r.check(resource, resources);
            if (problem !== undefined) {
                out.push(`${resource.name}: ${r.type} ${r.property}: ${problem} [source: ${r.source}]`);
            }
        }
    }
    return out;
}
