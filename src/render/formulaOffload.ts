/**
 * Rendering formulas off the extension host's main thread.
 *
 * One KaTeX call for a large display formula (a long `align*` with nested fractions: ~500 characters of TeX,
 * 30-60 KB of HTML) costs 2-4 ms on an idle core and 10-20 ms when the machine is loaded or a GC lands in
 * it; that single call was the only kind of streaming update over the 8 ms target. The streaming renderer
 * (stream.ts) therefore hands display formulas and long inline ones to a {@link FormulaOffload}: the update
 * that closes such a formula shows it as pending source (as it was shown while it was still open), and a
 * later, cheap update puts in the HTML once it has arrived. Committed blocks are only ever rendered with all
 * their formulas in hand, so the streamed HTML still equals the one-shot render.
 *
 * {@link WorkerFormulaOffload} runs {@link renderFormula} (the same function the main thread uses) in a
 * `worker_threads` worker built from formulaWorker.ts. If the worker cannot start or dies, jobs fail and the
 * streaming renderer renders those formulas on its own thread: slower updates, same HTML.
 *
 * It also renders whole texts ({@link WorkerFormulaOffload.renderMarkdown}): everything the extension host renders
 * outside a stream (a problem, a final answer, a restored answer, the Tutor's hints and steps) goes there through
 * `renderMarkdownOffloaded` (document.ts), so the host's event loop does none of that work.
 */
import {Worker} from "node:worker_threads";
import {type FormulaResult, unrenderedFormula} from "./katex";
import type {FormulaDoneMessage, FormulaJobMessage, MarkdownDoneMessage, MarkdownJobMessage, ProgressMessage} from "./formulaWorker";
import {unrenderedText} from "./document";
import type {RenderOptions, RenderResult} from "./markdown";
import {describeError, type Logger} from "../core/logger";

export interface FormulaJob {
    readonly tex: string;
    readonly display: boolean;
    /** The formula with its delimiters (shown if KaTeX fails). */
    readonly source: string;
    /** Built-in and user macros (a worker has no renderer instance of its own). */
    readonly macros: Readonly<Record<string, string>>;
}

/** Something that renders formulas elsewhere than the calling thread. */
export interface FormulaOffload {
    /** Renders one formula; the result is what `renderFormula` on this thread would give. Rejects if it cannot. */
    render(job: FormulaJob): Promise<FormulaResult>;
    /**
     * Renders a whole text; the result is what `renderMarkdown` on this thread would give (or, when the offload
     * gave up on it, the text as source with the reason). Rejects if it cannot run.
     */
    renderMarkdown?(text: string, options: RenderOptions): Promise<RenderResult>;
}

/** What the worker has done so far (the bench reports it: work moved off the main thread is still work). */
export interface OffloadStats {
    readonly jobs: number;
    /** Wall ms the worker spent rendering, over all jobs (an upper bound on its CPU time). */
    readonly workerMs: number;
    /** The most one job took, in the same unit. */
    readonly maxJobMs: number;
    /** Jobs given up after {@link jobTimeoutMs} (shown as source with the reason). */
    readonly timedOut: number;
    /** Whole texts rendered (each also counted in `jobs`). */
    readonly texts: number;
    /** Signs of work the worker sent while rendering texts (after each slice, and between a long block's formulas). */
    readonly signs: number;
}

interface Waiting {
    readonly resolve: (r: FormulaResult | RenderResult) => void;
    readonly reject: (e: Error) => void;
    timer: ReturnType<typeof setTimeout>;
    /** When the job was posted or the worker last reported progress (on any text: the worker is not stuck). */
    lastSign: number;
    /** What the job resolves as when the worker gives no answer in time. */
    readonly unanswered: (reason: string) => FormulaResult | RenderResult;
}

/**
 * A job not answered in this time, with no progress reported by the worker meanwhile (it reports after each slice
 * of a text and between the formulas of a long block), is given up: it
 * resolves as the formula's or the text's source with the reason (never rendered on the caller's thread, which is
 * the extension host's), and the worker, which may be stuck, is ended; the next job starts a fresh one. Every
 * formula is bounded (bounds.ts), so this only guards against a worker that stopped answering: held blocks and
 * views must not wait forever.
 */
export const jobTimeoutMs = 5000;

/**
 * A text's result from its UTF-8 pieces, kept as they came: a view is sent the bytes themselves (`htmlPieces`,
 * src/render/document.ts), so a long answer's HTML never becomes strings on the receiving thread (the extension host's,
 * where megabytes of HTML strings cost garbage-collection pauses and a JSON serialisation per post). `html` is decoded
 * when first read, which a short text's caller does (one piece, up to `pieceChars`: well under a millisecond).
 */
function utf8Result(m: MarkdownDoneMessage): RenderResult {
    const bytes = m.pieces.map((buffer) => new Uint8Array(buffer));
    let html: string | undefined;
    return {
        get html(): string {
            if (html == null) {
                const decoder = new TextDecoder();
                html = bytes.map((piece) => decoder.decode(piece)).join("");
            }
            return html;
        },
        errors: m.errors,
        bytes
    };
}

/** A worker thread that renders formulas and texts, started on the first job; `unref`'d, so it never keeps a process alive. */
export class WorkerFormulaOffload implements FormulaOffload {
    private worker: Worker | undefined;
    private readyPromise: Promise<void> | undefined;
    private readonly waiting = new Map<number, Waiting>();
    private nextId = 1;
    private failed: Error | undefined;
    private disposed = false;
    private jobs = 0;
    private workerMs = 0;
    private maxJobMs = 0;
    private texts = 0;

    /** Jobs given up because the worker did not answer in time. */
    private timedOut = 0;
    private signs = 0;
    private readonly timeoutMs: number;

    /**
     * `workerFile`: the bundled formulaWorker.js (out/formulaWorker.js). `options.log` hears why the worker failed
     * (formulas then render on the calling thread, under the same caps), once; `options.timeoutMs`: see {@link jobTimeoutMs}.
     */
    public constructor(private readonly workerFile: string, private readonly options: {readonly log?: Logger; readonly timeoutMs?: number} = {}) {
        this.timeoutMs = options.timeoutMs ?? jobTimeoutMs;
    }

    public get stats(): OffloadStats {
        return {jobs: this.jobs, workerMs: this.workerMs, maxJobMs: this.maxJobMs, timedOut: this.timedOut, texts: this.texts, signs: this.signs};
    }

    /** Starts the worker (if not yet) and resolves once it has warmed up; rejects if it cannot start. */
    public ready(): Promise<void> {
        this.start();
        return this.readyPromise!;
    }

    public render(job: FormulaJob): Promise<FormulaResult> {
        const message: Omit<FormulaJobMessage, "id"> = {tex: job.tex, display: job.display, source: job.source, macros: job.macros};
        return this.post(message, (reason) => unrenderedFormula(job.tex, job.display, job.source, reason)) as Promise<FormulaResult>;
    }

    public renderMarkdown(text: string, options: RenderOptions): Promise<RenderResult> {
        const message: Omit<MarkdownJobMessage, "id"> = {kind: "markdown", text, options: {...options}};
        return this.post(message, (reason) => unrenderedText(text, reason)) as Promise<RenderResult>;
    }

    private post(message: Omit<FormulaJobMessage, "id"> | Omit<MarkdownJobMessage, "id">,
        unanswered: (reason: string) => FormulaResult | RenderResult): Promise<FormulaResult | RenderResult> {
        this.start();
        if (this.failed) return Promise.reject(this.failed);
        const id = this.nextId++;
        return new Promise<FormulaResult | RenderResult>((resolve, reject) => {
            const waiting: Waiting = {resolve, reject, timer: this.arm(id, this.timeoutMs), lastSign: performance.now(), unanswered};
            this.waiting.set(id, waiting);
            this.worker!.postMessage({...message, id});
        });
    }

    /** The "no answer" timer of a job: when it fires, a text that reported progress since is given more time. */
    private arm(id: number, ms: number): ReturnType<typeof setTimeout> {
        const timer = setTimeout(() => {
            const w = this.waiting.get(id);
            if (w == null) return;
            const left = w.lastSign + this.timeoutMs - performance.now();
            if (left > 0) return void (w.timer = this.arm(id, left));
            // Timers run before the worker's messages are read: when this thread was held (a loaded machine), signs of
            // work may be waiting unread. Look again once they are read.
            setImmediate(() => {
                const again = this.waiting.get(id);
                if (again == null) return;
                const rest = again.lastSign + this.timeoutMs - performance.now();
                if (rest > 0) again.timer = this.arm(id, rest);
                else this.giveUp();
            });
        }, ms);
        timer.unref?.();
        return timer;
    }

    private start(): void {
        if (this.worker != null) return;
        if (this.failed) {
            if (this.readyPromise == null) {
                this.readyPromise = Promise.reject(this.failed);
                this.readyPromise.catch(() => undefined);
            }
            return;
        }
        let onReady: () => void = () => undefined;
        let onFail: (e: Error) => void = () => undefined;
        this.readyPromise = new Promise<void>((resolve, reject) => {
            onReady = resolve;
            onFail = reject;
        });
        this.readyPromise.catch(() => undefined);
        try {
            const worker = new Worker(this.workerFile);
            this.worker = worker;
            worker.unref();
            worker.on("message", (m: FormulaDoneMessage | MarkdownDoneMessage | ProgressMessage | {ready: true}) => {
                if ("ready" in m) return onReady();
                if ("progress" in m) {
                    // The worker is working, not stuck: every job waiting (those queued behind the text too) counts
                    // its "no answer" time afresh. A formula that hangs it sends no progress and is still given up.
                    const now = performance.now();
                    this.signs++;
                    for (const w of this.waiting.values()) w.lastSign = now;
                    return;
                }
                const w = this.waiting.get(m.id);
                if (w == null) return;
                this.waiting.delete(m.id);
                clearTimeout(w.timer);
                this.jobs++;
                this.workerMs += m.ms;
                this.maxJobMs = Math.max(this.maxJobMs, m.ms);
                if ("pieces" in m) {
                    this.texts++;
                    w.resolve(utf8Result(m));
                } else {
                    w.resolve(m.result);
                }
            });
            worker.on("error", (e) => {
                this.fail(e);
                onFail(e);
            });
            worker.on("exit", (code) => {
                const e = new Error(`formula worker exited (${code})`);
                this.fail(e);
                onFail(e);
            });
        } catch (e) {
            this.fail(e instanceof Error ? e : new Error(String(e)));
            onFail(this.failed!);
        }
    }

    /**
     * A job went unanswered for {@link jobTimeoutMs}: every job still out resolves as its source with the reason
     * (the worker answers in order, so they wait behind the stuck one), and the worker is ended; the next job
     * starts a new one.
     */
    private giveUp(): void {
        const worker = this.worker;
        this.worker = undefined;
        this.readyPromise = undefined;
        const reason = `The formula worker gave no answer in ${this.timeoutMs} ms; shown as source`;
        const note = `${reason} (${this.waiting.size} formula(s) or text(s)); restarting the worker`;
        if (this.options.log != null) this.options.log.warn(note);
        else console.error(`Elastic Math: ${note}`);
        for (const w of this.waiting.values()) {
            clearTimeout(w.timer);
            this.timedOut++;
            w.resolve(w.unanswered(reason));
        }
        this.waiting.clear();
        if (worker != null) {
            worker.removeAllListeners();
            worker.on("error", () => undefined);
            void worker.terminate();
        }
    }

    private fail(e: Error): void {
        if (this.failed == null && !this.disposed) this.options.log?.warn(`formula worker failed: ${describeError(e)} (formulas now render on the extension host's thread)`);
        this.failed ??= e;
        this.worker = undefined;
        for (const w of this.waiting.values()) {
            clearTimeout(w.timer);
            w.reject(this.failed);
        }
        this.waiting.clear();
    }

    /** Ends the worker; later jobs reject (their formulas then render on the caller's thread). */
    public dispose(): void {
        if (this.disposed) return;
        this.disposed = true;
        const worker = this.worker;
        this.fail(new Error("formula worker disposed"));
        void worker?.terminate();
    }
}
