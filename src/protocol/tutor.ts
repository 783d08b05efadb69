/**
 * Messages between the extension host and the Tutor panel (Check My Answer, hints, step by step, majority vote).
 * A leaf module like messages.ts: types only, named by direction; HTML fields are produced by the host's renderer
 * from untrusted text (markdown-it html:false + KaTeX trust:false).
 */
import type {BudgetView, HtmlPiece} from "./messages";

export type CheckVerdictView = "correct" | "not-equivalent" | "cannot-tell" | "no-model-answer" | "empty" | "unreadable";

export interface VoteBucketView {
    /** The answer rendered (KaTeX), or null for samples without an answer. */
    readonly answerHtml: string | null;
    readonly count: number;
}

export type ToTutorMessage =
    /** A new problem: everything else in the panel is reset. The budget as the other views show it (answer only for a model without thinking). */
    | {readonly type: "problem"; readonly problemHtml: string; readonly budget: BudgetView}
    | {readonly type: "status"; readonly text: string; readonly busy: boolean}
    /** The tutor's own solution is ready (kept hidden): how many steps it has, whether it has a final answer. */
    | {readonly type: "ready-to-tutor"; readonly steps: number; readonly hasAnswer: boolean; readonly forcedAt: readonly number[]}
    /**
     * A checked answer. `studentHtml`: the student's answer rendered (null when empty or unreadable: only the message
     * shows); `tutorHtml`: the tutor's final answer, sent only when the student's is correct (never given away).
     */
    | {readonly type: "check"; readonly verdict: CheckVerdictView; readonly message: string; readonly studentHtml: string | null; readonly tutorHtml: string | null}
    | {readonly type: "hint"; readonly level: number; readonly html: string; readonly masked: number}
    | {readonly type: "step"; readonly index: number; readonly total: number; readonly html: string}
    /** The full solution; a long one comes in pieces: the first replaces what was shown, the next ones `append`. */
    | {readonly type: "solution"; readonly html: HtmlPiece; readonly answerHtml: string | null; readonly append?: boolean}
    | {readonly type: "vote"; readonly done: number; readonly k: number; readonly buckets: readonly VoteBucketView[]; readonly final: boolean;
        readonly agreedHtml: string | null; readonly share: number;
        /** How the samples run: in parallel on one context, or one after another and why. */
        readonly plan?: string}
    | {readonly type: "error"; readonly message: string};

export type FromTutorMessage =
    /** As every view's (messages.ts FromViewReady; this leaf imports nothing). */
    | {readonly type: "ready"; readonly styled: boolean}
    | {readonly type: "check"; readonly answer: string}
    | {readonly type: "hint"}
    | {readonly type: "step"}
    | {readonly type: "showSolution"}
    /** Majority vote; without k the host asks for it (quick pick). */
    | {readonly type: "vote"; readonly k?: number}
    | {readonly type: "stop"};

/**
 * What the Tutor's page keeps in its saved state (src/webview/tutor.ts), read back by the host after a window reload:
 * the messages it showed, and whether the full solution was shown (the host renders that again from its session).
 */
export interface TutorPageState {
    readonly shown: readonly ToTutorMessage[];
    readonly solutionShown: boolean;
}
