/**
 * The sidebar chat's script (runs in the webview). Each turn is a solution card from card.ts, so a chat answer is
 * rendered exactly like a panel solution (thinking collapsible with its meter, cut marker, KaTeX, boxed answer).
 * It only inserts HTML that the host rendered from untrusted text; the CSP allows no inline or remote script.
 */
import type {BudgetView, ChatToHostMessage, ChatTurnView, ConversationSummary, HostToChatMessage} from "../protocol/messages";
import {applyRender, buildCard, type Card, type CardActions, setStatus, showCut, showFinal, showForced, showStarted, showStats} from "./card";

declare function acquireVsCodeApi(): {postMessage(message: unknown): void; getState(): unknown; setState(state: unknown): void};

const vscode = acquireVsCodeApi();
const turns = document.getElementById("turns")!;
const empty = document.getElementById("empty")!;
const composer = document.getElementById("composer") as HTMLFormElement;
const input = document.getElementById("input") as HTMLTextAreaElement;
const budgetSelect = document.getElementById("budget") as HTMLSelectElement;
const sendButton = document.getElementById("send") as HTMLButtonElement;
const stopButton = document.getElementById("stop") as HTMLButtonElement;
const past = document.getElementById("past") as HTMLSelectElement;

/** Transient UI kept by the webview itself across hide/reload: the draft. */
interface ChatUiState { readonly draft?: string }

const cards = new Map<string, Card>();
let conversationId = "";
let runningId: string | undefined;

function send(message: ChatToHostMessage): void {
    vscode.postMessage(message);
}

const actions: CardActions = {
    stop: (id) => send({type: "stop", id}),
    copy: (id, what) => send({type: "copy", id, what})
};

function addCard(id: string, userHtml: string, budget: BudgetView, model: string): Card {
    const card = buildCard(id, userHtml, budget, model, actions);
    card.root.classList.add("em-chat-turn");
    card.root.setAttribute("aria-label", "Chat turn");
    cards.set(id, card);
    turns.append(card.root);
    empty.hidden = true;
    return card;
}

function showTurn(t: ChatTurnView): void {
    const card = addCard(t.id, t.userHtml, t.budget, t.stats?.model ?? "");
    card.thinkingPending.innerHTML = t.thinkingHtml;
    card.solutionPending.innerHTML = t.solutionHtml;
    card.thinking.open = false;
    if (t.thinkingHtml === "") card.thinking.hidden = true;
    if (t.stats != null) {
        showStats(card, t.stats);
        if (t.stats.thinkingCut) showCut(card, t.stats.thinkingTokens);
    }
    setStatus(card, t.status);
    card.actions.hidden = t.status === "error" && t.solutionHtml === "";
    if (t.error != null) {
        card.status.textContent = `Error: ${t.error}`;
        card.root.classList.add("em-card-error");
    }
    if (t.dropped) card.root.classList.add("em-dropped");
    showFinal(card, t.answerHtml);
}

function notice(text: string): void {
    const p = document.createElement("p");
    p.className = "em-notice";
    p.setAttribute("role", "alert");
    p.textContent = text;
    turns.append(p);
}

function setBusy(busy: boolean, id?: string): void {
    runningId = busy ? id ?? runningId : undefined;
    sendButton.disabled = busy;
    stopButton.hidden = !busy;
    document.body.dataset.busy = String(busy);
}

function showPast(current: string, list: readonly ConversationSummary[]): void {
    past.replaceChildren(...list.map((c) => {
        const o = document.createElement("option");
        o.value = c.id;
        o.textContent = c.turns === 0 ? "New conversation" : `${c.title} (${c.turns})`;
        return o;
    }));
    past.value = current;
}

/** Follows a streaming answer only while the user is at the end (scrolling up to read stops the following). */
function nearEnd(): boolean {
    return window.innerHeight + window.scrollY >= document.body.scrollHeight - 80;
}

function scrollToEnd(): void {
    window.scrollTo(0, document.body.scrollHeight);
}

function handle(message: HostToChatMessage): void {
    const follow = nearEnd();
    handleMessage(message);
    if (follow && message.type !== "conversation") scrollToEnd();
}

function handleMessage(message: HostToChatMessage): void {
    switch (message.type) {
        case "conversation": {
            conversationId = message.id;
            cards.clear();
            turns.replaceChildren();
            for (const t of message.turns) showTurn(t);
            const firstKept = message.turns.findIndex((t) => !t.dropped);
            if (message.turns.some((t) => t.dropped)) {
                const marker = document.createElement("p");
                marker.className = "em-notice";
                marker.textContent = "Turns above this line no longer fit in the model's context: the model does not see them.";
                const at = firstKept >= 0 ? cards.get(message.turns[firstKept]!.id)?.root : undefined;
                if (at != null) turns.insertBefore(marker, at);
                else turns.append(marker);
            }
            empty.hidden = message.turns.length > 0;
            budgetSelect.replaceChildren(...message.budgets.map((b) => {
                const o = document.createElement("option");
                o.value = b.label;
                o.textContent = `${b.label} (${b.description})`;
                return o;
            }));
            budgetSelect.value = message.budget;
            showPast(message.id, message.past);
            setBusy(message.busy);
            scrollToEnd();
            return;
        }
        case "past":
            showPast(message.id, message.past);
            return;
        case "notice":
            notice(message.text);
            return;
        case "busy":
            setBusy(message.busy, message.id);
            return;
        case "request":
            addCard(message.id, message.problemHtml, message.budget, message.model);
            scrollToEnd();
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
        case "forced": { // the chat does not think longer today; the card shows it like the panel's would
            const card = cards.get(message.id);
            if (card != null) showForced(card, message.thinkingTokens, message.count);
            return;
        }
        case "done": {
            const card = cards.get(message.id);
            if (card == null) return;
            showStats(card, message.stats);
            setStatus(card, message.record.status);
            if (message.record.thinking === "") card.thinking.hidden = true;
            card.actions.hidden = false;
            showFinal(card, message.answerHtml);
            return;
        }
        case "error": {
            const card = cards.get(message.id);
            if (card == null) return;
            setStatus(card, "error");
            card.status.textContent = `Error: ${message.message}`;
            card.root.classList.add("em-card-error");
            card.actions.hidden = message.record.solution === "";
            return;
        }
        default: {
            const unhandled: never = message;
            console.warn("unhandled message", unhandled);
        }
    }
}

window.addEventListener("message", (event: MessageEvent<HostToChatMessage>) => handle(event.data));

function submit(): void {
    const text = input.value.trim();
    if (text === "" || sendButton.disabled) return;
    send({type: "send", text, budget: budgetSelect.value});
    input.value = "";
    vscode.setState({draft: ""} satisfies ChatUiState);
}

composer.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
});
input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        submit();
    }
});
input.addEventListener("input", () => vscode.setState({draft: input.value} satisfies ChatUiState));
stopButton.addEventListener("click", () => { if (runningId != null) send({type: "stop", id: runningId}); });
past.addEventListener("change", () => { if (past.value !== conversationId) send({type: "open", id: past.value}); });
document.querySelector("[data-action=new]")?.addEventListener("click", () => send({type: "newChat"}));
document.querySelector("[data-action=export]")?.addEventListener("click", () => send({type: "export"}));

// Links never navigate the webview: the host opens them (after a confirmation for non-https).
document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target.closest("a") : null;
    if (target == null) return;
    event.preventDefault();
    const href = target.getAttribute("data-em-href");
    if (href != null) send({type: "openLink", href});
});

const saved = vscode.getState() as ChatUiState | undefined;
if (typeof saved?.draft === "string") input.value = saved.draft;
send({type: "ready"});
