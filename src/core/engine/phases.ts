/**
 * The two-phase Elastic Reasoning loop, once, over any backend.
 *
 * A backend (the local node-llama-cpp sequence, or a remote inference server) only knows how to continue what the
 * model has seen so far: append something (nothing new, the close, the cut, the wait text), sample at most N tokens,
 * stop early at the thinking close or an end of generation, stream the text, and say how it ended and exactly how many
 * tokens were sampled. Everything that makes the budgets elastic lives here and nowhere else:
 *   - phase 1 (thinking) to at most t sampled tokens or the model's own close;
 *   - when t ran out: the format's cut (E1: one `</think>`), then phase 2 (solution) to at most s sampled tokens;
 *   - think longer (s1's budget forcing): a close sampled before the minimum is dropped and the wait text appended;
 *   - answer-only formats (no thinking) and the unconstrained mode (thinking to the close, then the rest);
 *   - stop texts of few-shot formats, the streamed events and the token counts.
 *
 * Counting (both backends): a `</think>` the model sampled counts in the thinking tokens, a final end-of-generation
 * token in the solution tokens; a suppressed close (think longer) is not counted.
 */
import type {PromptFormat} from "../promptFormat";
import {StopTextFilter} from "../stopText";
import type {BudgetSpec, GenerationPhase, SolveEvent, StopReason} from "../types";

/** How one step of generation ended. */
export type StepEnd =
    /** The model sampled the thinking close (only when the step asked to stop there). */
    | "close"
    /** The model sampled an end-of-generation token (or a server stop text matched). */
    | "eog"
    /** `maxTokens` tokens were sampled. */
    | "length"
    /** The host asked to stop (a stop text of the format appeared). */
    | "stop-text"
    /** Cancelled. */
    | "abort";

/** What is appended to the model's context before a step samples. */
export type StepFeed =
    /** The first step: the prompt (nothing else). */
    | "prompt"
    /** The close the model sampled in the previous step (a natural end of thinking). */
    | "close"
    /** The format's cut sequence (the thinking budget ran out); after the last sampled token, if any. */
    | "cut"
    /** Think longer: the close sampled in the previous step is dropped and the format's wait text appended. */
    | "wait";

export interface StepRequest {
    readonly feed: StepFeed;
    readonly phase: GenerationPhase;
    /** At most this many sampled tokens (at least 1). */
    readonly maxTokens: number;
    /** End the step when the model samples the thinking close (counted, not yet fed). */
    readonly stopAtClose: boolean;
    readonly seed: number;
    /**
     * Called as text arrives: `tokens` = sampled tokens of this step so far. Returns true when the step must stop now
     * (a stop text appeared); the backend then ends with "stop-text" (a server that already stopped may say "eog").
     */
    readonly onProgress: (text: string, tokens: number) => boolean;
}

export interface StepResult {
    readonly end: StepEnd;
    /** Sampled tokens of this step, exact (a sampled close or end-of-generation token included). */
    readonly tokens: number;
}

/** One request's view of a backend: the prompt is set when the session is made; each step continues it. */
export interface GenerationSession {
    step(request: StepRequest): Promise<StepResult>;
}

/** What the phases report to the engine's request state. */
export interface PhaseHost {
    readonly signal: AbortSignal;
    /** The texts, counts and flags of the result being built. */
    readonly state: {
        thinkingCount: number;
        solutionCount: number;
        thinkingCut: boolean;
        forcedAt: number[];
        readonly thinking: string[];
        readonly solution: string[];
        firstToken: number;
        promptEnd: number;
        thinkingEnd: number;
    };
    emit(event: SolveEvent): void;
}

export interface PhasePlan {
    readonly format: PromptFormat;
    readonly budget: BudgetSpec;
    /** Thinking budget t (elastic), answer budget (answer-only) or the one-phase limit (unconstrained). */
    readonly thinkLimit: number;
    /** Solution budget s (elastic with thinking); 0 otherwise. */
    readonly answerLimit: number;
    /** The format has no thinking phase: one solution phase under the answer budget. */
    readonly answerOnly: boolean;
    readonly seed: number;
    readonly minThinkingTokens: number;
    readonly maxForcedContinuations: number;
}

/** What {@link runPhases} decided: the stop reason of the request. */
export async function runPhases(session: GenerationSession, plan: PhasePlan, host: PhaseHost): Promise<StopReason> {
    const {state, signal} = host;
    const format = plan.format;
    const stops = format.stopTexts != null && format.stopTexts.length > 0 ? new StopTextFilter(format.stopTexts) : null;
    const emitText = (phase: GenerationPhase, text: string) => {
        if (text === "") return;
        (phase === "thinking" ? state.thinking : state.solution).push(text);
        host.emit({type: "delta", phase, text, thinkingTokens: state.thinkingCount, solutionTokens: state.solutionCount});
    };
    const flushStops = () => { if (stops != null) emitText("solution", stops.flush()); };
    /** Runs one step, keeping the counts of `phase` current (base + the step's tokens) as text streams. */
    const step = async (feed: StepFeed, phase: GenerationPhase, maxTokens: number, stopAtClose: boolean, seed: number): Promise<StepResult> => {
        const base = phase === "thinking" ? state.thinkingCount : state.solutionCount;
        const set = (n: number) => { if (phase === "thinking") state.thinkingCount = base + n; else state.solutionCount = base + n; };
        const r = await session.step({
            feed, phase, maxTokens, stopAtClose, seed,
            onProgress: (text, tokens) => {
                if (state.firstToken === 0 && tokens > 0) {
                    state.firstToken = performance.now();
                    if (state.promptEnd === 0) state.promptEnd = state.firstToken;
                }
                set(tokens);
                emitText(phase, phase === "solution" && stops != null ? stops.push(text) : text);
                return stops?.stopped === true;
            }
        });
        set(r.tokens);
        return r;
    };
    const solSeed = (plan.seed + 1) >>> 0;
    const budget = plan.budget;

    if (budget.mode === "elastic" && !plan.answerOnly) {
        // Phase 1: thinking, to t or the model's close (think longer: an early close is dropped, the wait text fed).
        const t = plan.thinkLimit;
        const minThinking = plan.minThinkingTokens;
        const maxForced = minThinking > 0 ? plan.maxForcedContinuations : 0;
        let feed: StepFeed = "prompt";
        let end: StepEnd = "length";
        while (state.thinkingCount < t) {
            const seed = state.forcedAt.length === 0 ? plan.seed : (plan.seed + 7919 * state.forcedAt.length) >>> 0;
            const r = await step(feed, "thinking", t - state.thinkingCount, true, seed);
            end = r.end;
            if (r.end === "close" && state.thinkingCount - 1 < minThinking && state.forcedAt.length < maxForced && !signal.aborted) {
                state.thinkingCount -= 1; // the close is dropped: never fed, never counted
                state.forcedAt.push(state.thinkingCount);
                // The marker belongs where the close was suppressed: the event first, then "Wait" starts what follows.
                host.emit({type: "forced", thinkingTokens: state.thinkingCount, count: state.forcedAt.length});
                emitText("thinking", format.thinking?.wait ?? "Wait");
                feed = "wait";
                end = "length";
                continue;
            }
            break;
        }
        state.thinkingEnd = performance.now();
        if (state.promptEnd === 0) state.promptEnd = state.thinkingEnd;
        if (signal.aborted || end === "abort") return "abort";
        if (end === "eog" || end === "stop-text") return "eog";
        let phase2Feed: StepFeed;
        if (end === "close") {
            phase2Feed = "close";
        } else {
            // The budget ran out: exactly the cut sequence.
            state.thinkingCut = true;
            phase2Feed = "cut";
            host.emit({type: "cut", thinkingTokens: state.thinkingCount});
        }
        host.emit({type: "phase", phase: "solution"});
        // Phase 2: solution, to s or the end of generation.
        const r = await step(phase2Feed, "solution", plan.answerLimit, false, solSeed);
        flushStops();
        if (signal.aborted || r.end === "abort") return "abort";
        return r.end === "length" ? "budget" : "eog";
    }

    // One phase (answer-only format or unconstrained): thinking, if the prompt opened it, to the close; then the rest.
    const limit = plan.thinkLimit;
    let phase: GenerationPhase = !plan.answerOnly && format.thinking != null && format.thinking.openedByPrompt ? "thinking" : "solution";
    if (limit <= 0) {
        state.thinkingEnd = state.promptEnd || performance.now();
        return "budget";
    }
    let r = await step("prompt", phase, limit, phase === "thinking", plan.seed);
    if (phase === "thinking") {
        state.thinkingEnd = performance.now();
        if (r.end === "close" && !signal.aborted) {
            phase = "solution";
            host.emit({type: "phase", phase: "solution"});
            const left = limit - state.thinkingCount;
            if (left <= 0) return "budget";
            r = await step("close", "solution", left, false, solSeed);
        }
    }
    if (phase === "solution") flushStops();
    if (state.thinkingEnd === 0) state.thinkingEnd = state.promptEnd || performance.now();
    if (signal.aborted || r.end === "abort") return "abort";
    return r.end === "length" || r.end === "close" ? "budget" : "eog";
}
