/**
 * The Tutor panel: one problem at a time. The tutor solves it first, hidden, then helps: Check My Answer (the
 * student's answer against the tutor's, by the grader), progressive hints (masked so they never show the answer),
 * step by step, the full solution behind a click, and a majority vote with a bar chart. Think longer comes from the
 * `elasticMath.tutor.minThinkingTokens` setting. One operation runs at a time; Stop cancels it. The page is hosted by a
 * {@link WebviewHost}; after a window reload the panel comes back through its serializer with the session (kept in a
 * file of the workspace's storage folder: jsonFile.ts says why not in workspace state) and the page shows what it
 * showed (its own saved state).
 */
import * as path from "node:path";
import * as vscode from "vscode";
import {checkAnswer, splitSteps} from "../core/tutor/check";
import {requestHint} from "../core/tutor/hints";
import {majorityVote, type VoteBucket} from "../core/tutor/vote";
import {budgetFromJson} from "../core/budgets";
import type {BudgetSpec, SamplingOptions, SolveResult} from "../core/types";
import type {FromTutorMessage, ToTutorMessage, VoteBucketView} from "../protocol/tutor";
import {htmlPieces} from "../render";
import {JsonFile, readMoved, type KeyValueStore, type ViewStorage} from "./jsonFile";
import type {PickedBudget} from "./budgetPicker";
import {Disposable} from "./disposable";
import type {EngineService} from "./engineService";
import type {ViewRenderer} from "./formulaOffload";
import {readRenderOptions} from "./renderSettings";
import type {Log} from "./log";
import {OrderedPost} from "./orderedPost";
import {RequestPipeline, toBudgetView, warnUser} from "./requestPipeline";
import {tutorPanelViewType} from "./commandIds";
import {tutorPage} from "./tutorPage";
import {checkMessage} from "./tutorTexts";
import {userMessage} from "./errors";
import {MAX_VOTE_SAMPLES, pickVoteSamples} from "./votePick";
import {panelSurface, replacePanel, WebviewHost} from "./webviewHost";

/** The Tutor panel keeps its page when hidden (a hint or a vote in flight must not be lost). */
const panelOptions = {retainContextWhenHidden: true};
/** Where sessions were kept before they moved to a file: read once, then removed. */
const sessionKey = "elasticMath.tutor.session";
/** The session's file in the storage folder. */
export const tutorSessionFile = "tutor-session.json";

interface Session {
    readonly problem: string;
    readonly picked: PickedBudget;
    /** The tutor's own solution (hidden until asked for). */
    result: Pick<SolveResult, "solution" | "answer"> | undefined;
    /** The solution's steps (not saved: they come from the solution again). */
    steps: string[];
    stepsShown: number;
    hints: string[];
}

export class TutorController extends Disposable implements vscode.WebviewPanelSerializer {
    private panel: vscode.WebviewPanel | undefined;
    private readonly host: WebviewHost<ToTutorMessage, FromTutorMessage>;
    /** The hidden solve goes through the shared request pipeline (its queue and loading states become the status line). */
    private readonly pipeline: RequestPipeline;
    private session: Session | undefined;
    private readonly sessionFile: JsonFile;
    /** The saved session, read (the constructor starts it; what needs the session waits for it). */
    private readonly loaded: Promise<void>;
    private running: AbortController | undefined;
    /** What the page shows (as the page keeps it in its state): a page that loads again gets it back. */
    private shown: ToTutorMessage[] = [];
    /** The full solution is shown (kept apart from `shown`: see remember). */
    private solutionShown = false;
    private lastStatus: ToTutorMessage | undefined;
    /** To the panel in order: what it shows renders in the formula worker, and what follows waits for it. */
    private readonly out: OrderedPost<ToTutorMessage>;

    /**
     * @param renderer renders what the page shows, in the formula worker.
     * @param onPost hears every message posted to the page (the composition root records them for the extension's API).
     */
    public constructor(private readonly extensionUri: vscode.Uri, private readonly engines: EngineService, storage: ViewStorage,
        private readonly log: Log, private readonly renderer: ViewRenderer, onPost?: (message: ToTutorMessage) => void) {
        super();
        this.pipeline = new RequestPipeline("t", log, renderer);
        this.out = new OrderedPost((message) => {
            this.remember(message);
            this.host.post(message);
        }, log);
        this.host = this._register(new WebviewHost<ToTutorMessage, FromTutorMessage>({
            log, extensionUri, page: tutorPage, onProblem: (m) => warnUser(log, m), onPost,
            // A page that loaded again (Developer: Reload Webviews, or the host's retry) lost what it showed.
            onReady: (reloaded) => {
                if (!reloaded) return;
                for (const m of [...this.shown, ...(this.lastStatus ? [this.lastStatus] : [])]) this.host.post(m);
                if (this.solutionShown) this.postSolution();
            },
            onMessage: (m) => void this.act(m).catch((err) => {
                this.log.error(`the Tutor's "${m.type}" failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
                this.post({type: "error", message: userMessage(err)});
            })
        }));
        this.sessionFile = new JsonFile(path.join(storage.folder, tutorSessionFile), log);
        this.loaded = this.load(storage.memento);
    }

    /** Reads the saved session (a session started meanwhile wins); one kept in workspace state moves to the file. */
    private async load(legacy: KeyValueStore): Promise<void> {
        const saved = await readMoved(this.sessionFile, legacy, sessionKey, this.log);
        if (this.session === undefined) this.session = readSession(saved);
    }

    /** Every save so far written (the extension's deactivation). */
    public flush(): Promise<boolean> {
        return this.sessionFile.flush();
    }

    /** Restores the panel after a window reload (the serializer is registered by the extension's entry: src/extension.ts). */
    public async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
        this.attach(panel);
        await this.loaded;
        // What the page showed (its state), posted back: queued until the page is ready, so a page that the host
        // replaces (a new panel without state) gets it too.
        const shown = readShown(state);
        for (const m of shown.messages) this.post(m);
        if (shown.solutionShown) this.postSolution();
        if (this.session?.result != null) this.post({type: "status", text: vscode.l10n.t("Ready. Type your answer and press Check, or ask for a hint."), busy: false});
        else this.post({type: "status", text: vscode.l10n.t("The tutor stopped with the reload: run Tutor Me on a Problem again."), busy: false});
    }

    public get busy(): boolean { return this.running != null; }
    /** True once Tutor Me has a problem (its hidden solution may still be running), a saved one included. */
    public async hasProblem(): Promise<boolean> {
        await this.loaded;
        return this.session != null;
    }

    /** Opens the panel for a problem and solves it (hidden). Resolves when the tutor is ready (or failed). */
    public async start(problem: string, picked: PickedBudget): Promise<SolveResult | undefined> {
        this.running?.abort();
        this.show();
        const session: Session = {problem, picked, result: undefined, steps: [], stepsShown: 0, hints: []};
        this.session = session;
        this.save();
        this.post(this.renderer.renderHtml(problem).then((problemHtml) => ({type: "problem", problemHtml,
            budget: toBudgetView(picked.budget, picked.label, picked.answerOnly === true)} as const)));
        const ready = await this.exclusive(vscode.l10n.t("Working out the problem first (hidden from you)..."), async (signal) => {
            const r = await this.solveHidden(problem, picked, signal);
            if (this.session !== session) return undefined;
            if (r.stop === "abort") { this.post({type: "status", text: vscode.l10n.t("Stopped. Run Tutor Me again to start over."), busy: false}); return r; }
            session.result = {solution: r.solution, answer: r.answer};
            session.steps = splitSteps(r.solution);
            this.save();
            this.post({type: "status", text: vscode.l10n.t("Ready. Type your answer and press Check, or ask for a hint."), busy: false});
            this.post({type: "ready-to-tutor", steps: session.steps.length, hasAnswer: r.answer != null, forcedAt: r.forcedAt ?? []});
            return r;
        });
        await this.out.idle();
        return ready;
    }

    /** Handles a panel action (also used by tests through the extension API); resolves once its messages are posted. */
    public async act(message: FromTutorMessage): Promise<void> {
        await this.actOn(message);
        await this.out.idle();
    }

    private async actOn(message: FromTutorMessage): Promise<void> {
        await this.loaded;
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
                const shown = c.verdict !== "empty" && c.verdict !== "unreadable";
                const tutorAnswer = s.result.answer;
                this.post(Promise.all([shown ? mathHtml(this.renderer, answer) : null, c.revealsAnswer ? mathHtml(this.renderer, tutorAnswer) : null]).then(([studentHtml, tutorHtml]) =>
                    ({type: "check", verdict: c.verdict, message: checkMessage(c), studentHtml, tutorHtml} as const)));
                this.post({type: "status", text: c.verdict === "correct" ? vscode.l10n.t("Correct. Try another problem, or look at the full solution.")
                    : vscode.l10n.t("Try again, ask for a hint, or go step by step."), busy: false});
                return;
            }
            case "hint": {
                if (s?.result == null) return this.notReady();
                const level = s.hints.length + 1;
                await this.exclusive(vscode.l10n.t("Thinking of hint {0}...", level), async (signal) => {
                    const hint = await requestHint({problem: s.problem, level, previous: s.hints, answer: s.result!.answer, budget: s.picked.budget,
                        solve: (o) => this.solve(o.problem, o.budget, signal), signal});
                    if (this.session !== s || hint.stop === "abort") return;
                    if (hint.repeats != null) {
                        this.post({type: "status", text: vscode.l10n.t("The tutor had no new hint: it only repeated hint {0}. Try Step by Step, or show the full solution.", hint.repeats), busy: false});
                        return;
                    }
                    s.hints.push(hint.text);
                    this.save();
                    this.post(this.renderer.renderHtml(hint.text).then((html) => ({type: "hint", level, html, masked: hint.masked} as const)));
                    this.post({type: "status", text: vscode.l10n.t("Hint {0} shown. Try again, or ask for another hint.", level), busy: false});
                });
                return;
            }
            case "step": {
                if (s?.result == null) return this.notReady();
                if (s.stepsShown >= s.steps.length) return;
                const index = s.stepsShown++;
                this.save();
                const total = s.steps.length;
                this.post(this.renderer.renderHtml(s.steps[index]!).then((html) => ({type: "step", index, total, html} as const)));
                this.post({type: "status", text: index + 1 < s.steps.length ? vscode.l10n.t("Step {0} of {1} shown. Try the rest yourself, or show the next step.", index + 1, s.steps.length)
                    : vscode.l10n.t("All {0} steps shown.", s.steps.length), busy: false});
                return;
            }
            case "showSolution": {
                if (s?.result == null) return this.notReady();
                this.postSolution();
                this.post({type: "status", text: vscode.l10n.t("Full solution shown."), busy: false});
                return;
            }
            case "vote": {
                if (s == null) return this.notReady();
                if (this.running != null) { this.post({type: "status", text: vscode.l10n.t("The tutor is busy: wait, or press Stop."), busy: true}); return; }
                const given = message.k;
                const k = given != null ? (Number.isInteger(given) && given >= 1 && given <= MAX_VOTE_SAMPLES ? given : undefined)
                    : await pickVoteSamples(this.engines.settings.tutor.voteSamples);
                if (k == null) {
                    if (given != null) this.post({type: "status", text: vscode.l10n.t("The vote takes 1 to {0} samples.", MAX_VOTE_SAMPLES), busy: false});
                    return;
                }
                await this.exclusive(vscode.l10n.t("Majority vote: sampling {0} solutions...", k), async (signal) => {
                    let plan: string | undefined;
                    // With a seed in the settings the vote is repeatable: seeds seed, seed+1, ...
                    const v = await majorityVote({problem: s.problem, budget: s.picked.budget, k, signal, seedBase: this.engines.settings.sampling.seed,
                        solve: (o) => this.solve(o.problem, o.budget, signal, o.sampling),
                        solveMany: (o) => this.engines.current().solveMany({...o, minThinkingTokens: this.engines.settings.tutor.minThinkingTokens || undefined}),
                        onPlan: (p) => {
                            plan = p.reason.charAt(0).toUpperCase() + p.reason.slice(1);
                            this.post({type: "status", text: vscode.l10n.t("Majority vote: {0}...", p.reason), busy: true});
                            this.post({type: "vote", done: 0, k, buckets: [], final: false, agreedHtml: null, share: 0, plan});
                        },
                        onProgress: (p) => this.post(bucketViews(this.renderer, p.buckets).then((buckets) => ({type: "vote", done: p.done, k, buckets, final: false, agreedHtml: null, share: 0, plan} as const)))});
                    if (this.session !== s) return;
                    this.post(Promise.all([bucketViews(this.renderer, v.buckets), mathHtml(this.renderer, v.agreed)]).then(([buckets, agreedHtml]) =>
                        ({type: "vote", done: v.answers.length, k, buckets, final: true, agreedHtml, share: v.share, plan} as const)));
                    this.post({type: "status", text: v.stopped ? vscode.l10n.t("Vote stopped.") : vscode.l10n.t("Vote done."), busy: false});
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
        this.post({type: "status", text: this.running ? vscode.l10n.t("The tutor is still working: wait a moment.") : vscode.l10n.t("Start with Elastic Math: Tutor Me on a Problem..."), busy: this.running != null});
    }

    private solve(problem: string, budget: BudgetSpec, signal: AbortSignal, sampling?: SamplingOptions): Promise<SolveResult> {
        return this.engines.current().solve({problem, budget, signal, onEvent: () => undefined, sampling});
    }

    /** The tutor's own solution, through the request pipeline: the panel shows only where it stands (queued, loading). */
    private async solveHidden(problem: string, picked: PickedBudget, signal: AbortSignal): Promise<SolveResult> {
        const engine = this.engines.current();
        const minThinkingTokens = this.engines.settings.tutor.minThinkingTokens || undefined;
        const outcome = await this.pipeline.run({
            problem, budget: toBudgetView(picked.budget, picked.label), modelName: engine.modelName, render: readRenderOptions(), signal,
            post: (m) => {
                if (m.type !== "status") return;
                if (m.status === "queued" && m.position != null && m.position > 0) this.post({type: "status", text: vscode.l10n.t("Waiting for the model: {0} request(s) ahead...", m.position), busy: true});
                else if (m.status === "loading") this.post({type: "status", text: vscode.l10n.t("Loading {0}...", m.detail ?? vscode.l10n.t("the model")), busy: true});
                else if (m.status === "thinking") this.post({type: "status", text: vscode.l10n.t("Working out the problem first (hidden from you)..."), busy: true});
            },
            run: (o) => engine.solve({problem, budget: picked.budget, signal: o.signal, onEvent: o.onEvent, minThinkingTokens})
        });
        if (!outcome.ok) throw outcome.error;
        return outcome.result;
    }

    /** Runs one operation at a time, with a status line and Stop; errors become a message in the panel. */
    private async exclusive<T>(text: string, work: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
        if (this.running != null) { this.post({type: "status", text: vscode.l10n.t("The tutor is busy: wait, or press Stop."), busy: true}); return undefined; }
        const controller = new AbortController();
        this.running = controller;
        this.post({type: "status", text, busy: true});
        try {
            return await work(controller.signal);
        } catch (err) {
            this.log.error(`the Tutor's "${text}" failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
            this.post({type: "error", message: userMessage(err)});
            return undefined;
        } finally {
            if (this.running === controller) this.running = undefined;
            if (controller.signal.aborted) this.post({type: "status", text: vscode.l10n.t("Stopped."), busy: false});
        }
    }

    private post(message: ToTutorMessage | Promise<ToTutorMessage | readonly ToTutorMessage[]>): void {
        this.out.post(message);
    }

    /**
     * The session's full solution, rendered in the formula worker. A long one goes in pieces (pieceChars,
     * src/render/document.ts; UTF-8 bytes from the worker): the first replaces what the panel showed, the rest append.
     */
    private postSolution(): void {
        const result = this.session?.result;
        if (result == null) return;
        this.post(Promise.all([this.renderer.renderText(result.solution), mathHtml(this.renderer, result.answer)]).then(([solution, answerHtml]) => {
            const pieces = htmlPieces(solution);
            return (pieces.length > 0 ? pieces : [""]).map((html, i): ToTutorMessage => ({type: "solution", html, answerHtml, ...(i > 0 ? {append: true} : {})}));
        }));
    }

    /**
     * Keeps what the page shows, as the page keeps it in its state (a page that loads again is sent it); the full
     * solution as a flag (it is rendered again from the session: its pieces are megabytes for a long one).
     */
    private remember(message: ToTutorMessage): void {
        if (message.type === "problem") {
            this.shown = [];
            this.solutionShown = false;
        }
        if (message.type === "solution") this.solutionShown = true;
        else if (message.type === "status") this.lastStatus = message;
        else if (message.type !== "error") {
            this.shown.push(message);
            if (this.shown.length > shownKept) this.shown.splice(0, this.shown.length - shownKept);
        }
    }

    /** Keeps the session for a window reload (the panel comes back with it). */
    private save(): void {
        const s = this.session;
        this.sessionFile.save(s == null ? undefined : {problem: s.problem, picked: s.picked, result: s.result, stepsShown: s.stepsShown, hints: s.hints});
    }

    private show(): void {
        if (this.panel != null) { this.panel.reveal(undefined, true); return; }
        this.attach(vscode.window.createWebviewPanel(tutorPanelViewType, vscode.l10n.t("Elastic Math Tutor"), {viewColumn: vscode.ViewColumn.Beside, preserveFocus: true}, panelOptions));
    }

    private attach(panel: vscode.WebviewPanel): void {
        this.panel = panel;
        panel.iconPath = vscode.Uri.joinPath(this.extensionUri, "media", "icon.svg");
        panel.onDidDispose(() => {
            if (this.panel !== panel) return;
            this.panel = undefined;
            this.running?.abort();
        });
        this.host.attach(panelSurface(panel, () => replacePanel(panel, tutorPanelViewType, panelOptions, (p) => this.attach(p))));
    }

    public override dispose(): void {
        this.running?.abort();
        this.panel?.dispose();
        super.dispose();
    }
}

/** The answer as inline math, rendered (KaTeX trust:false, in the formula worker); `$` removed so that the text stays one formula. */
async function mathHtml(renderer: ViewRenderer, answer: string | null): Promise<string | null> {
    if (answer == null || answer.trim() === "") return null;
    return renderer.renderHtml(`$${answer.replace(/\$/g, "").slice(0, 2000)}$`);
}

/** How many shown messages are kept to show again (as the page keeps). */
const shownKept = 200;
/** Message types the Tutor's page keeps in its state to show again (src/webview/tutor.ts). */
const shownTypes: ReadonlySet<string> = new Set<ToTutorMessage["type"]>(["problem", "ready-to-tutor", "check", "hint", "step", "solution", "vote"]);

/**
 * What a Tutor page kept in its state (TutorPageState), read defensively: anything else is dropped. A state saved
 * before the solution was kept as a flag holds its `solution` messages (strings): they are shown as they are.
 */
function readShown(state: unknown): {messages: ToTutorMessage[]; solutionShown: boolean} {
    if (state == null || typeof state !== "object" || !("shown" in state) || !Array.isArray(state.shown)) return {messages: [], solutionShown: false};
    const messages = state.shown.filter((m: unknown): m is ToTutorMessage => m != null && typeof m === "object" && "type" in m
        && typeof m.type === "string" && shownTypes.has(m.type)
        && (m.type !== "solution" || ("html" in m && typeof m.html === "string"))).slice(-shownKept);
    return {messages, solutionShown: "solutionShown" in state && state.solutionShown === true};
}

/** A session saved before a window reload, read defensively (anything malformed: no session). */
function readSession(raw: unknown): Session | undefined {
    if (raw == null || typeof raw !== "object") return undefined;
    const r: Partial<Record<keyof Session, unknown>> = raw;
    const picked = r.picked != null && typeof r.picked === "object" && "budget" in r.picked && "label" in r.picked ? r.picked : undefined;
    const budget = budgetFromJson(picked?.budget);
    const result = r.result != null && typeof r.result === "object" && "solution" in r.result && typeof r.result.solution === "string"
        && "answer" in r.result && (typeof r.result.answer === "string" || r.result.answer === null) ? {solution: r.result.solution, answer: r.result.answer} : undefined;
    const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
    if (typeof r.problem !== "string" || budget == null || typeof picked?.label !== "string") return undefined;
    return {problem: r.problem, picked: {budget, label: picked.label}, result, steps: result != null ? splitSteps(result.solution) : [], hints: strings(r.hints),
        stepsShown: typeof r.stepsShown === "number" ? r.stepsShown : 0};
}

function bucketViews(renderer: ViewRenderer, buckets: readonly VoteBucket[]): Promise<VoteBucketView[]> {
    return Promise.all(buckets.map(async (b) => ({answerHtml: await mathHtml(renderer, b.answer), count: b.count})));
}
