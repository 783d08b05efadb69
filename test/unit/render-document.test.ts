/**
 * Whole texts rendered without holding the calling thread (src/render/document.ts): in slices that give the event loop
 * back, and in the real formula worker (out/formulaWorker.js), which is how the extension host renders everything
 * outside a stream (a problem, a final answer, a restored answer). Each gives exactly `renderMarkdown`'s HTML and
 * errors; a worker that stops answering gives the text as its source with the reason, never a render on this thread;
 * a worker that cannot start leaves the text to this thread, sliced. No mocks: real workers, the real renderer.
 */
import {test} from "node:test";
import assert from "node:assert/strict";
import {mkdtempSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {htmlPieces, htmlSlices, pieceChars, renderMarkdown, renderMarkdownOffloaded, renderMarkdownSliced} from "../../src/render/index";
import {WorkerFormulaOffload} from "../../src/render/formulaOffload";
import {OrderedPost} from "../../src/vscode/orderedPost";
import {longAnswerChunks} from "../fixtures/longAnswer";
import {formulaWorkerFile, loadCorpus} from "./render-helpers";

const bomb = (n: number, uses: number) => `$\\def\\a{${"x".repeat(n)}}${"\\a".repeat(uses)}$`;
let optionsNo = 0;
/** An options set no other render used: its formula cache starts cold. */
const fresh = () => ({macros: {[`\\doctest${String.fromCharCode(97 + (optionsNo++ % 26))}${"q".repeat(Math.floor(optionsNo / 26))}`]: "x"}});

function hangWorker(): string {
    const file = join(mkdtempSync(join(tmpdir(), "emt-hang-")), "hang-worker.cjs");
    writeFileSync(file, "const {parentPort} = require('node:worker_threads');\nparentPort.postMessage({ready: true});\nparentPort.on('message', () => {});\n");
    return file;
}

test("sliced: the same HTML and errors as renderMarkdown on the corpus; its cuts give pieces that join to the HTML", async () => {
    for (const item of loadCorpus().slice(0, 60)) {
        const want = renderMarkdown(item.text);
        const got = await renderMarkdownSliced(item.text, fresh());
        assert.equal(got.html, want.html, item.id);
        assert.deepEqual(got.errors, want.errors, item.id);
        const pieces = htmlSlices(got, 2000);
        assert.equal(pieces.join(""), got.html, item.id);
        for (const p of pieces) {
            // A piece over the size is one block; every piece starts where a block starts.
            if (p.length > 2000) assert.ok(got.cuts!.includes(got.html.indexOf(p) + p.length), `${item.id}: an oversized piece is one block`);
        }
    }
});

test("sliced: a long answer gives the event loop back while it renders", async () => {
    const text = longAnswerChunks(120, 10).join("");
    let slices = 0;
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
        const got = await renderMarkdownSliced(text, fresh(), () => slices++);
        assert.equal(got.html, renderMarkdown(text).html);
    } finally {
        clearInterval(timer);
    }
    assert.ok(slices > 1, `rendered in ${slices} slice(s)`);
    assert.ok(ticks > 0, "a timer of this thread ran while the text rendered");
});

test("offloaded: the worker gives renderMarkdown's HTML and errors; bombs as source with the reason; this thread stays free", async () => {
    const offload = new WorkerFormulaOffload(formulaWorkerFile());
    try {
        await offload.ready();
        for (const item of loadCorpus().slice(0, 40)) {
            const got = await renderMarkdownOffloaded(item.text, fresh(), offload);
            const want = renderMarkdown(item.text);
            assert.equal(got.html, want.html, item.id);
            assert.deepEqual(got.errors, want.errors, item.id);
        }
        const text = `# ${bomb(1000, 100)}\n\n${longAnswerChunks(60, 10).join("")}So the answer is $\\boxed{${bomb(10000, 500).slice(1, -1)}}$.`;
        let ticks = 0;
        const timer = setInterval(() => ticks++, 1);
        const before = offload.stats.texts;
        let got;
        try {
            got = await renderMarkdownOffloaded(text, fresh(), offload);
        } finally {
            clearInterval(timer);
        }
        assert.equal(offload.stats.texts, before + 1, "the text went to the worker");
        assert.equal(got.html, renderMarkdown(text, fresh()).html);
        // It came in pieces cut between blocks, as UTF-8 bytes, and a view is sent those bytes as they came (they never
        // become strings on this thread unless `html` is read).
        assert.ok(got.bytes != null && got.bytes.length > 1, `${got.bytes?.length} piece(s) for ${got.html.length} characters`);
        assert.ok(got.bytes.every((p) => p instanceof Uint8Array));
        assert.equal(htmlPieces(got), got.bytes);
        const decoded = got.bytes.map((p) => new TextDecoder().decode(p));
        assert.equal(decoded.join(""), got.html);
        for (const p of decoded) assert.ok(p.length <= pieceChars || !p.slice(1).includes("<h3>"), "a piece over the size is one block");
        const reasons = [...got.html.matchAll(/class="em-math-error[^"]*" title="([^"]*)"/g)].map((m) => m[1]!);
        assert.equal(reasons.length, 2, reasons.join(" | "));
        for (const r of reasons) assert.match(r, /Too many expansions.*macro amplification/);
        assert.ok(ticks > 0, "this thread's timers ran while the worker rendered");
    } finally {
        offload.dispose();
    }
});

test("offloaded: formulas of a stream asked while a long text renders are answered before the text is done", async () => {
    const offload = new WorkerFormulaOffload(formulaWorkerFile());
    try {
        await offload.ready();
        const order: string[] = [];
        const text = offload.renderMarkdown(longAnswerChunks(200, 10).join(""), fresh()).then(() => order.push("text"));
        await new Promise((r) => setTimeout(r, 50));
        const formula = offload.render({tex: "\\frac{a}{b}", display: true, source: "$$\\frac{a}{b}$$", macros: {}}).then(() => order.push("formula"));
        await Promise.all([text, formula]);
        assert.deepEqual(order, ["formula", "text"]);
    } finally {
        offload.dispose();
    }
});

test("offloaded: a text that keeps reporting progress is not given up, however long it takes", async () => {
    // 400 ms without a sign of work gives a job up; a long text takes far longer (about 1.4 s on an idle core), but
    // reports each slice. (With 300 ms, one slice of a heavily loaded run of the unit tier once took longer than that.)
    const offload = new WorkerFormulaOffload(formulaWorkerFile(), {timeoutMs: 400});
    try {
        await offload.ready();
        const text = longAnswerChunks(400, 10).join("");
        const t0 = performance.now();
        const got = await renderMarkdownOffloaded(text, fresh(), offload);
        const ms = performance.now() - t0;
        assert.ok(ms > 600, `the text took ${ms.toFixed(0)} ms: not long enough to show the point`);
        assert.equal(offload.stats.timedOut, 0);
        assert.equal(got.html, renderMarkdown(text).html);
    } finally {
        offload.dispose();
    }
});

test("offloaded: a worker that does not answer gives the text as its source with the reason, never rendered here", async () => {
    const offload = new WorkerFormulaOffload(hangWorker(), {timeoutMs: 300});
    try {
        await offload.ready();
        // Over the length that renders on the calling thread (or defining a macro): it goes to the worker.
        const got = await renderMarkdownOffloaded("Then $\\frac{a}{b}$ and <b>bold</b> \u202E21. " + "More. ".repeat(200), fresh(), offload);
        assert.match(got.html, /^<pre class="em-math-error em-unrendered" title="The formula worker gave no answer in 300 ms[^"]*" tabindex="0">/);
        assert.ok(got.html.includes("Then $\\frac{a}{b}$ and &lt;b&gt;bold&lt;/b&gt; ⟨U+202E⟩21."), got.html);
        assert.doesNotMatch(got.html, /class="katex/);
        assert.equal(got.errors.length, 1);
        assert.equal(offload.stats.timedOut, 1);
    } finally {
        offload.dispose();
    }
});

test("offloaded: a short text without macro definitions renders here; with one, in the worker", async () => {
    const offload = new WorkerFormulaOffload(formulaWorkerFile());
    try {
        await offload.ready();
        const short = "What is $\\frac{1}{2} + x^2$?";
        assert.equal((await renderMarkdownOffloaded(short, fresh(), offload)).html, renderMarkdown(short).html);
        assert.equal(offload.stats.texts, 0);
        const defining = "Let $\\def\\a{xx}\\a\\a$ be.";
        assert.equal((await renderMarkdownOffloaded(defining, fresh(), offload)).html, renderMarkdown(defining).html);
        assert.equal(offload.stats.texts, 1);
    } finally {
        offload.dispose();
    }
});

test("offloaded: a worker that cannot start leaves the text to this thread, sliced, with the same HTML", async () => {
    const offload = new WorkerFormulaOffload(join(tmpdir(), "no-such-formula-worker.js"));
    try {
        const text = longAnswerChunks(30, 10).join("");
        const got = await renderMarkdownOffloaded(text, fresh(), offload);
        assert.equal(got.html, renderMarkdown(text).html);
        assert.equal(offload.stats.texts, 0);
    } finally {
        offload.dispose();
    }
});

test("OrderedPost: messages go out in the order given, those behind a render wait for it; lists, nulls and failures", async () => {
    const out: string[] = [];
    const logged: string[] = [];
    const post = new OrderedPost<string>((m) => out.push(m), {info: () => undefined, warn: () => undefined, error: (m) => logged.push(String(m))});
    post.post("a");
    assert.deepEqual(out, ["a"], "with nothing held back, a message goes out at once");
    let release: (v: string[]) => void = () => undefined;
    post.post(new Promise<string[]>((r) => (release = r)));
    post.post("d");
    post.post(Promise.resolve(null));
    post.post(Promise.reject(new Error("boom")));
    post.post("e");
    assert.deepEqual(out, ["a"]);
    release(["b", "c"]);
    await post.idle();
    assert.deepEqual(out, ["a", "b", "c", "d", "e"]);
    assert.equal(logged.length, 1);
    assert.match(logged[0]!, /could not be made: Error: boom/);
    post.post("f");
    assert.deepEqual(out.at(-1), "f");
});
