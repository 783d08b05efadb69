/** One request as the engine runs it: its validation, its sampling, its job in the queue and its running state. */
import {extractAnswer} from "../answer";
import type {PromptFormat} from "../promptFormat";
import type {BudgetSpec, SamplingOptions, SolveEvent, SolveResult, StopReason} from "../types";
import {EngineError} from "./errors";
import type {SolveOptions} from "./options";

export const DEFAULT_CONTEXT_SIZE = 8192;
const DEFAULT_SAMPLING = {temperature: 0.6, topP: 0.95, topK: 0} as const;

/** A request in the queue (a solve, or a whole vote). */
export interface Job {
    readonly options: SolveOptions;
    readonly controller: AbortController;
    /** Set once the caller's promise is settled (after an abort the job may still be winding down). */
    settled: boolean;
    resolve(result: SolveResult): void;
    reject(err: unknown): void;
    lastPosition: number;
    /** Runs the request (set when it is queued). */
    run?: () => Promise<void>;
    emit(event: SolveEvent): void;
    snapshot(stop: StopReason): SolveResult;
}

/** Mutable state of one running request; `snapshot()` turns it into a result at any moment. */
export class RunState {
    thinkingCount = 0;
    solutionCount = 0;
    forcedAt: number[] = [];
    thinking: string[] = [];
    solution: string[] = [];
    thinkingCut = false;
    promptTokens = 0;
    reusedPromptTokens = 0;
    device = "";
    loadMs = 0;
    readonly t0 = performance.now();
    promptStart = 0;
    promptEnd = 0;
    firstToken = 0;
    thinkingEnd = 0;
    end = 0;
    constructor(readonly model: string, readonly budget: BudgetSpec) {}

    result(stop: StopReason): SolveResult {
        const now = this.end || performance.now();
        const solution = this.solution.join("");
        const genStart = this.promptEnd || now;
        const thinkingEnd = this.thinkingEnd || now;
        const generated = this.thinkingCount + this.solutionCount;
        const genMs = Math.max(0, now - genStart);
        return {
            thinkingTokens: this.thinkingCount,
            solutionTokens: this.solutionCount,
            thinkingCut: this.thinkingCut,
            ...(this.forcedAt.length > 0 ? {forcedAt: this.forcedAt.slice()} : {}),
            stop,
            thinking: this.thinking.join(""),
            solution,
            answer: extractAnswer(solution),
            model: this.model,
            device: this.device,
            promptTokens: this.promptTokens,
            budget: this.budget,
            timings: {
                loadMs: this.loadMs,
                promptMs: this.promptStart ? (this.promptEnd || now) - this.promptStart : 0,
                timeToFirstTokenMs: this.firstToken ? this.firstToken - this.t0 : 0,
                thinkingMs: this.promptEnd ? Math.max(0, thinkingEnd - this.promptEnd) : 0,
                solutionMs: this.thinkingEnd ? Math.max(0, now - this.thinkingEnd) : 0,
                totalMs: now - this.t0,
                tokensPerSecond: genMs > 0 ? generated / (genMs / 1000) : 0
            }
        };
    }
}

export function validateRequest(options: SolveOptions, format: PromptFormat): void {
    if (typeof options.problem !== "string" || options.problem.trim() === "")
        throw new EngineError("invalid-request", "The problem is empty.");
    const b = options.budget;
    const whole = (n: unknown, min: number) => typeof n === "number" && Number.isInteger(n) && n >= min;
    if (b == null) throw new EngineError("invalid-request", "A budget is required.");
    if (b.mode === "elastic") {
        if (!whole(b.thinkTokens, 0)) throw new EngineError("invalid-request", `The thinking budget must be a whole number of tokens (0 or more), got ${String(b.thinkTokens)}.`);
        if (!whole(b.answerTokens, 1)) throw new EngineError("invalid-request", `The solution budget must be a whole number of tokens (1 or more), got ${String(b.answerTokens)}.`);
    } else if (b.mode === "unconstrained") {
        if (b.maxTokens != null && !whole(b.maxTokens, 1)) throw new EngineError("invalid-request", `maxTokens must be a whole number (1 or more), got ${String(b.maxTokens)}.`);
    } else {
        throw new EngineError("invalid-request", `Unknown budget mode ${JSON.stringify((b as {mode: unknown}).mode)}.`);
    }
}

export function resolveSampling(defaults: SamplingOptions | undefined, request: SamplingOptions | undefined): Required<Omit<SamplingOptions, "seed">> & {seed: number} {
    const temperature = request?.temperature ?? defaults?.temperature ?? DEFAULT_SAMPLING.temperature;
    const topP = request?.topP ?? defaults?.topP ?? DEFAULT_SAMPLING.topP;
    const topK = request?.topK ?? defaults?.topK ?? DEFAULT_SAMPLING.topK;
    // node-llama-cpp's default seed is the current second: two requests in one second would sample alike.
    const seed = request?.seed ?? defaults?.seed ?? Math.floor(Math.random() * 0x7fffffff);
    return {temperature, topP, topK, seed};
}
