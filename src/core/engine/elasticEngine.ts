/**
 * ElasticEngine: one model (local GGUF or an inference server), Elastic Reasoning budgets with exact token
 * accounting, streaming, a FIFO request queue and prompt cancellation. Plain Node: no `vscode` here.
 *
 * The engine owns the API, the queue (queue.ts) and each request's state (request.ts); the phase loop (phases.ts)
 * runs the budgets over a generation session that a backend opens (backend.ts: localBackend.ts, serverBackend.ts).
 * Elastic mode (E1): thinking until the model samples its close token or exactly `thinkTokens` sampled tokens; when
 * the budget ran out the format's cut is fed (one `</think>` for R1), then the solution until an end of generation or
 * exactly `answerTokens` sampled tokens. docs/engine.md says what this relies on (exact budgets, cut, cancel).
 *
 * Counting: `thinkingTokens` = sampled tokens of the thinking phase, a `</think>` the model sampled itself included;
 * `solutionTokens` = sampled tokens of the solution phase, a final end-of-generation token included. So the
 * sequence holds prompt + thinking + cut + solution minus the last sampled token (sampled, never fed).
 */
import {basename} from "node:path";
import {R1_DISTILL_FORMAT, type PromptFormat} from "../promptFormat";
import type {SolveResult, StopReason} from "../types";
import type {Backend, OpenedSession, OpenRequest} from "./backend";
import {EngineError, generationFailure} from "./errors";
import {LocalBackend} from "./localBackend";
import type {ElasticEngineOptions, PromptMeter, SolveManyOptions, SolveManyResult, SolveOptions, SolveTrace} from "./options";
import type {ParallelPlan} from "./parallel";
import {runPhases} from "./phases";
import {RequestQueue} from "./queue";
import {RunState, validateRequest, type Job} from "./request";
import {ServerBackend} from "./serverBackend";
import {ServerClient} from "./serverClient";
import type {ServerStepFigures} from "./serverSession";

/**
 * Solves math problems with one model. Requests run one at a time in FIFO order.
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
    private readonly backend: Backend;
    private readonly serverBackend: ServerBackend | undefined;
    private readonly queue = new RequestQueue();
    private _disposed = false;
    private _lastTrace: SolveTrace | undefined;

    constructor(options: ElasticEngineOptions) {
        this.options = {...options};
        this.format = options.format ?? R1_DISTILL_FORMAT;
        const name = () => this.modelName;
        if (options.server != null) {
            this.serverBackend = new ServerBackend(new ServerClient(options.server), this.options, this.format, name);
            this.backend = this.serverBackend;
        } else {
            this.backend = new LocalBackend(this.options, this.format, name);
        }
    }

    get modelPath(): string { return this.options.modelPath; }
    /** File name without `.gguf`. */
    get modelName(): string {
        if (this.options.server != null) return this.options.server.model != null && this.options.server.model !== "" ? this.options.server.model : "server model";
        return basename(this.options.modelPath).replace(/\.gguf$/i, "");
    }
    /** The server backend's client (undefined for a local model). */
    get server(): ServerClient | undefined { return this.serverBackend?.client; }
    get disposed(): boolean { return this._disposed; }
    get isLoaded(): boolean { return this.backend.isLoaded; }
    /** Where the model runs, e.g. "CPU (2 threads)" or "CUDA (NVIDIA H100 80GB HBM3)"; undefined until loaded. */
    get device(): string | undefined { return this.backend.device; }
    /** What the user should know about where it runs: a GPU fallback to the CPU, a capped thread count (else undefined). */
    get deviceNote(): string | undefined { return this.backend.note; }
    /** Requests waiting behind the running one. */
    get queueLength(): number { return this.queue.length; }
    get busy(): boolean { return this.queue.busy; }
    /** Tokens of the last finished request (diagnostics). */
    get lastTrace(): SolveTrace | undefined { return this._lastTrace; }
    /** Server backend: prompt figures of each step of the last request (how much the server's prompt cache served). */
    get lastServerSteps(): readonly ServerStepFigures[] | undefined { return this.serverBackend?.lastSteps; }

    /** Resolves when no request runs or waits (also after an aborted request has fully wound down). */
    whenIdle(): Promise<void> { return this.queue.whenIdle(); }

    /**
     * Loads the model if needed and returns a prompt meter: how many tokens a problem's prompt has in this model's
     * format, and the context size (for checking a long selection before it is queued).
     */
    async promptMeter(): Promise<PromptMeter> {
        this.ensureNotDisposed();
        return this.backend.promptMeter();
    }

    /** Loads the model now (otherwise the first request does). Throws {@link EngineError}. */
    async load(): Promise<void> {
        this.ensureNotDisposed();
        await this.backend.ensureLoaded(undefined, () => undefined);
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
            state.device = this.backend.device ?? "";
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
                this.queue.remove(job);
                // Resolve at once; a running job stops at its next check and the queue waits for it.
                state.end = performance.now();
                job.resolve(state.result("abort"));
            };
            if (options.signal?.aborted) { onAbort(); return; }
            options.signal?.addEventListener("abort", onAbort, {once: true});
            const cleanup = () => options.signal?.removeEventListener("abort", onAbort);
            job.run = () => this.run(job, state).finally(cleanup);
            this.queue.add(job);
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
                if (this.queue.remove(batch)) batch.resolve(batch.snapshot("abort"));
                // Running: each sample stops at its next token and resolves as aborted; the batch then resolves.
            };
            if (options.signal?.aborted) { controller.abort(); batch.resolve(batch.snapshot("abort")); return; }
            options.signal?.addEventListener("abort", onAbort, {once: true});
            batch.run = () => this.runMany(batch, samples, options, (p) => { plan = p; })
                .finally(() => options.signal?.removeEventListener("abort", onAbort));
            this.queue.add(batch);
        });
    }

    /** Stops everything, frees the model. Queued and running requests resolve as aborted. */
    async dispose(): Promise<void> {
        if (this._disposed) return;
        this._disposed = true;
        for (const job of this.queue.drain()) {
            job.controller.abort();
            job.resolve(job.snapshot("abort"));
        }
        const running = this.queue.current;
        if (running != null) {
            running.job.controller.abort();
            running.job.resolve(running.job.snapshot("abort"));
            await running.done.catch(() => undefined);
        }
        await this.backend.dispose();
        this.queue.notifyIdle();
    }

    private ensureNotDisposed(): void {
        if (this._disposed) throw new EngineError("disposed", "The engine was disposed.");
    }

    private async run(job: Job, state: RunState): Promise<void> {
        const signal = job.controller.signal;
        try {
            if (signal.aborted) return;
            state.loadMs = await this.backend.ensureLoaded(signal, () => job.emit({type: "loading", model: this.modelName}));
            state.device = this.backend.device ?? state.device;
            if (signal.aborted) return;
            await this.runOne(job, state, (request) => this.backend.open(request));
        } catch (err) {
            if (job.settled) return; // aborted meanwhile: the caller already has its result
            job.reject(generationFailure(err));
        }
    }

    /** A vote: the backend says where the k samples run (parallel sequences or one after another); each is a solve. */
    private async runMany(batch: Job, samples: readonly {job: Job; state: RunState}[], options: SolveManyOptions, setPlan: (p: ParallelPlan) => void): Promise<void> {
        const signal = batch.controller.signal;
        const k = samples.length;
        let runner: Awaited<ReturnType<Backend["planSamples"]>> | undefined;
        try {
            if (signal.aborted) return;
            const loadMs = await this.backend.ensureLoaded(signal, () => batch.emit({type: "loading", model: this.modelName}));
            for (const s of samples) { s.state.device = this.backend.device ?? ""; s.state.loadMs = loadMs; }
            if (signal.aborted) return;
            runner = await this.backend.planSamples(options, k);
            const r = runner;
            setPlan(r.plan);
            try { options.onPlan?.(r.plan); } catch { /* ignored */ }
            const one = async (s: {job: Job; state: RunState}, i: number, lane: number) => {
                try {
                    await this.runOne(s.job, s.state, (request) => r.open(i, request, lane));
                } catch (err) {
                    s.job.reject(generationFailure(err));
                }
                // A sample that returned early (cancelled) still ends with its partial result.
                if (!s.job.settled) { s.state.end = performance.now(); s.job.resolve(s.state.result("abort")); }
            };
            if (r.plan.parallel) {
                // Lanes: each takes the next sample when its own ends (all k at once when the width is k).
                let next = 0;
                const lane = async (n: number) => {
                    try {
                        while (next < k && !signal.aborted && !batch.settled) {
                            const i = next++;
                            await one(samples[i]!, i, n);
                        }
                    } finally {
                        r.laneDone?.(n);
                    }
                };
                await Promise.all(Array.from({length: Math.max(1, Math.min(k, r.plan.width ?? k))}, (_, n) => lane(n)));
            } else {
                for (const [i, s] of samples.entries()) {
                    if (signal.aborted || batch.settled) break;
                    await one(s, i, 0);
                }
            }
            batch.resolve(batch.snapshot("eog"));
        } catch (err) {
            if (batch.settled) return;
            batch.reject(generationFailure(err));
        } finally {
            await runner?.dispose();
            batch.resolve(batch.snapshot("abort"));
        }
    }

    /** One request on a session the backend opens: the phase loop, then the result (and its trace, where known). */
    private async runOne(job: Job, state: RunState, open: (request: OpenRequest) => Promise<OpenedSession | undefined>): Promise<void> {
        const signal = job.controller.signal;
        const emit = (e: Parameters<Job["emit"]>[0]) => job.emit(e);
        const opened = await open({options: job.options, state, signal, emit});
        if (opened == null || signal.aborted) return;
        let stop: StopReason;
        try {
            stop = await runPhases(opened.session, opened.plan, {signal, state, emit});
        } catch (err) {
            if (signal.aborted) return;
            const {interrupted} = opened.failed(err);
            state.end = performance.now();
            job.resolve({...state.result("abort"), interrupted});
            return;
        }
        if (signal.aborted) stop = "abort";
        const trace = opened.finished(stop);
        state.end = performance.now();
        if (trace != null) {
            this._lastTrace = trace;
            if (!job.settled && job.options.onTrace) {
                try { job.options.onTrace(trace); } catch { /* diagnostics only */ }
            }
        }
        job.resolve(state.result(stop));
    }
}
