/**
 * Cuts markdown into top-level blocks that render on their own.
 *
 * Both the one-shot renderer and the streaming renderer render an answer as the concatenation of its blocks,
 * cut by this scanner. Because the scanner decides a cut at a line from the lines before it and the first
 * character of that line only, a prefix of the text is cut exactly as the whole text is, which is what makes
 * streaming output equal to one-shot output by construction.
 *
 * A new block starts at a line that
 *  - follows a blank line,
 *  - starts with a non-blank character (indented lines after a blank line continue a list item or an
 *    indented code block, so they stay with the block before), and
 *  - is outside any open construct that may hold blank lines: a ``` / ~~~ fence, a `$$` or `\[` display
 *    opened at the start of a line, a `\begin{...}` environment opened at the start of a line, or an
 *    `[asy]...[/asy]` figure.
 * Leading blank lines belong to the block after them.
 *
 * What the cut changes compared with rendering the whole text at once: a list whose items are separated by
 * blank lines renders as consecutive one-item lists (markdown-it keeps the numbering with `start=`), and a
 * reference-style link definition only applies inside its own block.
 */

type ScanState =
    | {readonly kind: "none"}
    | {readonly kind: "fence"; readonly ch: string; readonly len: number}
    | {readonly kind: "dollars"}
    | {readonly kind: "bracket"}
    | {readonly kind: "env"; readonly depth: number}
    | {readonly kind: "asy"};

const none: ScanState = {kind: "none"};
const fenceOpen = /^(`{3,}|~{3,})/;
const envToken = /\\(begin|end)\s*\{[^{}]*\}/g;

function envDepthDelta(line: string): number {
    let d = 0;
    for (const m of line.matchAll(envToken)) d += m[1] === "begin" ? 1 : -1;
    return d;
}

function isBlankLine(line: string): boolean {
    return /^[ \t]*$/.test(line);
}

/** Line scanner; feed it whole lines (without their "\n") in order. */
export class BlockScanner {
    private state: ScanState = none;
    private prevBlank = false;
    private hasContent = false;

    /** Whether a line starting with `firstChar` starts a new block (ask before feeding that line). */
    public startsBlock(firstChar: string): boolean {
        return this.hasContent && this.prevBlank && this.state.kind === "none" && firstChar !== " " && firstChar !== "\t" &&
            firstChar !== "\n";
    }

    /** Call when a new block was started at the line about to be fed. */
    public newBlock(): void {
        this.hasContent = false;
        this.prevBlank = false;
    }

    public feedLine(line: string): void {
        if (isBlankLine(line)) {
            this.prevBlank = true;
            return;
        }
        this.prevBlank = false;
        this.hasContent = true;
        const t = line.replace(/^[ \t]+/, "");
        const s = this.state;
        switch (s.kind) {
            case "none":
                this.state = openedBy(t);
                return;
            case "fence": {
                const m = fenceOpen.exec(t);
                if (m && m[1]![0] === s.ch && m[1]!.length >= s.len && isBlankLine(t.slice(m[1]!.length))) this.state = none;
                return;
            }
            case "dollars":
                if (t.includes("$$")) this.state = none;
                return;
            case "bracket":
                if (t.includes("\\]")) this.state = none;
                return;
            case "env": {
                const depth = s.depth + envDepthDelta(t);
                this.state = depth > 0 ? {kind: "env", depth} : none;
                return;
            }
            case "asy":
                if (t.lastIndexOf("[/asy]") > t.lastIndexOf("[asy]")) this.state = none;
                return;
        }
    }
}

/** The construct a non-blank line (leading blanks removed) leaves open, if any. */
function openedBy(t: string): ScanState {
    const f = fenceOpen.exec(t);
    if (f && !(f[1]![0] === "`" && t.slice(f[1]!.length).includes("`"))) return {kind: "fence", ch: f[1]![0]!, len: f[1]!.length};
    if (t.startsWith("$$")) {
        if (!t.includes("$$", 2)) return {kind: "dollars"};
    } else if (t.startsWith("\\[")) {
        if (!t.includes("\\]", 2)) return {kind: "bracket"};
    } else if (/^\\begin\s*\{/.test(t)) {
        const depth = envDepthDelta(t);
        if (depth > 0) return {kind: "env", depth};
    }
    if (t.lastIndexOf("[asy]") > t.lastIndexOf("[/asy]")) return {kind: "asy"};
    return none;
}

/** Normalises line ends as markdown-it does (CRLF and CR -> LF). */
export function normalizeNewlines(text: string): string {
    return text.includes("\r") ? text.replace(/\r\n?/g, "\n") : text;
}

/** Cuts (newline-normalised) text into blocks; their concatenation is the text. */
export function splitBlocks(text: string): string[] {
    const blocks: string[] = [];
    const scanner = new BlockScanner();
    let blockStart = 0;
    let pos = 0;
    while (pos < text.length) {
        if (scanner.startsBlock(text[pos]!)) {
            blocks.push(text.slice(blockStart, pos));
            blockStart = pos;
            scanner.newBlock();
        }
        const nl = text.indexOf("\n", pos);
        const end = nl < 0 ? text.length : nl;
        scanner.feedLine(text.slice(pos, end));
        pos = end + 1;
    }
    blocks.push(text.slice(blockStart));
    return blocks;
}
