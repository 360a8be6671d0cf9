import { strict as assert } from "node:assert";
import fc from "fast-check";
import { parseSince, SinceError } from "../rules/since";

const now = new Date("2026-11-27T12:00:00.000Z");
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
/** A refusal that names the input and the accepted forms. */
const refusal = (input: string) => (e: unknown) =>
    e instanceof SinceError &&
    e.message.includes(`invalid --since ${JSON.stringify(input)}`) &&
    e.message.includes("2026-11-27T10:00Z") &&
    e.message.includes("7d");
/** Moments whose time of day, in any zone from -14:00 to +14:00, is still in the years 0000-9999. */
const moment = fc.date({ min: new Date("0000-01-01T14:00:00.000Z"), max: new Date("9999-12-31T09:59:59.999Z"), noInvalidDate: true });
const offsetMinutes = fc.integer({ min: -14 * 60, max: 14 * 60 });
const pad = (n: number) => String(n).padStart(2, "0");

/** `t` as its local time in the zone `offset` minutes east of UTC, with that offset (`2026-11-27T11:00:00.000+01:00`). */
function withOffset(t: Date, offset: number): string {
    const local = new Date(t.getTime() + offset * 60_000).toISOString().slice(0, -1);
    const a = Math.abs(offset);
    return `${local}${offset < 0 ? "-" : "+"}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

describe("--since", () => {
    it("takes a date as that day's midnight, UTC", () => {
        assert.equal(parseSince("2026-11-27", now).toISOString(), "2026-11-27T00:00:00.000Z");
    });

    it("takes a time with a time zone as that moment, with or without seconds and milliseconds", () => {
        assert.equal(parseSince("2026-11-27T10:00Z", now).toISOString(), "2026-11-27T10:00:00.000Z");
        assert.equal(parseSince("2026-11-27T10:00:30+01:00", now).toISOString(), "2026-11-27T09:00:30.000Z");
        assert.equal(parseSince("2026-11-27T10:00:30.25-02:30", now).toISOString(), "2026-11-27T12:30:30.250Z");
    });

    it("takes a duration as that long before now", () => {
        assert.equal(parseSince("90m", now).toISOString(), "2026-11-27T10:30:00.000Z");
        assert.equal(parseSince("36h", now).toISOString(), "2026-11-26T00:00:00.000Z");
        assert.equal(parseSince("7d", now).toISOString(), "2026-11-20T12:00:00.000Z");
        assert.equal(parseSince("1d12h", now).toISOString(), "2026-11-26T00:00:00.000Z");
    });

    it("reads any moment written as toISOString writes it back as that moment", () => {
        fc.assert(fc.property(moment, (t) => parseSince(t.toISOString(), now).getTime() === t.getTime()));
    });

    it("reads a moment written with any offset from -14:00 to +14:00 as the same moment", () => {
        fc.assert(fc.property(moment, offsetMinutes, (t, offset) => parseSince(withOffset(t, offset), now).getTime() === t.getTime()));
    });

    it("reads any calendar date as its midnight UTC, years 0000 to 9999 included", () => {
        fc.assert(
            fc.property(moment, (t) => {
                const day = t.toISOString().slice(0, 10);
                return parseSince(day, now).toISOString() === `${day}T00:00:00.000Z`;
            }),
        );
    });

    it("puts n of a unit exactly n units before now, and a longer duration earlier", () => {
        fc.assert(
            fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 100_000 }), fc.constantFrom("s", "m", "h", "d", "w"), (a, b, unit) => {
                const at = (n: number) => parseSince(`${n}${unit}`, now).getTime();
                return at(a) === now.getTime() - a * UNIT_MS[unit] && Math.sign(at(a) - at(b)) === Math.sign(b - a);
            }),
        );
    });

    it("accepts nothing but the three forms, and refuses the rest with a SinceError naming the input and the forms", () => {
        const nearMiss = fc.oneof(
            fc.string(),
            fc.stringMatching(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,4})?)?(Z|[+-]\d{2}:\d{2})?)?$/),
            fc.stringMatching(/^\d{1,3}[smhdwyMS]{1,2}$/),
        );
        const FORMS = /^(\d{4}-\d{2}-\d{2}|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})|(\d+[smhdw])+)$/;
        fc.assert(
            fc.property(nearMiss, (text) => {
                try {
                    const d = parseSince(text, now);
                    return FORMS.test(text) && !Number.isNaN(d.getTime());
                } catch (e) {
                    return refusal(text)(e);
                }
            }),
            { numRuns: 2000 },
        );
    });

    for (const bad of [
        "",
        "7",
        "d",
        "-7d",
        "0d",
        "7 d",
        " 7d",
        "7D",
        "1.5h",
        "7y",
        "yesterday",
        "2026-11-27T10:00",
        "2026-11-27 10:00Z",
        "2026-11-27t10:00z",
        "2026-1-27",
        "26-11-27",
        "2026-13-01",
        "2026-02-29",
        "2026-04-31",
        "2026-11-27T24:00Z",
        "2026-11-27T10:60Z",
        "2026-11-27T10:00:60Z",
        "2026-11-27T10:00+15:00",
        "2026-11-27T10:00+0100",
        "2026-11-27T10:00:00.1234Z",
        "+002026-11-27T10:00:00.000Z",
        "1764237600000",
        "99999999999999999999d",
    ]) {
        it(`refuses ${JSON.stringify(bad)}, naming it and the accepted forms`, () => {
            assert.throws(() => parseSince(bad, now), refusal(bad));
        });
    }

    it("takes the 29th of February of a leap year", () => {
        assert.equal(parseSince("2028-02-29", now).toISOString(), "2028-02-29T00:00:00.000Z");
    });

    it("names the flag it was given for", () => {
        assert.throws(
            () => parseSince("soon", now, "since"),
            (e: unknown) => e instanceof SinceError && e.message.startsWith('invalid since "soon": expected'),
        );
    });
});
