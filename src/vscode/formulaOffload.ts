/**
 * The extension's one formula worker (src/render/formulaOffload.ts), shared by the solution panel and the
 * chat: slow formulas of streamed answers render there, off the extension host's main thread. Started on the
 * first streamed answer; the bundle sits next to extension.js (out/formulaWorker.js). Disposed with the
 * extension (see extension.ts); it is `unref`'d, so it never keeps the host alive.
 */
import * as path from "node:path";
import type {Logger} from "../core/logger";
import {WorkerFormulaOffload} from "../render/formulaOffload";

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
