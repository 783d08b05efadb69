import * as vscode from "vscode";
import type {ChatToHostMessage, HostToChatMessage} from "../protocol/messages";
import {chatViewType} from "./commandIds";
import {Disposable} from "./disposable";
import {webviewDocument} from "./webviewHtml";

export interface ChatViewHandlers {
    onMessage(message: ChatToHostMessage): void;
    /** The view (re)loaded: what it must show now. */
    onReady(): void;
}

/**
 * The sidebar chat: a WebviewView in its own activity-bar container. Posts wait until the webview says it is ready
 * (the view may not exist yet, or be reloading); only the latest "conversation" snapshot is worth keeping then.
 */
export class ChatView extends Disposable implements vscode.WebviewViewProvider {
    private view: vscode.WebviewView | undefined;
    private ready = false;
    private readonly queue: HostToChatMessage[] = [];
    private readonly viewDisposables: vscode.Disposable[] = [];

    public constructor(private readonly extensionUri: vscode.Uri, private readonly handlers: ChatViewHandlers) {
        super();
        this._register(vscode.window.registerWebviewViewProvider(chatViewType, this, {webviewOptions: {retainContextWhenHidden: true}}));
    }

    public get visible(): boolean {
        return this.view?.visible === true;
    }

    /** Opens the chat's sidebar and focuses the view. */
    public async reveal(): Promise<void> {
        if (this.view != null) this.view.show(true);
        else await vscode.commands.executeCommand(`${chatViewType}.focus`);
    }

    public post(message: HostToChatMessage): void {
        if (this.view == null || !this.ready) {
            if (message.type === "conversation") {
                // A full snapshot replaces whatever was waiting.
                this.queue.length = 0;
            }
            this.queue.push(message);
            if (this.queue.length > 5000) this.queue.splice(0, this.queue.length - 5000);
            return;
        }
        void this.view.webview.postMessage(message);
    }

    public resolveWebviewView(view: vscode.WebviewView): void {
        for (const d of this.viewDisposables.splice(0)) d.dispose();
        this.view = view;
        this.ready = false;
        view.webview.options = {
            enableScripts: true,
            localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, "media"), vscode.Uri.joinPath(this.extensionUri, "out", "webview")]
        };
        view.webview.html = this.html(view.webview);
        this.viewDisposables.push(
            view.webview.onDidReceiveMessage((message: ChatToHostMessage) => {
                if (message?.type === "ready") {
                    this.ready = true;
                    this.queue.length = 0; // the snapshot sent on ready covers them
                    this.handlers.onReady();
                    return;
                }
                this.handlers.onMessage(message);
            }),
            view.onDidDispose(() => {
                if (this.view === view) {
                    this.view = undefined;
                    this.ready = false;
                }
            })
        );
    }

    private html(webview: vscode.Webview): string {
        return webviewDocument({
            webview, extensionUri: this.extensionUri, title: "Elastic Math Chat", styles: ["panel.css", "chat.css"], script: "chat.js",
            bodyClass: "em-chat",
            body: `
<header class="em-toolbar" role="toolbar" aria-label="Chat">
  <select id="past" class="em-past" aria-label="Past conversations" title="Open a past conversation"></select>
  <span class="em-chat-actions">
    <button type="button" class="em-button" data-action="export" title="Export this conversation to a Markdown file">Export</button>
    <button type="button" class="em-button" data-action="new" title="Start a new conversation">New Chat</button>
  </span>
</header>
<main id="turns" aria-live="polite"></main>
<p id="empty" class="em-empty">Ask a math question below. Follow-ups continue the conversation; each message can have its own budget.</p>
<form id="composer" class="em-composer">
  <textarea id="input" rows="3" placeholder="Ask a question (plain text or LaTeX). Enter to send, Shift+Enter for a new line." aria-label="Message"></textarea>
  <div class="em-composer-row">
    <label class="em-chip em-budget-select-chip" title="Reasoning budget for this message">Budget <select id="budget" aria-label="Budget for this message"></select></label>
    <span class="em-composer-buttons">
      <button type="button" id="stop" class="em-button em-stop" hidden>Stop</button>
      <button type="submit" id="send" class="em-button em-send">Send</button>
    </span>
  </div>
</form>
`
        });
    }

    public override dispose(): void {
        for (const d of this.viewDisposables.splice(0)) d.dispose();
        super.dispose();
    }
}
