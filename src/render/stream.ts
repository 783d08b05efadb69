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
 *
 * With an `offload` (formulaOffload.ts), display formulas and long inline ones that are not yet in the
 * formula cache are rendered elsewhere (a worker thread): an update shows such a formula as pending source
 * and asks for it; when it arrives, `onFormulas` is called and {@link StreamingRenderer.refresh} gives the
 * update that shows it. A finished block is committed only once all its formulas are in hand (until then it
 * stays, "held", at the front of the pending HTML), so the invariant above holds with an offload too.
 * {@link StreamingRenderer.settled} waits for the formulas asked for; `finish()` renders anything still
 * missing on the calling thread, so it is final whenever it is called.
 *
 * With an offload that renders whole texts, a block longer than {@link bigTailChars} (a paragraph of 100 KB with
 * no blank line) is never rendered on the calling thread while streaming: a finished one is held until the
 * offload's rendering of it is back; the unfinished tail is rendered there each time it has grown by a quarter
 * (meanwhile its new text shows escaped, as without an offload); and {@link StreamingRenderer.finishing} has the last
 * block rendered there before `finish()`.
 */

/**
 * Inline formulas shorter than this render on the update path even with an offload (they cost well under 1 ms),
 * unless they define macros (`\def`, `\newcommand`, ...): those go to the offload too, since what they expand to
 * (bounded by bounds.ts, linear in the length) is not what their length suggests.
 */
export const offloadInlineChars = 100;
export const definesMacros = /\\(?:def|gdef|edef|xdef|let|futurelet|newcommand|renewcommand|providecommand)(?![a-zA-Z])/;

/** Options of a {@link StreamingRenderer}. */
export interface StreamingOptions extends RenderOptions {
    /** Where slow formulas render (see above); without it every formula renders on the calling thread. */
    readonly offload?: FormulaOffload;
    /** Called after formulas from the offload arrived: call {@link StreamingRenderer.refresh} and show its update. */
    readonly onFormulas?: () => void;
}
import {BlockScanner} from "./blocks";
import {cacheKey, type RenderError, renderFormula} from "./katex";
import {getMathMarkdown, type MathMarkdown, renderBlock, type RenderOptions} from "./markdown";
import {escapeHtml} from "./escape";
import type {FormulaOffload} from "./formulaOffload";
import type {RenderResult} from "./markdown";
import {type CountingDeferral, type PendingMemo, renderPendingTail} from "./pending";

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
     * it shows as `<span class="em-pending-math">` text (the unrendered end of a very long paragraph as `em-pending-text`); after `finish()` it is the final HTML of the last block.
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
    /** Finished blocks waiting for offloaded formulas before they can be committed, in order. */
    private held: string[] = [];
    private readonly deferral: (CountingDeferral & {count: number}) | undefined;
    /** Formulas asked of the offload and not yet back (cache keys). */
    private readonly inFlight = new Set<string>();
    private settledWaiters: Array<() => void> = [];
    private readonly onFormulas: (() => void) | undefined;
    /** Renders whole texts elsewhere (with a formula offload that can), for blocks over {@link bigTailChars}. */
    private readonly textOffload: ((text: string) => Promise<RenderResult>) | undefined;
    /** Big finished blocks asked of the text offload: the block's text -> its rendering (undefined while out). */
    private readonly bigBlocks = new Map<string, RenderResult | undefined>();
    /** Counts the blocks taken off the front of `buffer`: a tail rendering asked before a commit is stale after it. */
    private generation = 0;
    /** A rendering of the big tail is out. */
    private tailAsked = false;
    /** The last block rendered elsewhere for `finish()` (asked by {@link finishing}). */
    private finalTail: {readonly text: string; result?: RenderResult} | undefined;
    private nextJob = 0;

    public constructor(options: StreamingOptions = {}) {
        this.mm = getMathMarkdown(options);
        this.onFormulas = options.onFormulas;
        const offload = options.offload;
        // Offloaded results come back through the formula cache: without one there is nothing to offload to.
        if (offload != null && options.formulaCache !== false) {
            const formulas = this.mm.formulas;
            const deferral = {
                count: 0,
                defer: (tex: string, display: boolean, source: string): boolean => {
                    if (!display && tex.length < offloadInlineChars && !definesMacros.test(tex)) return false;
                    deferral.count++;
                    const key = cacheKey(tex, display, source);
                    if (this.inFlight.has(key)) return true;
                    this.inFlight.add(key);
                    const macros = formulas.allMacros;
                    offload.render({tex, display, source, macros})
                        // The offload failed (no worker): render here, under the same bounds (bounds.ts). Slower,
                        // the same HTML. (A worker that does not answer in time is not this case: that job
                        // resolves as the formula's source with the reason, see formulaOffload.ts.)
                        .catch(() => renderFormula(tex, display, source, macros))
                        .then((result) => {
                            formulas.store(tex, display, source, result);
                            // (A big tail keeps its last rendering, placeholders and all, until its next
                            // scheduled render: re-rendering it for every arrival would not be linear.)
                            this.jobDone(key);
                        });
                    return true;
                }
            };
            this.deferral = deferral;
            const renderText = offload.renderMarkdown?.bind(offload);
            // Only what the worker can clone: the options that change the HTML.
            const textOptions: RenderOptions = {macros: options.macros};
            if (renderText != null) this.textOffload = (text) => renderText(text, textOptions);
        }
    }

    /**
     * Renders a text with the text offload, counted among the jobs {@link settled} waits for; if the offload cannot
     * run, here (as a formula is). `done` gets the result unless `finish()` came first.
     */
    private askText(text: string, done: (result: RenderResult) => void): void {
        const key = `\uE003text${this.nextJob++}`;
        this.inFlight.add(key);
        this.textOffload!(text)
            .catch(() => {
                const errors: RenderError[] = [];
                return {html: renderBlock(this.mm, text, errors), errors};
            })
            .then((result) => {
                done(result);
                this.jobDone(key);
            });
    }

    /** A formula or a text asked of the offload is back: wakes {@link settled}'s waiters when none is left out. */
    private jobDone(key: string): void {
        this.inFlight.delete(key);
        if (this.inFlight.size === 0) {
            const waiters = this.settledWaiters;
            this.settledWaiters = [];
            for (const w of waiters) w();
        }
        if (!this.done) this.onFormulas?.();
    }

    /** Whether a block is one that renders in the text offload (one over {@link bigTailChars}, with an offload that can). */
    private renderedElsewhere(block: string): boolean {
        return this.textOffload != null && block.length > bigTailChars;
    }

    /**
     * The text is complete (no more `append`): has a big last block rendered elsewhere for `finish()`; resolves, as
     * {@link settled}, once that and every formula asked for are back.
     */
    public finishing(): Promise<void> {
        if (!this.done) for (const block of this.held) if (this.renderedElsewhere(block)) this.askBlock(block);
        if (!this.done && this.finalTail == null && this.renderedElsewhere(this.buffer)) {
            const tail: {readonly text: string; result?: RenderResult} = {text: this.buffer};
            this.finalTail = tail;
            this.askText(tail.text, (result) => (tail.result = result));
        }
        return this.settled();
    }

    /** Resolves once no formula asked of the offload is still out (at once without an offload). */
    public settled(): Promise<void> {
        if (this.inFlight.size === 0) return Promise.resolve();
        return new Promise((resolve) => this.settledWaiters.push(resolve));
    }

    /** The update after offloaded formulas arrived: held blocks that are now complete, and the pending HTML. */
    public refresh(): RenderUpdate {
        if (this.done) return {committed: [], pending: "", errors: []};
        return this.append("");
    }

    /** Whether {@link finish} was called. */
    public get finished(): boolean {
        return this.done;
    }

    /**
     * Adds the next piece of the answer. With `pending: false` the update's `pending` is "" and not rendered (a caller
     * that appends several pieces in a row and shows only the last update's tail saves that work).
     */
    public append(delta: string, options: {readonly pending?: boolean} = {}): RenderUpdate {
        if (this.done) throw new Error("StreamingRenderer: append() after finish()");
        let text = this.heldCR ? "\r" + delta : delta;
        this.heldCR = text.endsWith("\r");
        if (this.heldCR) text = text.slice(0, -1);
        if (text.includes("\r")) text = text.replace(/\r\n?/g, "\n");
        this.buffer += text;
        const committed: string[] = [];
        const errors: RenderError[] = [];
        const generation = this.generation;
        this.drainHeld(committed, errors);
        this.advance(committed, errors);
        if (this.generation !== generation) this.bigTailLen = -1;
        return {committed, pending: options.pending === false ? "" : this.heldHtml() + this.pendingHtml(), errors};
    }

    /** Commits a finished block, or holds it while formulas of it (or of a block before it) are out. */
    private commit(block: string, committed: string[], errors: RenderError[]): void {
        if (this.deferral == null || this.done) {
            const elsewhere = this.bigBlocks.get(block);
            this.bigBlocks.delete(block);
            const html = elsewhere != null ? (errors.push(...elsewhere.errors), elsewhere.html) : renderBlock(this.mm, block, errors);
            if (html !== "") committed.push(html);
        } else if (this.held.length > 0 || !this.tryCommit(block, committed, errors)) {
            this.held.push(block);
        }
    }

    /** Renders a block with the deferral; commits it if that needed no formula from elsewhere. */
    private tryCommit(block: string, committed: string[], errors: RenderError[]): boolean {
        if (this.renderedElsewhere(block)) {
            const result = this.bigBlocks.get(block);
            if (result == null) {
                this.askBlock(block);
                return false;
            }
            this.bigBlocks.delete(block);
            if (result.html !== "") committed.push(result.html);
            errors.push(...result.errors);
            return true;
        }
        const d = this.deferral!;
        const before = d.count;
        const blockErrors: RenderError[] = [];
        const html = renderBlock(this.mm, block, blockErrors, d);
        if (d.count !== before) return false;
        if (html !== "") committed.push(html);
        errors.push(...blockErrors);
        return true;
    }

    /** Asks the text offload for a big finished block's rendering, unless it was asked already. */
    private askBlock(block: string): void {
        if (this.bigBlocks.has(block)) return;
        this.bigBlocks.set(block, undefined);
        this.askText(block, (r) => { if (this.bigBlocks.has(block)) this.bigBlocks.set(block, r); });
    }

    private drainHeld(committed: string[], errors: RenderError[]): void {
        while (this.held.length > 0 && this.tryCommit(this.held[0]!, committed, errors)) this.held.shift();
    }

    /** Held blocks as they look now (their missing formulas as pending source). */
    private heldHtml(): string {
        let html = "";
        for (const block of this.held) {
            // A big block whose rendering is out shows as its text, in the pending style.
            if (this.renderedElsewhere(block)) html += this.bigBlocks.get(block)?.html ?? pendingText(block);
            else html += renderBlock(this.mm, block, [], this.deferral);
        }
        return html;
    }

    private pendingHtml(): string {
        const n = this.buffer.length;
        if (n === 0) return "";
        if (n <= bigTailChars) return renderPendingTail(this.mm, this.buffer, this.memo, this.deferral);
        const shown = () => (this.bigTailLen > 0 ? this.bigTailHtml + pendingText(this.buffer.slice(this.bigTailLen)) : pendingText(this.buffer));
        if (this.bigTailLen > 0 && n < this.bigTailLen * bigTailGrowth) return shown();
        if (this.textOffload != null) {
            if (!this.tailAsked) {
                this.tailAsked = true;
                const generation = this.generation;
                const text = this.buffer;
                this.askText(text, (result) => {
                    this.tailAsked = false;
                    if (generation !== this.generation) return;
                    this.bigTailHtml = result.html;
                    this.bigTailLen = text.length;
                });
            }
            return shown();
        }
        this.bigTailHtml = renderPendingTail(this.mm, this.buffer, this.memo, this.deferral);
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
        // Held blocks first, in order, on this thread if their formulas are still out (done: no deferral).
        for (const block of this.held) this.commit(block, committed, errors);
        this.held = [];
        this.advance(committed, errors);
        const final = this.finalTail?.text === this.buffer ? this.finalTail.result : undefined;
        const pending = final != null ? (errors.push(...final.errors), final.html) : renderBlock(this.mm, this.buffer, errors);
        this.buffer = "";
        return {committed, pending, errors};
    }

    private advance(committed: string[], errors: RenderError[]): void {
        while (this.scanPos < this.buffer.length) {
            if (this.scanner.startsBlock(this.buffer[this.scanPos]!)) {
                this.commit(this.buffer.slice(0, this.scanPos), committed, errors);
                this.buffer = this.buffer.slice(this.scanPos);
                this.generation++;
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

/** Text not rendered yet, shown escaped in the pending style. */
function pendingText(text: string): string {
    return text === "" ? "" : `<span class="em-pending-text">${escapeHtml(text)}</span>`;
}
