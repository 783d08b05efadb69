/**
 * Majority vote with k sequences of one context (real llama.cpp on the vote-split fixture, whose answer depends on
 * the seed): the elastic budgets stay exact per sample, and the same seeds give the same answers as a run one
 * after another. Memory decides parallel vs sequential; a tiny "free memory" makes the engine fall back and say so.
 */
import assert from "node:assert/strict";
import {after, test} from "node:test";
import type {SolveTrace} from "../../src/core/engine";
import {decideParallel} from "../../src/core/engine/parallel";
import {majorityVote} from "../../src/core/tutor/vote";
import type {SolveResult} from "../../src/core/types";
import {VOTE_SPLIT, THINK_LONGER} from "../fixtures/scripted";
import {assertContextAccounting, engineFor} from "./setup";

const engine = engineFor("vote-split");
const longer = engineFor("think-longer");
after(async () => { await engine.dispose(); await longer.dispose(); });

// Thinking is cut at 3 tokens (the fixture closes after 4 + </think>); the 13 ending is cut by the 5-token solution budget.
const t = 3;
const s = 5;
const budget = {mode: "elastic", thinkTokens: t, answerTokens: s} as const;
const k = 8;
const samplings = Array.from({length: k}, (_, i) => ({seed: 500 + i}));

function checkSample(r: SolveResult, trace: SolveTrace | undefined, label: string): void {
    assert.ok(trace, label);
    assert.equal(r.thinkingTokens, t, `${label}: thinking cut exactly at t`);
    assert.ok(r.solutionTokens <= s, `${label}: solution ${r.solutionTokens} <= ${s}`);
    assert.equal(r.thinkingCut, true, label);
    // Cut exactly once: the cut sequence appears once in what the sequence holds, right after the thinking.
    assert.equal(trace.cutTokens.length > 0, true, label);
    const ctx = trace.contextTokens.join(",");
    const cut = trace.cutTokens.join(",");
    assert.equal(ctx.split(cut).length - 1, 1, `${label}: one cut in the KV cache`);
    assertContextAccounting(trace);
    assert.ok(r.answer === "12" || r.answer === "13", `${label}: ${r.answer}`);
}

test("k=8 in parallel: exact budgets per sample, same answers as one after another with the same seeds", async () => {
    await engine.load();
    // Warm up (the first generation after a load runs slower).
    await engine.solve({problem: VOTE_SPLIT.problem, budget, sampling: {seed: 1}});

    const traces: (SolveTrace | undefined)[] = [];
    const order: number[] = [];
    const t0 = performance.now();
    const par = await engine.solveMany({problem: VOTE_SPLIT.problem, budget, samplings, parallel: "auto",
        onTrace: (i, tr) => { traces[i] = tr; }, onSample: (i) => order.push(i)});
    const parMs = performance.now() - t0;
    assert.equal(par.plan.parallel, true, par.plan.reason);
    assert.match(par.plan.reason, /8 samples in parallel/);
    assert.equal(par.stopped, false);
    assert.equal(order.length, k);
    par.results.forEach((r, i) => checkSample(r!, traces[i], `parallel #${i}`));

    const seqTraces: (SolveTrace | undefined)[] = [];
    const t1 = performance.now();
    const seq = await engine.solveMany({problem: VOTE_SPLIT.problem, budget, samplings, parallel: false, onTrace: (i, tr) => { seqTraces[i] = tr; }});
    const seqMs = performance.now() - t1;
    assert.equal(seq.plan.parallel, false);
    seq.results.forEach((r, i) => checkSample(r!, seqTraces[i], `sequential #${i}`));

    // Same seeds, same samples: answers, texts and tokens match one by one.
    assert.deepEqual(par.results.map((r) => r!.answer), seq.results.map((r) => r!.answer));
    assert.deepEqual(par.results.map((r) => r!.solution), seq.results.map((r) => r!.solution));
    assert.deepEqual(traces.map((x) => x!.contextTokens), seqTraces.map((x) => x!.contextTokens));
    // And the same as plain solve() calls with those seeds.
    for (const i of [0, 5]) assert.equal((await engine.solve({problem: VOTE_SPLIT.problem, budget, sampling: samplings[i]})).answer, par.results[i]!.answer);
    const answers = par.results.map((r) => r!.answer);
    assert.ok(answers.includes("12") && answers.includes("13"), `both endings over 8 seeds: ${answers.join(",")}`);
    console.log(`vote-split k=8, t=${t} s=${s}: parallel ${parMs.toFixed(0)} ms, sequential ${seqMs.toFixed(0)} ms (${par.plan.reason}); answers ${answers.join(",")}`);
});

test("majority vote through solveMany: progress per sample, and the chart counts equal a sequential vote's", async () => {
    const plans: string[] = [];
    const progress: number[] = [];
    const solveMany = (parallel: boolean) => (o: Parameters<typeof engine.solveMany>[0]) => engine.solveMany({...o, parallel});
    const par = await majorityVote({problem: VOTE_SPLIT.problem, budget, k, seedBase: 500, solve: (o) => engine.solve(o),
        solveMany: solveMany(true), onPlan: (p) => plans.push(p.reason), onProgress: (p) => progress.push(p.done)});
    const seq = await majorityVote({problem: VOTE_SPLIT.problem, budget, k, seedBase: 500, solve: (o) => engine.solve(o)});
    assert.equal(plans.length, 1);
    assert.match(plans[0]!, /in parallel/);
    assert.deepEqual(progress, [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(par.answers, seq.answers);
    assert.deepEqual(par.seeds, seq.seeds);
    assert.deepEqual(par.buckets, seq.buckets);
    assert.equal(par.agreed, seq.agreed);
    assert.equal(par.stopped, false);
});

test("not enough free memory: one after another, and the plan says why", async () => {
    const plans: string[] = [];
    const r = await engine.solveMany({problem: VOTE_SPLIT.problem, budget, samplings: samplings.slice(0, 4),
        freeMemory: {freeCpuBytes: 1024 * 1024}, onPlan: (p) => plans.push(p.reason)});
    assert.equal(r.plan.parallel, false);
    assert.match(plans[0]!, /one after another: 4 sequences of \d+ tokens need about \d+ MB of RAM and 1 MB is free/);
    assert.equal(r.results.filter((x) => x != null).length, 4);
    // The pure decision: GPU memory counts too.
    assert.equal(decideParallel(4, 1024, {needCpuBytes: 10, needGpuBytes: 900, freeCpuBytes: 1e9, freeGpuBytes: 1000}).parallel, false);
    assert.equal(decideParallel(4, 1024, {needCpuBytes: 10, needGpuBytes: 500, freeCpuBytes: 1e9, freeGpuBytes: 1000}).parallel, true);
    assert.equal(decideParallel(1, 1024, {needCpuBytes: 0, needGpuBytes: 0, freeCpuBytes: 1e9, freeGpuBytes: null}).parallel, false);
});

test("parallel think longer: each sequence suppresses its own close and feeds Wait; a cancel keeps finished samples", async () => {
    const b = {mode: "elastic", thinkTokens: 60, answerTokens: 60} as const;
    const r = await longer.solveMany({problem: THINK_LONGER.problem, budget: b, samplings: [{seed: 1}, {seed: 2}, {seed: 3}], minThinkingTokens: 6, parallel: true});
    assert.equal(r.plan.parallel, true);
    for (const x of r.results) {
        assert.deepEqual(x!.forcedAt, [4]);
        assert.equal(x!.thinking, THINK_LONGER.spec.thinking.join("") + "Wait" + THINK_LONGER.spec.afterWait!.join(""));
        assert.equal(x!.answer, "5");
    }
    const controller = new AbortController();
    controller.abort();
    const cancelled = await engine.solveMany({problem: VOTE_SPLIT.problem, budget, samplings, signal: controller.signal});
    assert.equal(cancelled.stopped, true);
    assert.deepEqual(cancelled.results, new Array(k).fill(null));
    // Cancelled after the first sample, one after another: that sample is kept, the rest are not run.
    const c2 = new AbortController();
    const mid = await engine.solveMany({problem: VOTE_SPLIT.problem, budget, samplings, parallel: false, signal: c2.signal, onSample: () => c2.abort()});
    assert.equal(mid.stopped, true);
    assert.equal(mid.results.filter((x) => x != null).length, 1);
    assert.ok(mid.results[0] != null);
    // Cancelled while the 8 sequences generate: the batch resolves and the engine goes idle.
    const c3 = new AbortController();
    const during = await engine.solveMany({problem: VOTE_SPLIT.problem, budget: {mode: "elastic", thinkTokens: 3, answerTokens: 50}, samplings,
        parallel: true, signal: c3.signal, onSampleEvent: (_i, e) => { if (e.type === "delta") c3.abort(); }});
    assert.equal(during.stopped, true);
    await engine.whenIdle();
    // The engine still works after it.
    assert.ok((await engine.solve({problem: VOTE_SPLIT.problem, budget, sampling: {seed: 2}})).answer != null);
});

test("memory for some but not all k sequences: the largest number that fits runs at a time, budgets exact, the sequential samples", async () => {
    const four = samplings.slice(0, 4);
    // The free memory at which parallel first becomes possible (found by asking for plans only, in bytes).
    const planAt = async (free: number) => {
        const c = new AbortController();
        let plan: {parallel: boolean; width?: number; reason: string} | undefined;
        await engine.solveMany({problem: VOTE_SPLIT.problem, budget, samplings: four, signal: c.signal, freeMemory: {freeCpuBytes: free},
            onPlan: (p) => { plan = p; c.abort(); }});
        await engine.whenIdle();
        return plan!;
    };
    let lo = 1;
    let hi = 64 * 1024 * 1024 * 1024;
    assert.equal((await planAt(hi)).width, 4);
    while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if ((await planAt(mid)).parallel) hi = mid; else lo = mid;
    }
    const plan = await planAt(hi);
    assert.equal(plan.parallel, true);
    assert.ok(plan.width != null && plan.width >= 2 && plan.width < 4, `width ${plan.width}: ${plan.reason}`);
    assert.match(plan.reason, new RegExp(`^4 samples, ${plan.width} at a time in parallel .*; all 4: 4 sequences of \\d+ tokens need about`));

    const traces: (SolveTrace | undefined)[] = [];
    const r = await engine.solveMany({problem: VOTE_SPLIT.problem, budget, samplings: four, freeMemory: {freeCpuBytes: hi}, onTrace: (i, tr) => { traces[i] = tr; }});
    assert.equal(r.plan.width, plan.width);
    r.results.forEach((x, i) => checkSample(x!, traces[i], `lane run #${i}`));
    const seqTraces: (SolveTrace | undefined)[] = [];
    const seq = await engine.solveMany({problem: VOTE_SPLIT.problem, budget, samplings: four, parallel: false, onTrace: (i, tr) => { seqTraces[i] = tr; }});
    assert.deepEqual(r.results.map((x) => x!.answer), seq.results.map((x) => x!.answer));
    assert.deepEqual(traces.map((x) => x!.contextTokens), seqTraces.map((x) => x!.contextTokens));
});
