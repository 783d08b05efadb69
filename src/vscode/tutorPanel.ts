/**
 * The Tutor panel: one problem at a time. The tutor solves it first, hidden, then helps: Check My Answer (the
 * student's answer against the tutor's, by the grader), progressive hints (masked so they never show the answer),
 * step by step, the full solution behind a click, and a majority vote with a bar chart. Think longer comes from the
 * `elasticMath.tutor.minThinkingTokens` setting. One operation runs at a time; Stop cancels it.
 */
import * as vscode from "vscode";
import {checkAnswer, splitSteps} from "../core/tutor/check";
import {requestHint} from "../core/tutor/hints";
import {majorityVote, type VoteBucket} from "../core/tutor/vote";
import type {BudgetSpec, SamplingOptions, SolveResult} from "../core/types";
import type {TutorHostMessage, TutorPanelMessage, VoteBucketView} from "../protocol/tutor";
import {renderMarkdown} from "../render";
import type {PickedBudget} from "./budgetPicker";
import {Disposable} from "./disposable";
import type {EngineService} from "./engineService";
import {MAX_VOTE_SAMPLES, pickVoteSamples} from "./votePick";
import {webviewDocument} from "./webviewHtml";

export const tutorPanelViewType = "elasticMath.tutor";

interface Session {
    readonly problem: string;
    readonly picked: PickedBudget;
    result: SolveResult | undefined;
    steps: string[];
    stepsShown: number;
    hints: string[];
}

export class TutorController extends Disposable {
    private panel: vscode.WebviewPanel | undefined;
    private ready = false;
    private readonly queue: TutorHostMessage[] = [];
    private session: Session | undefined;
    private running: AbortController | undefined;
    /** Every message posted (newest last, bounded): the extension API shows it to tests. */
    public readonly posted: TutorHostMessage[] = [];

    public constructor(private readonly extensionUri: vscode.Uri, private readonly engines: EngineService) {
        super();
    }

    public get busy(): boolean { return this.running != null; }
    /** True once Tutor Me has a problem (its hidden solution may still be running). */
    public get hasProblem(): boolean { return this.session != null; }

    /** Opens the panel for a problem and solves it (hidden). Resolves when the tutor is ready (or failed). */
    public async start(problem: string, picked: PickedBudget): Promise<SolveResult | undefined> {
        this.running?.abort();
        this.show();
        const session: Session = {problem, picked, result: undefined, steps: [], stepsShown: 0, hints: []};
        this.session = session;
        this.post({type: "problem", problemHtml: renderMarkdown(problem).html, budgetLabel: picked.label});
        return this.exclusive("Working out the problem first (hidden from you)...", async (signal) => {
            const r = await this.solve(problem, picked.budget, signal, undefined, this.engines.settings.tutor.minThinkingTokens);
            if (this.session !== session) return undefined;
            if (r.stop === "abort") { this.post({type: "status", text: "Stopped. Run Tutor Me again to start over.", busy: false}); return r; }
            session.result = r;
            session.steps = splitSteps(r.solution);
            this.post({type: "status", text: "Ready. Type your answer and press Check, or ask for a hint.", busy: false});
            this.post({type: "ready-to-tutor", steps: session.steps.length, hasAnswer: r.answer != null, forcedAt: r.forcedAt ?? []});
            return r;
        });
    }

    /** Handles a panel action (also used by tests through the extension API). */
    public async act(message: TutorPanelMessage): Promise<void> {
        const s = this.session;
        switch (message.type) {
            case "ready":
                return;
            case "stop":
                this.running?.abort();
                return;
            case "check": {
                if (s?.result == null) return this.notReady();
                const answer = typeof message.answer === "string" ? message.answer : "";
                const c = checkAnswer(answer, s.result.answer);
                this.post({type: "check", verdict: c.verdict, message: c.message, studentHtml: mathHtml(answer) ?? "", tutorHtml: mathHtml(s.result.answer)});
                return;
            }
            case "hint": {
                if (s?.result == null) return this.notReady();
                const level = s.hints.length + 1;
                await this.exclusive(`Thinking of hint ${level}...`, async (signal) => {
                    const hint = await requestHint({problem: s.problem, level, previous: s.hints, answer: s.result!.answer, budget: s.picked.budget,
                        solve: (o) => this.solve(o.problem, o.budget, signal), signal});
                    if (this.session !== s || hint.stop === "abort") return;
                    s.hints.push(hint.text);
                    this.post({type: "hint", level, html: renderMarkdown(hint.text).html, masked: hint.masked});
                    this.post({type: "status", text: `Hint ${level} shown. Try again, or ask for another hint.`, busy: false});
                });
                return;
            }
            case "step": {
                if (s?.result == null) return this.notReady();
                if (s.stepsShown >= s.steps.length) return;
                const index = s.stepsShown++;
                this.post({type: "step", index, total: s.steps.length, html: renderMarkdown(s.steps[index]!).html});
                return;
            }
            case "showSolution": {
                if (s?.result == null) return this.notReady();
                this.post({type: "solution", html: renderMarkdown(s.result.solution).html, answerHtml: mathHtml(s.result.answer)});
                return;
            }
            case "vote": {
                if (s == null) return this.notReady();
                if (this.running != null) { this.post({type: "status", text: "The tutor is busy: wait, or press Stop.", busy: true}); return; }
                const given = message.k;
                const k = given != null ? (Number.isInteger(given) && given >= 1 && given <= MAX_VOTE_SAMPLES ? given : undefined)
                    : await pickVoteSamples(this.engines.settings.tutor.voteSamples);
                if (k == null) {
                    if (given != null) this.post({type: "status", text: `The vote takes 1 to ${MAX_VOTE_SAMPLES} samples.`, busy: false});
                    return;
                }
                await this.exclusive(`Majority vote: sampling ${k} solutions...`, async (signal) => {
                    let plan: string | undefined;
                    // With a seed in the settings the vote is repeatable: seeds seed, seed+1, ...
                    const v = await majorityVote({problem: s.problem, budget: s.picked.budget, k, signal, seedBase: this.engines.settings.sampling.seed,
                        solve: (o) => this.solve(o.problem, o.budget, signal, o.sampling),
                        solveMany: (o) => this.engines.current().solveMany({...o, minThinkingTokens: this.engines.settings.tutor.minThinkingTokens || undefined}),
                        onPlan: (p) => {
                            plan = p.reason.charAt(0).toUpperCase() + p.reason.slice(1);
                            this.post({type: "status", text: `Majority vote: ${p.reason}...`, busy: true});
                            this.post({type: "vote", done: 0, k, buckets: [], final: false, agreedHtml: null, share: 0, plan});
                        },
                        onProgress: (p) => this.post({type: "vote", done: p.done, k, buckets: bucketViews(p.buckets), final: false, agreedHtml: null, share: 0, plan})});
                    if (this.session !== s) return;
                    this.post({type: "vote", done: v.answers.length, k, buckets: bucketViews(v.buckets), final: true, agreedHtml: mathHtml(v.agreed), share: v.share, plan});
                    this.post({type: "status", text: v.stopped ? "Vote stopped." : "Vote done.", busy: false});
                });
                return;
            }
            default: {
                const never: never = message;
                void never;
            }
        }
    }

    private notReady(): void {
        this.post({type: "status", text: this.running ? "The tutor is still working: wait a moment." : "Start with Elastic Math: Tutor Me on a Problem...", busy: this.running != null});
    }

    private solve(problem: string, budget: BudgetSpec, signal: AbortSignal, sampling?: SamplingOptions, minThinkingTokens?: number): Promise<SolveResult> {
        return this.engines.current().solve({problem, budget, signal, onEvent: () => undefined, sampling, minThinkingTokens: minThinkingTokens || undefined});
    }

    /** Runs one operation at a time, with a status line and Stop; errors become a message in the panel. */
    private async exclusive<T>(text: string, work: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
        if (this.running != null) { this.post({type: "status", text: "The tutor is busy: wait, or press Stop.", busy: true}); return undefined; }
        const controller = new AbortController();
        this.running = controller;
        this.post({type: "status", text, busy: true});
        try {
            return await work(controller.signal);
        } catch (err) {
            this.post({type: "error", message: `Elastic Math: ${err instanceof Error ? err.message : String(err)}`});
            return undefined;
        } finally {
            if (this.running === controller) this.running = undefined;
            if (controller.signal.aborted) this.post({type: "status", text: "Stopped.", busy: false});
        }
    }

    private post(message: TutorHostMessage): void {
        this.posted.push(message);
        if (this.posted.length > 2000) this.posted.splice(0, this.posted.length - 2000);
        if (this.panel == null || !this.ready) { this.queue.push(message); return; }
        void this.panel.webview.postMessage(message);
    }

    private show(): void {
        if (this.panel != null) { this.panel.reveal(undefined, true); return; }
        const panel = vscode.window.createWebviewPanel(tutorPanelViewType, "Elastic Math Tutor", {viewColumn: vscode.ViewColumn.Beside, preserveFocus: true}, {
            enableScripts: true, retainContextWhenHidden: true,
            localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, "media"), vscode.Uri.joinPath(this.extensionUri, "out", "webview")]
        });
        this.panel = panel;
        this.ready = false;
        panel.iconPath = vscode.Uri.joinPath(this.extensionUri, "media", "icon.svg");
        panel.webview.html = this.html(panel.webview);
        panel.webview.onDidReceiveMessage((m: TutorPanelMessage) => {
            if (m?.type === "ready") {
                this.ready = true;
                for (const q of this.queue.splice(0)) void panel.webview.postMessage(q);
                return;
            }
            void this.act(m);
        });
        panel.onDidDispose(() => { this.panel = undefined; this.ready = false; this.queue.length = 0; this.running?.abort(); });
    }

    private html(webview: vscode.Webview): string {
        return webviewDocument({
            webview, extensionUri: this.extensionUri, title: "Elastic Math Tutor", styles: ["tutor.css"], script: "tutor.js",
            body: `
<div class="tu-title">Problem</div>
<div id="problem" class="tu-problem"></div>
<div id="status" class="tu-status" role="status" aria-live="polite"></div>
<form id="check-form" class="tu-check-form">
  <input id="answer" type="text" placeholder="Your answer, e.g. \\frac{1}{2} or (1, 3)" aria-label="Your answer" autocomplete="off" spellcheck="false">
  <button id="check" type="submit" class="em-button primary">Check My Answer</button>
</form>
<div id="check-result" aria-live="polite"></div>
<div class="tu-actions">
  <button id="hint" type="button" class="em-button">Hint</button>
  <button id="step" type="button" class="em-button">Step by Step</button>
  <button id="vote-button" type="button" class="em-button">Majority Vote</button>
  <button id="show-solution" type="button" class="em-button">Show Full Solution</button>
  <button id="stop" type="button" class="em-button" hidden>Stop</button>
</div>
<div id="hints"></div>
<div id="steps"></div>
<div id="vote" class="tu-vote" hidden></div>
<div id="solution" hidden></div>
`
        });
    }

    public override dispose(): void {
        this.running?.abort();
        this.panel?.dispose();
        super.dispose();
    }
}

/** The answer as inline math, rendered (KaTeX trust:false); `$` removed so that the text stays one formula. */
function mathHtml(answer: string | null): string | null {
    if (answer == null || answer.trim() === "") return null;
    return renderMarkdown(`$${answer.replace(/\$/g, "").slice(0, 2000)}$`).html;
}

function bucketViews(buckets: readonly VoteBucket[]): VoteBucketView[] {
    return buckets.map((b) => ({answerHtml: mathHtml(b.answer), count: b.count}));
}
