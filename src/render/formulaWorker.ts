/**
 * Worker-thread entry (bundled to out/formulaWorker.js): renders formulas with the very function the main
 * thread uses ({@link renderFormula}), and whole texts with the very one-shot path ({@link renderMarkdownSliced}:
 * blocks through `renderBlock`), so the HTML is the same whichever thread rendered it. See formulaOffload.ts.
 *
 * Messages in: {@link FormulaJobMessage} (one formula) and {@link MarkdownJobMessage} (a whole text); out:
 * {@link FormulaDoneMessage}, {@link MarkdownDoneMessage}, and {@link ProgressMessage} while a text renders. A text
 * renders in slices with the worker's event loop given back between them, so formulas of a streamed answer asked
 * meanwhile are answered between two slices, not after the whole text.
 */
import {parentPort} from "node:worker_threads";
import {builtinMacros, type FormulaResult, onEachFormula, renderFormula} from "./katex";
import {htmlSlices, renderMarkdownSliced, unrenderedText} from "./document";
import type {RenderOptions, RenderResult} from "./markdown";

export interface FormulaJobMessage {
    readonly id: number;
    readonly kind?: "formula";
    readonly tex: string;
    readonly display: boolean;
    readonly source: string;
    readonly macros: Readonly<Record<string, string>>;
}

export interface MarkdownJobMessage {
    readonly id: number;
    readonly kind: "markdown";
    readonly text: string;
    readonly options: RenderOptions;
}

export interface FormulaDoneMessage {
    readonly id: number;
    readonly result: FormulaResult;
    /**
     * Wall ms the worker spent on the job. (Node 20 has no per-thread CPU clock; /proc/thread-self/schedstat is
     * only updated at scheduler ticks in some VMs, ~4 ms steps here, so it cannot time one formula.)
     */
    readonly ms: number;
}

export interface MarkdownDoneMessage {
    readonly id: number;
    /**
     * The HTML, in pieces cut between blocks (`htmlSlices`), each UTF-8 in an ArrayBuffer that is transferred, not
     * copied: a structured clone of one long string is deserialised on the receiving thread in one go (a 12 MB one
     * held the host's thread for 140-250 ms). The receiver keeps them as bytes, and a view is sent them so.
     */
    readonly pieces: ArrayBuffer[];
    readonly errors: RenderResult["errors"];
    /** Wall ms from the job's start to its end (formulas of other jobs answered in between included). */
    readonly ms: number;
}

/**
 * The worker is still working: a slice of a text is done, or (at most every {@link progressEveryMs}) it is rendering
 * the formulas of one long block. The host's "no answer" timers count from the last one.
 */
export interface ProgressMessage {
    readonly progress: number;
}

/** Formulas with the constructs answers use (as markdown.ts's warm-up text): KaTeX's code compiled before real work. */
const warmUpFormulas: ReadonlyArray<readonly [string, boolean]> = [
    [String.raw`f(x) = \tfrac{1}{2}x^2 + \dfrac{3}{4},\ \R, \mathbb{Z}, \boxed{\frac{\pi}{4}}`, false],
    [String.raw`\sum_{k=1}^{n} k^2 = \int_0^1 x\,dx \le \sqrt[3]{\left(\frac{a}{b}\right)^2}`, true],
    [String.raw`\det\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix} = -2, \quad \begin{bmatrix} a \\ b \end{bmatrix}`, true],
    [String.raw`\begin{align*} f(x) &= \begin{cases} x & x \ge 0 \\ -x & \text{otherwise} \end{cases} \\ &= \operatorname{sgn}(x)\, x \dotsm \end{align*}`, true]
];

/** How often, at most, the worker says it is still working inside one slice of a text. */
const progressEveryMs = 50;

const port = parentPort;
if (port != null) {
    // Compile KaTeX's code paths before the first real formula (as the main thread's warmUp does).
    for (let i = 0; i < 2; i++) for (const [tex, display] of warmUpFormulas) renderFormula(tex, display, tex, builtinMacros);
    // Texts being rendered: while one long block of many formulas renders (one slice, 100 KB of a paragraph with
    // no blank line can take seconds on a loaded machine), progress is reported between its formulas.
    const texts = new Set<number>();
    let lastProgress = performance.now();
    onEachFormula(() => {
        const now = performance.now();
        if (texts.size === 0 || now - lastProgress < progressEveryMs) return;
        lastProgress = now;
        for (const id of texts) port.postMessage({progress: id} satisfies ProgressMessage);
    });
    port.on("message", (job: FormulaJobMessage | MarkdownJobMessage) => {
        const t0 = performance.now();
        if (job.kind === "markdown") {
            texts.add(job.id);
            void renderMarkdownSliced(job.text, job.options, () => port.postMessage({progress: job.id} satisfies ProgressMessage))
                .catch((err: unknown) => unrenderedText(job.text, `The text could not be rendered: ${err instanceof Error ? err.message : String(err)}`))
                .then((markdown) => {
                    texts.delete(job.id);
                    const encoder = new TextEncoder();
                    const pieces = htmlSlices(markdown).map((piece) => encoder.encode(piece).buffer as ArrayBuffer);
                    const done: MarkdownDoneMessage = {id: job.id, pieces, errors: markdown.errors, ms: performance.now() - t0};
                    port.postMessage(done, pieces);
                });
            return;
        }
        const result = renderFormula(job.tex, job.display, job.source, job.macros);
        const done: FormulaDoneMessage = {id: job.id, result, ms: performance.now() - t0};
        port.postMessage(done);
    });
    port.postMessage({ready: true});
}
