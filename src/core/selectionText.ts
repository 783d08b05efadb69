/**
 * Text helpers for problems taken from a selection and solutions put back into a document. Pure functions.
 */
import {markdownToLatex, splitMath} from "./latexExport";

/** What kind of document a solution is inserted into. */
export type DocumentKind = "markdown" | "latex" | "plaintext";

/** The kind of a document from its language id and file name (notebook Markdown cells have the "markdown" id). */
export function documentKind(languageId: string, fileName: string): DocumentKind {
    if (languageId === "markdown" || /\.(md|markdown)$/i.test(fileName)) return "markdown";
    if (["latex", "tex", "context", "bibtex"].includes(languageId) || /\.(tex|ltx|sty)$/i.test(fileName)) return "latex";
    return "plaintext";
}

/**
 * The solution (no thinking) as text for the document: LaTeX for .tex (markdownToLatex: math kept, text escaped),
 * Markdown with `$...$` / `$$...$$` math for .md (`\(...\)` and `\[...\]` rewritten, which Markdown previews need),
 * the model's text as it is for anything else.
 */
export function formatSolutionFor(kind: DocumentKind, solution: string): string {
    const text = solution.trim();
    switch (kind) {
        case "latex":
            return markdownToLatex(text).trim();
        case "markdown":
            return splitMath(text).map((s) => {
                if (!s.math) return s.text;
                if (s.text.startsWith("\\[") && s.text.endsWith("\\]")) return `$$${s.text.slice(2, -2)}$$`;
                if (s.text.startsWith("\\(") && s.text.endsWith("\\)")) return `$${s.text.slice(2, -2).trim()}$`;
                return s.text;
            }).join("");
        case "plaintext":
            return text;
        default: {
            const unknown: never = kind;
            throw new Error(`unknown document kind ${String(unknown)}`);
        }
    }
}

/**
 * The longest beginning of `text` whose prompt fits in `limit` tokens, cut at a word boundary where there is one.
 * `count` gives the prompt's token count for a problem text. Returns "" when not even a word fits.
 */
export function shortenToFit(text: string, count: (problem: string) => number, limit: number): string {
    const chars = [...text];
    if (count(text) <= limit) return text;
    let lo = 0;
    let hi = chars.length;
    while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (count(chars.slice(0, mid).join("")) <= limit) lo = mid;
        else hi = mid - 1;
    }
    let prefix = chars.slice(0, lo).join("");
    const space = prefix.search(/\s\S*$/);
    if (space > prefix.length / 2) prefix = prefix.slice(0, space);
    return prefix.trimEnd();
}
