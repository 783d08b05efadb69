/**
 * Hendrycks-MATH normalization (`strip_string` of hendrycks/math `modeling/math_equivalence.py`, which the E1 /
 * DeepScaleR grader applies first), extended with what public graders' tests show models write: thousands
 * separators, `\text{}` / `\mathrm{}` wrappers, units after a number, `percent` / `pct`, `°`, `\,` spaces.
 *
 * Pure string work. Two answers whose normalized forms are equal are equal; otherwise the symbolic check decides.
 */

/** Removes `\cmd{...}` wrappers keeping their content (`\text{odd}` -> `odd`). */
function unwrap(s: string, commands: readonly string[]): string {
    for (const cmd of commands) {
        let at: number;
        while ((at = s.indexOf(cmd + "{")) >= 0) {
            const open = at + cmd.length;
            const close = matchBrace(s, open);
            if (close < 0) break;
            s = s.slice(0, at) + s.slice(open + 1, close) + s.slice(close + 1);
        }
    }
    return s;
}

/** Index of the `}` matching the `{` at `open`, or -1. */
export function matchBrace(s: string, open: number): number {
    let depth = 0;
    for (let i = open; i < s.length; i++) {
        const ch = s[i];
        if (ch === "\\") { i++; continue; }
        if (ch === "{") depth++;
        else if (ch === "}") { depth--; if (depth === 0) return i; }
    }
    return -1;
}

/** `\frac12` -> `\frac{1}{2}`, `\frac1{72}` -> `\frac{1}{72}` (Hendrycks `fix_fracs`). */
function fixFracs(s: string): string {
    return s.replace(/\\frac(?![a-zA-Z])\s*([0-9a-zA-Z])\s*([0-9a-zA-Z])/g, "\\frac{$1}{$2}")
        .replace(/\\frac(?![a-zA-Z])\s*([0-9a-zA-Z])\s*\{/g, "\\frac{$1}{")
        .replace(/\\frac\{([^{}]*)\}\s*([0-9a-zA-Z])/g, "\\frac{$1}{$2}");
}

/** `\sqrt3` -> `\sqrt{3}` (Hendrycks `fix_sqrt`). */
function fixSqrt(s: string): string {
    return s.replace(/\\sqrt(?![a-zA-Z])\s*([0-9a-zA-Z])/g, "\\sqrt{$1}");
}

/** `a/b` with integers a, b -> `\frac{a}{b}` (Hendrycks `fix_a_slash_b`). */
function fixSlash(s: string): string {
    const m = /^(-?\d+)\/(\d+)$/.exec(s);
    return m ? `\\frac{${m[1]}}{${m[2]}}` : s;
}

/** Words accepted as units after a plain number (a fixed list: `2x` must not lose its `x`). */
const UNIT_WORD = /^(?:(?:milli|centi|kilo)?(?:meters?|metres?|grams?|liters?|litres?)|[mck]?m[²³]?|k?g|mg|ml|l|s|sec|seconds?|min|minutes?|h|hrs?|hours?|days?|weeks?|months?|years?|miles?|mph|km\/h|inch|inches|in|feet|foot|ft|yards?|yd|units?|square|sq|cubic|cm|mm|dollars?|cents?|yuan|euros?|pounds?|points?|people|students?|cups?|degrees?|radians?|[€$£¥])$/;

/**
 * Normalizes an answer string. Returns the canonical form; `flags` says what was stripped (percent, degrees, units),
 * which the equivalence check uses (10% may equal 0.1).
 */
export function normalizeAnswer(input: string, options: {keepEquation?: boolean} = {}): {text: string; percent: boolean; degrees: boolean} {
    let s = input;
    s = s.replace(/[\n\r\t\f]/g, " ").trim();
    // Math delimiters around the whole answer.
    s = s.replace(/^\$+|\$+$/g, "").replace(/^\\\(|\\\)$/g, "").replace(/^\\\[|\\\]$/g, "").trim();
    s = s.replace(/(?<!\\)\\\\(?=[a-zA-Z])/g, "\\").trim(); // doubled escapes (`\\\\frac`); a matrix row break `\\\\ ` stays
    s = s.replace(/\\\\/g, "\u0000"); // row breaks, kept apart from `\ ` spaces
    s = s.replace(/(\d),\\!\s*(?=\d{3}(?!\d))/g, "$1,").replace(/\\!/g, "").replace(/\\[,;: ]|\\q?quad/g, " ").replace(/~/g, " ");
    s = s.replace(/\u0000/g, "\\\\");
    s = s.replace(/\{[bvBV]?matrix\}/g, "{pmatrix}").replace(/\\[dtc]frac/g, "\\frac").replace(/\\left\b|\\right\b|\\bigl?\b|\\bigr\b|\\Bigl?\b|\\Bigr\b/g, "");
    s = s.replace(/\\displaystyle/g, "").replace(/\s*\{\s*,\s*\}\s*/g, ",").replace(/\\[dt]binom/g, "\\binom")
        .replace(/\{\s*([^{}]+?)\s*\\choose\s*([^{}]+?)\s*\}/g, "\\binom{$1}{$2}");
    s = s.replace(/\\(lt)\b/g, "<").replace(/\\(gt)\b/g, ">").replace(/\\le(?:q)?\b/g, "\\leq").replace(/\\ge(?:q)?\b/g, "\\geq");
    // `x \approx 11`: the approximation is the value; `x = 1/3 \approx 0.33`: the exact value is.
    // `\frac{\sqrt3}{3} \approx 0.577`: the exact value is.
    s = /=/.test(s) || !/^\s*[a-zA-Z](?:_\{?\w+\}?)?\s*\\approx/.test(s) ? s.replace(/\\approx.*$/, "") : s.replace(/\\approx/g, "=");
    s = s.replace(/<=/g, "\\leq").replace(/>=/g, "\\geq").replace(/!=|\\ne\b/g, "\\neq");
    let degrees = false;
    // Inside a trigonometric function the degree sign is part of the argument (`\cos 60^\circ`): the CAS reads it.
    if (/\\(?:sin|cos|tan|cot|sec|csc)(?![a-zA-Z])/.test(s)) s = s.replace(/°|\\degree\b/g, "^\\circ");
    else if (/\^\s*\{?\s*\\circ\s*\}?|°|\\degree\b|\bdegrees?\b/.test(s)) {
        degrees = true;
        s = s.replace(/\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|°|\\degree\b|\s*\bdegrees?\b/g, "");
    }
    let percent = false;
    if (/\\%|%|\bpercent(?:age)?\b|\bpct\b/.test(s)) {
        percent = true;
        s = s.replace(/\\%|%|\s*\bpercent(?:age)?\b|\s*\bpct\b/g, "");
    }
    s = s.replace(/\\\$/g, "").replace(/\$/g, "");
    // Hendrycks `_remove_right_units`: `12 \text{ cm}`, `17\text{ any text}` -> what precedes `\text{ `.
    const right = /^(.*?\S)\s*\\text\{ /.exec(s);
    if (right && balancedBraces(right[1]!)) s = right[1]!;
    const textUnit = /^(.*?\S)\s*\\(?:text|textbf|textnormal|mathrm|mbox)\{\s*([a-zA-Z ]+?)\s*\}\s*$/.exec(s);
    if (textUnit && textUnit[2]!.split(/\s+/).every((w) => UNIT_WORD.test(w))) s = textUnit[1]!;
    s = unwrap(s, ["\\textnormal", "\\textbf", "\\textit", "\\mathrm", "\\mathbf", "\\mbox", "\\text", "\\operatorname"]);
    s = s.replace(/\\mathrm|\\text/g, "");
    s = s.trim();
    // Trailing punctuation and a trailing backslash.
    s = s.replace(/[.。]+$/, "").replace(/\\+$/, "").trim();
    // Units: a number followed by unit words (`125 miles`, `0.06 yuan`, `1,000.99m²`): keep the number.
    const unit = /^(-?[\d.,]*\d)\s*((?:[a-zA-Z€$£¥²³]+\s*)+)$/.exec(s);
    if (unit && unit[2]!.trim().split(/\s+/).every((w) => UNIT_WORD.test(w))) s = unit[1]!;
    // One lowercase word after a number and a space names what is counted (`5 apples`); `2abc` and `3 sin` stay.
    const noun = /^(-?[\d.,]*\d)\s+([a-z]{3,})$/.exec(s);
    if (noun && !/^(?:sin|cos|tan|cot|sec|csc|log|ln|exp|sqrt|max|min|gcd|lcm|det|mod|arc\w+|sinh|cosh|tanh)$/.test(noun[2]!)) s = noun[1]!;
    // Thousands separators: 7,425,000 / 1,000.99 / 32,349 (a comma list of small numbers stays a list).
    // (`0,111` is a decimal comma and `32, 349` a list: a group after a comma-space is another item.)
    if (/^-?[1-9]\d{0,2}(,\d{3})+(\.\d+)?$/.test(s)) s = s.replace(/,/g, "");
    if (/^-?\d{1,3}( \d{3})+(\.\d+)?$/.test(s)) s = s.replace(/ /g, "");
    // "x = 5" -> "5" when the left side is a short name (Hendrycks: length <= 2).
    const eq = options.keepEquation ? null : /^([a-zA-Z](?:_\{?\w+\}?)?|\\[a-zA-Z]+)\s*=\s*([^=<>]+)$/.exec(s);
    if (eq) s = eq[2]!.trim();
    const word = numberWord(s);
    if (word != null) s = String(word);
    s = fixSqrt(s);
    s = s.replace(/\s+/g, "");
    s = fixFracs(s);
    // Hendrycks: ".5" -> "0.5", "{.5" -> "{0.5".
    s = s.replace(/^\./, "0.").replace(/(?<=[{(,=\s-])\.(?=\d)/g, "0.");
    if (s === "0.5") s = "\\frac{1}{2}";
    s = fixSlash(s);
    // Trailing ".0" of integers; leading zeros of integers (AIME "033").
    s = s.replace(/^(-?\d+)\.0+$/, "$1").replace(/^(-?)0+(\d)/, "$1$2");
    if (s === "-0") s = "0";
    return {text: s, percent, degrees};
}

function balancedBraces(s: string): boolean {
    let depth = 0;
    for (let i = 0; i < s.length; i++) {
        if (s[i] === "\\") { i++; continue; }
        if (s[i] === "{") depth++;
        else if (s[i] === "}" && --depth < 0) return false;
    }
    return depth === 0;
}

const ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"];
const TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];

/** A whole answer spelled out in English, 0 to 999 ("four", "twenty-one", "one hundred and five"), or null. */
export function numberWord(s: string): number | null {
    const t = s.toLowerCase().replace(/[-\s]+/g, " ").replace(/\band\b/g, " ").trim().split(/\s+/);
    if (t.length === 0 || t[0] === "" || t.length > 6) return null;
    let total = 0;
    let cur = 0;
    let seen = false;
    for (const w of t) {
        const one = ONES.indexOf(w);
        const ten = TENS.indexOf(w);
        if (one >= 0) { if (cur % 10 !== 0 || (cur > 0 && one >= 10 && cur % 100 !== 0)) return null; cur += one; }
        else if (ten >= 2) { if (cur % 100 !== 0) return null; cur += 10 * ten; }
        else if (w === "hundred") { if (cur === 0 || cur >= 10) return null; cur *= 100; }
        else return null;
        seen = true;
    }
    total += cur;
    return seen ? total : null;
}
