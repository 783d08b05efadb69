/**
 * The sampling options the local backend gives node-llama-cpp's `sequence.evaluate()`.
 *
 * `topK: 0` means "no top-k" (E1 evaluates with top-p 0.95 and no top-k). node-llama-cpp turns a top-k of 0 into a
 * top-k over the whole vocabulary: a sort of all 151,936 candidates for every token (7.5 ms per token on 2 cores,
 * 11% of a Q8_0 1.5B token; docs/speed.md). Passed as `null` instead, node-llama-cpp (3.21) leaves top-k out of the
 * sampler chain altogether (it drops null fields from the sampler config), and llama.cpp's top-p then finds its
 * nucleus with a partial sort of the best 256 candidates, sorting further only when those hold less than p of the
 * probability. Top-p still runs over the full vocabulary's probabilities: the same nucleus, the same distribution
 * (only the order of tokens with exactly equal logits at the nucleus' edge may differ; test/engine/sampler.test.ts
 * compares the tokens both ways on the real vocabulary size).
 */
export interface Sampling {
    readonly temperature: number;
    readonly topP: number;
    readonly topK: number;
}

/** What `sequence.evaluate()` gets: topK null (dropped by node-llama-cpp) for "no top-k". */
export function evaluateSampling(s: Sampling): {temperature: number; topP: number; topK?: number} {
    // null is not in node-llama-cpp's type for topK; at run time it removes the field (removeNullFields).
    return {temperature: s.temperature, topP: s.topP, topK: s.topK > 0 ? s.topK : null as unknown as undefined};
}
