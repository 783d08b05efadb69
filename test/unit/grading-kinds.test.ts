/**
 * The grader kind by kind (docs/grading.md): the project's own answer pairs in
 * test/data/answer-equivalence/project-cases.jsonl, each kind with equal AND not-equal pairs; the Tutor's Check on a
 * spelled-out answer; and the caps that keep hostile answers from hanging the grader.
 */
import assert from "node:assert/strict";
import {readFileSync} from "node:fs";
import {join} from "node:path";
import {test} from "node:test";
import {gradeAnswer} from "../../src/core/grading/equivalence";
import {checkAnswer} from "../../src/core/tutor/check";
import {repoRoot} from "../paths";

interface OwnCase {kind: string; gold: string; pred: string; equal: boolean | null}

const own: OwnCase[] = readFileSync(join(repoRoot(), "test/data/answer-equivalence/project-cases.jsonl"), "utf8")
    .split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as OwnCase);
const kinds = [...new Set(own.map((c) => c.kind))];

for (const kind of kinds) {
    test(`kind: ${kind}`, () => {
        const mine = own.filter((c) => c.kind === kind);
        if (kind !== "cannot-tell") {
            assert.ok(mine.some((c) => c.equal === true), `${kind} has no equal pair`);
            assert.ok(mine.some((c) => c.equal === false), `${kind} has no not-equal pair`);
        }
        const wrong = mine.map((c) => ({c, got: gradeAnswer(c.gold, c.pred)})).filter(({c, got}) => got !== c.equal)
            .map(({c, got}) => `${JSON.stringify(c.gold)} vs ${JSON.stringify(c.pred)}: want ${c.equal}, got ${got}`);
        assert.deepEqual(wrong, []);
    });
}

test("every kind the issue lists has project cases", () => {
    for (const k of ["minus-power", "inequality-interval", "union-or", "equation-forms", "plus-minus-listed", "named-values", "scalar-matrix",
        "thousands", "base-subscript", "ratio", "complex", "binomial", "words-units", "trig-exact", "decimal-vs-exact"])
        assert.ok(kinds.includes(k), k);
});

test("the order of gold and prediction does not change a verdict on the project cases", () => {
    const asym = own.filter((c) => gradeAnswer(c.pred, c.gold) !== gradeAnswer(c.gold, c.pred) && c.kind !== "extraction")
        .map((c) => `${c.gold} vs ${c.pred}`);
    assert.deepEqual(asym, []);
});

test("the Tutor's Check accepts a spelled-out answer and refuses a wrong one", () => {
    assert.equal(checkAnswer("four", "4").verdict, "correct");
    assert.equal(checkAnswer("Four.", "4").verdict, "correct");
    assert.equal(checkAnswer("twenty-one", "21").verdict, "correct");
    assert.equal(checkAnswer("five", "4").verdict, "not-equivalent");
});

test("bounded: work past the caps is \"cannot tell\" (null), never a hang or a guess", {timeout: 120_000}, () => {
    const list = (n: number) => Array.from({length: n}, (_, i) => `\\frac{${i}}{${i + 7}}`);
    const past: [string, string][] = [
        ["10^{10^{10}}", "10^{10^{10}}+1"], // a number with ten billion digits
        ["1", "2^{2^{2^{2^{2}}}}"], // 2^65536
        ["4", "9^{9^{9}}"],
        ["4", "e^{e^{e^{e^{10}}}}"],
        ["4", "\\binom{100000}{50000}"],
        ["4", "(".repeat(300) + "1" + ")".repeat(300)], // deep nesting
        ["1", "\\frac{1}{".repeat(100) + "1" + "}".repeat(100)],
        ["(x+1)^{5000}", "(1+x)^{5000}"],
        [list(500).join(","), list(500).join(",")+",1"], // past the list size cap
        ["4", "$x$ ".repeat(20000)], // a very long answer
        // 60 items no two of which are written alike: the order-free match needs more CAS work than one grade may use.
        [list(60).join(","), list(60).map((x) => x.replace(/\\frac\{(\d+)\}\{(\d+)\}/, "\\frac{2\\cdot $1}{2\\cdot $2}")).reverse().join(",")],
    ];
    for (const [g, p] of past) assert.equal(gradeAnswer(g, p), null, `${g.slice(0, 30)} vs ${p.slice(0, 30)}`);
    // Within the caps, big numbers are still exact.
    assert.equal(gradeAnswer("2^{1000}", "2^{1000}+1"), false);
    assert.equal(gradeAnswer("2^{100}", "1267650600228229401496703205376"), true);
    assert.equal(gradeAnswer("(x+1)^{3}", "x^3+3x^2+3x+1"), true);
});
