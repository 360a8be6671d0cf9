/**
 * The provider rules on their own: for each rule tested, a valid input passes and a violating
 * one fails with a message naming the property and the rule's source.
 */
import { strict as assert } from "node:assert";
import { T } from "../harness/tokens";
import { CROSS_RESOURCE_RULES, crossResourceViolations, PROVIDER_RULES, providerViolations } from "../harness/providerRules";

type Inputs = Record<string, unknown>;

const ACCOUNT = "123456789012";
const REGION = "eu-central-1";
const arn = (service: string, resource: string): string => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;
const LISTENER_ARN = arn("elasticloadbalancing", "listener/app/alb/50dc6c495c0c9188/f2f7dc8efc522ab2");
const TG_ARN = arn("elasticloadbalancing", "targetgroup/web/c2b99168a4933caa");
const SECRET_ARN = arn("secretsmanager", "secret:vnv/dev/ghcr-pull-GhIjKl");

/** Inputs that pass every rule of their type, shaped as the mock monitor sees them. */
const valid: Record<keyof typeof T, Inputs> = {
    alb: {
        loadBalancerType: "application",
        internal: false,
        subnets: ["subnet-0a11b22c33d44e501", "subnet-0a11b22c33d44e502"],
        securityGroups: ["sg-0123456789abcdef0"],
        ipAddressType: "ipv4",
        enableDeletionProtection: false,
        dropInvalidHeaderFields: true,
        idleTimeout: 60,
        accessLogs: { bucket: "studio-app-dev-logs", prefix: "alb/environment", enabled: true },
    },
    targetGroup: {
        vpcId: "vpc-0a1b2c3d4e5f60718",
        targetType: "ip",
        protocol: "HTTP",
        port: 8080,
        deregistrationDelay: 30,
        healthCheck: { path: "/health", matcher: "200-399", interval: 15, healthyThreshold: 2, unhealthyThreshold: 3 },
        tags: { "vnv:service": "proxy-server" },
    },
    listener: {
        loadBalancerArn: arn("elasticloadbalancing", "loadbalancer/app/alb/c9a13e35a312f7b7"),
        port: 443,
        protocol: "HTTPS",
        sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
        certificateArn: arn("acm", "certificate/18883152-1888"),
        defaultActions: [
            { type: "fixed-response", fixedResponse: { statusCode: "404", contentType: "text/plain", messageBody: "No environment answers at this host.\n" } },
        ],
    },
    rule: {
        listenerArn: LISTENER_ARN,
        priority: 1,
        conditions: [{ hostHeader: { values: ["1-2-3-rc-1.step-studio.be"] } }, { pathPattern: { values: ["/events", "/events/*"] } }],
        actions: [{ type: "forward", targetGroupArn: TG_ARN }],
    },
    certificate: { domainName: "*.step-studio.be", validationMethod: "DNS" },
    validation: { certificateArn: arn("acm", "certificate/18883152-1888"), validationRecordFqdns: ["_7cbe53ca.step-studio.be"] },
    record: { zoneId: "Z04315321ABCDEFGHIJKL", name: "_7cbe53ca.step-studio.be.", type: "CNAME", records: ["_ae257161.acm-validations.aws."], ttl: 60 },
    bucket: { bucket: "studio-app-dev-v1-2-3-rc-1", forceDestroy: false },
    ownership: { bucket: "studio-app-dev-v1-2-3-rc-1", rule: { objectOwnership: "BucketOwnerEnforced" } },
    encryption: { bucket: "studio-app-dev-v1-2-3-rc-1", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }] },
    accessBlock: { bucket: "studio-app-dev-v1-2-3-rc-1", blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true },
    website: { bucket: "studio-app-dev-v1-2-3-rc-1", indexDocument: { suffix: "index.html" }, errorDocument: { key: "index.html" } },
    bucketPolicy: {
        bucket: "studio-app-dev-v1-2-3-rc-1",
        policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
                {
                    Effect: "Deny",
                    Principal: "*",
                    Action: "s3:*",
                    Resource: "arn:aws:s3:::studio-app-dev-v1-2-3-rc-1/*",
                    Condition: { Bool: { "aws:SecureTransport": "false" } },
                },
            ],
        }),
    },
    object: { bucket: "studio-app-dev-v1-2-3-rc-1", key: "release.json", content: "{}", contentType: "application/json", cacheControl: "no-cache" },
    logging: { bucket: "studio-app-prod-v1-2-3", targetBucket: "studio-app-prod-logs", targetPrefix: "s3/studio-app-prod-v1-2-3/" },
    lifecycle: { bucket: "studio-app-prod-logs", rules: [{ id: "expire-logs", status: "Enabled", filter: { prefix: "" }, expiration: { days: 365 } }] },
    cluster: { settings: [{ name: "containerInsights", value: "disabled" }] },
    capacity: {
        clusterName: "vnv-platform-cluster-9937276",
        capacityProviders: ["FARGATE", "FARGATE_SPOT"],
        defaultCapacityProviderStrategies: [{ capacityProvider: "FARGATE", weight: 1 }],
    },
    service: {
        cluster: arn("ecs", "cluster/vnv"),
        taskDefinition: arn("ecs", "task-definition/vnv-dev-redis:1"),
        desiredCount: 1,
        capacityProviderStrategies: [{ capacityProvider: "FARGATE_SPOT", weight: 1 }],
        networkConfiguration: { subnets: ["subnet-0f99e88d77c66b501"], securityGroups: ["sg-2a5cc5916cd38ec4a"], assignPublicIp: false },
        deploymentCircuitBreaker: { enable: true, rollback: true },
        deploymentMinimumHealthyPercent: 100,
        deploymentMaximumPercent: 200,
        healthCheckGracePeriodSeconds: 60,
        loadBalancers: [{ targetGroupArn: TG_ARN, containerName: "proxy-server", containerPort: 8080 }],
        serviceConnectConfiguration: {
            enabled: true,
            namespace: arn("servicediscovery", "namespace/ns-cff80b796e068843"),
            services: [{ portName: "redis", discoveryName: "redis", clientAlias: [{ port: 6379, dnsName: "redis" }] }],
        },
        propagateTags: "SERVICE",
        enableEcsManagedTags: true,
    },
    taskDefinition: {
        family: "vnv-dev-proxy-server",
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: "512",
        memory: "1024",
        executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/vnv-services-execution-1239f03`,
        taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/vnv-services-task-d18410c`,
        runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
        volumes: [{ name: "writable-0" }],
        containerDefinitions: JSON.stringify([
            {
                name: "proxy-server",
                image: "ghcr.io/infrasoftbe/infrasoft-vnv-proxy-server@sha256:eca5bce9683d5f8eebbdf9513f1e713e2ab624d0a6039991f3a4a6f48a6c313c",
                essential: true,
                readonlyRootFilesystem: true,
                mountPoints: [{ sourceVolume: "writable-0", containerPath: "/tmp", readOnly: false }],
                repositoryCredentials: { credentialsParameter: SECRET_ARN },
                portMappings: [{ containerPort: 8080, protocol: "tcp", name: "proxy-server", appProtocol: "http" }],
                secrets: [{ name: "NEO4J_AUTH", valueFrom: arn("secretsmanager", "secret:vnv/dev/neo4j-auth-AbCdEf") }],
            },
        ]),
    },
    role: {
        assumeRolePolicy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
        description: "ECS task execution for dev",
    },
    rolePolicy: {
        role: "vnv-services-execution-1239f03",
        policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [SECRET_ARN] }] }),
    },
    attachment: { role: "vnv-services-execution-1239f03", policyArn: "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy" },
    securityGroup: {
        vpcId: "vpc-0a1b2c3d4e5f60718",
        description: "Public load balancer: 80 and 443 from anywhere",
        ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"], description: "HTTPS" }],
        egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "registries, AWS APIs" }],
    },
    namespace: { name: "dev.vnv.internal", description: "Service Connect of dev" },
    logGroup: { name: "/vnv/dev/proxy-server", retentionInDays: 30 },
    secret: { name: "vnv/v1-2-3-rc-1/neo4j-credentials", description: "Credentials of the neo4j database of v1-2-3-rc-1", recoveryWindowInDays: 0 },
    secretVersion: {
        secretId: "arn:aws:secretsmanager:eu-central-1:123456789012:secret:vnv/v1-2-3-rc-1/neo4j-credentials-AbCdEf",
        secretString: '{"username":"neo4j","password":"p","auth":"neo4j/p"}',
    },
    alarm: {
        name: "vnv-prod-proxy-server-5xx",
        alarmDescription: "vnv prod v1.2.2, service proxy-server: more than 5% of requests answered 5xx",
        comparisonOperator: "GreaterThanThreshold",
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        treatMissingData: "notBreaching",
        threshold: 5,
        alarmActions: [arn("sns", "vnv-prod-alerts")],
        okActions: [arn("sns", "vnv-prod-alerts")],
        metricQueries: [
            {
                id: "errors",
                metric: {
                    metricName: "HTTPCode_Target_5XX_Count",
                    namespace: "AWS/ApplicationELB",
                    period: 60,
                    stat: "Sum",
                    dimensions: { LoadBalancer: "app/alb/c9a13e35a312f7b7" },
                },
                returnData: false,
            },
            {
                id: "requests",
                metric: {
                    metricName: "RequestCount",
                    namespace: "AWS/ApplicationELB",
                    period: 60,
                    stat: "Sum",
                    dimensions: { LoadBalancer: "app/alb/c9a13e35a312f7b7" },
                },
                returnData: false,
            },
            { id: "rate", expression: "IF(requests >= 10, 100 * FILL(errors, 0) / requests, 0)", label: "5xx", returnData: true },
        ],
    },
    scalingTarget: {
        serviceNamespace: "ecs",
        scalableDimension: "ecs:service:DesiredCount",
        resourceId: "service/vnv-prod-cluster-1a2b3c4/vnv-prod-proxy-server-5d6e7f8",
        minCapacity: 2,
        maxCapacity: 6,
    },
    scalingPolicy: {
        policyType: "TargetTrackingScaling",
        serviceNamespace: "ecs",
        scalableDimension: "ecs:service:DesiredCount",
        resourceId: "service/vnv-prod-cluster-1a2b3c4/vnv-prod-proxy-server-5d6e7f8",
        targetTrackingScalingPolicyConfiguration: {
            targetValue: 1000,
            predefinedMetricSpecification: {
                predefinedMetricType: "ALBRequestCountPerTarget",
                resourceLabel: "app/alb/c9a13e35a312f7b7/targetgroup/web/c2b99168a4933caa",
            },
            scaleOutCooldown: 60,
            scaleInCooldown: 300,
        },
    },
    topic: { name: "vnv-prod-alerts" },
    subscription: { topic: arn("sns", "vnv-prod-alerts"), protocol: "email", endpoint: "platform@step-studio.be" },
    slack: {
        configurationName: "vnv-prod-alerts-slack",
        iamRoleArn: `arn:aws:iam::${ACCOUNT}:role/vnv-alerts-chat-1a2b3c4`,
        slackTeamId: "T0123ABCD",
        slackChannelId: "C0123ABCD",
        snsTopicArns: [arn("sns", "vnv-prod-alerts")],
        loggingLevel: "ERROR",
    },
    teams: {
        configurationName: "vnv-prod-alerts-teams",
        iamRoleArn: `arn:aws:iam::${ACCOUNT}:role/vnv-alerts-chat-1a2b3c4`,
        teamId: "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d",
        channelId: "19:abc123@thread.tacv2",
        tenantId: "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
        snsTopicArns: [arn("sns", "vnv-prod-alerts")],
    },
    scheduledAction: {
        name: "vnv-dev-web-sleep",
        serviceNamespace: "ecs",
        scalableDimension: "ecs:service:DesiredCount",
        resourceId: "service/vnv-platform-cluster/vnv-dev-web",
        schedule: "cron(0 19 ? * MON,TUE,WED,THU,FRI *)",
        timezone: "Europe/Brussels",
        scalableTargetAction: { minCapacity: 0, maxCapacity: 0 },
    },
    linkedRole: {
        awsServiceName: "ecs.amazonaws.com",
        description: "Created by vnv (vnv/prod) on an account without it; kept when that stack is destroyed",
    },
    redirects: {
        applicationId: "/applications/3f2a9c1e-7b4d-4e8a-9c6f-1d2e3f4a5b6c",
        type: "SPA",
        redirectUris: ["https://vnv.step-studio.be/", "http://localhost:3000/"],
    },
    provider: { region: REGION, defaultTags: JSON.stringify({ tags: { "vnv:project": "vnv", "managed-by": "pulumi" } }) },
};

/** A database service on an EBS volume ECS makes for each task, as components/ecsServices.ts gives it. */
const EBS_VOLUME = {
    roleArn: `arn:aws:iam::${ACCOUNT}:role/vnv-services-volumes-1a2b3c4`,
    sizeInGb: 20,
    volumeType: "gp3",
    fileSystemType: "ext4",
    encrypted: true,
    tagSpecifications: [{ resourceType: "volume", propagateTags: "SERVICE" }],
};
const ebsService = (managedEbsVolume: Inputs = EBS_VOLUME, name = "data"): Inputs => ({
    ...valid.service,
    volumeConfiguration: { name, managedEbsVolume },
});

/** `base` with `changes` applied (`undefined` removes a property). */
function edit(base: Inputs, changes: Inputs): Inputs {
    const out: Inputs = { ...base, ...changes };
    for (const [k, v] of Object.entries(changes)) {
        if (v === undefined) {
            delete out[k];
        }
    }
    return out;
}

function container(changes: Record<string, unknown>): string {
    const [first] = JSON.parse(valid.taskDefinition.containerDefinitions as string) as Record<string, unknown>[];
    return JSON.stringify([{ ...first, ...changes }]);
}

function passes(kind: keyof typeof T, inputs: Inputs = valid[kind]): void {
    assert.deepEqual(providerViolations(T[kind], inputs), [], `${T[kind]} should pass`);
}

/** Exactly one violation, naming the type, the property, the source and `also` (the offending value or the limit). */
function fails(kind: keyof typeof T, inputs: Inputs, property: string, source: RegExp, also?: RegExp): string {
    const violations = providerViolations(T[kind], inputs);
    assert.equal(violations.length, 1, `expected one violation, got ${JSON.stringify(violations, null, 1)}`);
    const [message = ""] = violations;
    assert.ok(message.startsWith(`${T[kind]} ${property}: `), message);
    assert.match(message, source);
    assert.match(message, /\[source: .+\]$/);
    if (also) {
        assert.match(message, also);
    }
    return message;
}

describe("provider rules", () => {
    describe("coverage", () => {
        it("covers every resource type the project creates", () => {
            assert.deepEqual(Object.keys(PROVIDER_RULES).sort(), Object.values(T).sort());
        });

        it("names a source for every rule, and the valid fixture of every type passes all of them", () => {
            for (const [type, rules] of Object.entries(PROVIDER_RULES)) {
                assert.ok(rules.length > 0, type);
                for (const r of rules) {
                    assert.equal(r.type, type);
                    assert.ok(r.property.length > 0 && r.source.length > 10, `${type} ${r.property}`);
                }
            }
            for (const kind of Object.keys(T) as (keyof typeof T)[]) {
                passes(kind);
            }
        });

        it("has no rules, so no violations, for a type it does not know", () => {
            assert.deepEqual(providerViolations("aws:sqs/queue:Queue", { name: "!" }), []);
        });

        it("accepts absent optional values and values not known yet", () => {
            passes("targetGroup", edit(valid.targetGroup, { healthCheck: undefined, deregistrationDelay: null }));
            passes("rule", edit(valid.rule, { priority: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }));
        });
    });

    describe("EC2 security groups", () => {
        it("a rule description allows only a-zA-Z0-9 ._-:/()#,@[]+=&;{}!$*: an apostrophe in an ingress description is rejected", () => {
            const ingress = [{ protocol: "tcp", fromPort: 8080, toPort: 8080, self: true, description: "web from the environment's services" }];
            fails(
                "securityGroup",
                edit(valid.securityGroup, { ingress }),
                "ingress[].description",
                /validate\.go: validSecurityGroupRuleDescription/,
                /environment's services/,
            );
            passes("securityGroup", edit(valid.securityGroup, { ingress: [{ ...ingress[0], description: "web from the services of this environment" }] }));
        });

        it("an egress rule description is limited to 255 characters", () => {
            const egress = [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "x".repeat(256) }];
            fails("securityGroup", edit(valid.securityGroup, { egress }), "egress[].description", /validSecurityGroupRuleDescription/, /256 characters/);
        });

        it("the group description allows the same characters (an em dash is rejected)", () => {
            fails("securityGroup", edit(valid.securityGroup, { description: "Public load balancer — 80 and 443" }), "description", /CreateSecurityGroup/);
        });

        it("a group name cannot begin with sg-", () => {
            fails("securityGroup", edit(valid.securityGroup, { name: "sg-web" }), "name", /vpc_security_group\.go/, /"sg-web"/);
        });

        it('protocol "-1" needs fromPort and toPort 0', () => {
            const egress = [{ protocol: "-1", fromPort: 0, toPort: 65535, cidrBlocks: ["0.0.0.0/0"] }];
            fails("securityGroup", edit(valid.securityGroup, { egress }), "egress[]", /expandIPPerms/, /65535/);
        });

        it("a CIDR block must be the network address", () => {
            const ingress = [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["10.0.0.1/16"] }];
            fails("securityGroup", edit(valid.securityGroup, { ingress }), "ingress[]", /ValidIPv4CIDRNetworkAddress/, /10\.0\.0\.1\/16/);
        });
    });

    describe("ELBv2 listener rules", () => {
        for (const priority of [0, 50001]) {
            it(`priority must be 1..50000: ${priority} is rejected`, () => {
                fails("rule", edit(valid.rule, { priority }), "priority", /listener_rule\.go: validListenerRulePriority/, new RegExp(`got ${priority},`));
            });
        }

        it("priority 1 and 50000 are accepted", () => {
            passes("rule", edit(valid.rule, { priority: 1 }));
            passes("rule", edit(valid.rule, { priority: 50000 }));
        });

        it("at most 5 condition values per rule across its conditions: 6 are rejected", () => {
            const conditions = [{ hostHeader: { values: ["a.step-studio.be"] } }, { pathPattern: { values: ["/a", "/b", "/c", "/d", "/e"] } }];
            fails("rule", edit(valid.rule, { conditions }), "conditions", /Condition Values per Rule 5/, /found 6/);
            passes("rule", edit(valid.rule, { conditions: [conditions[0], { pathPattern: { values: ["/a", "/b", "/c", "/d"] } }] }));
        });

        it("a path-pattern value is at most 128 characters", () => {
            const conditions = [{ pathPattern: { values: [`/${"p".repeat(128)}`] } }];
            fails("rule", edit(valid.rule, { conditions }), "conditions[].hostHeader.values / pathPattern.values", /path_pattern\.values/, /129 characters/);
        });

        it("each condition sets exactly one field", () => {
            const conditions = [{ hostHeader: { values: ["a.step-studio.be"] }, pathPattern: { values: ["/a"] } }];
            fails("rule", edit(valid.rule, { conditions }), "conditions", /expandRuleConditions/, /found 2/);
        });

        it("listenerArn is required", () => {
            fails("rule", edit(valid.rule, { listenerArn: undefined }), "listenerArn", /required input/, /required but absent/);
        });

        it("a forward action needs a target group", () => {
            fails("rule", edit(valid.rule, { actions: [{ type: "forward" }] }), "actions", /listener_rule\.go: action/, /without targetGroupArn/);
        });
    });

    describe("ELBv2 listeners and load balancers", () => {
        it("an HTTPS listener needs a certificate", () => {
            fails("listener", edit(valid.listener, { certificateArn: undefined }), "certificateArn", /CreateListener Certificates/);
        });

        it("a redirect's status code is HTTP_301 or HTTP_302", () => {
            const defaultActions = [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "301" } }];
            fails(
                "listener",
                edit(valid.listener, { port: 80, protocol: "HTTP", certificateArn: undefined, defaultActions }),
                "defaultActions",
                /listener\.go: default_action/,
                /"301"/,
            );
        });

        it("the ALB idle timeout is 1..4000 seconds", () => {
            fails("alb", edit(valid.alb, { idleTimeout: 4001 }), "idleTimeout", /idle_timeout\.timeout_seconds, valid range 1-4000/, /4001/);
            passes("alb", edit(valid.alb, { idleTimeout: 4000 }));
        });

        it("a load balancer name is at most 32 of [0-9A-Za-z-] and does not begin with internal-", () => {
            fails("alb", edit(valid.alb, { name: "internal-web" }), "name", /elbv2\/validate\.go: validName/);
            fails("alb", edit(valid.alb, { name: "web_alb" }), "name", /validName/);
        });

        it("access logs name their bucket", () => {
            fails(
                "alb",
                edit(valid.alb, { accessLogs: { enabled: true, prefix: "alb/environment" } }),
                "accessLogs",
                /load_balancer\.go: access_logs/,
                /bucket is required/,
            );
        });

        it("a regional ALB needs subnets in two Availability Zones", () => {
            fails("alb", edit(valid.alb, { subnets: ["subnet-0a11b22c33d44e501"] }), "subnets", /CreateLoadBalancer Subnets/);
        });
    });

    describe("ELBv2 target groups", () => {
        const check = (healthCheck: Inputs): Inputs =>
            edit(valid.targetGroup, { healthCheck: { ...(valid.targetGroup.healthCheck as Inputs), ...healthCheck } });

        it("the health check interval is 5..300", () => {
            fails("targetGroup", check({ interval: 4 }), "healthCheck.interval", /target_group\.go: health_check\.interval IntBetween\(5, 300\)/);
            fails("targetGroup", check({ interval: 301 }), "healthCheck.interval", /IntBetween\(5, 300\)/);
        });

        it("the health check timeout is 2..120", () => {
            fails("targetGroup", check({ timeout: 121 }), "healthCheck.timeout", /IntBetween\(2, 120\)/);
        });

        it("the health check thresholds are 2..10", () => {
            fails("targetGroup", check({ healthyThreshold: 1 }), "healthCheck.healthyThreshold", /IntBetween\(2, 10\)/);
            fails("targetGroup", check({ unhealthyThreshold: 11 }), "healthCheck.unhealthyThreshold", /IntBetween\(2, 10\)/);
        });

        it("an ALB matcher is HTTP codes 200..499 (lists or ranges)", () => {
            fails("targetGroup", check({ matcher: "200-599" }), "healthCheck.matcher", /Matcher/, /"200-599"/);
            fails("targetGroup", check({ matcher: "2xx" }), "healthCheck.matcher", /Matcher/);
            passes("targetGroup", check({ matcher: "200,202,300-399" }));
        });

        it("the deregistration delay is 0..3600", () => {
            fails("targetGroup", edit(valid.targetGroup, { deregistrationDelay: 3601 }), "deregistrationDelay", /deregistration_delay/, /3601/);
        });

        it("the port is 1..65535", () => {
            fails("targetGroup", edit(valid.targetGroup, { port: 0 }), "port", /IntBetween\(1, 65535\)/);
        });
    });

    describe("ECS task definitions", () => {
        it("an invalid Fargate cpu/memory pair is rejected", () => {
            fails("taskDefinition", edit(valid.taskDefinition, { cpu: "256", memory: "4096" }), "cpu / memory", /RegisterTaskDefinition/, /512, 1024, 2048/);
            passes("taskDefinition", edit(valid.taskDefinition, { cpu: "1 vCPU", memory: "2 GB" }));
        });

        it("a mount point names a volume of the task definition", () => {
            const mountPoints = [{ sourceVolume: "scratch", containerPath: "/tmp", readOnly: false }];
            fails(
                "taskDefinition",
                edit(valid.taskDefinition, { containerDefinitions: container({ mountPoints }) }),
                "containerDefinitions[].mountPoints[]",
                /MountPoint/,
                /"scratch"/,
            );
        });

        it("a volume is named with up to 255 of [A-Za-z0-9_-] and has no host path on Fargate", () => {
            const volumes = [{ name: "writable-0" }, { name: "writable 0" }, { name: "data", hostPath: "/ecs/data" }];
            const message = fails("taskDefinition", edit(valid.taskDefinition, { volumes }), "volumes[]", /HostVolumeProperties/);
            assert.match(message, /\[1\].name got "writable 0"/);
            assert.match(message, /no host path on Fargate/);
        });

        it("a container waits for another container of the task, on START, COMPLETE, SUCCESS or HEALTHY", () => {
            const app = JSON.parse(valid.taskDefinition.containerDefinitions as string)[0];
            const loader = { name: "loader", image: app.image, essential: false };
            const defs = (dependsOn: unknown) => JSON.stringify([loader, { ...app, dependsOn }]);
            passes("taskDefinition", edit(valid.taskDefinition, { containerDefinitions: defs([{ containerName: "loader", condition: "SUCCESS" }]) }));
            fails(
                "taskDefinition",
                edit(valid.taskDefinition, { containerDefinitions: defs([{ containerName: "elsewhere", condition: "SUCCESS" }]) }),
                "containerDefinitions[].dependsOn[]",
                /ContainerDependency/,
                /"elsewhere"/,
            );
            fails(
                "taskDefinition",
                edit(valid.taskDefinition, { containerDefinitions: defs([{ containerName: "loader", condition: "DONE" }]) }),
                "containerDefinitions[].dependsOn[]",
                /"DONE"/,
            );
        });

        it("SUCCESS (or COMPLETE) cannot be waited for on an essential container, HEALTHY only on one with a health check", () => {
            const app = JSON.parse(valid.taskDefinition.containerDefinitions as string)[0];
            const defs = (condition: string) =>
                JSON.stringify([
                    { name: "loader", image: app.image },
                    { ...app, dependsOn: [{ containerName: "loader", condition }] },
                ]);
            fails("taskDefinition", edit(valid.taskDefinition, { containerDefinitions: defs("SUCCESS") }), "containerDefinitions[].dependsOn[]", /essential/);
            fails(
                "taskDefinition",
                edit(valid.taskDefinition, { containerDefinitions: defs("HEALTHY") }),
                "containerDefinitions[].dependsOn[]",
                /no health check/,
            );
        });

        it("a task has at least one essential container", () => {
            fails(
                "taskDefinition",
                edit(valid.taskDefinition, { containerDefinitions: container({ essential: false }) }),
                "containerDefinitions[].essential",
                /at least one essential container/,
            );
        });

        it("readonlyRootFilesystem is a boolean", () => {
            fails(
                "taskDefinition",
                edit(valid.taskDefinition, { containerDefinitions: container({ readonlyRootFilesystem: "true" }) }),
                "containerDefinitions[].readonlyRootFilesystem",
                /ContainerDefinition readonlyRootFilesystem/,
            );
        });

        it("Fargate needs task-level cpu and memory", () => {
            fails("taskDefinition", edit(valid.taskDefinition, { memory: undefined }), "cpu / memory", /RegisterTaskDefinition/, /both are required/);
        });

        it("a repositoryCredentials parameter that is not a Secrets Manager secret ARN is rejected", () => {
            const ssm = arn("ssm", "parameter/vnv/ghcr-pull");
            const message = fails(
                "taskDefinition",
                edit(valid.taskDefinition, { containerDefinitions: container({ repositoryCredentials: { credentialsParameter: ssm } }) }),
                "containerDefinitions[].repositoryCredentials.credentialsParameter",
                /RepositoryCredentials/,
            );
            assert.ok(message.includes(ssm), message);
        });

        it("the family is 1..255 of [A-Za-z0-9_-]", () => {
            fails("taskDefinition", edit(valid.taskDefinition, { family: "vnv.dev" }), "family", /task_definition\.go: family/, /"vnv\.dev"/);
        });

        it("a container name is up to 255 of [A-Za-z0-9_-]", () => {
            fails(
                "taskDefinition",
                edit(valid.taskDefinition, { containerDefinitions: container({ name: "proxy server" }) }),
                "containerDefinitions[].name",
                /ContainerDefinition/,
            );
        });

        it("a port mapping name is up to 64 of [a-z0-9_-], not starting with a hyphen", () => {
            fails(
                "taskDefinition",
                edit(valid.taskDefinition, { containerDefinitions: container({ portMappings: [{ containerPort: 8080, name: "Proxy" }] }) }),
                "containerDefinitions[].portMappings[].name",
                /PortMapping name/,
                /"Proxy"/,
            );
        });

        it("a secret's valueFrom is a Secrets Manager or SSM ARN", () => {
            const secrets = [{ name: "TOKEN", valueFrom: arn("s3", "bucket/token") }];
            fails(
                "taskDefinition",
                edit(valid.taskDefinition, { containerDefinitions: container({ secrets }) }),
                "containerDefinitions[].secrets[]",
                /ECS API reference, Secret/,
            );
            passes(
                "taskDefinition",
                edit(valid.taskDefinition, { containerDefinitions: container({ secrets: [{ name: "TOKEN", valueFrom: arn("ssm", "parameter/vnv/token") }] }) }),
            );
        });

        it("containerDefinitions must be a JSON array", () => {
            fails(
                "taskDefinition",
                edit(valid.taskDefinition, { containerDefinitions: "{not json" }),
                "containerDefinitions",
                /ValidTaskDefinitionContainerDefinitions/,
            );
        });

        it("at most one volume is configured at launch", () => {
            passes("taskDefinition", edit(valid.taskDefinition, { volumes: [{ name: "writable-0" }, { name: "data", configureAtLaunch: true }] }));
            const volumes = [
                { name: "writable-0", configureAtLaunch: true },
                { name: "data", configureAtLaunch: true },
            ];
            fails("taskDefinition", edit(valid.taskDefinition, { volumes }), "volumes[].configureAtLaunch", /Volume configuredAtLaunch/, /at most one/);
        });

        it("a volume configured at launch gives nothing else (one kind of volume each)", () => {
            passes("taskDefinition", edit(valid.taskDefinition, { volumes: [{ name: "writable-0" }, { name: "data", configureAtLaunch: false }] }));
            const efs = { fileSystemId: "fs-0123456789abcdef0" };
            fails(
                "taskDefinition",
                edit(valid.taskDefinition, { volumes: [{ name: "writable-0" }, { name: "data", configureAtLaunch: true, efsVolumeConfiguration: efs }] }),
                "volumes[]: one kind",
                /only specify a name and one of either configuredAtLaunch/,
                /configureAtLaunch, efsVolumeConfiguration/,
            );
        });

        it("ephemeral storage is 21..200 GiB", () => {
            passes("taskDefinition", edit(valid.taskDefinition, { ephemeralStorage: { sizeInGib: 21 } }));
            passes("taskDefinition", edit(valid.taskDefinition, { ephemeralStorage: { sizeInGib: 200 } }));
            fails("taskDefinition", edit(valid.taskDefinition, { ephemeralStorage: { sizeInGib: 20 } }), "ephemeralStorage.sizeInGib", /IntBetween\(21, 200\)/);
            fails(
                "taskDefinition",
                edit(valid.taskDefinition, { ephemeralStorage: { sizeInGib: 201 } }),
                "ephemeralStorage.sizeInGib",
                /IntBetween\(21, 200\)/,
            );
        });
    });

    describe("ECS services and clusters", () => {
        it("healthCheckGracePeriodSeconds is 0..2147483647", () => {
            fails("service", edit(valid.service, { healthCheckGracePeriodSeconds: -1 }), "healthCheckGracePeriodSeconds", /math\.MaxInt32/);
            fails("service", edit(valid.service, { healthCheckGracePeriodSeconds: 2147483648 }), "healthCheckGracePeriodSeconds", /math\.MaxInt32/);
        });

        it("a Service Connect discoveryName is up to 64 of [a-z0-9_-], not starting with a hyphen", () => {
            const serviceConnectConfiguration = { enabled: true, services: [{ portName: "redis", discoveryName: "-Redis" }] };
            fails("service", edit(valid.service, { serviceConnectConfiguration }), "serviceConnectConfiguration", /ServiceConnectService/, /"-Redis"/);
        });

        it("a Service Connect service has at most one client alias, whose dnsName may not start with a hyphen", () => {
            const services = [
                {
                    portName: "redis",
                    clientAlias: [
                        { port: 6379, dnsName: "redis" },
                        { port: 6380, dnsName: "-cache" },
                    ],
                },
            ];
            const message = fails(
                "service",
                edit(valid.service, { serviceConnectConfiguration: { enabled: true, services } }),
                "serviceConnectConfiguration",
                /ServiceConnectClientAlias/,
            );
            assert.match(message, /at most 1 client alias/);
            assert.match(message, /"-cache"/);
        });

        it("a capacity provider strategy's weight is 0..1000", () => {
            fails(
                "service",
                edit(valid.service, { capacityProviderStrategies: [{ capacityProvider: "FARGATE", weight: 1001 }] }),
                "capacityProviderStrategies",
                /capacity_provider_strategy/,
                /1001/,
            );
        });

        it("launchType and a capacity provider strategy exclude each other", () => {
            fails("service", edit(valid.service, { launchType: "FARGATE" }), "launchType / capacityProviderStrategies", /CreateService launchType/);
        });

        it("a cluster setting value is enhanced, enabled or disabled", () => {
            fails("cluster", edit(valid.cluster, { settings: [{ name: "containerInsights", value: "on" }] }), "settings", /ClusterSetting/, /"on"/);
        });

        it("the capacity providers' cluster is a name, not an ARN", () => {
            fails("capacity", edit(valid.capacity, { clusterName: arn("ecs", "cluster/vnv") }), "clusterName", /validateClusterName/);
        });

        it("a volume configuration is one, names its volume, and its one managed EBS volume has a role ARN, a known file system, throughput 0..1000 and volume tag specifications", () => {
            passes("service", ebsService());
            const message = fails(
                "service",
                edit(valid.service, {
                    volumeConfiguration: {
                        managedEbsVolume: {
                            ...EBS_VOLUME,
                            roleArn: "vnv-services-volumes",
                            fileSystemType: "btrfs",
                            throughput: 1001,
                            tagSpecifications: [{ resourceType: "snapshot", propagateTags: "TASK" }, { propagateTags: "SERVICE" }],
                        },
                    },
                }),
                "volumeConfiguration",
                /service\.go: volume_configuration/,
            );
            assert.match(message, /\.name is required but absent/);
            assert.match(message, /roleArn got "vnv-services-volumes"/);
            assert.match(message, /fileSystemType got "btrfs", expected one of ext3, ext4, ntfs, xfs/);
            assert.match(message, /throughput got 1001/);
            assert.match(message, /tagSpecifications\[0\]\.resourceType got "snapshot"/);
            assert.match(message, /tagSpecifications\[0\]\.propagateTags got "TASK"/);
            assert.match(message, /tagSpecifications\[1\]\.resourceType is required but absent/);
            fails(
                "service",
                edit(valid.service, { volumeConfiguration: { name: "data" } }),
                "volumeConfiguration",
                /managed_ebs_volume Required/,
                /managedEbsVolume is required/,
            );
            fails(
                "service",
                edit(valid.service, { volumeConfiguration: [ebsService().volumeConfiguration, ebsService().volumeConfiguration] }),
                "volumeConfiguration",
                /MaxItems 1/,
                /at most one volume configuration/,
            );
        });

        it("a managed EBS volume gives a size or a snapshot, the size within its volume type's range", () => {
            passes("service", ebsService({ roleArn: EBS_VOLUME.roleArn, snapshotId: "snap-0123456789abcdef0" }));
            passes("service", ebsService({ ...EBS_VOLUME, volumeType: "st1", sizeInGb: 125 }));
            const ebs = "volumeConfiguration.managedEbsVolume";
            fails(
                "service",
                ebsService({ ...EBS_VOLUME, sizeInGb: undefined }),
                ebs,
                /ServiceManagedEBSVolumeConfiguration/,
                /neither sizeInGb nor snapshotId/,
            );
            fails(
                "service",
                ebsService({ ...EBS_VOLUME, sizeInGb: 0 }),
                ebs,
                /gp2 and gp3 1-16,384/,
                /sizeInGb got 0, expected an integer from 1 to 16384 for gp3/,
            );
            fails("service", ebsService({ ...EBS_VOLUME, volumeType: "st1", sizeInGb: 124 }), ebs, /st1 and sc1 125-16,384/, /from 125 to 16384 for st1/);
            fails("service", ebsService({ ...EBS_VOLUME, volumeType: "io2", sizeInGb: 3, iops: 3000 }), ebs, /io1 and io2 4-16,384/, /from 4 to 16384 for io2/);
            fails("service", ebsService({ ...EBS_VOLUME, volumeType: "gp4" }), ebs, /volumeType gp2, gp3/, /"gp4"/);
        });

        it("IOPS fit the volume type (required for io1 and io2, none for st1), throughput is gp3's, an initialization rate needs a snapshot, and no magnetic volume on Fargate", () => {
            const ebs = "volumeConfiguration.managedEbsVolume";
            passes("service", ebsService({ ...EBS_VOLUME, iops: 3000, throughput: 125 }));
            passes("service", ebsService({ roleArn: EBS_VOLUME.roleArn, snapshotId: "snap-0123456789abcdef0", volumeInitializationRate: 100 }));
            fails(
                "service",
                ebsService({ ...EBS_VOLUME, iops: 2999 }),
                ebs,
                /gp3 3,000-16,000/,
                /iops got 2999, expected an integer from 3000 to 16000 for gp3/,
            );
            fails("service", ebsService({ ...EBS_VOLUME, volumeType: "io1" }), ebs, /required for io1 and io2/, /iops is required for io1/);
            fails("service", ebsService({ ...EBS_VOLUME, volumeType: "st1", sizeInGb: 125, iops: 500 }), ebs, /not supported for st1/, /no iops for st1/);
            fails("service", ebsService({ ...EBS_VOLUME, volumeType: "gp2", throughput: 125 }), ebs, /throughput only supported for gp3/, /gp3 only/);
            fails(
                "service",
                ebsService({ ...EBS_VOLUME, volumeInitializationRate: 100 }),
                ebs,
                /only if you specify a snapshotId/,
                /volumeInitializationRate got 100/,
            );
            fails("service", ebsService({ ...EBS_VOLUME, volumeType: "standard" }), ebs, /not supported on Fargate/, /not standard \(magnetic\) on Fargate/);
            passes("service", edit(ebsService({ ...EBS_VOLUME, volumeType: "standard" }), { capacityProviderStrategies: undefined, launchType: "EC2" }));
        });

        it("a managed EBS volume's tags leave AmazonECSCreated and AmazonECSManaged to ECS", () => {
            passes("service", ebsService({ ...EBS_VOLUME, tagSpecifications: [{ resourceType: "volume", tags: { "vnv:environment": "dev" } }] }));
            fails(
                "service",
                ebsService({ ...EBS_VOLUME, tagSpecifications: [{ resourceType: "volume", tags: { AmazonECSManaged: "true" } }] }),
                "volumeConfiguration.managedEbsVolume.tagSpecifications[].tags",
                /EBSTagSpecification/,
                /"AmazonECSManaged"/,
            );
        });
    });

    describe("across resources", () => {
        const task = (volumes: Inputs[]): Inputs => ({ ...valid.taskDefinition, family: "vnv-dev-neo4j", volumes });
        const service = (inputs: Inputs): Inputs => ({ ...inputs, taskDefinition: arn("ecs", "task-definition/vnv-dev-neo4j:1") });
        const program = (td: Inputs, svc: Inputs) => [
            { type: T.taskDefinition, name: "services-neo4j", inputs: td },
            { type: T.service, name: "services-neo4j", inputs: svc },
        ];

        it("names a source for every rule", () => {
            for (const r of CROSS_RESOURCE_RULES) {
                assert.ok(r.property.length > 0 && r.source.length > 10, `${r.type} ${r.property}`);
            }
        });

        it("a service's volume configuration names its task definition's volume configured at launch", () => {
            const td = task([{ name: "writable-0" }, { name: "data", configureAtLaunch: true }]);
            assert.deepEqual(crossResourceViolations(program(td, service(ebsService()))), []);
            // By family, family:revision or ARN.
            assert.deepEqual(crossResourceViolations(program(td, { ...ebsService(), taskDefinition: "vnv-dev-neo4j" })), []);
            const one = (violations: string[], expected: RegExp) => {
                assert.equal(violations.length, 1, JSON.stringify(violations));
                assert.ok(
                    violations[0]!.startsWith(`services-neo4j: ${T.service} volumeConfiguration / taskDefinition volumes[].configureAtLaunch: `),
                    violations[0],
                );
                assert.match(violations[0]!, expected);
                assert.match(violations[0]!, /\[source: .*the name of the volume must match the name from the task definition/);
            };
            one(
                crossResourceViolations(program(td, service(ebsService(EBS_VOLUME, "writable-0")))),
                /volumeConfiguration\.name got "writable-0", expected the name of task definition "vnv-dev-neo4j"'s volume configured at launch \("data"\)/,
            );
            one(
                crossResourceViolations(program(task([{ name: "data" }]), service(ebsService()))),
                /got "data", expected a volume configured at launch, but task definition "vnv-dev-neo4j" has none/,
            );
        });

        it("a service whose task definition has a volume configured at launch configures it", () => {
            const td = task([{ name: "data", configureAtLaunch: true }]);
            const violations = crossResourceViolations(program(td, service(valid.service)));
            assert.equal(violations.length, 1, JSON.stringify(violations));
            assert.match(violations[0]!, /no volumeConfiguration, but task definition "vnv-dev-neo4j" has volume "data" configured at launch/);
            assert.match(violations[0]!, /\[source: .*specify a volumeConfigurations object when calling CreateService/);
            // A task definition the program did not make (or made for RunTask alone) is not judged.
            assert.deepEqual(crossResourceViolations([{ type: T.service, name: "web", inputs: service(valid.service) }]), []);
            assert.deepEqual(crossResourceViolations([{ type: T.taskDefinition, name: "snapshot", inputs: td }]), []);
        });
    });

    describe("IAM", () => {
        it("a role description is at most 1000 characters of tab, newline, printable ASCII and Latin-1", () => {
            fails("role", edit(valid.role, { description: "Application role – dev" }), "description", /role\.go: description/);
            fails("role", edit(valid.role, { description: "x".repeat(1001) }), "description", /StringLenBetween\(0, 1000\)/);
        });

        it("a role name is 1..64 of [\\w+=,.@-] and a name prefix at most 38", () => {
            fails("role", edit(valid.role, { name: "vnv services" }), "name", /validResourceName\(roleNameMaxLen = 64\)/);
            fails("role", edit(valid.role, { namePrefix: "p".repeat(39) }), "namePrefix", /roleNamePrefixMaxLen/);
        });

        it("a role path starts and ends with /", () => {
            fails("role", edit(valid.role, { path: "/vnv" }), "path", /CreateRole Path/, /"\/vnv"/);
            passes("role", edit(valid.role, { path: "/vnv/" }));
        });

        it("a trust policy is at most 2048 characters (whitespace not counted)", () => {
            const statement = { Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole", Sid: "x".repeat(2000) };
            fails(
                "role",
                edit(valid.role, { assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [statement] }) }),
                "assumeRolePolicy",
                /role trust policy length 2,048/,
            );
        });

        it("a trust policy is a JSON object without leading whitespace", () => {
            fails("role", edit(valid.role, { assumeRolePolicy: ` ${valid.role.assumeRolePolicy as string}` }), "assumeRolePolicy", /ValidIAMPolicyJSON/);
        });

        it("a policy statement's Effect is Allow or Deny (case sensitive)", () => {
            const policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "allow", Action: "s3:GetObject", Resource: "*" }] });
            fails("rolePolicy", edit(valid.rolePolicy, { policy }), "policy", /IAM JSON policy elements/, /Statement\[0\]\.Effect got "allow"/);
            fails("bucketPolicy", edit(valid.bucketPolicy, { policy }), "policy", /IAM JSON policy elements/);
        });

        it("an inline role policy is at most 10240 characters", () => {
            const policy = JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Effect: "Allow",
                        Action: "s3:GetObject",
                        Resource: Array.from({ length: 300 }, (_, i) => `arn:aws:s3:::studio-app-dev-v1-2-3-rc-${i}/*`),
                    },
                ],
            });
            fails("rolePolicy", edit(valid.rolePolicy, { policy }), "policy", /10,240 characters/);
        });

        it("an inline policy's role is the role's name, not its ARN", () => {
            fails("rolePolicy", edit(valid.rolePolicy, { role: `arn:aws:iam::${ACCOUNT}:role/vnv` }), "role", /validRolePolicyRole/);
        });

        it("a policy attachment's policyArn is an ARN", () => {
            fails("attachment", edit(valid.attachment, { policyArn: "AmazonECSTaskExecutionRolePolicy" }), "policyArn", /AttachRolePolicy PolicyArn/);
        });
    });

    describe("tags", () => {
        it("a tag value of 257 characters is rejected (256 is accepted)", () => {
            fails("targetGroup", edit(valid.targetGroup, { tags: { "vnv:service": "v".repeat(257) } }), "tags", /tag restrictions/, /257 characters/);
            passes("targetGroup", edit(valid.targetGroup, { tags: { "vnv:service": "v".repeat(256) } }));
        });

        it("a tag key of 129 characters is rejected", () => {
            fails("bucket", edit(valid.bucket, { tags: { ["k".repeat(129)]: "v" } }), "tags", /tag restrictions/, /at most 128 characters/);
        });

        it("the aws: prefix is reserved for tag keys", () => {
            fails("role", edit(valid.role, { tags: { "AWS:owner": "ana" } }), "tags", /aws: prefix reserved/, /"AWS:owner"/);
        });

        it("at most 50 tags per resource", () => {
            const tags = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"]));
            fails("logGroup", edit(valid.logGroup, { tags }), "tags", /≤50 tags/, /51 tags/);
        });

        it("the provider's default tags follow the same limits (a 257-character value is rejected)", () => {
            const defaultTags = JSON.stringify({ tags: { "vnv:version": "v".repeat(257) } });
            fails("provider", edit(valid.provider, { defaultTags }), "defaultTags.tags", /tag restrictions/, /defaultTags\.tags\["vnv:version"\]/);
        });

        it("an S3 object carries at most 10 tags", () => {
            const tags = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, "v"]));
            fails("object", edit(valid.object, { tags }), "tags", /≤10 tags per object/, /11 tags/);
        });
    });

    describe("S3", () => {
        for (const [name, why] of [
            ["Studio-App-Dev", /no uppercase letters/],
            ["studio..app", /no two adjacent periods/],
            ["192.168.5.4", /IP address/],
            ["xn--studio", /xn--/],
            ["studio-s3alias", /-s3alias/],
            ["ab", /3 to 63 characters/],
            ["-studio", /beginning and ending with a letter or digit/],
        ] as const) {
            it(`a bucket name breaking the naming rules is rejected: ${name}`, () => {
                fails("bucket", edit(valid.bucket, { bucket: name }), "bucket", /bucket\.go: validBucketName.*General purpose bucket naming rules/, why);
            });
        }

        it("a bucket prefix is at most 37 characters", () => {
            fails("bucket", edit(valid.bucket, { bucket: undefined, bucketPrefix: "p".repeat(38) }), "bucketPrefix", /63 - 26/);
        });

        it("a bucket policy is at most 20 KB", () => {
            const policy = JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Sid: "x".repeat(20 * 1024), Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*" }],
            });
            fails("bucketPolicy", edit(valid.bucketPolicy, { policy }), "policy", /limited to 20 KB/);
        });

        it("an object key is at most 1024 bytes of UTF-8", () => {
            fails("object", edit(valid.object, { key: "é".repeat(513) }), "key", /1,024 bytes/, /1026/);
            passes("object", edit(valid.object, { key: "é".repeat(512) }));
        });

        it("cacheControl is a string", () => {
            fails("object", edit(valid.object, { cacheControl: 60 }), "cacheControl", /cache_control/);
        });

        it("the public access block settings are booleans", () => {
            fails("accessBlock", edit(valid.accessBlock, { blockPublicPolicy: "true" }), "blockPublicPolicy", /TypeBool/);
        });

        it("an index document suffix is not empty and has no slash", () => {
            fails("website", edit(valid.website, { indexDocument: { suffix: "docs/index.html" } }), "indexDocument.suffix", /IndexDocument Suffix/);
        });

        it("object ownership is BucketOwnerPreferred, ObjectWriter or BucketOwnerEnforced", () => {
            fails("ownership", edit(valid.ownership, { rule: { objectOwnership: "BucketOwner" } }), "rule.objectOwnership", /ObjectOwnership/);
        });

        it("the default encryption algorithm is a known one", () => {
            fails(
                "encryption",
                edit(valid.encryption, { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aes256" } }] }),
                "rules[].applyServerSideEncryptionByDefault.sseAlgorithm",
                /ServerSideEncryption/,
            );
        });

        it("server access logging needs a target bucket and prefix", () => {
            fails("logging", edit(valid.logging, { targetPrefix: undefined }), "targetPrefix", /bucket_logging\.go: target_prefix Required/);
        });

        it("a lifecycle configuration has at least one rule", () => {
            fails("lifecycle", edit(valid.lifecycle, { rules: [] }), "rules", /SizeAtLeast\(1\)/);
        });

        it("a lifecycle rule's status is Enabled or Disabled, and it expires objects after a positive number of days", () => {
            const rules = [{ id: "expire-logs", status: "enabled", filter: { prefix: "" }, expiration: { days: 0 } }];
            const message = fails("lifecycle", edit(valid.lifecycle, { rules }), "rules[]", /LifecycleExpiration/);
            assert.match(message, /"enabled", expected one of Enabled, Disabled/);
            assert.match(message, /days got 0/);
        });
    });

    describe("DNS and certificates", () => {
        it("a record has either records or an alias, not both", () => {
            const aliases = [{ name: "alb.eu-central-1.elb.amazonaws.com", zoneId: "Z215JYRZR1TBD5", evaluateTargetHealth: true }];
            const violations = providerViolations(T.record, edit(valid.record, { aliases }));
            assert.ok(
                violations.some((v) => v.startsWith(`${T.record} aliases / records: `) && /ExactlyOneOf alias, records/.test(v)),
                violations.join("\n"),
            );
        });

        it("a record with records needs a ttl", () => {
            fails("record", edit(valid.record, { ttl: undefined }), "ttl", /TTL/, /needs a ttl/);
        });

        it("a record type is one of Route 53's", () => {
            fails("record", edit(valid.record, { type: "ALIAS" }), "type", /RRType/, /"ALIAS"/);
        });

        it("a certificate's wildcard is only the whole first label", () => {
            fails("certificate", edit(valid.certificate, { domainName: "a.*.step-studio.be" }), "domainName", /RequestCertificate/);
            fails("certificate", edit(valid.certificate, { domainName: "*vnv.step-studio.be" }), "domainName", /RequestCertificate/);
        });

        it("a certificate's domain name is at most 253 characters and does not end with a period", () => {
            fails("certificate", edit(valid.certificate, { domainName: "step-studio.be." }), "domainName", /cannot end with a period/);
            const long = `${Array.from({ length: 5 }, () => "a".repeat(60)).join(".")}.be`;
            fails("certificate", edit(valid.certificate, { domainName: long }), "domainName", /1–253/);
        });

        it("a certificate has at most 10 domain names (default quota)", () => {
            const subjectAlternativeNames = Array.from({ length: 10 }, (_, i) => `h${i}.step-studio.be`);
            fails(
                "certificate",
                edit(valid.certificate, { subjectAlternativeNames }),
                "domainName + subjectAlternativeNames",
                /domain names per ACM certificate/,
                /found 11/,
            );
        });

        it("a certificate validation needs the certificate ARN", () => {
            fails("validation", edit(valid.validation, { certificateArn: undefined }), "certificateArn", /certificate_validation\.go/);
        });
    });

    describe("Cloud Map and CloudWatch Logs", () => {
        it("an HTTP namespace name is [0-9A-Za-z._-]", () => {
            fails("namespace", edit(valid.namespace, { name: "dev/vnv" }), "name", /validNamespaceName/);
        });

        it("a log group name is 1..512 of [0-9A-Za-z_./#-], not starting with aws/", () => {
            fails("logGroup", edit(valid.logGroup, { name: "aws/vnv" }), "name", /CreateLogGroup/, /aws\//);
            fails("logGroup", edit(valid.logGroup, { name: "/vnv/dev/proxy server" }), "name", /validLogGroupName/);
        });

        it("log retention is one of CloudWatch's values", () => {
            fails("logGroup", edit(valid.logGroup, { retentionInDays: 2 }), "retentionInDays", /retention_in_days IntInSlice/, /got 2,/);
        });
    });

    describe("container health checks", () => {
        const withCheck = (healthCheck: unknown) =>
            edit(valid.taskDefinition, {
                containerDefinitions: JSON.stringify([{ ...JSON.parse(valid.taskDefinition.containerDefinitions as string)[0], healthCheck }]),
            });

        it("a health check runs CMD or CMD-SHELL, within ECS's interval, timeout (at most 60 s), retries and start period", () => {
            passes("taskDefinition", withCheck({ command: ["CMD-SHELL", "true"], interval: 10, timeout: 10, retries: 6, startPeriod: 120 }));
            fails("taskDefinition", withCheck({ command: ["true"] }), "containerDefinitions[].healthCheck", /ECS API reference, HealthCheck/, /CMD-SHELL/);
            fails(
                "taskDefinition",
                withCheck({ command: ["CMD-SHELL", "true"], startPeriod: 301 }),
                "containerDefinitions[].healthCheck",
                /HealthCheck/,
                /0 to 300/,
            );
        });
    });

    describe("Secrets Manager", () => {
        it("a secret name is at most 512 of [0-9A-Za-z/_+=.@-]", () => {
            fails("secret", edit(valid.secret, { name: "vnv/v1 2 3/neo4j" }), "name", /validSecretName/);
            fails("secret", edit(valid.secret, { name: "a".repeat(513) }), "name", /validSecretName/);
        });

        it("a secret's recovery window is 0 or 7 to 30 days", () => {
            fails("secret", edit(valid.secret, { recoveryWindowInDays: 3 }), "recoveryWindowInDays", /IntBetween\(7, 30\)/, /got 3,/);
            passes("secret", edit(valid.secret, { recoveryWindowInDays: 7 }));
        });

        it("a secret takes a name or a name prefix, not both", () => {
            fails("secret", edit(valid.secret, { namePrefix: "vnv/" }), "name", /ConflictsWith/);
        });

        it("a secret version needs its secret and holds one kind of value", () => {
            fails("secretVersion", edit(valid.secretVersion, { secretId: undefined }), "secretId", /secret_version\.go/);
            fails("secretVersion", edit(valid.secretVersion, { secretBinary: "YQ==" }), "secretString", /ConflictsWith/);
        });

        it("a secret's value is judged as what it holds, not as its secret wrapping", () => {
            const wrapped = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "" };
            fails("secretVersion", edit(valid.secretVersion, { secretString: wrapped }), "secretString", /PutSecretValue/, /got "",/);
        });
    });

    describe("Azure AD redirect URIs", () => {
        it("the type is SPA, Web or PublicClient", () => {
            fails("redirects", edit(valid.redirects, { type: "Native" }), "type", /possibleValuesForRedirectUriType/);
        });

        it("an SPA or Web URI is https, except http for localhost", () => {
            fails("redirects", edit(valid.redirects, { redirectUris: ["http://vnv.step-studio.be/"] }), "redirectUris", /Redirect URI \(reply URL\)/, /https/);
            passes("redirects", edit(valid.redirects, { type: "PublicClient", redirectUris: ["myapp://auth"] }));
        });

        it("a URI is at most 256 characters", () => {
            fails(
                "redirects",
                edit(valid.redirects, { redirectUris: [`https://vnv.step-studio.be/${"p".repeat(230)}`] }),
                "redirectUris",
                /IsRedirectUriFunc/,
                /256 characters/,
            );
        });

        it("an application has at most 256 redirect URIs", () => {
            const redirectUris = Array.from({ length: 257 }, (_, i) => `https://h${i}.step-studio.be/`);
            fails("redirects", edit(valid.redirects, { redirectUris }), "redirectUris", /at most 256 redirect URIs/, /257 URIs/);
        });

        it("the application ID is /applications/{object id}", () => {
            fails("redirects", edit(valid.redirects, { applicationId: "3f2a9c1e-7b4d-4e8a-9c6f-1d2e3f4a5b6c" }), "applicationId", /ValidateApplicationID/);
        });
    });

    describe("CloudWatch alarms", () => {
        it("a period is 10, 20, 30 or a multiple of 60 seconds", () => {
            const plain = edit(valid.alarm, {
                metricQueries: undefined,
                metricName: "UnHealthyHostCount",
                namespace: "AWS/ApplicationELB",
                statistic: "Maximum",
            });
            passes("alarm", edit(plain, { period: 60 }));
            fails("alarm", edit(plain, { period: 45 }), "period", /IntDivisibleBy\(60\)/, /45/);
        });

        it("a metric alarm takes exactly one of statistic and extendedStatistic", () => {
            const plain = edit(valid.alarm, { metricQueries: undefined, metricName: "TargetResponseTime", namespace: "AWS/ApplicationELB", period: 60 });
            passes("alarm", edit(plain, { extendedStatistic: "p95" }));
            fails("alarm", edit(plain, { extendedStatistic: "p95", statistic: "Average" }), "statistic / extendedStatistic", /must be set/, /got 2/);
        });

        it("metricName and metricQueries exclude each other", () => {
            fails(
                "alarm",
                edit(valid.alarm, { metricName: "RequestCount", statistic: "Sum" }),
                "metricName / metricQueries / evaluationCriteria",
                /ExactlyOneOf/,
                /statistic conflicts with metricQueries/,
            );
        });

        it("a metric query has an expression or a metric, not both", () => {
            const queries = [{ id: "rate", expression: "1", metric: { metricName: "RequestCount", period: 60, stat: "Sum" }, returnData: true }];
            fails("alarm", edit(valid.alarm, { metricQueries: queries }), "metricQueries", /both `expression` and a `metric`/, /both expression and metric/);
        });

        it("an alarm sends to ARNs, at most 5 on recovery", () => {
            const six = Array.from({ length: 6 }, (_, i) => `arn:aws:sns:eu-central-1:123456789012:t${i}`);
            fails("alarm", edit(valid.alarm, { okActions: six }), "okActions / insufficientDataActions", /MaxItems 5/);
            fails("alarm", edit(valid.alarm, { alarmActions: ["vnv-prod-alerts"] }), "okActions / insufficientDataActions", /ValidARN/, /vnv-prod-alerts/);
        });
    });

    describe("Application Auto Scaling", () => {
        it("an ECS scalable target is service/<cluster>/<service> on ecs:service:DesiredCount", () => {
            fails(
                "scalingTarget",
                edit(valid.scalingTarget, { resourceId: "vnv-prod-cluster/vnv-prod-web" }),
                "resourceId / scalableDimension",
                /RegisterScalableTarget/,
            );
            fails(
                "scalingTarget",
                edit(valid.scalingTarget, { scalableDimension: "ecs:service:RunningCount" }),
                "resourceId / scalableDimension",
                /DesiredCount/,
            );
        });

        it("a target's minimum is not above its maximum", () => {
            fails(
                "scalingTarget",
                edit(valid.scalingTarget, { minCapacity: 7 }),
                "minCapacity / maxCapacity",
                /cannot be greater/,
                /7 is greater than maxCapacity 6/,
            );
        });

        it("a target tracking policy says so in its type (the provider's default is StepScaling)", () => {
            fails("scalingPolicy", edit(valid.scalingPolicy, { policyType: undefined }), "targetTrackingScalingPolicyConfiguration", /defaults to StepScaling/);
        });

        it("ALBRequestCountPerTarget needs its resource label, app/…/targetgroup/…, and no other metric takes one", () => {
            const config = valid.scalingPolicy.targetTrackingScalingPolicyConfiguration as Record<string, unknown>;
            const withMetric = (m: Record<string, unknown>) =>
                edit(valid.scalingPolicy, { targetTrackingScalingPolicyConfiguration: { ...config, predefinedMetricSpecification: m } });
            fails(
                "scalingPolicy",
                withMetric({ predefinedMetricType: "ALBRequestCountPerTarget" }),
                "targetTrackingScalingPolicyConfiguration",
                /resource label/,
                /required for ALBRequestCountPerTarget/,
            );
            fails(
                "scalingPolicy",
                withMetric({ predefinedMetricType: "ALBRequestCountPerTarget", resourceLabel: "targetgroup/web/c2b99168a4933caa" }),
                "targetTrackingScalingPolicyConfiguration",
                /PredefinedMetricSpecification/,
                /app\/<lb name>/,
            );
            fails(
                "scalingPolicy",
                withMetric({ predefinedMetricType: "ECSServiceAverageCPUUtilization", resourceLabel: "app/alb/1/targetgroup/web/2" }),
                "targetTrackingScalingPolicyConfiguration",
                /resource label/,
                /only for ALBRequestCountPerTarget/,
            );
        });
    });

    describe("alerts", () => {
        it("a topic's name is 1 to 256 of [0-9A-Za-z_-]", () => {
            fails("topic", edit(valid.topic, { name: "vnv prod alerts" }), "name", /resourceTopicCustomizeDiff/);
        });

        it("a subscription's protocol is one SNS knows", () => {
            fails("subscription", edit(valid.subscription, { protocol: "teams" }), "protocol", /topic_subscription\.go/, /"teams"/);
        });

        it("a chat channel configuration logs ERROR, INFO or NONE and names its role by ARN", () => {
            fails("teams", edit(valid.teams, { loggingLevel: "DEBUG" }), "loggingLevel", /teams_channel_configuration\.go/);
            fails("slack", edit(valid.slack, { iamRoleArn: "vnv-alerts-chat" }), "iamRoleArn", /IamRoleArn/);
            fails("slack", edit(valid.slack, { slackChannelId: undefined }), "slackChannelId", /Required/);
        });
    });

    describe("scheduled actions", () => {
        it("a cron schedule has six fields with ? in exactly one of day-of-month and day-of-week", () => {
            fails("scheduledAction", edit(valid.scheduledAction, { schedule: "cron(0 19 * * MON-FRI)" }), "schedule", /PutScheduledAction/);
            fails("scheduledAction", edit(valid.scheduledAction, { schedule: "cron(0 19 * * MON-FRI *)" }), "schedule", /exactly one of/);
            passes("scheduledAction", edit(valid.scheduledAction, { schedule: "rate(5 minutes)" }));
        });

        it("its time zone is an IANA one", () => {
            fails("scheduledAction", edit(valid.scheduledAction, { timezone: "CET+1" }), "timezone", /IANA/);
        });

        it("its name has no / : or |, and its action sets a count of 0 or more", () => {
            fails("scheduledAction", edit(valid.scheduledAction, { name: "vnv/dev/web" }), "name", /ScheduledActionName/);
            fails("scheduledAction", edit(valid.scheduledAction, { scalableTargetAction: {} }), "scalableTargetAction", /AtLeastOneOf/);
            fails("scheduledAction", edit(valid.scheduledAction, { scalableTargetAction: { minCapacity: -1 } }), "scalableTargetAction", /AtLeast\(0\)/);
        });
    });

    describe("the ECS service-linked role", () => {
        it("names its service by its full host name", () => {
            fails("linkedRole", edit(valid.linkedRole, { awsServiceName: "ecs" }), "awsServiceName", /must be a full service hostname/, /"ecs"/);
            fails("linkedRole", edit(valid.linkedRole, { awsServiceName: undefined }), "awsServiceName", /Required/);
        });

        it("its description takes IAM's characters only, at most 1000", () => {
            fails("linkedRole", edit(valid.linkedRole, { description: "made by vnv — prod" }), "description", /CreateServiceLinkedRole/);
            fails("linkedRole", edit(valid.linkedRole, { description: "x".repeat(1001) }), "description", /length 0-1000/);
        });
    });

    describe("ECS deployment alarms", () => {
        it("a service's alarms block names its alarms and says whether to enable and roll back", () => {
            const alarms = { alarmNames: ["vnv-prod-web-5xx"], enable: true, rollback: true };
            passes("service", edit(valid.service, { alarms }));
            fails(
                "service",
                edit(valid.service, { alarms: { alarmNames: ["vnv-prod-web-5xx"], enable: true } }),
                "alarms",
                /rollback Required/,
                /\.rollback is required/,
            );
        });

        it("ECS Exec is switched on per service with a boolean", () => {
            passes("service", edit(valid.service, { enableExecuteCommand: true }));
            fails("service", edit(valid.service, { enableExecuteCommand: "yes" }), "enableExecuteCommand", /TypeBool/);
        });

        it("Service Connect timeouts are whole seconds from 0", () => {
            const config = valid.service.serviceConnectConfiguration as { services: Record<string, unknown>[] };
            const timeout = (t: Record<string, unknown>) =>
                edit(valid.service, { serviceConnectConfiguration: { ...config, services: [{ ...config.services[0], timeout: t }] } });
            passes("service", timeout({ idleTimeoutSeconds: 3600, perRequestTimeoutSeconds: 0 }));
            fails("service", timeout({ idleTimeoutSeconds: -1 }), "serviceConnectConfiguration.services[].timeout", /IntBetween\(0, 2147483647\)/);
        });
    });
});
