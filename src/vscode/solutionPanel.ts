import * as vscode from "vscode";
import type {FromPanelMessage, PanelState, RequestRecord, ToPanelMessage} from "../protocol/messages";
import type {Logger} from "../core/logger";
import {Disposable} from "./disposable";
import {solutionPanelViewType} from "./commandIds";
import {mergeRenders} from "./mergeRenders";
import {panelSurface, replacePanel, WebviewHost} from "./webviewHost";
import {h} from "./webviewHtml";

/** The panel keeps its page when hidden (a solution streaming into a background tab goes on). */
const panelOptions = {retainContextWhenHidden: true, enableFindWidget: true};

export interface SolutionPanelHandlers {
    onMessage(message: FromPanelMessage): void;
    /** The page (re)loaded and is ready (new, restored after a window reload, or reloaded by a retry). */
    onReady(reloaded: boolean): void;
    /** Shows finished requests after a window reload (from the webview's saved state); resolves once they are posted. */
    restore(records: readonly RequestRecord[]): Promise<void>;
    /** The page did not come up whole after every retry. */
    onProblem(message: string): void;
}

/**
 * The solution panel: one webview panel beside the editor, a feed of requests. The page is hosted by a
 * {@link WebviewHost} (handshake, queue, reload of a page that did not come up whole); VS Code restores the panel after
 * a window reload through {@link SolutionPanel.deserializeWebviewPanel} (registered by the extension's entry).
 */
export class SolutionPanel extends Disposable implements vscode.WebviewPanelSerializer {
    private panel: vscode.WebviewPanel | undefined;
    private readonly host: WebviewHost<ToPanelMessage, FromPanelMessage>;
    private readonly restored = this._register(new vscode.EventEmitter<void>());
    /** Fires when VS Code restores the panel after a window reload (its serializer), once the restore is posted. */
    public readonly onDidRestore = this.restored.event;
    private readonly handlers: SolutionPanelHandlers;

    /** `onPost` hears every message posted to the page (see WebviewHostOptions.onPost). */
    public constructor(private readonly extensionUri: vscode.Uri, handlers: SolutionPanelHandlers, log: Logger, onPost?: (message: ToPanelMessage) => void) {
        super();
        this.host = this._register(new WebviewHost<ToPanelMessage, FromPanelMessage>({
            log, extensionUri, onMessage: (m) => handlers.onMessage(m), onReady: (reloaded) => handlers.onReady(reloaded), onProblem: (m) => handlers.onProblem(m), onPost,
            merge: mergeRenders,
            page: {
                title: "Elastic Math", styles: ["panel.css"], script: "panel.js", // l10n-exempt: the product's name
                body: `
<header class="em-toolbar" role="toolbar" aria-label="${h(vscode.l10n.t("Solution panel"))}">
  <span class="em-title">Elastic Math</span>
  <button type="button" class="em-button em-clear" data-action="clear" title="${h(vscode.l10n.t("Remove finished solutions from the panel"))}">${h(vscode.l10n.t("Clear"))}</button>
</header>
<main id="feed" aria-live="polite"></main>
<p id="empty" class="em-empty">${vscode.l10n.t("Run {0} from the command palette to see a solution here.", `<strong>${h(vscode.l10n.t("Elastic Math: Solve Problem..."))}</strong>`)}</p>
`
            }
        }));
        this.handlers = handlers;
    }

    /** Restores the panel after a window reload (the serializer is registered by the extension's entry: src/extension.ts). */
    public async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
        this.attach(panel);
        await this.handlers.restore(readState(state));
        this.restored.fire();
    }

    public get visible(): boolean {
        return this.panel?.visible === true;
    }

    /** How many times the page was loaded again because it did not come up whole. */
    public get retries(): number {
        return this.host.retries;
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
        // l10n-exempt: the product's name
        this.attach(vscode.window.createWebviewPanel(solutionPanelViewType, "Elastic Math", {viewColumn: vscode.ViewColumn.Beside, preserveFocus}, panelOptions));
    }

    public post(message: ToPanelMessage): void {
        this.host.post(message);
    }

    private attach(panel: vscode.WebviewPanel): void {
        this.panel = panel;
        panel.iconPath = vscode.Uri.joinPath(this.extensionUri, "media", "icon.svg");
        panel.onDidDispose(() => { if (this.panel === panel) this.panel = undefined; });
        this.host.attach(panelSurface(panel, () => replacePanel(panel, solutionPanelViewType, panelOptions, (p) => this.attach(p))));
    }

    public override dispose(): void {
        this.panel?.dispose();
        super.dispose();
    }
}

function readState(state: unknown): RequestRecord[] {
    if (state == null || typeof state !== "object" || !("records" in state)) return [];
    const records: PanelState["records"] | unknown = state.records;
    if (!Array.isArray(records)) return [];
    return records.filter(isRequestRecord);
}

/** A request record as saved or passed in (a command argument, a saved state): the fields the panel needs. */
export function isRequestRecord(r: unknown): r is RequestRecord {
    return r != null && typeof r === "object" && "id" in r && typeof r.id === "string" && "problem" in r && typeof r.problem === "string"
        && "thinking" in r && typeof r.thinking === "string" && "solution" in r && typeof r.solution === "string";
}
