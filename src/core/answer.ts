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
