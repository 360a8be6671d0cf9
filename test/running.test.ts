import { strict as assert } from "node:assert";
import fc from "fast-check";
import { runningFrom } from "../automation/release/running";

const D1 = `sha256:${"1".repeat(64)}`;
const D2 = `sha256:${"2".repeat(64)}`;
const outputs = { version: "v1.2.3", imageDigests: { "proxy-server": D1 }, url: "https://vnv.step-studio.be" };

describe("what prod and dev run, from their stacks", () => {
    it("is read from the stack's outputs, not from the history", () => {
        const r = runningFrom("prod", outputs, { version: "v1.2.2", digests: { "proxy-server": D2 } });
        assert.ok(r !== undefined && "placement" in r);
        assert.deepEqual([r.placement.version, r.placement.digests, r.placement.url], ["v1.2.3", { "proxy-server": D1 }, "https://vnv.step-studio.be"]);
    });

    it("says when the stack was updated outside vnv deploy: another version, or no deploy recorded", () => {
        const other = runningFrom("prod", outputs, { version: "1.2.2", digests: {} });
        assert.match(other !== undefined && "placement" in other ? (other.placement.note ?? "") : "", /last recorded deploy was v1\.2\.2/);
        const none = runningFrom("prod", outputs, undefined);
        assert.match(none !== undefined && "placement" in none ? (none.placement.note ?? "") : "", /no deploy recorded/);
    });

    it("says when the same version runs other digests than its last recorded deploy", () => {
        const r = runningFrom("prod", outputs, { version: "v1.2.3", digests: { "proxy-server": D2 } });
        assert.match(r !== undefined && "placement" in r ? (r.placement.note ?? "") : "", /other digests .*proxy-server/);
        const same = runningFrom("prod", outputs, { version: "v1.2.3", digests: { "proxy-server": D1 } });
        assert.equal(same !== undefined && "placement" in same ? same.placement.note : "x", undefined);
    });

    it("a version output that is not text (even one whose toString is not a function) is a problem, never a crash", () => {
        const r = runningFrom("prod", { version: JSON.parse('{"toString": {}}') }, undefined);
        assert.deepEqual(r, { problem: "prod's stack exports a version vnv cannot read (not text but object): not shown" });
    });

    it("a stack that is not there, or was never updated, runs nothing", () => {
        assert.equal(runningFrom("dev", undefined, undefined), undefined);
        assert.equal(runningFrom("dev", {}, undefined), undefined);
    });

    it("property: outputs that are not what vnv writes are a problem or dropped, never shown as they are", () => {
        fc.assert(
            fc.property(fc.anything(), fc.anything(), fc.anything(), (version, digests, url) => {
                const r = runningFrom("prod", { version, imageDigests: digests, url }, undefined);
                if (r === undefined || "problem" in r) {
                    return;
                }
                assert.match(r.placement.version, /^v\d+\.\d+\.\d+/);
                assert.ok(Object.values(r.placement.digests ?? {}).every((d) => /^sha256:[0-9a-f]{64}$/.test(d)));
                assert.ok(r.placement.url === undefined || /^https:\/\/[a-z0-9.-]+$/.test(r.placement.url));
            }),
        );
    });
});
