/**
 * The solution panel's script (runs in the webview; no Node, no vscode API beyond acquireVsCodeApi).
 * It only inserts HTML that the host rendered from untrusted model text (markdown-it html:false, KaTeX trust:false);
 * the CSP allows no inline or remote script, so nothing inserted here can run.
 */
import type {FromPanelMessage, PanelState, RequestRecord, ToPanelMessage} from "../protocol/messages";
import {showFirstRun} from "./firstRun";
import {connect, reveal} from "./host";
import {TurnFeed} from "./turns";

const feed = document.getElementById("feed")!;
const empty = document.getElementById("empty")!;
const maxSavedRecords = 20;

const page = connect<ToPanelMessage, FromPanelMessage>(handle, (href) => ({type: "openLink", href}));
const cards = new TurnFeed(feed, {
    stop: (id) => page.send({type: "stop", id}),
    copy: (id, what) => page.send({type: "copy", id, what})
}, {onFinished: save});

function savedRecords(): RequestRecord[] {
    const state = page.getState();
    if (state == null || typeof state !== "object" || !("records" in state) || !Array.isArray(state.records)) return [];
    return state.records.filter((r): r is RequestRecord => r != null && typeof r === "object" && typeof r.id === "string");
}

function save(record: RequestRecord): void {
    const records = savedRecords().filter((r) => r.id !== record.id);
    records.push(record);
    page.setState({records: records.slice(-maxSavedRecords)} satisfies PanelState);
}

function handle(message: ToPanelMessage): void {
    switch (message.type) {
        case "restore":
            for (const item of message.items) if (!cards.cards.has(item.record.id)) cards.showRecord(item);
            if (message.reveal === true && message.items.length > 0) {
                const shown = cards.cards.get(message.items[message.items.length - 1]!.record.id);
                if (shown != null) reveal(shown.root, "start");
            }
            break;
        case "clear":
            clearFinished();
            break;
        case "firstRun":
            showFirstRun(feed, message.offer, (action) => page.send({type: "firstRun", action}));
            break;
        default: {
            // A new request's card comes into view (below the fold otherwise, in a long feed).
            const card = cards.apply(message);
            if (card != null) reveal(card.root, "start");
        }
    }
    empty.hidden = cards.cards.size > 0 || document.querySelector(".em-first-run") != null;
}

function clearFinished(): void {
    cards.removeFinished();
    page.setState({records: []} satisfies PanelState);
}

document.querySelector<HTMLButtonElement>("[data-action=clear]")?.addEventListener("click", () => {
    clearFinished();
    empty.hidden = cards.cards.size > 0 || document.querySelector(".em-first-run") != null; // Clear leaves the first-run card
    page.send({type: "clear"});
});

page.start();
