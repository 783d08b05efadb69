/**
 * One generation on a shared inference server (serverClient.ts has the dialects and the HTTP client): the phase loop's
 * session (phases.ts) that sends the text or token ids so far and counts what streams back against the step's budget.
 */
import type {GenerationSession, StepRequest, StepResult} from "./phases";
import type {PromptFormat} from "../promptFormat";
import {ServerError, type ServerClient, type ServerDialect} from "./serverClient";
import {count, isTokenId, reconcileCount, responseLimitBytes, TokenMeter} from "./serverStream";

/** What a server session needs from the format (the same prompt-format code as local). */
export interface ServerSessionOptions {
    readonly client: ServerClient;
    readonly dialect: ServerDialect;
    readonly model: string;
    readonly format: PromptFormat;
    /** The prompt as text (the format's parts joined). */
    readonly prompt: string;
    /**
     * llama.cpp: the prompt's token ids (from its /tokenize, each part with or without specials as the local backend
     * does). The session then sends token ids: no BOS added twice, no special tokens parsed in the user's text, and
     * the generated tokens are sent back as they were sampled (no re-tokenization of the thinking).
     */
    readonly promptIds?: readonly number[];
    readonly sampling: {readonly temperature: number; readonly topP: number; readonly topK: number};
    readonly signal: AbortSignal;
}

/** Figures of the last step (tests and the footer): how much of the prompt the server's cache served. */
export interface ServerStepFigures {
    readonly promptTokens: number;
    readonly cachedPromptTokens: number | null;
    /** llama.cpp: the server's time for this step's prompt (what the cache saves shows here). */
    readonly promptMs: number | null;
    /** llama.cpp: the step's sampled token ids came back and the next prompt carries them as ids (nothing re-tokenized). */
    readonly exactIds: boolean;
}

export class ServerSession implements GenerationSession {
    /** Everything the model has seen so far, as text (OpenAI dialect). */
    private text: string;
    /**
     * llama.cpp dialect: the same as a mixed prompt (token ids, and texts such as the cut that the server tokenizes
     * with specials). llama.cpp accepts such arrays and adds no BOS when the first element is a token.
     */
    private parts: (number | string)[] | null;
    readonly steps: ServerStepFigures[] = [];
    /** Steps whose generated tokens came back as ids (llama.cpp `return_tokens`), so the next step re-tokenized nothing. */
    exactSteps = 0;

    constructor(private readonly o: ServerSessionOptions) {
        this.text = o.prompt;
        this.parts = o.dialect === "llama.cpp" && o.promptIds != null && o.promptIds.length > 0 ? [...o.promptIds] : null;
    }

    private append(text: string): void {
        this.text += text;
        if (this.parts == null || text === "") return;
        const last = this.parts[this.parts.length - 1];
        if (typeof last === "string") this.parts[this.parts.length - 1] = last + text; else this.parts.push(text);
    }

    async step(req: StepRequest): Promise<StepResult> {
        const {format, client, dialect, signal} = this.o;
        const thinking = format.thinking;
        switch (req.feed) {
            case "prompt": break;
            case "close": this.append(thinking?.close ?? ""); break;
            case "cut": this.append(thinking?.cut ?? ""); break;
            case "wait": this.append(thinking?.wait ?? "Wait"); break;
        }
        const stop = [...(req.stopAtClose && thinking != null ? [thinking.close] : []), ...(req.phase === "solution" ? format.stopTexts ?? [] : [])];
        const s = this.o.sampling;
        // The client's own count of what arrives: at the budget it stops reading, whatever the server goes on sending.
        const meter = new TokenMeter(req.maxTokens);
        const limit = responseLimitBytes(req.maxTokens);
        let finished: {end: "close" | "eog" | "length"; tokens: number | null} | undefined;
        let promptTokens = 0;
        let cached: number | null = null;
        let promptMs: number | null = null;
        let stopText = false;
        let afterBudget = 0;
        let idsSeen = false;
        let idsBad = false;
        /** Takes an event's text and ids; true: stop reading (a stop text, or the server sends past the budget). */
        const take = (text: string, ids: readonly number[] | undefined): boolean => {
            const t = meter.add(text, ids);
            if (t !== "" && req.onProgress(t, meter.count)) stopText = true;
            return stopText || meter.overrun;
        };
        /** Once the budget is spent, only the server's closing events (end, usage, [DONE]) are still read. */
        const spent = () => meter.full && ++afterBudget > CLOSING_EVENTS;
        if (dialect === "llama.cpp") {
            const body = {
                prompt: this.parts ?? this.text, n_predict: req.maxTokens, stop, stream: true, cache_prompt: client.options.promptCache ?? true, return_tokens: true,
                temperature: s.temperature, top_p: s.topP, top_k: s.topK, min_p: 0, seed: req.seed
            };
            await client.stream("/completion", body, signal, limit, (d) => {
                if (spent()) return true;
                let ids: number[] | undefined;
                if (Array.isArray(d.tokens) && d.stop !== true) {
                    idsSeen = true;
                    if (d.tokens.every(isTokenId)) ids = d.tokens as number[]; else idsBad = true;
                }
                if (take(typeof d.content === "string" ? d.content : "", ids)) return true;
                if (d.stop !== true) return false;
                const type = d.stop_type;
                const word = d.stopping_word;
                const timings = (d.timings != null && typeof d.timings === "object" ? d.timings : {}) as {cache_n?: unknown; prompt_ms?: unknown};
                promptMs = typeof timings.prompt_ms === "number" ? timings.prompt_ms : null;
                promptTokens = count(d.tokens_evaluated) ?? 0;
                cached = count(timings.cache_n);
                finished = {tokens: typeof d.tokens_predicted === "number" ? d.tokens_predicted : null, end: type === "limit" ? "length" : type === "word" ? (word === thinking?.close && req.stopAtClose ? "close" : "eog") : "eog"};
                return true;
            });
        } else {
            const body = {
                model: this.o.model, prompt: this.text, max_tokens: req.maxTokens, stop, stream: true,
                stream_options: {include_usage: true}, temperature: s.temperature, top_p: s.topP, seed: req.seed,
                // Honoured by vLLM and llama.cpp, ignored by others: E1's sampling has no top-k / min-p.
                top_k: s.topK > 0 ? s.topK : -1, min_p: 0, cache_prompt: client.options.promptCache ?? true,
                // vLLM: the prompt already starts with the format's BOS; do not add a second one.
                add_special_tokens: false
            };
            let reason: string | null = null;
            let stopReason: unknown;
            await client.stream("/v1/completions", body, signal, limit, (d) => {
                if (spent()) return true;
                const choice = (Array.isArray(d.choices) ? d.choices[0] : undefined) as {text?: unknown; finish_reason?: unknown; stop_reason?: unknown} | undefined;
                if (choice != null && typeof choice === "object") {
                    if (typeof choice.text === "string" && take(choice.text, undefined)) return true;
                    if (typeof choice.finish_reason === "string") { reason = choice.finish_reason; stopReason = choice.stop_reason; }
                }
                const usage = (d.usage != null && typeof d.usage === "object" ? d.usage : undefined) as {completion_tokens?: unknown; prompt_tokens?: unknown; prompt_tokens_details?: {cached_tokens?: unknown} | null} | undefined;
                if (usage != null && typeof usage.completion_tokens === "number") {
                    promptTokens = count(usage.prompt_tokens) ?? 0;
                    cached = count(usage.prompt_tokens_details?.cached_tokens);
                    finished = {tokens: usage.completion_tokens, end: "eog"};
                }
                return false;
            });
            if (finished != null || reason != null) {
                // vLLM says which stop matched (a string, or a token id / null for an end of generation); servers that
                // do not say are taken to have stopped at the close when the close was a stop.
                const end = reason === "length" ? "length"
                    : req.stopAtClose && (stopReason === thinking?.close || stopReason === undefined) ? "close" : "eog";
                finished = {tokens: finished?.tokens ?? null, end};
            }
        }
        const figures = {promptTokens, cachedPromptTokens: cached, promptMs, exactIds: false};
        this.steps.push(figures);
        if (signal.aborted) return {end: "abort", tokens: meter.count};
        if (stopText) return {end: "stop-text", tokens: meter.count};
        if (meter.overrun) {
            // The server went on past max_tokens / n_predict: the budget ends the step here.
            client.warn(`sent more than the ${req.maxTokens} tokens asked for; reading stopped at the budget and the request was closed`);
            finished = {end: "length", tokens: null};
        }
        if (finished == null) {
            if (!meter.full) throw new ServerError("dropped", `The server at ${client.base} closed the stream before it finished the answer.`);
            finished = {end: "length", tokens: null}; // the budget is spent; the server's closing events did not come
        }
        // The server's count when it agrees with what arrived, else the client's own (said, never silent).
        const exactIds = dialect === "llama.cpp" && idsSeen && !idsBad;
        const {tokens, note} = reconcileCount(meter, finished.tokens, finished.end, exactIds);
        if (note != null) client.warn(note);
        const generated = meter.text;
        const ids = meter.ids;
        this.text += generated;
        if (this.parts != null) {
            // The sampled ids, minus a close (or end) the server stopped at: the next feed decides what follows.
            const kept = finished.end === "length" ? tokens : tokens - 1;
            if (exactIds && ids.length >= kept && ids.length <= tokens) {
                this.parts.push(...ids.slice(0, kept));
                this.exactSteps++;
                figures.exactIds = true;
            } else {
                this.append(generated); // ids not sent back: the server re-tokenizes the text
            }
        }
        req.onProgress("", tokens);
        return {end: finished.end, tokens};
    }
}

/** Events still read once the budget is spent: the server's own end, its usage figures, `[DONE]`. */
const CLOSING_EVENTS = 8;
