/**
 * Incremental rendering of a streamed answer.
 *
 * The text is cut into top-level blocks by the same scanner the one-shot renderer uses (blocks.ts). A block
 * is finished once the next one has started (its first non-blank character after a blank line, outside any
 * open fence, `$$`, `\[`, environment or `[asy]`); it is then rendered once, handed out in `committed`, and
 * never parsed again. Only the unfinished tail (at most one block) is rendered on every update, so the work
 * for a whole answer grows linearly with its length.
 *
 * Invariant (tested): for any split of a text into deltas, the `committed` HTML of all updates joined, plus
 * the `pending` HTML returned by {@link StreamingRenderer.finish}, equals `renderMarkdown(text).html`; and
 * the `errors` of all updates concatenated equal `renderMarkdown(text).errors`.
 */
import {BlockScanner} from "./blocks";
import type {RenderError} from "./katex";
import {getMathMarkdown, type MathMarkdown, renderBlock, type RenderOptions} from "./markdown";
import {escapeHtml} from "./escape";
import {type PendingMemo, renderPendingTail} from "./pending";

/**
 * A tail longer than this (one block that goes on and on: a 1 MB line, a never-ending paragraph) is not
 * re-rendered on every update but only each time it has grown by a quarter since its last render; in between
 * the new text is shown escaped after the last rendering, in the pending style. The renders then cost a
 * geometric series, so the total work stays linear in the tail's length. Ordinary blocks are shorter and are
 * rendered on every update.
 */
export const bigTailChars = 8_000;
const bigTailGrowth = 1.25;

/** What one {@link StreamingRenderer.append} or {@link StreamingRenderer.finish} gives. */
export interface RenderUpdate {
    /** HTML of blocks finished by this update, in order: append each once, they never change. */
    readonly committed: string[];
    /**
     * HTML of the unfinished tail, replacing the previous update's. While streaming, an unclosed formula in
     * it shows as `<span class="em-pending-math">` text; after `finish()` it is the final HTML of the last block.
     */
    readonly pending: string;
    /** Formulas KaTeX could not render in the blocks committed by this update (and, at finish, the last block). */
    readonly errors: RenderError[];
}

export class StreamingRenderer {
    private readonly mm: MathMarkdown;
    private readonly scanner = new BlockScanner();
    /** Text not yet committed, newline-normalised. */
    private buffer = "";
    /** Start, in `buffer`, of the first line not yet fed to the scanner. */
    private scanPos = 0;
    /** Where to look for the next "\n" (everything between scanPos and here has none). */
    private searchFrom = 0;
    /** A "\r" at the end of the last delta, held until we know whether "\n" follows. */
    private heldCR = false;
    private done = false;
    /** The tail's rendering before an unclosed formula, reused while only that formula grows. */
    private readonly memo: PendingMemo = {before: "\uE002", html: ""};
    /** Length of the big tail at its last full render (-1: none since the last commit) and that HTML. */
    private bigTailLen = -1;
    private bigTailHtml = "";

    public constructor(options: RenderOptions = {}) {
        this.mm = getMathMarkdown(options);
    }

    /** Whether {@link finish} was called. */
    public get finished(): boolean {
        return this.done;
    }

    /** Adds the next piece of the answer. */
    public append(delta: string): RenderUpdate {
        if (this.done) throw new Error("StreamingRenderer: append() after finish()");
        let text = this.heldCR ? "\r" + delta : delta;
        this.heldCR = text.endsWith("\r");
        if (this.heldCR) text = text.slice(0, -1);
        if (text.includes("\r")) text = text.replace(/\r\n?/g, "\n");
        this.buffer += text;
        const committed: string[] = [];
        const errors: RenderError[] = [];
        this.advance(committed, errors);
        if (committed.length > 0) this.bigTailLen = -1;
        return {committed, pending: this.pendingHtml(), errors};
    }

    private pendingHtml(): string {
        const n = this.buffer.length;
        if (n === 0) return "";
        if (n <= bigTailChars) return renderPendingTail(this.mm, this.buffer, this.memo);
        if (this.bigTailLen > 0 && n < this.bigTailLen * bigTailGrowth)
            return this.bigTailHtml + `<span class="em-pending-math">${escapeHtml(this.buffer.slice(this.bigTailLen))}</span>`;
        this.bigTailHtml = renderPendingTail(this.mm, this.buffer, this.memo);
        this.bigTailLen = n;
        return this.bigTailHtml;
    }

    /** Ends the answer: `pending` is the final HTML of the last block. Later calls to append() throw. */
    public finish(): RenderUpdate {
        if (this.done) throw new Error("StreamingRenderer: finish() called twice");
        this.done = true;
        if (this.heldCR) {
            this.heldCR = false;
            this.buffer += "\n";
        }
        const committed: string[] = [];
        const errors: RenderError[] = [];
        this.advance(committed, errors);
        const pending = renderBlock(this.mm, this.buffer, errors);
        this.buffer = "";
        return {committed, pending, errors};
    }

    private advance(committed: string[], errors: RenderError[]): void {
        while (this.scanPos < this.buffer.length) {
            if (this.scanner.startsBlock(this.buffer[this.scanPos]!)) {
                const html = renderBlock(this.mm, this.buffer.slice(0, this.scanPos), errors);
                if (html !== "") committed.push(html);
                this.buffer = this.buffer.slice(this.scanPos);
                this.searchFrom -= this.scanPos;
                this.scanPos = 0;
                this.scanner.newBlock();
            }
            const nl = this.buffer.indexOf("\n", Math.max(this.scanPos, this.searchFrom));
            if (nl < 0) {
                this.searchFrom = this.buffer.length;
                return;
            }
            this.scanner.feedLine(this.buffer.slice(this.scanPos, nl));
            this.scanPos = nl + 1;
            this.searchFrom = this.scanPos;
        }
    }
}
