/**
 * Writes one `@math` reply for VS Code's Chat view from the engine's events: the thinking as progress lines (a live
 * token count and the latest words, apart from the answer), the cut marked where it happened, the solution streamed
 * paragraph by paragraph with its math written for this chat (see chatMath.ts), the final answer, and a footer with
 * the budget that ran and how much of each phase was used. Plain code: the VS Code stream is two callbacks.
 */
import {extractAnswer} from "../answer";
import type {BudgetSpec, SolveEvent, SolveResult} from "../types";
import {mathForChat} from "./chatMath";

export interface ChatReplySink {
    /** A transient progress line (the chat shows the latest). */
    progress(text: string): void;
    /** Markdown appended to the reply. */
    markdown(text: string): void;
}

export interface ChatReplyOptions {
    readonly sink: ChatReplySink;
    readonly typesetMath: boolean;
    readonly budget: BudgetSpec;
    readonly budgetTitle: string;
    /** Minimum milliseconds between two thinking progress lines (default 250). */
    readonly progressIntervalMs?: number;
    readonly now?: () => number;
}

/** Where a paragraph may end: a blank line outside `$$...$$` and `\[...\]`. */
function completeParagraphEnd(text: string): number {
    let end = -1;
    let inDisplay = false;
    for (let i = 0; i < text.length - 1; i++) {
        if (text.startsWith("$$", i)) { inDisplay = !inDisplay; i++; continue; }
        if (text.startsWith("\\[", i)) { inDisplay = true; i++; continue; }
        if (text.startsWith("\\]", i)) { inDisplay = false; i++; continue; }
        if (!inDisplay && text[i] === "\n" && text[i + 1] === "\n") end = i + 2;
    }
    return end;
}

function lastWords(text: string, max = 80): string {
    const flat = text.replace(/\s+/g, " ").trim();
    return flat.length <= max ? flat : "…" + flat.slice(flat.length - max + 1);
}

export class ChatReply {
    private thinking = "";
    private pending = "";
    private solutionStarted = false;
    private lastProgress = -Infinity;
    private thinkingTokens = 0;
    private solutionTokens = 0;
    private cutLine = "";

    constructor(private readonly o: ChatReplyOptions) {}

    private now(): number { return (this.o.now ?? Date.now)(); }

    private thinkingLimit(): string {
        return this.o.budget.mode === "elastic" ? ` / ${this.o.budget.thinkTokens}` : "";
    }

    /** Feeds one engine event. */
    onEvent(event: SolveEvent): void {
        const sink = this.o.sink;
        switch (event.type) {
            case "queued":
                sink.progress(`Queued: ${event.position} request${event.position === 1 ? "" : "s"} ahead (the panel, the sidebar chat and @math share one model).`);
                return;
            case "loading":
                sink.progress(`Loading ${event.model}…`);
                return;
            case "started":
                sink.progress(`Thinking with ${this.o.budgetTitle} on ${event.model}…`);
                return;
            case "delta":
                this.thinkingTokens = event.thinkingTokens;
                this.solutionTokens = event.solutionTokens;
                if (event.phase === "thinking") {
                    this.thinking += event.text;
                    const t = this.now();
                    if (t - this.lastProgress >= (this.o.progressIntervalMs ?? 250)) {
                        this.lastProgress = t;
                        sink.progress(`Thinking ${event.thinkingTokens}${this.thinkingLimit()} tokens: ${lastWords(this.thinking)}`);
                    }
                } else {
                    this.startSolution();
                    this.pending += event.text;
                    this.flush(false);
                }
                return;
            case "cut":
                // Written with the answer's first text: markdown between progress lines is folded away with them.
                this.cutLine = `> ✂ *Thinking was cut at the budget: ${event.thinkingTokens} tokens. The answer follows from what was thought so far.*\n\n`;
                return;
            case "forced":
                sink.progress(`Thinking longer: the model wanted to stop at ${event.thinkingTokens} tokens; "Wait" was fed (${event.count}).`);
                return;
            case "phase":
                if (event.phase === "solution") this.startSolution();
                return;
        }
    }

    private startSolution(): void {
        if (this.solutionStarted) return;
        this.solutionStarted = true;
        if (this.thinking.trim() !== "" || this.thinkingTokens > 0)
            this.o.sink.progress(`Thought for ${this.thinkingTokens} tokens; writing the answer…`);
    }

    private flush(all: boolean): void {
        const end = all ? this.pending.length : completeParagraphEnd(this.pending);
        if (end <= 0) return;
        const ready = this.pending.slice(0, end);
        this.pending = this.pending.slice(end);
        if (ready.trim() !== "") this.o.sink.markdown(this.takeCutLine() + mathForChat(ready, this.o.typesetMath));
    }

    /** The cut marker, once. */
    private takeCutLine(): string {
        const line = this.cutLine;
        this.cutLine = "";
        return line;
    }

    /** Ends the reply: what is left of the solution, the final answer and the footer. */
    finish(result: SolveResult | undefined, stopped: boolean): void {
        this.flush(true);
        const sink = this.o.sink;
        const thinking = result?.thinkingTokens ?? this.thinkingTokens;
        const solution = result?.solutionTokens ?? this.solutionTokens;
        if (result != null) {
            const cut = this.takeCutLine();
            if (cut !== "") sink.markdown(cut);
            const answer = result.answer ?? extractAnswer(result.solution);
            if (answer != null && !stopped)
                sink.markdown(`\n\n**Final answer:** ${mathForChat(`$\\boxed{${answer}}$`, this.o.typesetMath)}\n`);
            if (result.interrupted) sink.markdown(`\n\n*${result.interrupted}*\n`);
        }
        if (stopped) sink.markdown("\n\n*Stopped: the text above is what was produced.*\n");
        const b = this.o.budget;
        const used = b.mode === "elastic"
            ? `thinking ${thinking} / ${b.thinkTokens}, answer ${solution} / ${b.answerTokens} tokens`
            : `${thinking + solution} tokens in one phase`;
        const where = result != null ? ` · ${result.model} on ${result.device}` : "";
        sink.markdown(`\n\n---\n*Budget ${this.o.budgetTitle}: ${used}${result?.thinkingCut ? " (thinking cut)" : ""}${where}*\n`);
    }
}
