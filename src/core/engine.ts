/**
 * ElasticEngine: one local GGUF model, Elastic Reasoning budgets with exact token accounting, streaming, a FIFO
 * request queue and prompt cancellation. Plain Node: no `vscode` here.
 *
 * Generation uses node-llama-cpp's low-level `sequence.evaluate()` loop (the high-level APIs are not exact, see
 * /work/shared/notes/node-llama-cpp.md). Each token yielded is one sampled token; it enters the KV cache only when
 * the next evaluation feeds it, so after a `break` the last sampled token is passed first when generation continues.
 *
 * Elastic mode (E1): thinking until the model samples its close token or exactly `thinkTokens` sampled tokens;
 * when the budget ran out, the last sampled token and the format's cut (one `</think>` token for R1) are fed, and
 * nothing else; then the solution until an end-of-generation token or exactly `answerTokens` sampled tokens.
 * The sequence is never cleared between the phases: the switch keeps the KV cache.
 *
 * Counting: `thinkingTokens` = sampled tokens of the thinking phase, a `</think>` the model sampled itself included;
 * `solutionTokens` = sampled tokens of the solution phase, a final end-of-generation token included. So the
 * sequence holds prompt + thinking + cut + solution minus the last sampled token (sampled, never fed).
 */
import {open, stat} from "node:fs/promises";
import {freemem} from "node:os";
import {basename} from "node:path";
import {extractAnswer} from "./answer";
import {decideParallel, type MemoryFigures, type ParallelPlan} from "./parallel";
import {buildPromptParts, R1_DISTILL_FORMAT, type PromptFormat} from "./promptFormat";
import {LocalSession} from "./localBackend";
import {runPhases} from "./phases";
import {ServerClient, ServerError, ServerSession, serverLabel, type ServerOptions, type ServerStepFigures} from "./serverBackend";
import type {BudgetSpec, SamplingOptions, SolveEvent, SolveResult, StopReason} from "./types";
import {assertUsableModelFile} from "./gguf";

type NodeLlamaCpp = typeof import("node-llama-cpp");
type Llama = import("node-llama-cpp").Llama;
type LlamaModel = import("node-llama-cpp").LlamaModel;
type LlamaContext = import("node-llama-cpp").LlamaContext;
type LlamaContextSequence = import("node-llama-cpp").LlamaContextSequence;
type Token = import("node-llama-cpp").Token;

/** Machine-readable reason of an {@link EngineError}. */
export type EngineErrorCode =
    /** The model path does not exist. */
    | "model-not-found"
    /** The model path is a folder or something else that is not a regular file. */
    | "model-not-a-file"
    /** The model file cannot be read (permissions, I/O error). */
    | "model-unreadable"
    /** The file is not a GGUF model, or is truncated / corrupt. */
    | "model-invalid"
    /** llama.cpp could not load a GGUF file (unsupported architecture, out of memory...). */
    | "model-load-failed"
    /** The inference context could not be created (usually not enough memory for the context size). */
    | "context-failed"
    /** No usable llama.cpp backend (binaries missing for this platform). */
    | "backend-unavailable"
    /** The prompt does not fit in the context. */
    | "prompt-too-long"
    /** Prompt + thinking budget + solution budget do not fit in the context. */
    | "budget-too-large"
    /** The request is malformed (budget not a whole number, empty problem...). */
    | "invalid-request"
    /** The prompt format asks for something the engine does not implement. */
    | "unsupported-format"
    /** llama.cpp failed while generating. */
    | "generation-failed"
    /** The inference server failed or refused the request (server backend: the message says which and what to do). */
    | "server-failed"
    /** The engine was disposed. */
    | "disposed";

/** An error meant for the user: `message` says what happened and what to do; `code` is for programs. */
export class EngineError extends Error {
    override readonly name = "EngineError";
    constructor(readonly code: EngineErrorCode, message: string, options?: {cause?: unknown}) {
        super(message, options);
    }
}

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
     * Run on a shared inference server instead of a local model (see serverBackend.ts and docs/serving.md): the same
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

const DEFAULT_CONTEXT_SIZE = 8192;
const DEFAULT_SAMPLING = {temperature: 0.6, topP: 0.95, topK: 0} as const;

interface Loaded {
    readonly llama: Llama;
    readonly model: LlamaModel;
    readonly context: LlamaContext;
    readonly sequence: LlamaContextSequence;
    readonly device: string;
    readonly threads: number;
    readonly closeToken: Token | null;
    readonly cutTokens: Token[];
    /** Fed when a close is suppressed (think longer). */
    readonly waitTokens: Token[];
}

interface Job {
    readonly options: SolveOptions;
    readonly controller: AbortController;
    /** Set once the caller's promise is settled (after an abort the job may still be winding down). */
    settled: boolean;
    resolve(result: SolveResult): void;
    reject(err: unknown): void;
    lastPosition: number;
    /** Runs the request (set when it is queued). */
    run?: () => Promise<void>;
    emit(event: SolveEvent): void;
    snapshot(stop: StopReason): SolveResult;
}

/** Mutable state of one running request; `snapshot()` turns it into a result at any moment. */
class RunState {
    thinkingCount = 0;
    solutionCount = 0;
    forcedAt: number[] = [];
    thinking: string[] = [];
    solution: string[] = [];
    thinkingCut = false;
    promptTokens = 0;
    reusedPromptTokens = 0;
    device = "";
    loadMs = 0;
    readonly t0 = performance.now();
    promptStart = 0;
    promptEnd = 0;
    firstToken = 0;
    thinkingEnd = 0;
    end = 0;
    constructor(readonly model: string, readonly budget: BudgetSpec) {}

    result(stop: StopReason): SolveResult {
        const now = this.end || performance.now();
        const solution = this.solution.join("");
        const genStart = this.promptEnd || now;
        const thinkingEnd = this.thinkingEnd || now;
        const generated = this.thinkingCount + this.solutionCount;
        const genMs = Math.max(0, now - genStart);
        return {
            thinkingTokens: this.thinkingCount,
            solutionTokens: this.solutionCount,
            thinkingCut: this.thinkingCut,
            ...(this.forcedAt.length > 0 ? {forcedAt: this.forcedAt.slice()} : {}),
            stop,
            thinking: this.thinking.join(""),
            solution,
            answer: extractAnswer(solution),
            model: this.model,
            device: this.device,
            promptTokens: this.promptTokens,
            budget: this.budget,
            timings: {
                loadMs: this.loadMs,
                promptMs: this.promptStart ? (this.promptEnd || now) - this.promptStart : 0,
                timeToFirstTokenMs: this.firstToken ? this.firstToken - this.t0 : 0,
                thinkingMs: this.promptEnd ? Math.max(0, thinkingEnd - this.promptEnd) : 0,
                solutionMs: this.thinkingEnd ? Math.max(0, now - this.thinkingEnd) : 0,
                totalMs: now - this.t0,
                tokensPerSecond: genMs > 0 ? generated / (genMs / 1000) : 0
            }
        };
    }
}

let nodeLlamaCpp: Promise<NodeLlamaCpp> | undefined;
/** node-llama-cpp is ESM with native binaries: loaded on first use only. */
function loadNodeLlamaCpp(): Promise<NodeLlamaCpp> {
    nodeLlamaCpp ??= import("node-llama-cpp");
    return nodeLlamaCpp;
}

/**
 * Solves math problems with one local model. Requests run one at a time in FIFO order.
 *
 * ```ts
 * const engine = new ElasticEngine({modelPath: "E1-Math-1.5B-Q8_0.gguf"});
 * const result = await engine.solve({problem: "What is 2+2?", budget: {mode: "elastic", thinkTokens: 1024, answerTokens: 1024},
 *     onEvent: (e) => { if (e.type === "delta") process.stdout.write(e.text); }});
 * await engine.dispose();
 * ```
 */
export class ElasticEngine {
    private readonly options: ElasticEngineOptions;
    private readonly format: PromptFormat;
    private loaded: Loaded | undefined;
    private loading: Promise<Loaded> | undefined;
    private readonly queue: Job[] = [];
    private running: {job: Job; done: Promise<void>} | undefined;
    private idleWaiters: (() => void)[] = [];
    private _disposed = false;
    private positionsScheduled = false;
    private _deviceNote: string | undefined;
    private _lastTrace: SolveTrace | undefined;

    private readonly serverClient: ServerClient | undefined;

    constructor(options: ElasticEngineOptions) {
        this.options = {...options};
        this.format = options.format ?? R1_DISTILL_FORMAT;
        this.serverClient = options.server != null ? new ServerClient(options.server) : undefined;
    }

    get modelPath(): string { return this.options.modelPath; }
    /** File name without `.gguf`. */
    get modelName(): string {
        if (this.options.server != null) return this.options.server.model != null && this.options.server.model !== "" ? this.options.server.model : "server model";
        return basename(this.options.modelPath).replace(/\.gguf$/i, "");
    }
    /** The server backend's client (undefined for a local model). */
    get server(): ServerClient | undefined { return this.serverClient; }
    get disposed(): boolean { return this._disposed; }
    get isLoaded(): boolean { return this.loaded != null; }
    /** Where the model runs, e.g. "CPU (2 threads)" or "CUDA (NVIDIA H100 80GB HBM3)"; undefined until loaded. */
    get device(): string | undefined { return this.loaded?.device; }
    /** Why the engine runs on the CPU although a GPU was asked for (undefined when it did not fall back). */
    get deviceNote(): string | undefined { return this._deviceNote; }
    /** Requests waiting behind the running one. */
    get queueLength(): number { return this.queue.length; }
    get busy(): boolean { return this.running != null; }
    /** Tokens of the last finished request (diagnostics). */
    get lastTrace(): SolveTrace | undefined { return this._lastTrace; }

    /** Resolves when no request runs or waits (also after an aborted request has fully wound down). */
    whenIdle(): Promise<void> {
        if (this.running == null && this.queue.length === 0) return Promise.resolve();
        return new Promise((resolve) => this.idleWaiters.push(resolve));
    }

    /**
     * Loads the model if needed and returns a prompt meter: how many tokens a problem's prompt has in this model's
     * format, and the context size (for checking a long selection before it is queued).
     */
    async promptMeter(): Promise<PromptMeter> {
        this.ensureNotDisposed();
        if (this.serverClient != null) return serverPromptMeter(this.serverClient, this.format);
        const l = await this.ensureLoaded();
        const format = this.format;
        return {
            contextSize: l.context.contextSize,
            countPromptTokens: (problem) => buildPromptParts(format, problem)
                .reduce((n, part) => n + l.model.tokenize(part.text, part.specialTokens).length, 0)
        };
    }

    /** Loads the model now (otherwise the first request does). Throws {@link EngineError}. */
    async load(): Promise<void> {
        this.ensureNotDisposed();
        await this.ensureLoaded();
    }

    /**
     * Solves one problem. Resolves with the result, also when cancelled (`stop: "abort"`, the text produced so far).
     * Rejects with {@link EngineError} for bad input, an unusable model file or a llama.cpp failure.
     */
    solve(options: SolveOptions): Promise<SolveResult> {
        if (this._disposed) return Promise.reject(new EngineError("disposed", "The engine was disposed."));
        try {
            validateRequest(options, this.format);
        } catch (err) {
            return Promise.reject(err);
        }
        return new Promise<SolveResult>((resolve, reject) => {
            const state = new RunState(this.modelName, options.budget);
            state.device = this.loaded?.device ?? "";
            const controller = new AbortController();
            const job: Job = {
                options, controller, settled: false, lastPosition: 0,
                resolve: (r) => { if (!job.settled) { job.settled = true; resolve(r); } },
                reject: (e) => { if (!job.settled) { job.settled = true; reject(e); } },
                emit: (event) => {
                    if (job.settled || options.onEvent == null) return;
                    try { options.onEvent(event); } catch { /* a listener's bug must not break generation */ }
                },
                snapshot: (stop) => state.result(stop)
            };
            const onAbort = () => {
                controller.abort();
                const i = this.queue.indexOf(job);
                if (i >= 0) {
                    this.queue.splice(i, 1);
                    this.schedulePositions();
                    this.notifyIdle();
                }
                // Resolve at once; a running job stops at its next check and the queue waits for it.
                state.end = performance.now();
                job.resolve(state.result("abort"));
            };
            if (options.signal?.aborted) { onAbort(); return; }
            options.signal?.addEventListener("abort", onAbort, {once: true});
            const cleanup = () => options.signal?.removeEventListener("abort", onAbort);
            this.queue.push(job);
            job.run = () => this.run(job, state).finally(cleanup);
            if (this.running != null) this.schedulePositions();
            this.pump();
        });
    }

    /**
     * Runs k samples of one problem as ONE queued request: in parallel on k sequences of a context made for them
     * when memory allows (their tokens are evaluated in shared batches), else one after another on the engine's
     * context (the plan's reason says which and why). Each sample runs exactly the logic of {@link solve} (same
     * budgets, cut, think longer, seeds): with the same seeds both ways give the same samples.
     */
    solveMany(options: SolveManyOptions): Promise<SolveManyResult> {
        if (this._disposed) return Promise.reject(new EngineError("disposed", "The engine was disposed."));
        const k = options.samplings?.length ?? 0;
        try {
            if (!Number.isInteger(k) || k < 1 || k > 256) throw new EngineError("invalid-request", `Between 1 and 256 samples, got ${k}.`);
            validateRequest({problem: options.problem, budget: options.budget}, this.format);
        } catch (err) {
            return Promise.reject(err);
        }
        return new Promise<SolveManyResult>((resolve, reject) => {
            const controller = new AbortController();
            const results: (SolveResult | null)[] = new Array<SolveResult | null>(k).fill(null);
            let plan: ParallelPlan = {parallel: false, k, contextSize: 0, reason: "not started"};
            const samples = options.samplings.map((sampling, i) => {
                const sub: SolveOptions = {
                    problem: options.problem, budget: options.budget, sampling,
                    minThinkingTokens: options.minThinkingTokens, maxForcedContinuations: options.maxForcedContinuations,
                    onTrace: options.onTrace == null ? undefined : (t) => options.onTrace!(i, t)
                };
                const state = new RunState(this.modelName, options.budget);
                const job: Job = {
                    options: sub, controller, settled: false, lastPosition: 0,
                    resolve: (r) => {
                        if (job.settled) return;
                        job.settled = true;
                        results[i] = r;
                        try { options.onSample?.(i, r); } catch { /* a listener's bug must not break generation */ }
                    },
                    reject: (e) => { if (!job.settled) { job.settled = true; batch.reject(e); } },
                    emit: (event) => {
                        if (job.settled || options.onSampleEvent == null) return;
                        try { options.onSampleEvent(i, event); } catch { /* ignored */ }
                    },
                    snapshot: (stop) => state.result(stop)
                };
                return {job, state};
            });
            const batch: Job = {
                options: {problem: options.problem, budget: options.budget}, controller, settled: false, lastPosition: 0,
                resolve: () => {
                    if (batch.settled) return;
                    batch.settled = true;
                    resolve({results: results.map((r) => (r == null || r.stop === "abort" ? null : r)), plan, stopped: controller.signal.aborted});
                },
                reject: (e) => { if (!batch.settled) { batch.settled = true; reject(e); } },
                emit: (event) => { for (let i = 0; i < k; i++) samples[i]!.job.emit(event); },
                snapshot: (stop) => new RunState(this.modelName, options.budget).result(stop)
            };
            const onAbort = () => {
                controller.abort();
                const at = this.queue.indexOf(batch);
                if (at >= 0) { this.queue.splice(at, 1); this.schedulePositions(); this.notifyIdle(); batch.resolve(batch.snapshot("abort")); }
                // Running: each sample stops at its next token and resolves as aborted; the batch then resolves.
            };
            if (options.signal?.aborted) { controller.abort(); batch.resolve(batch.snapshot("abort")); return; }
            options.signal?.addEventListener("abort", onAbort, {once: true});
            this.queue.push(batch);
            batch.run = () => this.runMany(batch, samples, options, (p) => { plan = p; })
                .finally(() => options.signal?.removeEventListener("abort", onAbort));
            if (this.running != null) this.schedulePositions();
            this.pump();
        });
    }

    /** Stops everything, frees the model. Queued and running requests resolve as aborted. */
    async dispose(): Promise<void> {
        if (this._disposed) return;
        this._disposed = true;
        for (const job of this.queue.splice(0)) {
            job.controller.abort();
            job.resolve(job.snapshot("abort"));
        }
        const running = this.running;
        if (running != null) {
            running.job.controller.abort();
            running.job.resolve(running.job.snapshot("abort"));
            await running.done.catch(() => undefined);
        }
        const loaded = this.loaded ?? await this.loading?.catch(() => undefined);
        this.loaded = undefined;
        this.loading = undefined;
        if (loaded != null) {
            await loaded.context.dispose().catch(() => undefined);
            await loaded.model.dispose().catch(() => undefined);
            await loaded.llama.dispose().catch(() => undefined);
        }
        this.notifyIdle();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Queue

    private pump(): void {
        if (this.running != null) return;
        const job = this.queue.shift();
        if (job == null) { this.notifyIdle(); return; }
        const done = job.run!().finally(() => {
            this.running = undefined;
            this.pump();
        });
        this.running = {job, done};
        this.schedulePositions();
    }

    /**
     * Tells waiting requests their position, on the next macrotask: a request made just as the previous one
     * resolves (its promise settles a few microtasks before the queue moves on) is then never reported as queued.
     */
    private schedulePositions(): void {
        if (this.positionsScheduled) return;
        this.positionsScheduled = true;
        setImmediate(() => {
            this.positionsScheduled = false;
            this.updatePositions();
        });
    }

    private updatePositions(): void {
        this.queue.forEach((job, i) => {
            const position = i + 1;
            if (job.lastPosition !== position) {
                job.lastPosition = position;
                job.emit({type: "queued", position});
            }
        });
    }

    private notifyIdle(): void {
        if (this.running != null || this.queue.length > 0) return;
        for (const w of this.idleWaiters.splice(0)) w();
    }

    private ensureNotDisposed(): void {
        if (this._disposed) throw new EngineError("disposed", "The engine was disposed.");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Loading

    private async ensureLoaded(signal?: AbortSignal): Promise<Loaded> {
        if (this.loaded != null) return this.loaded;
        this.loading ??= this.loadModel(signal).then(
            (l) => { this.loaded = l; return l; },
            (err: unknown) => { this.loading = undefined; throw err; });
        return this.loading;
    }

    private async loadModel(signal?: AbortSignal): Promise<Loaded> {
        const modelPath = this.options.modelPath;
        await checkModelFile(modelPath);
        const lib = await loadNodeLlamaCpp();
        await assertUsableModelFile(modelPath, (message, cause) => new EngineError("model-invalid", message, {cause}));
        const gpu = this.options.gpu ?? "auto";
        let llama = await getLlamaWithFallback(lib, gpu, (note) => { this._deviceNote = note; });
        let model: LlamaModel;
        try {
            model = await llama.loadModel({modelPath, loadSignal: signal, onLoadProgress: this.options.onLoadProgress});
        } catch (err) {
            if (signal?.aborted) { await llama.dispose().catch(() => undefined); throw err; }
            if (llama.gpu === false) {
                await llama.dispose().catch(() => undefined);
                throw loadError(modelPath, err);
            }
            // The GPU could not take it: try the CPU.
            this._deviceNote = `Loading on ${gpuLabel(llama.gpu)} failed (${errorMessage(err)}); running on the CPU.`;
            await llama.dispose().catch(() => undefined);
            llama = await getLlamaWithFallback(lib, false, () => undefined);
            try {
                model = await llama.loadModel({modelPath, loadSignal: signal, onLoadProgress: this.options.onLoadProgress});
            } catch (err2) {
                await llama.dispose().catch(() => undefined);
                throw loadError(modelPath, err2);
            }
        }
        const threads = this.options.threads != null && this.options.threads > 0 ? Math.floor(this.options.threads) : llama.cpuMathCores;
        const contextSize = Math.min(this.options.contextSize ?? DEFAULT_CONTEXT_SIZE, model.trainContextSize);
        let context: LlamaContext;
        try {
            context = await model.createContext({contextSize, threads, sequences: 1, failedCreationRemedy: false});
        } catch (err) {
            await model.dispose().catch(() => undefined);
            await llama.dispose().catch(() => undefined);
            throw new EngineError("context-failed",
                `Could not create a ${contextSize}-token context for ${basename(modelPath)}: ${errorMessage(err)}. Try a smaller context size.`,
                {cause: err});
        }
        const sequence = context.getSequence();
        let device = `CPU (${threads} thread${threads === 1 ? "" : "s"})`;
        if (llama.gpu !== false && model.gpuLayers > 0) {
            const names = await llama.getGpuDeviceNames().catch(() => [] as string[]);
            device = `${gpuLabel(llama.gpu)}${names.length > 0 ? ` (${names.join(", ")})` : ""}`;
        }
        const single = (text: string, what: string): Token => {
            const t = model.tokenize(text, true);
            if (t.length !== 1)
                throw new EngineError("unsupported-format", `${basename(modelPath)} has no single token for ${what} "${text}" (the "${this.format.label}" format needs one).`);
            return t[0]!;
        };
        let closeToken: Token | null = null;
        let cutTokens: Token[] = [];
        try {
            if (this.format.thinking != null) {
                closeToken = single(this.format.thinking.close, "closing the thinking");
                cutTokens = model.tokenize(this.format.thinking.cut, true);
            }
        } catch (err) {
            await context.dispose().catch(() => undefined);
            await model.dispose().catch(() => undefined);
            await llama.dispose().catch(() => undefined);
            throw err;
        }
        const waitTokens = model.tokenize(this.waitText(), false);
        return {llama, model, context, sequence, device, threads, closeToken, cutTokens, waitTokens};
    }

    // ---------------------------------------------------------------------------------------------------------
    // One request

    private async run(job: Job, state: RunState): Promise<void> {
        const {options} = job;
        const signal = job.controller.signal;
        try {
            if (signal.aborted) return;
            if (this.serverClient != null) return await this.generateOnServer(job, state, this.serverClient);
            if (this.loaded == null) {
                job.emit({type: "loading", model: this.modelName});
                const t = performance.now();
                await this.ensureLoaded(signal);
                state.loadMs = performance.now() - t;
            }
            const loaded = this.loaded!;
            state.device = loaded.device;
            if (signal.aborted) return;
            await this.generate(job, state, loaded);
        } catch (err) {
            if (job.settled) return; // aborted meanwhile: the caller already has its result
            job.reject(err instanceof EngineError ? err
                : new EngineError("generation-failed", `Generation failed: ${errorMessage(err)}`, {cause: err}));
        }
    }

    /**
     * One request on one sequence: the engine's own (a single solve, or a vote run one after another) or one of the
     * k sequences of a parallel vote's context ({@link solveMany}). The budget logic below is the only copy.
     */
    private async runMany(batch: Job, samples: readonly {job: Job; state: RunState}[], options: SolveManyOptions, setPlan: (p: ParallelPlan) => void): Promise<void> {
        const signal = batch.controller.signal;
        const k = samples.length;
        let context: LlamaContext | undefined;
        try {
            if (signal.aborted) return;
            if (this.serverClient != null) {
                // A server batches concurrent requests itself; here the samples run one after another, each exactly solve().
                const plan: ParallelPlan = {parallel: false, k, contextSize: 0, reason: `running the ${k} samples one after another on the server`};
                setPlan(plan);
                try { options.onPlan?.(plan); } catch { /* ignored */ }
                for (const s of samples) {
                    if (signal.aborted || batch.settled) break;
                    try { await this.generateOnServer(s.job, s.state, this.serverClient); } catch (err) { s.job.reject(err); }
                    if (!s.job.settled) { s.state.end = performance.now(); s.job.resolve(s.state.result("abort")); }
                }
                batch.resolve(batch.snapshot("eog"));
                return;
            }
            let loadMs = 0;
            if (this.loaded == null) {
                batch.emit({type: "loading", model: this.modelName});
                const t = performance.now();
                await this.ensureLoaded(signal);
                loadMs = performance.now() - t;
            }
            const l = this.loaded!;
            for (const s of samples) { s.state.device = l.device; s.state.loadMs = loadMs; }
            if (signal.aborted) return;
            let plan = await this.planMany(l, options, k);
            if (plan.parallel) {
                try {
                    context = await l.model.createContext({contextSize: plan.contextSize, threads: l.threads, sequences: k, failedCreationRemedy: false});
                } catch (err) {
                    plan = {...plan, parallel: false, reason: `running the ${k} samples one after another: a context for ${k} sequences could not be created (${errorMessage(err)})`};
                }
            }
            setPlan(plan);
            try { options.onPlan?.(plan); } catch { /* ignored */ }
            const one = async (s: {job: Job; state: RunState}, sequence: LlamaContextSequence) => {
                try {
                    await this.generate(s.job, s.state, l, sequence);
                } catch (err) {
                    s.job.reject(err instanceof EngineError ? err : new EngineError("generation-failed", `Generation failed: ${errorMessage(err)}`, {cause: err}));
                }
                // A sample that returned early (cancelled) still ends with its partial result.
                if (!s.job.settled) { s.state.end = performance.now(); s.job.resolve(s.state.result("abort")); }
            };
            if (context != null) {
                const ctx = context;
                await Promise.all(samples.map((s) => one(s, ctx.getSequence())));
            } else {
                for (const s of samples) {
                    if (signal.aborted || batch.settled) break;
                    await one(s, l.sequence);
                }
            }
            batch.resolve(batch.snapshot("eog"));
        } catch (err) {
            if (batch.settled) return;
            batch.reject(err instanceof EngineError ? err : new EngineError("generation-failed", `Generation failed: ${errorMessage(err)}`, {cause: err}));
        } finally {
            await context?.dispose().catch(() => undefined);
            batch.resolve(batch.snapshot("abort"));
        }
    }

    /** Parallel or not (see parallel.ts): per-sequence context size from the prompt and budget, memory from GGUF insights. */
    private async planMany(l: Loaded, options: SolveManyOptions, k: number): Promise<ParallelPlan> {
        const promptTokens = buildPromptParts(this.format, options.problem)
            .reduce((n, part) => n + l.model.tokenize(part.text, part.specialTokens).length, 0);
        const b = options.budget;
        const forced = (options.minThinkingTokens ?? 0) > 0 ? (options.maxForcedContinuations ?? 3) * l.waitTokens.length : 0;
        const generated = b.mode === "elastic" ? b.thinkTokens + b.answerTokens + l.cutTokens.length + forced : l.context.contextSize;
        // Never more per sequence than the engine's own context (whose size the budget checks were made for).
        const contextSize = Math.min(l.context.contextSize, Math.ceil((promptTokens + generated + 2) / 256) * 256);
        if (options.parallel === false) return {parallel: false, k, contextSize, reason: `running the ${k} samples one after another (asked)`};
        if (k <= 1) return decideParallel(k, contextSize, {needCpuBytes: 0, needGpuBytes: 0, freeCpuBytes: 0, freeGpuBytes: null});
        const need = l.model.fileInsights.estimateContextResourceRequirements({contextSize, modelGpuLayers: l.model.gpuLayers, sequences: k});
        const freeGpu = l.llama.gpu === false ? null : (await l.llama.getVramState().catch(() => null))?.free ?? null;
        const figures: MemoryFigures = {
            needCpuBytes: need.cpuRam, needGpuBytes: need.gpuVram,
            freeCpuBytes: options.freeMemory?.freeCpuBytes ?? freemem(),
            freeGpuBytes: options.freeMemory?.freeGpuBytes !== undefined ? options.freeMemory.freeGpuBytes : freeGpu
        };
        const plan = decideParallel(k, contextSize, figures);
        if (options.parallel === true && !plan.parallel) return {...plan, parallel: true, reason: `${k} samples in parallel (asked; ${plan.reason})`};
        return plan;
    }

    private async generate(job: Job, state: RunState, l: Loaded, sequence: LlamaContextSequence = l.sequence): Promise<void> {
        const {options} = job;
        const signal = job.controller.signal;
        const {model} = l;
        const contextSize = sequence.contextSize;

        const promptTokens: Token[] = [];
        if (options.buildPrompt != null)
            promptTokens.push(...options.buildPrompt({tokenize: (text, special) => model.tokenize(text, special), contextSize}) as Token[]);
        else for (const part of buildPromptParts(this.format, options.problem))
            promptTokens.push(...model.tokenize(part.text, part.specialTokens));
        state.promptTokens = promptTokens.length;
        // The sequence can hold contextSize - 1 tokens; the last sampled token is never fed.
        const room = contextSize - 1;
        if (promptTokens.length >= room)
            throw new EngineError("prompt-too-long",
                `The problem is too long: the prompt has ${promptTokens.length} tokens and the context holds ${contextSize}. Shorten it or raise the context size.`);
        const budget = options.budget;
        let thinkLimit: number;
        let answerLimit: number;
        // A format without a thinking phase runs one solution phase under the answer budget (the thinking budget is moot).
        const answerOnly = budget.mode === "elastic" && this.format.thinking == null;
        if (budget.mode === "elastic" && answerOnly) {
            thinkLimit = budget.answerTokens;
            answerLimit = 0;
            if (promptTokens.length + thinkLimit > room)
                throw new EngineError("budget-too-large",
                    `The budget does not fit: prompt ${promptTokens.length} + solution ${thinkLimit} tokens, but the context holds ${room}. Lower the budget or raise the context size.`);
        } else if (budget.mode === "elastic") {
            thinkLimit = budget.thinkTokens;
            answerLimit = budget.answerTokens;
            const need = promptTokens.length + thinkLimit + answerLimit;
            if (need > room)
                throw new EngineError("budget-too-large",
                    `The budget does not fit: prompt ${promptTokens.length} + thinking ${thinkLimit} + solution ${answerLimit} tokens = ${need}, but the context holds ${room}. Lower the budget or raise the context size.`);
        } else {
            thinkLimit = Math.min(budget.maxTokens ?? Infinity, contextSize - promptTokens.length);
            answerLimit = 0;
        }

        const reused = options.reuseContext === true ? await keepCommonPrefix(sequence, promptTokens) : 0;
        if (reused === 0) await sequence.clearHistory();
        state.reusedPromptTokens = reused;
        job.emit({type: "started", model: this.modelName, device: l.device, promptTokens: promptTokens.length, budget});

        const s = resolveSampling(this.options.sampling, options.sampling);

        // Prompt: all but the last token in batches sized to ~250 ms, checking for cancel between them (a native
        // batch cannot be interrupted). The caller's promise resolves at once on abort anyway; this bounds how long
        // the engine stays busy. Smaller batches would cost prompt throughput on a CPU.
        state.promptStart = performance.now();
        const chunkOption = this.options.promptChunkTokens ?? "auto";
        let chunk = chunkOption === "auto" ? 16 : Math.max(1, Math.floor(chunkOption));
        let at = reused;
        const keep = Math.min(promptTokens.length, 1);
        while (promptTokens.length - at > keep) {
            if (signal.aborted) return;
            const n = Math.min(chunk, promptTokens.length - keep - at);
            const t = performance.now();
            await sequence.evaluateWithoutGeneratingNewTokens(promptTokens.slice(at, at + n));
            at += n;
            if (chunkOption === "auto") {
                const rate = n / Math.max(1e-3, (performance.now() - t) / 1000);
                chunk = Math.max(16, Math.min(512, Math.round(rate * 0.25)));
            }
        }
        if (signal.aborted) return;

        const session = new LocalSession({
            model, sequence, pendingPrompt: promptTokens.slice(at), closeToken: l.closeToken, cutTokens: l.cutTokens,
            waitTokens: l.waitTokens, sampling: {temperature: s.temperature, topP: s.topP, topK: s.topK}, signal
        });
        const stop = await runPhases(session, {
            format: this.format, budget, thinkLimit, answerLimit, answerOnly, seed: s.seed,
            minThinkingTokens: options.minThinkingTokens ?? 0, maxForcedContinuations: options.maxForcedContinuations ?? 3
        }, {signal, state, emit: (e) => job.emit(e)});
        return this.finish(job, state, sequence, promptTokens, session, signal.aborted ? "abort" : stop);
    }

    /** What think-longer feeds instead of a suppressed close (s1 appends "Wait"). */
    private waitText(): string {
        return this.format.thinking?.wait ?? "Wait";
    }

    /** One request on the server backend: the same phases (runPhases) over a {@link ServerSession}. */
    private async generateOnServer(job: Job, state: RunState, client: ServerClient): Promise<void> {
        const {options} = job;
        const signal = job.controller.signal;
        let dialect: Awaited<ReturnType<ServerClient["dialect"]>>;
        let model: string;
        try {
            dialect = await client.dialect();
            model = await client.modelName();
        } catch (err) {
            throw serverFailure(err);
        }
        if (signal.aborted) return;
        const device = `server ${serverLabel(client.base)} (${dialect === "llama.cpp" ? "llama.cpp" : "OpenAI API"}${model !== "" ? `, ${model}` : ""})`;
        state.device = device;
        const parts = buildPromptParts(this.format, options.problem);
        let prompt = parts.map((p) => p.text).join("");
        const budget = options.budget;
        const answerOnly = budget.mode === "elastic" && this.format.thinking == null;
        const thinkLimit = budget.mode === "elastic" ? (answerOnly ? budget.answerTokens : budget.thinkTokens) : (budget.maxTokens ?? this.options.contextSize ?? DEFAULT_CONTEXT_SIZE);
        const answerLimit = budget.mode === "elastic" && !answerOnly ? budget.answerTokens : 0;
        let promptIds: number[] | undefined;
        if (options.buildPrompt != null) {
            // Conversations: the prompt builder asks for tokens synchronously; the server tokenizes asynchronously.
            ({ids: promptIds, text: prompt} = await serverConversationPrompt(client, dialect, options.buildPrompt, this.options.contextSize ?? DEFAULT_CONTEXT_SIZE));
            if (dialect !== "llama.cpp") promptIds = undefined;
            else state.promptTokens = promptIds.length;
        } else if (dialect === "llama.cpp") {
            try {
                promptIds = (await Promise.all(parts.map((p) => client.tokenize(p.text, p.specialTokens)))).flat();
            } catch (err) {
                throw serverFailure(err);
            }
            state.promptTokens = promptIds.length;
        }
        job.emit({type: "started", model: model !== "" ? model : this.modelName, device, promptTokens: state.promptTokens, budget});
        const s = resolveSampling(this.options.sampling, options.sampling);
        state.promptStart = performance.now();
        const session = new ServerSession({client, dialect, model, format: this.format, prompt, promptIds, sampling: {temperature: s.temperature, topP: s.topP, topK: s.topK}, signal});
        let stop: StopReason;
        try {
            stop = await runPhases(session, {
                format: this.format, budget, thinkLimit, answerLimit, answerOnly, seed: s.seed,
                minThinkingTokens: options.minThinkingTokens ?? 0, maxForcedContinuations: options.maxForcedContinuations ?? 3
            }, {signal, state, emit: (e) => job.emit(e)});
        } catch (err) {
            if (signal.aborted) return;
            if (err instanceof ServerError && err.kind === "dropped") {
                // Keep what arrived and say so.
                state.end = performance.now();
                const got = state.thinkingCount + state.solutionCount;
                job.resolve({...state.result("abort"), interrupted: `${err.message} The ${got} token${got === 1 ? "" : "s"} that arrived are kept; the answer is incomplete.`});
                return;
            }
            throw serverFailure(err);
        }
        if (state.promptTokens === 0) state.promptTokens = session.steps[0]?.promptTokens ?? 0;
        state.end = performance.now();
        this._lastServerSteps = session.steps;
        job.resolve(state.result(signal.aborted ? "abort" : stop));
    }

    /** Server backend: prompt figures of each step of the last request (how much the server's prompt cache served). */
    get lastServerSteps(): readonly ServerStepFigures[] | undefined { return this._lastServerSteps; }
    private _lastServerSteps: readonly ServerStepFigures[] | undefined;

    private finish(job: Job, state: RunState, sequence: LlamaContextSequence, promptTokens: Token[], session: LocalSession, stop: StopReason): void {
        state.end = performance.now();
        const trace: SolveTrace = {
            promptTokens, thinkingTokens: session.thinkingIds, cutTokens: session.cutIds, forced: session.forced, solutionTokens: session.solutionIds,
            contextTokens: sequence.contextTokens, reusedPromptTokens: state.reusedPromptTokens
        };
        this._lastTrace = trace;
        if (!job.settled && job.options.onTrace) {
            try { job.options.onTrace(trace); } catch { /* diagnostics only */ }
        }
        job.resolve(state.result(stop));
    }
}

// -------------------------------------------------------------------------------------------------------------

/**
 * Keeps the longest prefix of the KV cache that the new prompt starts with (never the prompt's last token, which
 * must be evaluated to sample from) and erases the rest. Returns how many prompt tokens are already evaluated.
 */
async function keepCommonPrefix(sequence: LlamaContextSequence, prompt: readonly Token[]): Promise<number> {
    const cached = sequence.contextTokens;
    const max = Math.min(cached.length, prompt.length - 1);
    let common = 0;
    while (common < max && cached[common] === prompt[common]) common++;
    if (common === 0) return 0;
    if (common < cached.length) await sequence.eraseContextTokenRanges([{start: common, end: cached.length}]);
    return common;
}

function validateRequest(options: SolveOptions, format: PromptFormat): void {
    if (typeof options.problem !== "string" || options.problem.trim() === "")
        throw new EngineError("invalid-request", "The problem is empty.");
    const b = options.budget;
    const whole = (n: unknown, min: number) => typeof n === "number" && Number.isInteger(n) && n >= min;
    if (b == null) throw new EngineError("invalid-request", "A budget is required.");
    if (b.mode === "elastic") {
        if (!whole(b.thinkTokens, 0)) throw new EngineError("invalid-request", `The thinking budget must be a whole number of tokens (0 or more), got ${String(b.thinkTokens)}.`);
        if (!whole(b.answerTokens, 1)) throw new EngineError("invalid-request", `The solution budget must be a whole number of tokens (1 or more), got ${String(b.answerTokens)}.`);
    } else if (b.mode === "unconstrained") {
        if (b.maxTokens != null && !whole(b.maxTokens, 1)) throw new EngineError("invalid-request", `maxTokens must be a whole number (1 or more), got ${String(b.maxTokens)}.`);
    } else {
        throw new EngineError("invalid-request", `Unknown budget mode ${JSON.stringify((b as {mode: unknown}).mode)}.`);
    }
}

function resolveSampling(defaults: SamplingOptions | undefined, request: SamplingOptions | undefined): Required<Omit<SamplingOptions, "seed">> & {seed: number} {
    const temperature = request?.temperature ?? defaults?.temperature ?? DEFAULT_SAMPLING.temperature;
    const topP = request?.topP ?? defaults?.topP ?? DEFAULT_SAMPLING.topP;
    const topK = request?.topK ?? defaults?.topK ?? DEFAULT_SAMPLING.topK;
    // node-llama-cpp's default seed is the current second: two requests in one second would sample alike.
    const seed = request?.seed ?? defaults?.seed ?? Math.floor(Math.random() * 0x7fffffff);
    return {temperature, topP, topK, seed};
}

/** Clear errors for the common mistakes, before llama.cpp sees the file. */
async function checkModelFile(path: string): Promise<void> {
    if (typeof path !== "string" || path === "")
        throw new EngineError("model-not-found", "No model file is configured.");
    let st;
    try {
        st = await stat(path);
    } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "ENOTDIR") throw new EngineError("model-not-found", `Model file not found: ${path}`, {cause: err});
        throw new EngineError("model-unreadable", `Cannot access the model file ${path}: ${errorMessage(err)}`, {cause: err});
    }
    if (!st.isFile()) throw new EngineError("model-not-a-file", `The model path is not a file: ${path}${st.isDirectory() ? " (it is a folder)" : ""}`);
    let magic: Buffer;
    try {
        const fh = await open(path, "r");
        try {
            magic = Buffer.alloc(4);
            const {bytesRead} = await fh.read(magic, 0, 4, 0);
            magic = magic.subarray(0, bytesRead);
        } finally {
            await fh.close();
        }
    } catch (err) {
        throw new EngineError("model-unreadable", `Cannot read the model file ${path}: ${errorMessage(err)}`, {cause: err});
    }
    if (st.size === 0) throw new EngineError("model-invalid", `The model file is empty: ${path}`);
    if (magic.toString("latin1") !== "GGUF")
        throw new EngineError("model-invalid", `Not a GGUF model file: ${path}. Elastic Math runs GGUF models (llama.cpp's format); convert or download a .gguf file.`);
}

/** Parses the GGUF header and checks that every tensor starts inside the file (a truncated download does not). */
async function checkGgufStructure(lib: NodeLlamaCpp, path: string): Promise<void> {
    let info;
    try {
        info = await lib.readGgufFileInfo(path, {readTensorInfo: true, logWarnings: false});
    } catch (err) {
        throw new EngineError("model-invalid", `The model file is corrupt or truncated (its GGUF header cannot be read): ${path}. ${errorMessage(err)}`, {cause: err});
    }
    const size = (await stat(path)).size;
    const tensors = info.fullTensorInfo ?? info.tensorInfo ?? [];
    let maxOffset = info.infoEndOffset ?? 0;
    for (const t of tensors) maxOffset = Math.max(maxOffset, Number(t.fileOffset));
    if (maxOffset >= size || (tensors.length > 0 && (info.infoEndOffset ?? 0) > size))
        throw new EngineError("model-invalid", `The model file is truncated (${size} bytes, its tensors need more): ${path}. Download it again.`);
}

async function getLlamaWithFallback(lib: NodeLlamaCpp, gpu: GpuOption, note: (text: string) => void): Promise<Llama> {
    const base = {maxThreads: 0, build: "never" as const, progressLogs: false, logLevel: lib.LlamaLogLevel.error};
    if (gpu !== false) {
        try {
            return await lib.getLlama({...base, gpu});
        } catch (err) {
            note(`The ${gpu === "auto" ? "GPU" : gpuLabel(gpu)} backend is not available (${errorMessage(err)}); running on the CPU.`);
        }
    }
    try {
        return await lib.getLlama({...base, gpu: false});
    } catch (err) {
        throw new EngineError("backend-unavailable", `llama.cpp cannot start on this machine: ${errorMessage(err)}`, {cause: err});
    }
}

function loadError(path: string, err: unknown): EngineError {
    if (err instanceof EngineError) return err;
    return new EngineError("model-load-failed",
        `llama.cpp could not load ${basename(path)}: ${errorMessage(err)}. The file may be corrupt, of an unsupported architecture, or too large for the memory.`,
        {cause: err});
}

function gpuLabel(gpu: string | false): string {
    switch (gpu) {
        case "cuda": return "CUDA";
        case "vulkan": return "Vulkan";
        case "metal": return "Metal";
        case false: return "CPU";
        default: return String(gpu);
    }
}

function errorMessage(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
}

/** A server failure as the engine's error (the message already says what happened and what to do). */
function serverFailure(err: unknown): EngineError {
    if (err instanceof EngineError) return err;
    if (err instanceof ServerError) return new EngineError("server-failed", err.message, {cause: err});
    return new EngineError("server-failed", `The inference server request failed: ${errorMessage(err)}`, {cause: err});
}

/**
 * Prompt counts on the server. `countPromptTokens` is synchronous by contract and the server's tokenizer is behind
 * HTTP, so it estimates (4 characters a token); the exact count comes with the request's "started" event (llama.cpp)
 * or its usage figures. The context size is llama.cpp's `n_ctx` when /props tells it.
 */
async function serverPromptMeter(client: ServerClient, format: PromptFormat): Promise<PromptMeter> {
    try { await client.dialect(); } catch (err) { throw serverFailure(err); }
    const contextSize = await client.getJson("/props").then((p) => (p as {default_generation_settings?: {n_ctx?: number}})?.default_generation_settings?.n_ctx ?? 0, () => 0) || DEFAULT_CONTEXT_SIZE;
    return {contextSize, countPromptTokens: (problem) => Math.ceil(buildPromptParts(format, problem).reduce((n, p) => n + p.text.length, 0) / 4)};
}

/**
 * A conversation's prompt on the server. `buildPrompt` tokenizes synchronously, so it runs twice: once to learn
 * which texts it needs (tokenized then by llama.cpp's /tokenize), once with those tokens (exact, history trimming
 * included). For an OpenAI-style server, whose tokenizer is not reachable, lengths are estimated (4 characters a
 * token) and the prompt is sent as the texts in order: each text gets one marker id that maps back to it.
 */
async function serverConversationPrompt(client: ServerClient, dialect: string, build: NonNullable<SolveOptions["buildPrompt"]>, contextSize: number): Promise<{ids: number[]; text: string}> {
    const key = (text: string, special: boolean) => `${special ? 1 : 0}${text}`;
    const cache = new Map<string, number[]>();
    if (dialect === "llama.cpp") {
        const wanted = new Map<string, [string, boolean]>();
        build({tokenize: (text, special) => { wanted.set(key(text, special), [text, special]); return []; }, contextSize});
        try {
            await Promise.all([...wanted].map(async ([k, [text, special]]) => { cache.set(k, await client.tokenize(text, special)); }));
        } catch (err) {
            throw serverFailure(err);
        }
        const ids = build({tokenize: (text, special) => {
            const t = cache.get(key(text, special));
            if (t == null) throw new EngineError("generation-failed", "The conversation's prompt changed while it was being tokenized.");
            return [...t];
        }, contextSize}) as number[];
        return {ids, text: ""};
    }
    const texts: string[] = [];
    const ids = build({tokenize: (text) => {
        texts.push(text);
        const marker = -2 - (texts.length - 1);
        return [marker, ...new Array<number>(Math.max(0, Math.ceil(text.length / 4) - 1)).fill(-1)];
    }, contextSize}) as number[];
    return {ids, text: ids.filter((id) => id <= -2).map((id) => texts[-2 - id]!).join("")};
}
