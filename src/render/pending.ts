/**
 * The unfinished tail of a streamed answer, rendered for display while more tokens arrive.
 *
 * The tail is at most one block. A math delimiter that is opened but not yet closed (`$`, `$$`, `\(`, `\[`,
 * `\begin{..}`) would otherwise flicker between "text with a dollar" and a broken red formula as tokens
 * arrive; instead everything from the opener on is shown as plain text in `<span class="em-pending-math">`,
 * and the part before it renders normally.
 *
 * The opener is found with a linear scan that follows the parser's rules closely enough for display:
 * fences and code spans hide math; `\` escapes; `$` opens only where the VS Code plugin lets it (not after a
 * word character, a backslash or a `$`) and a later `$` that cannot close (followed by a word character)
 * leaves the first one as text. The final render of the block (at finish, or once a later block starts) is
 * the real parse and does not use this.
 */
import {escapeHtml} from "./escape";
import {type FormulaDeferral, type MathMarkdown, renderBlock} from "./markdown";
import type {RenderError} from "./katex";

const wordChar = /[\p{L}\p{N}_]/u;

function isWord(ch: string | undefined): boolean {
    return ch !== undefined && wordChar.test(ch);
}

/** Position of an unescaped `needle` at or after `from`, or -1. */
function findUnescaped(text: string, needle: string, from: number): number {
    let i = from;
    for (;;) {
        i = text.indexOf(needle, i);
        if (i < 0) return -1;
        let b = i - 1;
        while (b >= 0 && text[b] === "\\") b--;
        if ((i - 1 - b) % 2 === 0) return i;
        i += 1;
    }
}

/** End of the environment opened at `from` (after its matching `\end{..}`), or -1 when not closed. */
function envEnd(text: string, from: number): number {
    const re = /\\(begin|end)\s*\{[^{}]*\}/g;
    re.lastIndex = from;
    let depth = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
        depth += m[1] === "begin" ? 1 : -1;
        if (depth === 0) return re.lastIndex;
    }
    return -1;
}

/** Index of the first math opener in `text` with no closer after it, or -1. */
export function findUnclosedMath(text: string): number {
    const n = text.length;
    let i = 0;
    let lineStart = true;
    while (i < n) {
        if (lineStart) {
            lineStart = false;
            // A fence hides everything up to its closing line (or the end).
            const m = /^[ \t]*(`{3,}|~{3,})/.exec(text.slice(i, i + 64));
            if (m) {
                const marker = m[1]!;
                let j = text.indexOf("\n", i);
                let closed = false;
                while (j >= 0) {
                    const k = text.indexOf("\n", j + 1);
                    const line = text.slice(j + 1, k < 0 ? n : k).trim();
                    if (line.startsWith(marker[0]!.repeat(marker.length)) && /^(`+|~+)$/.test(line) && line[0] === marker[0]) {
                        i = k < 0 ? n : k + 1;
                        lineStart = true;
                        closed = true;
                        break;
                    }
                    j = k;
                }
                if (!closed) return -1;
                continue;
            }
        }
        const c = text[i]!;
        if (c === "\n") {
            lineStart = true;
            i++;
        } else if (c === "`") {
            let r = i;
            while (text[r] === "`") r++;
            const run = text.slice(i, r);
            let k = r;
            let end = -1;
            for (;;) {
                k = text.indexOf(run, k);
                if (k < 0) break;
                if (text[k - 1] !== "`" && text[k + run.length] !== "`") { end = k + run.length; break; }
                while (text[k] === "`") k++;
            }
            i = end >= 0 ? end : r;
        } else if (c === "\\") {
            const d = text[i + 1];
            if (d === "(" || d === "[") {
                const end = text.indexOf(d === "(" ? "\\)" : "\\]", i + 2);
                if (end < 0) return i;
                i = end + 2;
            } else if (text.startsWith("begin", i + 1) && /^\\begin\s*\{/.test(text.slice(i, i + 40))) {
                const end = envEnd(text, i);
                if (end < 0) return i;
                i = end;
            } else {
                i += 2;
            }
        } else if (c === "$") {
            if (text[i + 1] === "$") {
                const end = findUnescaped(text, "$$", i + 2);
                if (end < 0) return i;
                i = end + 2;
            } else if (text[i - 1] !== "$" && !isWord(text[i - 1])) {
                const end = findUnescaped(text, "$", i + 1);
                if (end < 0) return i;
                // A closer followed by a word character does not close, and a formula may not end with a
                // space: then this `$` is text.
                if ((text[end + 1] !== "$" && isWord(text[end + 1])) || /\s/.test(text[end - 1] ?? "")) i += 1;
                else i = end + 1;
            } else {
                i += 1;
            }
        } else {
            i++;
        }
    }
    return -1;
}

const placeholder = "\uE000em-pending\uE001";

/** Remembers the last rendered text before an unclosed formula, so a stream inside a long formula re-renders nothing. */
export interface PendingMemo {
    before: string;
    html: string;
}

/** A deferral that counts the formulas it took (so a caller can tell whether HTML is final). */
export interface CountingDeferral extends FormulaDeferral {
    readonly count: number;
}

/**
 * Renders the unfinished tail of a stream. Formulas that are complete render as usual (and come from the
 * formula cache on later updates); an unclosed one shows as pending text. Errors found here are not
 * reported: the tail is rendered again once it is finished.
 *
 * With a `memo`, while tokens only extend an unclosed formula (the text before it is unchanged, the common
 * case inside a long `align`), the markdown before it is not parsed again: only the pending text is escaped.
 */
export function renderPendingTail(mm: MathMarkdown, tail: string, memo?: PendingMemo, defer?: CountingDeferral): string {
    const clean = tail.includes(placeholder) ? tail.split(placeholder).join("") : tail;
    const cut = findUnclosedMath(clean);
    const scratch: RenderError[] = [];
    if (cut < 0) return renderBlock(mm, tail, scratch, defer);
    const before = clean.slice(0, cut);
    const span = `<span class="em-pending-math">${escapeHtml(clean.slice(cut))}</span>`;
    let html: string;
    if (memo != null && memo.before === before) {
        html = memo.html;
    } else {
        const deferred = defer?.count ?? 0;
        html = renderBlock(mm, before + placeholder, scratch, defer);
        // HTML with deferred formulas in it is not final: not kept, so the next update renders them.
        if (memo != null && (defer?.count ?? 0) === deferred) {
            memo.before = before;
            memo.html = html;
        }
    }
    const at = html.lastIndexOf(placeholder);
    return at < 0 ? html + span : html.slice(0, at) + span + html.slice(at + placeholder.length);
}
