/**
 * The solution card: problem, budget and model chips, status with Stop, the collapsible thinking with its meter, the
 * cut marker, the solution, the highlighted final boxed answer, the footer of figures and the copy actions.
 * Shared by the solution panel (panel.ts) and the sidebar chat (chat.ts) so both render a solution the same way.
 * Browser code: it only inserts HTML the host rendered from untrusted text (markdown-it html:false, KaTeX trust:false).
 */
import type {BudgetView, CopyKind, RenderedChunk, RequestRecord, RequestStats, RequestStatus} from "../protocol/messages";
import {t, tName} from "./l10n";
import {insertHtmlPiece} from "./htmlPiece";

export interface Card {
    readonly id: string;
    readonly root: HTMLElement;
    readonly status: HTMLElement;
    readonly stop: HTMLButtonElement;
    readonly thinking: HTMLDetailsElement;
    readonly thinkingMeter: Meter;
    readonly thinkingPending: HTMLElement;
    readonly cut: HTMLElement;
    /** The solution's head (title and meter) and body. */
    readonly solutionSection: HTMLElement;
    readonly solution: HTMLElement;
    readonly solutionMeter: Meter;
    readonly solutionPending: HTMLElement;
    readonly final: HTMLElement;
    readonly footer: HTMLElement;
    readonly actions: HTMLElement;
    budget: BudgetView;
    userToggledThinking: boolean;
}

export interface Meter {
    readonly root: HTMLElement;
    readonly fill: HTMLElement;
    readonly label: HTMLElement;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
    const node = document.createElement(tag);
    if (className != null) node.className = className;
    if (text != null) node.textContent = text;
    return node;
}

export function meter(className: string): Meter {
    const root = el("span", `em-meter ${className}`);
    const bar = el("span", "em-meter-bar");
    const fill = el("span", "em-meter-fill");
    bar.append(fill);
    const label = el("span", "em-meter-label");
    root.append(bar, label);
    root.setAttribute("role", "meter");
    return {root, fill, label};
}

export function setMeter(m: Meter, used: number, budget: number | null, what: "thinking" | "solution"): void {
    const limited = budget != null && budget > 0;
    m.label.textContent = what === "thinking"
        ? (limited ? t("{0} / {1} thinking tokens", used, budget) : t("{0} thinking tokens", used))
        : (limited ? t("{0} / {1} solution tokens", used, budget) : t("{0} solution tokens", used));
    const fraction = budget != null && budget > 0 ? Math.min(1, used / budget) : 0;
    m.fill.style.width = `${(fraction * 100).toFixed(1)}%`;
    m.root.classList.toggle("em-meter-full", budget != null && used >= budget);
    m.root.setAttribute("aria-valuenow", String(used));
    if (budget != null && budget > 0) m.root.setAttribute("aria-valuemax", String(budget));
}

export function budgetLabel(b: BudgetView): string {
    if (b.mode === "unconstrained") return t("{0} · up to the context size", tName(b.label));
    if (b.answerOnly === true) return t("{0} · answer {1} (no thinking phase)", tName(b.label), b.answerTokens);
    return t("{0} · think {1} / answer {2}", tName(b.label), b.thinkTokens, b.answerTokens);
}

export function thinkBudget(b: BudgetView): number | null {
    return b.mode === "elastic" ? b.thinkTokens : null;
}

export function answerBudget(b: BudgetView): number | null {
    return b.mode === "elastic" ? b.answerTokens : null;
}

/** What a card's buttons do (the page decides how to reach the host). */
export interface CardActions {
    stop(id: string): void;
    copy(id: string, what: CopyKind): void;
}

/** A phase's head (its title and token meter) and body, whose last child takes the streamed, unfinished tail. */
function phasePart(head: HTMLElement, title: string, meterClass: string, body: HTMLElement): {head: HTMLElement; meter: Meter; body: HTMLElement; pending: HTMLElement} {
    const m = meter(meterClass);
    head.append(el("span", "em-section-title", title), m.root);
    const pending = el("div", "em-pending");
    body.append(pending);
    return {head, meter: m, body, pending};
}

/** Builds a solution card (not yet in the document). */
export function buildCard(id: string, problemHtml: string, budget: BudgetView, model: string, handlers: CardActions): Card {
    const root = el("article", "em-card");
    root.dataset.id = id;
    root.setAttribute("aria-label", t("Solution"));

    const head = el("header", "em-card-head");
    const problem = el("div", "em-problem em-md");
    problem.innerHTML = problemHtml;
    const meta = el("div", "em-meta");
    // A finished record that never started (an error before the model ran: no stats) does not know its model: no
    // chip then, rather than an empty one.
    const modelChip = el("span", "em-chip em-model-chip", model);
    modelChip.hidden = model === "";
    meta.append(el("span", "em-chip em-budget-chip", budgetLabel(budget)), modelChip);
    const status = el("div", "em-status");
    status.setAttribute("role", "status");
    const stop = el("button", "em-button em-stop", t("Stop"));
    stop.type = "button";
    stop.title = t("Stop generating (keeps what was produced)");
    stop.addEventListener("click", () => handlers.stop(id));
    const headRow = el("div", "em-head-row");
    headRow.append(status, stop);
    head.append(problem, meta, headRow);

    const thinking = el("details", "em-thinking");
    thinking.open = true;
    thinking.hidden = budget.mode === "elastic" && budget.answerOnly === true;
    const think = phasePart(el("summary", "em-thinking-summary"), t("Thinking"), "em-thinking-meter", el("div", "em-thinking-body em-md"));
    thinking.append(think.head, think.body);

    const cut = el("div", "em-cut-marker");
    cut.hidden = true;
    cut.setAttribute("role", "note");

    const solutionSection = el("section", "em-solution-section");
    const answer = phasePart(el("div", "em-solution-head"), t("Solution"), "em-solution-meter", el("div", "em-solution em-md"));
    solutionSection.append(answer.head, answer.body);

    const final = el("div", "em-final");
    final.hidden = true;
    const footer = el("footer", "em-footer");
    const actions = el("div", "em-actions");
    actions.hidden = true;
    for (const [what, label] of [["answer", t("Copy answer")], ["markdown", t("Copy Markdown")], ["latex", t("Copy LaTeX")]] as const) {
        const b = el("button", `em-button em-copy em-copy-${what}`, label);
        b.type = "button";
        b.addEventListener("click", () => handlers.copy(id, what));
        actions.append(b);
    }
    root.append(head, thinking, cut, solutionSection, final, footer, actions);

    const card: Card = {id, root, status, stop, thinking, thinkingMeter: think.meter, thinkingPending: think.pending, cut, solutionSection, solution: answer.body,
        solutionMeter: answer.meter, solutionPending: answer.pending, final, footer, actions, budget, userToggledThinking: false};
    think.head.addEventListener("click", () => { card.userToggledThinking = true; });
    setMeter(card.thinkingMeter, 0, thinkBudget(budget), "thinking");
    setMeter(card.solutionMeter, 0, answerBudget(budget), "solution");
    return card;
}

/**
 * The Copy buttons of a finished request: only what there is to copy (a stopped turn with no answer offers none;
 * Copy answer only with a final answer).
 */
export function showActions(card: Card, record: Pick<RequestRecord, "solution" | "answer">): void {
    const hasSolution = record.solution.trim() !== "";
    const hasAnswer = record.answer != null && record.answer.trim() !== "";
    card.actions.hidden = !hasSolution && !hasAnswer;
    card.actions.querySelectorAll<HTMLElement>(".em-copy-answer").forEach((b) => { b.hidden = !hasAnswer; });
    card.actions.querySelectorAll<HTMLElement>(".em-copy-markdown, .em-copy-latex").forEach((b) => { b.hidden = !hasSolution; });
}

export function statusText(status: RequestStatus): string {
    switch (status) {
        case "queued": return t("Waiting for the model");
        case "loading": return t("Loading the model…");
        case "thinking": return t("Thinking…");
        case "answering": return t("Writing the solution…");
        case "done": return t("Done");
        case "stopped": return t("Stopped");
        case "error": return t("Error");
    }
}

export function setStatus(card: Card, status: RequestStatus, position?: number, detail?: string): void {
    let text = statusText(status);
    if (status === "queued" && position != null) text = position > 1 ? t("Queued: {0} requests ahead", position) : position === 1 ? t("Queued: 1 request ahead") : t("Starting…");
    if (status === "loading" && detail) text = t("Loading {0}…", detail);
    card.status.textContent = text;
    card.root.dataset.status = status;
    const running = status === "queued" || status === "loading" || status === "thinking" || status === "answering";
    card.stop.hidden = !running;
    if (status === "answering" && !card.userToggledThinking) card.thinking.open = false;
}

export function applyChunk(pending: HTMLElement, chunk: RenderedChunk): void {
    for (const html of chunk.committed) insertHtmlPiece(pending, "beforebegin", html);
    pending.innerHTML = chunk.pending;
}

export function markFinalBoxed(card: Card): void {
    const boxes = card.solution.querySelectorAll(".em-boxed");
    boxes.forEach((b, i) => b.classList.toggle("em-final-boxed", i === boxes.length - 1));
}

export function formatMs(ms: number): string {
    return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function showStats(card: Card, stats: RequestStats): void {
    setMeter(card.thinkingMeter, stats.thinkingTokens, thinkBudget(card.budget), "thinking");
    setMeter(card.solutionMeter, stats.solutionTokens, answerBudget(card.budget), "solution");
    const tb = thinkBudget(card.budget);
    const sb = answerBudget(card.budget);
    const answerOnly = card.budget.mode === "elastic" && card.budget.answerOnly === true;
    const parts = [
        // A model without a thinking phase: no "Thinking 0 / 1024" (that budget never applied).
        ...(answerOnly ? [] : [t("Thinking {0}", `${stats.thinkingTokens}${tb != null ? ` / ${tb}` : ""}`)]),
        t("Solution {0}", `${stats.solutionTokens}${sb != null ? ` / ${sb}` : ""}`),
        t("Prompt {0}", stats.promptTokens),
        t("First token {0}", formatMs(stats.timeToFirstTokenMs)),
        t("{0} tokens/s", stats.tokensPerSecond.toFixed(1)),
        stats.model,
        stats.device
    ];
    card.footer.replaceChildren(...parts.map((p) => el("span", "em-stat", p)));
    if (stats.stop === "budget") card.footer.append(el("span", "em-stat em-warn", t("the solution reached its budget")));
}

export function showCut(card: Card, thinkingTokens: number): void {
    card.cut.hidden = false;
    card.cut.textContent = `✂ ${t("Thinking cut at {0} tokens: the budget ran out, so the model was told to answer now.", thinkingTokens)}`;
}

/** Think longer: a marker in the thinking where the model's close was suppressed and "Wait" appended. */
export function showForced(card: Card, thinkingTokens: number, count: number): void {
    const marker = el("div", "em-forced-marker", `↻ ${t("Think longer: the model ended its thinking after {0} tokens; the end was suppressed and \"Wait\" appended ({1}×).", thinkingTokens, count)}`);
    marker.setAttribute("role", "note");
    card.thinkingPending.before(marker);
}

export function showFinal(card: Card, answerHtml: string | null): void {
    markFinalBoxed(card);
    card.final.replaceChildren();
    if (answerHtml == null) {
        card.final.hidden = card.root.dataset.status !== "done";
        card.final.append(el("span", "em-final-none", t("No boxed final answer in the solution.")));
        return;
    }
    card.final.hidden = false;
    const value = el("span", "em-final-answer");
    value.innerHTML = answerHtml;
    card.final.append(el("span", "em-final-label", t("Final answer")), value);
}

/** A streamed render update of one phase: HTML appended/replaced, the final box re-marked, both meters updated. */
export function applyRender(card: Card, update: {phase: "thinking" | "solution"; chunk: RenderedChunk; thinkingTokens: number; solutionTokens: number}): void {
    if (update.phase === "thinking") applyChunk(card.thinkingPending, update.chunk);
    else {
        applyChunk(card.solutionPending, update.chunk);
        markFinalBoxed(card);
    }
    setMeter(card.thinkingMeter, update.thinkingTokens, thinkBudget(card.budget), "thinking");
    setMeter(card.solutionMeter, update.solutionTokens, answerBudget(card.budget), "solution");
}

/** The model chip once the engine says which model and device answer. */
export function showStarted(card: Card, model: string, device: string): void {
    const chip = card.root.querySelector(".em-model-chip");
    if (chip instanceof HTMLElement) {
        chip.textContent = `${model} · ${device}`;
        chip.hidden = false;
    }
}
