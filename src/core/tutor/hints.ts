/**
 * Progressive hints (1, 2, 3...) that never reveal the final answer: the prompt asks for one more hint than before,
 * and whatever the model writes is masked (see mask.ts) before anyone sees it. A hint that only repeats an earlier one
 * (the same words, ignoring case, spacing and punctuation) is asked for once more, with the repeat named; if the
 * model repeats itself again the result says which hint it repeated, and the caller shows no new hint.
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
    /** Set when the model only repeated an earlier hint, even when asked again: that hint's number (1-based). */
    readonly repeats?: number;
}

/** The request the model gets: the problem, the hints so far, and the rule. */
export function hintPrompt(problem: string, level: number, previous: readonly string[] = [], repeated?: number): string {
    const so = previous.length === 0 ? "" :
        "\n\nHints already given:\n" + previous.map((h, i) => `${i + 1}. ${h}`).join("\n");
    const again = repeated == null ? "" : ` Your last answer only repeated hint ${repeated}: say something new.`;
    return `A student is stuck on this problem:\n\n${problem}${so}\n\nGive hint number ${level}: ` +
        (level === 1 ? "the first idea to try, in one or two sentences." : "one step further than the hints above, in one or two sentences.") +
        again + " Do NOT give the final answer or the full solution.";
}

/** The words of a hint, for comparing: lower case, with spacing and punctuation as single spaces. */
function hintWords(text: string): string {
    return text.toLowerCase().replace(/[\s.,;:!?*_"'`()]+/g, " ").trim();
}

/** Which earlier hint (1-based) `text` only repeats, if any. An empty hint counts as a repeat of nothing. */
export function repeatedHint(text: string, previous: readonly string[]): number | undefined {
    const words = hintWords(text);
    if (words === "") return undefined;
    const i = previous.findIndex((p) => hintWords(p) === words);
    return i < 0 ? undefined : i + 1;
}

export async function requestHint(r: HintRequest): Promise<Hint> {
    const previous = r.previous ?? [];
    const ask = async (repeated?: number): Promise<Hint> => {
        const result = await r.solve({problem: hintPrompt(r.problem, r.level, previous, repeated), budget: r.budget, signal: r.signal});
        const {text, masked} = maskAnswer(result.solution.trim(), r.answer);
        return {level: r.level, text, masked, stop: result.stop};
    };
    const first = await ask();
    const repeats = repeatedHint(first.text, previous);
    if (repeats == null || first.stop === "abort") return first;
    const second = await ask(repeats);
    if (second.stop === "abort") return second;
    const again = repeatedHint(second.text, previous);
    return again == null ? second : {...second, repeats: again};
}
