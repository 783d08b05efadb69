/**
 * The local backend: one GGUF model through node-llama-cpp. It loads the model (falling back to the CPU when the
 * GPU cannot take it), meters prompts, evaluates a request's prompt in cancellable batches and opens a
 * {@link LocalSession} (localSession.ts) for the phase loop; a vote runs on k sequences of one context when memory
 * allows (parallel.ts). What the engine relies on from node-llama-cpp is written down in docs/engine.md.
 */
import {availableParallelism, freemem} from "node:os";
import {basename} from "node:path";
import {buildPromptParts, type PromptFormat} from "../promptFormat";
import type {Backend, OpenedSession, OpenRequest, SampleRunner} from "./backend";
import {EngineError, errorMessage} from "./errors";
import {tokenLimits} from "./limits";
import {gpuLabel, loadError, loadNodeLlamaCpp, sharedLlama} from "./llama";
import {LocalSession} from "./localSession";
import {assertUsableModelFile} from "../gguf";
import {checkModelFile} from "./modelFile";
import {appendAll} from "./tokens";
import type {ElasticEngineOptions, PromptMeter, SolveManyOptions, SolveTrace} from "./options";
import {decideParallel, decideWidth, type MemoryFigures, type ParallelPlan} from "./parallel";
import {Lockstep, lockstepMember, type LockstepMember, sortedDispatch} from "./lockstep";
import {DEFAULT_CONTEXT_SIZE, resolveSampling} from "./request";

type Llama = import("node-llama-cpp").Llama;
type LlamaModel = import("node-llama-cpp").LlamaModel;
type LlamaContext = import("node-llama-cpp").LlamaContext;
type LlamaContextSequence = import("node-llama-cpp").LlamaContextSequence;
type Token = import("node-llama-cpp").Token;

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

export class LocalBackend implements Backend {
    private loaded: Loaded | undefined;
    private loading: Promise<Loaded> | undefined;
    /** Why it runs on the CPU although a GPU was asked for. */
    private deviceNote: string | undefined;
    /** The thread count asked for was capped. */
    private threadsNote: string | undefined;

    constructor(private readonly options: ElasticEngineOptions, private readonly format: PromptFormat, private readonly modelName: () => string) {}

    get device(): string | undefined { return this.loaded?.device; }
    get isLoaded(): boolean { return this.loaded != null; }
    get note(): string | undefined {
        const notes = [this.deviceNote, this.threadsNote].filter((n) => n != null);
        return notes.length > 0 ? notes.join(" ") : undefined;
    }

    async ensureLoaded(signal: AbortSignal | undefined, onLoading: () => void): Promise<number> {
        if (this.loaded != null) return 0;
        onLoading();
        const t = performance.now();
        await this.load(signal);
        return performance.now() - t;
    }

    async promptMeter(): Promise<PromptMeter> {
        const l = await this.load();
        return {contextSize: l.context.contextSize, countPromptTokens: (problem) => this.countPromptTokens(l, problem)};
    }

    async open(request: OpenRequest, sequence?: LlamaContextSequence): Promise<OpenedSession | undefined> {
        const l = await this.load(request.signal);
        return this.openOn(request, l, sequence ?? l.sequence);
    }

    async planSamples(options: SolveManyOptions, k: number): Promise<SampleRunner> {
        const l = await this.load();
        let plan = await this.planMany(l, options, k);
        let context: LlamaContext | undefined;
        const width = plan.width ?? k;
        if (plan.parallel) {
            try {
                // The sequences step together (lockstep.ts): each batch holds every live sequence, in id order.
                context = await l.model.createContext({contextSize: plan.contextSize, threads: l.threads, sequences: width, failedCreationRemedy: false,
                    batching: {dispatchSchedule: sortedDispatch(() => context)}});
            } catch (err) {
                plan = {...plan, parallel: false, reason: `running the ${k} samples one after another: a context for ${width} sequences could not be created (${errorMessage(err)})`};
            }
        }
        const ctx = context;
        const sequences = ctx != null ? Array.from({length: width}, () => ctx.getSequence()) : [];
        const lockstep = ctx != null ? new Lockstep(width) : undefined;
        return {
            plan,
            open: (_i, request, lane) => this.openOn(request, l, sequences[lane] ?? l.sequence, lockstep && lockstepMember(lockstep, lane)),
            laneDone: (lane) => lockstep?.leave(lane),
            dispose: async () => { await ctx?.dispose().catch(() => undefined); }
        };
    }

    async dispose(): Promise<void> {
        const loaded = this.loaded ?? await this.loading?.catch(() => undefined);
        this.loaded = undefined;
        this.loading = undefined;
        if (loaded != null) {
            // The model and its context are freed; the llama.cpp backend stays for the next engine (llama.ts).
            await loaded.context.dispose().catch(() => undefined);
            await loaded.model.dispose().catch(() => undefined);
        }
    }

    private countPromptTokens(l: Loaded, problem: string): number {
        return buildPromptParts(this.format, problem).reduce((n, part) => n + l.model.tokenize(part.text, part.specialTokens).length, 0);
    }

    private load(signal?: AbortSignal): Promise<Loaded> {
        if (this.loaded != null) return Promise.resolve(this.loaded);
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
        // The llama.cpp backend is shared by the process's engines and never disposed (llama.ts).
        const started = await sharedLlama(lib, gpu);
        let llama = started.llama;
        this.deviceNote = started.note;
        let model: LlamaModel;
        try {
            model = await llama.loadModel({modelPath, loadSignal: signal, onLoadProgress: this.options.onLoadProgress});
        } catch (err) {
            if (signal?.aborted) throw err;
            if (llama.gpu === false) throw loadError(modelPath, err);
            // The GPU could not take it: try the CPU.
            this.deviceNote = `Loading on ${gpuLabel(llama.gpu)} failed (${errorMessage(err)}); running on the CPU.`;
            llama = (await sharedLlama(lib, false)).llama;
            try {
                model = await llama.loadModel({modelPath, loadSignal: signal, onLoadProgress: this.options.onLoadProgress});
            } catch (err2) {
                throw loadError(modelPath, err2);
            }
        }
        const {threads, note: threadsNote} = threadCount(this.options.threads, llama.cpuMathCores);
        this.threadsNote = threadsNote;
        const contextSize = Math.min(this.options.contextSize ?? DEFAULT_CONTEXT_SIZE, model.trainContextSize);
        let context: LlamaContext;
        try {
            context = await model.createContext({contextSize, threads, sequences: 1, failedCreationRemedy: false});
        } catch (err) {
            await model.dispose().catch(() => undefined);
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
            throw err;
        }
        // What think-longer feeds instead of a suppressed close (s1 appends "Wait").
        const waitTokens = model.tokenize(this.format.thinking?.wait ?? "Wait", false);
        return {llama, model, context, sequence, device, threads, closeToken, cutTokens, waitTokens};
    }

    /** Parallel or not (see parallel.ts): per-sequence context size from the prompt and budget, memory from GGUF insights. */
    private async planMany(l: Loaded, options: SolveManyOptions, k: number): Promise<ParallelPlan> {
        const promptTokens = this.countPromptTokens(l, options.problem);
        const b = options.budget;
        const forced = (options.minThinkingTokens ?? 0) > 0 ? (options.maxForcedContinuations ?? 3) * l.waitTokens.length : 0;
        const generated = b.mode === "elastic" ? b.thinkTokens + b.answerTokens + l.cutTokens.length + forced : l.context.contextSize;
        // Never more per sequence than the engine's own context (whose size the budget checks were made for).
        const contextSize = Math.min(l.context.contextSize, Math.ceil((promptTokens + generated + 2) / 256) * 256);
        if (options.parallel === false) return {parallel: false, k, contextSize, reason: `running the ${k} samples one after another (asked)`};
        if (k <= 1) return decideParallel(k, contextSize, {needCpuBytes: 0, needGpuBytes: 0, freeCpuBytes: 0, freeGpuBytes: null});
        const freeGpu = l.llama.gpu === false ? null : (await l.llama.getVramState().catch(() => null))?.free ?? null;
        const figuresFor = (n: number): MemoryFigures => {
            const need = l.model.fileInsights.estimateContextResourceRequirements({contextSize, modelGpuLayers: l.model.gpuLayers, sequences: n});
            return {
                needCpuBytes: need.cpuRam, needGpuBytes: need.gpuVram,
                freeCpuBytes: options.freeMemory?.freeCpuBytes ?? freemem(),
                freeGpuBytes: options.freeMemory?.freeGpuBytes !== undefined ? options.freeMemory.freeGpuBytes : freeGpu
            };
        };
        if (options.parallel === true) {
            const plan = decideParallel(k, contextSize, figuresFor(k));
            return plan.parallel ? plan : {...plan, parallel: true, width: k, reason: `${k} samples in parallel (asked; ${plan.reason})`};
        }
        return decideWidth(k, contextSize, figuresFor);
    }

    /** One request on one sequence: the engine's own, or one of the k sequences of a parallel vote's context. */
    private async openOn(request: OpenRequest, l: Loaded, sequence: LlamaContextSequence, lockstep?: LockstepMember): Promise<OpenedSession | undefined> {
        const {options, state, signal} = request;
        const {model} = l;
        const contextSize = sequence.contextSize;

        const promptTokens: Token[] = [];
        if (options.buildPrompt != null)
            appendAll(promptTokens, options.buildPrompt({tokenize: (text, special) => model.tokenize(text, special), contextSize}) as Token[]);
        else for (const part of buildPromptParts(this.format, options.problem))
            appendAll(promptTokens, model.tokenize(part.text, part.specialTokens));
        state.promptTokens = promptTokens.length;
        const budget = options.budget;
        const limits = tokenLimits(budget, this.format, promptTokens.length, contextSize);

        const reused = options.reuseContext === true ? await keepCommonPrefix(sequence, promptTokens) : 0;
        if (reused === 0) await sequence.clearHistory();
        state.reusedPromptTokens = reused;
        request.emit({type: "started", model: this.modelName(), device: l.device, promptTokens: promptTokens.length, budget});

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
            if (signal.aborted) return undefined;
            const n = Math.min(chunk, promptTokens.length - keep - at);
            await lockstep?.arrive();
            const t = performance.now();
            await sequence.evaluateWithoutGeneratingNewTokens(promptTokens.slice(at, at + n));
            at += n;
            if (chunkOption === "auto") {
                const rate = n / Math.max(1e-3, (performance.now() - t) / 1000);
                chunk = Math.max(16, Math.min(512, Math.round(rate * 0.25)));
            }
        }
        if (signal.aborted) return undefined;

        const session = new LocalSession({
            model, sequence, pendingPrompt: promptTokens.slice(at), closeToken: l.closeToken, cutTokens: l.cutTokens,
            waitTokens: l.waitTokens, sampling: {temperature: s.temperature, topP: s.topP, topK: s.topK}, signal, lockstep
        });
        return {
            session,
            plan: {
                format: this.format, budget, ...limits, seed: s.seed,
                minThinkingTokens: options.minThinkingTokens ?? 0, maxForcedContinuations: options.maxForcedContinuations ?? 3
            },
            failed: (err) => { throw err; },
            finished: (): SolveTrace => ({
                promptTokens, thinkingTokens: session.thinkingIds, cutTokens: session.cutIds, forced: session.forced, solutionTokens: session.solutionIds,
                contextTokens: sequence.contextTokens, reusedPromptTokens: state.reusedPromptTokens
            })
        };
    }
}

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

/**
 * Evaluation threads: the number asked for (a whole number from 1), else llama.cpp's count of math cores; never more
 * than the machine's cores: 8 threads on 2 cores ran 46 times slower (docs/engine.md, "threads"). A cap comes with a
 * note for the user.
 */
export function threadCount(asked: number | undefined, mathCores: number, cores = availableParallelism()): {threads: number; note?: string} {
    const wanted = asked != null && Number.isFinite(asked) && asked >= 1 ? Math.floor(asked) : Math.max(1, mathCores);
    if (wanted <= cores) return {threads: wanted};
    return {threads: cores, note: `${wanted} threads were asked for, but this machine has ${cores} core${cores === 1 ? "" : "s"}: using ${cores} (more threads than cores makes generation many times slower).`};
}
