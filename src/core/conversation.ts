/**
 * Multi-turn conversations on the engine, with the KV cache kept between turns.
 *
 * What the model sees is the R1 chat template's history: user turns and assistant turns with the *solution only*
 * (the template drops everything up to `</think>` of earlier answers), then the new user turn and the generation
 * prompt `<｜Assistant｜><think>\n`. Each turn goes through {@link ElasticEngine.solve} (so the queue, the exact
 * two-phase budgets, streaming and cancel are the engine's own) with `buildPrompt` and `reuseContext`.
 *
 * Keeping the cache exact: after a turn the cache holds prompt + thinking + `</think>` + solution. The next prompt
 * shares the prefix up to the previous `<｜Assistant｜>`; from there it has the solution without the thinking. The
 * engine keeps the common prefix and erases the rest, so a follow-up evaluates the previous solution, the end of
 * turn and the new user turn: never the earlier history. (Erasing only the thinking range and shifting the solution's
 * cache cells would save re-evaluating the solution, but those cells were computed while attending to the thinking:
 * the cache would no longer be what the model would compute for this history.) With `keepThinking`, the history keeps
 * the thinking and a follow-up evaluates only the end of turn and the new user turn.
 *
 * The assistant turns are fed as the exact tokens the model sampled (while this object lives), so the prefix matches
 * token for token; after a reload they are re-tokenized from the text (the first follow-up then evaluates it all).
 * When the history no longer fits beside the budget, the oldest turns are dropped (and stay dropped, so the prefix
 * stays stable) and the caller is told how many.
 */
import type {ElasticEngine, SolveTrace} from "./engine";
import {appendAll} from "./engine/tokens";
import {CHATML_FORMAT, type PromptFormat, R1_DISTILL_FORMAT, R1_MATH_INSTRUCTION} from "./promptFormat";
import type {BudgetSpec, SamplingOptions, SolveEvent, SolveResult} from "./types";

/** How a conversation is written for a model (special-token texts). */
export interface ConversationFormat {
    readonly bos: string;
    readonly user: string;
    readonly assistant: string;
    readonly endOfTurn: string;
    /** After the assistant marker of the turn being generated (opens the thinking). */
    readonly openThinking: string;
    readonly closeThinking: string;
    /** Appended to every user message. */
    readonly instruction: string;
}

/** DeepSeek-R1-Distill (E1-Math): the chat template of the model card. */
export const R1_CONVERSATION_FORMAT: ConversationFormat = {
    bos: "<｜begin▁of▁sentence｜>",
    user: "<｜User｜>",
    assistant: "<｜Assistant｜>",
    endOfTurn: "<｜end▁of▁sentence｜>",
    openThinking: "<think>\n",
    closeThinking: "</think>",
    instruction: R1_MATH_INSTRUCTION
};

/** ChatML (TinyMathReason): no BOS, no thinking; each turn closed by `<|im_end|>\n`. */
export const CHATML_CONVERSATION_FORMAT: ConversationFormat = {
    bos: "",
    user: "<|im_start|>user\n",
    assistant: "<|im_end|>\n<|im_start|>assistant\n",
    endOfTurn: "<|im_end|>\n",
    openThinking: "",
    closeThinking: "",
    instruction: R1_MATH_INSTRUCTION
};

/**
 * The conversation format for a prompt format (by id), or null when the model has no chat template (a base model
 * prompted few-shot cannot hold a conversation).
 */
export function conversationFormatFor(format: PromptFormat | undefined): ConversationFormat | null {
    switch (format?.id ?? R1_DISTILL_FORMAT.id) {
        case R1_DISTILL_FORMAT.id: return R1_CONVERSATION_FORMAT;
        case CHATML_FORMAT.id: return CHATML_CONVERSATION_FORMAT;
        default: return null;
    }
}

/** One exchange, as stored (plain data: survives a reload as JSON). */
export interface ChatTurn {
    readonly user: string;
    readonly thinking: string;
    readonly solution: string;
    readonly budget: BudgetSpec;
    readonly stop: SolveResult["stop"];
    readonly thinkingCut: boolean;
}

export interface ConversationData {
    readonly turns: readonly ChatTurn[];
    /** Leading turns no longer shown to the model (the context was full). */
    readonly droppedTurns: number;
}

export interface ConversationOptions {
    readonly format?: ConversationFormat;
    /** Feed earlier turns' thinking back to the model (default false, as the R1 models expect). */
    readonly keepThinking?: boolean;
}

export interface AskOptions {
    readonly message: string;
    readonly budget: BudgetSpec;
    readonly sampling?: SamplingOptions;
    readonly signal?: AbortSignal;
    readonly onEvent?: (event: SolveEvent) => void;
}

export interface AskResult {
    readonly result: SolveResult;
    /** Whether the turn became part of the model's history (not when it was stopped before any solution). */
    readonly added: boolean;
    /** Prompt tokens of this turn (the whole history as the model sees it). */
    readonly promptTokens: number;
    /** Of those, how many were already in the KV cache. */
    readonly reusedPromptTokens: number;
    /** Prompt tokens evaluated for this turn: promptTokens - reusedPromptTokens. */
    readonly evaluatedPromptTokens: number;
    /** Oldest turns dropped by this request to make room (0 when nothing was dropped now). */
    readonly newlyDroppedTurns: number;
    readonly trace: SolveTrace | undefined;
}

/** What a conversation needs of the engine. */
export type ConversationEngine = Pick<ElasticEngine, "solve">;

/** Tokens the conversation reserves for an unconstrained answer when deciding what history fits. */
const unconstrainedReserve = 1024;

export class Conversation {
    private readonly format: ConversationFormat;
    private readonly keepThinking: boolean;
    private readonly _turns: ChatTurn[];
    private _dropped: number;
    /** Exact assistant tokens of turns answered in this session, by turn index. */
    private readonly sampled = new Map<number, number[]>();

    constructor(data: ConversationData = {turns: [], droppedTurns: 0}, options: ConversationOptions = {}) {
        this.format = options.format ?? R1_CONVERSATION_FORMAT;
        this.keepThinking = options.keepThinking === true;
        this._turns = [...data.turns];
        this._dropped = Math.max(0, Math.min(data.droppedTurns, this._turns.length));
    }

    get turns(): readonly ChatTurn[] { return this._turns; }
    get droppedTurns(): number { return this._dropped; }
    toJSON(): ConversationData { return {turns: [...this._turns], droppedTurns: this._dropped}; }

    /**
     * Asks the next question. The turn is added to the history when the engine resolves (also when stopped:
     * what was produced stays in the conversation). Rejects like {@link ElasticEngine.solve}; then nothing is added.
     */
    async ask(engine: ConversationEngine, options: AskOptions): Promise<AskResult> {
        const message = options.message.trim();
        let trace: SolveTrace | undefined;
        let promptTokens = 0;
        let newlyDropped = 0;
        let openThinking: number[] = [];
        const budgetNeed = options.budget.mode === "elastic" ? options.budget.thinkTokens + options.budget.answerTokens
            : options.budget.maxTokens ?? unconstrainedReserve;
        const result = await engine.solve({
            problem: message,
            budget: options.budget,
            sampling: options.sampling,
            signal: options.signal,
            onEvent: options.onEvent,
            onTrace: (t) => { trace = t; },
            reuseContext: true,
            buildPrompt: ({tokenize, contextSize}) => {
                openThinking = this.format.openThinking === "" ? [] : tokenize(this.format.openThinking, true);
                const room = contextSize - 1 - budgetNeed;
                let dropped = this._dropped;
                let tokens = this.promptTokens(tokenize, dropped, message);
                while (tokens.length > room && dropped < this._turns.length) {
                    dropped++;
                    tokens = this.promptTokens(tokenize, dropped, message);
                }
                newlyDropped = dropped - this._dropped;
                this._dropped = dropped;
                promptTokens = tokens.length;
                return tokens;
            }
        });
        // A turn stopped before any solution (queued, or during the thinking) would be an empty assistant turn: the
        // model does not get it. Everything else, stopped answers included, is history.
        const added = !(result.stop === "abort" && result.solution.trim() === "");
        if (added) {
            const index = this._turns.length;
            this._turns.push({
                user: message, thinking: result.thinking, solution: result.solution, budget: options.budget,
                stop: result.stop, thinkingCut: result.thinkingCut
            });
            if (trace != null) this.sampled.set(index, this.assistantFromTrace(trace, result, openThinking));
        }
        const reused = trace?.reusedPromptTokens ?? 0;
        return {
            result, added, promptTokens, reusedPromptTokens: reused, evaluatedPromptTokens: Math.max(0, promptTokens - reused),
            newlyDroppedTurns: newlyDropped, trace
        };
    }

    /** The prompt text the model sees next (for display and tests), without the new message's generation. */
    promptText(nextMessage: string): string {
        const f = this.format;
        let text = f.bos;
        for (let i = this._dropped; i < this._turns.length; i++) {
            const t = this._turns[i]!;
            text += f.user + t.user + f.instruction + f.assistant + this.assistantText(t) + f.endOfTurn;
        }
        return text + f.user + nextMessage.trim() + f.instruction + f.assistant + f.openThinking;
    }

    private assistantText(turn: ChatTurn): string {
        return this.keepThinking ? this.format.openThinking + turn.thinking + this.format.closeThinking + turn.solution : turn.solution;
    }

    private promptTokens(tokenize: (text: string, special: boolean) => number[], from: number, message: string): number[] {
        const f = this.format;
        const tok = (text: string, special: boolean) => (text === "" ? [] : tokenize(text, special));
        const out = [...tok(f.bos, true)];
        // appendAll, not push(...tokens): a long message has more tokens than a call may have arguments.
        const user = (text: string) => appendAll(out, tok(f.user, true), tok(text + f.instruction, false));
        for (let i = from; i < this._turns.length; i++) {
            const turn = this._turns[i]!;
            user(turn.user);
            appendAll(out, tok(f.assistant, true));
            const exact = this.sampled.get(i);
            if (exact != null) appendAll(out, exact);
            else if (this.keepThinking) {
                appendAll(out, tok(f.openThinking, true), tok(turn.thinking, false), tok(f.closeThinking, true), tok(turn.solution, false));
            } else appendAll(out, tok(turn.solution, false));
            appendAll(out, tok(f.endOfTurn, true));
        }
        user(message);
        appendAll(out, tok(f.assistant, true), tok(f.openThinking, true));
        return out;
    }

    /**
     * The assistant turn as the model produced it: with keepThinking, everything after the assistant marker
     * (opened thinking, thinking, cut, solution); otherwise the solution alone. The model's final end-of-generation
     * token is left out (the template's end-of-turn marker follows).
     */
    private assistantFromTrace(trace: SolveTrace, result: SolveResult, openThinking: readonly number[]): number[] {
        const solution = [...trace.solutionTokens];
        if (result.stop === "eog" && solution.length > 0) solution.pop();
        if (!this.keepThinking) return solution;
        const thinking = [...trace.thinkingTokens];
        if (result.stop === "eog" && solution.length === 0 && thinking.length > 0) thinking.pop();
        return [...openThinking, ...thinking, ...trace.cutTokens, ...solution];
    }
}

/** A finished chat turn as the Markdown export needs it (the VS Code layer's stored turns have this shape). */
export interface ExportableTurn {
    readonly user: string;
    readonly budget: {readonly label: string} & ({readonly mode: "elastic"; readonly thinkTokens: number; readonly answerTokens: number} | {readonly mode: "unconstrained"});
    readonly thinking: string;
    readonly solution: string;
    readonly status: string;
    readonly stats: {readonly thinkingCut: boolean; readonly thinkingTokens: number} | null;
    readonly error: string | null;
}

/**
 * A conversation as Markdown: math kept as the model wrote it ($...$, $$...$$), thinking folded. The header says when
 * it was exported (`exportedAt`) and when the conversation started, both as ISO times.
 */
export function conversationMarkdown(c: {readonly title: string; readonly created: number; readonly turns: readonly ExportableTurn[]}, exportedAt: number): string {
    const lines: string[] = [`# ${c.title || "Elastic Math conversation"}`, "",
        `_Exported from Elastic Math Tutor on ${new Date(exportedAt).toISOString()}; the conversation started on ${new Date(c.created).toISOString()}._`, ""];
    for (const t of c.turns) {
        lines.push("## You", "", t.user, "");
        lines.push(`## Elastic Math (${t.budget.label}: ${t.budget.mode === "elastic" ? `think ${t.budget.thinkTokens} / answer ${t.budget.answerTokens}` : "unconstrained"})`, "");
        if (t.thinking.trim() !== "")
            lines.push("<details><summary>Thinking</summary>", "", t.thinking.trim(), "", "</details>", "");
        if (t.stats?.thinkingCut === true) lines.push(`> Thinking cut at ${t.stats.thinkingTokens} tokens (budget).`, "");
        if (t.solution.trim() !== "") lines.push(t.solution.trim(), "");
        if (t.status === "stopped") lines.push("_(stopped)_", "");
        if (t.error != null) lines.push(`_Error: ${t.error}_`, "");
    }
    return lines.join("\n");
}
