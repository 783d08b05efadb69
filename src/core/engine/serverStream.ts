/**
 * Reading a server's answer without believing it (the server backend, serverClient.ts).
 *
 * A server is another machine, possibly behind a proxy, possibly broken or hostile; whatever it sends, the extension
 * host must stay within bounds of time and memory:
 *   - time: a stall timeout (no complete event, no header, for N s: a server trickling one byte a second stalls) and an
 *     overall deadline per HTTP request;
 *   - memory: one event (an SSE line, or the lines of one event) and a whole response have a size limit; JSON answers
 *     too; an error page is read only as far as its message is shown;
 *   - budgets: {@link TokenMeter} counts what arrives; the server's usage figures are believed only when they agree.
 * See docs/hostile-input.md ("Servers") for what was tried and measured.
 */
import {createParser, type EventSourceMessage} from "eventsource-parser";

/** One event of a stream (an SSE line, or the data lines of one event): a final llama.cpp event echoes the prompt. */
export const MAX_EVENT_CHARS = 8 * 1024 * 1024;
/** A JSON answer (/props, /v1/models, /tokenize of a long prompt). */
export const MAX_JSON_BYTES = 32 * 1024 * 1024;
/** An error body: only its first few hundred characters are shown. */
export const ERROR_BODY_LIMIT = 64 * 1024;
/**
 * Text one token may carry. No tokenizer vocabulary has tokens this long, so text beyond maxTokens × this is text the
 * server cannot have sampled within the budget: it counts as more tokens (and is never kept).
 */
export const MAX_CHARS_PER_TOKEN = 1024;
/** Defaults of the settings elasticMath.server.stallTimeoutSeconds and elasticMath.server.deadlineSeconds. */
export const DEFAULT_STALL_SECONDS = 120;
export const DEFAULT_DEADLINE_SECONDS = 1800;

/** The bytes one streamed step of at most `maxTokens` tokens may take (events carry JSON around each token). */
export function responseLimitBytes(maxTokens: number): number {
    return 16 * 1024 * 1024 + Math.max(0, maxTokens) * 4096;
}

export type BodyFailure = "stall" | "deadline" | "too-big";

/** A response body read chunk by chunk under a stall timeout and a deadline, and a byte limit. */
export class TimedBody {
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
    private lastProgress = performance.now();
    bytes = 0;

    constructor(res: Response, private readonly o: {
        readonly signal: AbortSignal; readonly stallMs: number; readonly deadlineAt: number; readonly maxBytes: number;
        readonly fail: (why: BodyFailure, body: TimedBody) => Error;
    }) {
        if (res.body == null) throw new Error("no body");
        this.reader = res.body.getReader();
    }

    /** Something complete arrived (an event, a comment): the stall clock starts again. */
    progress(): void { this.lastProgress = performance.now(); }

    /** The next chunk, or null at the end; rejects on a stall, the deadline, the byte limit, or an abort. */
    async read(): Promise<Uint8Array | null> {
        const now = performance.now();
        const stallLeft = this.lastProgress + this.o.stallMs - now;
        const deadlineLeft = this.o.deadlineAt - now;
        const why: BodyFailure = stallLeft < deadlineLeft ? "stall" : "deadline";
        const {value, done} = await race(this.reader.read(), Math.max(0, Math.min(stallLeft, deadlineLeft)), this.o.signal, () => this.o.fail(why, this));
        if (done) return null;
        this.bytes += value.byteLength;
        if (this.bytes > this.o.maxBytes) throw this.o.fail("too-big", this);
        return value;
    }

    cancel(): void { this.reader.cancel().catch(() => undefined); }
}

/**
 * Reads a whole body as text, up to `maxBytes` (then `tooBig`, or with `truncate` the text so far), each chunk under
 * the stall timeout: for JSON answers and error pages.
 */
export async function readText(body: TimedBody, truncate = false): Promise<string> {
    const decoder = new TextDecoder();
    let text = "";
    try {
        for (;;) {
            let chunk: Uint8Array | null;
            try {
                chunk = await body.read();
            } catch (err) {
                if (truncate) return text;
                throw err;
            }
            if (chunk == null) break;
            body.progress();
            text += decoder.decode(chunk, {stream: true});
        }
        return text + decoder.decode();
    } finally {
        body.cancel();
    }
}


/**
 * Server-sent events from a body: `onEvent` gets each event's data and returns true to stop reading. An event over
 * {@link MAX_EVENT_CHARS} throws `tooLarge()`. Resolves "ended" at the end of the body, "stopped" when told to stop.
 */
export async function readEvents(body: TimedBody, onEvent: (data: string) => boolean, tooLarge: () => Error): Promise<"ended" | "stopped"> {
    let stop = false;
    let failure: unknown;
    const parser = createParser({
        maxBufferSize: MAX_EVENT_CHARS,
        onEvent: (ev: EventSourceMessage) => {
            if (stop || failure != null) return;
            body.progress();
            try { stop = onEvent(ev.data); } catch (err) { failure = err; }
        },
        // A keep-alive comment (": ping") says the server is alive: the stall clock starts again (the deadline holds).
        onComment: () => { body.progress(); },
        onError: (err) => { if (err.type === "max-buffer-size-exceeded") failure ??= tooLarge(); }
    });
    const decoder = new TextDecoder();
    try {
        for (;;) {
            const chunk = await body.read();
            if (chunk == null) return "ended";
            parser.feed(decoder.decode(chunk, {stream: true}));
            if (failure != null) throw failure;
            if (stop) return "stopped";
        }
    } finally {
        body.cancel();
    }
}

/** The first bytes of a body, for a message about what came instead of an event stream. */
export async function firstBytes(body: TimedBody, n = 160): Promise<string> {
    const decoder = new TextDecoder();
    let text = "";
    try {
        while (text.length < n) {
            const chunk = await body.read().catch(() => null);
            if (chunk == null) break;
            body.progress();
            text += decoder.decode(chunk, {stream: true});
        }
    } finally {
        body.cancel();
    }
    return text.slice(0, n).replace(/\s+/g, " ").trim();
}

/**
 * The client's own count of one step's sampled tokens, from what arrived: token ids (llama.cpp `return_tokens`,
 * exact), pieces of text (each at least one token), and the text's length (at most {@link MAX_CHARS_PER_TOKEN} a
 * token); the largest of the three. Never more than the budget: what a server sends beyond it is not taken.
 */
export class TokenMeter {
    readonly ids: number[] = [];
    text = "";
    private pieces = 0;
    /** The server sent more than the budget (the excess was dropped). */
    overrun = false;

    constructor(readonly maxTokens: number) {}

    get count(): number {
        return Math.min(this.maxTokens, Math.max(this.ids.length, this.pieces, Math.ceil(this.text.length / MAX_CHARS_PER_TOKEN)));
    }

    get full(): boolean { return this.count >= this.maxTokens; }

    /** Takes an event's text and ids; returns the text taken ("" when the budget was already spent). */
    add(text: string, ids: readonly number[] | undefined): string {
        if (text === "" && (ids == null || ids.length === 0)) return "";
        if (this.full) { this.overrun = true; return ""; }
        const maxChars = this.maxTokens * MAX_CHARS_PER_TOKEN;
        if (this.text.length + text.length > maxChars) { text = text.slice(0, maxChars - this.text.length); this.overrun = true; }
        if (ids != null) {
            const room = this.maxTokens - this.ids.length;
            if (ids.length > room) this.overrun = true;
            for (let i = 0; i < ids.length && i < room; i++) this.ids.push(ids[i]!);
        }
        if (text !== "") this.pieces++;
        if (this.pieces > this.maxTokens) { this.pieces = this.maxTokens; this.overrun = true; }
        this.text += text;
        return text;
    }
}

/**
 * The step's count: the server's figure when it agrees with what arrived (an integer, at least the client's count,
 * at most the budget; with exact ids, the ids or one more for a close/end the server stopped at and did not stream),
 * else the client's own count, with a note saying why.
 */
export function reconcileCount(meter: TokenMeter, claimed: number | null, end: "close" | "eog" | "length", exactIds: boolean): {tokens: number; note?: string} {
    const own = exactIds && end !== "length" ? Math.min(meter.maxTokens, meter.ids.length + 1) : meter.count;
    if (claimed == null) return {tokens: own};
    const lower = exactIds ? meter.ids.length : meter.count;
    const upper = exactIds ? Math.min(meter.maxTokens, meter.ids.length + 1) : meter.maxTokens;
    if (Number.isInteger(claimed) && claimed >= lower && claimed <= upper) return {tokens: claimed};
    return {
        tokens: own,
        note: `reported ${String(claimed)} sampled tokens for a step of at most ${meter.maxTokens}, but ${meter.count} arrived${exactIds ? " (as token ids)" : ""}; its figure is not used, the count is ${own}`
    };
}

/** A promise raced against a timer and an abort signal. */
export async function race<T>(p: Promise<T>, ms: number, signal: AbortSignal | undefined, error: () => Error): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
        return await Promise.race([p, new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(error()), ms);
            if (signal == null) return;
            onAbort = () => reject(signal.reason);
            if (signal.aborted) onAbort();
            else signal.addEventListener("abort", onAbort, {once: true});
        })]);
    } finally {
        clearTimeout(timer);
        if (onAbort != null) signal?.removeEventListener("abort", onAbort);
    }
}

export function safeJson(text: string): unknown {
    try { return JSON.parse(text) as unknown; } catch { return undefined; }
}

/** The message of an error body in the shapes servers use ({error: {message}}, {error: "..."}, {message}, {detail}). */
export function errorText(body: unknown): string {
    if (typeof body === "string") return body.trim();
    if (body == null || typeof body !== "object") return "";
    const b = body as {error?: unknown; message?: unknown; detail?: unknown};
    if (typeof b.error === "string") return b.error;
    if (b.error != null && typeof b.error === "object" && typeof (b.error as {message?: unknown}).message === "string") return (b.error as {message: string}).message;
    if (typeof b.message === "string") return b.message;
    if (typeof b.detail === "string") return b.detail;
    return JSON.stringify(body).slice(0, 200);
}

export function causeCode(err: unknown): string | undefined {
    let e: unknown = err;
    for (let i = 0; i < 4 && e != null; i++) {
        const code = (e as {code?: unknown}).code;
        if (typeof code === "string") return code;
        e = (e as {cause?: unknown}).cause;
    }
    return undefined;
}

export function causeText(err: unknown): string {
    const parts: string[] = [];
    let e: unknown = err;
    for (let i = 0; i < 4 && e != null; i++) {
        if (e instanceof Error) parts.push(e.message);
        e = (e as {cause?: unknown}).cause;
    }
    return parts.join(": ") || String(err);
}

export function isTokenId(t: unknown): boolean {
    return Number.isInteger(t) && (t as number) >= 0;
}

/** A count the server reports (prompt tokens, cached tokens): a non-negative integer, else unknown. */
export function count(n: unknown): number | null {
    return typeof n === "number" && Number.isInteger(n) && n >= 0 ? n : null;
}

/** A configured time in ms, or undefined when it is not a positive number (the default then applies). */
export function positive(ms: number | undefined): number | undefined {
    return ms != null && Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

export function seconds(ms: number): string {
    const s = ms / 1000;
    return Number.isInteger(s) ? String(s) : s.toFixed(1);
}

export function mb(bytes: number): string {
    return `${Math.round(bytes / 1024 / 1024)} MB`;
}
