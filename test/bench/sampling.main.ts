/**
 * `node out/test/bench/sampling.main.mjs`: what sampling costs per token over the real 151,936-token vocabulary, on
 * tiny random models (1 layer, so the decode is cheap and the sampler's share shows): greedy, E1's sampling the old
 * way (`topK: 0`, which node-llama-cpp turns into a top-k over the whole vocabulary: a full sort) and the engine's way
 * (`evaluateSampling`: no top-k sampler; top-p partially sorts). "peaked" logits have a nucleus of a few tokens, as
 * real models mostly do; "flat" ones a nucleus of most of the vocabulary (top-p then sorts it all either way; the
 * random-weight bench models are like this). Prints figures; asserts nothing. Options: --tokens N (default 200).
 */
import {evaluateSampling} from "../../src/core/engine/sampler";
import {ensureTinyRandomModel} from "../fixtures/scripted";
import {numberArg as arg} from "./args";
import {load} from "./llamacpp";

const n = arg("--tokens", 200);
const E1 = {temperature: 0.6, topP: 0.95, topK: 0};
const lib = await import("node-llama-cpp");
const llama = await lib.getLlama({gpu: false, maxThreads: 0, build: "never", progressLogs: false, logLevel: lib.LlamaLogLevel.error});
console.log(`${load()}; ${n} tokens per run, 1 thread, medians of 3`);
for (const kind of ["peaked", "flat"] as const) {
    const model = await llama.loadModel({modelPath: ensureTinyRandomModel(kind)});
    const context = await model.createContext({contextSize: n + 64, threads: 1});
    const sequence = context.getSequence();
    const prompt = model.tokenize("What is 2+2?");
    const msPerToken = async (options: {temperature: number; topP?: number; topK?: number}, seed: number) => {
        await sequence.clearHistory();
        let count = 0;
        let start = 0;
        for await (const _ of sequence.evaluate(prompt, {...options, seed, yieldEogToken: true})) {
            if (count === 0) start = performance.now();
            if (++count >= n) break;
        }
        return (performance.now() - start) / (count - 1);
    };
    const median = async (options: {temperature: number; topP?: number; topK?: number}) => {
        const xs = [await msPerToken(options, 1), await msPerToken(options, 2), await msPerToken(options, 3)].sort((a, b) => a - b);
        return xs[1]!;
    };
    await msPerToken({temperature: 0}, 1); // warm up
    const greedy = await median({temperature: 0});
    const old = await median(E1);
    const now = await median(evaluateSampling(E1));
    console.log(`${kind.padEnd(6)} greedy ${greedy.toFixed(2)} ms/token; E1 with topK 0 (full sort) ${old.toFixed(2)} ms/token (+${(old - greedy).toFixed(2)}); ` +
        `E1 as the engine samples (no top-k) ${now.toFixed(2)} ms/token (+${(now - greedy).toFixed(2)})`);
    await context.dispose();
    await model.dispose();
}
console.log(load());
