/** The words of an `@math` reply (core's ChatReply) and its budget title, in the display language (docs/localization.md). */
import * as vscode from "vscode";
import type {ChatReplyTexts} from "../../core/chat/chatReply";
import type {BudgetSpec} from "../../core/types";
import {budgetName} from "../l10n";

export const replyTexts: ChatReplyTexts = {
    queued: (n) => n === 1 ? vscode.l10n.t("Queued: 1 request ahead (the panel, the sidebar chat and @math share one model).")
        : vscode.l10n.t("Queued: {0} requests ahead (the panel, the sidebar chat and @math share one model).", n),
    loading: (model) => vscode.l10n.t("Loading {0}…", model),
    started: (title, model) => vscode.l10n.t("Thinking with {0} on {1}…", title, model),
    thinking: (tokens, limit, words) => vscode.l10n.t("Thinking {0}{1} tokens: {2}", tokens, limit, words),
    cut: (tokens) => `> ✂ *${vscode.l10n.t("Thinking was cut at the budget: {0} tokens. The answer follows from what was thought so far.", tokens)}*\n\n`,
    forced: (tokens, count) => vscode.l10n.t("Thinking longer: the model wanted to stop at {0} tokens; \"Wait\" was fed ({1}).", tokens, count),
    thought: (tokens) => vscode.l10n.t("Thought for {0} tokens; writing the answer…", tokens),
    finalAnswer: (answer) => `\n\n**${vscode.l10n.t("Final answer:")}** ${answer}\n`,
    stopped: () => `\n\n*${vscode.l10n.t("Stopped: the text above is what was produced.")}*\n`,
    usedElastic: (t, tb, s, sb) => vscode.l10n.t("thinking {0} / {1}, answer {2} / {3} tokens", t, tb, s, sb),
    usedOnePhase: (n) => vscode.l10n.t("{0} tokens in one phase", n),
    thinkingCut: () => vscode.l10n.t(" (thinking cut)"),
    where: (model, device) => vscode.l10n.t(" · {0} on {1}", model, device),
    footer: (title, used) => `\n\n---\n*${vscode.l10n.t("Budget {0}: {1}", title, used)}*\n`
};

/** How the reply names a budget: "Balanced (think 1024 / answer 1024)", in the display language. */
export function localBudgetTitle(label: string, budget: BudgetSpec): string {
    if (budget.mode === "unconstrained") return vscode.l10n.t("{0} (one phase, up to the context)", budgetName(label));
    return vscode.l10n.t("{0} (think {1} / answer {2})", budgetName(label), budget.thinkTokens, budget.answerTokens);
}
