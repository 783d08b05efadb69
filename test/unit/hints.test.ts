// Which earlier hint a new one only repeats (src/core/tutor/hints.ts): the same words, whatever the case, spacing and
// punctuation; a hint that says something new, or nothing, is no repeat.
import assert from "node:assert/strict";
import {test} from "node:test";
import {hintPrompt, repeatedHint} from "../../src/core/tutor/hints";

test("a hint that only repeats an earlier one names it", () => {
    const previous = ["Think of sharing a pizza between two people.", "**Hint.** Count the slices each person gets."];
    assert.equal(repeatedHint("Think of sharing a pizza between two people.", previous), 1);
    assert.equal(repeatedHint("  think of SHARING a pizza,\nbetween two people!", previous), 1);
    assert.equal(repeatedHint("Hint: count the slices each person gets", previous), 2);
});

test("a new hint, a longer one, or an empty one is not a repeat", () => {
    const previous = ["Think of sharing a pizza between two people."];
    assert.equal(repeatedHint("Think of sharing a pizza between three people.", previous), undefined);
    assert.equal(repeatedHint("Think of sharing a pizza between two people. Each gets the same.", previous), undefined);
    assert.equal(repeatedHint("", previous), undefined);
    assert.equal(repeatedHint("...", ["!!"]), undefined);
    assert.equal(repeatedHint("Anything", []), undefined);
});

test("the prompt asked again names the repeated hint; the first prompt does not", () => {
    assert.doesNotMatch(hintPrompt("1+1?", 2, ["Count."]), /repeated/);
    assert.match(hintPrompt("1+1?", 2, ["Count."], 1), /only repeated hint 1: say something new/);
});
