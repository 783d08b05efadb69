/**
 * The user-facing texts the VS Code layer makes from what src/core gives it (docs/localization.md). Core is shared
 * with the CLI and never imports vscode, so it writes English; here its names and messages become the display
 * language's: the built-in budget names and descriptions, the budget line, and engine errors (by their code).
 * In English (no translation bundle loaded) core's own text is shown unchanged.
 */
import * as vscode from "vscode";
import {describeBudget} from "../core/budgets";
import type {BudgetSpec} from "../core/types";

/** Whether a translation bundle is loaded for the display language (none in English). */
export function translated(): boolean {
    return vscode.l10n.bundle != null;
}

/** A built-in budget preset's name in the display language; a preset the user named keeps its name. */
export function budgetName(label: string): string {
    switch (label) {
        case "Quick": return vscode.l10n.t("Quick");
        case "Balanced": return vscode.l10n.t("Balanced");
        case "Deep": return vscode.l10n.t("Deep");
        case "Extended": return vscode.l10n.t("Extended");
        case "Unconstrained": return vscode.l10n.t("Unconstrained");
        case "Custom": return vscode.l10n.t("Custom");
        default: return label;
    }
}

/** A built-in preset's description in the display language (the defaults of elasticMath.budget.presets). */
function presetDescription(description: string): string {
    switch (description) {
        case "short thinking, fast answers": return vscode.l10n.t("short thinking, fast answers");
        case "the budget E1 was trained at": return vscode.l10n.t("the budget E1 was trained at");
        case "more thinking for harder problems": return vscode.l10n.t("more thinking for harder problems");
        case "long thinking (competition problems)": return vscode.l10n.t("long thinking (competition problems)");
        case "one phase, up to the context size": return vscode.l10n.t("one phase, up to the context size");
        default: return description;
    }
}

/** "think 1024 / answer 1024" or "unconstrained" (core's describeBudget), in the display language. */
export function budgetText(budget: BudgetSpec): string {
    if (!translated()) return describeBudget(budget);
    if (budget.mode === "unconstrained") {
        return budget.maxTokens != null ? vscode.l10n.t("unconstrained (up to {0})", budget.maxTokens) : vscode.l10n.t("unconstrained");
    }
    return vscode.l10n.t("think {0} / answer {1}", budget.thinkTokens, budget.answerTokens);
}

/** A budget choice's description as core writes it ("think 512 / answer 512 · short thinking, fast answers"), in the display language. */
export function budgetChoiceText(description: string, budget: BudgetSpec): string {
    if (!translated()) return description;
    const rest = description.startsWith(describeBudget(budget)) ? description.slice(describeBudget(budget).length) : "";
    const note = rest.startsWith(" · ") ? ` · ${presetDescription(rest.slice(3))}` : "";
    return budgetText(budget) + note;
}

/** What a typed token count got wrong (core's parseTokenCount message), in the display language. */
export function tokenCountProblem(message: string, what: "thinking" | "answer" | string, max: number): string {
    if (!translated()) return message;
    const phase = what === "thinking" ? vscode.l10n.t("thinking") : vscode.l10n.t("answer");
    return vscode.l10n.t("Enter a whole number of {0} tokens from 1 to {1} (for example 1024 or 2k).", phase, max);
}

/**
 * An engine or download error's message for the user. In English: core's message. Translated: a sentence for the
 * error's code, then core's message (paths, numbers, the server's reply) as the detail.
 */
export function errorText(code: string | undefined, message: string): string {
    if (!translated()) return message;
    const sentence = codeSentence(code);
    return sentence != null ? vscode.l10n.t("{0} Details: {1}", sentence, message) : message;
}

function codeSentence(code: string | undefined): string | undefined {
    switch (code) {
        case "not-configured": return vscode.l10n.t("No model is configured.");
        case "model-not-found": return vscode.l10n.t("The model file was not found.");
        case "model-not-a-file": return vscode.l10n.t("The model path is not a file.");
        case "model-unreadable": return vscode.l10n.t("The model file cannot be read.");
        case "model-invalid": return vscode.l10n.t("The model file is not a valid GGUF model.");
        case "model-load-failed": return vscode.l10n.t("The model could not be loaded.");
        case "context-failed": return vscode.l10n.t("The model's context could not be created (not enough memory?).");
        case "backend-unavailable": return vscode.l10n.t("The compute backend (GPU) is not available.");
        case "prompt-too-long": return vscode.l10n.t("The problem is too long for the model's context.");
        case "budget-too-large": return vscode.l10n.t("The budget does not fit in the model's context.");
        case "server-failed": return vscode.l10n.t("The inference server failed.");
        case "offline": return vscode.l10n.t("The download failed: no network.");
        case "not-found": return vscode.l10n.t("The download was not found.");
        case "http-error": return vscode.l10n.t("The download failed.");
        case "size-mismatch": return vscode.l10n.t("The downloaded file has the wrong size.");
        case "checksum-mismatch": return vscode.l10n.t("The downloaded file failed its checksum.");
        case "failed": return vscode.l10n.t("The download failed.");
        case "cancelled": return vscode.l10n.t("Cancelled.");
        default: return undefined;
    }
}
