/**
 * `node out/test/bench/render-hostile.main.mjs` (after `npm run build`): the worst time and memory of each hostile
 * model-output class (docs/hostile-input.md, "Model output"). Each class runs in a child process of its own, so its
 * peak memory (max RSS) is its own: one-shot render, then the same text streamed in 200 pieces through the
 * StreamingRenderer (all formulas on the calling thread: the worst case), then streamed as the extension does, with
 * the formula worker (slow formulas and blocks over 8,000 characters rendered there; the worst update is what the
 * calling thread spent in one call). Figures only; the unit tests (test/unit/render-bounds.test.ts,
 * render-big-block.test.ts) assert the behaviour.
 */
import {spawnSync} from "node:child_process";
import {fileURLToPath} from "node:url";
import {setImmediate as tick} from "node:timers/promises";
import {renderMarkdown, StreamingRenderer, WorkerFormulaOffload} from "../../src/render/index";
import {formulaWorkerFile} from "../unit/render-helpers";

const x = (n: number) => "x".repeat(n);
const classes: Record<string, () => {text: string; macros?: Record<string, string>}> = {
    "\\def bomb 1.2 KB": () => ({text: `$\\def\\a{${x(1000)}}${"\\a".repeat(100)}$`}),
    "\\def bomb 11 KB": () => ({text: `$\\def\\a{${x(10000)}}${"\\a".repeat(500)}$`}),
    "\\gdef bomb 11 KB": () => ({text: `$\\gdef\\a{${x(10000)}}${"\\a".repeat(500)}$`}),
    "\\newcommand bomb 11 KB": () => ({text: `$\\newcommand{\\a}{${x(10000)}}${"\\a".repeat(500)}$`}),
    "\\renewcommand bomb 11 KB": () => ({text: `$\\renewcommand{\\R}{${x(10000)}}${"\\R".repeat(500)}$`}),
    "\\let bomb 11 KB": () => ({text: `$\\def\\a{${x(10000)}}\\let\\b\\a${"\\b".repeat(500)}$`}),
    "\\edef / \\xdef bomb 11 KB": () => ({text: `$\\def\\a{${x(10000)}}\\edef\\b{\\a}\\xdef\\c{\\a}${"\\b\\c".repeat(250)}$`}),
    "#1 pasted 500 times, 10 KB argument": () => ({text: `$\\def\\d#1{${"#1".repeat(500)}}\\d{${x(10000)}}$`}),
    "user macro (setting) of 2,000 chars used 5,000 times": () => ({text: "$" + "\\a".repeat(5000) + "$", macros: {"\\a": x(2000)}}),
    "100 bomb formulas of 1.2 KB in one answer": () => ({text: `$\\def\\a{${x(1000)}}${"\\a".repeat(100)}$\n\n`.repeat(100)}),
    "\\kern{-10000em}, \\raisebox{-900em}, \\\\[-900em] x 1,000": () => ({text: "$\\kern{-10000em} x$ $\\raisebox{-900em}{}$ $a\\\\[-900em] b$\n\n".repeat(1000)}),
    "20,000 unclosed \\begin{a} in a paragraph": () => ({text: "x " + "\\begin{a} ".repeat(20000)}),
    "20,000 unclosed \\begin{a}, one per line": () => ({text: "x\n" + "\\begin{a}\n".repeat(20000)}),
    "30,000 unclosed \\[ in a paragraph": () => ({text: "x " + "\\[ ".repeat(30000)}),
    "30,000 unclosed \\[, one per line": () => ({text: "\\[\n".repeat(30000)}),
    "30,000 unclosed \\( in a paragraph": () => ({text: "x " + "\\( ".repeat(30000)}),
    "a paragraph of 100 KB, short inline formulas, no blank line": () => ({text: "Step:" + Array.from({length: 4000}, (_v, i) => ` term ${i} is $a_{${i}}^2$,`).join("")}),
    "10,000 bidi overrides (U+202E) in \\boxed and text": () => ({text: "The answer is $\\boxed{\u202E21}$ and \u202E21.\n\n".repeat(2500)})
};

/** The text streamed in 200 pieces with the real formula worker, as the extension streams: the worst call on this thread. */
async function streamWithWorker(text: string, macros: Record<string, string> | undefined): Promise<{ms: number; worst: number}> {
    const offload = new WorkerFormulaOffload(formulaWorkerFile());
    try {
        await offload.ready();
        let worst = 0;
        const timed = (f: () => unknown) => {
            const u0 = performance.now();
            f();
            worst = Math.max(worst, performance.now() - u0);
        };
        const t = performance.now();
        const r: StreamingRenderer = new StreamingRenderer({macros: {...macros, "\\benchworker": "x"}, offload, onFormulas: () => timed(() => r.refresh())});
        const step = Math.max(1, Math.ceil(text.length / 200));
        for (let i = 0; i < text.length; i += step) {
            timed(() => r.append(text.slice(i, i + step)));
            await tick();
        }
        await r.finishing();
        timed(() => r.finish());
        return {ms: performance.now() - t, worst};
    } finally {
        offload.dispose();
    }
}

async function runOne(name: string): Promise<void> {
    const {text, macros} = classes[name]!();
    renderMarkdown("warm $x$", macros ? {macros} : {});
    let t = performance.now();
    const one = renderMarkdown(text, macros ? {macros} : {});
    const oneMs = performance.now() - t;
    t = performance.now();
    // A fresh options set (one more macro): its formula cache is cold, as the one-shot render's was.
    const r = new StreamingRenderer({macros: {...macros, "\\benchstream": "x"}});
    const step = Math.max(1, Math.ceil(text.length / 200));
    let worstUpdate = 0;
    for (let i = 0; i < text.length; i += step) {
        const u0 = performance.now();
        r.append(text.slice(i, i + step));
        worstUpdate = Math.max(worstUpdate, performance.now() - u0);
    }
    const f0 = performance.now();
    r.finish();
    worstUpdate = Math.max(worstUpdate, performance.now() - f0);
    const streamMs = performance.now() - t;
    const worker = await streamWithWorker(text, macros);
    process.stdout.write(JSON.stringify({oneMs, streamMs, worstUpdate, workerMs: worker.ms, workerWorst: worker.worst, rssMb: process.resourceUsage().maxRSS / 1024, inKb: text.length / 1024,
        htmlKb: one.html.length / 1024, errors: one.errors.length}) + "\n");
}

const at = process.argv.indexOf("--class");
if (at >= 0) {
    await runOne(process.argv[at + 1]!);
} else {
    const self = fileURLToPath(import.meta.url);
    const f = (n: number) => (n < 10 ? n.toFixed(1) : n.toFixed(0));
    console.log("| class | input KB | one-shot ms | streamed ms (worst update) | streamed with the worker ms (worst call here) | max RSS MB | HTML KB | formulas shown as source |");
    console.log("|---|---|---|---|---|---|---|---|");
    for (const name of Object.keys(classes)) {
        const child = spawnSync(process.execPath, [self, "--class", name], {encoding: "utf8", timeout: 600_000});
        const line = child.stdout.trim().split("\n").pop() ?? "";
        if (child.status !== 0 || !line.startsWith("{")) {
            console.log(`| ${name} | FAILED (exit ${child.status ?? child.signal}) ${child.stderr.slice(-200)} |`);
            continue;
        }
        const m = JSON.parse(line) as {oneMs: number; streamMs: number; worstUpdate: number; workerMs: number; workerWorst: number; rssMb: number; inKb: number; htmlKb: number; errors: number};
        console.log(`| ${name} | ${f(m.inKb)} | ${f(m.oneMs)} | ${f(m.streamMs)} (${f(m.worstUpdate)}) | ${f(m.workerMs)} (${f(m.workerWorst)}) | ${f(m.rssMb)} | ${f(m.htmlKb)} | ${m.errors} |`);
    }
}
