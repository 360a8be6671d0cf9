import { strict as assert } from "node:assert";
import fc from "fast-check";
import { ALARM_KINDS, alarmDescription, alarmName, clusterNameOf, loadBalancerOfListener, scalingResourceId } from "../rules/alarms";

const lbName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9-]{0,30}[A-Za-z0-9]$/);
const hexId = fc.stringMatching(/^[0-9a-f]{16}$/);
const region = fc.constantFrom("eu-central-1", "us-east-1", "ap-southeast-2");
const account = fc.stringMatching(/^\d{12}$/);

describe("alarm and scaling names", () => {
    it("the load balancer of any listener ARN is app/<name>/<id>, whatever the region, account and listener", () => {
        fc.assert(
            fc.property(region, account, lbName, hexId, hexId, (r, a, name, id, listener) => {
                assert.equal(loadBalancerOfListener(`arn:aws:elasticloadbalancing:${r}:${a}:listener/app/${name}/${id}/${listener}`), `app/${name}/${id}`);
            }),
        );
    });

    it("text that is no application load balancer's listener ARN is refused, quoted", () => {
        for (const bad of [
            "",
            "arn:aws:elasticloadbalancing:eu-central-1:123456789012:listener/net/nlb/0123/4567",
            "app/x/1",
            "arn:aws:elasticloadbalancing:eu-central-1:123456789012:loadbalancer/app/x/1f",
        ]) {
            assert.throws(() => loadBalancerOfListener(bad), /is not an application load balancer's listener ARN/, bad);
        }
    });

    it("a scalable target's resource ID is service/<cluster name>/<service name> for any cluster ARN", () => {
        const name = fc.stringMatching(/^[A-Za-z0-9_-]{1,255}$/);
        fc.assert(
            fc.property(region, account, name, name, (r, a, cluster, service) => {
                assert.equal(clusterNameOf(`arn:aws:ecs:${r}:${a}:cluster/${cluster}`), cluster);
                assert.equal(scalingResourceId(`arn:aws:ecs:${r}:${a}:cluster/${cluster}`, service), `service/${cluster}/${service}`);
            }),
        );
    });

    it("a cluster ARN with anything after the name is refused", () => {
        assert.throws(() => clusterNameOf("arn:aws:ecs:eu-central-1:123456789012:cluster/a/b"), /is not an ECS cluster ARN/);
    });

    it("alarm names are <project>-<environment>-<service>-<kind> and never longer than CloudWatch's 255", () => {
        assert.equal(alarmName("vnv", "prod", "proxy-server", "5xx"), "vnv-prod-proxy-server-5xx");
        assert.throws(() => alarmName("vnv", "e".repeat(250), "proxy-server", "cpu"), /longer than CloudWatch's 255/);
    });

    it("every alarm's description stays within CloudWatch's 1024 characters and says which ones roll a deploy back", () => {
        for (const kind of ALARM_KINDS) {
            const text = alarmDescription({ environment: "v123-456-789-rc-12345", version: "v123.456.789-rc.12345", service: "x".repeat(64), kind });
            assert.ok(text.length <= 1024, kind);
            assert.equal(text.includes("ECS rolls the deploy back"), ["5xx", "unhealthy", "latency"].includes(kind), kind);
        }
    });
});
