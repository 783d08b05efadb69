/**
 * Exact budgets on real llama.cpp, with scripted fixture models whose output is known token by token.
 */
import assert from "node:assert/strict";
import {after, test} from "node:test";
import type {SolveTrace} from "../../src/core/engine";
import {ANSWER_FOREVER, THINK_FOREVER, THINK_STOPS} from "../fixtures/scripted";
import {assertContextAccounting, engineFor, recorder} from "./setup";

const stops = engineFor("think-stops");
const forever = engineFor("think-forever");
const answerForever = engineFor("answer-forever");
after(async () => { await Promise.all([stops.dispose(), forever.dispose(), answerForever.dispose()]); });

const elastic = (thinkTokens: number, answerTokens: number) => ({mode: "elastic" as const, thinkTokens, answerTokens});

test("think-stops follows its script: greedy and sampled (0.6 / 0.95) over several seeds", async () => {
    const runs = [{temperature: 0}, ...[1, 2, 3, 4, 5, 6].map((seed) => ({temperature: 0.6, topP: 0.95, seed}))];
    for (const sampling of runs) {
        let trace: SolveTrace | undefined;
        const rec = recorder();
        const r = await stops.solve({problem: THINK_STOPS.problem, budget: elastic(200, 200), sampling, onEvent: rec.onEvent, onTrace: (t) => { trace = t; }});
        const label = JSON.stringify(sampling);
        assert.equal(r.thinking, THINK_STOPS.thinkingText(), label);
        assert.equal(r.solution, THINK_STOPS.fullSolution, label);
        assert.equal(r.thinkingTokens, THINK_STOPS.naturalThinkingTokens, label);
        assert.equal(r.solutionTokens, THINK_STOPS.naturalSolutionTokens, label);
        assert.equal(r.thinkingCut, false);
        assert.equal(r.stop, "eog");
        assert.equal(r.answer, "4");
        assert.equal(rec.text("thinking"), r.thinking, "streamed thinking = result");
        assert.equal(rec.text("solution"), r.solution, "streamed solution = result");
        assert.ok(!rec.types().includes("cut"), "no cut event on a natural close");
        assert.equal(rec.types().filter((t) => t !== "loading")[0], "started");
        assert.equal(rec.types().filter((t) => t === "phase").length, 1);
        assertContextAccounting(trace!);
        assert.equal(trace!.cutTokens.length, 0);
        assert.equal(r.promptTokens, trace!.promptTokens.length);
    }
});

test("thinking is cut at exactly t sampled tokens, then exactly one </think> is fed", async () => {
    for (const t of [1, 2, 5, 6, 7, 40, 150]) {
        let trace: SolveTrace | undefined;
        const rec = recorder();
        const r = await forever.solve({problem: THINK_FOREVER.problem, budget: elastic(t, 100), sampling: {seed: t},
            onEvent: rec.onEvent, onTrace: (x) => { trace = x; }});
        assert.equal(r.thinkingTokens, t, `t=${t}`);
        assert.equal(r.thinking, THINK_FOREVER.thinkingText(t));
        assert.equal(r.thinkingCut, true);
        assert.equal(r.solution, THINK_FOREVER.fullSolution);
        assert.equal(r.solutionTokens, THINK_FOREVER.naturalSolutionTokens);
        assert.equal(r.stop, "eog");
        assert.equal(r.answer, "7");
        const cuts = rec.events.filter((e) => e.type === "cut");
        assert.deepEqual(cuts, [{type: "cut", thinkingTokens: t}]);
        const types = rec.types();
        assert.ok(types.indexOf("cut") < types.indexOf("phase"), "cut, then the solution phase");
        assert.equal(trace!.cutTokens.length, 1, "the cut is a single token");
        const close = trace!.cutTokens[0]!;
        assert.equal(trace!.contextTokens.filter((x) => x === close).length, 1, "</think> is in the context exactly once");
        assert.equal(trace!.contextTokens[trace!.promptTokens.length + t], close, "</think> right after the t thinking tokens");
        assertContextAccounting(trace!);
    }
});

test("t = 0 cuts before any thinking", async () => {
    let trace: SolveTrace | undefined;
    const r = await forever.solve({problem: THINK_FOREVER.problem, budget: elastic(0, 100), onTrace: (x) => { trace = x; }});
    assert.equal(r.thinkingTokens, 0);
    assert.equal(r.thinking, "");
    assert.equal(r.thinkingCut, true);
    assert.equal(r.solution, THINK_FOREVER.fullSolution);
    assertContextAccounting(trace!);
});

test("a budget equal to the natural length closes naturally; one less cuts", async () => {
    const n = THINK_STOPS.naturalThinkingTokens!;
    const exact = await stops.solve({problem: THINK_STOPS.problem, budget: elastic(n, 100)});
    assert.equal(exact.thinkingCut, false);
    assert.equal(exact.thinkingTokens, n);
    let trace: SolveTrace | undefined;
    const less = await stops.solve({problem: THINK_STOPS.problem, budget: elastic(n - 1, 100), onTrace: (x) => { trace = x; }});
    assert.equal(less.thinkingCut, true);
    assert.equal(less.thinkingTokens, n - 1);
    assert.equal(less.thinking, THINK_STOPS.thinkingText());
    assert.equal(less.solution, THINK_STOPS.fullSolution);
    assertContextAccounting(trace!);
});

test("the solution is cut at exactly s sampled tokens", async () => {
    for (const s of [1, 2, 3, 9, 60]) {
        let trace: SolveTrace | undefined;
        const r = await answerForever.solve({problem: ANSWER_FOREVER.problem, budget: elastic(100, s), sampling: {seed: s}, onTrace: (x) => { trace = x; }});
        assert.equal(r.thinkingTokens, ANSWER_FOREVER.naturalThinkingTokens);
        assert.equal(r.thinkingCut, false);
        assert.equal(r.solutionTokens, s, `s=${s}`);
        assert.equal(r.solution, ANSWER_FOREVER.solutionText(s));
        assert.equal(r.stop, "budget");
        assertContextAccounting(trace!);
    }
    const short = await stops.solve({problem: THINK_STOPS.problem, budget: elastic(100, 4)});
    assert.equal(short.solutionTokens, 4);
    assert.equal(short.stop, "budget");
    assert.equal(short.solution, THINK_STOPS.solutionText(4));
    assert.equal(short.answer, null);
});

test("unconstrained: one phase, split where the model closes its thinking; maxTokens is exact", async () => {
    let trace: SolveTrace | undefined;
    const rec = recorder();
    const r = await stops.solve({problem: THINK_STOPS.problem, budget: {mode: "unconstrained"}, onEvent: rec.onEvent, onTrace: (x) => { trace = x; }});
    assert.equal(r.thinking, THINK_STOPS.thinkingText());
    assert.equal(r.solution, THINK_STOPS.fullSolution);
    assert.equal(r.thinkingTokens, THINK_STOPS.naturalThinkingTokens);
    assert.equal(r.solutionTokens, THINK_STOPS.naturalSolutionTokens);
    assert.equal(r.stop, "eog");
    assert.equal(r.thinkingCut, false);
    assert.deepEqual(rec.events.filter((e) => e.type === "phase"), [{type: "phase", phase: "solution"}]);
    assertContextAccounting(trace!);

    for (const maxTokens of [1, 10, 37]) {
        const m = await stops.solve({problem: THINK_STOPS.problem, budget: {mode: "unconstrained", maxTokens}, onTrace: (x) => { trace = x; }});
        assert.equal(m.thinkingTokens + m.solutionTokens, maxTokens, `maxTokens=${maxTokens}`);
        assert.equal(m.stop, "budget");
        assert.equal(m.thinkingCut, false);
        assertContextAccounting(trace!);
    }
    const f = await forever.solve({problem: THINK_FOREVER.problem, budget: {mode: "unconstrained", maxTokens: 25}});
    assert.equal(f.thinkingTokens, 25);
    assert.equal(f.thinking, THINK_FOREVER.thinkingText(25));
    assert.equal(f.solution, "");
    assert.equal(f.answer, null);
});

test("unconstrained without maxTokens stops at the context size, never shifting it", async () => {
    const small = engineFor("think-forever", {contextSize: 256});
    try {
        let trace: SolveTrace | undefined;
        const r = await small.solve({problem: THINK_FOREVER.problem, budget: {mode: "unconstrained"}, onTrace: (x) => { trace = x; }});
        assert.equal(r.stop, "budget");
        assert.equal(r.thinkingTokens, 256 - r.promptTokens);
        assertContextAccounting(trace!);
        assert.deepEqual(trace!.contextTokens.slice(0, r.promptTokens), trace!.promptTokens, "the prompt is still there");
    } finally {
        await small.dispose();
    }
});

test("the result reports model, device and timings", async () => {
    const r = await stops.solve({problem: THINK_STOPS.problem, budget: elastic(100, 100)});
    assert.equal(r.model, "think-stops");
    assert.equal(r.device, "CPU (1 thread)");
    assert.equal(stops.device, "CPU (1 thread)");
    assert.ok(r.timings.totalMs > 0 && r.timings.tokensPerSecond > 0);
    assert.equal(r.timings.loadMs, 0, "already loaded");
    assert.deepEqual(r.budget, elastic(100, 100));
});
