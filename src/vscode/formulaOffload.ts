/**
 * The extension's one formula worker (src/render/formulaOffload.ts), shared by the solution panel, the chat and the
 * Tutor: slow formulas of streamed answers render there, and every whole text rendered outside a stream
 * ({@link ViewRenderer.renderText}), off the extension host's main thread. The composition root (src/main.ts) makes
 * one {@link ViewRenderer} with the extension's log and hands it to the controllers through their constructors; the
 * worker thread starts on the first job (the bundle sits next to extension.js: out/formulaWorker.js), is `unref`'d,
 * so it never keeps the host alive, and ends with the extension (deactivate).
 */
import * as path from "node:path";
import type {Logger} from "../core/logger";
import {type OffloadStats, WorkerFormulaOffload} from "../render/formulaOffload";
import {renderMarkdownOffloaded, type RenderOptions, type RenderResult} from "../render";

export class ViewRenderer {
    /** The worker itself: the streaming renderer hands it slow formulas (phaseStreams.ts). */
    public readonly offload: WorkerFormulaOffload;

    /** `log` hears why the worker failed (formulas then render on this thread, under the same caps), once. */
    public constructor(log: Logger, workerFile = path.join(__dirname, "formulaWorker.js")) {
        this.offload = new WorkerFormulaOffload(workerFile, {log});
    }

    /** What the worker has rendered so far (the extension's API shows it). */
    public get stats(): OffloadStats {
        return this.offload.stats;
    }

    /**
     * Renders a whole text for a view (a problem, a final answer, a restored answer, a Tutor hint or step): in the
     * formula worker, so the extension host's event loop does none of the work (src/render/document.ts,
     * renderMarkdownOffloaded; on this thread in slices only when the worker cannot run). Never rejects.
     */
    public renderText(text: string, options: RenderOptions = {}): Promise<RenderResult> {
        return renderMarkdownOffloaded(text, options, this.offload);
    }

    public async renderHtml(text: string, options: RenderOptions = {}): Promise<string> {
        return (await this.renderText(text, options)).html;
    }

    public dispose(): void {
        this.offload.dispose();
    }
}
