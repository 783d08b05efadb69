/**
 * The server backend of the phase loop (phases.ts): a shared inference server's raw completions endpoint.
 *
 * Two dialects, one session:
 *   - "llama.cpp": llama.cpp's own `POST /completion` (`n_predict`, `cache_prompt`, and a final event with
 *     `stop_type` "word"/"eos"/"limit" and `tokens_predicted`: the close and an end of generation are told apart);
 *   - "openai": `POST /v1/completions` (vLLM, Ollama, llama.cpp, any OpenAI-compatible server), `max_tokens`,
 *     `stream_options.include_usage` for the exact `usage.completion_tokens`, vLLM's `stop_reason` to tell the close
 *     from an end of generation.
 * "auto" asks `GET /props` (llama.cpp only) and picks llama.cpp when it answers, else openai.
 *
 * The prompt is text built by the same prompt-format code as the local backend; each step sends the whole text so far
 * (prompt + thinking + the close/cut/wait) and relies on the server's prompt cache (llama.cpp `cache_prompt`, vLLM
 * `--enable-prefix-caching`, Ollama keeps the last prompt of a loaded model) so the second phase evaluates only the new
 * tail. Counts come from the server's own usage figures, never from the text.
 *
 * Streaming: server-sent events parsed by `eventsource-parser` over Node's fetch; an AbortSignal closes the request.
 */
import {createParser, type EventSourceMessage} from "eventsource-parser";
import type {GenerationSession, StepRequest, StepResult} from "./phases";
import type {PromptFormat} from "../promptFormat";

export type ServerDialect = "llama.cpp" | "openai";

export interface ServerOptions {
    /** Base URL, e.g. `http://gpu-box:8000` or `http://gpu-box:8000/v1` (a trailing `/v1` is accepted). */
    readonly url: string;
    /** The model name the server knows (OpenAI dialect; llama.cpp serves its one model). Empty: the server's first model. */
    readonly model?: string;
    /** Sent as `Authorization: Bearer <key>`. */
    readonly apiKey?: string;
    /** Default "auto". */
    readonly dialect?: ServerDialect | "auto";
    /** How long to wait for the response headers and for each streamed event (default 120 s: a long prompt on a busy server). */
    readonly timeoutMs?: number;
    /** Ask the server to keep and reuse the prompt (default true; false only to measure what the cache saves). */
    readonly promptCache?: boolean;
}

export type ServerErrorKind =
    | "unreachable" | "timeout" | "unauthorized" | "forbidden" | "not-found" | "rate-limited" | "server-error" | "bad-response"
    /** The stream ended or broke before the server said it was done: what arrived is kept. */
    | "dropped";

export class ServerError extends Error {
    override readonly name = "ServerError";
    constructor(readonly kind: ServerErrorKind, message: string, readonly status?: number, options?: {cause?: unknown}) {
        super(message, options);
    }
}

/** The base URL without a trailing slash or `/v1`. */
export function serverBase(url: string): string {
    let u: URL;
    try {
        u = new URL(url.trim());
    } catch {
        throw new ServerError("unreachable", `The server URL "${url}" is not a valid URL (e.g. http://127.0.0.1:8080).`);
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new ServerError("unreachable", `The server URL must start with http:// or https://, got "${url}".`);
    return u.toString().replace(/\/+$/, "").replace(/\/v1$/, "");
}

/** A short name for footers: host:port. */
export function serverLabel(url: string): string {
    try { return new URL(url).host; } catch { return url; }
}

/** HTTP to one server: JSON calls and streamed completions, with clear errors. */
export class ServerClient {
    readonly base: string;
    private dialectP: Promise<ServerDialect> | undefined;

    constructor(readonly options: ServerOptions) {
        this.base = serverBase(options.url);
    }

    get timeoutMs(): number { return this.options.timeoutMs ?? 120_000; }

    private headers(json: boolean): Record<string, string> {
        const h: Record<string, string> = {Accept: json ? "application/json" : "text/event-stream"};
        if (json) h["Content-Type"] = "application/json";
        if (this.options.apiKey != null && this.options.apiKey !== "") h.Authorization = `Bearer ${this.options.apiKey}`;
        return h;
    }

    /** The dialect: as configured, or llama.cpp when `GET /props` answers like llama.cpp, else openai. */
    dialect(): Promise<ServerDialect> {
        if (this.options.dialect != null && this.options.dialect !== "auto") return Promise.resolve(this.options.dialect);
        this.dialectP ??= this.getJson("/props").then(
            (props) => (props != null && typeof props === "object" && ("default_generation_settings" in props || "build_info" in props) ? "llama.cpp" : "openai"),
            (err: unknown) => {
                this.dialectP = undefined;
                // Only "no such endpoint" says it is not llama.cpp; refused, 401, timeouts are real errors.
                if (err instanceof ServerError && (err.kind === "not-found" || err.kind === "bad-response")) return "openai";
                throw err;
            });
        return this.dialectP;
    }

    /** `GET /v1/models`: the ids the server serves. */
    async models(): Promise<string[]> {
        const r = await this.getJson("/v1/models") as {data?: {id?: unknown}[]; models?: {name?: unknown; model?: unknown}[]};
        const ids = (r?.data ?? []).map((m) => m.id).filter((x): x is string => typeof x === "string");
        if (ids.length > 0) return ids;
        return (r?.models ?? []).map((m) => m.model ?? m.name).filter((x): x is string => typeof x === "string");
    }

    /** The model name to send: the configured one, else the server's first model. */
    async modelName(): Promise<string> {
        if (this.options.model != null && this.options.model.trim() !== "") return this.options.model.trim();
        const ids = await this.models().catch(() => [] as string[]);
        return ids[0] ?? "";
    }

    /** llama.cpp `POST /tokenize` (for counting prompt tokens before a request is queued). */
    async tokenize(text: string, special: boolean): Promise<number[]> {
        const r = await this.postJson("/tokenize", {content: text, add_special: false, parse_special: special}) as {tokens?: unknown[]};
        if (!Array.isArray(r?.tokens)) throw new ServerError("bad-response", "The server's /tokenize answer has no tokens.");
        return r.tokens.map((t) => (typeof t === "number" ? t : (t as {id: number}).id));
    }

    async getJson(path: string, signal?: AbortSignal): Promise<unknown> {
        const res = await this.fetch(path, {method: "GET", headers: this.headers(true)}, signal);
        return this.readJson(res, path);
    }

    async postJson(path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
        const res = await this.fetch(path, {method: "POST", headers: this.headers(true), body: JSON.stringify(body)}, signal);
        return this.readJson(res, path);
    }

    private async readJson(res: Response, path: string): Promise<unknown> {
        const text = await res.text();
        try {
            return JSON.parse(text) as unknown;
        } catch {
            throw new ServerError("bad-response", `${this.base}${path} did not answer with JSON (${text.slice(0, 120)}).`);
        }
    }

    /** POSTs and calls `onData` with each event's parsed JSON; resolves when the stream ends (`[DONE]` or close). */
    async stream(path: string, body: unknown, signal: AbortSignal, onData: (data: Record<string, unknown>) => void): Promise<"done" | "closed"> {
        const res = await this.fetch(path, {method: "POST", headers: {...this.headers(true), Accept: "text/event-stream"}, body: JSON.stringify(body)}, signal);
        if (res.body == null) throw new ServerError("bad-response", `${this.base}${path} sent no body.`);
        let done = false;
        let failure: unknown;
        const parser = createParser({
            onEvent: (ev: EventSourceMessage) => {
                if (done) return;
                if (ev.data === "[DONE]") { done = true; return; }
                let data: unknown;
                try { data = JSON.parse(ev.data); } catch { failure ??= new ServerError("bad-response", `The server streamed something that is not JSON: ${ev.data.slice(0, 120)}`); return; }
                if (data != null && typeof data === "object" && "error" in data) { failure ??= new ServerError("server-error", `The server reported an error: ${errorText(data)}`); return; }
                onData(data as Record<string, unknown>);
            }
        });
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        try {
            for (;;) {
                const {value, done: eof} = await withTimeout(reader.read(), this.timeoutMs, signal,
                    () => new ServerError("timeout", `The server at ${this.base} sent nothing for ${Math.round(this.timeoutMs / 1000)} s.`));
                if (eof) break;
                parser.feed(decoder.decode(value, {stream: true}));
                if (failure != null) throw failure;
                if (done) break;
            }
        } catch (err) {
            if (signal.aborted) return "closed";
            if (err instanceof ServerError) throw err;
            throw new ServerError("dropped", `The connection to ${this.base} broke mid-answer (${causeText(err)}).`, undefined, {cause: err});
        } finally {
            reader.cancel().catch(() => undefined);
        }
        return done ? "done" : "closed";
    }

    private async fetch(path: string, init: RequestInit, signal?: AbortSignal): Promise<Response> {
        const url = `${this.base}${path}`;
        // The timeout covers the wait for the response headers only (a stream may then run as long as it streams;
        // each event has its own timeout in stream()).
        const timeout = new AbortController();
        const timer = setTimeout(() => timeout.abort(), this.timeoutMs);
        const combined = signal != null ? AbortSignal.any([signal, timeout.signal]) : timeout.signal;
        let res: Response;
        try {
            res = await fetch(url, {...init, signal: combined});
        } catch (err) {
            if (signal?.aborted) throw err;
            if (timeout.signal.aborted) throw new ServerError("timeout", `The server at ${this.base} did not answer within ${Math.round(this.timeoutMs / 1000)} s.`, undefined, {cause: err});
            const code = causeCode(err);
            if (code === "ECONNREFUSED") throw new ServerError("unreachable", `Cannot connect to the inference server at ${this.base}: connection refused. Is it running? Check the setting elasticMath.server.url.`, undefined, {cause: err});
            if (code === "ENOTFOUND" || code === "EAI_AGAIN") throw new ServerError("unreachable", `The server host in ${this.base} was not found (${code}). Check the setting elasticMath.server.url.`, undefined, {cause: err});
            throw new ServerError("unreachable", `Cannot reach the inference server at ${this.base}: ${causeText(err)}.`, undefined, {cause: err});
        } finally {
            clearTimeout(timer);
        }
        if (res.ok) return res;
        const body = await res.text().catch(() => "");
        const detail = errorText(safeJson(body) ?? body).slice(0, 300);
        const s = res.status;
        const tail = detail !== "" ? ` (server: ${detail})` : "";
        if (s === 401) throw new ServerError("unauthorized", `The server at ${this.base} refused the API key (401 Unauthorized)${tail}. Set the key with "Elastic Math: Set Server API Key".`, s);
        if (s === 403) throw new ServerError("forbidden", `The server at ${this.base} does not allow this request (403 Forbidden)${tail}. Check the API key's permissions.`, s);
        if (s === 404) {
            const model = this.options.model ?? "";
            const aboutModel = /model/i.test(detail) && model !== "";
            throw new ServerError("not-found", aboutModel
                ? `The server at ${this.base} has no model "${model}" (404)${tail}. Run "Elastic Math: Test Server Connection" to list its models.`
                : `${url} was not found (404)${tail}. Is the URL right and does the server offer ${path}?`, s);
        }
        if (s === 429) {
            const after = res.headers.get("retry-after");
            throw new ServerError("rate-limited", `The server at ${this.base} is busy or rate-limits this key (429 Too Many Requests)${after != null ? `; retry after ${after} s` : ""}${tail}.`, s);
        }
        if (s >= 500) throw new ServerError("server-error", `The server at ${this.base} failed (${s} ${res.statusText})${tail}. Its log says more.`, s);
        throw new ServerError("bad-response", `The server at ${this.base} answered ${s} ${res.statusText}${tail}.`, s);
    }
}

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
        let generated = "";
        let chunks = 0;
        let finished: {end: StepResult["end"]; tokens: number | null} | undefined;
        let promptTokens = 0;
        let cached: number | null = null;
        let promptMs: number | null = null;
        const onText = (t: string, live?: number) => {
            if (t === "") return;
            chunks++;
            generated += t;
            if (req.onProgress(t, Math.min(live ?? chunks, req.maxTokens))) stopText = true;
        };
        const ids: number[] = [];
        let stopText = false;
        const local = new AbortController();
        const both = AbortSignal.any([signal, local.signal]);
        if (dialect === "llama.cpp") {
            const body = {
                prompt: this.parts ?? this.text, n_predict: req.maxTokens, stop, stream: true, cache_prompt: client.options.promptCache ?? true, return_tokens: true,
                temperature: s.temperature, top_p: s.topP, top_k: s.topK, min_p: 0, seed: req.seed
            };
            await client.stream("/completion", body, both, (d) => {
                if (Array.isArray(d.tokens) && d.stop !== true) ids.push(...(d.tokens as number[]));
                if (typeof d.content === "string") onText(d.content, typeof d.tokens_predicted === "number" ? d.tokens_predicted : undefined);
                if (stopText) local.abort();
                if (d.stop === true) {
                    const type = d.stop_type;
                    const word = d.stopping_word;
                    const n = typeof d.tokens_predicted === "number" ? d.tokens_predicted : null;
                    const timings = d.timings as {prompt_n?: number; cache_n?: number; prompt_ms?: number} | undefined;
                    promptMs = typeof timings?.prompt_ms === "number" ? timings.prompt_ms : null;
                    promptTokens = typeof d.tokens_evaluated === "number" ? d.tokens_evaluated : 0;
                    cached = typeof timings?.cache_n === "number" ? timings.cache_n : null;
                    finished = {tokens: n, end: type === "limit" ? "length" : type === "word" ? (word === thinking?.close && req.stopAtClose ? "close" : "eog") : "eog"};
                }
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
            await client.stream("/v1/completions", body, both, (d) => {
                const choice = (d.choices as {text?: string; finish_reason?: string | null; stop_reason?: unknown}[] | undefined)?.[0];
                if (choice != null) {
                    if (typeof choice.text === "string") onText(choice.text);
                    if (choice.finish_reason != null) { reason = choice.finish_reason; stopReason = choice.stop_reason; }
                }
                if (stopText) local.abort();
                const usage = d.usage as {completion_tokens?: number; prompt_tokens?: number; prompt_tokens_details?: {cached_tokens?: number}} | undefined | null;
                if (usage != null && typeof usage.completion_tokens === "number") {
                    promptTokens = usage.prompt_tokens ?? 0;
                    cached = usage.prompt_tokens_details?.cached_tokens ?? null;
                    finished = {tokens: usage.completion_tokens, end: "eog"};
                }
            });
            if (finished != null || reason != null) {
                // vLLM says which stop matched (a string, or a token id / null for an end of generation); servers that
                // do not say are taken to have stopped at the close when the close was a stop.
                const end: StepResult["end"] = reason === "length" ? "length"
                    : req.stopAtClose && (stopReason === thinking?.close || stopReason === undefined) ? "close" : "eog";
                finished = {tokens: finished?.tokens ?? null, end};
            }
        }
        const figures = {promptTokens, cachedPromptTokens: cached, promptMs, exactIds: false};
        this.steps.push(figures);
        if (signal.aborted) return {end: "abort", tokens: chunks};
        if (stopText) return {end: "stop-text", tokens: chunks};
        if (finished == null)
            throw new ServerError("dropped", `The server at ${client.base} closed the stream before it finished the answer.`);
        // Exact counts come from the server; a server without usage figures is counted by streamed pieces.
        const tokens = finished.tokens ?? chunks;
        this.text += generated;
        if (this.parts != null) {
            // The sampled ids, minus a close (or end) the server stopped at: the next feed decides what follows.
            const kept = finished.end === "length" ? tokens : tokens - 1;
            if (ids.length >= kept && ids.length <= tokens) {
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

async function withTimeout<T>(p: Promise<T>, ms: number, signal: AbortSignal, error: () => Error): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
        return await Promise.race([p, new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(error()), ms);
            onAbort = () => reject(signal.reason);
            if (signal.aborted) onAbort();
            else signal.addEventListener("abort", onAbort, {once: true});
        })]);
    } finally {
        clearTimeout(timer);
        if (onAbort != null) signal.removeEventListener("abort", onAbort);
    }
}

function safeJson(text: string): unknown {
    try { return JSON.parse(text) as unknown; } catch { return undefined; }
}

/** The message of an error body in the shapes servers use ({error: {message}}, {error: "..."}, {message}, {detail}). */
function errorText(body: unknown): string {
    if (typeof body === "string") return body.trim();
    if (body == null || typeof body !== "object") return "";
    const b = body as {error?: unknown; message?: unknown; detail?: unknown};
    if (typeof b.error === "string") return b.error;
    if (b.error != null && typeof b.error === "object" && typeof (b.error as {message?: unknown}).message === "string") return (b.error as {message: string}).message;
    if (typeof b.message === "string") return b.message;
    if (typeof b.detail === "string") return b.detail;
    return JSON.stringify(body).slice(0, 200);
}

function causeCode(err: unknown): string | undefined {
    let e: unknown = err;
    for (let i = 0; i < 4 && e != null; i++) {
        const code = (e as {code?: unknown}).code;
        if (typeof code === "string") return code;
        e = (e as {cause?: unknown}).cause;
    }
    return undefined;
}

function causeText(err: unknown): string {
    const parts: string[] = [];
    let e: unknown = err;
    for (let i = 0; i < 4 && e != null; i++) {
        if (e instanceof Error) parts.push(e.message);
        e = (e as {cause?: unknown}).cause;
    }
    return parts.join(": ") || String(err);
}
