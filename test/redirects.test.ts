import { strict as assert } from "node:assert";
import fc from "fast-check";
import { hostname } from "../rules/naming";
import { RedirectUriError, redirectUrisFor, validateRedirectList, validateRedirectUri } from "../rules/redirects";
import { versionText } from "../harness/arbitraries";

describe("redirect URIs", () => {
    it("builds one https URI per path under the environment's host", () => {
        assert.deepEqual(redirectUrisFor("1-2-3-rc-1.step-studio.be", ["/auth/callback", "/"]), [
            "https://1-2-3-rc-1.step-studio.be/",
            "https://1-2-3-rc-1.step-studio.be/auth/callback",
        ]);
    });

    it("rejects http except for localhost", () => {
        assert.throws(() => validateRedirectUri("http://1-2-3.step-studio.be/"), /scheme http is not allowed/);
        assert.equal(validateRedirectUri("http://localhost:3000/"), "http://localhost:3000/");
    });

    for (const ch of ["!", "$", "'", "(", ")", ",", ";"]) {
        it(`rejects the forbidden character ${ch}`, () => {
            assert.throws(() => validateRedirectUri(`https://a.step-studio.be/x${ch}y`), RedirectUriError);
        });
    }

    it("rejects a URI longer than 256 characters", () => {
        assert.throws(() => validateRedirectUri(`https://a.step-studio.be/${"p".repeat(240)}`), /longer than 256/);
    });

    it("rejects more URIs than the application allows (100 with personal accounts)", () => {
        const uris = Array.from({ length: 101 }, (_, i) => `https://h${i}.step-studio.be/`);
        assert.doesNotThrow(() => validateRedirectList(uris));
        assert.throws(() => validateRedirectList(uris, { personalAccounts: true }), /limit of 100/);
    });

    it("property: every version's redirect URIs are acceptable to Azure AD", () => {
        fc.assert(
            fc.property(versionText, (v) => {
                for (const uri of redirectUrisFor(hostname(v, "step-studio.be"), ["/", "/auth/callback"])) {
                    validateRedirectUri(uri);
                }
            }),
        );
    });
});
