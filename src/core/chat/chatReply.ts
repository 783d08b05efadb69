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

/**
 * The reply's own words (not the model's), in the display language: the VS Code layer passes translated ones
 * (src/vscode/chat/replyTexts.ts); core, which has no translations, writes English.
 */
export interface ChatReplyTexts {
    queued(position: number): string;
    loading(model: string): string;
    started(budgetTitle: string, model: string): string;
    /** `limit` is " / 1024" or "" (no thinking budget); `words` the thinking's latest words. */
    thinking(tokens: number, limit: string, words: string): string;
    cut(tokens: number): string;
    forced(tokens: number, count: number): string;
    thought(tokens: number): string;
    finalAnswer(answer: string): string;
    stopped(): string;
    usedElastic(thinking: number, thinkBudget: number, solution: number, answerBudget: number): string;
    usedOnePhase(tokens: number): string;
    thinkingCut(): string;
    where(model: string, device: string): string;
    footer(budgetTitle: string, used: string): string;
}

export const englishReplyTexts: ChatReplyTexts = {
    queued: (n) => `Queued: ${n} request${n === 1 ? "" : "s"} ahead (the panel, the sidebar chat and @math share one model).`,
    loading: (model) => `Loading ${model}…`,
    started: (title, model) => `Thinking with ${title} on ${model}…`,
    thinking: (tokens, limit, words) => `Thinking ${tokens}${limit} tokens: ${words}`,
    cut: (tokens) => `> ✂ *Thinking was cut at the budget: ${tokens} tokens. The answer follows from what was thought so far.*\n\n`,
    forced: (tokens, count) => `Thinking longer: the model wanted to stop at ${tokens} tokens; "Wait" was fed (${count}).`,
    thought: (tokens) => `Thought for ${tokens} tokens; writing the answer…`,
    finalAnswer: (answer) => `\n\n**Final answer:** ${answer}\n`,
    stopped: () => "\n\n*Stopped: the text above is what was produced.*\n",
    usedElastic: (t, tb, s, sb) => `thinking ${t} / ${tb}, answer ${s} / ${sb} tokens`,
    usedOnePhase: (n) => `${n} tokens in one phase`,
    thinkingCut: () => " (thinking cut)",
    where: (model, device) => ` · ${model} on ${device}`,
    footer: (title, used) => `\n\n---\n*Budget ${title}: ${used}*\n`
};

export interface ChatReplyOptions {
    readonly sink: ChatReplySink;
    /** The reply's words (default English). */
    readonly texts?: ChatReplyTexts;
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

    private get texts(): ChatReplyTexts { return this.o.texts ?? englishReplyTexts; }

    private thinkingLimit(): string {
        return this.o.budget.mode === "elastic" ? ` / ${this.o.budget.thinkTokens}` : "";
    }

    /** Feeds one engine event. */
    onEvent(event: SolveEvent): void {
        const sink = this.o.sink;
        switch (event.type) {
            case "queued":
                sink.progress(this.texts.queued(event.position));
                return;
            case "loading":
                sink.progress(this.texts.loading(event.model));
                return;
            case "started":
                sink.progress(this.texts.started(this.o.budgetTitle, event.model));
                return;
            case "delta":
                this.thinkingTokens = event.thinkingTokens;
                this.solutionTokens = event.solutionTokens;
                if (event.phase === "thinking") {
                    this.thinking += event.text;
                    const t = this.now();
                    if (t - this.lastProgress >= (this.o.progressIntervalMs ?? 250)) {
                        this.lastProgress = t;
                        sink.progress(this.texts.thinking(event.thinkingTokens, this.thinkingLimit(), lastWords(this.thinking)));
                    }
                } else {
                    this.startSolution();
                    this.pending += event.text;
                    this.flush(false);
                }
                return;
            case "cut":
                // Written with the answer's first text: markdown between progress lines is folded away with them.
                this.cutLine = this.texts.cut(event.thinkingTokens);
                return;
            case "forced":
                sink.progress(this.texts.forced(event.thinkingTokens, event.count));
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
            this.o.sink.progress(this.texts.thought(this.thinkingTokens));
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
                sink.markdown(this.texts.finalAnswer(mathForChat(`$\\boxed{${answer}}$`, this.o.typesetMath)));
            if (result.interrupted) sink.markdown(`\n\n*${result.interrupted}*\n`);
        }
        if (stopped) sink.markdown(this.texts.stopped());
        const b = this.o.budget;
        const used = b.mode === "elastic"
            ? this.texts.usedElastic(thinking, b.thinkTokens, solution, b.answerTokens)
            : this.texts.usedOnePhase(thinking + solution);
        const where = result != null ? this.texts.where(result.model, result.device) : "";
        sink.markdown(this.texts.footer(this.o.budgetTitle, `${used}${result?.thinkingCut ? this.texts.thinkingCut() : ""}${where}`));
    }
}
