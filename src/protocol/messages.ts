/**
 * The messages between the extension host and the solution panel webview.
 * A leaf module: imports nothing at runtime, and both sides import it with `import type`.
 * Every message has a literal `type`; both sides switch over it exhaustively (see `assertNever`).
 */

/** The budget as the panel shows it. */
export type BudgetView =
    | {
        readonly mode: "elastic"; readonly thinkTokens: number; readonly answerTokens: number; readonly label: string;
        /** The model has no thinking phase: only the answer budget applies (the panel shows no thinking section). */
        readonly answerOnly?: boolean;
    }
    | {readonly mode: "unconstrained"; readonly maxTokens: number; readonly label: string};

export type RequestStatus = "queued" | "loading" | "thinking" | "answering" | "done" | "stopped" | "error";

/** Figures shown in a finished request's footer. */
export interface RequestStats {
    readonly thinkingTokens: number;
    readonly solutionTokens: number;
    readonly thinkingCut: boolean;
    readonly stop: "eog" | "budget" | "abort";
    readonly promptTokens: number;
    readonly timeToFirstTokenMs: number;
    readonly tokensPerSecond: number;
    readonly totalMs: number;
    readonly model: string;
    readonly device: string;
}

/** A finished request as the panel keeps it across reloads (raw text; HTML is re-rendered by the host). */
export interface RequestRecord {
    readonly id: string;
    readonly problem: string;
    readonly budget: BudgetView;
    readonly thinking: string;
    readonly solution: string;
    readonly answer: string | null;
    readonly status: RequestStatus;
    readonly stats: RequestStats | null;
    readonly error: string | null;
}

/** HTML produced by the host's renderer from untrusted model text (markdown-it html:false + KaTeX trust:false). */
export interface RenderedChunk {
    /** Finished blocks to append, never changed again. */
    readonly committed: readonly string[];
    /** The unfinished tail, replacing the previous tail. */
    readonly pending: string;
}

export type HostToPanelMessage =
    | {readonly type: "request"; readonly id: string; readonly problemHtml: string; readonly budget: BudgetView; readonly model: string}
    | {readonly type: "status"; readonly id: string; readonly status: RequestStatus; readonly position?: number; readonly detail?: string}
    | {readonly type: "started"; readonly id: string; readonly model: string; readonly device: string; readonly promptTokens: number}
    | {
        readonly type: "render";
        readonly id: string;
        readonly phase: "thinking" | "solution";
        readonly chunk: RenderedChunk;
        readonly thinkingTokens: number;
        readonly solutionTokens: number;
    }
    | {readonly type: "cut"; readonly id: string; readonly thinkingTokens: number}
    /** Think longer: the model closed its thinking after thinkingTokens; the close was suppressed and "Wait" appended (count-th time). */
    | {readonly type: "forced"; readonly id: string; readonly thinkingTokens: number; readonly count: number}
    | {readonly type: "done"; readonly id: string; readonly stats: RequestStats; readonly answerHtml: string | null; readonly record: RequestRecord}
    | {readonly type: "error"; readonly id: string; readonly message: string; readonly record: RequestRecord}
    /** Restores finished requests after a reload: their HTML re-rendered by the host. */
    | {readonly type: "restore"; readonly items: readonly RestoredItem[]}
    | {readonly type: "clear"}
    /** No model is configured: show the first-run offer as a card (null: a model is set now, remove the card). */
    | {readonly type: "firstRun"; readonly offer: FirstRunOfferView | null};

/** The first-run offer as the panel shows it: the recommended download (if the catalog has one) or a local file. */
export interface FirstRunOfferView {
    readonly message: string;
    /** e.g. "Download E1-Math-1.5B (about 1.1 GB)"; null when no catalog model can be downloaded. */
    readonly downloadLabel: string | null;
    /** e.g. "E1-Math-1.5B is CC-BY-NC-4.0: non-commercial use only." */
    readonly note: string | null;
    readonly chooseLabel: string;
}

export type FirstRunAction = "download" | "chooseFile";

export interface RestoredItem {
    readonly record: RequestRecord;
    readonly problemHtml: string;
    readonly thinkingHtml: string;
    readonly solutionHtml: string;
    readonly answerHtml: string | null;
}

export type CopyKind = "answer" | "markdown" | "latex";

export type PanelToHostMessage =
    | {readonly type: "ready"}
    | {readonly type: "stop"; readonly id: string}
    | {readonly type: "copy"; readonly id: string; readonly what: CopyKind}
    | {readonly type: "openLink"; readonly href: string}
    | {readonly type: "clear"}
    /** A button of the first-run card: the host downloads the recommended model or asks for a GGUF file. */
    | {readonly type: "firstRun"; readonly action: FirstRunAction};

/** The webview's persisted state (vscode.setState), read back by the panel serializer. */
export interface PanelState {
    readonly records: readonly RequestRecord[];
}

// ---------------------------------------------------------------------------------------------------------------
// The sidebar chat (host <-> chat view). A turn streams with the same per-request messages as the solution panel
// (request, status, started, render, cut, done, error), so the chat renders a turn with the same card.

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

/** Compile-time exhaustiveness check for `switch (message.type)`. */
export function assertNever(value: never): never {
    throw new Error(`unhandled message: ${JSON.stringify(value)}`);
}
