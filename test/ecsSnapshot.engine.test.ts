/**
 * @engine @registry: `vnv env snapshot <version>` on ECS through the command line, on the real
 * engine with stand-in programs, moto's ECS, EC2 and S3 on loopback, and the loopback registry.
 * moto runs no task and attaches no EBS volume, so what is held here is the way in: what is
 * refused, and that a refusal leaves nothing behind (no EBS snapshot, no task, no tag) and is
 * recorded. The steps after it are held in ecsSnapshot.aws.test.ts and under the mocks.
 */
import { strict as assert } from "node:assert";
import {
    CreateClusterCommand,
    CreateServiceCommand,
    DescribeServicesCommand,
    ECSClient,
    ListTasksCommand,
    RegisterTaskDefinitionCommand,
    RunTaskCommand,
} from "@aws-sdk/client-ecs";
import { DescribeSecurityGroupsCommand, DescribeSnapshotsCommand, DescribeSubnetsCommand, EC2Client } from "@aws-sdk/client-ec2";
import type { CliDeps } from "../automation/cli/program";
import { runCli } from "../harness/cli";
import { useTempDir } from "../harness/driver";
import { projectOn, pushVersion } from "../harness/project";
import { pushImage, startRegistry, type TestRegistry } from "../harness/registry";
import { motoClient, S3_ENV, useMoto } from "../harness/s3";
import { RegistryClient } from "../registry/client";
import { DATASET_LABEL } from "../rules/datasets";

const REGION = "eu-central-1";

describe("@engine @registry env snapshot on ECS, on moto and the loopback registry", function () {
    this.timeout(300_000);
    const tmp = useTempDir("vnv-ecs-snapshot-");
    const moto = useMoto();
    let reg: TestRegistry;
    let project: string;
    before(async () => {
        reg = await startRegistry();
    });
    after(async () => {
        await reg?.stop();
    });
    beforeEach(async () => {
        project = projectOn(reg, tmp());
        // moto moves a task one state further at each DescribeTasks (its default): a database task stays running here.
        const r = await fetch(`${moto().endpoint}/moto-api/state-manager/set-transition`, {
            method: "POST",
            body: JSON.stringify({ model_name: "ecs::task", transition: { progression: "manual", times: 1_000_000 } }),
        });
        assert.equal(r.status, 201, await r.text());
    });

    function vnv(args: string[], overrides: Partial<CliDeps> = {}) {
        return runCli(args, tmp(), {
            env: { ...S3_ENV, AWS_ENDPOINT_URL: moto().endpoint },
            projectDir: project,
            registry: new RegistryClient({ credentials: () => undefined, backoffMs: 10 }),
            ...overrides,
        });
    }

    const ecs = () => new ECSClient(motoClient(moto(), REGION));
    const ec2 = () => new EC2Client(motoClient(moto(), REGION));

    /** A live environment of `version` made from the dataset 2026.11 (its images name it), its database's task running in moto's ECS without an EBS volume. */
    async function withDataset(version: string, environment: string): Promise<void> {
        await pushVersion(reg, version);
        await pushImage(reg, "infrasoftbe/neo-server", version, `neo-server@${version}`, "docker", "amd64", { [DATASET_LABEL]: "2026.11" });
        await pushImage(reg, "infrasoftbe/dataset", "2026.11", "a dataset");
        const up = await vnv(["env", "up", version]);
        assert.equal(up.code, 0, up.err);
        // Named as the stand-in names its cluster (harness/standins.ts).
        const cluster = `vnv-${environment}-cluster-1a2b3c4`;
        await ecs().send(new CreateClusterCommand({ clusterName: cluster }));
        await ecs().send(new CreateServiceCommand({ cluster, serviceName: "vnv-services-neo4j-5d6e7f8", desiredCount: 1, launchType: "FARGATE" }));
        await ecs().send(
            new RegisterTaskDefinitionCommand({
                family: `vnv-${environment}-neo4j`,
                networkMode: "awsvpc",
                requiresCompatibilities: ["FARGATE"],
                cpu: "1024",
                memory: "2048",
                // As the real task definition: the loader, then the database (moto describes the first container only, exit code 0).
                containerDefinitions: [
                    { name: "neo4j-dataset", image: "dataset", memory: 512, essential: false },
                    { name: "neo4j", image: "neo4j", memory: 1536 },
                ],
            }),
        );
        const [first] = (await ec2().send(new DescribeSubnetsCommand({}))).Subnets ?? [];
        const subnet = first?.SubnetId;
        const group = (await ec2().send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [first?.VpcId ?? ""] }] }))).SecurityGroups?.[0]
            ?.GroupId;
        assert.ok(subnet !== undefined && group !== undefined, "moto's default VPC has subnets and a security group");
        const ran = await ecs().send(
            new RunTaskCommand({
                cluster,
                taskDefinition: `vnv-${environment}-neo4j`,
                launchType: "FARGATE",
                networkConfiguration: { awsvpcConfiguration: { subnets: [subnet], securityGroups: [group] } },
                startedBy: "ecs-svc/database",
            }),
        );
        assert.equal(ran.tasks?.length, 1);
    }

    async function ebsSnapshots(): Promise<number> {
        // moto holds snapshots of its own: those vnv makes carry the vnv:snapshot tag.
        const made = await ec2().send(new DescribeSnapshotsCommand({ OwnerIds: ["self"], Filters: [{ Name: "tag-key", Values: ["vnv:snapshot"] }] }));
        return made.Snapshots?.length ?? 0;
    }

    it("an environment made without a dataset: exit 2 naming how to make one with a dataset, nothing made", async () => {
        await pushVersion(reg, "v4.1.0-rc.1");
        assert.equal((await vnv(["env", "up", "v4.1.0-rc.1"])).code, 0);
        const r = await vnv(["env", "snapshot", "v4.1.0-rc.1"]);
        assert.equal(r.code, 2, r.err);
        assert.match(r.err, /v4-1-0-rc-1 cannot be snapshotted on ECS: it was made without a dataset \(`vnv env up <version> --dataset <name>` first\)/);
        assert.equal(await ebsSnapshots(), 0);
    });

    it("a database task without an EBS volume (started before its data moved to EBS): exit 1 saying so, no EBS snapshot, no task, no tag; the history records it failed", async () => {
        await withDataset("v4.2.0-rc.1", "v4-2-0-rc-1");
        const r = await vnv(["env", "snapshot", "v4.2.0-rc.1", "--as", "from-ecs"]);
        assert.equal(r.code, 1, r.err);
        assert.match(
            r.err,
            /has no EBS volume: it was started before its data moved to EBS.*what was written since it was loaded is lost\): snapshot once the data you want is in it again/,
        );
        assert.equal(await ebsSnapshots(), 0);
        const started = await ecs().send(new ListTasksCommand({ cluster: "vnv-v4-2-0-rc-1-cluster-1a2b3c4", startedBy: "vnv-snapshot" }));
        assert.deepEqual(started.taskArns, []);
        const tags = await fetch(`http://${reg.host}/v2/infrasoftbe/dataset/tags/list`).then((x) => x.json() as Promise<{ tags: string[] }>);
        assert.deepEqual(tags.tags.sort(), ["2026.11"]);
        const { events } = JSON.parse((await vnv(["history", "--env", "v4-2-0-rc-1", "--json"])).out) as { events: { action: string; result: string }[] };
        assert.deepEqual(
            events.filter((e) => e.action === "snapshot").map((e) => e.result),
            ["failed"],
        );
    });

    it("env status asks ECS whether the dataset loaded: the running database task's loader exited 0", async () => {
        await withDataset("v4.4.0-rc.1", "v4-4-0-rc-1");
        const r = await vnv(["env", "status", "v4.4.0-rc.1", "--json"], { healthBase: () => "http://127.0.0.1:9" });
        const status = JSON.parse(r.out) as { dataset?: { tag: string; state: string; detail?: string } };
        assert.equal(status.dataset?.tag, "2026.11", r.err);
        assert.equal(status.dataset?.state, "loaded", status.dataset?.detail);
    });

    it("env down of an environment whose database is on EBS stops its database's and snapshot tasks first, so ECS can delete their volumes before the role goes", async () => {
        await withDataset("v4.5.0-rc.1", "v4-5-0-rc-1");
        const cluster = "vnv-v4-5-0-rc-1-cluster-1a2b3c4";
        const r = await vnv(["env", "down", "v4.5.0-rc.1"]);
        assert.equal(r.code, 0, r.err);
        assert.match(r.err, /v4-5-0-rc-1: stopping 1 database and snapshot task\(s\) so ECS deletes their volumes/);
        const left = await ecs().send(new ListTasksCommand({ cluster, desiredStatus: "RUNNING" }));
        assert.deepEqual(left.taskArns, []);
        const service = (await ecs().send(new DescribeServicesCommand({ cluster, services: ["vnv-services-neo4j-5d6e7f8"] }))).services?.[0];
        assert.equal(service?.desiredCount, 0, "ECS starts no other");
    });

    it("--as a dataset tag that exists: exit 2 before AWS is asked anything, the tag untouched", async () => {
        await withDataset("v4.3.0-rc.1", "v4-3-0-rc-1");
        const r = await vnv(["env", "snapshot", "v4.3.0-rc.1", "--as", "2026.11"]);
        assert.equal(r.code, 2, r.err);
        assert.match(
            r.err,
            /--as 2026\.11: .*infrasoftbe\/dataset:2026\.11 exists already \(sha256:[0-9a-f]{64}\); a dataset's tag is never overwritten: choose another name/,
        );
        assert.equal(await ebsSnapshots(), 0);
    });
});
