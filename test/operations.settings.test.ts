import { strict as assert } from "node:assert";
import { ephemeralFromDev } from "../infra/ephemeral";
import { readStackFile } from "../infra/stackFile";
import { ephemeralSettings, problemsOf, servicesWith, stackSettings } from "../harness/fixtures";

describe("how services run: rollout, scaling, pulls", () => {
    describe("ECS Exec", () => {
        it("is on for dev and its ephemeral environments, off for prod unless its stack file says so", () => {
            assert.deepEqual([stackSettings("dev").exec, ephemeralSettings("v1.2.3-rc.1").exec, stackSettings("prod").exec], [true, true, false]);
            assert.equal(stackSettings("prod", { exec: true }).exec, true);
        });

        it("dev switching it off switches it off for its ephemeral environments too", () => {
            const dev = readStackFile("dev").raw;
            const raw = ephemeralFromDev({ ...dev, exec: false }, { version: "v1.2.3-rc.1", platformStack: "organization/vnv/dev", slot: 3, digests: {} });
            assert.equal(raw.exec, false);
        });

        it("anything but true or false is refused, naming the key", () => {
            assert.deepEqual(
                problemsOf(() => stackSettings("prod", { exec: "yes" })),
                ['vnv:exec: expected true or false, got "yes"'],
            );
        });
    });

    describe("rollout", () => {
        it("redis rolls out one task at a time in both stack files (two behind one name would split the cache)", () => {
            for (const stack of ["dev", "prod"] as const) {
                assert.equal(stackSettings(stack).services.find((s) => s.name === "redis")?.oneAtATime, true, stack);
            }
        });

        it("a service rolls out beside its old task unless told otherwise", () => {
            assert.equal(stackSettings("prod").services.find((s) => s.name === "proxy-server")?.oneAtATime, undefined);
        });

        it("an unknown rollout is refused, naming what is allowed", () => {
            const services = servicesWith("dev", "redis", { rollout: "blue-green" });
            assert.deepEqual(
                problemsOf(() => stackSettings("dev", { services })),
                ['vnv:services[4].rollout: expected one of rolling, one-at-a-time, got "blue-green"'],
            );
        });
    });

    describe("scaling", () => {
        it("prod's public services scale from their desired count up to their max, on CPU at 60 % unless told", () => {
            const proxy = stackSettings("prod").services.find((s) => s.name === "proxy-server")!;
            assert.deepEqual([proxy.desiredCount, proxy.scaling], [2, { max: 6, cpuPercent: 60, requestsPerTarget: 1000 }]);
        });

        it("dev does not scale: a scaling block there is refused, saying why", () => {
            const services = servicesWith("dev", "proxy-server", { scaling: { max: 4 } });
            const problems = problemsOf(() => stackSettings("dev", { services }));
            assert.deepEqual(problems, [
                "vnv:services[0].scaling: only production scales; dev and ephemeral environments run their configured count (desiredCount)",
            ]);
        });

        it("a service the load balancer does not reach does not scale", () => {
            const services = servicesWith("prod", "neo-server", { scaling: { max: 4 } });
            const problems = problemsOf(() => stackSettings("prod", { services }));
            assert.match(problems.join("\n"), /vnv:services\[3\]\.scaling: only a public service scales/);
        });

        it("a max below the desired count is refused, naming both", () => {
            const services = servicesWith("prod", "proxy-server", { scaling: { max: 1 } });
            assert.deepEqual(
                problemsOf(() => stackSettings("prod", { services })),
                ["vnv:services[0].scaling.max: at least desiredCount (2), the fewest tasks it runs, got 1"],
            );
        });

        it("a scaling block without max is refused", () => {
            const services = servicesWith("prod", "proxy-server", { scaling: { cpuPercent: 50 } });
            assert.match(problemsOf(() => stackSettings("prod", { services })).join("\n"), /vnv:services\[0\]\.scaling\.max: required/);
        });

        it("a CPU target outside 10–90 % is refused", () => {
            const services = servicesWith("prod", "proxy-server", { scaling: { max: 4, cpuPercent: 99 } });
            assert.deepEqual(
                problemsOf(() => stackSettings("prod", { services })),
                ["vnv:services[0].scaling.cpuPercent: expected an integer from 10 to 90, got 99"],
            );
        });
    });

    describe("Docker Hub", () => {
        it("an image from Docker Hub without the team's credentials is refused, naming the image, the limit and the key to set", () => {
            const { raw } = readStackFile("prod");
            const registries = { ...(raw.registries as Record<string, unknown>) };
            delete registries["docker.io"];
            const problems = problemsOf(() => stackSettings("prod", { registries }));
            assert.equal(problems.length, 1, problems.join("\n"));
            assert.match(
                problems[0]!,
                /^vnv:services\[4\]\.image: docker\.io\/library\/redis comes from Docker Hub, which allows 10 pulls per hour per IP address .* vnv:registries\.docker\.io\.credentialsSecretArn/,
            );
        });

        it("dev's ephemeral database image from Docker Hub needs them too (every environment up pulls it)", () => {
            const { raw } = readStackFile("dev");
            const registries = { ...(raw.registries as Record<string, unknown>) };
            delete registries["docker.io"];
            const ephemeral = structuredClone(raw.ephemeral) as Record<string, unknown>;
            ephemeral.database = { image: "docker.io/library/neo4j", tag: "5.26-community", clients: ["neo-server"] };
            const services = (structuredClone(raw.services) as Record<string, unknown>[]).filter((s) => s.name !== "redis");
            const problems = problemsOf(() => stackSettings("dev", { registries, ephemeral, services }));
            assert.equal(problems.length, 1, problems.join("\n"));
            assert.match(problems[0]!, /^vnv:ephemeral\.database\.image: docker\.io\/library\/neo4j comes from Docker Hub/);
        });

        it("images of other registries need no Docker Hub credentials", () => {
            const { raw } = readStackFile("prod");
            const registries = { ...(raw.registries as Record<string, unknown>) };
            delete registries["docker.io"];
            const services = servicesWith("prod", "redis", { image: "public.ecr.aws/docker/library/redis" });
            assert.equal(stackSettings("prod", { registries, services }).services.length, 5);
        });
    });

    describe("alerts", () => {
        it("prod's alerts go to an address and a Teams channel", () => {
            const alerts = stackSettings("prod").alerts;
            assert.deepEqual(alerts?.email, ["platform@step-studio.be"]);
            assert.equal(alerts?.teams?.tenantId, "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0");
        });

        it("an alerts block that names no channel is refused", () => {
            assert.deepEqual(
                problemsOf(() => stackSettings("dev", { alerts: {} })),
                ["vnv:alerts: name at least one of email, slack or teams"],
            );
        });

        it("an address that is no email address is refused, quoted", () => {
            assert.match(
                problemsOf(() => stackSettings("dev", { alerts: { email: ["ops at step-studio.be"] } })).join("\n"),
                /^vnv:alerts\.email.*ops at step-studio\.be/,
            );
        });

        it("more than 10 addresses are refused before any is read, pointing to a list or the channel", () => {
            const email = Array.from({ length: 11 }, (_, i) => `person${i}@step-studio.be`);
            assert.deepEqual(
                problemsOf(() => stackSettings("dev", { alerts: { email } })),
                [
                    "vnv:alerts.email: at most 10 addresses (each one is a subscription to confirm and a mailbox for every alarm); got 11: use a mailing list or the chat channel",
                ],
            );
            assert.deepEqual(stackSettings("dev", { alerts: { email: email.slice(0, 10) } }).alerts?.email, email.slice(0, 10));
        });

        it("an address given twice, in any case, is refused: SNS would subscribe it once", () => {
            assert.deepEqual(
                problemsOf(() => stackSettings("dev", { alerts: { email: ["ops@step-studio.be", "OPS@step-studio.be"] } })),
                ['vnv:alerts.email: "OPS@step-studio.be" appears twice; SNS would subscribe it once'],
            );
        });

        it("an address longer than 254 characters is refused, named by its own place in the list", () => {
            const long = `ops@${"a".repeat(250)}.be`;
            const problems = problemsOf(() => stackSettings("dev", { alerts: { email: ["ops at step-studio.be", long] } }));
            assert.equal(problems.length, 2);
            assert.match(problems[0]!, /^vnv:alerts\.email\[0\]: .*ops at step-studio\.be/);
            assert.equal(problems[1], `vnv:alerts.email[1]: at most 254 characters (RFC 5321), got ${long.length}`);
        });

        it("a Teams channel needs its team, channel and tenant, the IDs in their forms", () => {
            const problems = problemsOf(() => stackSettings("dev", { alerts: { teams: { teamId: "ops", channelId: "19:a@thread.tacv2" } } }));
            assert.deepEqual(
                problems.map((p) => (p.split(":")[1] === undefined ? p : p.slice(0, p.indexOf(": ")))),
                ["vnv:alerts.teams.teamId", "vnv:alerts.teams.tenantId"],
            );
        });

        it("an ephemeral environment takes no alerts from dev (it has no alarms), and refuses them given directly", () => {
            const dev = { ...readStackFile("dev").raw, alerts: { email: ["dev@step-studio.be"] } };
            const raw = ephemeralFromDev(dev, { version: "v1.2.3-rc.1", platformStack: "organization/vnv/dev", slot: 3 });
            assert.equal(raw.alerts, undefined);
            assert.deepEqual(
                problemsOf(() => ephemeralSettings("v1.2.3-rc.1", { alerts: { email: ["dev@step-studio.be"] } })),
                ["vnv:alerts: only prod and dev have alarms to send"],
            );
        });
    });
});
