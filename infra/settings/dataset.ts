/**
 * `dataset` of an own database (rules/datasets.ts): in dev's `vnv:ephemeral.database`, the
 * repository of the team's datasets and, optionally, the dataset of versions whose images name
 * none; in an ephemeral environment's `vnv:database`, the dataset it was created from, pinned by
 * digest (`env up` writes it). No `@pulumi/*` import.
 */
import type { DatasetSpec } from "../../rules/datasets";
import type { Reader } from "./reader";

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const IMAGE = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** `pinned`: an environment's (a digest allowed, as env up writes it); otherwise dev's policy, which names no digest. */
export function readDataset(r: Reader, value: unknown, at: string, pinned: boolean): DatasetSpec | undefined {
    const o = r.object(value, at, false);
    if (o === undefined) {
        return undefined;
    }
    r.unknownKeys(o, at, ["image", "tag", "digest"]);
    const image = r.string(o.image, `${at}.image`, {
        required: true,
        pattern: IMAGE,
        allowed: "the datasets' image repository without tag, such as ghcr.io/infrasoftbe/infrasoft-vnv-dataset",
    });
    const tag = r.string(o.tag, `${at}.tag`, { pattern: TAG, allowed: "a dataset version (an image tag)" });
    const digest = r.string(o.digest, `${at}.digest`, { pattern: DIGEST, allowed: "sha256: followed by 64 lowercase hex digits" });
    if (digest !== undefined && !pinned) {
        r.fail(`${at}.digest`, "dev names datasets by tag; env up resolves and pins the digest of the one an environment starts from");
    } else if (digest !== undefined && tag === undefined) {
        r.fail(`${at}.digest`, "a pinned dataset names its tag too");
    }
    return { image: image ?? "", ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}
