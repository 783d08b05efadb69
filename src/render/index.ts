/**
 * Markdown + LaTeX -> HTML for the tutor's answers. Pure functions: no `vscode`, no DOM; the host posts the
 * HTML to a webview that only inserts it. See markdown.ts for the parser and its safety rules, blocks.ts for
 * how an answer is cut into blocks, document.ts for rendering a whole text (at once, in slices, or in the formula
 * worker), stream.ts for the incremental renderer.
 */
export type {RenderError} from "./katex";
export {builtinMacros, maxFormulaLength} from "./katex";
export type {RenderOptions, RenderResult} from "./markdown";
export {htmlPieces, htmlSlices, pieceChars, renderMarkdown, renderMarkdownOffloaded, renderMarkdownSliced, sliceMs} from "./document";
export {StreamingRenderer, type RenderUpdate, type StreamingOptions} from "./stream";
export {WorkerFormulaOffload, type FormulaOffload, type OffloadStats} from "./formulaOffload";
export {showBidiControls} from "./escape";
export {maxMacroLength, maxUserMacros, normalizeMacros, type NormalizedMacros} from "./macros";
