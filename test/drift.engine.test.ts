/**
 * @engine `vnv drift`: a refresh previewed on the real engine, against a stand-in resource whose
 * real state is a file (harness/standins.ts), changed or removed behind the engine's back.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { main } from "../automation/cli/program";
import { stackSettings } from "../harness/fixtures";
import { BACKENDS, backendUrl, onBackend } from "../harness/backends";
import { makeDriver, PASSPHRASE, useTempDir, workspaceOptions } from "../harness/driver";
import { standIn } from "../harness/standins";

for (const kind of BACKENDS)
    describe(`@engine drift of prod and dev (${kind})`, function () {
        onBackend(kind);
        this.timeout(300_000);
        const tmp = useTempDir("vnv-drift-");
        const record = () => `${tmp()}/record.json`;

        /** dev, deployed with a stand-in holding one drift-able resource; answers its settings. */
        async function deployedDev() {
            await LocalWorkspace.createStack({ stackName: "dev", projectName: "vnv", program: async () => ({}) }, await workspaceOptions(tmp()));
            const settings = stackSettings("dev");
            await makeDriver(tmp(), { auth: undefined, program: standIn({ recordFile: record() }) }).deployStack(settings);
            return settings;
        }

        async function vnvDrift(): Promise<{ code: number; out: string; err: string }> {
            let out = "";
            let err = "";
            const code = await main(["drift", "dev", "--json"], {
                env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: PASSPHRASE, PULUMI_BACKEND_URL: backendUrl(tmp()) },
                stdout: (t) => (out += t),
                stderr: (t) => (err += t),
                program: standIn({ recordFile: record() }),
                pulumiHome: `${tmp()}/home`,
            });
            return { code, out, err };
        }

        it("a stack as its state says has no drift (exit 0), and the check writes nothing", async () => {
            await deployedDev();
            const checkpoint = await LocalWorkspace.create(await workspaceOptions(tmp())).then((ws) => ws.exportStack("dev"));
            const r = await vnvDrift();
            assert.equal(r.code, 0, r.err);
            assert.deepEqual(JSON.parse(r.out).drifted, []);
            const after = await LocalWorkspace.create(await workspaceOptions(tmp())).then((ws) => ws.exportStack("dev"));
            assert.deepEqual(after.deployment.resources, checkpoint.deployment.resources);
        });

        it("a resource changed outside vnv is reported with the outputs that differ, never their values (exit 1)", async () => {
            await deployedDev();
            fs.writeFileSync(record(), JSON.stringify({ value: "changed-by-hand-s3cr3t" }));
            const r = await vnvDrift();
            assert.equal(r.code, 1, r.err);
            const [drifted] = JSON.parse(r.out).drifted;
            assert.deepEqual([drifted.change, drifted.keys, drifted.urn.endsWith("::vnv-record")], ["changed", ["value"], true]);
            assert.ok(!r.out.includes("s3cr3t") && !r.err.includes("s3cr3t"), "a drifted value was shown");
        });

        it("a resource removed outside vnv is reported deleted", async () => {
            await deployedDev();
            fs.rmSync(record());
            const report = await makeDriver(tmp(), { auth: undefined, program: standIn({ recordFile: record() }) }).drift(stackSettings("dev"));
            assert.deepEqual(
                report.drifted.map((d) => d.change),
                ["deleted"],
            );
        });

        it("drift of a stack the backend does not hold is not found (exit 4), and creates nothing", async () => {
            const r = await vnvDrift();
            assert.equal(r.code, 4, r.err);
            assert.match(r.err, /no stack dev on /);
        });
    });
