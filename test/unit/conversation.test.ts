// The conversation's prompt text per chat format (no model needed; the engine tier checks the tokens and the KV cache).
import assert from "node:assert/strict";
import {test} from "node:test";
import {CHATML_CONVERSATION_FORMAT, Conversation, conversationFormatFor, R1_CONVERSATION_FORMAT, type ChatTurn} from "../../src/core/conversation";
import {CHATML_FORMAT, LLEMMA_FEW_SHOT_FORMAT, R1_DISTILL_FORMAT, R1_MATH_INSTRUCTION, buildPromptText} from "../../src/core/promptFormat";

const turn = (user: string, thinking: string, solution: string): ChatTurn =>
    ({user, thinking, solution, budget: {mode: "elastic", thinkTokens: 8, answerTokens: 8}, stop: "eog", thinkingCut: false});

test("formats: R1 and ChatML hold conversations, a few-shot base model does not", () => {
    assert.equal(conversationFormatFor(undefined), R1_CONVERSATION_FORMAT);
    assert.equal(conversationFormatFor(R1_DISTILL_FORMAT), R1_CONVERSATION_FORMAT);
    assert.equal(conversationFormatFor(CHATML_FORMAT), CHATML_CONVERSATION_FORMAT);
    assert.equal(conversationFormatFor(LLEMMA_FEW_SHOT_FORMAT), null);
});

test("a first turn is exactly the one-message prompt of Solve Problem (R1 and ChatML)", () => {
    assert.equal(new Conversation().promptText("What is 2+2?"), buildPromptText(R1_DISTILL_FORMAT, "What is 2+2?"));
    assert.equal(new Conversation(undefined, {format: CHATML_CONVERSATION_FORMAT}).promptText("What is 2+2?"),
        buildPromptText(CHATML_FORMAT, "What is 2+2?"));
});

test("R1 history: solutions only (the template drops the thinking), unless keepThinking; dropped turns left out", () => {
    const data = {turns: [turn("q1", "think1", "\n\nsol1"), turn("q2", "think2", "\n\nsol2")], droppedTurns: 0};
    const i = R1_MATH_INSTRUCTION;
    assert.equal(new Conversation(data).promptText("q3"),
        `<｜begin▁of▁sentence｜><｜User｜>q1${i}<｜Assistant｜>\n\nsol1<｜end▁of▁sentence｜><｜User｜>q2${i}<｜Assistant｜>\n\nsol2<｜end▁of▁sentence｜><｜User｜>q3${i}<｜Assistant｜><think>\n`);
    assert.ok(new Conversation(data, {keepThinking: true}).promptText("q3").includes("<｜Assistant｜><think>\nthink1</think>\n\nsol1<｜end▁of▁sentence｜>"));
    const dropped = new Conversation({...data, droppedTurns: 1}).promptText("q3");
    assert.ok(!dropped.includes("q1") && dropped.includes("q2"));
    assert.equal(new Conversation({...data, droppedTurns: 99}).droppedTurns, 2, "clamped to the turns there are");
});

test("ChatML history", () => {
    const c = new Conversation({turns: [turn("q1", "", "a1")], droppedTurns: 0}, {format: CHATML_CONVERSATION_FORMAT});
    const i = R1_MATH_INSTRUCTION;
    assert.equal(c.promptText("q2"), `<|im_start|>user\nq1${i}<|im_end|>\n<|im_start|>assistant\na1<|im_end|>\n<|im_start|>user\nq2${i}<|im_end|>\n<|im_start|>assistant\n`);
});
