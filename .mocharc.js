/**
 * mocha's configuration. The default spec (every test) applies only when no test file is named on
 * the command line: `npx mocha test/ttl.test.ts` runs that file alone (a spec in a config file is
 * added to the command line's, so a fixed spec would run everything every time).
 */
const named = process.argv.slice(2).some((a) => /\.test\.ts$/.test(a));
module.exports = {
    require: ["tsx/cjs"],
    ...(named ? {} : { spec: ["test/**/*.test.ts"] }),
    timeout: 20000,
    reporter: "spec",
    "forbid-only": true,
};
