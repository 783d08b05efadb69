/**
 * Conversations on real llama.cpp: follow-ups reuse the KV cache and evaluate only their new tokens, the cache holds
 * exactly the history the R1 template describes (earlier thinking dropped), and a full context drops the oldest turns.
 */
import assert from "node:assert/strict";
import {after, test} from "node:test";
import {Conversation} from "../../src/core/conversation";
import {THINK_FOREVER, THINK_STOPS} from "../fixtures/scripted";
import {engineFor} from "./setup";

const stops = engineFor("think-stops");
const small = engineFor("think-forever", {contextSize: 320});
after(async () => { await Promise.all([stops.dispose(), small.dispose()]); });

const elastic = (thinkTokens: number, answerTokens: number) => ({mode: "elastic" as const, thinkTokens, answerTokens});

test("a follow-up evaluates only the previous solution, the end of turn and the new user turn", async () => {
    const meter = await stops.promptMeter();
    const conversation = new Conversation();
    const first = await conversation.ask(stops, {message: THINK_STOPS.problem, budget: elastic(200, 200), sampling: {seed: 1}});
    assert.equal(first.result.solution, THINK_STOPS.fullSolution);
    // The first turn is exactly the one-message prompt of Solve Problem.
    assert.equal(first.promptTokens, meter.countPromptTokens(THINK_STOPS.problem));
    assert.equal(first.trace!.promptTokens.length, first.promptTokens);

    const followUp = "Why is that?";
    const second = await conversation.ask(stops, {message: followUp, budget: elastic(200, 200), sampling: {seed: 2}});
    const newUserTurn = meter.countPromptTokens(followUp) - 1; // without the BOS
    const previousSolution = first.result.solutionTokens - 1;  // the sampled end of sentence becomes the end-of-turn token
    const expected = previousSolution + 1 + newUserTurn;
    console.log(`turn 1: prompt ${first.promptTokens}, evaluated ${first.evaluatedPromptTokens}; turn 2: prompt ${second.promptTokens}, reused ${second.reusedPromptTokens}, evaluated ${second.evaluatedPromptTokens} (previous thinking ${first.result.thinkingTokens} tokens, not fed)`);
    assert.equal(second.evaluatedPromptTokens, expected, "a follow-up evaluates previous solution + end of turn + its own turn");
    // Reused: the first turn's prompt up to its assistant marker (the "<think>\n" after it is not in the history).
    assert.equal(second.reusedPromptTokens, first.promptTokens - 2);
    assert.ok(second.evaluatedPromptTokens < second.promptTokens - first.promptTokens + first.result.thinkingTokens,
        "less than re-evaluating the history");
    // The cache holds exactly the new prompt (then this turn's generation): no earlier thinking.
    const trace = second.trace!;
    assert.deepEqual(trace.contextTokens.slice(0, trace.promptTokens.length), trace.promptTokens);
    const close = first.trace!.thinkingTokens[first.trace!.thinkingTokens.length - 1]!;
    assert.ok(!trace.promptTokens.includes(close), "no </think> of the earlier turn in the history");
    // After the reused prefix come the previous solution's exact tokens, then the end of turn: no thinking between.
    assert.deepEqual(trace.promptTokens.slice(second.reusedPromptTokens, second.reusedPromptTokens + previousSolution),
        first.trace!.solutionTokens.slice(0, -1), "the previous solution follows the assistant marker directly");
    assert.equal(second.result.solution, THINK_STOPS.fullSolution);

    // The history, as the model sees it, is the chat template's text.
    const text = conversation.promptText("next");
    assert.ok(text.includes(`<｜Assistant｜>${THINK_STOPS.fullSolution}<｜end▁of▁sentence｜><｜User｜>${followUp}`));
    assert.ok(!text.includes(THINK_STOPS.thinkingText()));

    // A third turn reuses the second's prompt as well.
    const third = await conversation.ask(stops, {message: "And then?", budget: elastic(200, 200)});
    assert.equal(third.evaluatedPromptTokens, previousSolution + 1 + meter.countPromptTokens("And then?") - 1);
    assert.equal(conversation.turns.length, 3);
});

test("a Solve Problem request in between clears the cache; the next turn re-evaluates and stays correct", async () => {
    const conversation = new Conversation();
    await conversation.ask(stops, {message: THINK_STOPS.problem, budget: elastic(200, 200)});
    await stops.solve({problem: "something else", budget: elastic(10, 10)});
    const next = await conversation.ask(stops, {message: "Again?", budget: elastic(200, 200)});
    assert.ok(next.reusedPromptTokens <= 3, `only the shared start can be reused (${next.reusedPromptTokens})`);
    assert.deepEqual(next.trace!.contextTokens.slice(0, next.promptTokens), next.trace!.promptTokens);
    assert.equal(next.result.answer, "4");
});

test("keepThinking feeds the thinking back: a follow-up evaluates only the end of turn and its own turn", async () => {
    const meter = await stops.promptMeter();
    const conversation = new Conversation(undefined, {keepThinking: true});
    await conversation.ask(stops, {message: THINK_STOPS.problem, budget: elastic(200, 200)});
    const second = await conversation.ask(stops, {message: "Why?", budget: elastic(200, 200)});
    assert.equal(second.evaluatedPromptTokens, 1 + meter.countPromptTokens("Why?") - 1);
    assert.ok(conversation.promptText("x").includes(THINK_STOPS.thinkingText()));
});

test("a restored conversation (text only) gives the same prompt tokens as the live one", async () => {
    const live = new Conversation();
    await live.ask(stops, {message: THINK_STOPS.problem, budget: elastic(200, 200)});
    const a = await live.ask(stops, {message: "Why?", budget: elastic(200, 200)});
    const restored = new Conversation(JSON.parse(JSON.stringify({...live.toJSON(), turns: live.turns.slice(0, 1)})));
    const b = await restored.ask(stops, {message: "Why?", budget: elastic(200, 200)});
    assert.deepEqual(b.trace!.promptTokens, a.trace!.promptTokens);
});

test("when the history outgrows the context the oldest turns are dropped, never a silent failure", async () => {
    const {contextSize} = await small.promptMeter();
    const conversation = new Conversation();
    const budget = elastic(40, 60);
    let dropped = 0;
    for (let i = 0; i < 12; i++) {
        const r = await conversation.ask(small, {message: `${THINK_FOREVER.problem} (${i})`, budget});
        assert.equal(r.result.answer, "7", `turn ${i}`);
        assert.ok(r.promptTokens + 100 <= contextSize - 1, `prompt ${r.promptTokens} + budget 100 fit in ${contextSize}`);
        dropped += r.newlyDroppedTurns;
    }
    assert.ok(dropped > 0, "some turns were dropped");
    assert.equal(conversation.droppedTurns, dropped);
    assert.equal(conversation.turns.length, 12, "dropped turns stay in the conversation (shown), only the model stops seeing them");
});

test("a first message that cannot fit is refused with the engine's clear error", async () => {
    const conversation = new Conversation();
    await assert.rejects(conversation.ask(small, {message: "x ".repeat(400), budget: elastic(40, 60)}), /context holds/);
    assert.equal(conversation.turns.length, 0);
});

test("a turn stopped before any solution does not enter the history", async () => {
    const conversation = new Conversation();
    await conversation.ask(stops, {message: THINK_STOPS.problem, budget: elastic(200, 200)});
    const controller = new AbortController();
    controller.abort();
    const stopped = await conversation.ask(stops, {message: "never mind", budget: elastic(200, 200), signal: controller.signal});
    assert.equal(stopped.added, false);
    assert.equal(conversation.turns.length, 1);
    assert.ok(!conversation.promptText("x").includes("never mind"));
});
