/**
 * Datasets' rules (rules/datasets.ts) and their configuration (infra/settings/dataset.ts): what a
 * version's labels name, the reference an environment keeps, and what the settings refuse.
 */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { ephemeralRaw, stackSettings } from "../harness/fixtures";
import { parseSettings, SettingsError } from "../infra/settings";
import { readStackFile } from "../infra/stackFile";
import { DATASET_LABEL, datasetOfLabels, datasetReference, parseDatasetReference } from "../rules/datasets";

const DIGEST = `sha256:${"d".repeat(64)}`;
const REPO = "ghcr.io/infrasoftbe/infrasoft-vnv-dataset";

function problems(raw: Record<string, unknown>): string[] {
    try {
        parseSettings(raw, { project: "vnv", region: "eu-central-1" });
        return [];
    } catch (e) {
        if (e instanceof SettingsError) {
            return [...e.problems];
        }
        throw e;
    }
}

describe("datasets", () => {
    it("a version's images name one dataset: the label of those that carry it, images without it say nothing", () => {
        assert.deepEqual(datasetOfLabels({ "neo-server": { [DATASET_LABEL]: "2026.11" }, "proxy-server": {}, redis: undefined }), {
            tag: "2026.11",
            by: ["neo-server"],
        });
        assert.deepEqual(datasetOfLabels({ "neo-server": {}, "proxy-server": { other: "x" } }), { none: true });
    });

    it("images that name different datasets are refused, naming each", () => {
        const named = datasetOfLabels({ a: { [DATASET_LABEL]: "1" }, b: { [DATASET_LABEL]: "2" } });
        assert.ok("problem" in named);
        assert.match(named.problem, /a: "1"; b: "2"/);
    });

    it("a label that is not a tag is refused, shown escaped and bounded", () => {
        const named = datasetOfLabels({ a: { [DATASET_LABEL]: `\u001b[31m${"x".repeat(500)}` } });
        assert.ok("problem" in named);
        assert.ok(!named.problem.includes("\u001b"), named.problem);
        assert.ok(named.problem.length < 400, named.problem);
    });

    it("a dataset's reference reads back as itself, and nothing else reads as one", () => {
        const tag = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/);
        const digest = fc.stringMatching(/^[0-9a-f]{64}$/).map((h) => `sha256:${h}`);
        const image = fc.stringMatching(/^[a-z0-9]{1,10}(\.[a-z]{2,5})?(:[0-9]{2,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*){1,3}$/).filter((i) => i.length <= 255); // vnv's bound on a repository
        fc.assert(
            fc.property(image, tag, digest, (i, t, d) =>
                assert.deepEqual(parseDatasetReference(datasetReference({ image: i, tag: t, digest: d })), { image: i, tag: t, digest: d }),
            ),
        );
        const long = `ghcr.io/${"a".repeat(248)}`; // 256 characters
        assert.equal(parseDatasetReference(datasetReference({ image: long, tag: "1", digest: DIGEST })), undefined, "a repository over 255 characters");
        for (const bad of [`${REPO}:2026.11`, `${REPO}@${DIGEST}`, `${REPO}:2026.11@sha256:abc`, `${REPO}:2026.11@${DIGEST}\n`, `:2026.11@${DIGEST}`]) {
            assert.equal(parseDatasetReference(bad), undefined, bad);
        }
    });

    it("dev names datasets by tag: a digest in vnv:ephemeral.database.dataset is refused", () => {
        assert.ok(stackSettings("dev").ephemeral?.database?.dataset?.image.endsWith("infrasoft-vnv-dataset"));
        const ephemeral = structuredClone(readStackFile("dev").raw.ephemeral) as { database: { dataset: Record<string, string> } };
        ephemeral.database.dataset = { ...ephemeral.database.dataset, tag: "2026.11", digest: DIGEST };
        assert.throws(
            () => stackSettings("dev", { ephemeral }),
            (e: unknown) => e instanceof SettingsError && e.problems.some((p) => /ephemeral\.database\.dataset\.digest: dev names datasets by tag/.test(p)),
        );
    });

    it("an environment runs a dataset pinned whole (tag and digest); an unpinned one is refused", () => {
        const raw = ephemeralRaw("v1.2.3-rc.1");
        const database = raw.database as Record<string, unknown>;
        assert.deepEqual(problems({ ...raw, database: { ...database, dataset: { image: REPO, tag: "2026.11", digest: DIGEST } } }), []);
        const unpinned = problems({ ...raw, database: { ...database, dataset: { image: REPO, tag: "2026.11" } } });
        assert.ok(
            unpinned.some((p) => /database\.dataset: the dataset an environment runs is pinned/.test(p)),
            unpinned.join("\n"),
        );
    });

    it("a service named like the database's dataset loader is refused when the database has a dataset", () => {
        const raw = ephemeralRaw("v1.2.3-rc.1");
        const services = raw.services as Record<string, unknown>[];
        const clash = { ...services[0]!, name: "neo4j-dataset", public: false, paths: undefined };
        const found = problems({
            ...raw,
            services: [...services, clash],
            database: { ...(raw.database as object), dataset: { image: REPO, tag: "2026.11", digest: DIGEST } },
        });
        assert.ok(
            found.some((p) => /a service is named neo4j-dataset, the name of the database's dataset loader/.test(p)),
            found.join("\n"),
        );
    });

    it("a service named like the snapshot task's log group is refused when the database has a dataset", () => {
        const raw = ephemeralRaw("v1.2.3-rc.1");
        const services = raw.services as Record<string, unknown>[];
        const clash = { ...services[0]!, name: "snapshot", public: false, paths: undefined };
        const found = problems({
            ...raw,
            services: [...services, clash],
            database: { ...(raw.database as object), dataset: { image: REPO, tag: "2026.11", digest: DIGEST } },
        });
        assert.ok(
            found.some((p) => /a service is named snapshot, the name of the snapshot task's log group/.test(p)),
            found.join("\n"),
        );
    });
});
