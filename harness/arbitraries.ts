/** fast-check generators for the version forms of the seeds, in all accepted spellings. */
import fc from "fast-check";

const num = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 999_999_999 }));
const core = fc.tuple(num, num, num).map(([a, b, c]) => `${a}.${b}.${c}`);
const v = fc.constantFrom("v", "");

export const releaseText = fc.tuple(v, core).map(([p, c]) => `${p}${c}`);
export const rcText = fc
    .tuple(v, core, fc.constantFrom("-rc.", "-RC", "-rc", "-RC."), fc.integer({ min: 0, max: 99_999 }))
    .map(([p, c, sep, n]) => `${p}${c}${sep}${n}`);
export const snapshotText = fc.tuple(v, core, fc.constantFrom("-SNAPSHOT", "-snapshot")).map(([p, c, s]) => `${p}${c}${s}`);
export const stampedText = fc.tuple(v, core, fc.stringMatching(/^[1-9]\d{0,13}$/)).map(([p, c, stamp]) => `${p}${c}.snap.${stamp}`);

/** Any accepted spelling of any version form. */
export const versionText = fc.oneof(releaseText, rcText, snapshotText, stampedText);
