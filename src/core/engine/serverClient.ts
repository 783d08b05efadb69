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
import {
    causeCode, causeText, count, DEFAULT_DEADLINE_SECONDS, DEFAULT_STALL_SECONDS, ERROR_BODY_LIMIT, errorText, firstBytes, MAX_EVENT_CHARS,
    MAX_JSON_BYTES, mb, positive, race, readEvents, readText, safeJson, seconds, TimedBody
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
