import { strict as assert } from "node:assert";
import fc from "fast-check";
import { expiryFor, formatDuration, parseDuration, parseTime, TtlError, ttlPolicy, ttlText } from "../rules/ttl";

const policy = ttlPolicy("6h", "3d");
const created = new Date("2026-11-23T10:00:00Z");

describe("TTL", () => {
    it("parses durations in s, m, h, d, w and their sums", () => {
        assert.equal(parseDuration("90m"), 90 * 60_000);
        assert.equal(parseDuration("1d12h"), 36 * 3_600_000);
        assert.equal(parseDuration("2w"), 14 * 86_400_000);
    });

    for (const bad of ["-1h", "abc", "0h", "6", "h", "1.5h", "6 h", ""]) {
        it(`refuses ${JSON.stringify(bad)}, naming it`, () => {
            assert.throws(
                () => parseDuration(bad, "TTL"),
                (e: unknown) => e instanceof TtlError && e.message.includes(`invalid TTL ${JSON.stringify(bad)}`),
            );
        });
    }

    it("counts the expiry from creation", () => {
        assert.equal(expiryFor(created, "4h", policy).toISOString(), "2026-11-23T14:00:00.000Z");
    });

    it("uses the default TTL when none is asked for", () => {
        assert.equal(expiryFor(created, undefined, policy).toISOString(), "2026-11-23T16:00:00.000Z");
    });

    it("refuses a TTL above the maximum", () => {
        assert.throws(() => expiryFor(created, "73h", policy), /above the maximum of 3d/);
    });

    it("refuses a default above the maximum", () => {
        assert.throws(() => ttlPolicy("4d", "3d"), /default TTL 4d is above the maximum TTL 3d/);
    });

    it("shows time left in the two largest units", () => {
        assert.equal(formatDuration(3_600_000 * 26 + 60_000 * 5 + 7_000), "1d 2h");
        assert.equal(formatDuration(-90_000), "-1m 30s");
        assert.equal(formatDuration(0), "0s");
    });

    it("reads --now as ISO 8601 only", () => {
        assert.equal(parseTime("2026-11-23T18:00:00Z").toISOString(), "2026-11-23T18:00:00.000Z");
        assert.throws(() => parseTime("tomorrow"), /expected an ISO 8601 time/);
    });

    it("property: a sum of parts parses to the sum of their lengths", () => {
        fc.assert(
            fc.property(fc.integer({ min: 1, max: 99 }), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), (d, h, m) => {
                const text = `${d}d${h > 0 ? `${h}h` : ""}${m > 0 ? `${m}m` : ""}`;
                assert.equal(parseDuration(text), d * 86_400_000 + h * 3_600_000 + m * 60_000);
            }),
        );
    });

    it("property: a duration written for the command line reads back as itself, to the minute", () => {
        fc.assert(fc.property(fc.integer({ min: 60_000, max: 400 * 86_400_000 }), (ms) => parseDuration(ttlText(ms)) === Math.round(ms / 60_000) * 60_000));
    });
});
