import * as vscode from "vscode";
import {ElasticEngine, EngineError, type EngineErrorCode, type PromptFormat, type PromptMeter, type SolveOptions} from "../core";
import type {SolveManyOptions, SolveManyResult} from "../core/engine";
import type {BudgetSpec, SamplingOptions, SolveEvent, SolveResult} from "../core/types";
import {Disposable} from "./disposable";
import {LoadProgressNotifier} from "./loadProgress";
import {configuredModelName} from "./modelName";
import {logFailure, logged, type Log} from "./log";
import {configuredModel, onEngineSettingsChange, readSettings, type Settings} from "./settings";

/** What the engine service asks of the model manager (passed in its constructor). */
export interface EngineCollaborators {
    readonly log: Log;
    /**
     * Why a model file should not be loaded here (the model manager's GGUF insights say it does not fit, with a
     * smaller quantization or a CPU/GPU split to try), checked once per model before its first load.
     */
    readonly fitProblem: (modelPath: string) => Promise<string | undefined>;
    /** The prompt format for a model file (catalog entry, else detected from the GGUF). */
    readonly formatFor: (modelPath: string) => Promise<PromptFormat | undefined>;
    /** Server backend: the prompt format of a catalog entry. */
    readonly formatForCatalogId: (catalogId: string) => Promise<PromptFormat | undefined>;
    /** Server backend: the API key from SecretStorage. */
    readonly apiKey: () => Promise<string | undefined>;
}

export interface EngineSolveOptions {
    readonly problem: string;
    readonly budget: BudgetSpec;
    readonly signal: AbortSignal;
    readonly onEvent: (event: SolveEvent) => void;
    /** Per-request sampling over the settings (majority vote sets a seed per sample). */
    readonly sampling?: SamplingOptions;
    /** Think longer (see the engine's SolveOptions). */
    readonly minThinkingTokens?: number;
    /** Conversations (see core/conversation.ts): passed through to the engine. */
    readonly buildPrompt?: SolveOptions["buildPrompt"];
    readonly reuseContext?: boolean;
    readonly onTrace?: SolveOptions["onTrace"];
}

/** What the rest of the VS Code layer sees of the engine: the model's name and solve. */
export interface EngineHandle {
    readonly modelPath: string;
    readonly modelName: string;
    solve(options: EngineSolveOptions): Promise<SolveResult>;
    /** k samples as one request, in parallel when memory allows (majority vote); sampling settings apply under each. */
    solveMany(options: SolveManyOptions): Promise<SolveManyResult>;
    /** Loads the model if needed; counts a problem's prompt tokens against the context size. */
    promptMeter(): Promise<PromptMeter>;
    /** The model's prompt format (from the catalog), or undefined for the engine's default (R1-distill). */
    format(): Promise<PromptFormat | undefined>;
}

/**
 * Owns the one engine (one model in memory). The engine is created on first use, so activation stays instant
 * and node-llama-cpp is only loaded when a request needs it. When the model or engine settings change, a new
 * engine is made for the next request and the old one is "retired": requests already on it run to the end,
 * and it is disposed once none uses it. A request on the new engine waits (shown as queued) until every
 * engine retired before it is gone, so one request computes at a time across a settings change as well, and
 * the old model's memory is freed before the new model loads.
 */
export class EngineService extends Disposable {
    private engine: ElasticEngine | undefined;
    private engineKey = "";
    /** Requests between getting an engine and finishing with it, per engine. */
    private readonly uses = new Map<ElasticEngine, number>();
    /** Creation order of the engines (a request waits only for older retired engines, so waits never form a cycle). */
    private readonly generation = new WeakMap<ElasticEngine, number>();
    private generations = 0;
    private retired: RetiredEngine[] = [];
    /** The admission of the last request made (see {@link withEngine}). */
    private admission: Promise<void> = Promise.resolve();
    private readonly changed = this._register(new vscode.EventEmitter<void>());
    /** Fires when the configured model or engine settings change. */
    public readonly onDidChange = this.changed.event;
    /** The "loading <model>" progress notification (and its recorded events, for the test API). */
    public readonly loadProgress = this._register(new LoadProgressNotifier());

    private readonly fitVerdicts = new Map<string, Promise<string | undefined>>();

    /** Throws the fit problem of the model (checked once per model and context size, before its first load). */
    private async checkFit(settings: Settings): Promise<void> {
        if (settings.backend === "server") return; // the server's memory is the server's
        const key = JSON.stringify([settings.modelPath, settings.contextSize]);
        let verdict = this.fitVerdicts.get(key);
        if (verdict == null) {
            verdict = this.deps.fitProblem(settings.modelPath).catch(logged(this.log, `judging whether ${settings.modelPath} fits`, undefined));
            this.fitVerdicts.set(key, verdict);
        }
        const problem = await verdict;
        if (problem != null)
            throw new EngineError("model-load-failed", `${problem} It was not loaded: a model larger than the memory can stop the extension host.`);
    }

    /** A load or context failure gets the fit advice when the model does not fit (else it is returned as it is). */
    private async withLoadAdvice(settings: Settings, err: unknown): Promise<unknown> {
        if (!(err instanceof EngineError) || (err.code !== "model-load-failed" && err.code !== "context-failed") || settings.backend === "server") return err;
        const advice = await this.deps.fitProblem(settings.modelPath).catch(logged(this.log, `judging whether ${settings.modelPath} fits`, undefined));
        return advice != null ? new EngineError(err.code, `${err.message} ${advice}`, {cause: err}) : err;
    }

    private readonly log: Log;

    public constructor(private readonly deps: EngineCollaborators) {
        super();
        this.log = deps.log;
        this._register(onEngineSettingsChange(() => {
            this.fitVerdicts.clear(); // a model chosen again (a new download at the same path) is judged again
            this.changed.fire();
        }));
    }

    public get settings(): Settings {
        return readSettings();
    }

    public get hasModel(): boolean {
        return configuredModel(this.settings) !== "";
    }

    /** The API key changed (SecretStorage): the server engine is made again with it. */
    public apiKeyChanged(): void {
        this.engineKey = "";
        this.changed.fire();
    }

    /** The engine for the current settings (created lazily). */
    public current(): EngineHandle {
        const settings = this.settings;
        return {
            ...configuredModelName(settings),
            solve: (options) => this.solveWith(settings, options),
            solveMany: (options) => this.solveManyWith(settings, options),
            promptMeter: async () => {
                checkConfigured(settings);
                await this.checkFit(settings);
                const engine = await this.engineFor(settings, await this.formatOf(settings));
                this.uses.set(engine, (this.uses.get(engine) ?? 0) + 1);
                try {
                    return await engine.promptMeter().catch(async (err: unknown) => { throw await this.withLoadAdvice(settings, err); });
                } finally {
                    this.release(engine);
                }
            },
            format: () => this.formatOf(settings)
        };
    }

    private async formatOf(settings: Settings): Promise<PromptFormat | undefined> {
        if (settings.backend === "server")
            return this.deps.formatForCatalogId(settings.server.catalogModel).catch(logged(this.log, `reading the prompt format of catalog entry ${settings.server.catalogModel}`, undefined));
        return this.deps.formatFor(settings.modelPath).catch(logged(this.log, `reading the prompt format of ${settings.modelPath}`, undefined));
    }

    private async engineFor(settings: Settings, format: PromptFormat | undefined): Promise<ElasticEngine> {
        if (settings.backend === "server") {
            const apiKey = await this.deps.apiKey().catch(logged(this.log, "reading the server API key from the secret storage", undefined));
            const key = JSON.stringify(["server", settings.server, apiKey ?? "", settings.contextSize, format ?? null]);
            if (this.engine != null && this.engineKey === key) return this.engine;
            if (this.engine != null) this.retire(this.engine);
            this.engine = new ElasticEngine({
                modelPath: "", format, contextSize: settings.contextSize > 0 ? settings.contextSize : undefined,
                server: {url: settings.server.url, model: settings.server.model, apiKey, dialect: settings.server.api,
                    timeoutMs: settings.server.stallTimeoutSeconds * 1000, deadlineMs: settings.server.deadlineSeconds * 1000}
            });
            this.generation.set(this.engine, ++this.generations);
            this.engineKey = key;
            return this.engine;
        }
        const key = JSON.stringify([settings.modelPath, settings.threads, settings.gpu, settings.contextSize, format ?? null]);
        if (this.engine != null && this.engineKey === key) return this.engine;
        if (this.engine != null) this.retire(this.engine);
        this.engine = new ElasticEngine({
            modelPath: settings.modelPath,
            format,
            threads: settings.threads > 0 ? settings.threads : undefined,
            gpu: settings.gpu === "cpu" ? false : settings.gpu,
            contextSize: settings.contextSize > 0 ? settings.contextSize : undefined,
            onLoadProgress: this.loadProgress.reporter(settings.modelPath)
        });
        this.generation.set(this.engine, ++this.generations);
        this.engineKey = key;
        return this.engine;
    }

    /** An engine replaced while requests still use it is disposed when they are done. */
    private retire(engine: ElasticEngine): void {
        let gone!: () => void;
        this.retired.push({engine, gone: new Promise<void>((resolve) => { gone = resolve; }), markGone: () => gone()});
        this.disposeRetiredWhenIdle();
    }

    private disposeRetiredWhenIdle(): void {
        this.retired = this.retired.filter((r) => {
            if ((this.uses.get(r.engine) ?? 0) > 0) return true;
            void r.engine.dispose().catch(logged(this.log, "freeing a replaced model", undefined)).finally(r.markGone);
            return false;
        });
    }

    /**
     * Waits until the engines retired before `engine` are gone (their requests done, their models freed), telling
     * the request it is queued meanwhile. Returns early when the request is cancelled (the engine then ends it).
     */
    private async afterOlderEngines(engine: ElasticEngine, signal: AbortSignal | undefined, onEvent: ((event: SolveEvent) => void) | undefined): Promise<void> {
        const mine = this.generation.get(engine) ?? 0;
        const older = this.retired.filter((r) => (this.generation.get(r.engine) ?? 0) < mine);
        if (older.length === 0 || signal?.aborted) return;
        const ahead = older.reduce((n, r) => n + (r.engine.busy ? 1 : 0) + r.engine.queueLength, 0);
        try { onEvent?.({type: "queued", position: Math.max(1, ahead)}); } catch (err) { logFailure(this.log, "a listener of the queued event", err); /* its bug must not stop the request */ }
        await untilDoneOrAborted(Promise.all(older.map((r) => r.gone)), signal);
    }

    /**
     * One request on the engine for these settings: configured and fitting first, load advice on failure, then tidy.
     * Requests are admitted one at a time, in the order they were made, from here up to the engine's queue (their
     * preparation is asynchronous: a newly chosen model's format and fit are read from its file), so they run in
     * the order their cards appeared even when two are made within milliseconds.
     */
    private async withEngine<T>(settings: Settings, signal: AbortSignal | undefined, onEvent: ((event: SolveEvent) => void) | undefined,
        run: (engine: ElasticEngine) => Promise<T>): Promise<T> {
        let engine: ElasticEngine | undefined;
        let running: Promise<T> | undefined;
        const prior = this.admission;
        const admitted = (async () => {
            // A request cancelled while it waits for its turn goes on at once (the engine then ends it as stopped).
            await untilDoneOrAborted(prior, signal);
            checkConfigured(settings);
            await this.checkFit(settings);
            engine = await this.engineFor(settings, await this.formatOf(settings));
            this.uses.set(engine, (this.uses.get(engine) ?? 0) + 1);
            await this.afterOlderEngines(engine, signal, onEvent);
            running = run(engine); // queued on the engine at once, so the engine's queue keeps the admission order
            running.catch(() => undefined); // observed here only to avoid an unhandled rejection: awaited and handled below
        })();
        // The next request waits for this one and for every one before it (this one may have gone ahead, cancelled).
        this.admission = Promise.allSettled([prior, admitted]).then(() => undefined);
        try {
            await admitted; // a configuration or fit problem is thrown as it is
            try {
                return await running!;
            } catch (err) {
                throw await this.withLoadAdvice(settings, err);
            }
        } finally {
            if (engine != null) this.release(engine);
        }
    }

    /** A request (or a prompt meter) is done with `engine`. */
    private release(engine: ElasticEngine): void {
        const left = (this.uses.get(engine) ?? 1) - 1;
        if (left > 0) this.uses.set(engine, left);
        else this.uses.delete(engine);
        this.loadProgress.settle(); // a load that failed never reports 100%
        this.disposeRetiredWhenIdle();
    }

    private solveWith(settings: Settings, options: EngineSolveOptions): Promise<SolveResult> {
        return this.withEngine(settings, options.signal, options.onEvent, (engine) => engine.solve({
            problem: options.problem,
            budget: options.budget,
            sampling: {...settings.sampling, ...options.sampling},
            signal: options.signal,
            minThinkingTokens: options.minThinkingTokens,
            onEvent: options.onEvent,
            buildPrompt: options.buildPrompt,
            reuseContext: options.reuseContext,
            onTrace: options.onTrace
        }));
    }

    private solveManyWith(settings: Settings, options: SolveManyOptions): Promise<SolveManyResult> {
        return this.withEngine(settings, options.signal, undefined, (engine) =>
            engine.solveMany({...options, samplings: options.samplings.map((s) => ({...settings.sampling, ...s}))}));
    }

    public override dispose(): void {
        super.dispose();
        if (this.engine != null) void this.engine.dispose().catch(logged(this.log, "freeing the model", undefined));
        this.engine = undefined;
        for (const r of this.retired.splice(0)) void r.engine.dispose().catch(logged(this.log, "freeing a replaced model", undefined)).finally(r.markGone);
    }
}

/** Resolves when `promise` settles or `signal` aborts, whichever is first (never rejects). */
async function untilDoneOrAborted(promise: Promise<unknown>, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<void>((resolve) => { onAbort = resolve; signal?.addEventListener("abort", onAbort, {once: true}); });
    try {
        await Promise.race([promise.then(() => undefined, () => undefined), aborted]);
    } finally {
        if (onAbort != null) signal?.removeEventListener("abort", onAbort);
    }
}

/** An engine replaced by a settings change, kept until no request uses it. */
interface RetiredEngine {
    readonly engine: ElasticEngine;
    /** Resolves once it is disposed. */
    readonly gone: Promise<void>;
    readonly markGone: () => void;
}

/** Why the current model has no thinking phase (the budget pick then offers only an answer budget), or undefined. */
export async function answerOnlyReason(engines: EngineService): Promise<string | undefined> {
    const format = await engines.current().format(); // formatOf logs and yields undefined on failure
    if (format == null || format.thinking != null) return undefined;
    return format.noThinkingReason ?? "this model has no thinking phase: only the answer budget applies";
}

/** Throws the coded "not-configured" error when no model (or server URL) is set. */
function checkConfigured(settings: Settings): void {
    if (settings.backend === "server" && settings.server.url === "")
        throw notConfigured("The server backend has no URL: set elasticMath.server.url (then run \"Elastic Math: Test Server Connection\").");
    if (settings.backend === "local" && settings.modelPath === "")
        throw notConfigured("No model is configured. Run \"Elastic Math: Choose Model...\" to download one or choose a GGUF file.");
}

// "not-configured" joins EngineErrorCode with the engine folder (src/core/engine/); the cast goes when it has.
const notConfigured = (message: string) => new EngineError("not-configured" as EngineErrorCode, message);
