/**
 * The one webview host of the extension: the solution panel, the sidebar chat and the Tutor panel each own one.
 * It sets the webview's options (scripts on, resources only from media/ and out/webview/) and its HTML, queues posts
 * until the page says it is ready (the handshake), and brings back a page that did not come up whole:
 * - the page says `ready` with `styled: false` when a style sheet failed to load (after a window reload the
 *   webview's resource requests can fail until the page is loaded again: net::ERR_NAME_NOT_RESOLVED): its HTML is set
 *   again;
 * - no `ready` at all within {@link readyTimeoutMs} of being visible: a panel is replaced by a new one in the same place
 *   (a new frame), a view gets its HTML again. Replacing is what brings back the failure seen after a window reload
 *   (issue 12, defect 6; docs/views.md): the workbench's frame for the webview waits for its resource service worker
 *   and, when several webviews come back at once, can wait forever; content set again (or Developer: Reload Webviews)
 *   waits behind it, and only a new frame starts over.
 * Both at most {@link maxReloads} times in a row, then the user is told. Time while the page is hidden does not count
 * (a panel in a background tab is not loaded by the workbench until it is shown). A restored panel (after a window
 * reload) gets its options and HTML set afresh, as a new one does.
 *
 * Posting costs the host's thread the message's serialisation, so messages go out one per turn of the event loop, the
 * views taking turns (postTurns.ts): one posted while another went out in the same turn waits (in order) for the next.
 * A long restored answer, posted in pieces (requestPipeline.ts, document.ts pieceChars), so never holds the event loop
 * for more than one piece.
 *
 * Flow control: the page says `applied` after each message (src/webview/host.ts), and at most {@link maxInFlight}
 * messages are on their way to it at once; the rest wait here, where `merge` makes one of two that follow each other
 * (a stream's renders). Without it a page slower than the stream it is sent (a loaded machine, a long answer) fell
 * behind by a queue that only grew, in the browser where nothing could shorten it: after Developer: Reload Webviews
 * the sidebar chat was 30 s behind, so a Stop was handled seconds late and its result shown after the whole backlog
 * (docs/views.md).
 */
import * as vscode from "vscode";
import type {Logger} from "../core/logger";
import type {FromViewApplied} from "../protocol/messages";
import {Disposable} from "./disposable";
import {postTurns} from "./postTurns";
import {webviewDocument, type WebviewPage} from "./webviewHtml";

/** How long a visible page may take to say it is ready before it is loaded again (a stuck frame, or a script that never loaded). */
const readyTimeoutMs = 20000;
/** Reloads in a row for a page that does not come up whole; then it stays as it is and the failure is reported. */
const maxReloads = 3;
/** Messages posted to the page that it has not yet said it applied: the most it can be behind the host. */
const maxInFlight = 4;
/** A page that applies nothing for this long (with messages waiting) is sent the next one anyway, and that is logged. */
const appliedTimeoutMs = 10000;

export type PageContent = Omit<WebviewPage, "webview" | "extensionUri">;

export interface WebviewHostOptions<ToView, FromView> {
    readonly extensionUri: vscode.Uri;
    readonly page: PageContent;
    /** A message from the page (`ready` included; the host has handled it already). */
    onMessage(message: FromView): void;
    /**
     * The page is ready: what it must show now can be posted (queued posts follow). `reloaded`: it had been ready
     * before in this panel or view (a retry, or Developer: Reload Webviews), so it lost what it showed.
     */
    onReady?(reloaded: boolean): void;
    /** Something went wrong that the user should hear about (the page did not load whole after every retry). */
    onProblem?(message: string): void;
    /** Receives what goes wrong that the user need not hear about (a post the page never got, a reload). */
    readonly log: Logger;
    /**
     * Hears every message posted to the page, when it is posted (before it is queued): the composition root
     * (src/main.ts) records them for the extension's API (postRecorder.ts); no owner of a view keeps such a list.
     */
    onPost?(message: ToView): void;
    /** Keeps only what is worth posting from the queue when a message is queued (e.g. a snapshot replaces all). */
    compact?(queue: ToView[]): void;
    /** One message for two queued in a row that the page would apply as one (undefined: keep both). */
    merge?(earlier: ToView, later: ToView): ToView | undefined;
    /** How long a visible page may take to say it is ready (default 20 s; tests shorten it). */
    readonly readyTimeoutMs?: number;
}

/** What the host needs of the panel or view that shows its page. */
export interface WebviewSurface {
    readonly webview: vscode.Webview;
    readonly visible: boolean;
    readonly onDidDispose: vscode.Event<void>;
    /** Fires when `visible` may have changed. */
    readonly onDidChangeVisibility: vscode.Event<unknown>;
    /** Replaces the panel by a new one in the same place and attaches that (a view cannot be replaced). */
    readonly replace?: () => void;
}

/** A webview panel as a surface; `replace` makes a new panel (see {@link replacePanel}) and attaches it. */
export function panelSurface(panel: vscode.WebviewPanel, replace?: () => void): WebviewSurface {
    return {webview: panel.webview, get visible() { return panel.visible; }, onDidDispose: panel.onDidDispose,
        onDidChangeVisibility: panel.onDidChangeViewState, replace};
}

/** A webview view (the sidebar) as a surface. */
export function viewSurface(view: vscode.WebviewView): WebviewSurface {
    return {webview: view.webview, get visible() { return view.visible; }, onDidDispose: view.onDidDispose, onDidChangeVisibility: view.onDidChangeVisibility};
}

/**
 * A new panel of the same kind where `old` is (its group; focused if `old` was active), then `old` is disposed: the
 * owner must have taken the new one (compare panels in its onDidDispose) before, so `attach` runs in between.
 */
export function replacePanel(old: vscode.WebviewPanel, viewType: string, options: vscode.WebviewPanelOptions & vscode.WebviewOptions,
    attach: (panel: vscode.WebviewPanel) => void): void {
    const fresh = vscode.window.createWebviewPanel(viewType, old.title, {viewColumn: old.viewColumn ?? vscode.ViewColumn.Active, preserveFocus: !old.active}, options);
    fresh.iconPath = old.iconPath;
    attach(fresh);
    old.dispose();
}

/** The options every view of the extension gets: scripts, and local resources only from media/ and out/webview/. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
    return {
        enableScripts: true,
        localResourceRoots: [vscode.Uri.joinPath(extensionUri, "media"), vscode.Uri.joinPath(extensionUri, "out", "webview")]
    };
}

export class WebviewHost<ToView, FromView extends {readonly type: string}> extends Disposable {
    private webview: vscode.Webview | undefined;
    private surface: WebviewSurface | undefined;
    private replacing = false;
    private ready = false;
    private readonly queue: ToView[] = [];
    private readonly attached: vscode.Disposable[] = [];
    private timer: ReturnType<typeof setTimeout> | undefined;
    private reloads = 0;
    private readies = 0;
    /** This host waits for a turn to post (postTurns.ts). */
    private waitingTurn = false;
    private readonly sendInTurn = () => {
        this.waitingTurn = false;
        return this.sendNext();
    };
    /** Messages sent to this page that it has not said it applied (flow control). */
    private inFlight = 0;
    private appliedTimer: ReturnType<typeof setTimeout> | undefined;
    /** How many times a page was loaded again because it did not come up whole (tests read it). */
    public retries = 0;

    public constructor(private readonly options: WebviewHostOptions<ToView, FromView>, private readonly maxQueued = 5000) {
        super();
    }

    public get isReady(): boolean {
        return this.ready;
    }

    /** Takes over a panel or view (new, restored, resolved, or a replacement the host asked for): options, HTML, handshake. */
    public attach(surface: WebviewSurface): void {
        const {webview} = surface;
        const reloads = this.reloads;
        this.detach();
        this.webview = webview;
        this.surface = surface;
        // A replacement continues the count of tries; anything else starts afresh.
        this.reloads = this.replacing ? reloads : 0;
        this.readies = 0;
        webview.options = webviewOptions(this.options.extensionUri);
        this.attached.push(
            webview.onDidReceiveMessage((message: FromView) => this.receive(webview, message)),
            surface.onDidDispose(() => { if (this.webview === webview) this.detach(); }),
            surface.onDidChangeVisibility(() => { if (this.webview === webview) this.arm(webview); })
        );
        this.load(webview);
    }

    private load(webview: vscode.Webview): void {
        this.ready = false;
        webview.html = webviewDocument({webview, extensionUri: this.options.extensionUri, ...this.options.page});
        clearTimeout(this.timer);
        this.timer = undefined;
        this.arm(webview);
    }

    /** The ready timer runs while the page is visible and not ready; hidden time does not count. */
    private arm(webview: vscode.Webview): void {
        if (this.ready || this.surface?.visible !== true) {
            clearTimeout(this.timer);
            this.timer = undefined;
            return;
        }
        if (this.timer != null) return;
        this.timer = setTimeout(() => {
            this.timer = undefined;
            this.retry(webview, "it did not say it was ready", true);
        }, this.options.readyTimeoutMs ?? readyTimeoutMs);
    }

    private retry(webview: vscode.Webview, why: string, silent: boolean): void {
        if (this.webview !== webview) return;
        if (this.reloads >= maxReloads) {
            const fix = this.surface?.replace != null ? "Close it and open it again" : "Run \"Developer: Reload Window\"";
            this.options.onProblem?.(`the view "${this.options.page.title}" did not load whole after ${maxReloads} tries (${why}). ${fix}.`);
            return;
        }
        this.reloads++;
        this.retries++;
        const replace = silent ? this.surface?.replace : undefined;
        this.options.log.warn(`${replace ? "replacing" : "loading"} the view "${this.options.page.title}" again (try ${this.reloads} of ${maxReloads}): ${why}`);
        if (replace == null) return this.load(webview);
        this.replacing = true;
        try {
            replace();
        } catch (err) {
            this.options.log.error(`replacing the view "${this.options.page.title}" failed: ${err instanceof Error ? err.message : String(err)}`);
            if (this.webview === webview) this.load(webview);
        } finally {
            this.replacing = false;
        }
    }

    private receive(webview: vscode.Webview, message: FromView | FromViewApplied): void {
        if (this.webview !== webview || message == null || typeof message.type !== "string") return;
        if (isApplied(message)) return this.applied();
        if (message.type === "ready") {
            clearTimeout(this.timer);
            if ("styled" in message && message.styled === false) {
                this.retry(webview, "a style sheet did not load", false);
                return;
            }
            this.reloads = 0;
            this.ready = true;
            // A new page: what was on its way went to the one before it.
            this.inFlight = 0;
            this.options.onReady?.(this.readies++ > 0);
            this.askTurn();
        }
        this.options.onMessage(message);
    }

    /** Posts to the page, or queues until it is ready (a page that is loading or not open yet). */
    public post(message: ToView): void {
        this.options.onPost?.(message);
        const last = this.queue.length > 0 ? this.options.merge?.(this.queue[this.queue.length - 1]!, message) : undefined;
        if (last != null) this.queue[this.queue.length - 1] = last;
        else this.queue.push(message);
        this.options.compact?.(this.queue);
        if (this.queue.length > this.maxQueued) this.queue.splice(0, this.queue.length - this.maxQueued);
        this.askTurn();
    }

    /** Asks for a turn to post (once: a host waits in line at most once). */
    private askTurn(): void {
        if (this.waitingTurn || this.webview == null || !this.ready || this.queue.length === 0) return;
        this.waitingTurn = true;
        postTurns.take(this.sendInTurn);
    }

    /**
     * In this host's turn: sends the next queued message (when the page is ready and not more than {@link maxInFlight}
     * behind) and asks for another turn for the one after it. Returns whether it posted.
     */
    private sendNext(): boolean {
        const webview = this.webview;
        if (webview == null || !this.ready || this.queue.length === 0) return false;
        if (this.inFlight >= maxInFlight) {
            this.awaitApplied(webview);
            return false;
        }
        this.send(webview, this.queue.shift()!);
        this.askTurn();
        return true;
    }

    private send(webview: vscode.Webview, message: ToView): void {
        this.inFlight++;
        // A message the page never gets is never applied: it no longer counts as on its way.
        const lost = () => { if (this.webview === webview) this.applied(); };
        let posted: Thenable<boolean>;
        try {
            posted = webview.postMessage(message);
        } catch (err) {
            // A webview disposed under us throws here; this runs in a turn of its own, where nothing else would catch it.
            this.options.log.warn(`posting to "${this.options.page.title}" failed: ${String(err)}`);
            lost();
            return;
        }
        posted.then((delivered) => {
            if (delivered) return;
            this.options.log.warn(`a message to "${this.options.page.title}" was not delivered (${describeMessage(message)})`);
            lost();
        }, (err) => {
            this.options.log.warn(`posting to "${this.options.page.title}" failed: ${String(err)}`);
            lost();
        });
    }

    /** The page applied a message (or one was lost): the next may go. */
    private applied(): void {
        this.inFlight = Math.max(0, this.inFlight - 1);
        clearTimeout(this.appliedTimer);
        this.appliedTimer = undefined;
        this.askTurn();
    }

    /**
     * Messages wait for the page to apply those on their way. A page that applies nothing for {@link appliedTimeoutMs}
     * (a script that fails before it says so) still gets the next one then, so that it is never stuck; logged.
     */
    private awaitApplied(webview: vscode.Webview): void {
        this.appliedTimer ??= setTimeout(() => {
            this.appliedTimer = undefined;
            if (this.webview !== webview) return;
            this.options.log.warn(`the view "${this.options.page.title}" applied none of the last ${this.inFlight} messages in ${appliedTimeoutMs / 1000} s; sending the next one anyway`);
            this.applied();
        }, appliedTimeoutMs);
    }

    /** Drops what is queued (the page will be told everything on ready). */
    public clearQueue(): void {
        this.queue.length = 0;
    }

    private detach(): void {
        clearTimeout(this.timer);
        this.timer = undefined;
        clearTimeout(this.appliedTimer);
        this.appliedTimer = undefined;
        this.inFlight = 0;
        postTurns.cancel(this.sendInTurn);
        this.waitingTurn = false;
        for (const d of this.attached.splice(0)) d.dispose();
        this.webview = undefined;
        this.surface = undefined;
        this.ready = false;
    }

    public override dispose(): void {
        this.detach();
        super.dispose();
    }
}

function isApplied(message: {readonly type: string}): message is FromViewApplied {
    return message.type === "applied";
}

function describeMessage(message: unknown): string {
    return message != null && typeof message === "object" && "type" in message ? String(message.type) : typeof message;
}
