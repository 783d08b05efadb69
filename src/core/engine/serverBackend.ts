/**
 * The server backend: the same phases, budgets and events over an inference server (serverClient.ts holds the HTTP
 * protocol and the session; docs/serving.md the setup). The server batches concurrent requests itself (vLLM's
 * continuous batching, llama-server's `--parallel` slots), so a vote's k samples are sent at once, each exactly a
 * solve; a server with fewer slots queues the rest.
 */
import {buildPromptParts, type PromptFormat} from "../promptFormat";
import type {Backend, OpenedSession, OpenRequest, SampleRunner} from "./backend";
import {EngineError, errorMessage} from "./errors";
import {tokenLimits} from "./limits";
import type {ElasticEngineOptions, PromptMeter, SolveManyOptions, SolveOptions} from "./options";
import {DEFAULT_CONTEXT_SIZE, resolveSampling} from "./request";
import {ServerClient, ServerError, serverLabel} from "./serverClient";
import {ServerSession, type ServerStepFigures} from "./serverSession";

export class ServerBackend implements Backend {
    private _lastSteps: readonly ServerStepFigures[] | undefined;
    private contextSizeP: Promise<number> | undefined;

    constructor(readonly client: ServerClient, private readonly options: ElasticEngineOptions, private readonly format: PromptFormat,
        private readonly modelName: () => string) {}

    get device(): string | undefined { return undefined; }
    get isLoaded(): boolean { return false; }
    get note(): string | undefined { return undefined; }
    /** Prompt figures of each step of the last request (how much the server's prompt cache served). */
    get lastSteps(): readonly ServerStepFigures[] | undefined { return this._lastSteps; }

    /** Nothing to load: the server holds the model. */
    ensureLoaded(): Promise<number> { return Promise.resolve(0); }

    /**
     * Prompt counts on the server. `countPromptTokens` is synchronous by contract and the server's tokenizer is behind
     * HTTP, so it estimates (4 characters a token); the exact count comes with the request's "started" event (llama.cpp)
     * or its usage figures.
     */
    async promptMeter(): Promise<PromptMeter> {
        try { await this.client.dialect(); } catch (err) { throw serverFailure(err); }
        const contextSize = await this.contextSize();
        return {contextSize, countPromptTokens: (problem) => Math.ceil(buildPromptParts(this.format, problem).reduce((n, p) => n + p.text.length, 0) / 4)};
    }

    planSamples(options: SolveManyOptions, k: number): Promise<SampleRunner> {
        return Promise.resolve({
            plan: k <= 1
                ? {parallel: false, k, contextSize: 0, reason: "one sample: run on its own"}
                : options.parallel === false
                ? {parallel: false, k, contextSize: 0, reason: `running the ${k} samples one after another (asked)`}
                : {parallel: true, k, contextSize: 0, reason: `${k} samples sent to the server at once (it batches them; a server with fewer slots queues the rest)`},
            open: (_i, request) => this.open(request),
            dispose: () => Promise.resolve()
        });
    }

    dispose(): Promise<void> { return Promise.resolve(); }

    /** One request on the server: the same phases (runPhases) over a {@link ServerSession}. */
    async open(request: OpenRequest): Promise<OpenedSession | undefined> {
        const {options, state, signal} = request;
        const client = this.client;
        let dialect: Awaited<ReturnType<ServerClient["dialect"]>>;
        let model: string;
        try {
            dialect = await client.dialect();
            model = await client.modelName();
        } catch (err) {
            throw serverFailure(err);
        }
        if (signal.aborted) return undefined;
        const device = `server ${serverLabel(client.base)} (${dialect === "llama.cpp" ? "llama.cpp" : "OpenAI API"}${model !== "" ? `, ${model}` : ""})`;
        state.device = device;
        const contextSize = await this.contextSize();
        const parts = buildPromptParts(this.format, options.problem);
        let prompt = parts.map((p) => p.text).join("");
        const budget = options.budget;
        let promptIds: number[] | undefined;
        if (options.buildPrompt != null) {
            // Conversations: the prompt builder asks for tokens synchronously; the server tokenizes asynchronously.
            ({ids: promptIds, text: prompt} = await serverConversationPrompt(client, dialect, options.buildPrompt, contextSize));
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
        const limits = tokenLimits(budget, this.format, state.promptTokens, contextSize);
        request.emit({type: "started", model: model !== "" ? model : this.modelName(), device, promptTokens: state.promptTokens, budget});
        const s = resolveSampling(this.options.sampling, options.sampling);
        state.promptStart = performance.now();
        const session = new ServerSession({client, dialect, model, format: this.format, prompt, promptIds, sampling: {temperature: s.temperature, topP: s.topP, topK: s.topK}, signal});
        return {
            session,
            plan: {
                format: this.format, budget, ...limits, seed: s.seed,
                minThinkingTokens: options.minThinkingTokens ?? 0, maxForcedContinuations: options.maxForcedContinuations ?? 3
            },
            failed: (err) => {
                if (err instanceof ServerError && err.kind === "dropped") {
                    // Keep what arrived and say so.
                    const got = state.thinkingCount + state.solutionCount;
                    return {interrupted: `${err.message} The ${got} token${got === 1 ? "" : "s"} that arrived are kept; the answer is incomplete.`};
                }
                throw serverFailure(err);
            },
            finished: () => {
                if (state.promptTokens === 0) state.promptTokens = session.steps[0]?.promptTokens ?? 0;
                this._lastSteps = session.steps;
                return undefined;
            }
        };
    }

    /** The server's context per request: llama.cpp's `n_ctx` when /props tells it, else the configured context size. */
    private contextSize(): Promise<number> {
        const fallback = this.options.contextSize ?? DEFAULT_CONTEXT_SIZE;
        this.contextSizeP ??= this.client.getJson("/props").then(
            (p) => (p as {default_generation_settings?: {n_ctx?: number}} | null)?.default_generation_settings?.n_ctx ?? 0, () => 0)
            .then((n) => {
                if (!(typeof n === "number" && Number.isInteger(n) && n > 0)) { this.contextSizeP = undefined; return fallback; }
                return n;
            });
        return this.contextSizeP;
    }
}

/** A server failure as the engine's error (the message already says what happened and what to do). */
export function serverFailure(err: unknown): EngineError {
    if (err instanceof EngineError) return err;
    if (err instanceof ServerError) return new EngineError("server-failed", err.message, {cause: err});
    return new EngineError("server-failed", `The inference server request failed: ${errorMessage(err)}`, {cause: err});
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
