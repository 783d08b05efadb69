/**
 * One formula -> HTML, with KaTeX, under the safety settings every formula from a model gets.
 *
 * - `trust: false`: `\href`, `\url`, `\includegraphics`, `\htmlClass`, `\htmlData`, ... render as inert red text.
 * - `maxExpand` and `maxSize` bound macro bombs (`\def\a{\a\a}\a`) and huge rules (`\rule{1e5em}{1e5em}`);
 *   bounds.ts adds what they miss: an expansion budget linear in the formula's length (macro amplification),
 *   a deadline, and a refusal of negative sizes below -20em.
 * - Every formula is rendered on its own with `throwOnError: true`; a failure (a KaTeX `ParseError`, or a
 *   `RangeError` from a stack overflow on absurd nesting) becomes a marked span with the formula's source,
 *   so the rest of the answer still renders.
 * - Results are memoised per renderer (a bounded map), because the streaming renderer re-renders the
 *   unfinished tail on every token and the tail's finished formulas do not change.
 */
import katex from "katex";
import {escapeAttr, escapeHtml} from "./escape";
import {FormulaLimitError, macrosRiskSizes, maxSizeEm, sizeProblem, withBudget} from "./bounds";

/** A formula KaTeX could not render. */
export interface RenderError {
    /** The formula's source, without its delimiters. */
    readonly tex: string;
    /** KaTeX's message (or the reason it was not tried, e.g. too long). */
    readonly message: string;
}

/** The result of rendering one formula. */
export interface FormulaResult {
    readonly html: string;
    readonly error?: RenderError;
}

/** Macros every renderer knows; user macros are added on top (and may override these). */
export const builtinMacros: Readonly<Record<string, string>> = {
    "\\R": "\\mathbb{R}",
    "\\N": "\\mathbb{N}",
    "\\Z": "\\mathbb{Z}",
    "\\Q": "\\mathbb{Q}",
    "\\C": "\\mathbb{C}",
    // LaTeX commands KaTeX lacks that model output (and MATH solutions) use.
    "\\mbox": "\\text{#1}"
};

/** Formulas longer than this are not given to KaTeX at all (shown as source, counted as an error). */
export const maxFormulaLength = 20_000;
const cacheLimit = 2_000;

/** Environments KaTeX only accepts in display mode; a formula holding one is rendered in display mode. */
const displayOnlyEnv = /\\begin\s*\{(?:align|alignat|gather|equation|CD)\*?\}/;
const boxed = /\\boxed(?![a-zA-Z])/;

/**
 * `s` as one flat string. V8 keeps a string built by concatenation as a tree of its pieces until something needs it
 * flat, and KaTeX builds its HTML that way: hundreds of pieces per formula. A cache of 2,000 formulas kept about 580,000
 * string objects in the extension host (25 MB; a heap snapshot of test/integration/render-restore.test.ts), and the
 * collector marks every one in a full collection. Converting a string to a number flattens it in place (V8's
 * `String::Flatten`): 2,000 such formulas kept 58 MB and took a full collection 54-56 ms, flat 18 MB and 4-8 ms
 * (Node 20 and 24; docs/hostile-input.md).
 */
export function flatString(s: string): string {
    Number(s);
    return s;
}

export class FormulaRenderer {
    private readonly macros: Readonly<Record<string, string>>;
    private readonly cache = new Map<string, FormulaResult>();
    private readonly cacheLimit: number;

    /** `cache: false` renders every formula afresh (the bench's naive baseline: what a renderer without memo does). */
    public constructor(userMacros?: Readonly<Record<string, string>>, cache = true) {
        this.macros = {...builtinMacros, ...userMacros};
        this.cacheLimit = cache ? cacheLimit : 0;
    }

    /**
     * Renders `tex`; `source` is what the user sees when it fails (the formula with its delimiters).
     * `display` asks for display mode; a display-only environment forces it.
     */
    public render(tex: string, display: boolean, source: string): FormulaResult {
        if (this.cacheLimit === 0) return renderFormula(tex, display, source, this.macros);
        const hit = this.lookup(tex, display, source);
        if (hit !== undefined) return hit;
        const result = renderFormula(tex, display, source, this.macros);
        this.store(tex, display, source, result);
        return result;
    }

    /** The memoised result for a formula, if any (no rendering). */
    public lookup(tex: string, display: boolean, source: string): FormulaResult | undefined {
        return this.cache.get(cacheKey(tex, display, source));
    }

    /** Memoises a result rendered elsewhere (by {@link renderFormula} in a worker: the same function, the same output). */
    public store(tex: string, display: boolean, source: string, result: FormulaResult): void {
        if (this.cacheLimit === 0) return;
        // Bounded: when full, forget the older half (insertion order); a streamed answer only re-reads the
        // formulas of its unfinished tail, which are the newest.
        if (this.cache.size >= this.cacheLimit) {
            let drop = this.cacheLimit >> 1;
            for (const k of this.cache.keys()) {
                if (drop-- <= 0) break;
                this.cache.delete(k);
            }
        }
        this.cache.set(cacheKey(tex, display, source), {...result, html: flatString(result.html)});
    }

    /** The macros every formula of this renderer gets (built-ins plus the user's): what a worker needs too. */
    public get allMacros(): Readonly<Record<string, string>> {
        return this.macros;
    }
}

/** The formula cache's key (also how the streaming renderer tells formulas it asked the offload for apart). */
export function cacheKey(tex: string, display: boolean, source: string): string {
    return (display ? "D" : "I") + source.length + ":" + source + "\u0000" + tex;
}

/** Called before each formula is rendered, where set (see {@link onEachFormula}). */
let beforeFormula: (() => void) | undefined;

/**
 * Has `f` called before each formula this thread renders. The formula worker uses it to tell the host it is still
 * working through a long block of many formulas, which is one slice of a text (formulaWorker.ts).
 */
export function onEachFormula(f: (() => void) | undefined): void {
    beforeFormula = f;
}

/**
 * Renders one formula with KaTeX under the safety settings (no cache). Pure: the same input gives the same
 * output on any thread, which is what lets a worker render formulas for the streaming renderer.
 */
export function renderFormula(tex: string, display: boolean, source: string, macros: Readonly<Record<string, string>>): FormulaResult {
    beforeFormula?.();
    // KaTeX lacks eqnarray; it is a right-centre-left array in display style.
    let input = tex.includes("eqnarray")
        ? tex.replace(/\\(begin|end)\s*\{eqnarray\*?\}/g, (_m, be: string) => (be === "begin" ? "\\begin{array}{rcl}" : "\\end{array}"))
        : tex;
    // KaTeX rejects `@{..}` in array column specs (used for long arithmetic layouts); drop them.
    if (input.includes("@{")) {
        input = input.replace(/(\\begin\s*\{array\}\s*\{)((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*)\}/g,
            (_m, head: string, spec: string) => head + spec.replace(/@\{(?:[^{}]|\{[^{}]*\})*\}/g, "") + "}");
    }
    const displayMode = display || displayOnlyEnv.test(tex);
    let message: string;
    if (tex.length > maxFormulaLength) {
        message = `Formula too long (${tex.length} characters; the limit is ${maxFormulaLength})`;
    } else {
        try {
            const options = {
                displayMode,
                output: "htmlAndMathml" as const,
                throwOnError: true,
                trust: false,
                strict: "ignore" as const,
                maxExpand: 1000,
                maxSize: maxSizeEm
            };
            // The budget is linear in the formula's length; one use of the longest macro always fits.
            const html = withBudget(tex.length + longestMacro(macros), () => {
                // KaTeX writes \gdef definitions into the macros object: a fresh copy per parse keeps one
                // formula (or one answer) from redefining commands for the next.
                const problem = sizeProblem(input, macrosRiskSizes(macros), {...options, macros: {...macros}});
                if (problem != null) throw new FormulaLimitError(problem);
                return katex.renderToString(input, {...options, macros: {...macros}});
            });
            return {html: boxed.test(tex) ? `<span class="em-boxed">${html}</span>` : html};
        } catch (err) {
            message = err instanceof Error ? err.message : String(err);
            if (err instanceof RangeError) message = `Formula too deeply nested (${message})`;
        }
    }
    return unrenderedFormula(tex, display, source, message);
}

const longest = new WeakMap<object, number>();

function longestMacro(macros: Readonly<Record<string, string>>): number {
    let n = longest.get(macros);
    if (n == null) {
        n = 0;
        for (const v of Object.values(macros)) if (typeof v === "string") n = Math.max(n, v.length);
        longest.set(macros, n);
    }
    return n;
}

/** A formula shown as its source, marked as an error with `message` as the reason (on hover and focus). */
export function unrenderedFormula(tex: string, display: boolean, source: string, message: string): FormulaResult {
    const displayMode = display || displayOnlyEnv.test(tex);
    const cls = displayMode ? "em-math-error em-math-error-display" : "em-math-error";
    return {
        // tabindex: keyboard users reach the error too (the panel shows the title on focus).
        html: `<span class="${cls}" title="${escapeAttr(message)}" tabindex="0">${escapeHtml(source)}</span>`,
        error: {tex, message}
    };
}
