/**
 * The one request pipeline of the VS Code layer, shared by the solution panel, the sidebar chat and the Tutor:
 * engine events become turn messages (request, status, started, render, cut, forced, done, error), the two phases
 * stream through {@link PhaseStreams}, the footer's figures and the finished record are built here, and so are Stop
 * (one AbortController per request, by id) and Copy. A controller only decides where the messages go (its view, or
 * nowhere while the chat shows another conversation) and what it keeps of the record.
 */
import * as vscode from "vscode";
import {describeBudget} from "../core/budgets";
import {markdownToLatex} from "../core/latexExport";
import type {BudgetSpec, SolveEvent, SolveResult} from "../core/types";
import type {BudgetView, CopyKind, RenderedRecord, RequestRecord, RequestStats, RequestStatus, ToViewTurnMessage} from "../protocol/messages";
import {htmlPieces, showBidiControls, type RenderOptions, type RenderResult} from "../render";
import type {ViewRenderer} from "./formulaOffload";
import {errorCode} from "./errors";
import {errorText} from "./l10n";
import {logFailure, type Log} from "./log";
import {OrderedPost} from "./orderedPost";
import {PhaseStreams} from "./phaseStreams";

/** What one request needs: what it shows, where its messages go, and how it runs on the engine. */
export interface PipelineRequest {
    /** The problem or chat message as typed (Markdown + LaTeX). */
    readonly problem: string;
    readonly budget: BudgetView;
    /** The model's display name, the same one the status bar and every view show. */
    readonly modelName: string;
    readonly render: RenderOptions;
    /** Where the turn's messages go. */
    readonly post: (message: ToViewTurnMessage) => void;
    /** Cancels the request from outside (a VS Code CancellationToken adapted to a signal, or an owner's Stop). */
    readonly signal?: AbortSignal;
    /** Runs it: the engine's solve, or a conversation's ask on the engine. */
    readonly run: (options: {readonly signal: AbortSignal; readonly onEvent: (event: SolveEvent) => void}) => Promise<SolveResult>;
}

export type PipelineOutcome =
    | {readonly ok: true; readonly id: string; readonly record: RequestRecord; readonly result: SolveResult}
    | {readonly ok: false; readonly id: string; readonly record: RequestRecord; readonly error: unknown};

interface Active {
    readonly controller: AbortController;
    /** The messages that show the request as it stands to a view that loaded after it started. */
    readonly replay: () => ToViewTurnMessage[];
}

/** Finished records kept for Copy (the panel also keeps them in its saved state). */
const keptRecords = 30;

export class RequestPipeline {
    private readonly active = new Map<string, Active>();
    private readonly records = new Map<string, RequestRecord>();
    private nextId = 1;

    /**
     * @param prefix starts every request id (e.g. "r" for the panel, "c" for the chat).
     * @param log receives every failed request (the view shows its message; the log keeps the cause and stack).
     * @param renderer renders the problem, the streamed phases and the final answer in the formula worker.
     */
    public constructor(private readonly prefix: string, private readonly log: Log, private readonly renderer: ViewRenderer) {}

    public get running(): number {
        return this.active.size;
    }

    public isRunning(id: string): boolean {
        return this.active.has(id);
    }

    /** Stops one request by id, or every running and queued one. Returns how many were stopped. */
    public stop(id?: string): number {
        let count = 0;
        for (const [key, request] of this.active) {
            if (id != null && key !== id) continue;
            request.controller.abort();
            count++;
        }
        return count;
    }

    /** The messages that bring a freshly loaded view to where the running requests stand (those `include` picks). */
    public replay(include: (id: string) => boolean = () => true): ToViewTurnMessage[] {
        return [...this.active].filter(([id]) => include(id)).flatMap(([, a]) => a.replay());
    }

    public keep(record: RequestRecord): void {
        this.records.delete(record.id);
        this.records.set(record.id, record);
        while (this.records.size > keptRecords) this.records.delete(this.records.keys().next().value!);
    }

    public record(id: string): RequestRecord | undefined {
        return this.records.get(id);
    }

    /** The finished records kept (oldest first): what a view that loaded again shows again. */
    public finished(): RequestRecord[] {
        return [...this.records.values()].filter((r) => !this.active.has(r.id));
    }

    /** Forgets the finished records (the panel's Clear). */
    public forgetFinished(): void {
        for (const id of [...this.records.keys()]) if (!this.active.has(id)) this.records.delete(id);
    }

    /** Runs one request to its end: never throws; a failure is a record with its error, posted like a result. */
    public async run(request: PipelineRequest): Promise<PipelineOutcome> {
        const id = `${this.prefix}${Date.now().toString(36)}-${this.nextId++}`;
        const controller = new AbortController();
        const onOuterAbort = () => controller.abort();
        if (request.signal?.aborted === true) controller.abort();
        request.signal?.addEventListener("abort", onOuterAbort);

        const shown: {request?: ToViewTurnMessage; started?: ToViewTurnMessage; status?: ToViewTurnMessage; cut?: ToViewTurnMessage} = {};
        // The problem and the final answer render in the formula worker: what follows them waits for them, in order.
        const out = new OrderedPost<ToViewTurnMessage>((m) => {
            if (m.type === "request" || m.type === "started" || m.type === "status" || m.type === "cut") shown[m.type] = m;
            request.post(m);
        }, this.log);
        const post = (m: ToViewTurnMessage) => out.post(m);
        const stream = new PhaseStreams(id, post, request.render, this.renderer.offload);
        this.active.set(id, {controller, replay: () => [
            shown.request, shown.started, shown.status, ...stream.replay("thinking"), shown.cut, ...stream.replay("solution")
        ].filter((m): m is ToViewTurnMessage => m != null)});

        out.post(this.renderer.renderHtml(request.problem, request.render).then((problemHtml) =>
            ({type: "request", id, problemHtml, budget: request.budget, model: request.modelName} as const)));
        let status: RequestStatus = "queued";
        const setStatus = (next: RequestStatus, extra: {position?: number; detail?: string} = {}) => {
            status = next;
            post({type: "status", id, status: next, ...extra});
        };
        const onEvent = (event: SolveEvent) => {
            switch (event.type) {
                case "queued": setStatus("queued", {position: event.position}); break;
                case "loading": setStatus("loading", {detail: event.model}); break;
                case "started":
                    post({type: "started", id, model: request.modelName, device: event.device, promptTokens: event.promptTokens});
                    setStatus("thinking");
                    break;
                case "delta": stream.push(event.phase, event.text, event.thinkingTokens, event.solutionTokens); break;
                case "cut":
                    stream.flush();
                    post({type: "cut", id, thinkingTokens: event.thinkingTokens});
                    break;
                case "forced":
                    // The thinking so far is committed, so the marker sits exactly where "Wait" was appended.
                    stream.breakPhase("thinking");
                    post({type: "forced", id, thinkingTokens: event.thinkingTokens, count: event.count});
                    break;
                case "phase":
                    stream.flush();
                    if (event.phase === "solution" && status !== "answering") setStatus("answering");
                    break;
                default: {
                    const unhandled: never = event;
                    void unhandled;
                }
            }
        };

        try {
            const result = await request.run({signal: controller.signal, onEvent});
            await stream.finish();
            const stats = statsOf(result, request.modelName);
            const record = finishedRecord(id, request.problem, request.budget, result, stats);
            this.keep(record);
            // A server connection that dropped mid-answer: the text that arrived stays in the view; say what happened.
            if (result.interrupted != null) void vscode.window.showWarningMessage(vscode.l10n.t("Elastic Math: {0}", result.interrupted));
            out.post(answerHtml(this.renderer, result.answer, request.render).then((html) => ({type: "done", id, stats, answerHtml: html, record} as const)));
            await out.idle();
            return {ok: true, id, record, result};
        } catch (error) {
            await stream.finish();
            const message = errorText(errorCode(error), error instanceof Error ? error.message : String(error));
            logFailure(this.log, `request ${id} ("${request.problem.slice(0, 60)}")`, error);
            const record: RequestRecord = {
                id, problem: request.problem, budget: request.budget, thinking: stream.text("thinking"), solution: stream.text("solution"),
                answer: null, status: "error", stats: null, error: message
            };
            this.keep(record);
            post({type: "error", id, message, record});
            await out.idle();
            return {ok: false, id, record, error};
        } finally {
            request.signal?.removeEventListener("abort", onOuterAbort);
            this.active.delete(id);
        }
    }

    /** Copies a finished record's final answer, solution Markdown or LaTeX (the card's Copy buttons). */
    public async copy(id: string, what: CopyKind, record = this.records.get(id)): Promise<void> {
        if (record == null) {
            void vscode.window.showWarningMessage(vscode.l10n.t("Elastic Math: that solution is no longer available to copy."));
            return;
        }
        const text = copyText(record, what);
        if (text === "") {
            void vscode.window.showWarningMessage(what === "answer" ? vscode.l10n.t("Elastic Math: this solution has no final boxed answer to copy.")
                : vscode.l10n.t("Elastic Math: this solution is empty; there is nothing to copy."));
            return;
        }
        await vscode.env.clipboard.writeText(text);
        vscode.window.setStatusBarMessage(what === "answer" ? vscode.l10n.t("Elastic Math: copied the final answer")
            : what === "markdown" ? vscode.l10n.t("Elastic Math: copied the solution as Markdown") : vscode.l10n.t("Elastic Math: copied the solution as LaTeX"), 3000);
    }
}

/** A problem the user must hear about (as a warning) and the log keeps. */
export function warnUser(log: Log, message: string): void {
    log.warn(message);
    void vscode.window.showWarningMessage(vscode.l10n.t("Elastic Math: {0}", message));
}

/** What Copy puts on the clipboard; bidi controls shown as ⟨U+202E⟩ so a pasted answer reads as it was shown. */
export function copyText(record: RequestRecord, what: CopyKind): string {
    return showBidiControls(what === "answer" ? (record.answer ?? "") : what === "markdown" ? record.solution : markdownToLatex(record.solution));
}

/** The budget as every view shows it; `answerOnly` for a model without a thinking phase (no thinking meter). */
export function toBudgetView(budget: BudgetSpec, label: string, answerOnly = false): BudgetView {
    if (budget.mode === "elastic")
        return {mode: "elastic", thinkTokens: budget.thinkTokens, answerTokens: budget.answerTokens, label, ...(answerOnly ? {answerOnly} : {})};
    return {mode: "unconstrained", maxTokens: budget.maxTokens ?? 0, label: label || describeBudget(budget)};
}

/** The footer's figures; the model is named as everywhere else (the engine service's display name). */
/** The record of a request that ran to its end (or was stopped): what the views show again and Copy reads. */
export function finishedRecord(id: string, problem: string, budget: BudgetView, result: SolveResult, stats: RequestStats): RequestRecord {
    return {
        id, problem, budget, thinking: result.thinking, solution: result.solution, answer: result.answer,
        status: result.stop === "abort" ? "stopped" : "done", stats, error: result.interrupted ?? null
    };
}

export function statsOf(r: SolveResult, modelName: string): RequestStats {
    return {
        thinkingTokens: r.thinkingTokens, solutionTokens: r.solutionTokens, thinkingCut: r.thinkingCut, stop: r.stop,
        promptTokens: r.promptTokens, timeToFirstTokenMs: r.timings.timeToFirstTokenMs, tokensPerSecond: r.timings.tokensPerSecond,
        totalMs: r.timings.totalMs, model: modelName, device: r.device
    };
}

/** The final answer as one formula, rendered off the host's thread (null without one). */
export async function answerHtml(renderer: ViewRenderer, answer: string | null, render: RenderOptions): Promise<string | null> {
    if (answer == null) return null;
    return renderer.renderHtml(`$${answer}$`, render);
}

/**
 * A finished record for a view to show as it was (after a reload, or a past conversation): `item` with its HTML, and,
 * when its thinking or solution HTML is longer than `pieceChars` (src/render/document.ts), that HTML as `render`
 * messages to post after it, one piece each (the item then holds "" for that phase): the webview host posts one
 * message per turn of the event loop, so a long answer never holds the host's thread for more than one piece.
 */
export interface RestoredRecord {
    readonly item: RenderedRecord;
    readonly more: ToViewTurnMessage[];
}

/** Renders a finished record (in the formula worker): see {@link RestoredRecord}. */
export async function renderRecord(renderer: ViewRenderer, record: RequestRecord, render: RenderOptions, dropped?: boolean): Promise<RestoredRecord> {
    const [problem, thinking, solution, answer] = await Promise.all([renderer.renderText(record.problem, render), renderer.renderText(record.thinking, render),
        renderer.renderText(record.solution, render), answerHtml(renderer, record.answer, render)]);
    const more: ToViewTurnMessage[] = [];
    const counts = {thinkingTokens: record.stats?.thinkingTokens ?? 0, solutionTokens: record.stats?.solutionTokens ?? 0};
    const phaseHtml = (phase: "thinking" | "solution", r: RenderResult): string => {
        const pieces = htmlPieces(r);
        if (pieces.length <= 1) return r.html;
        for (const piece of pieces) more.push({type: "render", id: record.id, phase, chunk: {committed: [piece], pending: ""}, ...counts});
        return "";
    };
    const item: RenderedRecord = {
        record, problemHtml: problem.html, thinkingHtml: phaseHtml("thinking", thinking), solutionHtml: phaseHtml("solution", solution),
        answerHtml: answer, ...(dropped === true ? {dropped} : {})
    };
    return {item, more};
}

/** Opens a link from a view: https at once, http and mailto after a confirmation, nothing else. */
export async function openLink(href: string): Promise<void> {
    let uri: vscode.Uri;
    try {
        uri = vscode.Uri.parse(href, true);
    } catch (err) {
        void vscode.window.showWarningMessage(vscode.l10n.t("Elastic Math: not a link that can be opened: {0} ({1})", href, err instanceof Error ? err.message : String(err)));
        return;
    }
    if (!["https", "http", "mailto"].includes(uri.scheme)) return;
    if (uri.scheme !== "https") {
        const open = vscode.l10n.t("Open");
        const choice = await vscode.window.showWarningMessage(
            vscode.l10n.t("Open this link from the model's output?\n{0}", href), {modal: true}, open);
        if (choice !== open) return;
    }
    await vscode.env.openExternal(uri);
}
