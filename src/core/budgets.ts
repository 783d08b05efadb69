/**
 * Budget presets and the validation of user-entered budgets. Plain data, shared by the budget picker,
 * the CLI and the tests.
 */
import type {BudgetSpec} from "./types";

/** A named budget as it appears in settings (`elasticMath.budget.presets`). */
export interface BudgetPreset {
    readonly label: string;
    /** Thinking tokens (t); absent for an unconstrained preset. */
    readonly think?: number;
    /** Solution tokens (s); absent for an unconstrained preset. */
    readonly answer?: number;
    /** One phase up to the context size. */
    readonly unconstrained?: boolean;
    readonly description?: string;
}

/** The presets shipped by default. Balanced (1024 / 1024) is the budget E1 was trained at. */
export const defaultBudgetPresets: readonly BudgetPreset[] = [
    {label: "Quick", think: 512, answer: 512, description: "short thinking, fast answers"},
    {label: "Balanced", think: 1024, answer: 1024, description: "the budget E1 was trained at"},
    {label: "Deep", think: 2048, answer: 1024, description: "more thinking for harder problems"},
    {label: "Extended", think: 4096, answer: 1024, description: "long thinking (competition problems)"},
    {label: "Unconstrained", unconstrained: true, description: "one phase, up to the context size"}
];

/** Largest number of tokens a single phase may be given. */
export const maxPhaseTokens = 131072;

/** Parses one phase budget typed by a user. Returns the number, or an error message to show. */
export function parseTokenCount(text: string, what: string): number | string {
    const trimmed = text.trim().replace(/[_,\s]/g, "");
    if (trimmed === "") return `Enter the number of ${what} tokens.`;
    const match = /^(\d+)(k)?$/i.exec(trimmed);
    if (match == null) return `"${text.trim()}" is not a whole number of ${what} tokens (for example 1024 or 2k).`;
    const value = Number(match[1]) * (match[2] != null ? 1024 : 1);
    if (value < 1) return `The ${what} budget must be at least 1 token.`;
    if (value > maxPhaseTokens) return `The ${what} budget can be at most ${maxPhaseTokens} tokens.`;
    return value;
}

/** Checks a preset from settings; returns an error message naming the preset and field, or null. */
export function validatePreset(value: unknown, index: number): string | null {
    if (value == null || typeof value !== "object") return `budget preset #${index + 1} is not an object`;
    const p = value as Record<string, unknown>;
    const name = typeof p.label === "string" && p.label.trim() !== "" ? `"${p.label}"` : `#${index + 1}`;
    if (typeof p.label !== "string" || p.label.trim() === "") return `budget preset ${name}: "label" must be a non-empty string`;
    if (p.unconstrained === true) return null;
    for (const field of ["think", "answer"] as const) {
        const v = p[field];
        if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > maxPhaseTokens)
            return `budget preset ${name}: "${field}" must be a whole number from 1 to ${maxPhaseTokens}`;
    }
    return null;
}

/** Keeps the valid presets and reports the others. Falls back to the defaults when none is valid. */
export function normalizePresets(values: unknown): {presets: BudgetPreset[]; problems: string[]} {
    if (!Array.isArray(values)) return {presets: [...defaultBudgetPresets], problems: values == null ? [] : ["budget presets must be a list"]};
    const presets: BudgetPreset[] = [];
    const problems: string[] = [];
    values.forEach((v, i) => {
        const problem = validatePreset(v, i);
        if (problem != null) problems.push(problem);
        else presets.push(v as BudgetPreset);
    });
    return {presets: presets.length > 0 ? presets : [...defaultBudgetPresets], problems};
}

export function presetToBudget(preset: BudgetPreset): BudgetSpec {
    if (preset.unconstrained === true) return {mode: "unconstrained"};
    return {mode: "elastic", thinkTokens: preset.think!, answerTokens: preset.answer!};
}

/** A short human label: "think 1024 / answer 1024" or "unconstrained". */
export function describeBudget(budget: BudgetSpec): string {
    if (budget.mode === "unconstrained") return budget.maxTokens != null ? `unconstrained (up to ${budget.maxTokens})` : "unconstrained";
    return `think ${budget.thinkTokens} / answer ${budget.answerTokens}`;
}

/** Serialises a budget for storage (last choice) and reads it back, rejecting anything malformed. */
export function budgetFromJson(value: unknown): BudgetSpec | null {
    if (value == null || typeof value !== "object") return null;
    const v = value as Record<string, unknown>;
    if (v.mode === "unconstrained") return {mode: "unconstrained"};
    if (v.mode === "elastic" && typeof v.thinkTokens === "number" && typeof v.answerTokens === "number"
        && Number.isInteger(v.thinkTokens) && Number.isInteger(v.answerTokens)
        && v.thinkTokens >= 1 && v.answerTokens >= 1 && v.thinkTokens <= maxPhaseTokens && v.answerTokens <= maxPhaseTokens)
        return {mode: "elastic", thinkTokens: v.thinkTokens, answerTokens: v.answerTokens};
    return null;
}

export function sameBudget(a: BudgetSpec, b: BudgetSpec): boolean {
    if (a.mode !== b.mode) return false;
    if (a.mode === "elastic" && b.mode === "elastic") return a.thinkTokens === b.thinkTokens && a.answerTokens === b.answerTokens;
    return true;
}

/** One entry of the budget pick. */
export interface BudgetChoice {
    readonly label: string;
    readonly description: string;
    readonly budget: BudgetSpec;
    /** The choice the user made last time (shown first). */
    readonly last: boolean;
}

/**
 * The budget pick's entries, in order: the last choice first (when there is one), then the presets.
 * A last choice equal to a preset moves that preset to the top rather than listing it twice.
 */
export function budgetChoices(presets: readonly BudgetPreset[], last: {label: string; budget: BudgetSpec} | null): BudgetChoice[] {
    const choices: BudgetChoice[] = presets.map((p) => ({
        label: p.label,
        description: describeBudget(presetToBudget(p)) + (p.description != null ? ` · ${p.description}` : ""),
        budget: presetToBudget(p),
        last: false
    }));
    if (last == null) return choices;
    const index = choices.findIndex((c) => c.label === last.label && sameBudget(c.budget, last.budget));
    if (index >= 0) {
        const [hit] = choices.splice(index, 1);
        return [{...hit, last: true}, ...choices];
    }
    return [{label: last.label, description: describeBudget(last.budget), budget: last.budget, last: true}, ...choices];
}
