/**
 * What the engine needs from where the model runs. Two implementations: the local model (localBackend.ts,
 * node-llama-cpp) and an inference server (serverBackend.ts). The engine owns the queue, the request's state and
 * the phase loop (phases.ts); a backend loads, measures prompts and opens one generation session per request.
 */
import type {SolveEvent, StopReason} from "../types";
import type {PhasePlan, GenerationSession} from "./phases";
import type {ParallelPlan} from "./parallel";
import type {PromptMeter, SolveManyOptions, SolveOptions, SolveTrace} from "./options";
import type {RunState} from "./request";

/** One request about to run. */
export interface OpenRequest {
    readonly options: SolveOptions;
    readonly state: RunState;
    readonly signal: AbortSignal;
    emit(event: SolveEvent): void;
}

/** A request ready for the phase loop: its session and the plan (limits, seed, format) it runs under. */
export interface OpenedSession {
    readonly session: GenerationSession;
    readonly plan: PhasePlan;
    /**
     * The phase loop threw: returns what to tell the user with the partial result (the request ends as aborted,
     * the tokens that arrived are kept), or throws the error to report.
     */
    failed(err: unknown): {interrupted: string};
    /** The phase loop ended: the request's exact tokens, where the backend knows them. */
    finished(stop: StopReason): SolveTrace | undefined;
}

/** Where the k samples of a vote run. */
export interface SampleRunner {
    readonly plan: ParallelPlan;
    /**
     * Opens sample i's session. Parallel samples run in lanes (0 to the plan's width - 1): each lane is one sequence,
     * running its samples one after another.
     */
    open(index: number, request: OpenRequest, lane: number): Promise<OpenedSession | undefined>;
    /** A lane has no sample left: the other lanes' sequences stop waiting for it (lockstep.ts). */
    laneDone?(lane: number): void;
    /** Frees what the vote needed (a parallel context). */
    dispose(): Promise<void>;
}

export interface Backend {
    /** Where the model runs, once loaded ("CPU (2 threads)", "CUDA (...)"). */
    readonly device: string | undefined;
    readonly isLoaded: boolean;
    /** Why the engine runs where it runs (GPU fallback, a capped thread count); undefined when nothing to say. */
    readonly note: string | undefined;
    /** Loads the model if needed: calls `onLoading` first when it has to; returns the milliseconds it took. */
    ensureLoaded(signal: AbortSignal | undefined, onLoading: () => void): Promise<number>;
    promptMeter(): Promise<PromptMeter>;
    /** Prepares one request (prompt, limits, "started" event); undefined when it was cancelled meanwhile. */
    open(request: OpenRequest): Promise<OpenedSession | undefined>;
    /** Decides how the k samples of a vote run (after ensureLoaded). */
    planSamples(options: SolveManyOptions, k: number): Promise<SampleRunner>;
    dispose(): Promise<void>;
}
