/**
 * Production that runs itself, under the strict mocks: which alarms exist for which role, the
 * deployment alarms ECS rolls back on, where alarms are sent, what scales, how redis rolls out.
 */

// The mocks first: they are set when this module loads, before any program code runs.
import { ofType, type Recorded, run, T } from "../harness/mocks";
import { strict as assert } from "node:assert";
import { defineEnvironment } from "../infra/environment";
import type { EnvironmentSettings } from "../infra/settings";
import { ephemeralSettings, stackSettings } from "../harness/fixtures";
import { ALARM_KINDS, DEPLOYMENT_ALARMS } from "../rules/alarms";

async function deploy(settings: EnvironmentSettings): Promise<Recorded[]> {
    return (await run(() => defineEnvironment(settings))).resources;
}

const PUBLIC = ["event-bridge", "pnp-server", "proxy-server"];

function service(resources: readonly Recorded[], name: string): Recorded {
    const found = ofType(resources, T.service).filter((s) => s.name.endsWith(`-${name}`));
    assert.equal(found.length, 1, name);
    return found[0]!;
}

describe("production that runs itself", () => {
    let prod: Recorded[];
    let dev: Recorded[];
    let ephemeral: Recorded[];
    before(async () => {
        prod = await deploy(stackSettings("prod"));
        dev = await deploy(stackSettings("dev"));
        ephemeral = await deploy(ephemeralSettings("v1.2.3-rc.1"));
    });

    describe("ECS Exec", () => {
        const execPolicies = (resources: readonly Recorded[]) => ofType(resources, T.rolePolicy).filter((p) => p.name.endsWith("-task-exec"));

        it("dev's and ephemeral services accept ECS Exec; prod's do not", () => {
            for (const [role, resources, on] of [
                ["dev", dev, true],
                ["ephemeral", ephemeral, true],
                ["prod", prod, false],
            ] as const) {
                const services = ofType(resources, T.service);
                assert.ok(services.length > 0);
                assert.ok(
                    services.every((s) => s.inputs.enableExecuteCommand === on),
                    `${role}: ${services.map((s) => `${s.name}=${s.inputs.enableExecuteCommand}`).join(", ")}`,
                );
                assert.equal(execPolicies(resources).length, on ? 1 : 0, role);
            }
        });

        it("the task role may open the SSM agent's channels and write the session's log to the environment's own log groups only", () => {
            const policy = JSON.parse(execPolicies(ephemeral)[0]!.inputs.policy as string) as { Statement: { Action: string[]; Resource: string }[] };
            const actions = policy.Statement.flatMap((s) => s.Action).sort();
            assert.deepEqual(actions, [
                "logs:CreateLogStream",
                "logs:DescribeLogGroups",
                "logs:DescribeLogStreams",
                "logs:PutLogEvents",
                "ssmmessages:CreateControlChannel",
                "ssmmessages:CreateDataChannel",
                "ssmmessages:OpenControlChannel",
                "ssmmessages:OpenDataChannel",
            ]);
            const writes = policy.Statement.find((s) => s.Action.includes("logs:PutLogEvents"))!;
            assert.match(writes.Resource, /^arn:aws:logs:[a-z0-9-]+:\d{12}:log-group:\/vnv\/v1-2-3-rc-1\/\*$/);
        });

        it("the exec grant is attached to the task role, not the execution role", () => {
            const [policy] = execPolicies(dev);
            const task = ofType(dev, T.role).find((r) => r.name.endsWith("-task"))!;
            assert.equal(policy!.inputs.role, task.state.name ?? task.inputs.name ?? task.name);
        });
    });

    describe("alarms", () => {
        it("prod has the five alarms of every public service, and none for the others", () => {
            const names = ofType(prod, T.alarm).map((a) => a.inputs.name as string);
            assert.deepEqual(names.sort(), PUBLIC.flatMap((s) => ALARM_KINDS.map((k) => `vnv-prod-${s}-${k}`)).sort());
        });

        it("each public service names its 5xx, unhealthy and latency alarms as deployment alarms, with rollback", () => {
            for (const name of PUBLIC) {
                assert.deepEqual(service(prod, name).inputs.alarms, {
                    alarmNames: DEPLOYMENT_ALARMS.map((k) => `vnv-prod-${name}-${k}`),
                    enable: true,
                    rollback: true,
                });
            }
        });

        it("a service is created after its deployment alarms (ECS looks them up by name)", () => {
            const proxy = service(prod, "proxy-server");
            const alarms = ofType(prod, T.alarm).filter((a) => DEPLOYMENT_ALARMS.some((k) => a.inputs.name === `vnv-prod-proxy-server-${k}`));
            assert.equal(alarms.length, 3);
            for (const a of alarms) {
                assert.ok(proxy.dependencies.includes(a.urn), a.inputs.name);
            }
        });

        it("a service that is not public has no deployment alarms", () => {
            assert.equal(service(prod, "neo-server").inputs.alarms, undefined);
        });

        it("dev has the same alarms and rollbacks", () => {
            assert.equal(ofType(dev, T.alarm).length, PUBLIC.length * ALARM_KINDS.length);
            assert.equal(service(dev, "proxy-server").inputs.alarms?.rollback, true);
        });

        it("an ephemeral environment has no alarms and no deployment alarms", () => {
            assert.deepEqual(ofType(ephemeral, T.alarm), []);
            assert.deepEqual(
                ofType(ephemeral, T.service).filter((s) => s.inputs.alarms !== undefined),
                [],
            );
        });

        it("the ALB alarms read the service's own target group on its load balancer", () => {
            const unhealthy = ofType(prod, T.alarm).find((a) => a.inputs.name === "vnv-prod-pnp-server-unhealthy")!;
            assert.match(unhealthy.inputs.dimensions.TargetGroup, /^targetgroup\/[A-Za-z0-9-]+\/[0-9a-f]+$/);
            assert.match(unhealthy.inputs.dimensions.LoadBalancer, /^app\/[A-Za-z0-9-]+\/[0-9a-f]+$/);
            const tg = ofType(prod, T.targetGroup).find((t) => t.inputs.tags["vnv:service"] === "pnp-server")!;
            assert.equal(unhealthy.inputs.dimensions.TargetGroup, tg.state.arnSuffix);
        });

        it("the 5xx alarm is a rate of the requests, from 10 requests a minute", () => {
            const rate = ofType(prod, T.alarm).find((a) => a.inputs.name === "vnv-prod-proxy-server-5xx")!;
            const returned = (rate.inputs.metricQueries as { expression?: string; returnData: boolean }[]).filter((q) => q.returnData);
            assert.deepEqual(
                returned.map((q) => q.expression),
                ["IF(requests >= 10, 100 * FILL(errors, 0) / requests, 0)"],
            );
            assert.equal(rate.inputs.threshold, 5);
        });

        it("each alarm's message names the environment, the version, the service and the metric", () => {
            const latency = ofType(prod, T.alarm).find((a) => a.inputs.name === "vnv-prod-event-bridge-latency")!;
            assert.match(latency.inputs.alarmDescription, /^vnv prod v1\.2\.2, service event-bridge: p95 response time \(TargetResponseTime\) above 2 s/);
        });

        it("CPU and memory alarms read the ECS service by its cluster and name", () => {
            const cpu = ofType(prod, T.alarm).find((a) => a.inputs.name === "vnv-prod-proxy-server-cpu")!;
            const svc = service(prod, "proxy-server");
            assert.deepEqual(Object.keys(cpu.inputs.dimensions).sort(), ["ClusterName", "ServiceName"]);
            assert.equal(cpu.inputs.dimensions.ServiceName, svc.state.name);
        });
    });

    describe("alerts", () => {
        it("every prod alarm goes to the alerts topic, and so does its recovery", () => {
            const [topic] = ofType(prod, T.topic);
            assert.equal(topic?.inputs.name, "vnv-prod-alerts");
            for (const a of ofType(prod, T.alarm)) {
                assert.deepEqual([a.inputs.alarmActions, a.inputs.okActions], [[topic!.state.arn], [topic!.state.arn]], a.inputs.name);
            }
        });

        it("the topic reaches each address by email and the Teams channel through AWS Chatbot", () => {
            const topic = ofType(prod, T.topic)[0]!;
            assert.deepEqual(
                ofType(prod, T.subscription).map((s) => [s.inputs.protocol, s.inputs.endpoint, s.inputs.topic]),
                [["email", "platform@step-studio.be", topic.state.arn]],
            );
            const [teams] = ofType(prod, T.teams);
            assert.deepEqual(teams?.inputs.snsTopicArns, [topic.state.arn]);
            assert.equal(teams?.inputs.tenantId, "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0");
            assert.deepEqual(ofType(prod, T.slack), []);
        });

        it("people in the channel may read CloudWatch through it, nothing more (not Chatbot's default, AdministratorAccess)", () => {
            const teams = ofType(prod, T.teams)[0]!;
            assert.deepEqual(teams.inputs.guardrailPolicyArns, ["arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess"]);
            const role = ofType(prod, T.role).find((r) => r.state.arn === teams.inputs.iamRoleArn)!;
            const trust = JSON.parse(role.inputs.assumeRolePolicy);
            assert.deepEqual(
                trust.Statement.map((s: { Principal: unknown }) => s.Principal),
                [{ Service: "chatbot.amazonaws.com" }],
            );
        });

        it("without vnv:alerts (dev) the alarms send nothing, and still roll deploys back", () => {
            assert.deepEqual(ofType(dev, T.topic), []);
            assert.ok(ofType(dev, T.alarm).every((a) => a.inputs.alarmActions.length === 0));
        });
    });

    describe("scaling", () => {
        it("prod's proxy-server scales from 2 to 6 tasks of its own service", () => {
            const svc = service(prod, "proxy-server");
            const target = ofType(prod, T.scalingTarget).find((t) => t.inputs.resourceId.endsWith(`/${svc.state.name}`))!;
            assert.deepEqual([target.inputs.minCapacity, target.inputs.maxCapacity], [2, 6]);
            assert.match(target.inputs.resourceId, /^service\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+$/);
        });

        it("it tracks CPU at 60 % and 1000 requests per task, labelled with its load balancer and target group", () => {
            const svc = service(prod, "proxy-server");
            const policies = ofType(prod, T.scalingPolicy).filter((p) => p.inputs.resourceId.endsWith(`/${svc.state.name}`));
            const tracked = policies.map((p) => {
                const c = p.inputs.targetTrackingScalingPolicyConfiguration;
                return [c.predefinedMetricSpecification.predefinedMetricType, c.targetValue];
            });
            assert.deepEqual(tracked.sort(), [
                ["ALBRequestCountPerTarget", 1000],
                ["ECSServiceAverageCPUUtilization", 60],
            ]);
            const tg = ofType(prod, T.targetGroup).find((t) => t.inputs.tags["vnv:service"] === "proxy-server")!;
            const alb = ofType(prod, T.alb)[0]!;
            const labels = policies.map((p) => p.inputs.targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.resourceLabel).filter(Boolean);
            assert.deepEqual(labels, [`${alb.state.arnSuffix}/${tg.state.arnSuffix}`]);
        });

        it("a scaling service's task count is left to Application Auto Scaling by later deploys", () => {
            assert.deepEqual(service(prod, "proxy-server").ignoreChanges, ["desiredCount"]);
            assert.deepEqual(service(prod, "neo-server").ignoreChanges, []);
        });

        it("only the services that declare scaling scale; dev and ephemeral environments do not (their targets only hold the count their working hours set)", () => {
            assert.equal(ofType(prod, T.scalingTarget).length, 3);
            assert.deepEqual([ofType(dev, T.scalingPolicy), ofType(ephemeral, T.scalingPolicy)], [[], []]);
            assert.ok([...ofType(dev, T.scalingTarget), ...ofType(ephemeral, T.scalingTarget)].every((t) => t.inputs.minCapacity === t.inputs.maxCapacity));
        });
    });

    describe("rollout", () => {
        it("redis stops its old task before starting the new one, on every role", () => {
            for (const resources of [prod, dev, ephemeral]) {
                const redis = service(resources, "redis");
                assert.deepEqual([redis.inputs.deploymentMinimumHealthyPercent, redis.inputs.deploymentMaximumPercent], [0, 100]);
            }
        });
    });
});
