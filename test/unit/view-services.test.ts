// What the composition root (src/main.ts) gives the views: the renderer made with its log, and a recorder per view.
import {test} from "node:test";
import assert from "node:assert/strict";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {renderMarkdown} from "../../src/render/index";
import {renderHereChars} from "../../src/render/document";
import {ViewRenderer} from "../../src/vscode/formulaOffload";
import {PostRecorder} from "../../src/vscode/postRecorder";
import {formulaWorkerFile} from "./render-helpers";

function recordingLog(): {warnings: string[]; log: {info(): void; warn(m: string): void; error(m: string | Error): void}} {
    const warnings: string[] = [];
    return {warnings, log: {info: () => undefined, warn: (m) => warnings.push(m), error: (m) => warnings.push(String(m))}};
}

test("ViewRenderer: the log given when it is made hears a worker that cannot start, once; the text still renders", async () => {
    const {warnings, log} = recordingLog();
    const renderer = new ViewRenderer(log, join(tmpdir(), "no-such-formula-worker.js"));
    try {
        // Longer than what renders on the calling thread at once, so it goes to the worker.
        const text = "Then $$\\frac{1}{2} + \\frac{1}{2} = 1$$ and $x^2$. ".repeat(Math.ceil(renderHereChars / 40) + 1);
        assert.equal(await renderer.renderHtml(text), renderMarkdown(text).html);
        assert.equal(await renderer.renderHtml(text), renderMarkdown(text).html);
        assert.equal(warnings.filter((w) => /formula worker failed/.test(w)).length, 1, warnings.join("\n"));
    } finally {
        renderer.dispose();
    }
});

test("ViewRenderer: a working worker renders the text there and counts it", async () => {
    const {warnings, log} = recordingLog();
    const renderer = new ViewRenderer(log, formulaWorkerFile());
    try {
        const text = "A display formula: $$\\sum_{k=1}^{n} k = \\frac{n(n+1)}{2}$$. ".repeat(Math.ceil(renderHereChars / 50) + 1);
        assert.equal((await renderer.renderText(text)).html, renderMarkdown(text).html);
        assert.equal(renderer.stats.texts, 1);
        assert.deepEqual(warnings, []);
    } finally {
        renderer.dispose();
    }
});

test("PostRecorder: keeps what was posted in order, the newest `limit`, in one growing array", () => {
    const recorder = new PostRecorder<number>(3);
    const seen = recorder.messages;
    for (const n of [1, 2, 3, 4, 5]) recorder.record(n);
    assert.deepEqual(recorder.messages, [3, 4, 5]);
    assert.equal(seen, recorder.messages, "the same array: a reader holding it sees new posts");
});
