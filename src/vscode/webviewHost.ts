/**
 * The one webview host of the extension: the solution panel, the sidebar chat and the Tutor panel each own one.
 * It sets the webview's options (scripts on, resources only from media/ and out/webview/) and its HTML, queues posts
 * until the page says it is ready (the handshake), and loads the page again when it did not come up whole:
 * - the page says `ready` with `styled: false` when a style sheet failed to load (after a window reload the
 *   webview's resource requests can fail until the page is loaded again: net::ERR_NAME_NOT_RESOLVED);
 * - no `ready` at all within {@link readyTimeoutMs} (its script did not load) loads it again too.
 * Both at most {@link maxReloads} times in a row. A restored panel (after a window reload) gets its options and HTML
 * set afresh, as a new one does.
 *
 * Posting costs the host's thread the message's serialisation, so messages go out one per turn of the event loop: one
 * posted while another went out in the same turn waits (in order) for the next. A long restored answer, posted in
 * pieces (requestPipeline.ts, viewPieceChars), so never holds the event loop for more than one piece.
 */
import * as vscode from "vscode";
import type {Logger} from "../core/logger";
import {Disposable} from "./disposable";
import {webviewDocument, type WebviewPage} from "./webviewHtml";

/** How long a page may take to say it is ready before it is loaded again (a page whose script never loaded). */
const readyTimeoutMs = 20000;
/** Reloads in a row for a page that does not come up whole; then it stays as it is and the failure is reported. */
const maxReloads = 3;

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
    /** Keeps only what is worth posting from the queue when a message is queued (e.g. a snapshot replaces all). */
    compact?(queue: ToView[]): void;
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
    private ready = false;
    private readonly queue: ToView[] = [];
    private readonly attached: vscode.Disposable[] = [];
    private timer: ReturnType<typeof setTimeout> | undefined;
    private reloads = 0;
    private readies = 0;
    /** A message went out in this turn of the event loop; the next turn sends the next queued one. */
    private pacing = false;
    /** How many times a page was loaded again because it did not come up whole (tests read it). */
    public retries = 0;

    public constructor(private readonly options: WebviewHostOptions<ToView, FromView>, private readonly maxQueued = 5000) {
        super();
    }

    public get isReady(): boolean {
        return this.ready;
    }

    /** Takes over a webview (a new or restored panel, a resolved view): options, HTML, handshake. */
    public attach(webview: vscode.Webview, onDidDispose: vscode.Event<void>): void {
        this.detach();
        this.webview = webview;
        this.reloads = 0;
        this.readies = 0;
        webview.options = webviewOptions(this.options.extensionUri);
        this.attached.push(
            webview.onDidReceiveMessage((message: FromView) => this.receive(webview, message)),
            onDidDispose(() => { if (this.webview === webview) this.detach(); })
        );
        this.load(webview);
    }

    private load(webview: vscode.Webview): void {
        this.ready = false;
        webview.html = webviewDocument({webview, extensionUri: this.options.extensionUri, ...this.options.page});
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.retry(webview, "it did not say it was ready"), readyTimeoutMs);
    }

    private retry(webview: vscode.Webview, why: string): void {
        if (this.webview !== webview) return;
        if (this.reloads >= maxReloads) {
            this.options.onProblem?.(`the view "${this.options.page.title}" did not load whole after ${maxReloads} tries (${why}). Run "Developer: Reload Webviews".`);
            return;
        }
        this.reloads++;
        this.retries++;
        this.options.log.warn(`loading the view "${this.options.page.title}" again (try ${this.reloads} of ${maxReloads}): ${why}`);
        this.load(webview);
    }

    private receive(webview: vscode.Webview, message: FromView): void {
        if (this.webview !== webview || message == null || typeof message.type !== "string") return;
        if (message.type === "ready") {
            clearTimeout(this.timer);
            if ("styled" in message && message.styled === false) {
                this.retry(webview, "a style sheet did not load");
                return;
            }
            this.reloads = 0;
            this.ready = true;
            this.options.onReady?.(this.readies++ > 0);
            if (!this.pacing) this.sendNext();
        }
        this.options.onMessage(message);
    }

    /** Posts to the page, or queues until it is ready (a page that is loading or not open yet). */
    public post(message: ToView): void {
        this.queue.push(message);
        this.options.compact?.(this.queue);
        if (this.queue.length > this.maxQueued) this.queue.splice(0, this.queue.length - this.maxQueued);
        if (!this.pacing) this.sendNext();
    }

    /** Sends the next queued message (when the page is ready), and the one after it in the next turn of the event loop. */
    private sendNext(): void {
        const webview = this.webview;
        if (webview == null || !this.ready || this.queue.length === 0) return;
        this.send(webview, this.queue.shift()!);
        this.pacing = true;
        setImmediate(() => {
            this.pacing = false;
            this.sendNext();
        });
    }

    private send(webview: vscode.Webview, message: ToView): void {
        webview.postMessage(message).then((delivered) => {
            if (!delivered) this.options.log.warn(`a message to "${this.options.page.title}" was not delivered (${describeMessage(message)})`);
        }, (err) => this.options.log.warn(`posting to "${this.options.page.title}" failed: ${String(err)}`));
    }

    /** Drops what is queued (the page will be told everything on ready). */
    public clearQueue(): void {
        this.queue.length = 0;
    }

    private detach(): void {
        clearTimeout(this.timer);
        this.timer = undefined;
        for (const d of this.attached.splice(0)) d.dispose();
        this.webview = undefined;
        this.ready = false;
    }

    public override dispose(): void {
        this.detach();
        super.dispose();
    }
}

function describeMessage(message: unknown): string {
    return message != null && typeof message === "object" && "type" in message ? String(message.type) : typeof message;
}
