import * as vscode from "vscode";
import type {FromChatMessage, ToChatMessage} from "../protocol/messages";
import type {Logger} from "../core/logger";
import {chatViewType} from "./commandIds";
import {Disposable} from "./disposable";
import {mergeRenders} from "./mergeRenders";
import {viewSurface, WebviewHost} from "./webviewHost";
import {h} from "./webviewHtml";

export interface ChatViewHandlers {
    onMessage(message: FromChatMessage): void;
    /** The view (re)loaded: what it must show now (a snapshot; what was queued for the old page is dropped). */
    onReady(): void;
    /** The page did not come up whole after every retry. */
    onProblem(message: string): void;
}

/**
 * The sidebar chat: a WebviewView in its own activity-bar container, hosted by a {@link WebviewHost}. Posts wait until
 * the page says it is ready; only the latest "conversation" snapshot is worth keeping then. The view's provider is
 * registered by the extension's entry (src/extension.ts), which hands the view to {@link resolveWebviewView}.
 */
export class ChatView extends Disposable implements vscode.WebviewViewProvider {
    private view: vscode.WebviewView | undefined;
    private readonly host: WebviewHost<ToChatMessage, FromChatMessage>;

    /** `onPost` hears every message posted to the page (see WebviewHostOptions.onPost). */
    public constructor(extensionUri: vscode.Uri, handlers: ChatViewHandlers, log: Logger, onPost?: (message: ToChatMessage) => void) {
        super();
        this.host = this._register(new WebviewHost<ToChatMessage, FromChatMessage>({
            log, extensionUri, onMessage: (m) => handlers.onMessage(m), onProblem: (m) => handlers.onProblem(m), onPost,
            onReady: () => {
                this.host.clearQueue(); // the snapshot sent now covers them
                handlers.onReady();
            },
            // A full snapshot replaces whatever was waiting.
            compact: (queue) => { if (queue.length > 1 && queue[queue.length - 1]!.type === "conversation") queue.splice(0, queue.length - 1); },
            merge: mergeRenders,
            page: {
                title: vscode.l10n.t("Elastic Math Chat"), styles: ["panel.css", "chat.css"], script: "chat.js", bodyClass: "em-chat",
                body: `
<header class="em-toolbar" role="toolbar" aria-label="${h(vscode.l10n.t("Chat"))}">
  <select id="past" class="em-past" aria-label="${h(vscode.l10n.t("Past conversations"))}" title="${h(vscode.l10n.t("Open a past conversation"))}"></select>
  <span class="em-chat-actions">
    <button type="button" class="em-button" data-action="export" title="${h(vscode.l10n.t("Export this conversation to a Markdown file"))}">${h(vscode.l10n.t("Export"))}</button>
    <button type="button" class="em-button" data-action="new" title="${h(vscode.l10n.t("Start a new conversation"))}">${h(vscode.l10n.t("New Chat"))}</button>
  </span>
</header>
<main id="turns" aria-live="polite"></main>
<p id="empty" class="em-empty">${h(vscode.l10n.t("Ask a math question below. Follow-ups continue the conversation; each message can have its own budget."))}</p>
<form id="composer" class="em-composer">
  <textarea id="input" rows="3" placeholder="${h(vscode.l10n.t("Ask a question (plain text or LaTeX). Enter to send, Shift+Enter for a new line."))}" aria-label="${h(vscode.l10n.t("Message"))}"></textarea>
  <div class="em-composer-row">
    <label class="em-chip em-budget-select-chip" title="${h(vscode.l10n.t("Reasoning budget for this message"))}"><span class="em-budget-word">${h(vscode.l10n.t("Budget"))}</span> <select id="budget" aria-label="${h(vscode.l10n.t("Budget for this message"))}"></select></label>
    <span class="em-composer-buttons">
      <button type="button" id="stop" class="em-button em-stop" hidden>${h(vscode.l10n.t("Stop"))}</button>
      <button type="submit" id="send" class="em-button em-send">${h(vscode.l10n.t("Send"))}</button>
    </span>
  </div>
  <div id="budget-detail" class="em-budget-detail" aria-live="polite"></div>
</form>
`
            }
        }));
    }

    public get visible(): boolean {
        return this.view?.visible === true;
    }

    /** Opens the chat's sidebar and focuses the view. */
    public async reveal(): Promise<void> {
        if (this.view != null) this.view.show(true);
        else await vscode.commands.executeCommand(`${chatViewType}.focus`);
    }

    public post(message: ToChatMessage): void {
        this.host.post(message);
    }

    public resolveWebviewView(view: vscode.WebviewView): void {
        this.view = view;
        view.onDidDispose(() => { if (this.view === view) this.view = undefined; });
        this.host.attach(viewSurface(view));
    }
}
