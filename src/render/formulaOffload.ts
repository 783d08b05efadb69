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
 */
import {Worker} from "node:worker_threads";
import type {FormulaResult} from "./katex";
import type {FormulaDoneMessage, FormulaJobMessage} from "./formulaWorker";
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
}

/** What the worker has done so far (the bench reports it: work moved off the main thread is still work). */
export interface OffloadStats {
    readonly jobs: number;
    /** Wall ms the worker spent rendering, over all jobs (an upper bound on its CPU time). */
    readonly workerMs: number;
    /** The most one job took, in the same unit. */
    readonly maxJobMs: number;
}

interface Waiting {
    readonly resolve: (r: FormulaResult) => void;
    readonly reject: (e: Error) => void;
    readonly timer: ReturnType<typeof setTimeout>;
}

/**
 * A job not answered in this time is given up (the caller renders it itself). KaTeX is bounded (maxExpand,
 * maxSize, 20,000 characters at most), so this only guards against a worker that stopped answering: held
 * blocks must not wait forever.
 */
export const jobTimeoutMs = 5000;

/** A worker thread that renders formulas, started on the first job; `unref`'d, so it never keeps a process alive. */
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

    /**
     * `workerFile`: the bundled formulaWorker.js (out/formulaWorker.js). `options.log` hears why the worker failed
     * (formulas then render on the calling thread: slower, the same HTML), once.
     */
    public constructor(private readonly workerFile: string, private readonly options: {readonly log?: Logger} = {}) {}

    public get stats(): OffloadStats {
        return {jobs: this.jobs, workerMs: this.workerMs, maxJobMs: this.maxJobMs};
    }

    /** Starts the worker (if not yet) and resolves once it has warmed up; rejects if it cannot start. */
    public ready(): Promise<void> {
        this.start();
        return this.readyPromise!;
    }

    public render(job: FormulaJob): Promise<FormulaResult> {
        this.start();
        if (this.failed) return Promise.reject(this.failed);
        const id = this.nextId++;
        const message: FormulaJobMessage = {id, tex: job.tex, display: job.display, source: job.source, macros: job.macros};
        return new Promise<FormulaResult>((resolve, reject) => {
            const timer = setTimeout(() => {
                this.waiting.delete(id);
                reject(new Error(`formula worker: no answer in ${jobTimeoutMs} ms`));
            }, jobTimeoutMs);
            timer.unref?.();
            this.waiting.set(id, {resolve, reject, timer});
            this.worker!.postMessage(message);
        });
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
            worker.on("message", (m: FormulaDoneMessage | {ready: true}) => {
                if ("ready" in m) return onReady();
                const w = this.waiting.get(m.id);
                if (w == null) return;
                this.waiting.delete(m.id);
                clearTimeout(w.timer);
                this.jobs++;
                this.workerMs += m.ms;
                this.maxJobMs = Math.max(this.maxJobMs, m.ms);
                w.resolve(m.result);
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
