/**
 * The page side of the webview host (src/vscode/webviewHost.ts), shared by the panel, the chat and the Tutor: the
 * one `acquireVsCodeApi()`, the ready handshake (saying whether every style sheet loaded, so that the host can load
 * the page again when one did not), links that never navigate the webview, and scrolling new content into view.
 */
import type {FromViewApplied, FromViewReady} from "../protocol/messages";

interface VsCodeApi {
    postMessage(message: unknown): void;
    getState(): unknown;
    setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

export interface PageConnection<FromView> {
    send(message: FromView): void;
    getState(): unknown;
    setState(state: unknown): void;
}

/**
 * Connects the page: `handle` gets every message from the host; `ready` is sent once the page's own setup is done
 * (call `start()`), and link clicks go to the host as `openLink` when the page has one. After each message the page
 * says `applied` (also when handling it threw): the host sends the next ones only as the page keeps up (flow control,
 * src/vscode/webviewHost.ts).
 */
export function connect<ToView, FromView extends {readonly type: string}>(handle: (message: ToView) => void,
    openLink?: (href: string) => FromView): PageConnection<FromView> & {start(): void} {
    const api = acquireVsCodeApi();
    const applied: FromViewApplied = {type: "applied"};
    window.addEventListener("message", (event: MessageEvent<ToView>) => {
        try {
            handle(event.data);
        } finally {
            api.postMessage(applied);
        }
    });
    // Links never navigate the webview: the host opens them (after a confirmation for non-https).
    document.addEventListener("click", (event) => {
        const target = event.target instanceof Element ? event.target.closest("a") : null;
        if (target == null) return;
        event.preventDefault();
        const href = target.getAttribute("data-em-href");
        if (href != null && openLink != null) api.postMessage(openLink(href));
    });
    return {
        send: (message) => api.postMessage(message),
        getState: () => api.getState(),
        setState: (state) => api.setState(state),
        start: () => {
            const ready: FromViewReady = {type: "ready", styled: stylesLoaded()};
            api.postMessage(ready);
        }
    };
}

/** Whether every style sheet of the page loaded (a failed one has no `sheet`); the script runs after them. */
function stylesLoaded(): boolean {
    return Array.from(document.querySelectorAll<HTMLLinkElement>("link[rel=stylesheet]")).every((link) => link.sheet != null);
}

let pendingReveal: {element: Element; block: ScrollLogicalPosition} | undefined;

/**
 * Scrolls an element into view ("start": its top at the top; "nearest": the least scrolling that shows it). A page
 * that is hidden (a background tab) has no layout to scroll: the element is revealed when the page shows again.
 */
export function reveal(element: Element, block: ScrollLogicalPosition = "nearest"): void {
    if (document.visibilityState === "hidden" || window.innerHeight === 0) {
        pendingReveal = {element, block};
        return;
    }
    pendingReveal = undefined;
    element.scrollIntoView({block, inline: "nearest"});
}

function revealPending(): void {
    if (pendingReveal != null && pendingReveal.element.isConnected) reveal(pendingReveal.element, pendingReveal.block);
}
document.addEventListener("visibilitychange", revealPending);
window.addEventListener("resize", revealPending);
