/**
 * What an `@math` request in VS Code's Chat view asks for: the slash command and the prompt become a budget and a
 * question, or a tutoring action. Plain data, so the rules are tested without VS Code.
 */
import {type BudgetPreset, parseTokenCount, presetToBudget} from "../budgets";
import type {BudgetSpec} from "../types";

/** The budget commands, each naming a preset of `elasticMath.budget.presets` by its label. */
export const PRESET_COMMANDS = ["quick", "balanced", "deep", "extended", "unconstrained"] as const;

export type ChatAction =
    | {readonly kind: "solve"; readonly question: string; readonly budget: BudgetSpec; readonly budgetLabel: string}
    | {readonly kind: "hint"; readonly question: string}
    | {readonly kind: "check"; readonly answer: string}
    | {readonly kind: "error"; readonly message: string};

export interface ChatCommandContext {
    readonly presets: readonly BudgetPreset[];
    /** Label of the preset used without a budget command (`elasticMath.budget.default`). */
    readonly defaultLabel: string;
}

function presetByLabel(presets: readonly BudgetPreset[], label: string): BudgetPreset | undefined {
    const wanted = label.trim().toLowerCase();
    return presets.find((p) => p.label.trim().toLowerCase() === wanted);
}


/** Parses `2048+1024`, `2k+1k` or `unconstrained` at the start of a `/budget` prompt. */
export function parseBudgetArgument(prompt: string): {budget: BudgetSpec; label: string; rest: string} | {error: string} {
    const text = prompt.trim();
    const m = /^(\S+)\s*([\s\S]*)$/.exec(text);
    const usage = "Give the budget first, as thinking+answer tokens: `/budget 2048+1024 <question>` (or `/budget unconstrained <question>`).";
    if (m == null) return {error: usage};
    const [, spec, rest] = m;
    if (/^unconstrained$/i.test(spec)) return {budget: {mode: "unconstrained"}, label: "Custom", rest};
    const parts = spec.split("+");
    if (parts.length !== 2) return {error: `"${spec}" is not a budget. ${usage}`};
    const think = parseTokenCount(parts[0], "thinking");
    if (typeof think === "string") return {error: `${think} ${usage}`};
    const answer = parseTokenCount(parts[1], "answer");
    if (typeof answer === "string") return {error: `${answer} ${usage}`};
    return {budget: {mode: "elastic", thinkTokens: think, answerTokens: answer}, label: "Custom", rest};
}

/** Turns a chat request's command and prompt into what to do. */
export function parseChatRequest(command: string | undefined, prompt: string, ctx: ChatCommandContext): ChatAction {
    const question = prompt.trim();
    if (command === "hint") return {kind: "hint", question};
    if (command === "check") {
        if (question === "") return {kind: "error", message: "Type your answer after `/check`, for example `/check 4`."};
        return {kind: "check", answer: question};
    }
    let budget: BudgetSpec;
    let budgetLabel: string;
    let rest = question;
    if (command === "budget") {
        const parsed = parseBudgetArgument(question);
        if ("error" in parsed) return {kind: "error", message: parsed.error};
        ({budget, label: budgetLabel, rest} = parsed);
    } else {
        const label = command != null && (PRESET_COMMANDS as readonly string[]).includes(command) ? command : ctx.defaultLabel;
        const preset = presetByLabel(ctx.presets, label) ?? presetByLabel(ctx.presets, ctx.defaultLabel) ?? ctx.presets[0];
        if (preset == null) return {kind: "error", message: "No budget presets are configured (elasticMath.budget.presets)."};
        budget = presetToBudget(preset);
        budgetLabel = preset.label;
    }
    rest = rest.trim();
    if (rest === "") return {kind: "error", message: "Ask a math question after `@math`, for example `@math What is 2+2?`."};
    return {kind: "solve", question: rest, budget, budgetLabel};
}
