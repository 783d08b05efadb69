/**
 * Merging a stream's `render` messages that wait, one after the other, for a page that has not caught up (the webview
 * host's flow control, webviewHost.ts). No vscode import: the unit tests hold it to what the page does with them.
 */
import type {ToViewTurnMessage} from "../protocol/messages";
import {pieceChars} from "../render/document";

type RenderMessage = Extract<ToViewTurnMessage, {type: "render"}>;

function isRender(message: {readonly type: string}): message is RenderMessage {
    return message.type === "render";
}

/**
 * Two `render` messages of one phase, queued one after the other for a page that has not caught up (webviewHost.ts,
 * flow control), as one: the blocks both commit and the later pending tail, which is what the page shows after
 * applying both. Not when their committed blocks together pass `pieceChars` (a restored answer's pieces stay pieces).
 */
export function mergeRenders<M extends {readonly type: string}>(earlier: M, later: M): RenderMessage | undefined {
    if (!isRender(earlier) || !isRender(later) || earlier.id !== later.id || earlier.phase !== later.phase) return undefined;
    const committed = [...earlier.chunk.committed, ...later.chunk.committed];
    if (committed.reduce((n, html) => n + (typeof html === "string" ? html.length : html.byteLength), 0) > pieceChars) return undefined;
    return {...later, chunk: {committed, pending: later.chunk.pending}};
}
