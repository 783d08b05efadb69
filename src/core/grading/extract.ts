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

/** Every complete `\boxed{...}` / `\fbox{...}` content, in order. */
export function allBoxed(text: string): string[] {
    const out: string[] = [];
    const re = /\\(?:boxed|fbox)\s*\{/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) != null) {
        const open = m.index + m[0].length - 1;
        const close = matchBrace(text, open);
        if (close < 0) break;
        out.push(text.slice(open + 1, close).trim());
        re.lastIndex = close + 1;
    }
    return out;
}

/**
 * What to grade in a free-form string (the `grade` command gets answers, but sometimes whole sentences):
 * all boxes (joined with ", " when there are several), else "the final answer is ...", else the last math
 * segment (`$$..$$`, `\[..\]`, `\(..\)`, `$..$`), else the text itself.
 */
export function answerCandidate(text: string): string {
    const close = text.lastIndexOf("</think>");
    const t = close >= 0 ? text.slice(close + "</think>".length) : text;
    const boxes = allBoxed(t);
    if (boxes.length > 0) return boxes.join(", ");
    const llemma = /final answer is/i.test(t) ? extractLlemmaAnswer(t) : null;
    if (llemma != null) return llemma;
    const segments = [...t.matchAll(/\$\$([\s\S]+?)\$\$|\\\[([\s\S]+?)\\\]|\\\(([\s\S]+?)\\\)|\$([^$\n]+?)\$/g)];
    if (segments.length > 0 && t.replace(/\$\$[\s\S]+?\$\$|\\\[[\s\S]+?\\\]|\\\([\s\S]+?\\\)|\$[^$\n]+?\$/g, "").trim().length > 0) {
        const s = segments[segments.length - 1]!;
        return (s[1] ?? s[2] ?? s[3] ?? s[4] ?? "").trim();
    }
    return t.trim();
}
