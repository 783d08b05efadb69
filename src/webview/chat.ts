/**
 * The sidebar chat's script (runs in the webview). Each turn is a solution card from card.ts, applied by the same
 * TurnFeed as the panel's, so a chat answer is rendered exactly like a panel solution (thinking collapsible with its
 * meter, cut marker, KaTeX, boxed answer). It only inserts HTML that the host rendered from untrusted text; the CSP
 * allows no inline or remote script.
 */
import type {BudgetChoiceView, ConversationSummary, CustomBudgetValue, FromChatMessage, ToChatMessage} from "../protocol/messages";
import {connect} from "./host";
import {t, tName} from "./l10n";
import {TurnFeed} from "./turns";

const turns = document.getElementById("turns")!;
const empty = document.getElementById("empty")!;
const composer = document.getElementById("composer") as HTMLFormElement;
const input = document.getElementById("input") as HTMLTextAreaElement;
const budgetSelect = document.getElementById("budget") as HTMLSelectElement;
const budgetDetail = document.getElementById("budget-detail")!;
const sendButton = document.getElementById("send") as HTMLButtonElement;
const stopButton = document.getElementById("stop") as HTMLButtonElement;
const past = document.getElementById("past") as HTMLSelectElement;
const customValue: CustomBudgetValue = "custom…";

/** Transient UI kept by the webview itself across hide/reload: the draft. */
interface ChatUiState { readonly draft?: string }

const page = connect<ToChatMessage, FromChatMessage>(handle, (href) => ({type: "openLink", href}));
const cards = new TurnFeed(turns, {
    stop: (id) => page.send({type: "stop", id}),
    copy: (id, what) => page.send({type: "copy", id, what})
}, {cardClass: "em-chat-turn", cardLabel: t("Chat turn")});
let conversationId = "";
let runningId: string | undefined;
let budgets: readonly BudgetChoiceView[] = [];
let budget = "";

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

/** The picker shows each conversation's title in full as its tooltip; the select is as wide as the sidebar. */
function showPast(current: string, list: readonly ConversationSummary[]): void {
    past.replaceChildren(...list.map((c) => {
        const o = document.createElement("option");
        o.value = c.id;
        o.textContent = c.turns === 0 ? t("New conversation") : `${c.title} (${c.turns})`;
        o.title = o.textContent;
        return o;
    }));
    past.value = current;
    past.title = past.selectedOptions[0]?.textContent ?? t("Open a past conversation");
}

/** The chip names the budget (short); what it means shows below it, on its own line, so nothing is cut. */
function showBudgets(): void {
    budgetSelect.replaceChildren(...budgets.map((b) => {
        const o = document.createElement("option");
        o.value = b.label;
        o.textContent = tName(b.label);
        o.title = b.description;
        return o;
    }));
    const custom = document.createElement("option");
    custom.value = customValue;
    custom.textContent = t("Custom…");
    custom.title = t("Type the thinking and answer budgets");
    budgetSelect.append(custom);
    budgetSelect.value = budget;
    budgetDetail.textContent = budgets.find((b) => b.label === budget)?.description ?? "";
}

/** Follows a streaming answer only while the user is at the end (scrolling up to read stops the following). */
function nearEnd(): boolean {
    return window.innerHeight + window.scrollY >= document.body.scrollHeight - 80;
}

function scrollToEnd(): void {
    window.scrollTo(0, document.body.scrollHeight);
}

function handle(message: ToChatMessage): void {
    const follow = nearEnd();
    handleMessage(message);
    if (message.type === "request" || (follow && message.type !== "conversation")) scrollToEnd();
}

function handleMessage(message: ToChatMessage): void {
    switch (message.type) {
        case "conversation": {
            conversationId = message.id;
            cards.clear();
            for (const t of message.turns) cards.showRecord(t);
            const firstKept = message.turns.findIndex((t) => t.dropped !== true);
            if (message.turns.some((t) => t.dropped === true)) {
                const marker = document.createElement("p");
                marker.className = "em-notice";
                marker.textContent = t("Turns above this line no longer fit in the model's context: the model does not see them.");
                const at = firstKept >= 0 ? cards.cards.get(message.turns[firstKept]!.record.id)?.root : undefined;
                if (at != null) turns.insertBefore(marker, at);
                else turns.append(marker);
            }
            empty.hidden = message.turns.length > 0;
            budgets = message.budgets;
            budget = message.budget;
            showBudgets();
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
        default:
            cards.apply(message);
            empty.hidden = cards.cards.size > 0;
    }
}

function submit(): void {
    const text = input.value.trim();
    if (text === "" || sendButton.disabled) return;
    page.send({type: "send", text, budget});
    input.value = "";
    page.setState({draft: ""} satisfies ChatUiState);
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
input.addEventListener("input", () => page.setState({draft: input.value} satisfies ChatUiState));
budgetSelect.addEventListener("change", () => {
    if (budgetSelect.value === customValue) {
        budgetSelect.value = budget; // stays on the last one until the host answers with the typed budget
        page.send({type: "customBudget"});
        return;
    }
    budget = budgetSelect.value;
    budgetDetail.textContent = budgets.find((b) => b.label === budget)?.description ?? "";
});
stopButton.addEventListener("click", () => { if (runningId != null) page.send({type: "stop", id: runningId}); });
past.addEventListener("change", () => { if (past.value !== conversationId) page.send({type: "open", id: past.value}); });
document.querySelector("[data-action=new]")?.addEventListener("click", () => page.send({type: "newChat"}));
document.querySelector("[data-action=export]")?.addEventListener("click", () => page.send({type: "export"}));

const saved = page.getState();
if (saved != null && typeof saved === "object" && "draft" in saved && typeof saved.draft === "string") input.value = saved.draft;
page.start();
