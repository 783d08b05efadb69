/**
 * The final answer of a solution: the last `\boxed{...}` (or `\fbox{...}`), as the E1 / Hendrycks-MATH graders
 * find it (brace matching, so nested braces such as `\boxed{\frac{1}{2}}` work). Also the `\boxed 5` form.
 */

const COMMANDS = ["\\boxed", "\\fbox"] as const;

/**
 * Returns the content of the last complete `\boxed{...}` / `\fbox{...}` / `\boxed 5` in `text`, trimmed, or null.
 * An unclosed last box (a solution cut by its budget) is skipped in favour of an earlier complete one.
 * Escaped braces (`\{`, `\}`) do not count for matching.
 */
export function extractBoxedAnswer(text: string): string | null {
    let end = text.length;
    while (end > 0) {
        // The last command start before `end`.
        let at = -1;
        let command = "";
        for (const c of COMMANDS) {
            const i = text.lastIndexOf(c, end - 1);
            if (i > at) { at = i; command = c; }
        }
        if (at < 0) return null;
        const content = readArgument(text, at + command.length);
        if (content != null) return content;
        end = at;
    }
    return null;
}

/** The argument after a command name at `pos`: `{...}` by brace matching, or ` x` up to `$` / line end. */
function readArgument(text: string, pos: number): string | null {
    const next = text[pos];
    if (next !== undefined && /[A-Za-z]/.test(next)) return null; // \boxedfoo is another command
    let i = pos;
    while (i < text.length && (text[i] === " " || text[i] === "\t")) i++;
    if (text[i] === "{") {
        let depth = 0;
        for (let j = i; j < text.length; j++) {
            const ch = text[j];
            if (ch === "\\") { j++; continue; }
            if (ch === "{") depth++;
            else if (ch === "}") {
                depth--;
                if (depth === 0) return text.slice(i + 1, j).trim();
            }
        }
        return null;
    }
    if (i > pos) {
        // `\boxed 5$`: the grader takes everything up to the next `$` (here also a line end).
        const rest = text.slice(i);
        const stop = rest.search(/[$\n]/);
        const value = (stop < 0 ? rest : rest.slice(0, stop)).trim();
        return value === "" ? null : value;
    }
    return null;
}

/**
 * Minerva-style answers (Llemma and other base models prompted with worked examples): the X of the last
 * "The final answer is X. I hope it is correct." (or of a bare "The final answer is X" at the end), with one
 * surrounding pair of `$` removed. Null when there is none.
 */
export function extractFinalAnswer(text: string): string | null {
    const re = /final answer is\s*([\s\S]*?)(?:\.\s*I hope it is correct|\.?\s*$|\.\s*\n)/gi;
    let last: string | null = null;
    for (let m = re.exec(text); m != null; m = re.exec(text)) {
        if (m[0].length === 0) { re.lastIndex++; continue; }
        last = m[1]!.trim();
    }
    if (last == null || last === "") return null;
    const dollars = /^\$+([\s\S]*?)\$+$/.exec(last);
    return (dollars != null ? dollars[1]! : last).trim() || null;
}

/** The answer of a solution: the last complete `\boxed{}`, else a Minerva "The final answer is X". */
export function extractAnswer(text: string): string | null {
    return extractBoxedAnswer(text) ?? extractFinalAnswer(text);
}
