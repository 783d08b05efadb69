import assert from "node:assert/strict";
import {test} from "node:test";
import {extractBoxedAnswer} from "../../src/core/answer";

test("the last \\boxed{} wins", () => {
    assert.equal(extractBoxedAnswer("First $\\boxed{3}$, then $\\boxed{4}$."), "4");
});

test("nested braces are matched", () => {
    assert.equal(extractBoxedAnswer("So $x = \\boxed{\\frac{1}{2}}$"), "\\frac{1}{2}");
    assert.equal(extractBoxedAnswer("\\boxed{\\left( 3, \\frac{\\pi}{2} \\right)}"), "\\left( 3, \\frac{\\pi}{2} \\right)");
    assert.equal(extractBoxedAnswer("\\boxed{\\text{(C)}}"), "\\text{(C)}");
});

test("\\fbox counts like \\boxed, whichever comes last", () => {
    assert.equal(extractBoxedAnswer("\\boxed{1} and \\fbox{2}"), "2");
    assert.equal(extractBoxedAnswer("\\fbox{2} and \\boxed{1}"), "1");
});

test("the \\boxed 5 form", () => {
    assert.equal(extractBoxedAnswer("The answer is $\\boxed 5$."), "5");
    assert.equal(extractBoxedAnswer("\\boxed 12"), "12");
});

test("escaped braces do not break matching", () => {
    assert.equal(extractBoxedAnswer("\\boxed{\\{1, 2\\}}"), "\\{1, 2\\}");
    assert.equal(extractBoxedAnswer("\\boxed{\\left\\{ x \\right.}"), "\\left\\{ x \\right.");
});

test("null without a box, with an unclosed box only, or for other commands", () => {
    assert.equal(extractBoxedAnswer("no answer here"), null);
    assert.equal(extractBoxedAnswer(""), null);
    assert.equal(extractBoxedAnswer("\\boxed{12"), null);
    assert.equal(extractBoxedAnswer("\\boxedfoo{3}"), null);
});

test("an unclosed last box (cut by the budget) falls back to the previous complete one", () => {
    assert.equal(extractBoxedAnswer("\\boxed{7} ... so finally \\boxed{\\frac{3"), "7");
});

test("whitespace around the content is trimmed", () => {
    assert.equal(extractBoxedAnswer("\\boxed{  42 }"), "42");
    assert.equal(extractBoxedAnswer("\\boxed {42}"), "42");
});
