/**
 * One block that goes on and on (a paragraph of 100 KB with no blank line, as a model that never stops may write)
 * while it streams: with the formula worker, no update renders such a block on the calling thread (the extension
 * host's); the worker does, and the committed HTML plus the final HTML still equals the one-shot render.
 *
 * The first test uses the real worker (out/formulaWorker.js). The second needs a worker that has not answered yet at
 * a moment the test chooses: its offload renders formulas with the real renderer at once and keeps every whole-text
 * job until the test lets it go (then with the real one-shot renderer), a stand-in for a worker that is busy.
 */
import {test} from "node:test";
import assert from "node:assert/strict";
import {setImmediate as tick} from "node:timers/promises";
import {renderMarkdown, StreamingRenderer, type RenderError, type RenderOptions, type RenderResult} from "../../src/render/index";
import {WorkerFormulaOffload, type FormulaOffload, type FormulaJob} from "../../src/render/formulaOffload";
import {renderFormula} from "../../src/render/katex";
import {bigTailChars} from "../../src/render/stream";
import {formulaWorkerFile} from "./render-helpers";

/** About `chars` characters of one paragraph (no blank line): words, short inline formulas, a line break now and then. */
function longParagraph(chars: number, seed: string): string {
    const parts: string[] = [];
    let n = 0;
    for (let i = 0; n < chars; i++) {
        const part = i % 7 === 6 ? `\nso $x_{${i}} + ${seed} = ${i}$ holds` : ` term ${i} of ${seed} is $a_{${i}}^2$,`;
        parts.push(part);
        n += part.length;
    }
    return `Step ${seed}:` + parts.join("");
}

const text = `${longParagraph(100_000, "one")}\n\nA short paragraph with $\\frac{1}{2}$.\n\n${longParagraph(60_000, "two")}\n`;

test("a 100 KB paragraph streamed with the real worker: the worker renders the big blocks, the HTML equals one-shot", async () => {
    const offload = new WorkerFormulaOffload(formulaWorkerFile());
    try {
        await offload.ready();
        const options = {macros: {"\\bigblocktest": "x"}};
        let html = "";
        const errors: RenderError[] = [];
        let pendingText = 0;
        const r: StreamingRenderer = new StreamingRenderer({...options, offload, onFormulas: () => {
            const u = r.refresh();
            html += u.committed.join("");
            errors.push(...u.errors);
        }});
        for (let i = 0; i < text.length; i += 700) {
            const u = r.append(text.slice(i, i + 700));
            html += u.committed.join("");
            errors.push(...u.errors);
            if (u.pending.includes("em-pending-text")) pendingText++;
            await tick();
        }
        assert.ok(pendingText > 0, "the end of a long paragraph is shown as pending text while its rendering is out");
        await r.finishing();
        const textsBeforeFinish = offload.stats.texts;
        const f = r.finish();
        html += f.committed.join("") + f.pending;
        errors.push(...f.errors);
        const oneShot = renderMarkdown(text, options);
        assert.equal(html, oneShot.html);
        assert.deepEqual(errors, oneShot.errors);
        // The first paragraph (committed), tails of both long paragraphs, and the last paragraph for finish().
        assert.ok(textsBeforeFinish >= 3, `texts rendered by the worker: ${textsBeforeFinish}`);
        assert.equal(offload.stats.texts, textsBeforeFinish, "finish() asked the worker for nothing more");
    } finally {
        offload.dispose();
    }
});

test("with a text offload that has not answered, no update renders a big block here; its answer is committed in order", async () => {
    const jobs: {text: string; options: RenderOptions; resolve: (r: RenderResult) => void}[] = [];
    const offload: FormulaOffload = {
        render: (job: FormulaJob) => Promise.resolve(renderFormula(job.tex, job.display, job.source, job.macros)),
        renderMarkdown: (t, options) => new Promise((resolve) => jobs.push({text: t, options, resolve}))
    };
    let refreshed = 0;
    const r: StreamingRenderer = new StreamingRenderer({offload, onFormulas: () => refreshed++});
    const first = longParagraph(100_000, "one");
    let committed = "";
    for (let i = 0; i < first.length; i += 1000) {
        const u = r.append(first.slice(i, i + 1000));
        committed += u.committed.join("");
        // Past the big-block size, nothing of the paragraph is rendered here: it shows as escaped text.
        if (i > bigTailChars) assert.doesNotMatch(u.pending, /class="katex/, `update at ${i}: rendered here`);
    }
    assert.ok(jobs.length >= 1, "the tail was asked of the offload");
    assert.ok(jobs.every((j) => j.text.length > bigTailChars && j.options.macros === undefined));
    // The paragraph ends; the next one starts: the first is finished but held, shown as pending text.
    let u = r.append("\n\nNext $y$.");
    committed += u.committed.join("");
    assert.equal(committed, "", "nothing committed while the big block's rendering is out");
    assert.match(u.pending, /^<span class="em-pending-text">Step one:/);
    const blockJob = jobs.find((j) => j.text.startsWith("Step one:") && j.text.endsWith("\n\n"));
    assert.ok(blockJob != null, "the finished block was asked of the offload");
    // The offload answers (with the real renderer): a refresh commits the block, then the next one follows.
    for (const j of jobs) j.resolve(renderMarkdown(j.text, j.options));
    await tick();
    assert.ok(refreshed >= 1, "the renderer asked for a refresh");
    u = r.refresh();
    committed += u.committed.join("");
    const f = r.finish();
    assert.equal(committed + f.committed.join("") + f.pending, renderMarkdown(first + "\n\nNext $y$.").html);
});

test("the worker: one block of many formulas says it is working between them; it is not given up, nor a formula queued behind it", async () => {
    // A job is given up when the worker sends no sign of work for the offload's no-answer time (5 s by default). The
    // block is one slice of the text (slices end between blocks): the worker says it is working between the block's
    // formulas, at most every 50 ms. (A test with a short no-answer time instead was at the mercy of the scheduler in
    // a loaded run of the unit tier: the worker thread was off the CPU for a second.)
    const offload = new WorkerFormulaOffload(formulaWorkerFile());
    try {
        await offload.ready();
        // Formulas that take a while each (not much HTML for the time): about 1 s for this one block on an idle core.
        const block = "Step:" + Array.from({length: 1500}, (_v, i) => ` so $\\frac{a_{${i}}}{b_{${i}}} + \\sqrt{x_{${i}}^2+1} = \\sum_{k=1}^{${i}} k$ and`).join("");
        const options = {macros: {"\\bigblockslice": "x"}};
        const t0 = performance.now();
        const [text, formula] = await Promise.all([
            offload.renderMarkdown(block, options),
            offload.render({tex: "\\frac{a}{b}", display: true, source: "$$\\frac{a}{b}$$", macros: {}})
        ]);
        const ms = performance.now() - t0;
        // One sign per slice only (the old worker) would be 1 here.
        assert.ok(offload.stats.signs >= Math.min(5, Math.floor(ms / 100)), `${offload.stats.signs} signs of work in ${ms.toFixed(0)} ms`);
        assert.ok(offload.stats.signs >= 3, `${offload.stats.signs} signs of work in ${ms.toFixed(0)} ms`);
        assert.equal(offload.stats.timedOut, 0, "a job was given up");
        assert.equal(text.html, renderMarkdown(block, options).html);
        assert.doesNotMatch(formula.html, /em-math-error/);
    } finally {
        offload.dispose();
    }
});
