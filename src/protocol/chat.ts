/**
 * The messages between the extension host and the sidebar chat webview. A leaf module like messages.ts (types only).
 * A turn streams with the same per-request messages as the solution panel (request, status, started, render, cut,
 * done, error), so the chat renders a turn with the same card.
 */
import type {BudgetView, CopyKind, HostToPanelMessage, RequestStats} from "./messages";

/** The per-request streaming messages the chat shares with the panel. */
export type TurnMessage = Extract<HostToPanelMessage, {readonly id: string}>;

/** A finished turn, rendered by the host for display (after a reload, or when a past conversation is opened). */
export interface ChatTurnView {
    readonly id: string;
    readonly userHtml: string;
    readonly budget: BudgetView;
    readonly thinkingHtml: string;
    readonly solutionHtml: string;
    readonly answerHtml: string | null;
    readonly status: "done" | "stopped" | "error";
    readonly stats: RequestStats | null;
    readonly error: string | null;
    /** The model no longer sees this turn (the conversation outgrew the context). */
    readonly dropped: boolean;
}

export interface ConversationSummary {
    readonly id: string;
    readonly title: string;
    readonly updated: number;
    readonly turns: number;
}

/** A budget the composer's chip offers. */
export interface BudgetChoiceView {
    readonly label: string;
    readonly description: string;
}

export type HostToChatMessage =
    | TurnMessage
    /** Replaces what the view shows: the current conversation, the past ones and the composer's budget. */
    | {
        readonly type: "conversation";
        readonly id: string;
        readonly title: string;
        readonly turns: readonly ChatTurnView[];
        readonly past: readonly ConversationSummary[];
        readonly budgets: readonly BudgetChoiceView[];
        readonly budget: string;
        readonly busy: boolean;
    }
    /** The list of conversations changed (a title, a turn count). */
    | {readonly type: "past"; readonly id: string; readonly past: readonly ConversationSummary[]}
    /** Something the user must see in the conversation (e.g. oldest turns dropped). */
    | {readonly type: "notice"; readonly text: string}
    /** Whether a turn of this conversation is running (disables Send, shows Stop). */
    | {readonly type: "busy"; readonly busy: boolean; readonly id?: string};

export type ChatToHostMessage =
    | {readonly type: "ready"}
    | {readonly type: "send"; readonly text: string; readonly budget: string}
    | {readonly type: "stop"; readonly id: string}
    | {readonly type: "newChat"}
    | {readonly type: "open"; readonly id: string}
    | {readonly type: "export"}
    | {readonly type: "copy"; readonly id: string; readonly what: CopyKind}
    | {readonly type: "openLink"; readonly href: string};
