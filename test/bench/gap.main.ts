/**
 * `node out/test/bench/gap.main.mjs`: where the single-stream generation gap to llama-bench goes. One interleaved run,
 * rep by rep (the order reversed every other rep), of
 *   - our engine (greedy, the bench's prompt, `--tokens` generated), with the time inside node-llama-cpp's
 *     `evaluate()` iterator per token;
 *   - a minimal loop on node-llama-cpp itself: the same prompt tokens, then `sequence.evaluate` greedy, nothing else;
 *   - llama-bench tg<N> from an empty cache and at our depth (`-d`, the same work as ours).
 * Ours over the minimal loop is our engine's own cost; the minimal loop over llama-bench is node-llama-cpp's binary and
 * loop. Each part also records the CPU share other processes took meanwhile (llamacpp.ts, othersCpu). Prints figures,
 * asserts nothing. Options: --prompt N (512, as `npm run bench`), --tokens N (64), --reps N (4), --threads N,
 * --logits flat|peaked (peaked).
 */
import {ElasticEngine} from "../../src/core/engine";
import {numberArg as arg} from "./args";
import {type BenchLogits, ensureBenchModel} from "../fixtures/scripted";
import {ensureBenchTools, fmt, listArg, llamaBench, load, median, othersCpuHere} from "./llamacpp";

type Token = import("node-llama-cpp").Token;

const genTokens = arg("--tokens", 64);
const reps = arg("--reps", 4);
const promptLen = arg("--prompt", 512);
const logits = listArg("--logits", ["peaked"])[0] as BenchLogits;

const tools = ensureBenchTools();
const lib = await import("node-llama-cpp");
const llama = await lib.getLlama({gpu: false, maxThreads: 0, build: "never", progressLogs: false, logLevel: lib.LlamaLogLevel.error});
const threads = arg("--threads", llama.cpuMathCores);
const modelPath = ensureBenchModel(undefined, "q8_0", logits);
console.log(`${load()} (before); ${threads} threads; ${genTokens} tokens; ${logits} logits`);

// As `npm run bench` (engine.main.ts): the bench tokenizer is byte-level, one token per byte.
const problem = "Let x be a real number such that x^2 + 3x + 2 = 0. ".repeat(Math.ceil(promptLen / 50) + 1).slice(0, Math.max(1, promptLen - 14));

const engine = new ElasticEngine({modelPath, threads, contextSize: 2048, gpu: false});
await engine.load();
await engine.solve({problem, budget: {mode: "unconstrained", maxTokens: 16}, sampling: {temperature: 0}});
const promptTokens = [...engine.lastTrace!.promptTokens] as Token[];

const model = await llama.loadModel({modelPath});
const context = await model.createContext({contextSize: 2048, threads, sequences: 1});
const sequence = context.getSequence();
await sequence.evaluateWithoutGeneratingNewTokens(promptTokens.slice(0, -1));

interface Part { tps: number; others: number }

async function ours(): Promise<Part> {
    const cpu = othersCpuHere();
    const r = await engine.solve({problem, budget: {mode: "unconstrained", maxTokens: genTokens}, sampling: {temperature: 0, seed: 1}});
    const tps = (r.thinkingTokens + r.solutionTokens - 1) / ((r.timings.thinkingMs + r.timings.solutionMs) / 1000);
    return {tps, others: cpu.end()};
}

/** The minimal loop: the prompt stays cached; each rep erases what the last one generated. */
async function direct(): Promise<Part & {nextMs: number; restMs: number}> {
    await sequence.eraseContextTokenRanges([{start: promptTokens.length - 1, end: sequence.nextTokenIndex}]);
    const cpu = othersCpuHere();
    const it = sequence.evaluate(promptTokens.slice(-1), {temperature: 0, yieldEogToken: true})[Symbol.asyncIterator]();
    let n = 0;
    let nextMs = 0;
    let start = 0;
    for (;;) {
        const a = performance.now();
        const r = await it.next();
        if (n > 0) nextMs += performance.now() - a;
        if (r.done === true) break;
        if (++n === 1) start = performance.now();
        model.detokenize([r.value], false);
        if (n >= genTokens) break;
    }
    const wall = performance.now() - start;
    await it.return?.();
    return {tps: (n - 1) / (wall / 1000), nextMs: nextMs / (n - 1), restMs: (wall - nextMs) / (n - 1), others: cpu.end()};
}

const rows: {ours: Part; direct: Awaited<ReturnType<typeof direct>>; ref: ReturnType<typeof llamaBench>}[] = [];
const pct = (x: number) => (Number.isFinite(x) ? `${Math.round(x * 100)}%` : "n/a");
for (let i = 0; i < reps; i++) {
    const reference = () => llamaBench(tools, modelPath, {threads, prompt: promptTokens.length, gen: genTokens, reps: 1, depth: promptTokens.length});
    const first = i % 2 === 1 ? reference() : undefined;
    const o = await ours();
    const d = await direct();
    const ref = first ?? reference();
    rows.push({ours: o, direct: d, ref});
    console.log(`rep ${i + 1}${first != null ? " (llama-bench first)" : ""}: ours ${fmt(o.tps)}  minimal loop ${fmt(d.tps)} (next() ${fmt(d.nextMs)} ms, ` +
        `rest ${fmt(d.restMs, 2)} ms a token)  llama-bench tg${genTokens} ${fmt(ref.tg)}, @ d${promptTokens.length} ${fmt(ref.tgDepth ?? NaN)}   ` +
        `other processes ${pct(o.others)} / ${pct(d.others)} / ${pct(ref.others)}`);
}
const med = (f: (r: typeof rows[number]) => number) => median(rows.map(f));
const depth = (r: typeof rows[number]) => r.ref.tgDepth ?? NaN;
console.log(`\nmedians: ours ${fmt(med((r) => r.ours.tps))}, minimal loop ${fmt(med((r) => r.direct.tps))}, llama-bench tg${genTokens} ${fmt(med((r) => r.ref.tg))}, ` +
    `@ d${promptTokens.length} ${fmt(med(depth))} tok/s`);
console.log(`ratios (medians of the per-rep ratios): ours / tg ${fmt(med((r) => r.ours.tps / r.ref.tg), 2)}, ours / tg @ depth ${fmt(med((r) => r.ours.tps / depth(r)), 2)}, ` +
    `minimal loop / tg @ depth ${fmt(med((r) => r.direct.tps / depth(r)), 2)}, ours / minimal loop ${fmt(med((r) => r.ours.tps / r.direct.tps), 2)}, ` +
    `tg @ depth / tg ${fmt(med((r) => depth(r) / r.ref.tg), 2)}`);
console.log(load());
await context.dispose();
await model.dispose();
await engine.dispose();
await llama.dispose();
