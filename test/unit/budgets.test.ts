import assert from "node:assert/strict";
import {test} from "node:test";
import {
    budgetChoices, budgetFromJson, defaultBudgetPresets, describeBudget, normalizePresets, parseTokenCount, presetToBudget
} from "../../src/core/budgets";

test("parseTokenCount accepts whole numbers and k suffixes", () => {
    assert.equal(parseTokenCount("1024", "thinking"), 1024);
    assert.equal(parseTokenCount(" 2k ", "thinking"), 2048);
    assert.equal(parseTokenCount("4_096", "answer"), 4096);
    assert.equal(parseTokenCount("1", "answer"), 1);
});

test("parseTokenCount rejects empty, negative, fractional, zero and huge values with a message", () => {
    for (const bad of ["", "  ", "-5", "1.5", "0", "abc", "99999999"]) {
        const r = parseTokenCount(bad, "thinking");
        assert.equal(typeof r, "string", `expected an error for ${JSON.stringify(bad)}`);
        assert.match(r as string, /thinking/);
    }
});

test("the default presets match the issue: Quick, Balanced 1024/1024, Deep, Extended, Unconstrained", () => {
    assert.deepEqual(defaultBudgetPresets.map((p) => p.label), ["Quick", "Balanced", "Deep", "Extended", "Unconstrained"]);
    assert.deepEqual(presetToBudget(defaultBudgetPresets[1]), {mode: "elastic", thinkTokens: 1024, answerTokens: 1024});
    assert.deepEqual(presetToBudget(defaultBudgetPresets[4]), {mode: "unconstrained"});
});

test("normalizePresets keeps valid presets and names the broken one and its field", () => {
    const {presets, problems} = normalizePresets([
        {label: "Tiny", think: 64, answer: 64},
        {label: "Broken", think: -1, answer: 64},
        {think: 5, answer: 5},
        {label: "Free", unconstrained: true}
    ]);
    assert.deepEqual(presets.map((p) => p.label), ["Tiny", "Free"]);
    assert.equal(problems.length, 2);
    assert.match(problems[0], /"Broken".*"think"/);
    assert.match(problems[1], /#3.*"label"/);
});

test("normalizePresets falls back to the defaults when nothing is valid", () => {
    assert.deepEqual(normalizePresets([{label: ""}]).presets, [...defaultBudgetPresets]);
    assert.deepEqual(normalizePresets("nonsense").presets, [...defaultBudgetPresets]);
});

test("budgetChoices shows the last choice first, without listing a preset twice", () => {
    const last = {label: "Deep", budget: {mode: "elastic" as const, thinkTokens: 2048, answerTokens: 1024}};
    const choices = budgetChoices(defaultBudgetPresets, last);
    assert.equal(choices[0].label, "Deep");
    assert.equal(choices[0].last, true);
    assert.equal(choices.filter((c) => c.label === "Deep").length, 1);
    assert.equal(choices.length, defaultBudgetPresets.length);

    const custom = {label: "Custom (think 300 / answer 200)", budget: {mode: "elastic" as const, thinkTokens: 300, answerTokens: 200}};
    const withCustom = budgetChoices(defaultBudgetPresets, custom);
    assert.equal(withCustom[0].label, custom.label);
    assert.equal(withCustom.length, defaultBudgetPresets.length + 1);
    assert.equal(budgetChoices(defaultBudgetPresets, null)[0].label, "Quick");
});

test("budgetFromJson reads stored budgets back and rejects malformed ones", () => {
    assert.deepEqual(budgetFromJson({mode: "elastic", thinkTokens: 5, answerTokens: 7}), {mode: "elastic", thinkTokens: 5, answerTokens: 7});
    assert.deepEqual(budgetFromJson({mode: "unconstrained"}), {mode: "unconstrained"});
    assert.equal(budgetFromJson({mode: "elastic", thinkTokens: 0, answerTokens: 7}), null);
    assert.equal(budgetFromJson({mode: "elastic", thinkTokens: 1.5, answerTokens: 7}), null);
    assert.equal(budgetFromJson("elastic"), null);
    assert.equal(describeBudget({mode: "elastic", thinkTokens: 5, answerTokens: 7}), "think 5 / answer 7");
});
