import { strict as assert } from "node:assert";
import fc from "fast-check";
import {
    albLogicalName,
    bucketName,
    childName,
    chunk,
    dnsLabel,
    fit,
    hostname,
    LIMITS,
    NamingError,
    roleLogicalName,
    rulePriority,
    stackName,
    targetGroupLogicalName,
} from "../rules/naming";
import { parseVersion } from "../rules/versions";
import { versionText } from "../harness/arbitraries";

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const BUCKET = /^[a-z0-9][a-z0-9-]*[a-z0-9]$/;
const ALB_TG = /^[A-Za-z0-9-]+$/;
const STACK = /^[A-Za-z0-9_.-]+$/;
const distinct = fc.uniqueArray(versionText, {
    minLength: 2,
    maxLength: 30,
    selector: (t) => parseVersion(t).canonical,
});

describe("naming", () => {
    it("maps v1.2.3-rc.1 to the DNS label 1-2-3-rc-1 and the host 1-2-3-rc-1.step-studio.be", () => {
        assert.equal(dnsLabel("v1.2.3-rc.1"), "1-2-3-rc-1");
        assert.equal(hostname("v1.2.3-RC1", "step-studio.be"), "1-2-3-rc-1.step-studio.be");
    });

    it("names the bucket without dots: studio-app-test-v1-2-3-rc-1", () => {
        assert.equal(bucketName("studio-app-test", "v1.2.3-rc.1"), "studio-app-test-v1-2-3-rc-1");
    });

    it("prefixes version stack names with v so they never equal dev or prod", () => {
        assert.equal(stackName("v1.2.3.snap.20241001"), "v1-2-3-snap-20241001");
    });

    it("keeps names within AWS limits for v123.456.789-rc.12345", () => {
        const v = "v123.456.789-rc.12345";
        assert.ok(bucketName("studio-app-test-long-prefix", v).length <= LIMITS.bucketName);
        assert.ok(targetGroupLogicalName("vnv-ingress", "infrasoft-event-bridge").length + LIMITS.autoNameSuffix <= 32);
        assert.ok(hostname(v, "step-studio.be").split(".")[0]!.length <= 63);
    });

    it("shortens a long name deterministically, ending in -x and a hash", () => {
        const long = "a".repeat(80);
        assert.equal(fit(long, 63), fit(long, 63));
        assert.equal(fit(long, 63).length, 63);
        assert.match(fit(long, 63), /-x[0-9a-f]{9}$/);
    });

    it("keeps a child's logical name prefixed by its parent's name", () => {
        const name = targetGroupLogicalName("vnv-ingress", "a-very-long-service-name-indeed");
        assert.ok(name.startsWith("vnv-ingress-"), name);
        assert.ok(name.length <= 24);
    });

    it("refuses a parent name too long to leave room for a child's role", () => {
        assert.throws(() => albLogicalName("a-component-name-of-22c"), NamingError);
    });

    it("gives each ingress slot its own block of listener-rule priorities", () => {
        assert.equal(rulePriority(0, 0), 1);
        assert.equal(rulePriority(3, 9), 40);
        assert.equal(rulePriority(4, 0), 41);
        assert.throws(() => rulePriority(0, 10), /at most 10 listener rules/);
        assert.throws(() => rulePriority(5000, 0), /slot must be an integer from 0 to 4999/);
    });

    it("chunks condition values without losing or reordering any", () => {
        assert.deepEqual(chunk([1, 2, 3, 4, 5, 6], 5), [[1, 2, 3, 4, 5], [6]]);
    });

    it("property: every derived name is valid for its AWS type", () => {
        fc.assert(
            fc.property(versionText, fc.stringMatching(/^[a-z][a-z0-9]{0,12}(-[a-z0-9]{1,8}){0,3}$/), (v, svc) => {
                const label = dnsLabel(v);
                assert.ok(label.length <= LIMITS.dnsLabel && DNS_LABEL.test(label), label);
                assert.ok(/^[0-9]/.test(label), `label starts with a digit: ${label}`);
                const host = hostname(v, "step-studio.be");
                assert.ok(host.length <= LIMITS.dnsName);
                const bucket = bucketName("studio-app-test", v);
                assert.ok(bucket.length >= 3 && bucket.length <= LIMITS.bucketName && BUCKET.test(bucket) && !bucket.includes("."), bucket);
                const stack = stackName(v);
                assert.ok(stack.length <= LIMITS.stackName && STACK.test(stack) && stack !== "dev" && stack !== "prod");
                const svcName = svc.length >= 2 ? svc : `${svc}x`;
                for (const name of [albLogicalName("vnv-ingress"), targetGroupLogicalName("vnv-ingress", svcName)]) {
                    assert.ok(name.length + LIMITS.autoNameSuffix <= 32 && ALB_TG.test(name), name);
                }
                const role = roleLogicalName("vnv-services", `${svcName}-task-role`);
                assert.ok(role.length + LIMITS.autoNameSuffix <= LIMITS.iamRoleName, role);
            }),
        );
    });

    it("property: different versions never share a label, stack name or bucket name", () => {
        fc.assert(
            fc.property(distinct, (texts) => {
                for (const f of [dnsLabel, stackName, (t: string) => bucketName("studio-app-test", t)]) {
                    const names = texts.map((t) => f(t));
                    assert.equal(new Set(names).size, texts.length, names.join(" "));
                }
            }),
            { numRuns: 300 },
        );
    });

    it("property: long labels stay injective after shortening", () => {
        const big = fc.integer({ min: 1e8, max: 999_999_999 });
        const longVersion = fc.tuple(big, big, big, big).map(([a, b, c, n]) => `v${a}.${b}.${c}-rc.${n}`);
        fc.assert(
            fc.property(fc.uniqueArray(longVersion, { minLength: 2, maxLength: 20 }), (texts) => {
                const buckets = texts.map((t) => bucketName("studio-app-test-with-a-long-prefix", t));
                assert.equal(new Set(buckets).size, texts.length);
                assert.ok(buckets.every((b) => b.length <= 63));
            }),
        );
    });

    it("property: childName never exceeds its physical limit and keeps the parent prefix", () => {
        fc.assert(
            fc.property(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), fc.stringMatching(/^[a-z0-9-]{1,80}$/), (parent, role) => {
                const name = childName(parent, role, 32);
                assert.ok(name.length <= 24 && name.startsWith(`${parent}-`), name);
            }),
        );
    });
});
