/**
 * The solution panel's script (runs in the webview; no Node, no vscode API beyond acquireVsCodeApi).
 * It only inserts HTML that the host rendered from untrusted model text (markdown-it html:false, KaTeX trust:false);
 * the CSP allows no inline or remote script, so nothing inserted here can run.
 */
import type {
    BudgetView, HostToPanelMessage, PanelState, PanelToHostMessage, RenderedChunk, RequestRecord, RequestStats, RequestStatus
} from "../protocol/messages";

declare function acquireVsCodeApi(): {postMessage(message: unknown): void; getState(): unknown; setState(state: unknown): void};

const vscode = acquireVsCodeApi();
const feed = document.getElementById("feed")!;
const empty = document.getElementById("empty")!;
const maxSavedRecords = 20;

function send(message: PanelToHostMessage): void {
    vscode.postMessage(message);
}

interface Card {
    readonly id: string;
    readonly root: HTMLElement;
    readonly status: HTMLElement;
    readonly stop: HTMLButtonElement;
    readonly thinking: HTMLDetailsElement;
    readonly thinkingMeter: Meter;
    readonly thinkingPending: HTMLElement;
    readonly cut: HTMLElement;
    readonly solution: HTMLElement;
    readonly solutionMeter: Meter;
    readonly solutionPending: HTMLElement;
    readonly final: HTMLElement;
    readonly footer: HTMLElement;
    readonly actions: HTMLElement;
    budget: BudgetView;
    userToggledThinking: boolean;
}

interface Meter {
    readonly root: HTMLElement;
    readonly fill: HTMLElement;
    readonly label: HTMLElement;
}

const cards = new Map<string, Card>();

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
    const node = document.createElement(tag);
    if (className != null) node.className = className;
    if (text != null) node.textContent = text;
    return node;
}

function meter(className: string): Meter {
    const root = el("span", `em-meter ${className}`);
    const bar = el("span", "em-meter-bar");
    const fill = el("span", "em-meter-fill");
    bar.append(fill);
    const label = el("span", "em-meter-label");
    root.append(bar, label);
    root.setAttribute("role", "meter");
    return {root, fill, label};
}

function setMeter(m: Meter, used: number, budget: number | null, what: string): void {
    m.label.textContent = budget != null && budget > 0 ? `${used} / ${budget} ${what} tokens` : `${used} ${what} tokens`;
    const fraction = budget != null && budget > 0 ? Math.min(1, used / budget) : 0;
    m.fill.style.width = `${(fraction * 100).toFixed(1)}%`;
    m.root.classList.toggle("em-meter-full", budget != null && used >= budget);
    m.root.setAttribute("aria-valuenow", String(used));
    if (budget != null && budget > 0) m.root.setAttribute("aria-valuemax", String(budget));
}

function budgetLabel(b: BudgetView): string {
    if (b.mode === "unconstrained") return `${b.label} · up to the context size`;
    return `${b.label} · think ${b.thinkTokens} / answer ${b.answerTokens}`;
}

function thinkBudget(b: BudgetView): number | null {
    return b.mode === "elastic" ? b.thinkTokens : null;
}

function answerBudget(b: BudgetView): number | null {
    return b.mode === "elastic" ? b.answerTokens : null;
}

function createCard(id: string, problemHtml: string, budget: BudgetView, model: string): Card {
    const root = el("article", "em-card");
    root.dataset.id = id;
    root.setAttribute("aria-label", "Solution");

    const head = el("header", "em-card-head");
    const problem = el("div", "em-problem em-md");
    problem.innerHTML = problemHtml;
    const meta = el("div", "em-meta");
    meta.append(el("span", "em-chip em-budget-chip", budgetLabel(budget)), el("span", "em-chip em-model-chip", model));
    const status = el("div", "em-status");
    status.setAttribute("role", "status");
    const stop = el("button", "em-button em-stop", "Stop");
    stop.type = "button";
    stop.title = "Stop generating (keeps what was produced)";
    stop.addEventListener("click", () => send({type: "stop", id}));
    const headRow = el("div", "em-head-row");
    headRow.append(status, stop);
    head.append(problem, meta, headRow);

    const thinking = el("details", "em-thinking");
    thinking.open = true;
    const summary = el("summary", "em-thinking-summary");
    const thinkingMeter = meter("em-thinking-meter");
    summary.append(el("span", "em-section-title", "Thinking"), thinkingMeter.root);
    const thinkingBody = el("div", "em-thinking-body em-md");
    const thinkingPending = el("div", "em-pending");
    thinkingBody.append(thinkingPending);
    thinking.append(summary, thinkingBody);

    const cut = el("div", "em-cut-marker");
    cut.hidden = true;
    cut.setAttribute("role", "note");

    const solutionSection = el("section", "em-solution-section");
    const solutionHead = el("div", "em-solution-head");
    const solutionMeter = meter("em-solution-meter");
    solutionHead.append(el("span", "em-section-title", "Solution"), solutionMeter.root);
    const solution = el("div", "em-solution em-md");
    const solutionPending = el("div", "em-pending");
    solution.append(solutionPending);
    solutionSection.append(solutionHead, solution);

    const final = el("div", "em-final");
    final.hidden = true;
    const footer = el("footer", "em-footer");
    const actions = el("div", "em-actions");
    actions.hidden = true;
    for (const [what, label] of [["answer", "Copy answer"], ["markdown", "Copy Markdown"], ["latex", "Copy LaTeX"]] as const) {
        const b = el("button", `em-button em-copy em-copy-${what}`, label);
        b.type = "button";
        b.addEventListener("click", () => send({type: "copy", id, what}));
        actions.append(b);
    }
    root.append(head, thinking, cut, solutionSection, final, footer, actions);

    const card: Card = {id, root, status, stop, thinking, thinkingMeter, thinkingPending, cut, solution, solutionMeter,
        solutionPending, final, footer, actions, budget, userToggledThinking: false};
    summary.addEventListener("click", () => { card.userToggledThinking = true; });
    setMeter(thinkingMeter, 0, thinkBudget(budget), "thinking");
    setMeter(solutionMeter, 0, answerBudget(budget), "solution");
    cards.set(id, card);
    feed.append(root);
    empty.hidden = true;
    return card;
}

const statusText: Record<RequestStatus, string> = {
    queued: "Waiting for the model",
    loading: "Loading the model…",
    thinking: "Thinking…",
    answering: "Writing the solution…",
    done: "Done",
    stopped: "Stopped",
    error: "Error"
};

function setStatus(card: Card, status: RequestStatus, position?: number, detail?: string): void {
    let text = statusText[status];
    if (status === "queued" && position != null) text = position > 0 ? `Queued: ${position} request${position === 1 ? "" : "s"} ahead` : "Starting…";
    if (status === "loading" && detail) text = `Loading ${detail}…`;
    card.status.textContent = text;
    card.root.dataset.status = status;
    const running = status === "queued" || status === "loading" || status === "thinking" || status === "answering";
    card.stop.hidden = !running;
    if (status === "answering" && !card.userToggledThinking) card.thinking.open = false;
}

function applyChunk(pending: HTMLElement, chunk: RenderedChunk): void {
    for (const html of chunk.committed) pending.insertAdjacentHTML("beforebegin", html);
    pending.innerHTML = chunk.pending;
}

function markFinalBoxed(card: Card): void {
    const boxes = card.solution.querySelectorAll(".em-boxed");
    boxes.forEach((b, i) => b.classList.toggle("em-final-boxed", i === boxes.length - 1));
}

function formatMs(ms: number): string {
    return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function showStats(card: Card, stats: RequestStats): void {
    setMeter(card.thinkingMeter, stats.thinkingTokens, thinkBudget(card.budget), "thinking");
    setMeter(card.solutionMeter, stats.solutionTokens, answerBudget(card.budget), "solution");
    const tb = thinkBudget(card.budget);
    const sb = answerBudget(card.budget);
    const parts = [
        `Thinking ${stats.thinkingTokens}${tb != null ? ` / ${tb}` : ""}`,
        `Solution ${stats.solutionTokens}${sb != null ? ` / ${sb}` : ""}`,
        `Prompt ${stats.promptTokens}`,
        `First token ${formatMs(stats.timeToFirstTokenMs)}`,
        `${stats.tokensPerSecond.toFixed(1)} tokens/s`,
        stats.model,
        stats.device
    ];
    card.footer.replaceChildren(...parts.map((p) => el("span", "em-stat", p)));
    if (stats.stop === "budget") card.footer.append(el("span", "em-stat em-warn", "the solution reached its budget"));
}

function showCut(card: Card, thinkingTokens: number): void {
    card.cut.hidden = false;
    card.cut.textContent = `✂ Thinking cut at ${thinkingTokens} tokens: the budget ran out, so the model was told to answer now.`;
}

function showFinal(card: Card, answerHtml: string | null): void {
    markFinalBoxed(card);
    card.final.replaceChildren();
    if (answerHtml == null) {
        card.final.hidden = card.root.dataset.status !== "done";
        card.final.append(el("span", "em-final-none", "No boxed final answer in the solution."));
        return;
    }
    card.final.hidden = false;
    const value = el("span", "em-final-answer");
    value.innerHTML = answerHtml;
    card.final.append(el("span", "em-final-label", "Final answer"), value);
}

function finishRecord(card: Card, record: RequestRecord): void {
    setStatus(card, record.status);
    card.actions.hidden = record.status === "error" && record.solution === "";
    if (record.thinking === "") card.thinking.hidden = true;
    save(record);
}

function restoreItem(item: {record: RequestRecord; problemHtml: string; thinkingHtml: string; solutionHtml: string; answerHtml: string | null}): void {
    const {record} = item;
    const card = createCard(record.id, item.problemHtml, record.budget, record.stats?.model ?? "");
    card.thinkingPending.innerHTML = item.thinkingHtml;
    card.solutionPending.innerHTML = item.solutionHtml;
    card.thinking.open = false;
    if (record.stats != null) {
        showStats(card, record.stats);
        if (record.stats.thinkingCut) showCut(card, record.stats.thinkingTokens);
    }
    if (record.error != null) card.status.textContent = record.error;
    finishRecord(card, record);
    if (record.error != null) card.status.textContent = `Error: ${record.error}`;
    showFinal(card, item.answerHtml);
}

function savedRecords(): RequestRecord[] {
    const state = vscode.getState() as PanelState | undefined;
    return Array.isArray(state?.records) ? [...state.records] : [];
}

function save(record: RequestRecord): void {
    const records = savedRecords().filter((r) => r.id !== record.id);
    records.push(record);
    vscode.setState({records: records.slice(-maxSavedRecords)} satisfies PanelState);
}

function handle(message: HostToPanelMessage): void {
    switch (message.type) {
        case "request":
            createCard(message.id, message.problemHtml, message.budget, message.model).root.scrollIntoView({block: "start"});
            return;
        case "status": {
            const card = cards.get(message.id);
            if (card != null) setStatus(card, message.status, message.position, message.detail);
            return;
        }
        case "started": {
            const card = cards.get(message.id);
            if (card == null) return;
            const chip = card.root.querySelector(".em-model-chip");
            if (chip != null) chip.textContent = `${message.model} · ${message.device}`;
            return;
        }
        case "render": {
            const card = cards.get(message.id);
            if (card == null) return;
            if (message.phase === "thinking") applyChunk(card.thinkingPending, message.chunk);
            else {
                applyChunk(card.solutionPending, message.chunk);
                markFinalBoxed(card);
            }
            setMeter(card.thinkingMeter, message.thinkingTokens, thinkBudget(card.budget), "thinking");
            setMeter(card.solutionMeter, message.solutionTokens, answerBudget(card.budget), "solution");
            return;
        }
        case "cut": {
            const card = cards.get(message.id);
            if (card != null) showCut(card, message.thinkingTokens);
            return;
        }
        case "done": {
            const card = cards.get(message.id);
            if (card == null) return;
            showStats(card, message.stats);
            finishRecord(card, message.record);
            showFinal(card, message.answerHtml);
            return;
        }
        case "error": {
            const card = cards.get(message.id);
            if (card == null) return;
            finishRecord(card, message.record);
            card.status.textContent = `Error: ${message.message}`;
            card.root.classList.add("em-card-error");
            return;
        }
        case "restore":
            for (const item of message.items) if (!cards.has(item.record.id)) restoreItem(item);
            return;
        case "clear":
            clearFinished();
            return;
        default: {
            const unhandled: never = message;
            console.warn("unhandled message", unhandled);
        }
    }
}

function clearFinished(): void {
    for (const [id, card] of cards) {
        const s = card.root.dataset.status;
        if (s === "done" || s === "stopped" || s === "error") {
            card.root.remove();
            cards.delete(id);
        }
    }
    vscode.setState({records: []} satisfies PanelState);
    empty.hidden = cards.size > 0;
}

window.addEventListener("message", (event: MessageEvent<HostToPanelMessage>) => handle(event.data));

// Links never navigate the webview: the host opens them (after a confirmation for non-https).
document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target.closest("a") : null;
    if (target == null) return;
    event.preventDefault();
    const href = target.getAttribute("data-em-href");
    if (href != null) send({type: "openLink", href});
});

document.querySelector<HTMLButtonElement>("[data-action=clear]")?.addEventListener("click", () => {
    clearFinished();
    send({type: "clear"});
});

send({type: "ready"});
