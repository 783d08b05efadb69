/**
 * The solution panel's script (runs in the webview; no Node, no vscode API beyond acquireVsCodeApi).
 * It only inserts HTML that the host rendered from untrusted model text (markdown-it html:false, KaTeX trust:false);
 * the CSP allows no inline or remote script, so nothing inserted here can run.
 */
import type {BudgetView, HostToPanelMessage, PanelState, PanelToHostMessage, RequestRecord} from "../protocol/messages";
import {showFirstRun} from "./firstRun";
import {applyRender, buildCard, type Card, type CardActions, setStatus, showCut, showFinal, showForced, showStarted, showStats} from "./card";

declare function acquireVsCodeApi(): {postMessage(message: unknown): void; getState(): unknown; setState(state: unknown): void};

const vscode = acquireVsCodeApi();
const feed = document.getElementById("feed")!;
const empty = document.getElementById("empty")!;
const maxSavedRecords = 20;

function send(message: PanelToHostMessage): void {
    vscode.postMessage(message);
}

const cards = new Map<string, Card>();
const cardActions: CardActions = {
    stop: (id) => send({type: "stop", id}),
    copy: (id, what) => send({type: "copy", id, what})
};

function createCard(id: string, problemHtml: string, budget: BudgetView, model: string): Card {
    const card = buildCard(id, problemHtml, budget, model, cardActions);
    cards.set(id, card);
    feed.append(card.root);
    empty.hidden = true;
    return card;
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
            if (card != null) showStarted(card, message.model, message.device);
            return;
        }
        case "render": {
            const card = cards.get(message.id);
            if (card == null) return;
            applyRender(card, message);
            return;
        }
        case "cut": {
            const card = cards.get(message.id);
            if (card != null) showCut(card, message.thinkingTokens);
            return;
        }
        case "forced": {
            const card = cards.get(message.id);
            if (card != null) showForced(card, message.thinkingTokens, message.count);
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
        case "firstRun":
            showFirstRun(feed, message.offer, (action) => send({type: "firstRun", action}));
            empty.hidden = message.offer != null || cards.size > 0;
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
    empty.hidden = cards.size > 0 || document.querySelector(".em-first-run") != null; // Clear leaves the first-run card
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
