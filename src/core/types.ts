/**
 * The engine's public contract: budgets, streaming events and results.
 * Plain data only: shared by the engine, the CLI, the VS Code layer and (through protocol/) the webviews.
 */

/** How much the model may generate. Token counts are sampled tokens, exact. */
export type BudgetSpec =
    | {
        readonly mode: "elastic";
        /** At most this many sampled tokens in the thinking phase (t). */
        readonly thinkTokens: number;
        /** At most this many sampled tokens in the solution phase (s). */
        readonly answerTokens: number;
    }
    | {
        readonly mode: "unconstrained";
        /** One phase up to this many tokens; defaults to what is left of the context. */
        readonly maxTokens?: number;
    };

export type GenerationPhase = "thinking" | "solution";

/** Why generation stopped: the model ended it, a budget ran out, or the user cancelled. */
export type StopReason = "eog" | "budget" | "abort";

export interface SamplingOptions {
    /** Default 0.6 (E1's evaluation setting). */
    readonly temperature?: number;
    /** Default 0.95. */
    readonly topP?: number;
    /** 0 = off (default, as in E1's evaluation). */
    readonly topK?: number;
    /** A seed makes sampling repeatable. */
    readonly seed?: number;
}

/** Events streamed while a request runs, in order. */
export type SolveEvent =
    | {readonly type: "queued"; readonly position: number}
    | {readonly type: "loading"; readonly model: string}
    | {readonly type: "started"; readonly model: string; readonly device: string; readonly promptTokens: number; readonly budget: BudgetSpec}
    | {
        readonly type: "delta";
        readonly phase: GenerationPhase;
        /** New text; never splits a UTF-8 character. */
        readonly text: string;
        readonly thinkingTokens: number;
        readonly solutionTokens: number;
    }
    /** The thinking budget ran out and the model's cut sequence was appended. */
    | {readonly type: "cut"; readonly thinkingTokens: number}
    /** Think longer: the model closed its thinking early; the close was dropped and "Wait" fed (count-th time). */
    | {readonly type: "forced"; readonly thinkingTokens: number; readonly count: number}
    /** The solution phase began (after a natural close of thinking or a cut). */
    | {readonly type: "phase"; readonly phase: GenerationPhase};

export interface SolveTimings {
    /** Loading the model (0 when it was already loaded). */
    readonly loadMs: number;
    /** Evaluating the prompt. */
    readonly promptMs: number;
    /** From the start of the request (after the queue) to the first generated token. */
    readonly timeToFirstTokenMs: number;
    readonly thinkingMs: number;
    readonly solutionMs: number;
    readonly totalMs: number;
    /** Generated tokens per second over both phases. */
    readonly tokensPerSecond: number;
}

export interface SolveResult {
    readonly thinkingTokens: number;
    readonly solutionTokens: number;
    /** True when the thinking budget ran out and the cut sequence was appended. */
    readonly thinkingCut: boolean;
    /** Think longer: thinking-token counts at which a close was suppressed and "Wait" fed (empty when none). */
    readonly forcedAt?: readonly number[];
    /** Why the last phase stopped. */
    readonly stop: StopReason;
    readonly thinking: string;
    readonly solution: string;
    /** The last \boxed{...} (or \fbox{...}) of the solution, or null. */
    readonly answer: string | null;
    readonly model: string;
    readonly device: string;
    readonly promptTokens: number;
    readonly budget: BudgetSpec;
    readonly timings: SolveTimings;
    /** Set when the answer broke off (a server connection dropped mid-answer): what happened; the text that arrived is kept. */
    readonly interrupted?: string;
}
