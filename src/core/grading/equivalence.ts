/**
 * Answer equivalence as E1 grades it: Hendrycks normalization first, then a symbolic check. Three outcomes:
 * `true` (equivalent), `false` (not equivalent), `null` (cannot tell: the CAS cannot read one side, or the forms
 * are of kinds this grader does not compare). A tutor must not call a right answer wrong, so "cannot tell" is said.
 *
 * The symbolic check is in cas.ts (bounded); the shapes of answers in forms.ts and matrix.ts; docs/grading.md has
 * the rules kind by kind with examples. In short (from the E1 / DeepScaleR grader, Math-Verify and public tests):
 * - integers must match exactly (no tolerance: 1000000 != 1000001);
 * - other numbers match within a relative 1e-4 (Qwen-Math's `math_equal` tolerance; 3.1416 ~ 3.14159);
 * - tuples, intervals (brackets must match) and sets / bare lists (order-free) element-wise; `a \pm b` is two elements;
 *   a tuple is not a set (`(3,1)` vs `\{1,3\}`); `a=1, b=4` is the tuple `(1,4)`, `x=5, x=-5` the set `\{5,-5\}`;
 * - `x = 3` against `3`: the value of a named equation (or the last side of a chain) is compared; two equations are
 *   equal when their sides' differences are proportional (`y = 3x - 2` vs `3x - y - 2 = 0`);
 * - conditions on one name are sets: `3 < x < 7` is `(3,7)`, `t \in [0,2)` is `[0,2)`, `x<-1 or x>1` a union;
 * - ratios proportionally (`2:4` = `1:2`, `2:5` != `5:2`); `101_2` by value or digits; matrices with arithmetic;
 * - units, `\text{}`, degrees and percent are stripped by the normalization; with a percent sign, x% also matches x/100.
 */
import {equationsEqual, parse, freeVars, PastCap, sameAtPoints, startBudget, symbolicEqual, type Verdict} from "./cas";
import {answerCandidate} from "./extract";
import {asSet, baseNumeral, equationSides, inequality, isName, namedValues, ratioParts, splitList, topLevelSplit, type List} from "./forms";
import {matrixValue} from "./matrix";
import {normalizeAnswer, numberWord} from "./normalize";

export type {Verdict} from "./cas";

/** How deep answers may nest (a list of tuples of intervals...) and how many items a list or matrix may have. */
const MAX_DEPTH = 8;
const MAX_ITEMS = 64;
/** Longer answers (after extraction) are "cannot tell": an answer is not an essay. */
const MAX_ANSWER_CHARS = 4000;

/**
 * Grades a predicted answer against the gold one. Both may be bare answers or text containing `\boxed{}` /
 * "The final answer is ..." / math delimiters. Never throws.
 */
export function gradeAnswer(gold: string, pred: string): Verdict {
    try {
        if (typeof gold !== "string" || typeof pred !== "string") return null;
        const g = prepare(answerCandidate(gold));
        const p = prepare(answerCandidate(pred));
        if (p.trim() === "") return g.trim() === "" ? null : false;
        if (g.trim() === "") return null;
        if (g.length > MAX_ANSWER_CHARS || p.length > MAX_ANSWER_CHARS) return null;
        startBudget();
        return equivalent(g, p, 0);
    } catch (err) {
        if (err instanceof PastCap) return null;
        // A grader bug must not break an eval or the Check: "cannot tell", and say why on stderr.
        console.error(`grader: cannot tell (${err instanceof Error ? err.message : String(err)})`);
        return null;
    }
}

/** Words that join list items become commas; choice letters lose their parentheses. */
function prepare(s: string): string {
    const spelled = numberWord(s.replace(/\\text\{([^{}]*)\}/g, "$1").trim());
    if (spelled != null) return String(spelled); // "one hundred and five": the "and" is not a list
    return s.replace(/\\text\{\s*(?:and|or)\s*\}|\s+(?:and|or)\s+|(?<=[)\d])\s*(?:and|or)\s*(?=[(\d-])/g, ",")
        .replace(/\\(?:quad|qquad)\s*,?/g, ",")
        .replace(/\\text\{\s*for part \([a-z]\)\s*\}/g, "")
        .replace(/^\s*\\text\{\s*\(([A-Ea-e])\)\s*\}\s*$/, "$1").replace(/^\s*\(([A-Ea-e])\)\s*$/, "$1");
}

function equivalent(a: string, b: string, depth: number): Verdict {
    if (depth > MAX_DEPTH) return null;
    const na = normalizeAnswer(a, {keepEquation: true});
    const nb = normalizeAnswer(b, {keepEquation: true});
    const x = na.text;
    const y = nb.text;
    if (x === y) return true;
    if (/^[a-zA-Z]+$/.test(x) && /^[a-zA-Z]+$/.test(y)) return x.toLowerCase() === y.toLowerCase();
    if (x === "" || y === "") return false;
    const again = (p: string, q: string) => equivalent(p, q, depth + 1);

    // Conditions on one name are sets: `3 < x < 7` ~ `(3,7)`, `x \in [0,2)` ~ `[0,2)`.
    const sx = asSet(x);
    const sy = asSet(y);
    if ((sx != null || sy != null) && !(sx == null && inequality(x)) && !(sy == null && inequality(y))) return again(sx ?? x, sy ?? y);

    // `(p,q) = (3,2)` / `x = 3` against a value, before lists are split.
    const ex = equationSides(x);
    const ey = equationSides(y);
    const oneSided = (e: string[] | null, s: string) => e != null && topLevelSplit(s, /^[,;]/).length === 1 && isName(e[0]!);
    if (oneSided(ex, x) && ey == null) return again(ex![ex!.length - 1]!, y);
    if (oneSided(ey, y) && ex == null) return again(x, ey![ey!.length - 1]!);

    const lx = groups(x) ?? splitList(x);
    const ly = groups(y) ?? splitList(y);
    if (lx.items.length > MAX_ITEMS || ly.items.length > MAX_ITEMS) return null;
    if (lx.items.length > 1 || ly.items.length > 1) return compareLists(lx, ly, depth);

    if (ex && ey && ex.length === 2 && ey.length === 2 && !isName(ex[0]!) === !isName(ey[0]!) && !(isName(ex[0]!) && isName(ey[0]!))) {
        const v = equationsEqual(ex as [string, string], ey as [string, string]);
        if (v != null) return v;
    }
    if (ex && ey) {
        // Both name a value (`f(x) = x+1` vs `f(x) = 1+x`): compare the values; with different names the same line
        // may be solved for either (`y = 3x-2` vs `x = \frac{y+2}{3}`).
        if (isName(ex[0]!) && isName(ey[0]!)) {
            if (ex[0] !== ey[0] && ex.length === 2 && ey.length === 2 && equationsEqual(ex as [string, string], ey as [string, string]) === true) return true;
            return again(valueOf(ex)!, valueOf(ey)!);
        }
        const v = equationsEqual([ex[0]!, ex[ex.length - 1]!], [ey[0]!, ey[ey.length - 1]!]);
        if (v != null) return v;
    }
    if ((ex == null) !== (ey == null)) {
        const [sides, other, flip] = ex ? [ex, y, false] : [ey!, x, true];
        const value = valueOf(sides);
        if (value == null) return false; // `a + 3z = 0` is not the value 0
        return flip ? again(other, value) : again(value, other);
    }

    const ix = inequality(x);
    const iy = inequality(y);
    if (ix || iy) {
        if (!ix || !iy || ix.strict !== iy.strict) return false;
        const p = parse(ix.d);
        const q = parse(iy.d);
        if (!p || !q) return null;
        const vars = freeVars(p, q);
        return vars.length === 0 ? null : sameAtPoints(p, q, vars, true, true);
    }

    const mx = matrixValue(x);
    const my = matrixValue(y);
    if (mx != null || my != null) {
        if (mx == null || my == null) return /\\begin\{/.test(mx ? y : x) ? null : false;
        if (mx.length !== my.length || mx.some((r, i) => r.length !== my[i]!.length)) return false;
        if (mx.length * mx[0]!.length > MAX_ITEMS) return null;
        return all(mx.flatMap((row, i) => row.map((cell, j) => again(cell, my[i]![j]!))));
    }

    const rx = ratioParts(x);
    const ry = ratioParts(y);
    if (rx || ry) return compareRatios(rx, ry, x, y, depth);

    const bx = baseNumeral(x);
    const by = baseNumeral(y);
    if (bx || by) {
        if (bx && by) return bx.value === by.value;
        const [n, other] = bx ? [bx, y] : [by!, x];
        if (!/^\d+$/.test(other)) return again(String(n.value), other);
        return other.replace(/^0+(?=.)/, "") === n.digits || BigInt(other) === n.value;
    }

    // An interval (`[0,1)`, even negated) against a number: not the same kind of answer.
    const interval = (s: string) => /^-?(?:\[.*,.*\)|\(.*,.*\])$/.test(s);
    if ((interval(x) && /^-?[\d.]+$/.test(y)) || (interval(y) && /^-?[\d.]+$/.test(x))) return false;
    // Two different unknown functions of a name: `f(x)` is not `f(y)`.
    const call = /^([a-zA-Z])\(([a-zA-Z])\)$/;
    if (call.test(x) && call.test(y)) return false;

    return symbolicEqual(x, y, na.percent || nb.percent);
}

/**
 * The value an equation names: `x = 3` -> `3`; a chain `1 = \zzz = x = 0` or a computation `5 \cdot 6 = 30`
 * -> its last side. Null for an equation that is a relation (`a + 3z = 0`).
 */
function valueOf(sides: string[]): string | null {
    const last = sides[sides.length - 1]!;
    if (isName(sides[0]!) || sides.length > 2) return last;
    const l = parse(sides[0]!);
    const r = parse(last);
    if (l && r && freeVars(l, r).length === 0) return last;
    return null;
}

function compareRatios(rx: string[] | null, ry: string[] | null, x: string, y: string, depth: number): Verdict {
    if (!rx || !ry) {
        // `2:5` against a number: the quotient (`A:B = 1` is 1).
        const [r, other] = rx ? [rx, y] : [ry!, x];
        if (r.length !== 2 || /:/.test(other)) return false;
        return equivalent(`\\frac{${r[0]}}{${r[1]}}`, other, depth + 1);
    }
    if (rx.length !== ry.length) return false;
    const zero = [...rx, ...ry].some((p) => /^0+$/.test(p));
    if (zero) return all(rx.map((p, i) => equivalent(p, ry[i]!, depth + 1)));
    // Proportional: x_i * y_0 = y_i * x_0 for every part.
    return all(rx.map((p, i) => equivalent(`(${p})\\cdot(${ry[0]})`, `(${ry[i]})\\cdot(${rx[0]})`, depth + 1)));
}

function all(verdicts: Verdict[]): Verdict {
    if (verdicts.some((v) => v === false)) return false;
    if (verdicts.some((v) => v === null)) return null;
    return true;
}

/** Lists after named values are read: `a=1, b=4` -> the tuple `(1,4)`; `x=5, x=-5` -> a set; `x = 1, 2` -> a set. */
function readNames(l: List): {list: List; names?: string[]} {
    if (l.items.length === 1 || l.open !== "") return {list: l};
    const named = namedValues(l.items);
    if (named) return {list: {open: named.ordered ? "(" : "{", close: named.ordered ? ")" : "}", items: named.values}, names: named.ordered ? named.names : undefined};
    const first = equationSides(l.items[0]!);
    if (first && first.length === 2 && isName(first[0]!) && l.items.slice(1).every((i) => !/=/.test(i)))
        return {list: {open: "{", close: "}", items: [first[1]!, ...l.items.slice(1)]}};
    return {list: l};
}

/** `p=5,q=2;p=7,q=2`: groups of named values separated by `;` are the tuples of a set. */
function groups(s: string): List | null {
    const parts = s.split(";").map((p) => p.trim()).filter((p) => p !== "");
    if (parts.length < 2 || !parts.every((p) => namedValues(splitList(p).items)?.ordered)) return null;
    return {open: "", close: "", items: parts.map((p) => `(${namedValues(splitList(p).items)!.values.join(",")})`)};
}

function compareLists(a0: List, b0: List, depth: number): Verdict {
    const ra = readNames(a0);
    const rb = readNames(b0);
    let a = ra.list;
    let b = rb.list;
    const again = (p: string, q: string) => equivalent(p, q, depth + 1);
    if (ra.names && rb.names && new Set([...ra.names, ...rb.names]).size === ra.names.length && ra.names.length === rb.names.length)
        return all(ra.names.map((n, i) => again(a.items[i]!, b.items[rb.names!.indexOf(n)]!)));
    // Sets: the same item twice counts once (`(3,17,3,7)` listed twice).
    const ordered = (l: List) => l.open === "(" || l.open === "[";
    const dedupe = (l: List) => (ordered(l) ? l : {...l, items: [...new Map(l.items.map((i) => [normalizeAnswer(i).text, i])).values()]});
    a = dedupe(a);
    b = dedupe(b);
    if (a.items.length !== b.items.length) {
        // A decimal comma (`0,111`, `2,74`) against the same number with a point.
        const single = a.items.length === 1 ? a : b.items.length === 1 ? b : null;
        const pair = single === a ? b : a;
        if (single && pair.open === "" && /^-?\d+,\d+$/.test(pair.items.join(",")))
            return again(single.items[0]!, pair.items.join(".")) === true ? true : false;
        return false;
    }
    if (ordered(a) && ordered(b)) {
        if (a.open !== b.open || a.close !== b.close) return false;
        return all(a.items.map((item, i) => again(item, b.items[i]!)));
    }
    if (ordered(a) !== ordered(b)) {
        const [o, other] = ordered(a) ? [a, b] : [b, a];
        if (o.open === "[" || o.close === "]") return false; // an interval against a set of numbers
        if (other.open === "{") return false; // a tuple is not a set: (3,1) vs {1,3}
        return all(o.items.map((item, i) => again(item, other.items[i]!))); // a bare list read as the tuple
    }
    // Order-free: a bijection of equivalent items; the same text pairs first, without the CAS.
    const used = new Set<number>();
    let unsure = false;
    const key = (i: string) => normalizeAnswer(i).text;
    const rest: string[] = [];
    for (const item of a.items) {
        const j = b.items.findIndex((other, k) => !used.has(k) && key(other) === key(item));
        if (j >= 0) used.add(j); else rest.push(item);
    }
    for (const item of rest) {
        let found = false;
        let maybe = false;
        for (let j = 0; j < b.items.length; j++) {
            if (used.has(j)) continue;
            const v = again(item, b.items[j]!);
            if (v === true) { used.add(j); found = true; break; }
            if (v === null) maybe = true;
        }
        if (!found) { if (maybe) unsure = true; else return false; }
    }
    return unsure ? null : true;
}
