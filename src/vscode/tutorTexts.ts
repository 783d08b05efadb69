/**
 * The Tutor's and `@math`'s fixed sentences that core writes (the answer check, a chat command's problem), in the
 * display language (docs/localization.md). In English core's own text is shown unchanged.
 */
import * as vscode from "vscode";
import type {CheckResult} from "../core/tutor/check";
import {translated} from "./l10n";

/** The answer check's verdict for the student. */
export function checkMessage(result: CheckResult): string {
    if (!translated()) return result.message;
    switch (result.verdict) {
        case "empty": return vscode.l10n.t("Type your answer in the box first, then press Check My Answer.");
        case "no-model-answer": return vscode.l10n.t("The tutor's solution has no final answer (no \\boxed{}) to compare with. Try solving again with a larger budget.");
        case "correct": return vscode.l10n.t("Correct: your answer is equivalent to the tutor's.");
        case "not-equivalent": return vscode.l10n.t("Not equivalent to the tutor's answer. Want a hint?");
        case "cannot-tell": return vscode.l10n.t("The tutor cannot tell whether your answer is equivalent to its own. Try another form of it, ask for a hint, or open Show Full Solution to compare.");
        case "unreadable": return result.message.length > 0 && result.message.startsWith("That answer is too long")
            ? vscode.l10n.t("That answer is too long to compare; give just the final answer.")
            : vscode.l10n.t("The tutor cannot read that as a math answer. Write it as math, e.g. 4, \\frac{1}{2} or (1, 3).");
    }
}

/** What is wrong with an `@math` request (core's parseChatRequest message). */
export function chatRequestProblem(message: string): string {
    if (!translated()) return message;
    if (message.startsWith("Type your answer after")) return vscode.l10n.t("Type your answer after `/check`, for example `/check 4`.");
    if (message.startsWith("No budget presets")) return vscode.l10n.t("No budget presets are configured (elasticMath.budget.presets).");
    if (message.startsWith("Ask a math question")) return vscode.l10n.t("Ask a math question after `@math`, for example `@math What is 2+2?`.");
    return vscode.l10n.t("Give the budget first, as thinking+answer tokens: `/budget 2048+1024 <question>` (or `/budget unconstrained <question>`).");
}
