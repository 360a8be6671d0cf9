import { strict as assert } from "node:assert";
import { generatedPassword } from "../components/graphDatabase";
import { credentialsDocument, DATABASE_USER } from "../rules/database";

describe("an own database's generated credentials", () => {
    it("a password is 48 hex digits: never read as an option by the image's entrypoint, never splitting NEO4J_AUTH", () => {
        const seen = new Set<string>();
        for (let i = 0; i < 500; i++) {
            const p = generatedPassword();
            assert.match(p, /^[0-9a-f]{48}$/);
            seen.add(p);
        }
        assert.equal(seen.size, 500, "passwords repeat");
    });

    it("the secret holds the user, the password and NEO4J_AUTH's form of both", () => {
        const doc = JSON.parse(credentialsDocument("abc123"));
        assert.deepEqual(doc, { username: DATABASE_USER, password: "abc123", auth: "neo4j/abc123" });
    });
});
