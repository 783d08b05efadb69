/**
 * A request's two phases (thinking, solution) as they stream: coalesced, rendered incrementally and posted as
 * `render` messages. Slow formulas render in the extension's formula worker (given by the request pipeline): when they arrive, the phase is
 * re-rendered and posted at once. Used by the request pipeline only (requestPipeline.ts).
 */
import type {ToViewTurnMessage} from "../protocol/messages";
import {type RenderOptions, StreamingRenderer} from "../render";
import type {FormulaOffload} from "../render/formulaOffload";

/** How often streamed text is rendered and posted (ms): fast enough to look live, slow enough not to flood. */
const flushIntervalMs = 40;
/** How long finish() waits for formulas still in the worker before rendering them itself (a safety net). */
const settleTimeoutMs = 2000;

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

    public flush(final = false): void {
        if (this.timer != null) {
            clearTimeout(this.timer);
            this.timer = undefined;
        }
        if (this.finished) return;
        for (const phase of ["thinking", "solution"] as const) {
            const delta = this.buffers[phase];
            const arrived = this.arrived[phase];
            if (delta === "" && !final && !arrived) continue;
            this.buffers[phase] = "";
            this.arrived[phase] = false;
            this.texts[phase] += delta;
            const renderer = this.renderers[phase];
            const update = final ? mergeUpdates(renderer.append(delta), renderer.finish()) : renderer.append(delta);
            if (final && this.texts[phase] === "") continue;
            this.show(phase, update.committed, update.pending);
        }
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
        this.flush();
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
            this.flush();
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

function mergeUpdates(a: {committed: readonly string[]; pending: string}, b: {committed: readonly string[]; pending: string}) {
    return {committed: [...a.committed, ...b.committed], pending: b.pending};
}
