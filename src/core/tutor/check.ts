/**
 * Check My Answer: the student's answer against the model's final answer, with the grader's three outcomes.
 * The model can be wrong too, so the wording says "the tutor's answer", and "cannot tell" is said plainly.
 */
import {gradeAnswer} from "../grading/equivalence";

export type CheckVerdict = "correct" | "not-equivalent" | "cannot-tell" | "no-model-answer" | "empty" | "unreadable";

export interface CheckResult {
    readonly verdict: CheckVerdict;
    readonly message: string;
    /**
     * Whether the tutor's answer may be shown with the verdict: only when the student's answer is correct. Any other
     * outcome (wrong, empty, unreadable, cannot tell) keeps it hidden; Show Full Solution is the way to see it.
     */
    readonly revealsAnswer: boolean;
}

export function checkAnswer(student: string, modelAnswer: string | null): CheckResult {
    const s = typeof student === "string" ? student.trim() : "";
    const result = (verdict: CheckVerdict, message: string): CheckResult => ({verdict, message, revealsAnswer: verdict === "correct"});
    if (s === "") return result("empty", "Type your answer in the box first, then press Check My Answer.");
    if (s.length > 2000) return result("unreadable", "That answer is too long to compare; give just the final answer.");
    if (modelAnswer == null)
        return result("no-model-answer", "The tutor's solution has no final answer (no \\boxed{}) to compare with. Try solving again with a larger budget.");
    const v = gradeAnswer(modelAnswer, s);
    if (v === true) return result("correct", "Correct: your answer is equivalent to the tutor's.");
    const unreadable = unreadableReason(s);
    if (unreadable != null) return result("unreadable", `The tutor cannot read that as a math answer (${unreadable}). Write it as math, e.g. 4, \\frac{1}{2} or (1, 3).`);
    if (v === false) return result("not-equivalent", "Not equivalent to the tutor's answer. Want a hint?");
    return result("cannot-tell", "The tutor cannot tell whether your answer is equivalent to its own. Try another form of it, ask for a hint, or open Show Full Solution to compare.");
}

/** Words of three letters or more that an answer may hold (spelled-out numbers, usual answer words); others are not math. */
const answerWords = new Set([
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty", "forty",
    "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "thousand", "million", "half", "third", "thirds",
    "quarter", "quarters", "and", "minus", "negative", "plus", "over", "inf", "infinity", "undefined", "none", "yes",
    "true", "false", "all", "real", "numbers", "solution", "solutions", "sin", "cos", "tan", "log", "exp", "sqrt",
    "degrees", "percent", "units", "min", "hours", "dollars", "cents", "even", "odd"]);

/**
 * Why a student's answer is not something the grader can read as math, or null when it can be read: no letter or
 * digit at all ("?"), brackets that do not close ("\\sqrt{"), an operator with nothing after it ("x+"), or words
 * that are not math ("idk").
 */
export function unreadableReason(answer: string): string | null {
    const s = answer.trim();
    if (!/[\p{L}\p{N}]/u.test(s)) return "there is no number or letter in it";
    const close: Record<string, string> = {"(": ")", "[": "]", "{": "}"};
    const stack: string[] = [];
    for (const ch of s.replace(/\\[{}]/g, "")) {
        if (ch in close) stack.push(close[ch]!);
        else if (ch === ")" || ch === "]" || ch === "}") {
            // An interval may close with the other bracket: [1, 2) and (1, 2].
            const open = stack.pop();
            if (open == null || (open !== ch && !(ch !== "}" && open !== "}"))) return "its brackets do not match";
        }
    }
    if (stack.length > 0) return "a bracket is not closed";
    if (/(?:[-+*/^=_,<>]|\\(?:cdot|times|div|frac|sqrt|pm))\s*$/.test(s)) return "it ends with an operator";
    const bare = s.replace(/\\text\{[^}]*\}/g, " ").replace(/\\[a-zA-Z]+/g, " ");
    for (const word of bare.match(/\p{L}{3,}/gu) ?? [])
        if (!answerWords.has(word.toLowerCase())) return `"${word}" is not math`;
    return null;
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
