/** The engine's API types: its options, a request's options and what a request reports besides its result. */
import type {PromptFormat} from "../promptFormat";
import type {BudgetSpec, SamplingOptions, SolveEvent, SolveResult} from "../types";
import type {MemoryFigures, ParallelPlan} from "./parallel";
import type {ServerOptions} from "./serverClient";

export type GpuOption = "auto" | false | "cuda" | "vulkan" | "metal";

export interface ElasticEngineOptions {
    /** Path of the GGUF model file. The model is loaded on the first request (or by {@link ElasticEngine.load}). */
    readonly modelPath: string;
    /** How the model is prompted and cut. Default: DeepSeek-R1-Distill (E1-Math, DeepScaleR). */
    readonly format?: PromptFormat;
    /**
     * CPU threads for evaluation. Default: the machine's math cores (`llama.cpuMathCores`). node-llama-cpp's own
     * default (at least 4) made generation 60x slower on a 2-core machine, so the engine always sets it.
     */
    readonly threads?: number;
    /**
     * GPU backend: "auto" (default: the best available, else CPU), false (CPU only), or a specific backend.
     * When the GPU backend or loading the model on it fails, the engine falls back to the CPU
     * (see {@link ElasticEngine.deviceNote}).
     */
    readonly gpu?: GpuOption;
    /** Context size in tokens (prompt + thinking + cut + solution must fit). Default 8192, at most the model's. */
    readonly contextSize?: number;
    /** Sampling defaults for every request: temperature 0.6, top-p 0.95, top-k off (E1's evaluation settings). */
    readonly sampling?: SamplingOptions;
    /**
     * Prompt tokens per evaluation batch: a number, or "auto" (default) to size batches to about 250 ms each, so
     * that a cancel during prompt processing is noticed quickly even on a slow CPU.
     */
    readonly promptChunkTokens?: number | "auto";
    /**
     * Run on a shared inference server instead of a local model (see serverClient.ts and docs/serving.md): the same
     * phases, budgets and events; `modelPath` is then unused (may be "").
     */
    readonly server?: ServerOptions;
    /** Model loading progress, 0 (exclusive) to 1 (inclusive), from node-llama-cpp's loadModel (a CPU retry starts over). */
    readonly onLoadProgress?: (fraction: number) => void;
}

export interface SolveOptions {
    /** The math problem, as the user wrote it. */
    readonly problem: string;
    readonly budget: BudgetSpec;
    /** Overrides the engine's sampling defaults for this request. */
    readonly sampling?: SamplingOptions;
    /** Cancels the request: queued, it leaves the queue; running, it stops and resolves with `stop: "abort"`. */
    readonly signal?: AbortSignal;
    /** Streaming events, in order (see {@link SolveEvent}). Exceptions thrown by the listener are ignored. */
    readonly onEvent?: (event: SolveEvent) => void;
    /** Diagnostics: receives the exact tokens of the request when it ends (tests use it to check the accounting). */
    readonly onTrace?: (trace: SolveTrace) => void;
    /**
     * Think longer (s1's budget forcing, elastic mode only): while fewer than this many thinking tokens were sampled,
     * a `</think>` the model samples is not fed; the format's wait text ("Wait") is fed instead and thinking goes on,
     * at most {@link maxForcedContinuations} times. Each time a `forced` event is streamed. Default 0 (off).
     */
    readonly minThinkingTokens?: number;
    /** How many times the close may be suppressed (default 3 when {@link minThinkingTokens} is set). */
    readonly maxForcedContinuations?: number;
    /**
     * Builds the prompt tokens instead of the format's one-message prompt (conversations: see `conversation.ts`).
     * Called when the request runs, with the model's tokenizer and the context size. May throw an EngineError.
     */
    readonly buildPrompt?: (tools: PromptTools) => readonly number[];
    /**
     * Keep the part of the KV cache that is a prefix of the new prompt and evaluate only the rest (default false:
     * the cache is cleared). Exact: the cache ends up holding the same tokens as a fresh evaluation would.
     */
    readonly reuseContext?: boolean;
}

/** k samples of one problem (majority vote): see {@link ElasticEngine.solveMany}. */
export interface SolveManyOptions {
    readonly problem: string;
    readonly budget: BudgetSpec;
    /** One per sample (k = its length); give each a seed for a repeatable vote. */
    readonly samplings: readonly SamplingOptions[];
    /** Cancels the whole batch: samples that finished are kept, the others end as aborted. */
    readonly signal?: AbortSignal;
    /** "auto" (default): parallel when memory allows (see parallel.ts); false: one after another; true: parallel unless the context cannot be created. */
    readonly parallel?: "auto" | boolean;
    /** Think longer, per sample (see {@link SolveOptions.minThinkingTokens}). */
    readonly minThinkingTokens?: number;
    readonly maxForcedContinuations?: number;
    /** The decision, before the first sample runs. */
    readonly onPlan?: (plan: ParallelPlan) => void;
    /** Each sample's result as soon as it ends (in the order they end). */
    readonly onSample?: (index: number, result: SolveResult) => void;
    /** Each sample's streaming events (tagged with its index). */
    readonly onSampleEvent?: (index: number, event: SolveEvent) => void;
    /** Each sample's exact tokens (tests check the accounting). */
    readonly onTrace?: (index: number, trace: SolveTrace) => void;
    /** Tests and diagnostics: replaces the measured free memory in the decision. */
    readonly freeMemory?: Partial<Pick<MemoryFigures, "freeCpuBytes" | "freeGpuBytes">>;
}

export interface SolveManyResult {
    /** Index order; null for a sample that did not finish (batch cancelled). */
    readonly results: readonly (SolveResult | null)[];
    readonly plan: ParallelPlan;
    readonly stopped: boolean;
}

/** See {@link ElasticEngine.promptMeter}. */
export interface PromptMeter {
    readonly contextSize: number;
    countPromptTokens(problem: string): number;
}

/** What {@link SolveOptions.buildPrompt} gets. */
export interface PromptTools {
    tokenize(text: string, specialTokens: boolean): number[];
    readonly contextSize: number;
}

/** The tokens of one request, exactly as evaluated. */
export interface SolveTrace {
    readonly promptTokens: readonly number[];
    /** Sampled in the thinking phase (a `</think>` sampled by the model included). */
    readonly thinkingTokens: readonly number[];
    /** The cut sequence fed when the thinking budget ran out (empty otherwise). */
    readonly cutTokens: readonly number[];
    /** Think longer: where a sampled `</think>` was dropped (index into thinkingTokens) and the wait tokens fed there. */
    readonly forced: readonly {readonly at: number; readonly tokens: readonly number[]}[];
    /** Sampled in the solution phase (a final end-of-generation token included). */
    readonly solutionTokens: readonly number[];
    /** `sequence.contextTokens` after the request: what the KV cache holds. */
    readonly contextTokens: readonly number[];
    /** Leading prompt tokens that were already in the KV cache and not evaluated again ({@link SolveOptions.reuseContext}). */
    readonly reusedPromptTokens: number;
}
