/**
 * The two-phase loop (runPhases) over a FAKE generation session. This is the one place a fake is right: the loop's
 * contract is "what it asks a backend for, and what it makes of the answers", and a scripted session makes every
 * boundary exact and repeatable (a close at exactly token t, a solution ending at exactly token s, a cancel at
 * token 3). The real backends run the same loop in the engine tier (test/engine/budgets.test.ts, backends.test.ts).
 *
 * The fake model: thinking is a list of segments, each normally ending in "</think>" (a segment that runs out
 * thinks on forever with "t"); the solution is a list of tokens, normally ending in "<eos>" (then "s" forever).
 * A solution step (after the close or the cut, or the only phase of a format without thinking) samples from the
 * solution; feeding "wait" (think longer) moves the model to its next thinking segment.
 */
import assert from "node:assert/strict";
import {test} from "node:test";
import {runPhases, type GenerationSession, type PhasePlan, type StepRequest, type StepResult} from "../../src/core/engine/phases";
import {CHATML_FORMAT, R1_DISTILL_FORMAT} from "../../src/core/promptFormat";
import type {BudgetSpec, SolveEvent, StopReason} from "../../src/core/types";

const CLOSE = "</think>";
const EOS = "<eos>";

class FakeSession implements GenerationSession {
    readonly steps: Omit<StepRequest, "onProgress">[] = [];
    private segment = 0;
    private pos = 0;
    private inSolution = false;
    private solPos = 0;
    constructor(private readonly thinking: readonly (readonly string[])[], private readonly solution: readonly string[], private readonly signal: AbortSignal) {}

    async step(req: StepRequest): Promise<StepResult> {
        const {onProgress, ...rest} = req;
        this.steps.push(rest);
        if (req.phase === "solution") this.inSolution = true;
        if (req.feed === "wait") { this.segment++; this.pos = 0; }
        let n = 0;
        while (n < req.maxTokens) {
            const token = this.inSolution ? this.solution[this.solPos++] ?? "s" : this.thinking[this.segment]?.[this.pos++] ?? "t";
            n++;
            // As the local session does: the close and the end of generation are counted, not streamed as text.
            if (req.stopAtClose && token === CLOSE) { onProgress("", n); return {end: "close", tokens: n}; }
            if (token === EOS) { onProgress("", n); return {end: "eog", tokens: n}; }
            if (onProgress(token, n)) return {end: "stop-text", tokens: n};
            if (this.signal.aborted) return {end: "abort", tokens: n};
        }
        return {end: "length", tokens: n};
    }
}

interface Run {
    stop: StopReason;
    state: {thinkingCount: number; solutionCount: number; thinkingCut: boolean; forcedAt: number[]; thinking: string[]; solution: string[]};
    events: SolveEvent[];
    steps: FakeSession["steps"];
}

async function run(o: {
    thinking?: string[][]; solution?: string[]; budget: BudgetSpec; format?: PhasePlan["format"];
    minThinkingTokens?: number; maxForcedContinuations?: number; abortWhen?: (e: SolveEvent) => boolean;
}): Promise<Run> {
    const controller = new AbortController();
    const session = new FakeSession(o.thinking ?? [], o.solution ?? [], controller.signal);
    const format = o.format ?? R1_DISTILL_FORMAT;
    const b = o.budget;
    const answerOnly = b.mode === "elastic" && format.thinking == null;
    const plan: PhasePlan = {
        format, budget: b, answerOnly, seed: 42,
        thinkLimit: b.mode === "elastic" ? (answerOnly ? b.answerTokens : b.thinkTokens) : b.maxTokens ?? 1000,
        answerLimit: b.mode === "elastic" && !answerOnly ? b.answerTokens : 0,
        minThinkingTokens: o.minThinkingTokens ?? 0, maxForcedContinuations: o.maxForcedContinuations ?? 3
    };
    const state = {thinkingCount: 0, solutionCount: 0, thinkingCut: false, forcedAt: [] as number[], thinking: [] as string[], solution: [] as string[], firstToken: 0, promptEnd: 0, thinkingEnd: 0};
    const events: SolveEvent[] = [];
    const stop = await runPhases(session, plan, {
        signal: controller.signal, state,
        emit: (e) => { events.push(e); if (o.abortWhen?.(e)) controller.abort(); }
    });
    return {stop, state, events, steps: session.steps};
}

const elastic = (thinkTokens: number, answerTokens: number): BudgetSpec => ({mode: "elastic", thinkTokens, answerTokens});
const types = (r: Run) => r.events.filter((e) => e.type !== "delta").map((e) => e.type);

test("natural stop: the model closes its thinking and ends its solution within the budgets", async () => {
    const r = await run({thinking: [["a", "b", CLOSE]], solution: ["x", "y", EOS], budget: elastic(10, 10)});
    assert.equal(r.stop, "eog");
    assert.equal(r.state.thinkingCount, 3, "the sampled close counts as a thinking token");
    assert.equal(r.state.solutionCount, 3, "the end-of-generation token counts as a solution token");
    assert.equal(r.state.thinkingCut, false);
    assert.equal(r.state.thinking.join(""), "ab");
    assert.equal(r.state.solution.join(""), "xy");
    assert.deepEqual(types(r), ["phase"]);
    assert.deepEqual(r.steps.map((s) => [s.feed, s.phase, s.maxTokens, s.stopAtClose]), [["prompt", "thinking", 10, true], ["close", "solution", 10, false]]);
    assert.equal(r.steps[1]!.seed, 43, "the solution phase samples with seed + 1");
});

test("cut at exactly the thinking budget: t tokens, the cut, then the solution under s", async () => {
    const r = await run({thinking: [[]], solution: ["x", EOS], budget: elastic(5, 10)});
    assert.equal(r.state.thinkingCount, 5);
    assert.equal(r.state.thinkingCut, true);
    assert.equal(r.state.thinking.join(""), "ttttt");
    assert.deepEqual(r.events.find((e) => e.type === "cut"), {type: "cut", thinkingTokens: 5});
    assert.deepEqual(types(r), ["cut", "phase"]);
    assert.deepEqual(r.steps.map((s) => [s.feed, s.maxTokens]), [["prompt", 5], ["cut", 10]]);
    assert.equal(r.state.solutionCount, 2);
    assert.equal(r.stop, "eog");
});

test("a close sampled as exactly the t-th token is a natural end, not a cut", async () => {
    const r = await run({thinking: [["a", "b", "c", "d", CLOSE]], solution: [EOS], budget: elastic(5, 10)});
    assert.equal(r.state.thinkingCount, 5);
    assert.equal(r.state.thinkingCut, false);
    assert.equal(r.steps[1]!.feed, "close");
    assert.ok(!types(r).includes("cut"));
});

test("solution at exactly the answer budget: s tokens and stop \"budget\"; an end of generation as the s-th token is \"eog\"", async () => {
    const cut = await run({thinking: [["a", CLOSE]], solution: [], budget: elastic(10, 4)});
    assert.equal(cut.state.solutionCount, 4);
    assert.equal(cut.state.solution.join(""), "ssss");
    assert.equal(cut.stop, "budget");
    const ends = await run({thinking: [["a", CLOSE]], solution: ["x", "y", "z", EOS], budget: elastic(10, 4)});
    assert.equal(ends.state.solutionCount, 4);
    assert.equal(ends.stop, "eog");
    const zero = await run({thinking: [[]], solution: ["x", EOS], budget: elastic(0, 3)});
    assert.equal(zero.state.thinkingCount, 0);
    assert.equal(zero.state.thinkingCut, true, "a thinking budget of 0 cuts at once");
    assert.deepEqual(zero.steps.map((s) => s.feed), ["cut"]);
});

test("unconstrained: thinking to the close, then the solution with what is left of the one limit", async () => {
    const r = await run({thinking: [["a", CLOSE]], solution: ["x", "y", "z", EOS], budget: {mode: "unconstrained", maxTokens: 100}});
    assert.equal(r.stop, "eog");
    assert.deepEqual([r.state.thinkingCount, r.state.solutionCount, r.state.thinkingCut], [2, 4, false]);
    assert.deepEqual(r.steps.map((s) => [s.feed, s.phase, s.maxTokens]), [["prompt", "thinking", 100], ["close", "solution", 98]]);
    const short = await run({thinking: [["a", CLOSE]], solution: [], budget: {mode: "unconstrained", maxTokens: 4}});
    assert.deepEqual([short.state.thinkingCount, short.state.solutionCount, short.stop], [2, 2, "budget"]);
    const never = await run({thinking: [[]], budget: {mode: "unconstrained", maxTokens: 6}});
    assert.deepEqual([never.state.thinkingCount, never.state.solutionCount, never.stop, never.state.thinkingCut], [6, 0, "budget", false]);
});

test("a format without thinking: one solution phase under the answer budget", async () => {
    const r = await run({format: CHATML_FORMAT, solution: ["x", "y", EOS], budget: elastic(1000, 10)});
    assert.deepEqual(r.steps.map((s) => [s.feed, s.phase, s.maxTokens, s.stopAtClose]), [["prompt", "solution", 10, false]]);
    assert.deepEqual([r.state.thinkingCount, r.state.solutionCount, r.stop], [0, 3, "eog"]);
    const long = await run({format: CHATML_FORMAT, solution: [], budget: elastic(0, 3)});
    assert.deepEqual([long.state.solutionCount, long.stop], [3, "budget"]);
});

test("think longer: an early close is dropped (not counted), the wait text fed, until the minimum; the seed changes per continuation", async () => {
    const r = await run({thinking: [["a", CLOSE], ["b", "c", CLOSE], ["d", "e", CLOSE]], solution: ["x", EOS], budget: elastic(100, 10), minThinkingTokens: 4});
    assert.deepEqual(r.state.forcedAt, [1, 3]);
    assert.equal(r.state.thinkingCount, 6, "a + b c + d e + the accepted close");
    assert.equal(r.state.thinking.join(""), "aWaitbcWaitde");
    assert.deepEqual(r.events.filter((e) => e.type === "forced"), [{type: "forced", thinkingTokens: 1, count: 1}, {type: "forced", thinkingTokens: 3, count: 2}]);
    assert.deepEqual(r.steps.map((s) => [s.feed, s.maxTokens, s.seed]), [["prompt", 100, 42], ["wait", 99, 42 + 7919], ["wait", 97, 42 + 2 * 7919], ["close", 10, 43]]);
    assert.equal(r.stop, "eog");
    // At most maxForcedContinuations: the second close is accepted although the minimum is not reached.
    const capped = await run({thinking: [["a", CLOSE], ["b", CLOSE], ["c", CLOSE]], solution: [EOS], budget: elastic(100, 10), minThinkingTokens: 50, maxForcedContinuations: 1});
    assert.deepEqual(capped.state.forcedAt, [1]);
    assert.equal(capped.state.thinkingCount, 3);
    // The thinking budget still holds: forced thinking is cut at exactly t.
    const cut = await run({thinking: [["a", CLOSE], []], solution: [EOS], budget: elastic(6, 10), minThinkingTokens: 5});
    assert.deepEqual([cut.state.thinkingCount, cut.state.thinkingCut], [6, true]);
});

test("cancel: the loop stops at the token it was cancelled on, in either phase, and reports \"abort\"", async () => {
    const inThinking = await run({thinking: [[]], solution: [EOS], budget: elastic(100, 10),
        abortWhen: (e) => e.type === "delta" && e.thinkingTokens === 3});
    assert.equal(inThinking.stop, "abort");
    assert.equal(inThinking.state.thinkingCount, 3);
    assert.equal(inThinking.steps.length, 1, "no solution phase after a cancel");
    assert.ok(!types(inThinking).includes("cut"));
    const inSolution = await run({thinking: [["a", CLOSE]], solution: [], budget: elastic(100, 100),
        abortWhen: (e) => e.type === "delta" && e.solutionTokens === 2});
    assert.equal(inSolution.stop, "abort");
    assert.equal(inSolution.state.solutionCount, 2);
    const unconstrained = await run({thinking: [[]], budget: {mode: "unconstrained", maxTokens: 100},
        abortWhen: (e) => e.type === "delta" && e.thinkingTokens === 4});
    assert.deepEqual([unconstrained.stop, unconstrained.state.thinkingCount], ["abort", 4]);
});
