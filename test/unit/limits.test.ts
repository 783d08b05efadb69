// tokenLimits: the one rule from a budget to token limits, used by the local and the server backend alike.
import assert from "node:assert/strict";
import {test} from "node:test";
import {EngineError, tokenLimits} from "../../src/core/engine";
import {CHATML_FORMAT, R1_DISTILL_FORMAT} from "../../src/core/promptFormat";

const code = (f: () => unknown): string => {
    try { f(); } catch (err) { assert.ok(err instanceof EngineError, String(err)); return err.code; }
    return "no error";
};

test("elastic with thinking: t and s as given; prompt + t + s must fit in contextSize - 1", () => {
    assert.deepEqual(tokenLimits({mode: "elastic", thinkTokens: 1024, answerTokens: 512}, R1_DISTILL_FORMAT, 100, 4096),
        {thinkLimit: 1024, answerLimit: 512, answerOnly: false});
    // Exactly full: 100 + 3000 + 995 = 4095 = contextSize - 1.
    assert.deepEqual(tokenLimits({mode: "elastic", thinkTokens: 3000, answerTokens: 995}, R1_DISTILL_FORMAT, 100, 4096),
        {thinkLimit: 3000, answerLimit: 995, answerOnly: false});
    assert.equal(code(() => tokenLimits({mode: "elastic", thinkTokens: 3000, answerTokens: 996}, R1_DISTILL_FORMAT, 100, 4096)), "budget-too-large");
    assert.deepEqual(tokenLimits({mode: "elastic", thinkTokens: 0, answerTokens: 1}, R1_DISTILL_FORMAT, 10, 64),
        {thinkLimit: 0, answerLimit: 1, answerOnly: false});
});

test("elastic on a format without thinking: one solution phase under the answer budget, the thinking budget moot", () => {
    assert.deepEqual(tokenLimits({mode: "elastic", thinkTokens: 99999, answerTokens: 256}, CHATML_FORMAT, 100, 4096),
        {thinkLimit: 256, answerLimit: 0, answerOnly: true});
    assert.equal(code(() => tokenLimits({mode: "elastic", thinkTokens: 0, answerTokens: 3996}, CHATML_FORMAT, 100, 4096)), "budget-too-large");
    assert.equal(tokenLimits({mode: "elastic", thinkTokens: 0, answerTokens: 3995}, CHATML_FORMAT, 100, 4096).thinkLimit, 3995);
});

test("unconstrained: min(maxTokens, contextSize - prompt), the rest of the context when maxTokens is unset", () => {
    assert.deepEqual(tokenLimits({mode: "unconstrained"}, R1_DISTILL_FORMAT, 100, 4096), {thinkLimit: 3996, answerLimit: 0, answerOnly: false});
    assert.equal(tokenLimits({mode: "unconstrained", maxTokens: 50}, R1_DISTILL_FORMAT, 100, 4096).thinkLimit, 50);
    assert.equal(tokenLimits({mode: "unconstrained", maxTokens: 1_000_000}, R1_DISTILL_FORMAT, 100, 4096).thinkLimit, 3996);
});

test("a prompt that leaves no room to generate is refused in every mode, with the coded error", () => {
    for (const budget of [{mode: "unconstrained"} as const, {mode: "elastic", thinkTokens: 0, answerTokens: 1} as const]) {
        for (const format of [R1_DISTILL_FORMAT, CHATML_FORMAT]) {
            assert.equal(code(() => tokenLimits(budget, format, 4095, 4096)), "prompt-too-long");
            assert.equal(code(() => tokenLimits(budget, format, 125_000, 4096)), "prompt-too-long");
        }
    }
    assert.match(String((() => { try { tokenLimits({mode: "unconstrained"}, R1_DISTILL_FORMAT, 5000, 4096); } catch (e) { return (e as Error).message; } })()),
        /prompt has 5000 tokens and the context holds 4096/);
});
