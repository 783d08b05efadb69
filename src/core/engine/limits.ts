/**
 * From a budget to token limits: the one rule both backends use (pure, unit-tested in test/unit/limits.test.ts).
 *
 * The context holds `contextSize - 1` tokens of prompt and generation (the last sampled token is never fed):
 *   - the prompt must leave room to generate (else "prompt-too-long");
 *   - elastic: prompt + thinking budget t + solution budget s must fit (else "budget-too-large"); a format without
 *     thinking runs one solution phase of s tokens, so prompt + s must fit;
 *   - unconstrained: one phase of min(maxTokens, contextSize - prompt) tokens.
 */
import type {PromptFormat} from "../promptFormat";
import type {BudgetSpec} from "../types";
import {EngineError} from "./errors";

export interface TokenLimits {
    /** Thinking budget t (elastic), the answer budget (answer-only formats) or the one-phase limit (unconstrained). */
    readonly thinkLimit: number;
    /** Solution budget s (elastic with thinking); 0 otherwise. */
    readonly answerLimit: number;
    /** The format has no thinking phase: one solution phase under the answer budget. */
    readonly answerOnly: boolean;
}

/** Throws EngineError("prompt-too-long" | "budget-too-large") when the request cannot fit the context. */
export function tokenLimits(budget: BudgetSpec, format: Pick<PromptFormat, "thinking">, promptTokens: number, contextSize: number): TokenLimits {
    const room = contextSize - 1;
    if (promptTokens >= room)
        throw new EngineError("prompt-too-long",
            `The problem is too long: the prompt has ${promptTokens} tokens and the context holds ${contextSize}. Shorten it or raise the context size.`);
    if (budget.mode === "unconstrained")
        return {thinkLimit: Math.min(budget.maxTokens ?? Infinity, contextSize - promptTokens), answerLimit: 0, answerOnly: false};
    if (format.thinking == null) {
        if (promptTokens + budget.answerTokens > room)
            throw new EngineError("budget-too-large",
                `The budget does not fit: prompt ${promptTokens} + solution ${budget.answerTokens} tokens, but the context holds ${room}. Lower the budget or raise the context size.`);
        return {thinkLimit: budget.answerTokens, answerLimit: 0, answerOnly: true};
    }
    const need = promptTokens + budget.thinkTokens + budget.answerTokens;
    if (need > room)
        throw new EngineError("budget-too-large",
            `The budget does not fit: prompt ${promptTokens} + thinking ${budget.thinkTokens} + solution ${budget.answerTokens} tokens = ${need}, but the context holds ${room}. Lower the budget or raise the context size.`);
    return {thinkLimit: budget.thinkTokens, answerLimit: budget.answerTokens, answerOnly: false};
}
