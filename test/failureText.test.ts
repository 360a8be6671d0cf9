import { strict as assert } from "node:assert";
import fc from "fast-check";
import { failureText } from "../automation/util";

/** The text of the Automation API's CommandError for a failed `pulumi up` (its CommandResult.toString()). */
const commandError = (stdout: string, stderr: string, code: number = 255) => new Error(`code: ${code}\n stdout: ${stdout}\n stderr: ${stderr}\n err?: \n`);

describe("failure reasons", () => {
    it("a failed engine run is told by the engine's error lines first, then its exit code", () => {
        const stdout = [
            "Updating (v1-2-3):",
            " +  pulumi:pulumi:Stack vnv-v1-2-3 creating (0s)",
            "Diagnostics:",
            "  pulumi:pulumi:Stack (vnv-v1-2-3):",
            "    error: Error: stand-in failure for v1.2.3",
            "Resources:",
        ].join("\n");
        const text = failureText(commandError(stdout, "error: update failed\n", -2));
        assert.deepEqual(text.split("\n"), ["error: update failed", "error: Error: stand-in failure for v1.2.3", "(pulumi exited with code -2)"]);
    });

    it("a failed engine run without error lines is told by the last lines of its stderr", () => {
        assert.equal(failureText(commandError("", "warning: x\nsignal: killed\n")), "warning: x\nsignal: killed\n(pulumi exited with code 255)");
    });

    it("property: any other failure is told as it is", () => {
        fc.assert(
            fc.property(
                fc.string().filter((t) => !t.startsWith("code: ")),
                (t) => failureText(new Error(t)) === t,
            ),
        );
    });
});
