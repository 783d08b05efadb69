import * as vscode from "vscode";
import type {SolveResult} from "../core/types";
import type {FirstRunAction, FromPanelMessage, RequestRecord, ToPanelMessage} from "../protocol/messages";
import {generatingContextKey} from "./commandIds";
import type {Log} from "./log";
import {Disposable} from "./disposable";
import type {EngineService} from "./engineService";
import type {PickedBudget} from "./budgetPicker";
import {readRenderOptions} from "./renderSettings";
import type {ViewRenderer} from "./formulaOffload";
import {OrderedPost} from "./orderedPost";
import {openLink, renderRecord, RequestPipeline, toBudgetView, warnUser} from "./requestPipeline";
import {SolutionPanel} from "./solutionPanel";

export interface SolveRequestOptions {
    readonly problem: string;
    readonly picked: PickedBudget;
    /** Cancels the request from outside (a VS Code CancellationToken adapted to a signal). */
    readonly signal?: AbortSignal;
}

/**
 * Solve requests for the solution panel: each runs through the shared {@link RequestPipeline} and its messages go to
 * the panel; the panel's Stop and Copy come back by request id.
 */
export class SolveController extends Disposable {
    public readonly panel: SolutionPanel;
    private readonly pipeline: RequestPipeline;
    /** To the panel in order (restored records render in the formula worker). */
    private readonly out: OrderedPost<ToPanelMessage>;

    /**
     * @param log receives failed requests and a panel that did not load whole (that one is shown to the user too).
     * @param renderer renders what the panel shows, in the formula worker.
     * @param onPost hears every message posted to the panel (the composition root records them for the extension's API).
     */
    public constructor(extensionUri: vscode.Uri, private readonly engines: EngineService, private readonly log: Log,
        private readonly renderer: ViewRenderer, onPost?: (message: ToPanelMessage) => void) {
        super();
        this.pipeline = new RequestPipeline("r", log, renderer);
        this.out = new OrderedPost((message) => this.panel.post(message), log);
        this.panel = this._register(new SolutionPanel(extensionUri, {
            onMessage: (m) => this.onPanelMessage(m),
            onReady: (reloaded) => { if (reloaded) this.onReloaded(); },
            restore: (records) => this.restore(records),
            onProblem: (m) => warnUser(log, m)
        }, log, onPost));
    }

    public get generating(): boolean {
        return this.pipeline.running > 0;
    }

    private readonly firstRunAction = this._register(new vscode.EventEmitter<FirstRunAction>());
    /** Fires when a button of the panel's first-run card is pressed (firstRunCard.ts listens). */
    public readonly onFirstRunAction = this.firstRunAction.event;

    /** Posts a message that belongs to no request (the first-run card), recorded like the others. */
    public postToPanel(message: Extract<ToPanelMessage, {type: "firstRun"}>): void {
        this.post(message);
    }

    private post(message: ToPanelMessage): void {
        this.out.post(message);
    }

    /** Stops one request by id, or every running and queued request. Returns how many were stopped. */
    public stop(id?: string): number {
        return this.pipeline.stop(id);
    }

    public async solve(options: SolveRequestOptions): Promise<SolveResult | undefined> {
        const engine = this.engines.current();
        this.panel.show(true);
        // Think longer (elasticMath.tutor.minThinkingTokens) applies to Solve Problem as to the Tutor.
        const minThinkingTokens = this.engines.settings.tutor.minThinkingTokens;
        const running = this.pipeline.run({
            problem: options.problem, budget: toBudgetView(options.picked.budget, options.picked.label, options.picked.answerOnly === true),
            modelName: engine.modelName, render: readRenderOptions(), post: (m) => this.post(m), signal: options.signal,
            run: ({signal, onEvent}) => engine.solve({problem: options.problem, budget: options.picked.budget, signal, onEvent,
                ...(minThinkingTokens > 0 ? {minThinkingTokens} : {})})
        });
        void this.updateContext();
        const outcome = await running;
        void this.updateContext();
        if (!outcome.ok) throw outcome.error;
        return outcome.result;
    }

    /** A finished answer from elsewhere (`@math`'s "Show in the panel") as a card of the panel, brought into view. */
    public showRecord(record: RequestRecord): Promise<void> {
        this.panel.show(false);
        return this.restore([record], true);
    }

    private async updateContext(): Promise<void> {
        await vscode.commands.executeCommand("setContext", generatingContextKey, this.generating)
            .then(undefined, (err) => this.log.warn(`setting the ${generatingContextKey} context failed: ${String(err)}`));
    }

    /** A page that loaded again (a retry, Developer: Reload Webviews) gets the finished and running requests back. */
    private onReloaded(): void {
        void this.restore(this.pipeline.finished().slice(-20));
        for (const m of this.pipeline.replay()) this.out.post(m);
    }

    private onPanelMessage(message: FromPanelMessage): void {
        switch (message.type) {
            case "ready":
                break;
            case "stop":
                this.stop(message.id);
                break;
            case "copy":
                void this.pipeline.copy(message.id, message.what).catch((err) => warnUser(this.log, `copying failed: ${String(err)}`));
                break;
            case "openLink":
                void openLink(message.href).catch((err) => warnUser(this.log, `opening ${message.href} failed: ${String(err)}`));
                break;
            case "clear":
                this.pipeline.forgetFinished();
                break;
            case "firstRun":
                this.firstRunAction.fire(message.action);
                break;
            default: {
                const unhandled: never = message;
                void unhandled;
            }
        }
    }

    /**
     * Shows finished records again (a restored or reloaded panel): rendered in the formula worker, posted in order with
     * what follows (their long phases in pieces, see renderRecord). Resolves once posted.
     */
    private restore(records: readonly RequestRecord[], reveal = false): Promise<void> {
        if (records.length === 0) return Promise.resolve();
        for (const r of records) this.pipeline.keep(r);
        const render = readRenderOptions();
        this.out.post(Promise.all(records.map((record) => renderRecord(this.renderer, record, render))).then((restored) => [
            {type: "restore", items: restored.map((r) => r.item), ...(reveal ? {reveal} : {})} satisfies ToPanelMessage,
            ...restored.flatMap((r) => r.more)
        ]));
        return this.out.idle();
    }
}
