/**
 * The streaming renderer with slow formulas rendered in a real worker thread (out/formulaWorker.js): the
 * update that closes a display formula shows its source as pending, a later refresh shows the formula, and
 * the committed HTML plus the final HTML still equals the one-shot render for every corpus item, with the
 * worker's answers arriving between deltas at arbitrary points. No mocks: a real worker, the real renderer.
 *
 * Each streamed run uses an options set of its own (an unused macro), so its formula cache starts cold and
 * shares nothing with the one-shot reference: a formula that the worker rendered differently from the main
 * thread would show up as a difference.
 */
import {test} from "node:test";
import assert from "node:assert/strict";
import {setImmediate as tick} from "node:timers/promises";
import {renderMarkdown, StreamingRenderer, type RenderError} from "../../src/render/index";
import {WorkerFormulaOffload, type FormulaOffload} from "../../src/render/formulaOffload";
import {formulaWorkerFile, loadCorpus, rng, tokenLike} from "./render-helpers";

let runNo = 0;
const freshOptions = () => ({macros: {[`\\offloadtest${String.fromCharCode(97 + (runNo++ % 26))}`]: "x"}});

/** Runs `body` with a worker offload (started from `file`, the real bundled worker by default), disposed after. */
async function withOffload(body: (offload: WorkerFormulaOffload) => Promise<void>, file = formulaWorkerFile()): Promise<void> {
    const offload = new WorkerFormulaOffload(file);
    try {
        await body(offload);
    } finally {
        offload.dispose();
    }
}

async function streamWith(offload: FormulaOffload, deltas: readonly string[], random: () => number, yieldEvery = 0.3) {
    let html = "";
    const errors: RenderError[] = [];
    const pendings: string[] = [];
    let refreshes = 0;
    const r: StreamingRenderer = new StreamingRenderer({...freshOptions(), offload, onFormulas: () => {
        refreshes++;
        const u = r.refresh();
        html += u.committed.join("");
        errors.push(...u.errors);
        pendings.push(u.pending);
    }});
    for (const d of deltas) {
        const u = r.append(d);
        html += u.committed.join("");
        errors.push(...u.errors);
        pendings.push(u.pending);
        // Let the worker's answers in at random points (sometimes many deltas later).
        if (random() < yieldEvery) await tick();
    }
    if (random() < 0.5) await r.settled();
    const f = r.finish();
    html += f.committed.join("") + f.pending;
    errors.push(...f.errors);
    return {html, errors, pendings, refreshes};
}

test("offloaded formulas: the closing update shows pending source, a refresh the formula; final HTML equals one-shot", async () => {
    await withOffload(async (offload) => {
        await offload.ready();
        const text = "Then\n\n\\[\\frac{a+b}{2} \\ge \\sqrt{ab}\\]\n\nso $x$ and more.\n\nEnd.";
        let refreshed: string | undefined;
        const r: StreamingRenderer = new StreamingRenderer({...freshOptions(), offload, onFormulas: () => {
            refreshed = r.refresh().pending;
        }});
        const first = r.append("Then\n\n\\[\\frac{a+b}{2} \\ge \\sqrt{ab}\\]");
        assert.match(first.pending, /em-pending-math[^>]*>\\\[\\frac\{a\+b\}\{2\}/);
        assert.doesNotMatch(first.pending, /class="katex/);
        await r.settled();
        assert.ok(refreshed !== undefined, "onFormulas was called");
        assert.match(refreshed!, /class="katex-display/);
        assert.doesNotMatch(refreshed!, /em-pending-math/);
        // The block with the formula commits later; a short inline formula renders on the update path.
        const mid = r.append("\n\nso $x$ and more.");
        assert.match(mid.committed.join(""), /katex-display/);
        assert.match(mid.pending, /class="katex"/);
        assert.doesNotMatch(mid.pending, /em-pending-math/);
        const next = r.append("\n\nEnd.");
        const f = r.finish();
        assert.equal(first.committed.join("") + mid.committed.join("") + next.committed.join("") + f.committed.join("") + f.pending, renderMarkdown(text).html);
        assert.ok(offload.stats.jobs >= 1);
    });
});

test("offloaded streaming == one-shot for every corpus item, answers arriving at random points", async () => {
    await withOffload(async (offload) => {
        await offload.ready();
        const random = rng(424242);
        let refreshes = 0;
        for (const item of loadCorpus()) {
            const want = renderMarkdown(item.text);
            const got = await streamWith(offload, tokenLike(item.text), random);
            refreshes += got.refreshes;
            assert.equal(got.html, want.html, item.id);
            assert.deepEqual(got.errors, want.errors, item.id);
            // Pending HTML never shows a KaTeX error for a formula that is only waiting for the worker.
            for (const p of got.pendings) assert.doesNotMatch(p, /<script|onerror=/i);
        }
        // The worker did real work and its answers came back as refreshes.
        assert.ok(offload.stats.jobs > 100, `worker jobs: ${offload.stats.jobs}`);
        assert.ok(refreshes > 50, `refreshes: ${refreshes}`);
    });
});

test("a worker that cannot start: formulas render on the calling thread, same HTML", async () => {
    await withOffload(async (offload) => {
        await assert.rejects(offload.ready());
        const item = loadCorpus().find((i) => i.text.includes("\\begin{align"))!;
        const got = await streamWith(offload, tokenLike(item.text), rng(5));
        assert.equal(got.html, renderMarkdown(item.text).html);
    }, "/nonexistent/formulaWorker.js");
});

test("finish() without waiting for the worker is final (missing formulas render on the calling thread)", async () => {
    await withOffload(async (offload) => {
        await offload.ready();
        const text = "A\n\n$$\\sum_{k=1}^{n} k = \\frac{n(n+1)}{2}$$\n\nB \\(\\int_0^1 x^2\\,dx = \\tfrac13 \\text{ and a rather long inline formula here}\\)\n\nC";
        const r = new StreamingRenderer({...freshOptions(), offload});
        let html = "";
        for (const d of tokenLike(text)) html += r.append(d).committed.join("");
        const f = r.finish();
        html += f.committed.join("") + f.pending;
        assert.equal(html, renderMarkdown(text).html);
        await r.settled();
        assert.deepEqual(r.refresh(), {committed: [], pending: "", errors: []});
    });
});
