/**
 * Progressive hints (1, 2, 3...) that never reveal the final answer: the prompt asks for one more hint than before,
 * and whatever the model writes is masked (see mask.ts) before anyone sees it.
 */
import type {BudgetSpec, SolveResult} from "../types";
import {maskAnswer} from "./mask";

export interface HintRequest {
    readonly problem: string;
    /** 1 for the first hint. */
    readonly level: number;
    /** Hints already shown (masked), oldest first. */
    readonly previous?: readonly string[];
    /** The model's final answer to the problem (from its solution); hidden in the hint. */
    readonly answer: string | null;
    readonly budget: BudgetSpec;
    readonly solve: (o: {problem: string; budget: BudgetSpec; signal?: AbortSignal}) => Promise<SolveResult>;
    readonly signal?: AbortSignal;
}

export interface Hint {
    readonly level: number;
    /** Markdown + LaTeX, masked. */
    readonly text: string;
    /** How many places the mask hid (0: the model did not leak). */
    readonly masked: number;
    readonly stop: SolveResult["stop"];
}

/** The request the model gets: the problem, the hints so far, and the rule. */
export function hintPrompt(problem: string, level: number, previous: readonly string[] = []): string {
    const so = previous.length === 0 ? "" :
        "\n\nHints already given:\n" + previous.map((h, i) => `${i + 1}. ${h}`).join("\n");
    return `A student is stuck on this problem:\n\n${problem}${so}\n\nGive hint number ${level}: ` +
        (level === 1 ? "the first idea to try, in one or two sentences." : "one step further than the hints above, in one or two sentences.") +
        " Do NOT give the final answer or the full solution.";
}

export async function requestHint(r: HintRequest): Promise<Hint> {
    const result = await r.solve({problem: hintPrompt(r.problem, r.level, r.previous), budget: r.budget, signal: r.signal});
    const {text, masked} = maskAnswer(result.solution.trim(), r.answer);
    return {level: r.level, text, masked, stop: result.stop};
}
