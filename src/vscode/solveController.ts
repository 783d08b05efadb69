import * as vscode from "vscode";
import {describeBudget} from "../core/budgets";
import {markdownToLatex} from "../core/latexExport";
import type {BudgetSpec, SolveEvent, SolveResult} from "../core/types";
import type {BudgetView, FirstRunAction, HostToPanelMessage, PanelToHostMessage, RequestRecord, RequestStatus} from "../protocol/messages";
import {assertNever} from "../protocol/messages";
import {renderMarkdown, showBidiControls, type RenderOptions, StreamingRenderer} from "../render";
import {generatingContextKey} from "./commandIds";
import {Disposable} from "./disposable";
import type {EngineService} from "./engineService";
import type {PickedBudget} from "./budgetPicker";
import {readRenderOptions} from "./renderSettings";
import {SolutionPanel} from "./solutionPanel";
import {sharedFormulaOffload} from "./formulaOffload";

/** How often streamed text is rendered and posted (ms): fast enough to look live, slow enough not to flood. */
const flushIntervalMs = 40;
/** Finished requests kept for copying and for the panel's saved state. */
const keptRecords = 20;

interface ActiveRequest {
    readonly id: string;
    readonly controller: AbortController;
}

export interface SolveRequestOptions {
    readonly problem: string;
    readonly picked: PickedBudget;
    /** Cancels the request from outside (a VS Code CancellationToken adapted to a signal). */
    readonly signal?: AbortSignal;
}

/**
 * Runs solve requests against the engine and streams them into the solution panel.
 * Each request has an id and its own AbortController; the panel's Stop sends the id back.
 */
export class SolveController extends Disposable {
    public readonly panel: SolutionPanel;
    private readonly active = new Map<string, ActiveRequest>();
    private readonly records = new Map<string, RequestRecord>();
    private nextId = 1;
    /** Every message posted to the panel, newest last (bounded): the extension's exported API shows it to tests. */
    public readonly posted: HostToPanelMessage[] = [];

    public constructor(extensionUri: vscode.Uri, private readonly engines: EngineService) {
        super();
        this.panel = this._register(new SolutionPanel(extensionUri, {
            onMessage: (m) => this.onPanelMessage(m),
            restore: (records) => this.restoreMessage(records)
        }));
    }

    public get generating(): boolean {
        return this.active.size > 0;
    }

    /** What the panel's first-run card buttons do (set by the extension: see firstRunCard.ts). */
    public onFirstRunAction: ((action: FirstRunAction) => void) | undefined;

    /** Posts a message that belongs to no request (the first-run card), recorded like the others. */
    public postToPanel(message: Extract<HostToPanelMessage, {type: "firstRun"}>): void {
        this.post(message);
    }

    private post(message: HostToPanelMessage): void {
        this.posted.push(message);
        if (this.posted.length > 2000) this.posted.splice(0, this.posted.length - 2000);
        this.panel.post(message);
    }

    /** Stops one request by id, or every running and queued request. Returns how many were stopped. */
    public stop(id?: string): number {
        let count = 0;
        for (const request of this.active.values()) {
            if (id != null && request.id !== id) continue;
            request.controller.abort();
            count++;
        }
        return count;
    }

    public async solve(options: SolveRequestOptions): Promise<SolveResult | undefined> {
        const id = `r${Date.now().toString(36)}-${this.nextId++}`;
        const controller = new AbortController();
        const onOuterAbort = () => controller.abort();
        options.signal?.addEventListener("abort", onOuterAbort);
        const request: ActiveRequest = {id, controller};
        this.active.set(id, request);
        void this.updateContext();

        const budget = options.picked.budget;
        const budgetView = toBudgetView(budget, options.picked.label, options.picked.answerOnly === true);
        const engine = this.engines.current();
        this.panel.show(true);
        const render = readRenderOptions();
        this.post({type: "request", id, problemHtml: renderMarkdown(options.problem, render).html, budget: budgetView, model: engine.modelName});

        const stream = new PhaseStreams(id, (m) => this.post(m), render);
        let status: RequestStatus = "queued";
        const setStatus = (next: RequestStatus, extra: {position?: number; detail?: string} = {}) => {
            status = next;
            this.post({type: "status", id, status: next, ...extra});
        };
        const onEvent = (event: SolveEvent) => {
            switch (event.type) {
                case "queued":
                    setStatus("queued", {position: event.position});
                    break;
                case "loading":
                    setStatus("loading", {detail: event.model});
                    break;
                case "started":
                    this.post({type: "started", id, model: engine.modelName, device: event.device, promptTokens: event.promptTokens});
                    setStatus("thinking");
                    break;
                case "delta":
                    stream.push(event.phase, event.text, event.thinkingTokens, event.solutionTokens);
                    break;
                case "cut":
                    stream.flush();
                    this.post({type: "cut", id, thinkingTokens: event.thinkingTokens});
                    break;
                case "forced":
                    // The thinking so far is committed, so the panel's marker sits exactly where "Wait" was appended.
                    stream.breakPhase("thinking");
                    this.post({type: "forced", id, thinkingTokens: event.thinkingTokens, count: event.count});
                    break;
                case "phase":
                    stream.flush();
                    if (event.phase === "solution" && status !== "answering") setStatus("answering");
                    break;
                default:
                    assertNever(event);
            }
        };

        try {
            // Think longer (elasticMath.tutor.minThinkingTokens) applies to Solve Problem as to the Tutor.
            const minThinkingTokens = this.engines.settings.tutor.minThinkingTokens;
            const result = await engine.solve({problem: options.problem, budget, signal: controller.signal, onEvent,
                ...(minThinkingTokens > 0 ? {minThinkingTokens} : {})});
            await stream.finish();
            const record: RequestRecord = {
                id, problem: options.problem, budget: budgetView, thinking: result.thinking, solution: result.solution,
                answer: result.answer, status: result.stop === "abort" ? "stopped" : "done", stats: {
                    thinkingTokens: result.thinkingTokens, solutionTokens: result.solutionTokens, thinkingCut: result.thinkingCut,
                    stop: result.stop, promptTokens: result.promptTokens, timeToFirstTokenMs: result.timings.timeToFirstTokenMs,
                    tokensPerSecond: result.timings.tokensPerSecond, totalMs: result.timings.totalMs, model: engine.modelName, device: result.device
                }, error: result.interrupted ?? null
            };
            this.keep(record);
            // A server connection that dropped mid-answer: the text that arrived stays in the panel; say what happened.
            if (result.interrupted != null) void vscode.window.showWarningMessage(`Elastic Math: ${result.interrupted}`);
            this.post({type: "done", id, stats: record.stats!, answerHtml: answerHtml(result.answer, render), record});
            return result;
        } catch (err) {
            await stream.finish();
            const message = err instanceof Error ? err.message : String(err);
            const record: RequestRecord = {
                id, problem: options.problem, budget: budgetView, thinking: stream.text("thinking"), solution: stream.text("solution"),
                answer: null, status: "error", stats: null, error: message
            };
            this.keep(record);
            this.post({type: "error", id, message, record});
            throw err;
        } finally {
            options.signal?.removeEventListener("abort", onOuterAbort);
            this.active.delete(id);
            void this.updateContext();
        }
    }

    private keep(record: RequestRecord): void {
        this.records.set(record.id, record);
        while (this.records.size > keptRecords) this.records.delete(this.records.keys().next().value!);
    }

    private async updateContext(): Promise<void> {
        await vscode.commands.executeCommand("setContext", generatingContextKey, this.generating);
    }

    private onPanelMessage(message: PanelToHostMessage): void {
        switch (message.type) {
            case "ready":
                break;
            case "stop":
                this.stop(message.id);
                break;
            case "copy":
                void this.copy(message.id, message.what);
                break;
            case "openLink":
                void openLink(message.href);
                break;
            case "clear":
                for (const id of [...this.records.keys()]) if (!this.active.has(id)) this.records.delete(id);
                break;
            case "firstRun":
                this.onFirstRunAction?.(message.action);
                break;
            default:
                assertNever(message);
        }
    }

    private async copy(id: string, what: "answer" | "markdown" | "latex"): Promise<void> {
        const record = this.records.get(id);
        if (record == null) {
            void vscode.window.showWarningMessage("Elastic Math: that solution is no longer available to copy.");
            return;
        }
        const text = showBidiControls(what === "answer" ? (record.answer ?? "") : what === "markdown" ? record.solution : markdownToLatex(record.solution));
        if (text === "") {
            void vscode.window.showWarningMessage("Elastic Math: this solution has no final boxed answer to copy.");
            return;
        }
        await vscode.env.clipboard.writeText(text);
        vscode.window.setStatusBarMessage(`Elastic Math: copied the ${what === "answer" ? "final answer" : `solution as ${what === "markdown" ? "Markdown" : "LaTeX"}`}`, 3000);
    }

    private restoreMessage(records: readonly RequestRecord[]): HostToPanelMessage | null {
        if (records.length === 0) return null;
        for (const r of records) this.keep(r);
        const render = readRenderOptions();
        return {
            type: "restore",
            items: records.map((record) => ({
                record,
                problemHtml: renderMarkdown(record.problem, render).html,
                thinkingHtml: renderMarkdown(record.thinking, render).html,
                solutionHtml: renderMarkdown(record.solution, render).html,
                answerHtml: answerHtml(record.answer, render)
            }))
        };
    }
}

export function toBudgetView(budget: BudgetSpec, label: string, answerOnly = false): BudgetView {
    if (budget.mode === "elastic")
        return {mode: "elastic", thinkTokens: budget.thinkTokens, answerTokens: budget.answerTokens, label, ...(answerOnly ? {answerOnly} : {})};
    return {mode: "unconstrained", maxTokens: budget.maxTokens ?? 0, label: label || describeBudget(budget)};
}

export function answerHtml(answer: string | null, render: RenderOptions): string | null {
    if (answer == null) return null;
    return renderMarkdown(`$${answer}$`, render).html;
}

export async function openLink(href: string): Promise<void> {
    let uri: vscode.Uri;
    try {
        uri = vscode.Uri.parse(href, true);
    } catch {
        return;
    }
    if (!["https", "http", "mailto"].includes(uri.scheme)) return;
    if (uri.scheme !== "https") {
        const choice = await vscode.window.showWarningMessage(
            `Open this link from the model's output?\n${href}`, {modal: true}, "Open");
        if (choice !== "Open") return;
    }
    await vscode.env.openExternal(uri);
}

/** How long finish() waits for formulas still in the worker before rendering them itself (a safety net). */
const settleTimeoutMs = 2000;

/**
 * Coalesces streamed text per phase, renders it incrementally and posts the changes. Slow formulas render in
 * the shared worker (see formulaOffload.ts): when they arrive, the phase is re-rendered and posted at once.
 */
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

    public constructor(private readonly id: string, private readonly post: (m: HostToPanelMessage) => void, private readonly render: RenderOptions) {
        this.renderers = {thinking: this.renderer("thinking"), solution: this.renderer("solution")};
    }

    private renderer(phase: "thinking" | "solution"): StreamingRenderer {
        return new StreamingRenderer({...this.render, offload: sharedFormulaOffload(), onFormulas: () => {
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
    public replay(phase: "thinking" | "solution"): HostToPanelMessage[] {
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
     * are back, or after {@link settleTimeoutMs}) the last update, so that it too stays off the slow path.
     */
    public finish(): Promise<void> {
        this.finishing ??= (async () => {
            this.flush();
            let timeout: ReturnType<typeof setTimeout> | undefined;
            await Promise.race([
                Promise.all([this.renderers.thinking.settled(), this.renderers.solution.settled()]),
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
