/**
 * Model output that tried to take the renderer down (issue: hostile input, "Model output in the renderer"):
 * macro amplification, negative sizes, bidi controls, quadratic look-ahead, and a formula worker that does not
 * answer. Each case uses the input size that showed the blow-up and asserts behaviour: the formula is shown as
 * its source with the reason, the output size is bounded, and work grows linearly (counted, not timed).
 */
import {test} from "node:test";
import assert from "node:assert/strict";
import {mkdtempSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {normalizeMacros, renderMarkdown, StreamingRenderer} from "../../src/render/index";
import {WorkerFormulaOffload} from "../../src/render/formulaOffload";
import {formulaWorkerFile} from "./render-helpers";

renderMarkdown("");

const kb = (n: number) => "x".repeat(n);
/** `\a` defined with a body of `body` characters, then used `uses` times: 1.2 KB is (1000, 100), 11 KB (10000, 500). */
const bombs = (body: number, uses: number): Record<string, string> => ({
    "\\def": `$\\def\\a{${kb(body)}}${"\\a".repeat(uses)}$`,
    "\\gdef": `$\\gdef\\a{${kb(body)}}${"\\a".repeat(uses)}$`,
    "\\edef": `$\\def\\a{${kb(body)}}\\edef\\b{\\a}${"\\b".repeat(uses)}$`,
    "\\xdef": `$\\def\\a{${kb(body)}}\\xdef\\b{\\a}${"\\b".repeat(uses)}$`,
    "\\newcommand": `$\\newcommand{\\a}{${kb(body)}}${"\\a".repeat(uses)}$`,
    "\\renewcommand": `$\\renewcommand{\\R}{${kb(body)}}${"\\R".repeat(uses)}$`,
    "\\let": `$\\def\\a{${kb(body)}}\\let\\b\\a${"\\b".repeat(uses)}$`,
    "#1 pasted many times": `$\\def\\d#1{${"#1".repeat(uses)}}\\d{${kb(body)}}$`
});

function assertSourceWithReason(text: string, html: string, reason: RegExp, label: string): void {
    assert.match(html, /class="em-math-error[^"]*" title="[^"]+"/, label);
    const title = /title="([^"]*)"/.exec(html)![1]!;
    assert.match(title, reason, label);
    assert.doesNotMatch(html, /class="katex"/, label);
    // The source is what is shown: the output is the escaped input and little more.
    assert.ok(html.length < 2 * text.length + 1000, `${label}: ${html.length} characters of HTML for ${text.length} of input`);
}

test("macro amplification (\\def, \\gdef, \\edef, \\xdef, \\newcommand, \\renewcommand, \\let, #1): source with the reason, bounded output", () => {
    for (const [size, body, uses] of [["1.2 KB", 1000, 100], ["11 KB", 10000, 500]] as const) {
        for (const [label, text] of Object.entries(bombs(body, uses))) {
            const r = renderMarkdown(text);
            // (\edef and \xdef are stopped by KaTeX's own count first, which counts what they store.)
            assertSourceWithReason(text, r.html, /Too many expansions/, `${label} ${size}`);
            assert.equal(r.errors.length, 1, label);
        }
    }
});

test("a bomb made of the user's macros (elasticMath.render.macros) is bounded the same way", () => {
    const {macros} = normalizeMacros({"\\a": kb(2000)});
    const text = "$" + "\\a".repeat(500) + "$";
    assertSourceWithReason(text, renderMarkdown(text, {macros}).html, /macro amplification/, "user macros");
    // An ordinary use of the same macro still renders.
    assert.match(renderMarkdown("$\\a$", {macros}).html, /class="katex"/);
});

test("the expansion allowed grows linearly with the formula's length: a 4x longer bomb gives at most ~4x the output", () => {
    const out = (uses: number) => renderMarkdown(`$\\def\\a{${kb(50)}}${"\\a".repeat(uses)}$`).html.length;
    // Under the budget (small): rendered; over it: source. Either way the output is linear in the input.
    const small = out(10);
    assert.ok(small > 0);
    for (const n of [200, 800, 3200]) {
        const a = out(n);
        const b = out(4 * n);
        assert.ok(b < 4.5 * a, `n=${n}: ${a} -> ${b}`);
    }
});

test("negative and huge sizes are refused (below -20em) with the reason; ordinary sizes render as before", () => {
    for (const tex of ["\\kern{-10000em} x", "\\raisebox{-900em}{}", "\\rule[-900em]{1em}{1em}", "\\hspace{-500em} x", "\\mkern-100000mu x",
        "\\hskip -2000pt x", "\\begin{matrix}a\\\\[-900em] b\\end{matrix}", "a\\\\[-900em] b", "\\def\\n{-10000em}\\kern\\n x"]) {
        const text = `$${tex}$`;
        assertSourceWithReason(text, renderMarkdown(text).html, /below -20em/, tex);
    }
    const stretch = "$\\def\\arraystretch{10000}\\begin{matrix}a\\\\ b\\end{matrix}$";
    assertSourceWithReason(stretch, renderMarkdown(stretch).html, /arraystretch/, "arraystretch");
    for (const tex of ["\\kern-1em x", "\\hspace{2em} y", "\\begin{matrix}a\\\\[2pt] b\\end{matrix}", "\\raisebox{0.5em}{$x$}", "\\rule{100000em}{1em}"])
        assert.doesNotMatch(renderMarkdown(`$${tex}$`).html, /em-math-error/, tex);
});

test("bidi controls in answers and in \\boxed{} are shown as ⟨U+...⟩, never passed through", () => {
    const controls = ["\u202A", "\u202B", "\u202C", "\u202D", "\u202E", "\u2066", "\u2067", "\u2068", "\u2069", "\u200E", "\u200F", "\u061C"];
    for (const c of controls) {
        const hex = c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
        for (const text of [`So the answer is $\\boxed{${c}21}$.`, `The answer is ${c}21.`, "`code " + c + "`", `$$x ${c} y$$`]) {
            const r = renderMarkdown(text);
            assert.ok(!r.html.includes(c), `${hex} passed through: ${text}`);
            assert.ok(r.html.includes(`⟨U+${hex}⟩`) || r.html.includes(`U+${hex}`), `${hex} not shown: ${text}`);
            // Streamed (pending text included) the same.
            const s = new StreamingRenderer();
            let html = "";
            for (const ch of text) {
                const u = s.append(ch);
                html += u.committed.join("");
                assert.ok(!u.pending.includes(c), `${hex} in pending HTML`);
            }
            const f = s.finish();
            assert.equal(html + f.committed.join("") + f.pending, r.html);
        }
    }
});

/**
 * Characters examined by String.prototype.indexOf and RegExp.prototype.exec while `fn` runs: the scans the math
 * rules do. (String.prototype.matchAll goes through exec too.) A count, not a time.
 */
function scanWork(fn: () => void): number {
    const indexOf = String.prototype.indexOf;
    const exec = RegExp.prototype.exec;
    let work = 0;
    String.prototype.indexOf = function (this: string, search: string, from?: number): number {
        const start = Math.max(0, from ?? 0);
        const at = indexOf.call(this, search, from);
        work += (at < 0 ? this.length : at + search.length) - start;
        return at;
    };
    RegExp.prototype.exec = function (this: RegExp, s: string): RegExpExecArray | null {
        const start = this.global || this.sticky ? this.lastIndex : 0;
        const m = exec.call(this, s);
        work += (m ? m.index + m[0].length : String(s).length) - start;
        return m;
    };
    try {
        fn();
    } finally {
        String.prototype.indexOf = indexOf;
        RegExp.prototype.exec = exec;
    }
    return work;
}

test("unclosed \\begin, \\[ and \\( in a paragraph or on every line: work grows linearly (n vs 4n, counted)", () => {
    const shapes: [string, (n: number) => string, number][] = [
        ["\\begin{a} in a paragraph (20,000 took 15.9 s)", (n) => "x " + "\\begin{a} ".repeat(n), 5000],
        ["\\begin{a} on every line of a paragraph", (n) => "x\n" + "\\begin{a}\n".repeat(n), 1000],
        ["\\begin{a} on every line", (n) => "\\begin{a}\n".repeat(n), 1000],
        ["\\[ in a paragraph (30,000 took 3.6 s)", (n) => "x " + "\\[ ".repeat(n), 7500],
        ["\\[ on every line of a paragraph", (n) => "x\n" + "\\[\n".repeat(n), 1000],
        ["\\[ on every line", (n) => "\\[\n".repeat(n), 1000],
        ["\\( in a paragraph", (n) => "x " + "\\( ".repeat(n), 5000],
        ["unclosed \\begin among closed ones", (n) => "x " + "\\begin{a}\\begin{b}\\end{b} ".repeat(n), 2000]
    ];
    for (const [label, make, n] of shapes) {
        const w1 = scanWork(() => renderMarkdown(make(n)));
        const w4 = scanWork(() => renderMarkdown(make(4 * n)));
        assert.ok(w4 < 6 * w1, `${label}: ${w1} characters scanned at n=${n}, ${w4} at 4n (quadratic would be ~16x)`);
    }
});

test("a formula worker that does not answer: the formula shows as source with the reason, never rendered on this thread", async () => {
    // A real worker thread that takes jobs and never answers (a stand-in for one stuck in a formula).
    const dir = mkdtempSync(join(tmpdir(), "emt-hang-"));
    const file = join(dir, "hang-worker.cjs");
    writeFileSync(file, "const {parentPort} = require('node:worker_threads');\nparentPort.postMessage({ready: true});\nparentPort.on('message', () => {});\n");
    const offload = new WorkerFormulaOffload(file, {timeoutMs: 300});
    try {
        await offload.ready();
        let refreshed = "";
        const r: StreamingRenderer = new StreamingRenderer({macros: {"\\hangtest": "x"}, offload, onFormulas: () => { refreshed = r.refresh().pending; }});
        const first = r.append("Then\n\n$$\\frac{a+b}{2} \\ge \\sqrt{ab}$$");
        assert.match(first.pending, /em-pending-math/);
        await r.settled();
        assert.match(refreshed, /class="em-math-error[^"]*" title="The formula worker gave no answer in 300 ms/);
        assert.doesNotMatch(refreshed, /class="katex/, "the formula was rendered on the calling thread");
        assert.equal(offload.stats.timedOut, 1);
        const f = r.finish();
        assert.doesNotMatch(f.committed.join("") + f.pending, /class="katex/);
    } finally {
        offload.dispose();
    }
});

test("a macro bomb through the real formula worker: shown as source with the reason", async () => {
    const offload = new WorkerFormulaOffload(formulaWorkerFile());
    try {
        await offload.ready();
        const text = `Look: ${bombs(1000, 100)["\\def"]} done.\n\nNext.`;
        const r = new StreamingRenderer({macros: {"\\bombtest": "x"}, offload});
        let html = "";
        for (let i = 0; i < text.length; i += 7) html += r.append(text.slice(i, i + 7)).committed.join("");
        await r.settled();
        const f = r.finish();
        html += f.committed.join("") + f.pending;
        assert.match(html, /title="Too many expansions[^"]*macro amplification/);
        assert.ok(offload.stats.jobs >= 1, "the bomb went to the worker");
        assert.equal(html, renderMarkdown(text).html);
    } finally {
        offload.dispose();
    }
});

test("finish() while the worker still has a slow formula: rendered here under a short deadline, else source with the reason", async () => {
    const dir = mkdtempSync(join(tmpdir(), "emt-hang-"));
    const file = join(dir, "hang-worker.cjs");
    writeFileSync(file, "const {parentPort} = require('node:worker_threads');\nparentPort.postMessage({ready: true});\nparentPort.on('message', () => {});\n");
    const offload = new WorkerFormulaOffload(file, {timeoutMs: 60_000});
    try {
        await offload.ready();
        // Within every bound but slow: 20,000 characters of display math (hundreds of ms of KaTeX on any machine).
        const slow = "$$" + "x+".repeat(9_999) + "x$$";
        const r = new StreamingRenderer({macros: {"\\finishtest": "x"}, offload});
        r.append("A\n\n" + slow + "\n\nB $y$.");
        const f = r.finish();
        const html = f.committed.join("") + f.pending;
        // The worker never answers: finish() does not wait for it. The slow formula is rendered here if its parse fits
        // the 40 ms deadline (it does on an idle machine), else shown as source with the reason; never lost.
        const shownAsSource = /title="Formula took too long to render \(over 40 ms on the editor&#39;s main thread/.test(html);
        const rendered = /class="katex-display"/.test(html);
        assert.ok(shownAsSource !== rendered, "the slow formula is either rendered or shown as source with the reason");
        assert.match(html, /<p>B <span class="katex">/, "the short formula after it still renders");
    } finally {
        offload.dispose();
    }
});
