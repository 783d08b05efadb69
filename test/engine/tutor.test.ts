/**
 * Tutoring on real llama.cpp runs of scripted fixtures: think longer (s1 budget forcing), majority vote on a model
 * whose answer depends on the seed, and hints that never show the answer although the model leaks it.
 */
import assert from "node:assert/strict";
import {after, test} from "node:test";
import type {SolveEvent} from "../../src/core/types";
import type {SolveTrace} from "../../src/core/engine";
import {gradeAnswer} from "../../src/core/grading/equivalence";
import {MASK_TEXT, maskAnswer} from "../../src/core/tutor/mask";
import {requestHint} from "../../src/core/tutor/hints";
import {majorityVote} from "../../src/core/tutor/vote";
import {HINT_LEAKS, THINK_LONGER, THINK_STOPS, VOTE_SPLIT} from "../fixtures/scripted";
import {engineFor} from "./setup";

const engines = {longer: engineFor("think-longer"), vote: engineFor("vote-split"), leaks: engineFor("hint-leaks"), stops: engineFor("think-stops")};
after(async () => { for (const e of Object.values(engines)) await e.dispose(); });
const budget = {mode: "elastic", thinkTokens: 60, answerTokens: 60} as const;

test("think longer: an early close is replaced by Wait, the thinking goes on, and the result says where", async () => {
    const plain = await engines.longer.solve({problem: THINK_LONGER.problem, budget, sampling: {seed: 1}});
    assert.equal(plain.thinkingTokens, 5);
    assert.equal(plain.forcedAt, undefined);

    const events: SolveEvent[] = [];
    let trace: SolveTrace | undefined;
    const r = await engines.longer.solve({problem: THINK_LONGER.problem, budget, sampling: {seed: 1}, minThinkingTokens: 6,
        onEvent: (e) => events.push(e), onTrace: (t) => { trace = t; }});
    const after = THINK_LONGER.spec.afterWait!;
    assert.equal(r.thinking, THINK_LONGER.spec.thinking.join("") + "Wait" + after.join(""));
    assert.equal(r.thinkingTokens, 4 + after.length + 1, "sampled tokens: the dropped close does not count, the fed Wait is not sampled");
    assert.deepEqual(r.forcedAt, [4]);
    assert.deepEqual(events.filter((e) => e.type === "forced"), [{type: "forced", thinkingTokens: 4, count: 1}]);
    assert.equal(r.answer, "5");
    assert.equal(r.thinkingCut, false);
    assert.ok(trace);
    const waits = trace.forced.reduce((a, f) => a + f.tokens.length, 0);
    assert.equal(trace.contextTokens.length, trace.promptTokens.length + r.thinkingTokens + waits + r.solutionTokens - 1);

    const twice = await engines.longer.solve({problem: THINK_LONGER.problem, budget, sampling: {seed: 1}, minThinkingTokens: 1000, maxForcedContinuations: 2});
    assert.deepEqual(twice.forcedAt, [4, 4 + after.length]);
    assert.equal(twice.thinkingTokens, 4 + 2 * after.length + 1, "after the last allowed forcing, the close is kept");
    assert.equal(twice.answer, "5");
});

test("majority vote: answers vary by seed; the distribution counts every sample, grouped by equivalence", async () => {
    const progress: number[] = [];
    const v = await majorityVote({problem: VOTE_SPLIT.problem, budget, k: 12, seedBase: 100,
        solve: (o) => engines.vote.solve(o), onProgress: (p) => progress.push(p.done)});
    assert.deepEqual(progress, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    assert.equal(v.answers.length, 12);
    const c12 = v.answers.filter((a) => a === "12").length;
    const c13 = v.answers.filter((a) => a === "13").length;
    assert.equal(c12 + c13, 12, `answers: ${v.answers.join(",")}`);
    assert.ok(c12 > 0 && c13 > 0, `both endings are sampled over 12 seeds: ${v.answers.join(",")}`);
    const counts = Object.fromEntries(v.buckets.map((b) => [b.answer, b.count]));
    assert.deepEqual(counts, {"12": c12, "13": c13});
    assert.equal(v.agreed, c12 >= c13 ? "12" : "13");
    assert.equal(v.share, Math.max(c12, c13) / 12);
    // Repeatable: the same seed gives the same answer.
    const again = await engines.vote.solve({problem: VOTE_SPLIT.problem, budget, sampling: {seed: v.seeds[3]}});
    assert.equal(again.answer, v.answers[3]);
    console.log(`vote-split maj@12: 12 x${c12}, 13 x${c13}`);
});

test("hints never show the final answer, even from a model that leaks it in several forms", async () => {
    const solved = await engines.leaks.solve({problem: HINT_LEAKS.problem, budget, sampling: {seed: 3}});
    assert.equal(solved.answer, "\\dfrac12");
    const hint = await requestHint({problem: HINT_LEAKS.problem, level: 1, answer: solved.answer, budget, solve: (o) => engines.leaks.solve(o)});
    assert.ok(hint.masked >= 4, `masked ${hint.masked}: ${hint.text}`);
    assert.match(hint.text, /sharing a pizza/);
    for (const leak of ["\\frac{1}{2}", "0.5", "1/2", "\\dfrac12"]) assert.ok(!hint.text.includes(leak), `"${leak}" in ${hint.text}`);
    // Nothing left in the hint is equivalent to the answer.
    for (const n of hint.text.match(/-?\d+(?:\.\d+)?(?:\/\d+)?/g) ?? []) assert.notEqual(gradeAnswer("\\frac{1}{2}", n), true, n);

    // The scripted model writes the same hint whatever it is asked: asked for hint 2 it repeats hint 1, is asked once
    // more (the prompt names the repeat), repeats it again, and the result says so instead of posing as a new hint.
    const prompts: string[] = [];
    const h1again = await requestHint({problem: HINT_LEAKS.problem, level: 2, previous: [hint.text], answer: solved.answer, budget,
        solve: (o) => { prompts.push(o.problem); return engines.leaks.solve(o); }});
    assert.equal(h1again.repeats, 1);
    assert.equal(prompts.length, 2);
    assert.ok(!prompts[0]!.includes("only repeated") && prompts[1]!.includes("only repeated hint 1"), prompts[1]);

    const four = await engines.stops.solve({problem: THINK_STOPS.problem, budget, sampling: {seed: 3}});
    const h2 = await requestHint({problem: THINK_STOPS.problem, level: 2, previous: ["Count up."], answer: four.answer, budget, solve: (o) => engines.stops.solve(o)});
    assert.ok(!/(^|[^\d])4([^\d]|$)/.test(h2.text), h2.text);
    assert.match(h2.text, /2\+2=/);
    assert.equal(h2.repeats, undefined, "a new hint is not a repeat");
});

test("mask: prose numbers and percent, not other numbers", () => {
    const m = maskAnswer("It is 28% of the class, so 28 out of 100, not 27.", "28\\%");
    assert.equal(m.text, `It is ${MASK_TEXT} of the class, so ${MASK_TEXT} out of 100, not 27.`);
});
