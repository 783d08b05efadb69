import * as vscode from "vscode";
import type {HostToPanelMessage, PanelState, PanelToHostMessage, RequestRecord} from "../protocol/messages";
import {Disposable} from "./disposable";
import {solutionPanelViewType} from "./commandIds";
import {webviewDocument} from "./webviewHtml";

export interface SolutionPanelHandlers {
    onMessage(message: PanelToHostMessage): void;
    /** Finished requests to show after a reload (from the webview's saved state). */
    restore(records: readonly RequestRecord[]): HostToPanelMessage | null;
}

/**
 * The solution panel: one webview panel beside the editor, a feed of requests.
 * Posts are queued until the webview says it is ready (handshake), so nothing is lost while it loads.
 */
export class SolutionPanel extends Disposable {
    private panel: vscode.WebviewPanel | undefined;
    private ready = false;
    private readonly queue: HostToPanelMessage[] = [];
    private readonly panelDisposables: vscode.Disposable[] = [];
    private readonly restored = this._register(new vscode.EventEmitter<void>());
    /** Fires when VS Code restores the panel after a window reload (its serializer), once the restore is posted. */
    public readonly onDidRestore = this.restored.event;

    public constructor(private readonly extensionUri: vscode.Uri, private readonly handlers: SolutionPanelHandlers) {
        super();
        this._register(vscode.window.registerWebviewPanelSerializer(solutionPanelViewType, {
            deserializeWebviewPanel: async (panel: vscode.WebviewPanel, state: unknown) => {
                this.attach(panel);
                const records = readState(state);
                const restore = this.handlers.restore(records);
                if (restore != null) this.post(restore);
                this.restored.fire();
            }
        }));
    }

    public get visible(): boolean {
        return this.panel?.visible === true;
    }

    /** Opens the panel (beside the active editor) or reveals it, without taking focus from the editor. */
    public show(preserveFocus = true): void {
        if (this.panel != null) {
            // In the active editor's group the panel would cover the document the user works in: move it beside.
            const editorColumn = vscode.window.activeTextEditor?.viewColumn;
            const sameGroup = editorColumn != null && this.panel.viewColumn === editorColumn;
            this.panel.reveal(sameGroup ? vscode.ViewColumn.Beside : undefined, preserveFocus);
            return;
        }
        const panel = vscode.window.createWebviewPanel(
            solutionPanelViewType,
            "Elastic Math",
            {viewColumn: vscode.ViewColumn.Beside, preserveFocus},
            this.webviewOptions()
        );
        this.attach(panel);
    }

    public post(message: HostToPanelMessage): void {
        if (this.panel == null || !this.ready) {
            this.queue.push(message);
            return;
        }
        void this.panel.webview.postMessage(message);
    }

    private webviewOptions(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
        return {
            enableScripts: true,
            retainContextWhenHidden: true,
            enableFindWidget: true,
            localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, "media"), vscode.Uri.joinPath(this.extensionUri, "out", "webview")]
        };
    }

    private attach(panel: vscode.WebviewPanel): void {
        this.panel = panel;
        this.ready = false;
        panel.iconPath = vscode.Uri.joinPath(this.extensionUri, "media", "icon.svg");
        panel.webview.options = this.webviewOptions();
        panel.webview.html = this.html(panel.webview);
        this.panelDisposables.push(
            panel.webview.onDidReceiveMessage((message: PanelToHostMessage) => {
                if (message?.type === "ready") {
                    this.ready = true;
                    const pending = this.queue.splice(0);
                    for (const m of pending) void panel.webview.postMessage(m);
                    return;
                }
                this.handlers.onMessage(message);
            }),
            panel.onDidDispose(() => {
                this.panel = undefined;
                this.ready = false;
                this.queue.length = 0;
                for (const d of this.panelDisposables.splice(0)) d.dispose();
            })
        );
    }

    private html(webview: vscode.Webview): string {
        return webviewDocument({
            webview, extensionUri: this.extensionUri, title: "Elastic Math", styles: ["panel.css"], script: "panel.js",
            body: `
<header class="em-toolbar" role="toolbar" aria-label="Solution panel">
  <span class="em-title">Elastic Math</span>
  <button type="button" class="em-button em-clear" data-action="clear" title="Remove finished solutions from the panel">Clear</button>
</header>
<main id="feed" aria-live="polite"></main>
<p id="empty" class="em-empty">Run <strong>Elastic Math: Solve Problem...</strong> from the command palette to see a solution here.</p>
`
        });
    }

    public override dispose(): void {
        this.panel?.dispose();
        super.dispose();
    }
}

function readState(state: unknown): RequestRecord[] {
    const records = (state as PanelState | undefined)?.records;
    if (!Array.isArray(records)) return [];
    return records.filter((r): r is RequestRecord =>
        r != null && typeof r === "object" && typeof r.id === "string" && typeof r.problem === "string"
        && typeof r.thinking === "string" && typeof r.solution === "string");
}
