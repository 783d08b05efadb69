/**
 * Rendering a whole text (markdown with LaTeX), one path: the text cut into blocks (blocks.ts), each block through
 * `renderBlock` (markdown.ts). {@link renderMarkdown} renders it at once on the calling thread;
 * {@link renderMarkdownSliced} on the calling thread in slices of about {@link sliceMs} of work, giving the event loop
 * back between them (the formula worker renders whole texts so, so that formulas of a streamed answer are not kept
 * waiting behind one); {@link renderMarkdownOffloaded} is what the extension host uses for everything it renders
 * outside a stream: the whole text rendered in the formula worker (formulaOffload.ts), so that the host's event loop
 * does no rendering work for it at all.
 */
import {setImmediate as yieldToLoop} from "node:timers/promises";
import type {HtmlPiece} from "../protocol/messages";
import {normalizeNewlines, splitBlocks} from "./blocks";
import type {RenderError} from "./katex";
import type {FormulaOffload} from "./formulaOffload";
import {getMathMarkdown, renderBlock, type RenderOptions, type RenderResult} from "./markdown";
import {escapeAttr, escapeHtml, showBidiControls} from "./escape";
import {definesMacros} from "./stream";

/** Renders a whole answer (markdown with LaTeX) to HTML; formulas KaTeX cannot render are listed in `errors`. */
export function renderMarkdown(text: string, options: RenderOptions = {}): RenderResult {
    const mm = getMathMarkdown(options);
    const errors: RenderError[] = [];
    let html = "";
    for (const block of splitBlocks(normalizeNewlines(text))) html += renderBlock(mm, block, errors);
    return {html, errors};
}

/**
 * Work done between two returns to the event loop by {@link renderMarkdownSliced}: a slice ends after the first
 * block that takes it past this (one block is never split: a block's cost is bounded by its length and the
 * formula bounds of bounds.ts, not by this).
 */
export const sliceMs = 10;

/**
 * {@link renderMarkdown}'s result (the same HTML, the same errors), computed in slices: after each block, once
 * {@link sliceMs} of work has passed, it gives the event loop back (`setImmediate`) and calls `onSlice` (the
 * formula worker reports its progress there).
 */
export async function renderMarkdownSliced(text: string, options: RenderOptions = {}, onSlice?: () => void): Promise<RenderResult> {
    const errors: RenderError[] = [];
    const cuts: number[] = [];
    let html = "";
    if (text === "") return {html, errors, cuts};
    let start = performance.now();
    const mm = getMathMarkdown(options);
    for (const block of splitBlocks(normalizeNewlines(text))) {
        html += renderBlock(mm, block, errors);
        if (cuts[cuts.length - 1] !== html.length) cuts.push(html.length);
        if (performance.now() - start >= sliceMs) {
            await yieldToLoop();
            onSlice?.();
            start = performance.now();
        }
    }
    return {html, errors, cuts};
}

/**
 * HTML longer than this moves in pieces of about this size, cut between blocks: from the formula worker to the host's
 * thread (a structured clone of one 12 MB string held that thread for 140-250 ms here; a piece is decoded in well
 * under a millisecond), and from the host to a view (posting costs the host's thread the message's serialisation,
 * which VS Code does twice, then its UTF-8 encoding: with 128 KB pieces that was the host's main cost in a profile of
 * a restore). A long answer is megabytes of KaTeX HTML: 220 KB of markdown with 3,600 formulas gives about 12 MB.
 */
export const pieceChars = 32 * 1024;

/**
 * What a view is sent of `result`'s HTML: the UTF-8 pieces it came in from the formula worker (`result.bytes`; the
 * page decodes them), else {@link htmlSlices}. The pieces joined are the HTML.
 */
export function htmlPieces(result: RenderResult, maxChars = pieceChars): readonly HtmlPiece[] {
    return result.bytes ?? htmlSlices(result, maxChars);
}

/**
 * `result.html` in pieces of at most `maxChars` each, cut only where `result.cuts` allows (between top-level blocks),
 * so that each piece is whole HTML; a block longer than `maxChars` is a piece of its own (its size is bounded by the
 * block's length and the formula bounds). Without cuts, the whole HTML is one piece. The pieces joined are the HTML.
 */
export function htmlSlices(result: RenderResult, maxChars = pieceChars): readonly string[] {
    const {html} = result;
    if (html.length <= maxChars || result.cuts == null) return html === "" ? [] : [html];
    const pieces: string[] = [];
    let from = 0;
    let last = 0;
    for (const cut of [...result.cuts, html.length]) {
        if (cut - from > maxChars && last > from) {
            pieces.push(html.slice(from, last));
            from = last;
        }
        last = cut;
    }
    if (html.length > from) pieces.push(html.slice(from));
    return pieces;
}

/** Texts up to this long that define no macros render on the calling thread (see renderMarkdownOffloaded). */
export const renderHereChars = 1000;

/**
 * {@link renderMarkdown}'s result, rendered by `offload` (the formula worker) when there is one. A worker that
 * cannot run (it cannot start, or it died; the offload logs why, once) leaves it to this thread, in slices
 * ({@link renderMarkdownSliced}). A worker that stops answering gives the text as its source with the reason
 * (see formulaOffload.ts): nothing falls back onto this thread unsliced.
 */
export async function renderMarkdownOffloaded(text: string, options: RenderOptions, offload: FormulaOffload | undefined): Promise<RenderResult> {
    if (text === "") return {html: "", errors: []};
    // A short text that defines no macros renders here, as the stream renders its short inline formulas: its cost is
    // bounded by its length (bounds.ts), and it is shown at once (a request's card waited for a cold worker's start).
    if (text.length <= renderHereChars && !definesMacros.test(text)) return renderMarkdown(text, options);
    if (offload?.renderMarkdown != null) {
        try {
            return await offload.renderMarkdown(text, options);
        } catch {
            // The worker cannot run (already logged by the offload): render here, sliced.
        }
    }
    return renderMarkdownSliced(text, options);
}

/**
 * A text that could not be rendered (the worker gave no answer in time, or failed on it): shown as its source, in
 * the formula errors' style, with the reason on hover and keyboard focus; the reason is its one error.
 */
export function unrenderedText(text: string, reason: string): RenderResult {
    return {
        html: `<pre class="em-math-error em-unrendered" title="${escapeAttr(reason)}" tabindex="0">${escapeHtml(showBidiControls(text))}</pre>`,
        errors: [{tex: text.length > 200 ? text.slice(0, 200) + "…" : text, message: reason}]
    };
}
