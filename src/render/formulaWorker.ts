/**
 * Worker-thread entry (bundled to out/formulaWorker.js): renders formulas with the very function the main
 * thread uses ({@link renderFormula}), so a formula's HTML is the same whichever thread rendered it.
 * Messages: {@link FormulaJobMessage} in, {@link FormulaDoneMessage} out. See formulaOffload.ts.
 */
import {parentPort} from "node:worker_threads";
import {builtinMacros, type FormulaResult, renderFormula} from "./katex";

export interface FormulaJobMessage {
    readonly id: number;
    readonly tex: string;
    readonly display: boolean;
    readonly source: string;
    readonly macros: Readonly<Record<string, string>>;
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

/** Formulas with the constructs answers use (as markdown.ts's warm-up text): KaTeX's code compiled before real work. */
const warmUpFormulas: ReadonlyArray<readonly [string, boolean]> = [
    [String.raw`f(x) = \tfrac{1}{2}x^2 + \dfrac{3}{4},\ \R, \mathbb{Z}, \boxed{\frac{\pi}{4}}`, false],
    [String.raw`\sum_{k=1}^{n} k^2 = \int_0^1 x\,dx \le \sqrt[3]{\left(\frac{a}{b}\right)^2}`, true],
    [String.raw`\det\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix} = -2, \quad \begin{bmatrix} a \\ b \end{bmatrix}`, true],
    [String.raw`\begin{align*} f(x) &= \begin{cases} x & x \ge 0 \\ -x & \text{otherwise} \end{cases} \\ &= \operatorname{sgn}(x)\, x \dotsm \end{align*}`, true]
];

const port = parentPort;
if (port != null) {
    // Compile KaTeX's code paths before the first real formula (as the main thread's warmUp does).
    for (let i = 0; i < 2; i++) for (const [tex, display] of warmUpFormulas) renderFormula(tex, display, tex, builtinMacros);
    port.on("message", (job: FormulaJobMessage) => {
        const t0 = performance.now();
        const result = renderFormula(job.tex, job.display, job.source, job.macros);
        const done: FormulaDoneMessage = {id: job.id, result, ms: performance.now() - t0};
        port.postMessage(done);
    });
    port.postMessage({ready: true});
}
