/**
 * Many environments on a backend, quickly: one stack is created and tagged through the engine,
 * then its checkpoint and tag file (the engine's own bytes) are written again under other names
 * with each environment's tags. Creating 200 stacks through the CLI would take minutes (eight
 * CLI calls a stack); the copies are what the engine itself writes, and the tests check that
 * the CLI lists them.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { s3Location } from "../automation/state/backendReader";
import { type EnvironmentMeta, metaToTags } from "../rules/metadata";
import { mapLimit } from "../automation/util";
import { backendFile, backendUrl } from "./backends";
import { workspaceOptions } from "./driver";

/** The metadata of the i-th seeded environment: half of them expired at `now`. */
export function seededMeta(i: number, now: Date): EnvironmentMeta {
    const createdAt = new Date(now.getTime() - 10 * 3_600_000);
    return {
        stack: `v1-0-${i}`,
        version: `v1.0.${i}`,
        hostname: `1-0-${i}.step-studio.be`,
        owner: "ana",
        createdAt,
        expiresAt: new Date(now.getTime() + (i % 2 === 0 ? -1 : 1) * 3_600_000),
        slot: i,
    };
}

/** Seeds `count` environments (see module doc) on the test's backend; answers their names. */
export async function seedEnvironments(dir: string, count: number, now: Date): Promise<string[]> {
    const template = await LocalWorkspace.createStack({ stackName: "template", projectName: "vnv", program: async () => ({}) }, await workspaceOptions(dir));
    await template.setTag("vnv:kind", "other");
    const checkpoint = await backendFile(dir, ".pulumi/stacks/vnv/template.json");
    const tagFile = JSON.parse(await backendFile(dir, ".pulumi/stacks/vnv/template.pulumi-tags")) as { version: number; tags: Record<string, string> };
    const url = backendUrl(dir);
    const put = url.startsWith("s3://") ? s3Writer(url) : fileWriter(dir);
    const names = Array.from({ length: count }, (_, i) => seededMeta(i, now).stack);
    await mapLimit(names, 16, async (name, i) => {
        await put(`.pulumi/stacks/vnv/${name}.json`, checkpoint.replace('"organization/vnv/template"', `"organization/vnv/${name}"`));
        await put(`.pulumi/stacks/vnv/${name}.pulumi-tags`, JSON.stringify({ version: tagFile.version, tags: metaToTags(seededMeta(i, now)) }));
    });
    await template.workspace.removeStack("template");
    return names;
}

function fileWriter(dir: string): (key: string, body: string) => Promise<void> {
    return async (key, body) => {
        const file = path.join(dir, "state", key);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, body);
    };
}

function s3Writer(url: string): (key: string, body: string) => Promise<void> {
    const at = s3Location(url);
    const client = new S3Client({ region: at.region, endpoint: at.endpoint, forcePathStyle: at.forcePathStyle });
    return async (key, body) => {
        await client.send(new PutObjectCommand({ Bucket: at.bucket, Key: `${at.prefix}${key}`, Body: body }));
    };
}
