import { strict as assert } from "node:assert";
import fc from "fast-check";
import {
    cacheControlOf,
    contentTypeOf,
    describeRefusals,
    frontendFilesProblem,
    isFingerprinted,
    NO_CACHE,
    ONE_YEAR,
    REFUSALS_LISTED,
    SHORT,
} from "../rules/frontendFiles";

describe("the frontend's files as the bucket serves them", () => {
    it("index.html and release.json are never cached, so a new version is seen at once", () => {
        assert.equal(cacheControlOf("index.html"), NO_CACHE);
        assert.equal(cacheControlOf("admin/index.html"), NO_CACHE);
        assert.equal(cacheControlOf("release.json"), NO_CACHE);
    });

    it("fingerprinted assets are cached for a year; other files briefly", () => {
        for (const key of ["assets/index-DfX93kQa.js", "static/js/main.1a2b3c4d.js", "assets/logo-9f8e7d6c.svg"]) {
            assert.equal(cacheControlOf(key), ONE_YEAR, key);
        }
        for (const key of ["favicon.ico", "robots.txt", "assets/logo.svg", "manifest.webmanifest", "assets/vendor-components.js"]) {
            assert.equal(cacheControlOf(key), SHORT, key);
        }
    });

    it("content types follow the extension, text ones in UTF-8, unknown ones as bytes", () => {
        assert.equal(contentTypeOf("index.html"), "text/html; charset=utf-8");
        assert.equal(contentTypeOf("assets/app.1a2b3c4d.JS"), "text/javascript; charset=utf-8");
        assert.equal(contentTypeOf("fonts/a.woff2"), "font/woff2");
        assert.equal(contentTypeOf("data.bin"), "application/octet-stream");
        assert.equal(contentTypeOf("LICENSE"), "application/octet-stream");
    });

    it("property: a name without a hash of 8+ characters holding a digit is never cached for a year", () => {
        fc.assert(fc.property(fc.stringMatching(/^[a-z]{1,12}\.(js|css|svg)$/), (key) => !isFingerprinted(key) && cacheControlOf(key) !== ONE_YEAR));
    });
});

describe("the frontend's files a deploy accepts", () => {
    const key = fc.array(fc.stringMatching(/^[a-z0-9._-]{1,8}$/), { minLength: 1, maxLength: 4 }).map((p) => p.join("/"));

    it("no files at all are refused: the bucket would serve nothing but release.json", () => {
        assert.match(frontendFilesProblem([]) ?? "", /holds no files/);
    });

    it("files without index.html at the top are refused, naming the shallowest index.html found deeper", () => {
        assert.match(frontendFilesProblem(["app.js"]) ?? "", /^has no index.html at its top: /);
        assert.match(
            frontendFilesProblem(["dist/a/index.html", "dist/index.html", "b/index.html", "dist/app.js"]) ?? "",
            /there is "b\/index.html": the root is likely one directory too high/,
        );
    });

    it("property: files are accepted exactly when index.html is among them", () => {
        fc.assert(fc.property(fc.array(key, { maxLength: 20 }), (files) => (frontendFilesProblem(files) === undefined) === files.includes("index.html")));
    });

    it("refusals name at most 20 entries, then say how many more", () => {
        const listed = Array.from({ length: 20 }, (_, i) => ({ name: `l${i}`, reason: "a symlink entry" }));
        const text = describeRefusals({ listed, count: 27 });
        assert.equal(text.split("\n").length, REFUSALS_LISTED + 1);
        assert.match(text, /^ {2}"l0": a symlink entry$/m);
        assert.match(text, /… and 7 more$/);
    });

    it("property: a refusal's name never reaches the text raw, whatever it holds", () => {
        fc.assert(
            fc.property(fc.string({ unit: "binary", maxLength: 300 }), (name) => {
                const text = describeRefusals({ listed: [{ name, reason: "why" }], count: 1 });
                return !/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(text) && text.length < 2100; // 200 characters, each at most `\\u{xxxxx}`
            }),
        );
    });
});
