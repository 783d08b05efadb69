/**
 * Registers `@math` in VS Code's own Chat view at activation, light: the participant, its icon and its follow-ups. The
 * handler (mathParticipant.ts, with the engine and the conversations) is asked for only when a question comes, so
 * activation loads nothing heavy (see src/extension.ts).
 */
import * as vscode from "vscode";
import type {ChatTurn} from "../../core/conversation";

export const MATH_PARTICIPANT_ID = "elasticMath.math";

/** What a reply keeps for the conversation's next turns (ChatResult.metadata survives in the chat's history). */
export interface MathTurnMetadata {
    readonly elasticMath: 1;
    /** The turn as the model's history holds it (solutions only are fed back). */
    readonly turn?: ChatTurn;
    /** The problem the tutoring commands refer to, and the tutor's hidden answer to it. */
    readonly problem?: string;
    readonly hiddenAnswer?: string | null;
    readonly hints?: readonly string[];
    /** The last /hint had nothing new (the model only repeated an earlier hint): no "Another hint" is offered. */
    readonly noNewHint?: true;
    readonly budgetLabel?: string;
}

/** Registers the participant (when this VS Code has chat participants); `handler()` gives the request handler on first use. */
export function registerMathParticipant(context: vscode.ExtensionContext, handler: () => vscode.ChatRequestHandler): void {
    if (typeof vscode.chat?.createChatParticipant !== "function") return;
    const participant = vscode.chat.createChatParticipant(MATH_PARTICIPANT_ID,
        (request, chatContext, stream, token) => handler()(request, chatContext, stream, token));
    participant.iconPath = vscode.Uri.joinPath(context.extensionUri, "media", "icon.svg");
    participant.followupProvider = {
        provideFollowups(result) {
            const m = result.metadata as MathTurnMetadata | undefined;
            const problem = m?.problem;
            if (m?.elasticMath !== 1 || problem == null || problem === "") return [];
            const followups: vscode.ChatFollowup[] = [];
            if (m.turn != null) followups.push({prompt: problem, command: "extended", label: vscode.l10n.t("Think longer (Extended budget)")});
            if (m.noNewHint !== true) followups.push({prompt: "", command: "hint", label: m.hints != null && m.hints.length > 0 ? vscode.l10n.t("Another hint") : vscode.l10n.t("A hint")});
            return followups;
        }
    };
    context.subscriptions.push(participant);
}
