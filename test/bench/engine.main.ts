/**
 * `npm run bench`: our engine beside llama.cpp's own `llama-bench` (built from the llama.cpp source node-llama-cpp
 * ships, scripts/setup-llama-bench.sh, on demand) on the benchmark models (random weights, real E1-Math-1.5B shape,
 * Q8_0 and Q4_K_M; written if missing), same threads, prompt processing and generation, with the ratios; then a
 * cancel during prompt processing. Prints figures; asserts nothing. Run it on a quiet machine (it prints the load).
 * Options: --quant q8_0,q4_k_m  --prompt N (prompt tokens, default 512, llama-bench pp512)  --tokens N (generated,
 * default 128, tg128)  --reps N (default 2)  --threads N  --chunk N|auto (prompt chunk, default the engine's "auto")
 * --chunks 16,64,... (adds the prompt chunk trade-off: prompt tokens/s and cancel latency per chunk size)
 * --logits flat|peaked (the Q8_0 model's logits, see BenchLogits in test/fixtures/scripted.ts: "flat" as random
 * weights give, where E1's top-p sorts most of the vocabulary; "peaked", a nucleus of a few tokens as real models have).
 */
import {ElasticEngine} from "../../src/core/engine";
import type {SamplingOptions} from "../../src/core/types";
import {numberArg as arg} from "./args";
import {type BenchLogits, type BenchQuant, ensureBenchModel} from "../fixtures/scripted";
import {ensureBenchTools, fmt, listArg, llamaBench, load, median, othersCpuHere} from "./llamacpp";

const genTokens = arg("--tokens", 128);
const reps = arg("--reps", 2);
const promptLen = arg("--prompt", 512);
const quants = listArg("--quant", ["q8_0", "q4_k_m"]) as BenchQuant[];
const chunkArg = listArg("--chunk", ["auto"])[0]!;
const chunk: number | "auto" = chunkArg === "auto" ? "auto" : Number(chunkArg);
const chunks = listArg("--chunks", []).map(Number);
const logits = listArg("--logits", ["flat"])[0] as BenchLogits;
const e1: SamplingOptions = {temperature: 0.6, topP: 0.95, topK: 0};
const greedy: SamplingOptions = {temperature: 0};

const tools = ensureBenchTools();
const lib = await import("node-llama-cpp");
const llama = await lib.getLlama({gpu: false, maxThreads: 0, build: "never", progressLogs: false, logLevel: lib.LlamaLogLevel.error});
const threads = arg("--threads", llama.cpuMathCores);
console.log(`${load()} (before); ${threads} threads; prompt chunk ${chunk}`);

// The bench tokenizer is byte-level: one token per byte; the R1 template adds 14 tokens.
const problemOf = (tokens: number) => "Let x be a real number such that x^2 + 3x + 2 = 0. ".repeat(Math.ceil(tokens / 50) + 1).slice(0, Math.max(1, tokens - 14));

/** `others`: the share of the machine's CPU that other processes took meanwhile (llamacpp.ts, othersCpu). */
interface Run { promptTps: number; genTps: number; promptTokens: number; tokens: number; others: number }

async function ours(engine: ElasticEngine, sampling: SamplingOptions, seed: number): Promise<Run> {
    const cpu = othersCpuHere();
    const r = await engine.solve({problem: problemOf(promptLen), budget: {mode: "unconstrained", maxTokens: genTokens}, sampling: {...sampling, seed}});
    const n = r.thinkingTokens + r.solutionTokens;
    // Tokens after the first, over the time after the first (the first comes with the prompt).
    return {promptTps: r.promptTokens / (r.timings.promptMs / 1000), genTps: (n - 1) / ((r.timings.thinkingMs + r.timings.solutionMs) / 1000),
        promptTokens: r.promptTokens, tokens: n, others: cpu.end()};
}

const row = (name: string, o: number, ref: number, refName: string) =>
    console.log(`  ${name.padEnd(44)} ours ${fmt(o).padStart(7)} tok/s   ${refName.padEnd(17)} ${fmt(ref).padStart(7)} tok/s   ratio ${fmt(o / ref, 2)}`);
const pct = (x: number) => (Number.isFinite(x) ? `${Math.round(x * 100)}%` : "n/a");
/** A rep counts as quiet when other processes took under this share of the CPU during each of its parts. */
const QUIET = 0.1;

for (const quant of quants) {
    const modelLogits: BenchLogits = quant === "q8_0" ? logits : "flat";
    const modelPath = ensureBenchModel(undefined, quant, modelLogits);
    const engine = new ElasticEngine({modelPath, threads, contextSize: Math.max(2048, promptLen + genTokens + 64), gpu: false, promptChunkTokens: chunk});
    await engine.load();
    // Warm up: the first generation after a load runs at about half speed.
    await engine.solve({problem: "warm up", budget: {mode: "unconstrained", maxTokens: 16}, sampling: e1});
    const e1Runs: Run[] = [];
    const greedyRuns: Run[] = [];
    const refs: ReturnType<typeof llamaBench>[] = [];
    // Interleaved, one rep of each in turn, the order reversed every other rep (whatever runs second in a rep is not
    // always the same side): this machine's speed drifts within minutes, so a ratio of two runs far apart says little.
    // llama-bench runs while our engine is loaded but idle (it uses no core then); it also runs tg at our depth (our
    // generation follows the prompt in the cache; its tg<N> starts from an empty cache).
    const reference = () => refs.push(llamaBench(tools, modelPath, {threads, prompt: e1Runs[0]!.promptTokens, gen: genTokens, reps: 1, depth: e1Runs[0]!.promptTokens}));
    for (let i = 0; i < reps; i++) {
        if (i % 2 === 1) reference();
        // E1 and greedy swap places too (in one run greedy, always second, read below E1 in three reps of four).
        if (i % 2 === 1) greedyRuns.push(await ours(engine, greedy, 1 + i));
        e1Runs.push(await ours(engine, e1, 1 + i));
        if (i % 2 === 0) greedyRuns.push(await ours(engine, greedy, 1 + i));
        if (i % 2 === 0) reference();
    }
    await engine.dispose();
    const promptTokens = e1Runs[0]!.promptTokens;
    const report = (label: string, reps: number[]) => {
        const pick = <T>(xs: T[]) => reps.map((i) => xs[i]!);
        const ref = {pp: median(pick(refs).map((r) => r.pp)), tg: median(pick(refs).map((r) => r.tg)), tgDepth: median(pick(refs).map((r) => r.tgDepth ?? NaN))};
        console.log(`  ${label}`);
        row(`prompt, ${promptTokens} tokens`, median(pick(e1Runs).map((r) => r.promptTps)), ref.pp, `llama-bench pp${promptTokens}`);
        for (const [name, runs] of [["E1 sampling (top-p 0.95, no top-k)", e1Runs], ["greedy (no sampling cost)", greedyRuns]] as const) {
            const o = median(pick(runs).map((r) => r.genTps));
            row(`generation, ${name}`, o, ref.tg, `llama-bench tg${genTokens}`);
            row(`  the same`, o, ref.tgDepth, `tg${genTokens} @ d${promptTokens}`);
        }
    };
    console.log(`\n${quant.toUpperCase()} bench model (${modelLogits} logits), ${threads} threads, ${reps} reps interleaved; ${load()}`);
    const all = Array.from({length: reps}, (_, i) => i);
    report(`medians of all ${reps} reps:`, all);
    const quiet = all.filter((i) => Math.max(e1Runs[i]!.others, greedyRuns[i]!.others, refs[i]!.others) < QUIET);
    if (quiet.length > 0 && quiet.length < reps) report(`medians of the ${quiet.length} quiet reps (other processes under ${pct(QUIET)} of the CPU throughout):`, quiet);
    console.log(`  per rep, generation tok/s (ours E1 / greedy / llama-bench tg / tg @ d${promptTokens}), other processes' CPU share (ours E1 / greedy / llama-bench):`);
    for (const i of all)
        console.log(`    ${fmt(e1Runs[i]!.genTps)} / ${fmt(greedyRuns[i]!.genTps)} / ${fmt(refs[i]!.tg)} / ${fmt(refs[i]!.tgDepth ?? NaN)}   ` +
            `${pct(e1Runs[i]!.others)} / ${pct(greedyRuns[i]!.others)} / ${pct(refs[i]!.others)}${i % 2 === 1 ? "   (llama-bench first, then greedy, then E1)" : ""}`);
    const tokens = e1Runs.map((r) => r.tokens);
    if (tokens.some((n) => n < genTokens)) console.log(`  (some runs ended early: ${tokens.join(", ")} tokens)`);
}

// Cancel during prompt processing on a real-size model: a ~1000-token prompt, Stop 500 ms in. And, with --chunks,
// the trade-off: prompt throughput and cancel latency per fixed chunk size.
async function cancelProbe(chunkTokens: number | "auto"): Promise<{resolvedMs: number; idleMs: number; promptTps: number}> {
    const engine = new ElasticEngine({modelPath: ensureBenchModel(), threads, contextSize: 2048, gpu: false, promptChunkTokens: chunkTokens});
    await engine.load();
    await engine.solve({problem: "warm up", budget: {mode: "unconstrained", maxTokens: 8}, sampling: e1});
    const full = await engine.solve({problem: problemOf(promptLen), budget: {mode: "unconstrained", maxTokens: 1}, sampling: e1});
    const long = "Consider the sequence a_1 = 1, a_{n+1} = a_n + n. ".repeat(20);
    const controller = new AbortController();
    let abortedAt = 0;
    await engine.solve({problem: long, budget: {mode: "elastic", thinkTokens: 8, answerTokens: 8}, signal: controller.signal,
        onEvent: (e) => { if (e.type === "started") setTimeout(() => { abortedAt = performance.now(); controller.abort(); }, 500); }});
    const resolvedMs = performance.now() - abortedAt;
    await engine.whenIdle();
    const idleMs = performance.now() - abortedAt;
    await engine.dispose();
    return {resolvedMs, idleMs, promptTps: full.promptTokens / (full.timings.promptMs / 1000)};
}

const c = await cancelProbe(chunk);
console.log(`\nStop during prompt processing (Q8_0, ~1000-token prompt, 500 ms in), chunk ${chunk}: resolved in ${fmt(c.resolvedMs)} ms, engine idle in ${fmt(c.idleMs)} ms`);
if (chunks.length > 0) {
    console.log(`prompt chunk trade-off (Q8_0, ${promptLen}-token prompt): chunk -> prompt tok/s, engine idle after Stop`);
    for (const n of chunks) {
        const p = await cancelProbe(n);
        console.log(`  ${String(n).padStart(5)} -> ${fmt(p.promptTps).padStart(6)} tok/s, idle after Stop in ${fmt(p.idleMs).padStart(6)} ms`);
    }
}
console.log(`\n${load()} (after)`);
await llama.dispose();
