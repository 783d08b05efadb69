/**
 * The messages between the extension host and the solution panel webview.
 * A leaf module: imports nothing at runtime, and both sides import it with `import type`.
 * Every message has a literal `type`; both sides switch over it exhaustively (see `assertNever`).
 */

/** The budget as the panel shows it. */
export type BudgetView =
    | {readonly mode: "elastic"; readonly thinkTokens: number; readonly answerTokens: number; readonly label: string}
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
    | {readonly type: "done"; readonly id: string; readonly stats: RequestStats; readonly answerHtml: string | null; readonly record: RequestRecord}
    | {readonly type: "error"; readonly id: string; readonly message: string; readonly record: RequestRecord}
    /** Restores finished requests after a reload: their HTML re-rendered by the host. */
    | {readonly type: "restore"; readonly items: readonly RestoredItem[]}
    | {readonly type: "clear"};

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
    | {readonly type: "clear"};

/** The webview's persisted state (vscode.setState), read back by the panel serializer. */
export interface PanelState {
    readonly records: readonly RequestRecord[];
}

/** Compile-time exhaustiveness check for `switch (message.type)`. */
export function assertNever(value: never): never {
    throw new Error(`unhandled message: ${JSON.stringify(value)}`);
}
