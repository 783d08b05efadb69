/**
 * The messages between the extension host and the webviews (the solution panel and the sidebar chat; the Tutor's
 * are in tutor.ts). Types only: a leaf module that both sides import with `import type`. Names say the direction:
 * `To…` goes from the host to a view, `From…` from a view to the host. Every message has a literal `type`; both sides
 * switch over it exhaustively (a `never` check), so a message nobody handles is a compile error.
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

/**
 * HTML, or its UTF-8 bytes. A long text rendered in the formula worker (a restored answer, the Tutor's full solution)
 * comes to a view as bytes, straight from the worker: VS Code posts bytes to a webview without serialising them as
 * JSON, so that HTML (megabytes for a long answer) never becomes strings in the extension host's heap. The page
 * decodes them (src/webview/host.ts, `htmlText`).
 */
export type HtmlPiece = string | Uint8Array;

/** HTML produced by the host's renderer from untrusted model text (markdown-it html:false + KaTeX trust:false). */
export interface RenderedChunk {
    /** Finished blocks to append, never changed again. */
    readonly committed: readonly HtmlPiece[];
    /** The unfinished tail, replacing the previous tail. */
    readonly pending: string;
}

/**
 * One request's streaming messages, the same for the panel and the chat (src/vscode/requestPipeline.ts posts them,
 * src/webview/turns.ts applies them).
 */
export type ToViewTurnMessage =
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
    | {readonly type: "error"; readonly id: string; readonly message: string; readonly record: RequestRecord};

export type ToPanelMessage =
    | ToViewTurnMessage
    /** Restores finished requests after a reload: their HTML re-rendered by the host. */
    | {readonly type: "restore"; readonly items: readonly RenderedRecord[]; /** Bring the last item's card into view. */ readonly reveal?: boolean}
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

/** A finished request (a panel solution or a chat turn) with its HTML rendered by the host, to show as it was. */
export interface RenderedRecord {
    readonly record: RequestRecord;
    readonly problemHtml: string;
    readonly thinkingHtml: string;
    readonly solutionHtml: string;
    readonly answerHtml: string | null;
    /** A chat turn the model no longer sees (the conversation outgrew the context). */
    readonly dropped?: boolean;
}

/**
 * Every view says it is ready once its script runs; `styled` is false when one of its style sheets did not load
 * (seen after a window reload: the resource requests failed), and the host then loads the page again.
 */
export interface FromViewReady {
    readonly type: "ready";
    readonly styled: boolean;
}

/**
 * Every view says so after it has applied each message from the host (src/webview/host.ts): the host keeps only a few
 * messages on their way to a page at once (webviewHost.ts, flow control), so a page slower than a stream never falls
 * behind it by more than those few.
 */
export interface FromViewApplied {
    readonly type: "applied";
}

export type CopyKind = "answer" | "markdown" | "latex";

export type FromPanelMessage =
    | FromViewReady
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
// The sidebar chat. A turn streams with the same per-request messages as the solution panel (ToViewTurnMessage), so
// the chat renders a turn with the same card.

export interface ConversationSummary {
    readonly id: string;
    readonly title: string;
    readonly updated: number;
    readonly turns: number;
}

/** A budget the composer's chip offers ("Custom" is the one typed with Custom…). */
export interface BudgetChoiceView {
    readonly label: string;
    readonly description: string;
}

/** The value of the chip's entry that asks the host for a custom budget (two input boxes) instead of naming a preset. */
export type CustomBudgetValue = "custom…";

export type ToChatMessage =
    | ToViewTurnMessage
    /** Replaces what the view shows: the current conversation, the past ones and the composer's budget. */
    | {
        readonly type: "conversation";
        readonly id: string;
        readonly title: string;
        readonly turns: readonly RenderedRecord[];
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

export type FromChatMessage =
    | FromViewReady
    /** The chip's Custom… entry: the host asks for the two numbers and answers with a snapshot. */
    | {readonly type: "customBudget"}
    | {readonly type: "send"; readonly text: string; readonly budget: string}
    | {readonly type: "stop"; readonly id: string}
    | {readonly type: "newChat"}
    | {readonly type: "open"; readonly id: string}
    | {readonly type: "export"}
    | {readonly type: "copy"; readonly id: string; readonly what: CopyKind}
    | {readonly type: "openLink"; readonly href: string};
