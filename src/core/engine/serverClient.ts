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
 * tail. Counts are the server's usage figures when they agree with what arrived, else the client's own count; the
 * budgets hold on the client whatever the server sends (serverStream.ts: time, size and count bounds).
 *
 * Streaming: server-sent events parsed by `eventsource-parser` over Node's fetch; an AbortSignal closes the request.
 */
import type {GenerationSession, StepRequest, StepResult} from "./phases";
import type {PromptFormat} from "../promptFormat";
import {
    causeCode, causeText, count, DEFAULT_DEADLINE_SECONDS, DEFAULT_STALL_SECONDS, ERROR_BODY_LIMIT, errorText, firstBytes, isTokenId, MAX_EVENT_CHARS,
    MAX_JSON_BYTES, mb, positive, race, readEvents, readText, reconcileCount, responseLimitBytes, safeJson, seconds, TimedBody, TokenMeter
} from "./serverStream";

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
    /**
     * The stall timeout: how long to wait for the response headers and then for each complete streamed event (default
     * 120 s: a long prompt on a busy server). Bytes that complete nothing do not count: a trickle stalls.
     */
    readonly timeoutMs?: number;
    /** The deadline of one HTTP request, headers to last byte, however steadily it streams (default 1800 s). */
    readonly deadlineMs?: number;
    /** Where a server's figure that is not believed (usage against what arrived, tokens past the budget) is said; default console.warn. */
    readonly onWarning?: (message: string) => void;
    /** Ask the server to keep and reuse the prompt (default true; false only to measure what the cache saves). */
    readonly promptCache?: boolean;
}

export type ServerErrorKind =
    | "unreachable" | "timeout" | "unauthorized" | "forbidden" | "not-found" | "rate-limited" | "server-error" | "bad-response"
    /** The stream ended or broke before the server said it was done: what arrived is kept. */
    | "dropped";

/** Failures of a connection that the server closed before it answered (undici's "other side closed", a reset). */
const STALE_CONNECTION: ReadonlySet<string> = new Set(["UND_ERR_SOCKET", "ECONNRESET", "EPIPE"]);
/** Such a request is sent again at most this many times, after 100, 300, 900 ms. */
const RESENDS = 3;

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
        if (signal?.aborted === true) { resolve(); return; }
        const done = () => { clearTimeout(timer); signal?.removeEventListener("abort", done); resolve(); };
        const timer = setTimeout(done, ms);
        signal?.addEventListener("abort", done, {once: true});
    });
}

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

/** HTTP to one server: JSON calls and streamed completions, with clear errors, each within time and size bounds. */
export class ServerClient {
    readonly base: string;
    private dialectP: Promise<ServerDialect> | undefined;

    constructor(readonly options: ServerOptions) {
        this.base = serverBase(options.url);
    }

    /** The stall timeout (headers, then each complete event). */
    get timeoutMs(): number { return positive(this.options.timeoutMs) ?? DEFAULT_STALL_SECONDS * 1000; }
    /** The deadline of one HTTP request, from its start to its last byte. */
    get deadlineMs(): number { return positive(this.options.deadlineMs) ?? DEFAULT_DEADLINE_SECONDS * 1000; }

    /** Something the server sent was not believed: said, never silent. */
    warn(message: string): void {
        const text = `Elastic Math: the server at ${this.base} ${message}.`;
        if (this.options.onWarning != null) this.options.onWarning(text); else console.warn(text);
    }

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
        const data = Array.isArray(r?.data) ? r.data : [];
        const ids = data.map((m) => m?.id).filter((x): x is string => typeof x === "string");
        if (ids.length > 0) return ids;
        return (Array.isArray(r?.models) ? r.models : []).map((m) => m?.model ?? m?.name).filter((x): x is string => typeof x === "string");
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
        const ids = r.tokens.map((t) => (typeof t === "number" ? t : (t as {id?: unknown} | null)?.id));
        if (!ids.every((t): t is number => Number.isInteger(t) && (t as number) >= 0)) throw new ServerError("bad-response", "The server's /tokenize answer has something else than token ids in it.");
        return ids;
    }

    async getJson(path: string, signal?: AbortSignal): Promise<unknown> {
        return this.readJson(await this.request(path, {method: "GET", headers: this.headers(true)}, signal), path);
    }

    async postJson(path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
        return this.readJson(await this.request(path, {method: "POST", headers: this.headers(true), body: JSON.stringify(body)}, signal), path);
    }

    private async readJson(open: Opened, path: string): Promise<unknown> {
        const text = await readText(open.body(MAX_JSON_BYTES));
        try {
            return JSON.parse(text) as unknown;
        } catch {
            throw new ServerError("bad-response", `The server at ${this.base} answered ${path} with ${open.res.headers.get("content-type") ?? "no content type"}, not JSON; it began: "${text.slice(0, 120).replace(/\s+/g, " ").trim()}".${NOT_A_PROXY}`);
        }
    }

    /**
     * POSTs and calls `onData` with each event's parsed JSON (true from it: stop reading, the request is closed).
     * Resolves "done" at `[DONE]`, "stopped" when told to stop, "closed" when the stream ended otherwise.
     * The response may take at most `maxBytes`; one event at most MAX_EVENT_CHARS.
     */
    async stream(path: string, body: unknown, signal: AbortSignal, maxBytes: number, onData: (data: Record<string, unknown>) => boolean | void): Promise<"done" | "stopped" | "closed"> {
        const open = await this.request(path, {method: "POST", headers: {...this.headers(true), Accept: "text/event-stream"}, body: JSON.stringify(body)}, signal);
        const type = open.res.headers.get("content-type");
        if (type != null && !/event-stream/i.test(type)) {
            // A proxy's sign-in page, a captive portal, a server that ignored "stream": say what came.
            const first = await firstBytes(open.body(ERROR_BODY_LIMIT));
            const detail = /json/i.test(type) ? errorText(safeJson(first) ?? first) : "";
            open.close();
            throw new ServerError("bad-response", `The server at ${this.base} answered ${path} with ${type}, not an event stream${first !== "" ? `; it began: "${first.slice(0, 120)}"` : ""}${detail !== "" && detail !== first ? ` (${detail.slice(0, 200)})` : ""}.${NOT_A_PROXY}`, open.res.status);
        }
        let done = false;
        try {
            const how = await readEvents(open.body(maxBytes, true), (text) => {
                if (text === "[DONE]") { done = true; return true; }
                const data = safeJson(text);
                if (data == null || typeof data !== "object") throw new ServerError("bad-response", `The server streamed something that is not JSON: ${text.slice(0, 120)}`);
                if ("error" in data) throw new ServerError("server-error", `The server reported an error: ${errorText(data)}`);
                return onData(data as Record<string, unknown>) === true;
            }, () => new ServerError("dropped", `The server at ${this.base} sent one event of more than ${mb(MAX_EVENT_CHARS)} (no answer has one); the request was closed.`));
            return done ? "done" : how === "stopped" ? "stopped" : "closed";
        } catch (err) {
            if (signal.aborted) return "closed";
            if (err instanceof ServerError) throw err;
            throw new ServerError("dropped", `The connection to ${this.base} broke mid-answer (${causeText(err)}).`, undefined, {cause: err});
        } finally {
            open.close();
        }
    }

    /** Opens a request: the response headers within the stall timeout; its body then read through {@link Opened.body}. */
    private async request(path: string, init: RequestInit, signal?: AbortSignal): Promise<Opened> {
        const url = `${this.base}${path}`;
        const deadlineAt = performance.now() + this.deadlineMs;
        const closer = new AbortController();
        const combined = signal != null ? AbortSignal.any([signal, closer.signal]) : closer.signal;
        const headerMs = Math.min(this.timeoutMs, this.deadlineMs);
        let res: Response;
        for (let attempt = 1; ; attempt++) try {
            res = await race(fetch(url, {...init, signal: combined}), headerMs, signal,
                () => new ServerError("timeout", `The server at ${this.base} did not answer within ${seconds(headerMs)} s (elasticMath.server.stallTimeoutSeconds).`));
            break;
        } catch (err) {
            // The server closed the connection before any answer (a kept-alive one it had closed; llama-server also
            // closes new connections now and then right after a client with requests in flight was killed): nothing
            // was answered and nothing is kept, so the request is sent again, a few times, after a short wait.
            if (attempt <= RESENDS && !signal?.aborted && !(err instanceof ServerError) && STALE_CONNECTION.has(causeCode(err) ?? "")) {
                this.warn(`closed the connection before answering (${causeText(err)}); the request to ${path} was sent again (${attempt} of at most ${RESENDS} times)`);
                await pause(100 * 3 ** (attempt - 1), signal);
                if (!signal?.aborted) continue;
            }
            closer.abort();
            if (signal?.aborted || err instanceof ServerError) throw err;
            const code = causeCode(err);
            if (code === "ECONNREFUSED") throw new ServerError("unreachable", `Cannot connect to the inference server at ${this.base}: connection refused. Is it running? Check the setting elasticMath.server.url.`, undefined, {cause: err});
            if (code === "ENOTFOUND" || code === "EAI_AGAIN") throw new ServerError("unreachable", `The server host in ${this.base} was not found (${code}). Check the setting elasticMath.server.url.`, undefined, {cause: err});
            throw new ServerError("unreachable", `Cannot reach the inference server at ${this.base}: ${causeText(err)}.`, undefined, {cause: err});
        }
        const open: Opened = {
            res,
            close: () => closer.abort(),
            body: (maxBytes, streaming = false) => {
                if (res.body == null) throw new ServerError("bad-response", `${url} sent no body.`);
                // Mid-stream, every failure keeps what arrived ("dropped"); a JSON answer is refused whole.
                const kind = (why: string): ServerErrorKind => (streaming ? "dropped" : why === "too-big" ? "bad-response" : "timeout");
                return new TimedBody(res, {signal: combined, stallMs: this.timeoutMs, deadlineAt, maxBytes, fail: (why, b) => new ServerError(kind(why),
                    why === "stall" ? `The server at ${this.base} sent nothing complete for ${seconds(this.timeoutMs)} s (${b.bytes} bytes had arrived); the request was closed. The limit is the setting elasticMath.server.stallTimeoutSeconds.`
                        : why === "deadline" ? `The server at ${this.base} did not finish within ${seconds(this.deadlineMs)} s, the deadline of one request (elasticMath.server.deadlineSeconds); the request was closed.`
                            : `The server at ${this.base} sent more than ${mb(maxBytes)} for one request of ${path}; the request was closed.`)});
            }
        };
        if (res.ok) return open;
        const text = await readText(open.body(ERROR_BODY_LIMIT), true).catch(() => "");
        open.close();
        const detail = errorText(safeJson(text) ?? text).slice(0, 300);
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
            throw new ServerError("rate-limited", `The server at ${this.base} is busy or rate-limits this key (429 Too Many Requests)${after != null ? `; retry after ${after.slice(0, 40)} s` : ""}${tail}.`, s);
        }
        if (s >= 500) throw new ServerError("server-error", `The server at ${this.base} failed (${s} ${res.statusText})${tail}. Its log says more.`, s);
        throw new ServerError("bad-response", `The server at ${this.base} answered ${s} ${res.statusText}${tail}.`, s);
    }
}

const NOT_A_PROXY = " Is elasticMath.server.url the inference server itself (not a proxy's sign-in page)?";

/** An open HTTP request: its response, its body under the client's time bounds, and closing it. */
interface Opened {
    readonly res: Response;
    body(maxBytes: number, streaming?: boolean): TimedBody;
    close(): void;
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
