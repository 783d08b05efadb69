/**
 * Markdown + LaTeX -> HTML for the tutor's answers. Pure functions: no `vscode`, no DOM; the host posts the
 * HTML to a webview that only inserts it. See markdown.ts for the parser and its safety rules, blocks.ts for
 * how an answer is cut into blocks, stream.ts for the incremental renderer.
 */
import {normalizeNewlines, splitBlocks} from "./blocks";
import type {RenderError} from "./katex";
import {getMathMarkdown, renderBlock, type RenderOptions, type RenderResult} from "./markdown";

export type {RenderError} from "./katex";
export {builtinMacros, maxFormulaLength} from "./katex";
export type {RenderOptions, RenderResult} from "./markdown";
export {StreamingRenderer, type RenderUpdate, type StreamingOptions} from "./stream";
export {WorkerFormulaOffload, type FormulaOffload, type OffloadStats} from "./formulaOffload";
export {showBidiControls} from "./escape";
export {maxMacroLength, maxUserMacros, normalizeMacros, type NormalizedMacros} from "./macros";

/** Renders a whole answer (markdown with LaTeX) to HTML; formulas KaTeX cannot render are listed in `errors`. */
export function renderMarkdown(text: string, options: RenderOptions = {}): RenderResult {
    const mm = getMathMarkdown(options);
    const errors: RenderError[] = [];
    let html = "";
    for (const block of splitBlocks(normalizeNewlines(text))) html += renderBlock(mm, block, errors);
    return {html, errors};
}
