/**
 * Finding the final answer in a model's text.
 *
 * - R1-style models (E1, DeepScaleR): the last complete `\boxed{...}` / `\fbox{...}` of the SOLUTION phase only
 *   (E1 grades only the text after `</think>`; a response whose thinking never closed has no solution and scores 0).
 * - Llemma / Minerva few-shot style: "The final answer is $X$." (the `$` are optional).
 */
import {extractBoxedAnswer} from "../answer";
import {matchBrace} from "./normalize";

export type AnswerStyle = "boxed" | "llemma";

/**
 * The final answer of a response. `text` is the solution phase (for R1 models, the text after `</think>`); when a
 * whole raw response is passed and it contains `</think>`, only what follows the last `</think>` is read.
 */
export function extractFinalAnswer(text: string, style: AnswerStyle = "boxed"): string | null {
    const close = text.lastIndexOf("</think>");
    const solution = close >= 0 ? text.slice(close + "</think>".length) : text;
    if (style === "llemma") return extractLlemmaAnswer(solution) ?? extractBoxedAnswer(solution);
    return extractBoxedAnswer(solution);
}

/** "The final answer is $X$. I hope it is correct." -> X (the last such sentence). */
export function extractLlemmaAnswer(text: string): string | null {
    const re = /final answer is\s*/gi;
    let m: RegExpExecArray | null;
    let last = -1;
    while ((m = re.exec(text)) != null) last = m.index + m[0].length;
    if (last < 0) return null;
    const rest = text.slice(last);
    const math = /^\$\$?([\s\S]*?)\$\$?/.exec(rest) ?? /^\\\(([\s\S]*?)\\\)/.exec(rest) ?? /^\\\[([\s\S]*?)\\\]/.exec(rest);
    if (math) return math[1]!.trim() || null;
    const line = rest.split(/\n|\.\s|\. ?I hope/)[0]!.replace(/\.$/, "").trim();
    return line === "" ? null : line;
}

/** Every complete `\boxed{...}` / `\fbox{...}` with its position: [start of the command, end after `}`, content]. */
function boxesAt(text: string): [number, number, string][] {
    const out: [number, number, string][] = [];
    const re = /\\(?:boxed|fbox)\s*\{/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) != null) {
        const open = m.index + m[0].length - 1;
        const close = matchBrace(text, open);
        if (close < 0) break;
        out.push([m.index, close + 1, text.slice(open + 1, close).trim()]);
        re.lastIndex = close + 1;
    }
    return out;
}

/**
 * Text between two boxes that joins them into one answer: math delimiters, `and` / `or` / commas (after at most one
 * word: `\boxed{1} papers and \boxed{2} bins`), `\quad`, `y_2 =`, or symbols only; any other text (`no no no`) means
 * the boxes are separate attempts and only the last counts.
 */
function onlyJoins(between: string): boolean {
    const t = between.replace(/\\[()[\]]|\$|\\q?quad|\\[,;: ]|\\text\{\s*(?:and|or|,)\s*\}/g, " ")
        .replace(/\\text\{\s*for part \([a-z]\)\s*(and)?\s*\}/g, " $1 ").replace(/[a-zA-Z](?:_\{?\w+\}?)?\s*=\s*$/, "");
    if (/\d/.test(t)) return false;
    return /^[^a-zA-Z]*$/.test(t) || /^[\s,;]*(?:[a-zA-Z]+\s+)?(?:(?:and|or)\b|,)[\s,]*$/i.test(t);
}

/** Math segments: `$$..$$`, `\[..\]`, `$..$` (an escaped `\$` inside does not end it), `\(..\)`. */
const MATH_SEGMENT = /\$\$([\s\S]+?)\$\$|\\\[([\s\S]+?)\\\]|(?<![\\\d])\$((?:\\\$|[^\n$])+?)(?<!\\)\$|\\\(([\s\S]+?)\\\)/g;
/** A number in prose (Math-Verify's forms): thousands separators, decimal comma or point, a percent sign after it. */
const PROSE_NUMBER = String.raw`-?(?:[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?|\.\d+)(?:\s*(?:\\?%|percent\b))?`;
/** A number or a small arithmetic expression of numbers (`2/3`, `(1/2) * (4/3)`) after a space, `=` or the start. */
const PROSE_VALUE = String.raw`(?:^|(?<=[\s=:]))[$€£¥]?(` + String.raw`\(?-?\d+(?:\.\d+)?\)?(?:\s*[-+*/^×÷]\s*\(?-?\d+(?:\.\d+)?\)?)+(?![\d.,]*\d)|` + PROSE_NUMBER + ")";

interface Found { readonly end: number; readonly value: string }

/** Math segments (a run joined by `and` / `or` / commas is one answer) and plain numbers, each with where it ends. */
function candidates(text: string): Found[] {
    const out: Found[] = [];
    const segs = [...text.matchAll(MATH_SEGMENT)].map((m) => ({start: m.index!, end: m.index! + m[0].length, value: (m[1] ?? m[2] ?? m[3] ?? m[4] ?? "").trim()}));
    for (let i = 0; i < segs.length; i++) {
        let value = segs[i]!.value;
        let j = i;
        while (j + 1 < segs.length && /^\s*(?:,?\s*(?:and|or)|,)\s*$/i.test(text.slice(segs[j]!.end, segs[j + 1]!.start))) value += ", " + segs[++j]!.value;
        out.push({end: segs[j]!.end, value: /\\%$/.test(value) ? value : value + (/^\s*(?:\\?%|percent)/.test(text.slice(segs[j]!.end)) ? "\\%" : "")});
        i = j;
    }
    const outside = text.replace(MATH_SEGMENT, (m) => " ".repeat(m.length));
    for (const m of outside.matchAll(new RegExp(PROSE_VALUE, "g"))) out.push({end: m.index! + m[0].length, value: m[1]!.trim()});
    return out.sort((a, b) => a.end - b.end);
}

function lastOf(found: Found[]): string | null {
    return found.length > 0 ? found[found.length - 1]!.value : null;
}

/** Words that do not make a sentence: connectors, function names, one-word answers. */
const NOT_PROSE = /^(?:and|or|sin|cos|tan|cot|sec|csc|log|ln|exp|sqrt|max|min|gcd|lcm|det|mod|inf|infty|undefined|none|odd|even|true|false|yes|no)$/i;

/**
 * A sentence rather than an answer: an unmatched `$`, or two words in a row outside math and commands, each
 * shaped like an English word (`My reply is 0.75`). Variables written together (`LCs^2 + RCs`, `abc`) are not words.
 */
function isProse(text: string): boolean {
    const t = text.replace(MATH_SEGMENT, " ").replace(/\\(?:text|mathrm|textbf|mbox|operatorname)\s*\{[^{}]*\}|\\[a-zA-Z]+\s*\{[a-zA-Z*]*\}/g, " ");
    if (/(?<!\\)\$/.test(t)) return true; // an unmatched dollar sign: text around math
    const words = [...t.matchAll(/(?<![\\a-zA-Z])([A-Za-z]+)(?![a-zA-Z])(?=(\s+[A-Za-z]+(?![a-zA-Z]))?)/g)];
    const english = (w: string) => /^[A-Za-z]?[a-z]+$/.test(w) && w.length >= 2 && !NOT_PROSE.test(w);
    return words.some((m) => m[2] != null && english(m[1]!) && english(m[2].trim()));
}

/**
 * What to grade in a free-form string (a gold answer, a student's answer, or a whole response), by Math-Verify's
 * priorities: "final answer is X. I hope it is correct"; the last `\boxed{}` (with the boxes joined to it by
 * "and" / "or" / commas); "final answer ... is X"; "answer: X" / "answer ... X"; in a sentence, the math segment or
 * number that ends last; otherwise the text itself (a bare answer such as `x = 5`, `\text{five}`, `12 cm`).
 */
export function answerCandidate(text: string): string {
    const close = text.lastIndexOf("</think>");
    // Answers are at the end: a longer text is read from its last 100,000 characters (keeps extraction linear-bounded).
    const t = (close >= 0 ? text.slice(close + "</think>".length) : text).slice(-100_000).trim();
    const hope = [...t.matchAll(/final answer is:?\s*([\s\S]*?)\.?\s?I hope/gi)];
    if (hope.length > 0) {
        const v = lastOf(candidates(hope[hope.length - 1]![1]!)) ?? hope[hope.length - 1]![1]!.trim();
        if (v !== "") return v;
    }
    const boxes = boxesAt(t);
    if (boxes.length > 0) {
        let k = boxes.length - 1;
        const parts = [boxes[k]![2]];
        while (k > 0 && onlyJoins(t.slice(boxes[k - 1]![1], boxes[k]![0]))) parts.unshift(boxes[--k]![2]);
        return parts.join(", ");
    }
    const unclosed = /\\+(?:boxed|fbox)\s*\{([^{}]*)$/.exec(t);
    if (unclosed) return unclosed[1]!.trim();
    for (const re of [/^[\s\S]*final answer[\s\S]{0,100}?\s+is:?\s*([\s\S]*)$/i, /^[\s\S]*answer\s*:\s*([\s\S]*)$/i, /^[\s\S]*answer\b[\s\S]{0,50}?\s(?:is|=)\s*:?\s*([\s\S]*)$/i, /^[\s\S]*\banswer\b([\s\S]*)$/i]) {
        const m = re.exec(t);
        if (!m) continue;
        // The value that ends last in the sentence after "answer" ("The answer is not 5, it is 6." gives 6).
        const sentence = /^[\s\S]*?(?=\.(?:\s|$)|\n\s*\n|$)/.exec(m[1]!)![0];
        const found = lastOf(candidates(sentence));
        if (found != null) return found;
    }
    if (isProse(t)) return lastOf(candidates(t)) ?? t;
    const segs = [...t.matchAll(MATH_SEGMENT)];
    if (segs.length > 0 && t.replace(MATH_SEGMENT, "").replace(/,|\b(?:and|or)\b/gi, "").trim() === "")
        return segs.map((m) => (m[1] ?? m[2] ?? m[3] ?? m[4] ?? "").trim()).join(", ");
    return t;
}
