/**
 * Math in VS Code's Chat view. From VS Code 1.103 the chat typesets `$...$` and `$$...$$` with KaTeX (on by default
 * in today's versions); before that, and when `chat.math.enabled` is off, the chat shows math as Markdown, which eats
 * backslashes (`\,` becomes `,`) and turns `_` and `*` into emphasis. So a reply is written for the chat it goes to:
 * - typeset: every formula in the `$` forms the chat understands (`\(..\)`, `\[..\]` and bare environments converted);
 * - plain: every formula as a code span (display formulas as a fenced block), so it reads as its exact LaTeX source.
 */
import {splitMath} from "../latexExport";

/** The formula's LaTeX without its delimiters, and whether it is a display formula. */
function unwrap(segment: string): {tex: string; display: boolean} {
    if (segment.startsWith("$$")) return {tex: segment.slice(2, -2), display: true};
    if (segment.startsWith("\\[")) return {tex: segment.slice(2, -2), display: true};
    if (segment.startsWith("\\(")) return {tex: segment.slice(2, -2), display: false};
    if (segment.startsWith("\\begin{")) return {tex: segment, display: true};
    return {tex: segment.slice(1, -1), display: false};
}

/** A code span holding `text` exactly (a fence longer than any run of backticks inside it). */
export function codeSpan(text: string): string {
    const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
    const fence = "`".repeat(longest + 1);
    const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
    return `${fence}${pad}${text}${pad}${fence}`;
}

/** Rewrites a model's markdown-with-math for the Chat view (see the file comment). */
export function mathForChat(markdown: string, typeset: boolean): string {
    return splitMath(markdown).map((s) => {
        if (!s.math) return s.text;
        const {tex, display} = unwrap(s.text);
        const body = tex.trim();
        if (body === "") return s.text;
        if (typeset) return display ? `\n$$\n${body}\n$$\n` : `$${body}$`;
        if (!display) return codeSpan(`$${body}$`);
        const fence = "`".repeat(Math.max(3, ...[...body.matchAll(/`+/g)].map((m) => m[0].length + 1)));
        return `\n${fence}latex\n${body}\n${fence}\n`;
    }).join("");
}

/** Whether a VS Code version (`vscode.version`) typesets math in chat, given the `chat.math.enabled` setting. */
export function chatTypesetsMath(version: string, mathEnabledSetting: boolean | undefined): boolean {
    const [major, minor] = version.split(".").map((n) => Number.parseInt(n, 10));
    const atLeast103 = major > 1 || (major === 1 && minor >= 103);
    if (!atLeast103) return false;
    return mathEnabledSetting ?? true;
}
