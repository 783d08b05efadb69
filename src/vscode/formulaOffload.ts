/**
 * The extension's one formula worker (src/render/formulaOffload.ts), shared by the solution panel, the chat and the
 * Tutor: slow formulas of streamed answers render there, and every whole text rendered outside a stream
 * ({@link renderText}), off the extension host's main thread. Started on the first use; the bundle sits next to extension.js (out/formulaWorker.js). Disposed with the
 * extension (see extension.ts); it is `unref`'d, so it never keeps the host alive.
 */
import * as path from "node:path";
import type {Logger} from "../core/logger";
import {WorkerFormulaOffload} from "../render/formulaOffload";
import {renderMarkdownOffloaded, type RenderOptions, type RenderResult} from "../render";

let shared: WorkerFormulaOffload | undefined;
let sharedLog: Logger | undefined;

/** Where the worker's failure is reported (the extension's log; set at activation, before the first answer). */
export function setFormulaOffloadLog(log: Logger): void {
    sharedLog = log;
}

export function sharedFormulaOffload(): WorkerFormulaOffload {
    return (shared ??= new WorkerFormulaOffload(path.join(__dirname, "formulaWorker.js"), {log: sharedLog}));
}

export function disposeFormulaOffload(): void {
    shared?.dispose();
    shared = undefined;
}

/**
 * Renders a whole text for a view (a problem, a final answer, a restored answer, a Tutor hint or step): in the formula
 * worker, so the extension host's event loop does none of the work (src/render/document.ts, renderMarkdownOffloaded;
 * on this thread in slices only when the worker cannot run). Never rejects.
 */
export function renderText(text: string, options: RenderOptions = {}): Promise<RenderResult> {
    return renderMarkdownOffloaded(text, options, sharedFormulaOffload());
}

export async function renderHtml(text: string, options: RenderOptions = {}): Promise<string> {
    return (await renderText(text, options)).html;
}
