/**
 * Check My Answer: the student's answer against the model's final answer, with the grader's three outcomes.
 * The model can be wrong too, so the wording says "the tutor's answer", and "cannot tell" is said plainly.
 */
import {gradeAnswer} from "../grading/equivalence";

export type CheckVerdict = "correct" | "not-equivalent" | "cannot-tell" | "no-model-answer" | "empty";

export interface CheckResult {
    readonly verdict: CheckVerdict;
    readonly message: string;
}

export function checkAnswer(student: string, modelAnswer: string | null): CheckResult {
    const s = typeof student === "string" ? student.trim() : "";
    if (s === "") return {verdict: "empty", message: "Type your answer first."};
    if (s.length > 2000) return {verdict: "cannot-tell", message: "That answer is too long to compare; give just the final answer."};
    if (modelAnswer == null)
        return {verdict: "no-model-answer", message: "The tutor's solution has no final answer (no \\boxed{}) to compare with. Try solving again with a larger budget."};
    const v = gradeAnswer(modelAnswer, s);
    if (v === true) return {verdict: "correct", message: "Correct: your answer is equivalent to the tutor's."};
    if (v === false) return {verdict: "not-equivalent", message: "Not equivalent to the tutor's answer. Want a hint?"};
    return {verdict: "cannot-tell", message: "The tutor cannot tell whether these are the same. Compare them yourself below."};
}

/**
 * The solution split into steps to reveal one at a time: paragraphs (blank lines), with display math kept with
 * the paragraph before it; a single long paragraph is split into sentences.
 */
export function splitSteps(solution: string): string[] {
    const text = solution.trim();
    if (text === "") return [];
    const blocks: string[] = [];
    let cur = "";
    let inDisplay = false;
    for (const line of text.split("\n")) {
        const toggles = (line.match(/\$\$/g) ?? []).length % 2 === 1 || /\\\[|\\begin\{/.test(line) !== /\\\]|\\end\{/.test(line);
        if (line.trim() === "" && !inDisplay) {
            if (cur.trim() !== "") { blocks.push(cur.trim()); cur = ""; }
            continue;
        }
        cur += (cur === "" ? "" : "\n") + line;
        if (toggles) inDisplay = !inDisplay;
    }
    if (cur.trim() !== "") blocks.push(cur.trim());
    // Display math alone joins the step before it.
    const steps: string[] = [];
    for (const b of blocks) {
        if (steps.length > 0 && /^(\$\$|\\\[|\\begin\{)/.test(b)) steps[steps.length - 1] += "\n\n" + b;
        else steps.push(b);
    }
    if (steps.length === 1 && !/\$\$|\\\[/.test(steps[0]!)) {
        const sentences = steps[0]!.match(/[^.!?]+(?:[.!?](?=\s|$)|$)(?:\s+|$)/g)?.map((x) => x.trim()).filter((x) => x !== "") ?? [];
        if (sentences.length > 1) return sentences;
    }
    return steps;
}
