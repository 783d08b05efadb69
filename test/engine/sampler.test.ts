/**
 * E1's sampling (top-p 0.95, no top-k, temperature 0.6) without node-llama-cpp's whole-vocabulary top-k sort
 * (src/core/engine/sampler.ts), on tiny random models with the real vocabulary size (151,936 tokens), through
 * node-llama-cpp as the engine calls it: the old way (`topK: 0`, a top-k over the whole vocabulary: a full sort) and
 * the engine's way (`evaluateSampling`: no top-k sampler), from the same context.
 * - "peaked" logits (a nucleus of a few tokens): the first token's distribution over 300 seeds is the same both ways
 *   (same tokens, total variation within sampling noise; a top-k of 2 as a control is far off). Seed by seed the
 *   token differs: with no top-k sampler the nucleus reaches the final draw in another order, so one random number
 *   picks another token of the same distribution (measured: the per-token counts were the same numbers, permuted).
 * - "flat" logits (a nucleus of most of the vocabulary, which top-p then sorts whole): still samples from all of it.
 */
import assert from "node:assert/strict";
import {after, test} from "node:test";
import {evaluateSampling} from "../../src/core/engine/sampler";
import {ensureTinyRandomModel} from "../fixtures/scripted";

type Token = import("node-llama-cpp").Token;
const E1 = {temperature: 0.6, topP: 0.95, topK: 0};
const n = 24;
const disposers: (() => Promise<void>)[] = [];
after(async () => { for (const d of disposers) await d(); });

async function sampler(kind: "flat" | "peaked") {
    const lib = await import("node-llama-cpp");
    const llama = await lib.getLlama({gpu: false, maxThreads: 0, build: "never", progressLogs: false, logLevel: lib.LlamaLogLevel.error});
    const model = await llama.loadModel({modelPath: ensureTinyRandomModel(kind)});
    const context = await model.createContext({contextSize: 256, threads: 1});
    disposers.push(async () => { await context.dispose(); await model.dispose(); });
    const sequence = context.getSequence();
    const prompt = model.tokenize("What is 2+2?");
    return async (options: {temperature: number; topP: number; topK?: number}, seed: number): Promise<Token[]> => {
        await sequence.clearHistory();
        const out: Token[] = [];
        for await (const token of sequence.evaluate(prompt, {...options, seed, yieldEogToken: true})) {
            out.push(token);
            if (out.length >= n) break;
        }
        return out;
    };
}

/** How often each token comes first, over `seeds` seeds, from one evaluated prompt. */
async function firstTokens(kind: "peaked", options: {temperature: number; topP: number; topK?: number}, seeds: number): Promise<Map<number, number>> {
    const lib = await import("node-llama-cpp");
    const llama = await lib.getLlama({gpu: false, maxThreads: 0, build: "never", progressLogs: false, logLevel: lib.LlamaLogLevel.error});
    const model = await llama.loadModel({modelPath: ensureTinyRandomModel(kind)});
    const context = await model.createContext({contextSize: 256, threads: 1});
    try {
        const sequence = context.getSequence();
        const prompt = model.tokenize("What is 2+2?");
        await sequence.evaluateWithoutGeneratingNewTokens(prompt.slice(0, -1));
        const counts = new Map<number, number>();
        for (let seed = 1; seed <= seeds; seed++) {
            for await (const token of sequence.evaluate(prompt.slice(-1), {...options, seed})) {
                counts.set(token, (counts.get(token) ?? 0) + 1);
                break;
            }
            await sequence.eraseContextTokenRanges([{start: prompt.length - 1, end: sequence.nextTokenIndex}]);
        }
        return counts;
    } finally {
        await context.dispose();
        await model.dispose();
    }
}

function totalVariation(a: Map<number, number>, b: Map<number, number>, n: number): number {
    let tv = 0;
    for (const k of new Set([...a.keys(), ...b.keys()])) tv += Math.abs((a.get(k) ?? 0) - (b.get(k) ?? 0)) / n;
    return tv / 2;
}

test("peaked logits: E1 sampling without the top-k sort samples the same distribution as topK 0", async () => {
    const seeds = 300;
    const old = await firstTokens("peaked", E1, seeds);
    const now = await firstTokens("peaked", evaluateSampling(E1), seeds);
    const control = await firstTokens("peaked", {...E1, topK: 2}, seeds);
    assert.ok(old.size > 3, `the nucleus holds several tokens (${old.size})`);
    const tv = totalVariation(old, now, seeds);
    const tvControl = totalVariation(old, control, seeds);
    assert.ok(tv <= 0.15, `total variation ${tv.toFixed(3)} (sampling noise for 300 draws: about 0.1)`);
    assert.ok(tvControl > 2 * tv && tvControl > 0.2, `a top-k of 2 is far off: ${tvControl.toFixed(3)}`);
    // Every token that came up often one way came up the other way too.
    for (const [token, c] of old) if (c >= 15) assert.ok((now.get(token) ?? 0) > 0, `token ${token} (${c} of ${seeds} with topK 0)`);
});

test("flat logits: E1 sampling without the top-k sort still samples from the whole-vocabulary nucleus", async () => {
    const run = await sampler("flat");
    const now = new Set<number>();
    const old = new Set<number>();
    for (const seed of [1, 2, 3]) {
        for (const t of await run(evaluateSampling(E1), seed)) now.add(t);
        for (const t of await run(E1, seed)) old.add(t);
    }
    // 72 draws from a nucleus of over 100k tokens are (nearly) all different, both ways.
    assert.ok(now.size >= 65 && old.size >= 65, `distinct tokens: ${now.size} (no top-k), ${old.size} (topK 0)`);
});
