/**
 * Parallel or sequential: whether k samples of one problem can run as k sequences of one llama.cpp context.
 *
 * A context with k sequences holds k KV caches (node-llama-cpp's `contextSize` is per sequence) and evaluates the
 * sequences' tokens in shared batches, so k samples cost far fewer forward passes than k solves one after another.
 * It needs memory for all k caches at once: the engine asks node-llama-cpp's GGUF insights for the context's
 * estimated RAM / VRAM and compares it with what is free now (`os.freemem()`, `llama.getVramState().free`), keeping
 * a safety share of it free. When k sequences do not fit, the largest number n that fits runs at a time: a context of
 * n sequences, each taking the next sample when its own ends (`width`). When not even two fit (or k is 1) the samples
 * run one after another on the engine's own context. The reason says which and why (the Tutor shows it in its
 * progress, eval prints it).
 */

export interface ParallelPlan {
    readonly parallel: boolean;
    /** Samples. */
    readonly k: number;
    /** Parallel: the sequences of the context, that is samples running at once (k when all fit; at least 2). */
    readonly width?: number;
    /** Tokens per sequence of the parallel context (prompt + budgets + what is fed besides sampled tokens). */
    readonly contextSize: number;
    /** Shown to the user: "8 in parallel (one context, 8 sequences, ~120 MB)" or why not. */
    readonly reason: string;
}

export interface MemoryFigures {
    /** Estimated by GGUF insights for a context of k sequences. */
    readonly needCpuBytes: number;
    readonly needGpuBytes: number;
    /** Free now; gpu null on a CPU-only backend. */
    readonly freeCpuBytes: number;
    readonly freeGpuBytes: number | null;
}

/** At most this share of the free memory may go to the vote's context: the rest of the machine keeps working. */
export const PARALLEL_MEMORY_SHARE = 0.6;

/** Decides from the figures (pure: unit-testable). */
export function decideParallel(k: number, contextSize: number, m: MemoryFigures, share = PARALLEL_MEMORY_SHARE): ParallelPlan {
    if (k <= 1) return {parallel: false, k, contextSize, reason: "one sample: run on its own"};
    const mb = (n: number) => `${Math.max(1, Math.round(n / 1048576))} MB`;
    if (m.needCpuBytes > m.freeCpuBytes * share)
        return {parallel: false, k, contextSize, reason: `running the ${k} samples one after another: ${k} sequences of ${contextSize} tokens need about ${mb(m.needCpuBytes)} of RAM and ${mb(m.freeCpuBytes)} is free`};
    if (m.freeGpuBytes != null && m.needGpuBytes > m.freeGpuBytes * share)
        return {parallel: false, k, contextSize, reason: `running the ${k} samples one after another: ${k} sequences of ${contextSize} tokens need about ${mb(m.needGpuBytes)} of GPU memory and ${mb(m.freeGpuBytes)} is free`};
    const need = m.freeGpuBytes != null && m.needGpuBytes > 0 ? `${mb(m.needGpuBytes)} GPU memory` : `${mb(m.needCpuBytes)} RAM`;
    return {parallel: true, k, width: k, contextSize, reason: `${k} samples in parallel (one context, ${k} sequences of ${contextSize} tokens, about ${need})`};
}

/**
 * Like {@link decideParallel}, but when the k sequences do not fit, the largest n (2 <= n < k) that fits runs at a
 * time. `figuresFor(n)` gives the memory figures for a context of n sequences (need grows with n).
 */
export function decideWidth(k: number, contextSize: number, figuresFor: (n: number) => MemoryFigures, share = PARALLEL_MEMORY_SHARE): ParallelPlan {
    const all = decideParallel(k, contextSize, figuresFor(k), share);
    if (all.parallel || k <= 2) return all;
    // The largest n that fits (binary search: the need grows with n).
    let lo = 1;
    let hi = k - 1;
    while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (decideParallel(mid, contextSize, figuresFor(mid), share).parallel) lo = mid; else hi = mid - 1;
    }
    if (lo < 2) return all;
    const fit = decideParallel(lo, contextSize, figuresFor(lo), share);
    const why = all.reason.replace(/^running the \d+ samples one after another: /, "");
    return {parallel: true, k, width: lo, contextSize,
        reason: `${k} samples, ${lo} at a time in parallel (one context, ${lo} sequences of ${contextSize} tokens${fit.reason.replace(/^.*tokens/, "")}; all ${k}: ${why}`};
}
