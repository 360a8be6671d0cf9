import { strict as assert } from "node:assert";
import fc from "fast-check";
import { compareVersions, highestReleaseCandidate, normaliseVersion, parseVersion, sameVersion, sortVersions, VersionError } from "../rules/versions";
import { rcText, releaseText, snapshotText, stampedText, versionText } from "../harness/arbitraries";

describe("versions", () => {
    it("tells releases, release candidates and snapshots apart", () => {
        assert.equal(parseVersion("v1.2.3").kind, "release");
        assert.equal(parseVersion("v1.2.3-rc.1").kind, "rc");
        assert.equal(parseVersion("1.1.0-SNAPSHOT").kind, "snapshot");
        assert.equal(parseVersion("v1.2.3.snap.20241001").kind, "snapshot");
    });

    it("normalises the seed's RC spellings to vX.Y.Z-rc.N", () => {
        for (const text of ["v1.2.3-RC1", "1.2.3-rc.1", "v1.2.3-rc1", "v1.2.3-RC.1"]) {
            assert.equal(normaliseVersion(text), "v1.2.3-rc.1", text);
        }
    });

    it("keeps the snapshot stamp and the base version", () => {
        const v = parseVersion("v1.2.3.snap.20241001");
        assert.equal(v.stamp, "20241001");
        assert.equal(v.base, "v1.2.3");
        assert.equal(v.canonical, "v1.2.3.snap.20241001");
    });

    it("rejects other forms with an error that names the input and the allowed forms", () => {
        for (const bad of ["", "latest", "v1.2", "v1.2.3-beta.1", "v01.2.3", "v1.2.3+build.5", "v1.2.3-rc.", "1.2.3.snap.", "v1.2.3-rc.-1"]) {
            assert.throws(
                () => parseVersion(bad),
                (e: unknown) => e instanceof VersionError && e.message.includes(JSON.stringify(bad)) && e.message.includes("vX.Y.Z-rc.N"),
                bad,
            );
        }
    });

    it("orders rc.10 above rc.9 (semver, not string order)", () => {
        assert.ok(compareVersions("v1.2.3-rc.10", "v1.2.3-rc.9") > 0);
    });

    it("orders snapshot < release candidate < release for one base version", () => {
        assert.deepEqual(sortVersions(["v1.2.3", "v1.2.3-rc.2", "1.2.3-SNAPSHOT", "v1.2.3.snap.20241001", "v1.2.3-rc.1"]), [
            "1.2.3-SNAPSHOT",
            "v1.2.3.snap.20241001",
            "v1.2.3-rc.1",
            "v1.2.3-rc.2",
            "v1.2.3",
        ]);
    });

    it("orders by base version first", () => {
        assert.ok(compareVersions("v1.10.0-rc.1", "v1.9.9") > 0);
    });

    it("picks the highest release candidate of a base, ignoring other tags", () => {
        const rc = highestReleaseCandidate("v1.2.3", ["v1.2.3-rc.9", "test", "v1.2.3-rc.10", "v1.2.4-rc.99", "prod", "v1.2.3"]);
        assert.equal(rc?.canonical, "v1.2.3-rc.10");
    });

    it("property: every accepted spelling parses, and its canonical form parses to itself", () => {
        fc.assert(
            fc.property(versionText, (text) => {
                const v = parseVersion(text);
                assert.equal(parseVersion(v.canonical).canonical, v.canonical);
                assert.ok(sameVersion(text, v.canonical));
            }),
        );
    });

    it("property: a release is above each of its release candidates and snapshots", () => {
        fc.assert(
            fc.property(releaseText, fc.integer({ min: 0, max: 1e6 }), fc.stringMatching(/^[1-9]\d{0,13}$/), (rel, n, stamp) => {
                const base = parseVersion(rel).base;
                assert.ok(compareVersions(rel, `${base}-rc.${n}`) > 0);
                assert.ok(compareVersions(`${base}-rc.${n}`, `${base}.snap.${stamp}`) > 0);
                assert.ok(compareVersions(`${base}.snap.${stamp}`, `${base}-SNAPSHOT`) > 0);
            }),
        );
    });

    it("property: the order is total and consistent with equality of canonical forms", () => {
        fc.assert(
            fc.property(fc.oneof(rcText, snapshotText, stampedText, releaseText), versionText, (a, b) => {
                const ab = compareVersions(a, b);
                assert.equal(Math.sign(ab), -Math.sign(compareVersions(b, a)));
                assert.equal(ab === 0, sameVersion(a, b));
            }),
        );
    });
});
