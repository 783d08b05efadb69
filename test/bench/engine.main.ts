/**
 * `npm run bench`: our evaluate loop beside node-llama-cpp's own LlamaCompletion on the benchmark model
 * (random weights, real E1-Math-1.5B shape, Q8_0; written if missing), same threads, same context size, same
 * sampling, same process. Prints figures; asserts nothing. Options: --tokens N (default 128), --reps N (default 3),
 * --prompt N (prompt tokens, default 256), --threads N.
 */
import {statSync} from "node:fs";
import {ElasticEngine} from "../../src/core/engine";
import {numberArg as arg} from "./args";
import {ensureBenchModel} from "../fixtures/scripted";

const genTokens = arg("--tokens", 128);
const reps = arg("--reps", 3);
const promptLen = arg("--prompt", 256);
const contextSize = 2048;
const sampling = {temperature: 0.6, topP: 0.95, topK: 0};

const t0 = performance.now();
const modelPath = ensureBenchModel();
console.log(`model ${modelPath} (${(statSync(modelPath).size / 1e9).toFixed(2)} GB, ready in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);

const lib = await import("node-llama-cpp");
const llama = await lib.getLlama({gpu: false, maxThreads: 0, build: "never", progressLogs: false, logLevel: lib.LlamaLogLevel.error});
const threads = arg("--threads", llama.cpuMathCores);
const engine = new ElasticEngine({modelPath, threads, contextSize, gpu: false});
await engine.load();
console.log(`device: ours ${engine.device}; context ${contextSize}; sampling ${JSON.stringify(sampling)}`);

// A problem of about promptLen tokens (the bench tokenizer is byte-level: one token per byte) plus the R1 template.
const problem = "Let x be a real number such that x^2 + 3x + 2 = 0. ".repeat(64).slice(0, Math.max(1, promptLen - 60));
let libModel!: import("node-llama-cpp").LlamaModel;
let libContext!: import("node-llama-cpp").LlamaContext;
let libSequence!: import("node-llama-cpp").LlamaContextSequence;
let completion!: import("node-llama-cpp").LlamaCompletion;
const libPromptText = (`<｜User｜>${problem} Let's think step by step and output the final answer within \\boxed{}.<｜Assistant｜><think>\n`);
let libPrompt: import("node-llama-cpp").Token[] = [];

interface Run { promptTps: number; genTps: number; ttftMs: number; switchMs?: number; tokens: number }

async function ours(unconstrained: boolean): Promise<Run> {
    if (unconstrained) {
        const r = await engine.solve({problem, budget: {mode: "unconstrained", maxTokens: genTokens}, sampling: {...sampling, seed: 1}});
        const n = r.thinkingTokens + r.solutionTokens;
        // Tokens after the first, over the time after the first (the first comes with the prompt).
        return {promptTps: r.promptTokens / (r.timings.promptMs / 1000), genTps: (n - 1) / ((r.timings.thinkingMs + r.timings.solutionMs) / 1000),
            ttftMs: r.timings.timeToFirstTokenMs, tokens: n};
    }
    const t = genTokens / 2;
    const r = await engine.solve({problem, budget: {mode: "elastic", thinkTokens: t, answerTokens: t}, sampling: {...sampling, seed: 1}});
    const perToken = r.timings.thinkingMs / Math.max(1, r.thinkingTokens - 1);
    return {promptTps: r.promptTokens / (r.timings.promptMs / 1000), genTps: (r.thinkingTokens - 1) / (r.timings.thinkingMs / 1000),
        ttftMs: r.timings.timeToFirstTokenMs, tokens: r.thinkingTokens + r.solutionTokens,
        switchMs: r.thinkingCut ? r.timings.solutionMs - r.solutionTokens * perToken : undefined};
}

async function library(): Promise<Run> {
    // Prompt alone: maxTokens 1 is one prompt evaluation and one sample.
    // Clear the KV cache each time: LlamaCompletion would otherwise reuse the evaluated prompt.
    await libSequence.clearHistory();
    let start = performance.now();
    await completion.generateCompletion(libPrompt, {maxTokens: 1, ...sampling, seed: 1});
    const promptMs = performance.now() - start;
    let first = 0;
    let tokens = 0;
    await libSequence.clearHistory();
    start = performance.now();
    await completion.generateCompletion(libPrompt, {maxTokens: genTokens, ...sampling, seed: 1,
        onToken: (t) => { if (first === 0) first = performance.now(); tokens += t.length; }});
    const end = performance.now();
    return {promptTps: libPrompt.length / (promptMs / 1000), genTps: (tokens - 1) / ((end - first) / 1000), ttftMs: first - start, tokens};
}

// One implementation at a time (two idle llama.cpp contexts in one process would compete for the 2 cores).
// Each warms up first: the first generation after a load runs at about half speed.
const oursRuns: Run[] = [];
const elasticRuns: Run[] = [];
const libRuns: Run[] = [];
await engine.solve({problem: "warm up", budget: {mode: "unconstrained", maxTokens: 16}, sampling});
for (let i = 0; i < reps; i++) {
    oursRuns.push(await ours(true));
    elasticRuns.push(await ours(false));
}

// Cancel during prompt processing on a real-size model: a ~1000-token prompt, abort 500 ms in.
const long = "Consider the sequence a_1 = 1, a_{n+1} = a_n + n. ".repeat(20);
const controller = new AbortController();
let abortedAt = 0;
const res = await engine.solve({problem: long, budget: {mode: "elastic", thinkTokens: 8, answerTokens: 8}, signal: controller.signal,
    onEvent: (e) => { if (e.type === "started") setTimeout(() => { abortedAt = performance.now(); controller.abort(); }, 500); }});
const resolved = performance.now() - abortedAt;
await engine.whenIdle();
const idle = performance.now() - abortedAt;
await engine.dispose();

libModel = await llama.loadModel({modelPath});
libContext = await libModel.createContext({contextSize, threads, sequences: 1});
libSequence = libContext.getSequence();
completion = new lib.LlamaCompletion({contextSequence: libSequence});
libPrompt = libModel.tokenize(libPromptText, true);
console.log(`library: CPU (${libContext.currentThreads} threads)`);
await completion.generateCompletion(libModel.tokenize("warm up"), {maxTokens: 16, ...sampling});
for (let i = 0; i < reps; i++) libRuns.push(await library());

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (x: number, d = 1) => x.toFixed(d);
const row = (name: string, o: number, l: number, unit: string) =>
    console.log(`${name.padEnd(26)} ours ${fmt(o).padStart(8)} ${unit.padEnd(9)} library ${fmt(l).padStart(8)} ${unit.padEnd(9)} ours/library ${fmt(o / l, 2)}`);
console.log(`\n${reps} runs each, medians; prompt ${oursRuns[0]!.tokens && libPrompt.length} tokens, ${genTokens} generated tokens`);
row("prompt tokens/s", median(oursRuns.map((r) => r.promptTps)), median(libRuns.map((r) => r.promptTps)), "tok/s");
row("generation tokens/s", median(oursRuns.map((r) => r.genTps)), median(libRuns.map((r) => r.genTps)), "tok/s");
row("time to first token", median(oursRuns.map((r) => r.ttftMs)), median(libRuns.map((r) => r.ttftMs)), "ms");
const sw = elasticRuns.map((r) => r.switchMs).filter((x): x is number => x != null);
console.log(`elastic t=s=${genTokens / 2}: thinking ${fmt(median(elasticRuns.map((r) => r.genTps)))} tok/s; phase switch (cut fed + first solution token) costs ${sw.length ? fmt(median(sw)) : "n/a"} ms beyond one token`);

console.log(`cancel during prompt processing (${res.promptTokens} tokens, 500 ms in): resolved in ${fmt(resolved)} ms, engine idle in ${fmt(idle)} ms (stop ${res.stop})`);
await libContext.dispose();
await libModel.dispose();
await llama.dispose();
