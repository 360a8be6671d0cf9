/** ECS.5's writable paths: what a service may name, and how its container is set up. */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { parseSettings, SettingsError } from "../infra/settings";
import { readStackFile } from "../infra/stackFile";
import { containerStorage, MAX_WRITABLE_PATHS, writablePathProblem, writablePathsProblems } from "../rules/containerStorage";
import { stackSettings } from "../harness/fixtures";

const segment = fc.stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,15}$/).filter((s) => s !== "." && s !== "..");
const validPath = fc
    .array(segment, { minLength: 1, maxLength: 6 })
    .map((s) => `/${s.join("/")}`)
    .filter((p) => !/^\/(proc|sys|dev)(\/|$)/.test(p));

/** The problems dev's stack file has with `writablePaths` given to its first service. */
function problemsWith(writablePaths: unknown): string[] {
    const { raw, region } = readStackFile("dev");
    const services = structuredClone(raw.services) as Record<string, unknown>[];
    services[0]!.writablePaths = writablePaths;
    try {
        parseSettings({ ...raw, services }, { project: "vnv", region });
        return [];
    } catch (e) {
        if (e instanceof SettingsError) {
            return [...e.problems];
        }
        throw e;
    }
}

describe("writable paths (ECS.5)", () => {
    it("an absolute path of names is accepted", () => {
        fc.assert(fc.property(validPath, (p) => writablePathProblem(p) === undefined));
    });

    it("a path with a . or .. segment is refused, wherever the segment is", () => {
        fc.assert(
            fc.property(fc.array(segment, { maxLength: 4 }), fc.constantFrom(".", ".."), fc.array(segment, { maxLength: 4 }), (before, dot, after) => {
                const problem = writablePathProblem(`/${[...before, dot, ...after].join("/")}`);
                return problem !== undefined && /\. or \.\. segment/.test(problem);
            }),
        );
    });

    it("a relative path, the root, an empty segment or a trailing slash is refused", () => {
        for (const p of ["tmp", "/", "/var//lib", "/tmp/", "/tmp dir", ""]) {
            assert.notEqual(writablePathProblem(p), undefined, p);
        }
    });

    it("the kernel's file systems are not volumes: /proc, /sys, /dev and below are refused", () => {
        for (const p of ["/proc", "/sys/fs", "/dev/shm"]) {
            assert.match(writablePathProblem(p) ?? "", /which the container runtime provides/, p);
        }
        assert.equal(writablePathProblem("/devices"), undefined);
    });

    it(`at most ${MAX_WRITABLE_PATHS} paths per service, and a path is never given twice or inside another`, () => {
        const many = Array.from({ length: MAX_WRITABLE_PATHS + 1 }, (_, i) => `/p${i}`);
        assert.deepEqual(writablePathsProblems(many, "w"), [`w: at most ${MAX_WRITABLE_PATHS} writable paths, got ${MAX_WRITABLE_PATHS + 1}`]);
        assert.deepEqual(writablePathsProblems(["/data", "/tmp", "/data"], "w"), ['w[2]: "/data" appears twice']);
        assert.deepEqual(writablePathsProblems(["/var/lib", "/var/lib/app"], "w"), ['w[1]: "/var/lib/app" is inside "/var/lib", which is writable already']);
        assert.deepEqual(writablePathsProblems(["/var/lib", "/var/library"], "w"), []);
    });

    it("a container's root is read-only and each writable path is its own read-write task volume; /tmp when none is named", () => {
        assert.deepEqual(containerStorage({}), {
            readonlyRootFilesystem: true,
            volumes: [{ name: "writable-0" }],
            mountPoints: [{ sourceVolume: "writable-0", containerPath: "/tmp", readOnly: false }],
        });
        assert.deepEqual(containerStorage({ writablePaths: ["/data", "/tmp"] }).mountPoints, [
            { sourceVolume: "writable-0", containerPath: "/data", readOnly: false },
            { sourceVolume: "writable-1", containerPath: "/tmp", readOnly: false },
        ]);
        assert.deepEqual(containerStorage({ writablePaths: [] }), { readonlyRootFilesystem: true, volumes: [], mountPoints: [] });
    });

    it("a writable root is vnv's own exemption with a reason, never configuration: writableRoot is an unknown key", () => {
        assert.equal(containerStorage({ writableRoot: "why" }).readonlyRootFilesystem, false);
        assert.deepEqual(problemsWith(undefined), []);
        const { raw, region } = readStackFile("dev");
        const services = structuredClone(raw.services) as Record<string, unknown>[];
        services[0]!.writableRoot = "because";
        assert.throws(() => parseSettings({ ...raw, services }, { project: "vnv", region }), /vnv:services\[0\]\.writableRoot: unknown key/);
    });

    it("vnv:services[].writablePaths is read from the stack file: redis writes its snapshots to /data", () => {
        const redis = stackSettings("prod").services.find((s) => s.name === "redis")!;
        assert.deepEqual(redis.writablePaths, ["/data"]);
        assert.equal(stackSettings("prod").services.find((s) => s.name === "proxy-server")!.writablePaths, undefined);
    });

    it("a bad writable path is named by its key, with what is allowed; a list is counted before it is read", () => {
        assert.deepEqual(problemsWith(["/tmp", "../etc"]), ['vnv:services[0].writablePaths[1]: expected an absolute path such as /tmp, got "../etc"']);
        assert.deepEqual(problemsWith(["/tmp", 7]), ["vnv:services[0].writablePaths[1]: expected an absolute path such as /tmp, got 7"]);
        assert.deepEqual(problemsWith("/tmp"), ['vnv:services[0].writablePaths: expected a list, got "/tmp"']);
        assert.deepEqual(problemsWith(Array.from({ length: 5000 }, () => "/tmp")), [
            `vnv:services[0].writablePaths: at most ${MAX_WRITABLE_PATHS} writable paths, got 5000`,
        ]);
        assert.deepEqual(problemsWith(["/a/../b"]), [
            'vnv:services[0].writablePaths[0]: "/a/../b" has a . or .. segment; give the path as it is, such as /var/lib/app',
        ]);
    });
});
