/** A project directory whose stack files take their images from the test registry, and the images of a version pushed there. */
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "../infra/stackFile";
import { pushImage, type TestRegistry } from "./registry";

/** The versioned images of Pulumi.dev.yaml and Pulumi.prod.yaml: four services and the frontend (`app`). */
export const VERSIONED = ["proxy-server", "event-bridge", "pnp-server", "neo-server", "app"];

/** dev's working hours (`vnv:workingHours`), one line of its stack file. */
export const WORKING_HOURS_LINE = /^ {2}vnv:workingHours: .*\n/m;

/**
 * Copies Pulumi.dev.yaml and Pulumi.prod.yaml into `dir/project`, their images moved to the test
 * registry, and dev's working hours left out (the tests run at any hour, and outside the hours
 * `env up` wakes an environment through Application Auto Scaling, which test/sleep.aws.test.ts
 * runs on moto), and the price tables beside them.
 */
export function projectOn(reg: TestRegistry, dir: string): string {
    const project = path.join(dir, "project");
    fs.mkdirSync(project, { recursive: true });
    for (const stack of ["dev", "prod"]) {
        const text = fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8");
        fs.writeFileSync(
            path.join(project, `Pulumi.${stack}.yaml`),
            text
                .replace(/ghcr\.io\/infrasoftbe\/infrasoft-vnv-/g, `${reg.host}/infrasoftbe/`)
                .replace(/docker\.io\/library\//g, `${reg.host}/library/`)
                .replace(WORKING_HOURS_LINE, ""),
        );
    }
    fs.cpSync(path.join(PROJECT_DIR, "prices"), path.join(project, "prices"), { recursive: true });
    return project;
}

/** Pushes every versioned image of `version` (a build of its own, named by `build`), and the fixed-tag images. */
export async function pushVersion(reg: TestRegistry, version: string, build: string = version): Promise<void> {
    for (const svc of VERSIONED) {
        await pushImage(reg, `infrasoftbe/${svc}`, version, `${svc}@${build}`);
    }
    await pushImage(reg, "library/redis", "7.4-alpine", "redis");
    await pushImage(reg, "library/neo4j", "5.26-community", "neo4j");
}
