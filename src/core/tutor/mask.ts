/**
 * Hints must never show the final answer. A model asked for a hint often gives it away anyway (in a `\boxed{}`, in
 * an equation's right side, as a decimal, in words next to a fraction...), so every hint is masked before it is
 * shown: every box's content, every math segment (or the right side of its last `=`) and every plain number or
 * fraction that the grader finds EQUIVALENT to the final answer is replaced by a placeholder. Equivalence, not
 * string matching: "0.5" and "1/2" are hidden when the answer is `\frac{1}{2}`.
 */
import {gradeAnswer} from "../grading/equivalence";
import {matchBrace} from "../grading/normalize";

export const MASK_TEXT = "[hidden]";
const MASK_MATH = "\\square";

export interface MaskResult {
    readonly text: string;
    /** How many places were hidden. */
    readonly masked: number;
}

const same = (answer: string | null, candidate: string) =>
    answer != null && candidate.trim() !== "" && gradeAnswer(answer, candidate) === true;

/** Masks `answer` (the model's final answer; null: only boxes are hidden) everywhere in `text`. */
export function maskAnswer(text: string, answer: string | null): MaskResult {
    let masked = 0;
    // 1. Boxes: always hidden (a hint never needs one).
    let out = "";
    let i = 0;
    const boxRe = /\\(?:boxed|fbox)\s*\{/g;
    let m: RegExpExecArray | null;
    while ((m = boxRe.exec(text)) != null) {
        const open = m.index + m[0].length - 1;
        const close = matchBrace(text, open);
        if (close < 0) { out += text.slice(i, m.index) + "\\boxed{" + MASK_MATH + "}"; i = text.length; masked++; break; }
        out += text.slice(i, m.index) + "\\boxed{" + MASK_MATH + "}";
        masked++;
        i = close + 1;
        boxRe.lastIndex = i;
    }
    out += text.slice(i);

    // 2. Math segments, 3. plain text numbers: walk the text, math and prose apart.
    const seg = /\$\$([\s\S]+?)\$\$|\\\[([\s\S]+?)\\\]|\\\(([\s\S]+?)\\\)|\$([^$]+?)\$/g;
    let result = "";
    let last = 0;
    while ((m = seg.exec(out)) != null) {
        result += maskProse(out.slice(last, m.index));
        const body = m[1] ?? m[2] ?? m[3] ?? m[4] ?? "";
        const openLen = m[0].startsWith("$$") || m[0].startsWith("\\[") || m[0].startsWith("\\(") ? 2 : 1;
        const pre = m[0].slice(0, openLen);
        const post = m[0].slice(m[0].length - openLen);
        result += pre + maskMath(body) + post;
        last = m.index + m[0].length;
    }
    result += maskProse(out.slice(last));
    return {text: result, masked};

    function maskMath(body: string): string {
        if (body.includes(MASK_MATH) && body.replace(/\\boxed\{\\square\}/g, "").trim() === "") return body;
        // The right side of an equation chain first (`2+2=4` keeps `2+2=`): the grader also finds the whole
        // equation equal to its answer (it reads `x = 4` as 4), which would hide the hint's useful left side.
        const parts = body.split("=");
        if (parts.length > 1) {
            let changed = false;
            const mapped = parts.map((p, k) => {
                if (k === 0 || !same(answer, p)) return p;
                changed = true;
                masked++;
                // Keep the part's own spacing, never a space before the closing `$`: "$2+2= \square $" is not math
                // to the renderer (a closing $ must follow a non-space), so the hint would show raw LaTeX.
                const lead = /^\s*/.exec(p)![0];
                const trail = k === parts.length - 1 ? "" : /\s*$/.exec(p)![0];
                return `${lead}${MASK_MATH}${trail === "" && k < parts.length - 1 ? " " : trail}`;
            });
            if (changed) return mapped.join("=");
        }
        if (same(answer, body)) { masked++; return MASK_MATH; }
        // Numbers inside the math (`each gets 0.5 of it`).
        return body.replace(/-?\d+(?:\.\d+)?(?:\/\d+)?/g, (n) => (same(answer, n) ? (masked++, MASK_MATH) : n));
    }

    function maskProse(s: string): string {
        return s.replace(/-?\d+(?:[.,]\d+)?(?:\s*\/\s*\d+)?%?/g, (n) => (same(answer, n) ? (masked++, MASK_TEXT) : n));
    }
}
