/**
 * A sample version of the tool made of stand-ins (standins/), for the newcomer's demo and the
 * Docker target's tests: every image the committed Pulumi.dev.yaml names, written into a
 * registry on loopback, and a project directory whose Pulumi.dev.yaml is the committed one with
 * its images moved to that registry and a Docker target configured.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { PROJECT_DIR } from "../infra/stackFile";
import { DATASET_LABEL } from "../rules/datasets";
import { pushS3ApiImage, pushStandinImage, type StandinSpec } from "../standins";

/** The stand-in of each image of Pulumi.dev.yaml (repository below the registry, tag, what it is). */
export const SAMPLE_IMAGES: readonly { repo: string; tag?: string; spec: (version: string) => StandinSpec }[] = [
    { repo: "infrasoftbe/proxy-server", spec: (v) => ({ kind: "http", service: "proxy-server", port: 8080, version: v }) },
    { repo: "infrasoftbe/event-bridge", spec: (v) => ({ kind: "http", service: "event-bridge", port: 8082, version: v }) },
    { repo: "infrasoftbe/pnp-server", spec: (v) => ({ kind: "http", service: "pnp-server", port: 8081, version: v }) },
    {
        repo: "infrasoftbe/neo-server",
        spec: (v) => ({ kind: "http", service: "neo-server", port: 3000, version: v, labels: { [DATASET_LABEL]: SAMPLE_DATASET.tag } }),
    },
    { repo: "infrasoftbe/app", spec: (v) => ({ kind: "frontend", service: "app", version: v }) },
    { repo: "library/redis", tag: "7.4-alpine", spec: () => ({ kind: "database", service: "redis", port: 6379 }) },
    { repo: "library/neo4j", tag: "5.26-community", spec: () => ({ kind: "database", service: "neo4j", port: 7687 }) },
];

/** The dataset the sample's versions name (neo-server's label): a few graph files. */
export const SAMPLE_DATASET = {
    repo: "infrasoftbe/dataset",
    tag: "2026.11",
    files: [
        { path: "nodes.csv", content: "id,label,name\n1,Requirement,REQ-1 Brakes\n2,Test,TST-1 Brake test\n" },
        { path: "edges.csv", content: "from,to,type\n2,1,VERIFIES\n" },
    ],
} as const;

/** Pushes the stand-ins of `version` (fixed-tag images once) to `registry` (`127.0.0.1:PORT`); answers the S3 API image, pinned. */
export async function pushSample(registry: string, version: string): Promise<string> {
    for (const image of SAMPLE_IMAGES) {
        await pushStandinImage(registry, image.repo, image.tag ?? version, image.spec(version));
    }
    await pushStandinImage(registry, SAMPLE_DATASET.repo, SAMPLE_DATASET.tag, { kind: "dataset", service: "dataset", files: SAMPLE_DATASET.files });
    const digest = await pushS3ApiImage(registry, "library/versitygw", "v1.8.0");
    return `${registry}/library/versitygw@${digest}`;
}

/** `dir/project` with Pulumi.dev.yaml taking its images from `registry` and running Docker environments on `s3Image`. */
export function sampleProject(dir: string, registry: string, s3Image: string, docker: { firstPort?: number } = {}): string {
    if (!path.isAbsolute(dir)) {
        throw new Error(`sampleProject: ${JSON.stringify(dir)} is not an absolute directory`);
    }
    const project = path.join(dir, "project");
    fs.mkdirSync(project, { recursive: true });
    const text = fs
        .readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8")
        .replace(/ghcr\.io\/infrasoftbe\/infrasoft-vnv-/g, `${registry}/infrasoftbe/`)
        .replace(/docker\.io\/library\//g, `${registry}/library/`);
    const doc = YAML.parseDocument(text);
    doc.setIn(["config", "vnv:ephemeral", "docker"], { s3Image, address: "127.0.0.1", firstPort: docker.firstPort ?? 18000 });
    fs.writeFileSync(path.join(project, "Pulumi.dev.yaml"), doc.toString());
    fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(project, "Pulumi.yaml"));
    return project;
}
