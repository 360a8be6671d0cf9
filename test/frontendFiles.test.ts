import { strict as assert } from "node:assert";
import fc from "fast-check";
import { cacheControlOf, contentTypeOf, isFingerprinted, NO_CACHE, ONE_YEAR, SHORT } from "../rules/frontendFiles";

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
