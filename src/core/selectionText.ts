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

/** A list item's marker at the start of a line ("- ", "* ", "+ ", "1. ", "1) "; a task box "[ ] " with it), after its indent. */
const LIST_ITEM = /^([ \t]*)((?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?)(?=\S)/;

/**
 * The problem in a selected text: one list item's marker is not part of it ("- What is 2+2?" asks "What is 2+2?"),
 * and its continuation lines lose the item's indent. A selection of several items is a list and stays as it is.
 */
export function problemFromSelection(text: string): string {
    const trimmed = text.trim();
    // The first line keeps its indent here: continuation lines are indented relative to it.
    const lines = text.replace(/^(?:[ \t]*\r?\n)+/, "").trimEnd().split(/\r?\n/);
    const m = LIST_ITEM.exec(lines[0]!);
    if (m == null || lines.slice(1).some((l) => LIST_ITEM.test(l))) return trimmed;
    const width = m[1]!.length + m[2]!.length;
    const rest = lines.slice(1).map((l) => (/^[ \t]*$/.test(l.slice(0, width)) ? l.slice(Math.min(width, l.length - l.trimStart().length)) : l));
    return [lines[0]!.slice(width), ...rest].join("\n").trim();
}

/**
 * The indent that continues the list item on `line` (its own indent, then spaces as wide as its marker), so that a
 * block inserted after it stays inside the item; "" when the line is no list item.
 */
export function listContinuationIndent(line: string): string {
    const m = LIST_ITEM.exec(line);
    return m == null ? "" : m[1]! + " ".repeat(m[2]!.length);
}

/** `text` with every non-blank line indented by `indent`. */
export function indentLines(text: string, indent: string): string {
    if (indent === "") return text;
    return text.split("\n").map((l) => (l.trim() === "" ? "" : indent + l)).join("\n");
}
