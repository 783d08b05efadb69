/**
 * The extension's one formula worker (src/render/formulaOffload.ts), shared by the solution panel and the
 * chat: slow formulas of streamed answers render there, off the extension host's main thread. Started on the
 * first streamed answer; the bundle sits next to extension.js (out/formulaWorker.js). Disposed with the
 * extension (see extension.ts); it is `unref`'d, so it never keeps the host alive.
 */
import * as path from "node:path";
import {WorkerFormulaOffload} from "../render/formulaOffload";

let shared: WorkerFormulaOffload | undefined;

export function sharedFormulaOffload(): WorkerFormulaOffload {
    return (shared ??= new WorkerFormulaOffload(path.join(__dirname, "formulaWorker.js")));
}

export function disposeFormulaOffload(): void {
    shared?.dispose();
    shared = undefined;
}
