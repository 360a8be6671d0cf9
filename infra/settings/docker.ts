/**
 * `vnv:ephemeral.docker`: how dev's ephemeral environments run on a Docker host
 * (`vnv env up <version> --on docker`). Absent: the Docker target is not configured.
 * No `@pulumi/*` import.
 */
import type { Reader } from "./reader";

export interface DockerPolicy {
    /** The S3 API each environment runs for its frontend bucket: `repository@sha256:…` (MinIO is gone; vnv uses versitygw). */
    readonly s3Image: string;
    /** The address public services are published on. @default 127.0.0.1 */
    readonly address: string;
    /** The first host port; environment slot N publishes on firstPort + 10·N … + 9. @default 18000 */
    readonly firstPort: number;
}

/** Ports one environment may publish (its public services and its S3 API). */
export const PORTS_PER_ENVIRONMENT = 10;

const PINNED_IMAGE = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+@sha256:[0-9a-f]{64}$/;
const ADDRESS = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|0\.0\.0\.0|(\d{1,3}\.){3}\d{1,3})$/;

export function readDockerPolicy(r: Reader, value: unknown, at: string): DockerPolicy | undefined {
    const o = r.object(value, at, false);
    if (o === undefined) {
        return undefined;
    }
    r.unknownKeys(o, at, ["s3Image", "address", "firstPort"]);
    const s3Image = r.string(o.s3Image, `${at}.s3Image`, {
        required: true,
        pattern: PINNED_IMAGE,
        allowed: "an image pinned by digest, such as ghcr.io/infrasoftbe/versitygw@sha256:<64 hex digits>",
    });
    const address = r.string(o.address, `${at}.address`, { pattern: ADDRESS, allowed: "an IPv4 address such as 127.0.0.1" }) ?? "127.0.0.1";
    const firstPort = r.integer(o.firstPort, `${at}.firstPort`, 1024, 60000, 18000) ?? 18000;
    return s3Image === undefined ? undefined : { s3Image, address, firstPort };
}
