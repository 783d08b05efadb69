/**
 * A request's two phases (thinking, solution) as they stream: coalesced, rendered incrementally and posted as
 * `render` messages. Slow formulas render in the extension's formula worker (given by the request pipeline): when they arrive, the phase is
 * re-rendered and posted at once. Used by the request pipeline only (requestPipeline.ts).
 */
import type {ToViewTurnMessage} from "../protocol/messages";
import {type RenderOptions, type RenderUpdate, StreamingRenderer} from "../render";
import type {FormulaOffload} from "../render/formulaOffload";

/** How often streamed text is rendered and posted (ms): fast enough to look live, slow enough not to flood. */
const flushIntervalMs = 40;
/** How long finish() waits for formulas still in the worker before rendering them itself (a safety net). */
const settleTimeoutMs = 2000;
/**
 * A server can deliver hundreds of KB in one read (a model at 20-50 tokens/s cannot): a flush hands a phase's
 * buffered text to its renderer in slices of this size, and stops after {@link flushBudgetMs}; the rest waits for the
 * next turn of the event loop. (300 KB of short blocks with formulas took 1.8 s in one append on the 2-core test machine.)
 */
const sliceChars = 1024;
const flushBudgetMs = 15;

export class PhaseStreams {
    private readonly renderers: {thinking: StreamingRenderer; solution: StreamingRenderer};
    private readonly buffers = {thinking: "", solution: ""};
    private readonly texts = {thinking: "", solution: ""};
    /** Formulas arrived for the phase since its last post. */
    private readonly arrived = {thinking: false, solution: false};
    private counts = {thinkingTokens: 0, solutionTokens: 0};
    private timer: ReturnType<typeof setTimeout> | undefined;
    private finished = false;
    /** What a view that (re)loads mid-stream needs to show the same thing: every committed block and the pending one. */
    private readonly shown = {thinking: {committed: [] as string[], pending: ""}, solution: {committed: [] as string[], pending: ""}};
    private finishing: Promise<void> | undefined;

    /** `offload`: the extension's formula worker (the composition root's ViewRenderer, formulaOffload.ts). */
    public constructor(private readonly id: string, private readonly post: (m: ToViewTurnMessage) => void, private readonly render: RenderOptions,
        private readonly offload: FormulaOffload) {
        this.renderers = {thinking: this.renderer("thinking"), solution: this.renderer("solution")};
    }

    private renderer(phase: "thinking" | "solution"): StreamingRenderer {
        return new StreamingRenderer({...this.render, offload: this.offload, onFormulas: () => {
            if (this.finished) return;
            this.arrived[phase] = true;
            this.timer ??= setTimeout(() => this.flush(), 0);
        }});
    }

    public text(phase: "thinking" | "solution"): string {
        return this.texts[phase] + this.buffers[phase];
    }

    public push(phase: "thinking" | "solution", text: string, thinkingTokens: number, solutionTokens: number): void {
        if (this.finished || this.finishing) return;
        this.buffers[phase] += text;
        this.counts = {thinkingTokens, solutionTokens};
        this.timer ??= setTimeout(() => this.flush(), flushIntervalMs);
    }

    /**
     * Renders what is buffered and posts it; `final`: the phases end (buffers empty, see finish). Within
     * {@link flushBudgetMs}, unless `all`; what is left is flushed on the next turn of the event loop.
     */
    public flush(final = false, all = final): void {
        if (this.timer != null) {
            clearTimeout(this.timer);
            this.timer = undefined;
        }
        if (this.finished) return;
        const start = performance.now();
        for (const phase of ["thinking", "solution"] as const) {
            const buffered = this.buffers[phase];
            const arrived = this.arrived[phase];
            if (buffered === "" && !final && !arrived) continue;
            this.arrived[phase] = false;
            const renderer = this.renderers[phase];
            // Slices, the first always, the others while the budget lasts; their tails are not rendered, only the last update's.
            const committed: string[] = [];
            let taken = 0;
            let tail: RenderUpdate | undefined;
            while (taken < buffered.length && (taken === 0 || all || performance.now() - start < flushBudgetMs)) {
                let end = Math.min(buffered.length, taken + sliceChars);
                if (end < buffered.length && isHighSurrogate(buffered.charCodeAt(end - 1))) end++;
                const u = renderer.append(buffered.slice(taken, end), {pending: end === buffered.length});
                if (end === buffered.length) tail = u;
                else committed.push(...u.committed);
                taken = end;
            }
            this.buffers[phase] = buffered.slice(taken);
            this.texts[phase] += buffered.slice(0, taken);
            const last = tail ?? renderer.append("");
            const update = final ? mergeUpdates(last, renderer.finish()) : last;
            if (final && this.texts[phase] === "") continue;
            this.show(phase, [...committed, ...update.committed], update.pending);
        }
        if (this.behind) this.timer ??= setTimeout(() => this.flush(), 0);
    }

    /** Text is buffered that a flush has not handed to the renderers yet (a burst, see {@link sliceChars}). */
    private get behind(): boolean {
        return this.buffers.thinking !== "" || this.buffers.solution !== "";
    }

    private show(phase: "thinking" | "solution", committed: readonly string[], pending: string): void {
        this.shown[phase].committed.push(...committed);
        this.shown[phase].pending = pending;
        this.post({type: "render", id: this.id, phase, chunk: {committed, pending}, ...this.counts});
    }

    /** The render messages that bring a freshly loaded view to what has been shown so far, for one phase. */
    public replay(phase: "thinking" | "solution"): ToViewTurnMessage[] {
        const shown = this.shown[phase];
        if (shown.committed.length === 0 && shown.pending === "") return [];
        return [{type: "render", id: this.id, phase, chunk: {committed: shown.committed.slice(), pending: shown.pending}, ...this.counts}];
    }

    /** Commits everything rendered so far in a phase and starts it afresh (what follows renders after a marker). */
    public breakPhase(phase: "thinking" | "solution"): void {
        if (this.finished || this.finishing) return;
        this.flush(false, true);
        const update = this.renderers[phase].finish();
        if (update.committed.length > 0 || update.pending !== "")
            this.show(phase, [...update.committed, update.pending].filter((h) => h !== ""), "");
        this.renderers[phase] = this.renderer(phase);
    }

    /**
     * Posts the final HTML of both phases: first what is buffered, then (once the formulas still in the worker
     * are back, and a big last block rendered there, or after {@link settleTimeoutMs}) the last update, so that it
     * too stays off the slow path.
     */
    public finish(): Promise<void> {
        this.finishing ??= (async () => {
            // What is buffered first, a slice at a time (a burst from a server), the event loop turning in between.
            for (this.flush(); this.behind; this.flush()) await new Promise((resolve) => setImmediate(resolve));
            let timeout: ReturnType<typeof setTimeout> | undefined;
            await Promise.race([
                Promise.all([this.renderers.thinking.finishing(), this.renderers.solution.finishing()]),
                new Promise((resolve) => (timeout = setTimeout(resolve, settleTimeoutMs)))
            ]);
            clearTimeout(timeout);
            this.flush(true);
            this.finished = true;
        })();
        return this.finishing;
    }
}

function isHighSurrogate(code: number): boolean {
    return code >= 0xd800 && code <= 0xdbff;
}

function mergeUpdates(a: {committed: readonly string[]; pending: string}, b: {committed: readonly string[]; pending: string}) {
    return {committed: [...a.committed, ...b.committed], pending: b.pending};
}
