/**
 * `npm run bench:render`: streams a LaTeX-heavy solution of 1K, 2K, 4K and 8K tokens token by token through
 * StreamingRenderer, and, in the same run, through a naive renderer that re-renders the whole text on every
 * token (renderMarkdown on the prefix; it shares the formula cache, so only markdown parsing and new formulas
 * cost). Prints total CPU time, the worst single update, and the ratio. Figures only; no asserted times.
 *
 * The text: corpus solutions (MATH and OlympiadBench reference solutions, then Sky-T1 long-CoT outputs),
 * concatenated in file order with blank lines until it has enough tokens. Tokens: the test helper's
 * `tokenize` below.
 */
import {renderMarkdown, StreamingRenderer} from "../../src/render/index";
import {loadCorpus} from "../unit/render-helpers";

/**
 * BPE-like tokens: a word with its leading space (up to 8 letters), a `\command` with its leading space,
 * up to 3 digits, up to 2 punctuation characters, or a run of whitespace. About 3.5 characters a token on
 * this text, as tokenizers of reasoning models give on LaTeX-heavy English.
 */
function tokenize(text: string): string[] {
    return text.match(/ ?\\[a-zA-Z]+| ?[A-Za-z]{1,8}| ?[0-9]{1,3}| ?[^\sA-Za-z0-9]{1,2}|\s+/g) ?? [];
}

function solutionText(tokens: number): string[] {
    const corpus = loadCorpus().filter((i) => !i.text.includes("[asy]"));
    const out: string[] = [];
    for (let k = 0; out.length < tokens; k++) {
        const item = corpus[k % corpus.length]!;
        out.push(...tokenize((k === 0 ? "" : "\n\n") + item.text));
    }
    return out.slice(0, tokens);
}

function cpuMs(): number {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
}

interface Run {
    readonly totalCpuMs: number;
    readonly worstMs: number;
    readonly p99Ms: number;
}

function measure(tokens: readonly string[], step: (i: number) => void): Run {
    const times: number[] = [];
    const cpu0 = cpuMs();
    for (let i = 0; i < tokens.length; i++) {
        const t = performance.now();
        step(i);
        times.push(performance.now() - t);
    }
    const totalCpuMs = cpuMs() - cpu0;
    const sorted = [...times].sort((a, b) => a - b);
    return {totalCpuMs, worstMs: sorted[sorted.length - 1]!, p99Ms: sorted[Math.floor(sorted.length * 0.99)]!};
}

// Each run gets its own renderer instance (an options set of its own), so each starts with a cold formula
// cache and neither profits from the other's KaTeX work.
let runNo = 0;
const freshOptions = () => ({macros: {[`\\benchrun${String.fromCharCode(97 + (runNo++ % 26))}${runNo}`]: "x"}});

function streaming(tokens: readonly string[]): {run: Run; html: string} {
    const r = new StreamingRenderer(freshOptions());
    let html = "";
    let last = "";
    const run = measure(tokens, (i) => {
        const u = r.append(tokens[i]!);
        html += u.committed.join("");
        last = u.pending;
    });
    html += r.finish().pending;
    void last;
    return {run, html};
}

function naive(tokens: readonly string[]): {run: Run; html: string} {
    let text = "";
    let html = "";
    const options = freshOptions();
    const run = measure(tokens, (i) => {
        text += tokens[i]!;
        html = renderMarkdown(text, options).html;
    });
    return {run, html};
}

const fmt = (n: number): string => n.toFixed(n < 10 ? 2 : 0).padStart(9);

// Warm up JIT and the KaTeX/markdown-it code paths on a different text.
streaming(tokenize(loadCorpus().at(-1)!.text));

console.log("tokens  chars | streaming: total CPU ms  worst ms   p99 ms | naive re-render: total CPU ms  worst ms | total ratio");
for (const n of [1000, 2000, 4000, 8000]) {
    const tokens = solutionText(n);
    const chars = tokens.join("").length;
    const s = streaming(tokens);
    const v = naive(tokens);
    if (s.html !== v.html) throw new Error(`streamed HTML differs from one-shot at ${n} tokens`);
    console.log(`${String(n).padStart(6)} ${String(chars).padStart(6)} | ${fmt(s.run.totalCpuMs)}              ${fmt(s.run.worstMs)} ${fmt(s.run.p99Ms)} | ` +
        `${fmt(v.run.totalCpuMs)}                    ${fmt(v.run.worstMs)} | ${(v.run.totalCpuMs / s.run.totalCpuMs).toFixed(1).padStart(8)}x`);
}
console.log("targets: at 4K tokens >= 20x less total work than naive; every streaming update < 8 ms (worst column)");
