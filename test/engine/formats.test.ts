/**
 * Model families without a thinking phase, on real llama.cpp: a scripted ChatML model (TinyMathReason-like) and a
 * scripted base model prompted Minerva-style (Llemma-like), each with the prompt format the extension would pick for
 * its GGUF (detected from the file's chat template, as for a model that is not in the catalog).
 */
import assert from "node:assert/strict";
import {after, test} from "node:test";
import type {SolveTrace} from "../../src/core/engine";
import {detectPromptFormat, readGgufPromptInfo} from "../../src/core/modelTemplate";
import {CHATML_FORMAT, LLEMMA_FEW_SHOT_FORMAT} from "../../src/core/promptFormat";
import {CHATML_ANSWER, FEW_SHOT_BASE} from "../fixtures/scripted";
import {assertContextAccounting, engineFor, fixtures, recorder} from "./setup";

const chatml = engineFor(CHATML_ANSWER.name, {format: CHATML_FORMAT});
const fewShot = engineFor(FEW_SHOT_BASE.name, {format: LLEMMA_FEW_SHOT_FORMAT});
const noStops = engineFor(FEW_SHOT_BASE.name, {format: {...LLEMMA_FEW_SHOT_FORMAT, stopTexts: []}});
after(async () => { await Promise.all([chatml.dispose(), fewShot.dispose(), noStops.dispose()]); });

const elastic = (thinkTokens: number, answerTokens: number) => ({mode: "elastic" as const, thinkTokens, answerTokens});

test("the fixtures' GGUF metadata selects the formats: ChatML template -> chatml, no template -> Minerva few-shot", async () => {
    assert.equal(detectPromptFormat(await readGgufPromptInfo(fixtures[CHATML_ANSWER.name]!)).id, CHATML_FORMAT.id);
    assert.equal(detectPromptFormat(await readGgufPromptInfo(fixtures[FEW_SHOT_BASE.name]!)).id, LLEMMA_FEW_SHOT_FORMAT.id);
});

test("ChatML: one solution phase, no thinking, ends on <|im_end|> with the boxed answer (greedy and sampled)", async () => {
    for (const sampling of [{temperature: 0}, {seed: 1}, {seed: 2}, {seed: 3}]) {
        let trace: SolveTrace | undefined;
        const rec = recorder();
        // A thinking budget is moot for this format: only the answer budget applies.
        const r = await chatml.solve({problem: CHATML_ANSWER.problem, budget: elastic(5, 100), sampling, onEvent: rec.onEvent, onTrace: (t) => { trace = t; }});
        const label = JSON.stringify(sampling);
        assert.equal(r.thinking, "", label);
        assert.equal(r.thinkingTokens, 0, label);
        assert.equal(r.thinkingCut, false, label);
        assert.equal(r.solution, CHATML_ANSWER.fullSolution, label);
        assert.equal(r.solutionTokens, CHATML_ANSWER.naturalSolutionTokens, label);
        assert.equal(r.stop, "eog", label);
        assert.equal(r.answer, "42", label);
        assert.ok(!rec.types().includes("cut") && !rec.types().includes("phase"), `one phase only: ${rec.types().join(",")}`);
        assert.ok(rec.events.every((e) => e.type !== "delta" || e.phase === "solution"), "every delta is solution text");
        assert.equal(rec.text("solution"), r.solution, "streamed = result");
        assert.equal(trace!.thinkingTokens.length, 0);
        assert.equal(trace!.cutTokens.length, 0);
        assertContextAccounting(trace!);
    }
});

test("ChatML: stops at exactly s answer tokens; a budget at or above the natural length ends naturally", async () => {
    const natural = CHATML_ANSWER.naturalSolutionTokens!;
    for (const s of [1, 2, 4, natural - 1]) {
        let trace: SolveTrace | undefined;
        const r = await chatml.solve({problem: CHATML_ANSWER.problem, budget: elastic(1024, s), sampling: {seed: s}, onTrace: (t) => { trace = t; }});
        assert.equal(r.solutionTokens, s, `s=${s}`);
        assert.equal(r.solution, CHATML_ANSWER.solutionText(s), `s=${s}`);
        assert.equal(r.stop, "budget", `s=${s}`);
        assert.equal(r.thinkingTokens, 0);
        // The box is the last chunk: s = natural - 1 has it, only <|im_end|> is missing.
        assert.equal(r.answer, s < CHATML_ANSWER.spec.solution.length ? null : "42", `s=${s}`);
        assertContextAccounting(trace!);
    }
    for (const s of [natural, natural + 1, 500]) {
        const r = await chatml.solve({problem: CHATML_ANSWER.problem, budget: elastic(0, s)});
        assert.equal(r.solutionTokens, natural, `s=${s}`);
        assert.equal(r.stop, "eog", `s=${s}`);
        assert.equal(r.answer, "42");
    }
});

test("ChatML: the prompt evaluated is the format's prompt, counted alike by the prompt meter", async () => {
    let trace: SolveTrace | undefined;
    await chatml.solve({problem: CHATML_ANSWER.problem, budget: elastic(0, 3), onTrace: (t) => { trace = t; }});
    const meter = await chatml.promptMeter();
    assert.equal(trace!.promptTokens.length, meter.countPromptTokens(CHATML_ANSWER.problem));
});

test("Minerva few-shot on a base model: the stop text cuts the endless continuation; the answer is read from 'The final answer is'", async () => {
    const cutAt = FEW_SHOT_BASE.spec.solution.indexOf(" it is correct.") + 1; // sampled tokens until "I hope it is correct." is complete
    for (const sampling of [{temperature: 0}, {seed: 4}, {seed: 5}]) {
        const rec = recorder();
        const r = await fewShot.solve({problem: FEW_SHOT_BASE.problem, budget: elastic(1024, 300), sampling, onEvent: rec.onEvent});
        const label = JSON.stringify(sampling);
        assert.equal(r.answer, "5", label);
        assert.equal(r.stop, "eog", label);
        assert.equal(r.solutionTokens, cutAt, label);
        assert.equal(r.thinkingTokens, 0);
        assert.equal(r.solution, " We add the two numbers: $2+3=5$.\nFinal Answer: The final answer is $5$. ", label);
        assert.ok(!r.solution.includes("I hope") && !r.solution.includes("Problem:") && !r.solution.includes("more text"), label);
        assert.equal(rec.text("solution"), r.solution, "the stream never showed the stop text");
    }
});

test("Minerva few-shot without stop texts runs on to the budget (the stop texts are what end it)", async () => {
    const r = await noStops.solve({problem: FEW_SHOT_BASE.problem, budget: elastic(0, 40), sampling: {seed: 9}});
    assert.equal(r.stop, "budget");
    assert.equal(r.solutionTokens, 40);
    assert.equal(r.solution, FEW_SHOT_BASE.solutionText(40));
    assert.ok(r.solution.includes("I hope it is correct.\n\nProblem:\nWhat is 9+1? And then more text."));
});
