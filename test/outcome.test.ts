/**
 * The one error policy: every typed error carries its meaning once, and the command line's exit
 * code is read from it (automation/cli/outcome.ts). A new error type must be added here, or the
 * last test fails.
 */
import { DatasetError } from "../automation/release/dataset";
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { CommanderError } from "commander";
import { classify, EXIT } from "../automation/cli/outcome";
import { ProblemsError } from "../automation/cli/program";
import { ComposeError, DockerUnreachableError, PortTakenError } from "../automation/docker/engine";
import { UnhealthyError } from "../automation/environments/health";
import {
    CapacityError,
    EnvironmentNotFoundError,
    LeaseHeldError,
    MissingSecretsError,
    NotEphemeralError,
    OperationError,
    StackLockedError,
    UsageError,
} from "../automation/errors";
import { AuditEventError, HistoryBoundError } from "../automation/history/audit";
import { AuditWriteError } from "../automation/history/auditing";
import { CatalogueError } from "../automation/release/catalogue";
import { ReleaseMovedError } from "../automation/release/record";
import { NothingToRollBackError } from "../automation/release/rollback";
import { MissingImagesError, PromotionRefusedError } from "../automation/release/release";
import { BackendLayoutError, BackendObjectError } from "../automation/state/backendReader";
import { BlobNotObjectError, BlobTooLargeError, ListingTooLargeError } from "../automation/state/blobStore";
import { PulumiCliNotFoundError } from "../automation/state/pulumiCli";
import { SettingsError } from "../infra/settings";
import { ExtractError } from "../registry/extract";
import { DumpRefusedError } from "../registry/snapshotLayer";
import { LayerLimitError } from "../registry/layerStream";
import { RegistryError } from "../registry/transport";
import { CycleError, GraphError } from "../rules/criticalPath";
import { ImageReferenceError } from "../rules/imageReference";
import { NamingError } from "../rules/naming";
import { RedirectUriError } from "../rules/redirects";
import { SinceError } from "../rules/since";
import { TtlError } from "../rules/ttl";
import { PriceTableError } from "../rules/prices";
import { VersionError } from "../rules/versions";

const ROOT = path.join(__dirname, "..");

/** Every .ts file below `dir` (relative to the repository). */
function sourceFiles(dir: string): string[] {
    return (fs.readdirSync(path.join(ROOT, dir), { recursive: true }) as string[]).filter((f) => f.endsWith(".ts")).map((f) => path.join(ROOT, dir, f));
}

const lock = { url: "x", user: "ana", host: "h", pid: 1, since: new Date(0) };
// Each error type, made as its module makes it (arguments are irrelevant to the code; `never` where their shape is).
const ERRORS: Record<string, [() => unknown, number]> = {
    UsageError: [() => new UsageError("x"), EXIT.usage],
    MissingSecretsError: [() => new MissingSecretsError(), EXIT.usage],
    NothingToRollBackError: [() => new NothingToRollBackError("x"), EXIT.usage],
    TtlError: [() => new TtlError("x"), EXIT.usage],
    VersionError: [() => new VersionError("x", "y"), EXIT.usage],
    SettingsError: [() => new SettingsError(["x"]), EXIT.usage],
    StackLockedError: [() => new StackLockedError("s", [lock]), EXIT.busy],
    LeaseHeldError: [() => new LeaseHeldError("s", [lock]), EXIT.busy],
    CapacityError: [() => new CapacityError(1, []), EXIT.busy],
    EnvironmentNotFoundError: [() => new EnvironmentNotFoundError("s"), EXIT.notFound],
    OperationError: [() => new OperationError("x"), EXIT.failed],
    ProblemsError: [() => new ProblemsError(["x"]), EXIT.failed],
    NotEphemeralError: [() => new NotEphemeralError("s", "x"), EXIT.failed],
    UnhealthyError: [() => new UnhealthyError({ healthy: false, services: [], waitedMs: 0 } as never), EXIT.failed],
    AuditWriteError: [() => new AuditWriteError({ action: "deploy", environment: "e", version: "", digests: {} }, "x"), EXIT.failed],
    AuditEventError: [() => new AuditEventError(["x"]), EXIT.failed],
    HistoryBoundError: [() => new HistoryBoundError("x"), EXIT.failed],
    CatalogueError: [() => new CatalogueError([]), EXIT.failed],
    PriceTableError: [() => new PriceTableError("x"), EXIT.failed],
    ReleaseMovedError: [() => new ReleaseMovedError([]), EXIT.failed],
    DatasetError: [() => new DatasetError("x"), EXIT.failed],
    MissingImagesError: [() => new MissingImagesError({ version: "v1.0.0", images: [], missing: [], digests: {} } as never), EXIT.failed],
    PromotionRefusedError: [() => new PromotionRefusedError(["x"]), EXIT.failed],
    BackendObjectError: [() => new BackendObjectError("k", "x"), EXIT.failed],
    BackendLayoutError: [() => new BackendLayoutError("x"), EXIT.failed],
    BlobTooLargeError: [() => new BlobTooLargeError("k", 2, 1), EXIT.failed],
    BlobNotObjectError: [() => new BlobNotObjectError("k", "directory" as never), EXIT.failed],
    ListingTooLargeError: [() => new ListingTooLargeError("p", 1 as never), EXIT.failed],
    PulumiCliNotFoundError: [() => new PulumiCliNotFoundError([]), EXIT.failed],
    ExtractError: [() => new ExtractError("i", "sha256:0", "/", "x"), EXIT.failed],
    DumpRefusedError: [() => new DumpRefusedError("x"), EXIT.failed],
    LayerLimitError: [() => new LayerLimitError("x"), EXIT.failed],
    RegistryError: [() => new RegistryError("not-found", "i", "x"), EXIT.failed],
    CycleError: [() => new CycleError(["a"]), EXIT.failed],
    GraphError: [() => new GraphError("x"), EXIT.failed],
    ImageReferenceError: [() => new ImageReferenceError("x"), EXIT.failed],
    NamingError: [() => new NamingError("x"), EXIT.failed],
    RedirectUriError: [() => new RedirectUriError("x"), EXIT.failed],
    DockerUnreachableError: [() => new DockerUnreachableError("unix:///x", "x"), EXIT.failed],
    ComposeError: [() => new ComposeError("p", "up", "x"), EXIT.failed],
    PortTakenError: [() => new PortTakenError("p", "x"), EXIT.busy],
    SinceError: [() => new SinceError("x" as never, "x" as never), EXIT.failed],
};

describe("the error policy: one meaning per error type, one exit code per meaning", () => {
    for (const [name, [make, code]] of Object.entries(ERRORS)) {
        it(`${name} exits ${code}`, () => {
            assert.equal(classify(make()).code, code);
        });
    }

    it("anything else thrown exits 1 with its text; --help exits 0, a commander refusal 2", () => {
        assert.deepEqual(classify("boom"), { code: EXIT.failed, message: "boom" });
        assert.equal(classify(new CommanderError(0, "commander.helpDisplayed", "")).code, EXIT.done);
        assert.equal(classify(new CommanderError(1, "commander.unknownOption", "")).code, EXIT.usage);
    });

    it("every error type in the source is in the table above", () => {
        const found = ["automation", "rules", "infra", "registry", "components"].flatMap((dir) =>
            sourceFiles(dir).flatMap((p) => [...fs.readFileSync(p, "utf8").matchAll(/^export class (\w+) extends \w*Error\b/gm)].map((m) => m[1]!)),
        );
        assert.deepEqual(found.filter((name) => !(name in ERRORS)).sort(), []);
    });

    it("no command assigns an exit code by hand: only the entry point sets the process's, from main's answer", () => {
        const hand = sourceFiles("automation").flatMap((p) => [...fs.readFileSync(p, "utf8").matchAll(/exitCode\s*=(?!=)/g)].map(() => path.relative(ROOT, p)));
        assert.deepEqual(hand, ["automation/cli/main.ts"]);
    });
});
