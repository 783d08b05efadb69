/**
 * A piece of HTML as a view gets it (protocol/messages.ts, `HtmlPiece`): a string, or the UTF-8 bytes of a long
 * text rendered in the formula worker. `htmlText` uses no DOM: the integration tests read what the views were sent
 * with it too.
 */
import type {HtmlPiece} from "../protocol/messages";

const decoder = new TextDecoder();

export function htmlText(piece: HtmlPiece): string {
    return typeof piece === "string" ? piece : decoder.decode(piece);
}

/**
 * Inserts a piece at `where` of `target`. A piece of bytes (a long text's, 32 KB of HTML or so) goes in a block of its
 * own (`.em-piece`, media/*.css: `content-visibility: auto`), so that the browser lays out and paints only the pieces
 * in view: without it each frame laid out the whole growing answer again, about 100 ms a frame at 12 MB, and a restored
 * 600-step answer took 45-60 s to show (with it, 11 s; docs/views.md).
 */
export function insertHtmlPiece(target: Element, where: InsertPosition, piece: HtmlPiece): void {
    if (typeof piece === "string") {
        target.insertAdjacentHTML(where, piece);
        return;
    }
    const block = document.createElement("div");
    block.className = "em-piece";
    block.innerHTML = htmlText(piece);
    target.insertAdjacentElement(where, block);
}
