// Posts the output of `pulumi preview` of one stack on its pull request, for preview.yml
// (actions/github-script): ONE comment per stack, found again by a hidden marker and updated on
// every run, else created; the same text goes to the job summary. Output longer than GitHub
// allows is cut in the middle (the start has the changes, the end the summary and diagnostics)
// with a note saying so.
"use strict";
const fs = require("node:fs");

const COMMENT_LIMIT = 65536; // characters in an issue or pull-request comment
const SUMMARY_LIMIT = 1024 * 1024; // bytes of one step's job summary

/** The marker that identifies the comment of a stack. */
function marker(stack) {
    return `<!-- vnv-preview:${stack} -->`;
}

/** A code fence longer than any run of backticks in the text. */
function fenceFor(text) {
    const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
    return "`".repeat(Math.max(3, longest + 1));
}

/**
 * The Markdown of a comment: the marker, a headline, the output in a fenced block, cut in the
 * middle so that `size(body) <= limit`.
 */
function render({ stack, ok, output, sha, runUrl, limit, size = (s) => s.length }) {
    const headline = ok ? `### \`pulumi preview\` of **${stack}**` : `### :x: \`pulumi preview\` of **${stack}** failed`;
    const about = `Commit ${sha} · [workflow run](${runUrl}) (the whole output is its \`preview-${stack}\` artifact)`;
    const text = output.trim() === "" ? "(no output)" : output.replace(/\s+$/, "");
    const fence = fenceFor(text);
    const compose = (body, note) =>
        [
            marker(stack),
            headline,
            "",
            about,
            "",
            ...(note ? [note, ""] : []),
            "<details open><summary>Output</summary>",
            "",
            `${fence}diff`,
            body,
            fence,
            "",
            "</details>",
            "",
        ].join("\n");

    let body = compose(text, "");
    if (size(body) <= limit) return body;
    // Cut: keep the start and the last quarter, drop the middle; shrink until it fits.
    let keep = Math.max(0, text.length - (size(body) - limit) - 400);
    for (;;) {
        const tail = Math.floor(keep / 4);
        const head = keep - tail;
        const cut = text.length - keep;
        const shown = `${text.slice(0, head)}\n\n… ${cut} characters cut here …\n\n${tail > 0 ? text.slice(text.length - tail) : ""}`;
        const note = `> **Output truncated**: ${keep} of ${text.length} characters shown (GitHub's limit); see the run for all of it.`;
        body = compose(shown, note);
        if (size(body) <= limit || keep === 0) return body;
        keep = Math.max(0, keep - Math.max(256, size(body) - limit));
    }
}

/** Creates or updates the stack's comment on the pull request; returns its URL. */
async function upsertComment({ github, context, stack, body }) {
    const { owner, repo } = context.repo;
    const issue_number = context.payload.pull_request.number;
    const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number, per_page: 100 });
    const mine = comments.find((c) => c.user?.type === "Bot" && typeof c.body === "string" && c.body.includes(marker(stack)));
    if (mine) {
        const r = await github.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body });
        return r.data.html_url;
    }
    const r = await github.rest.issues.createComment({ owner, repo, issue_number, body });
    return r.data.html_url;
}

/** Entry point from actions/github-script. */
module.exports = async ({ github, context, core }, { stack, outcome, file }) => {
    const output = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    const ok = outcome === "success";
    const common = {
        stack,
        ok,
        output,
        sha: context.payload.pull_request.head.sha,
        runUrl: `${context.serverUrl}/${context.repo.owner}/${context.repo.repo}/actions/runs/${context.runId}`,
    };
    const url = await upsertComment({ github, context, stack, body: render({ ...common, limit: COMMENT_LIMIT }) });
    core.info(`preview of ${stack} (${outcome}) posted: ${url}`);
    const summary = render({ ...common, limit: SUMMARY_LIMIT - 1024, size: (s) => Buffer.byteLength(s, "utf8") });
    await core.summary.addRaw(summary).write();
};

module.exports.render = render;
module.exports.marker = marker;
module.exports.COMMENT_LIMIT = COMMENT_LIMIT;
