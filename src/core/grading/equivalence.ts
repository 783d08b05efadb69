/**
 * Answer equivalence as E1 grades it: Hendrycks normalization first, then a symbolic check. Three outcomes:
 * `true` (equivalent), `false` (not equivalent), `null` (cannot tell: the CAS cannot read one side, or the forms
 * are of kinds this grader does not compare). A tutor must not call a right answer wrong, so "cannot tell" is said.
 *
 * The CAS is the Cortex Compute Engine (@cortex-js/compute-engine), pinned to 0.24.1: it parses LaTeX itself (no
 * LaTeX->sympy translation layer to write), simplifies and evaluates numerically, is MIT-licensed and maintained, and
 * 0.24.1 declares Node >= 16 (later releases ask for Node 21/22; VS Code 1.100's extension host is Node 20).
 * nerdamer, algebrite and mathjs do not parse LaTeX.
 *
 * Rules (from the E1 / DeepScaleR grader and the public graders' tests):
 * - integers must match exactly (no tolerance: 1000000 != 1000001);
 * - other numbers match within a relative 1e-4 (Qwen-Math's `math_equal` tolerance; 3.1416 ~ 3.14159);
 * - tuples, intervals (brackets must match) and sets / bare lists (order-free) element-wise; `a \pm b` is two elements;
 * - `x = 3` against `3`: the right-hand side of an equation is compared when the other side is not an equation;
 *   two equations are equal when their sides' differences are proportional;
 * - units, `\text{}`, degrees and percent are stripped by the normalization; with a percent sign, x% also matches x/100.
 */
import {ComputeEngine} from "@cortex-js/compute-engine";
import {answerCandidate} from "./extract";
import {matchBrace, normalizeAnswer} from "./normalize";

export type Verdict = boolean | null;

type Expr = NonNullable<ReturnType<ComputeEngine["parse"]>>;

let engine: ComputeEngine | undefined;
function ce(): ComputeEngine {
    engine ??= new ComputeEngine();
    return engine;
}

const REL_TOL = 1e-4;

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
        return equivalent(g, p, 0);
    } catch {
        return null;
    }
}

/** Words that join list items become commas; choice letters lose their parentheses. */
function prepare(s: string): string {
    return s.replace(/\\text\{\s*(?:and|or)\s*\}|\s+(?:and|or)\s+|(?<=[)\d])\s*(?:and|or)\s*(?=[(\d-])/g, ",")
        .replace(/\\(?:quad|qquad)\s*,?/g, ",")
        .replace(/\\text\{\s*for part \([a-z]\)\s*\}/g, "")
        .replace(/^\s*\\text\{\s*\(([A-Ea-e])\)\s*\}\s*$/, "$1").replace(/^\s*\(([A-Ea-e])\)\s*$/, "$1");
}

function equivalent(a: string, b: string, depth: number): Verdict {
    if (depth > 4) return null;
    const na = normalizeAnswer(a);
    const nb = normalizeAnswer(b);
    const x = na.text;
    const y = nb.text;
    if (x === y) return true;
    if (/^[a-zA-Z]+$/.test(x) && /^[a-zA-Z]+$/.test(y)) return x.toLowerCase() === y.toLowerCase();
    if (x === "" || y === "") return false;

    // `(p,q) = (3,2)` / `x = 3` / `|AB| = 1` against a value: the value on the right is the answer. An equation
    // whose left side is not a name (`a + 3z = 0`) is not a value.
    const ex = topLevelEquals(x);
    const ey = topLevelEquals(y);
    if ((ex == null) !== (ey == null)) {
        const [eq, other, flip] = ex ? [ex, y, false] : [ey!, x, true];
        if (!isName(eq[0])) return false;
        return flip ? equivalent(other, eq[1], depth + 1) : equivalent(eq[1], other, depth + 1);
    }

    const ix = inequality(x);
    const iy = inequality(y);
    if (ix && iy) {
        if (ix.strict !== iy.strict) return false;
        const a = parse(ix.d);
        const b = parse(iy.d);
        if (!a || !b) return null;
        const vars = [...new Set([...a.freeVariables, ...b.freeVariables])];
        return vars.length === 0 ? null : sameAtPoints(a, b, vars, true, true);
    }

    const lx = splitList(x);
    const ly = splitList(y);
    if (lx.items.length > 1 || ly.items.length > 1) return compareLists(lx, ly, depth);
    const mx = matrixRows(x);
    const my = matrixRows(y);
    if (mx != null || my != null) {
        if (mx == null || my == null) return false;
        if (mx.length !== my.length || mx.some((r, i) => r.length !== my[i]!.length)) return false;
        return all(mx.flatMap((row, i) => row.map((cell, j) => equivalent(cell, my[i]![j]!, depth + 1))));
    }

    const percent = na.percent || nb.percent;
    return symbolic(x, y, percent);
}

/** A name or a tuple of names: `x`, `a_{37}`, `(p,q)`, `|AB|`, `\\frac{NO}{BO}`, `f(x)`. */
function isName(s: string): boolean {
    const t = s.replace(/_\{?[\w,]+\}?/g, "").replace(/\\frac\{[a-zA-Z]+\}\{[a-zA-Z]+\}/g, "N").replace(/\\[a-zA-Z]+/g, "N");
    return /^[a-zA-Z(),|\s]+$/.test(t) && /[a-zA-Z]/.test(t);
}

function all(verdicts: Verdict[]): Verdict {
    if (verdicts.some((v) => v === false)) return false;
    if (verdicts.some((v) => v === null)) return null;
    return true;
}

interface List {
    readonly open: string;
    readonly close: string;
    readonly items: string[];
}

/** Splits `(a,b)`, `[a,b)`, `\{a,b\}`, `a,b`, `a;b`, `A \cup B` at the top level. */
function splitList(s: string): List {
    let open = "";
    let close = "";
    let body = s;
    const setM = /^\\\{(.*)\\\}$/.exec(s);
    if (setM && balanced(setM[1]!)) { open = "{"; close = "}"; body = setM[1]!; }
    else if (/^[([].*[)\]]$/.test(s) && balanced(s.slice(1, -1)) && !/^\(.*\)\^/.test(s)) { open = s[0]!; close = s[s.length - 1]!; body = s.slice(1, -1); }
    else if (/^\{.*\}$/.test(s) && matchBrace(s, 0) === s.length - 1) { open = "{"; close = "}"; body = s.slice(1, -1); }
    const items = topLevelSplit(body, /^(?:,|;|\\cup)/);
    if (items.length <= 1) {
        // `a \pm b` is two answers.
        const pm = /^(.*?)\\pm(.*)$/.exec(s);
        if (pm && balanced(pm[1]!) && pm[2]!.trim() !== "") {
            const left = pm[1]!.trim();
            const right = pm[2]!.trim();
            return {open: "{", close: "}", items: left === "" ? [`-${right}`, right] : [`${left}+${right}`, `${left}-${right}`]};
        }
        return {open, close, items: [s]};
    }
    return {open, close, items: items.map((i) => i.trim()).filter((i) => i !== "")};
}

function balanced(s: string): boolean {
    let depth = 0;
    for (let i = 0; i < s.length; i++) {
        const ch = s[i];
        if (ch === "\\") { if (s[i + 1] === "{" || s[i + 1] === "}") { depth += s[i + 1] === "{" ? 1 : -1; } i++; continue; }
        if (ch === "(" || ch === "[" || ch === "{") depth++;
        else if (ch === ")" || ch === "]" || ch === "}") depth--;
        if (depth < 0) return false;
    }
    return depth === 0;
}

function topLevelSplit(s: string, sep: RegExp): string[] {
    const out: string[] = [];
    let depth = 0;
    let start = 0;
    for (let i = 0; i < s.length; i++) {
        const ch = s[i];
        if (ch === "\\") {
            if (s[i + 1] === "{" ) depth++;
            else if (s[i + 1] === "}") depth--;
            else if (depth === 0) {
                const m = sep.exec(s.slice(i));
                if (m) { out.push(s.slice(start, i)); i += m[0].length - 1; start = i + 1; continue; }
            }
            i++;
            continue;
        }
        if (ch === "(" || ch === "[" || ch === "{") depth++;
        else if (ch === ")" || ch === "]" || ch === "}") depth--;
        else if (depth === 0) {
            const m = sep.exec(s.slice(i));
            if (m) { out.push(s.slice(start, i)); i += m[0].length - 1; start = i + 1; }
        }
    }
    out.push(s.slice(start));
    return out;
}

function compareLists(a: List, b: List, depth: number): Verdict {
    // Drop a shared name on the left of each item's equation (`a_3 = 2` vs `a_3 = 2`, `k=45`): items compare values.
    if (a.items.length !== b.items.length) {
        // A decimal comma (`1000,99`, `0,111`) against the same number with a point.
        const single = a.items.length === 1 ? a : b.items.length === 1 ? b : null;
        const pair = single === a ? b : a;
        if (single && pair.open === "" && /^-?\d+,\d+$/.test(pair.items.join(",")))
            return equivalent(single.items[0]!, pair.items.join("."), depth + 1) === true ? true : false;
        return false;
    }
    const ordered = (l: List) => l.open === "(" || l.open === "[";
    if (ordered(a) && ordered(b)) {
        if (a.open !== b.open || a.close !== b.close) return false;
        return all(a.items.map((item, i) => equivalent(item, b.items[i]!, depth + 1)));
    }
    if (ordered(a) !== ordered(b) && a.items.length === 2 && (a.open === "[" || a.close === "]" || b.open === "[" || b.close === "]"))
        return false; // an interval against a set of two numbers
    // Order-free: a bijection of equivalent items.
    const used = new Set<number>();
    let unsure = false;
    for (const item of a.items) {
        let found = false;
        let maybe = false;
        for (let j = 0; j < b.items.length; j++) {
            if (used.has(j)) continue;
            const v = equivalent(item, b.items[j]!, depth + 1);
            if (v === true) { used.add(j); found = true; break; }
            if (v === null) maybe = true;
        }
        if (!found) { if (maybe) unsure = true; else return false; }
    }
    return unsure ? null : true;
}

/** `\begin{pmatrix}a&b\\c&d\end{pmatrix}` (any matrix environment) -> rows of cells. */
function matrixRows(s: string): string[][] | null {
    const m = /^\\begin\{([pbvBV]?matrix|array)\}(?:\{[^}]*\})?(.*)\\end\{\1\}$/.exec(s);
    if (!m) return null;
    return m[2]!.split(/\\\\/).map((r) => r.trim()).filter((r) => r !== "").map((r) => r.split("&").map((c) => c.trim()));
}

// --- symbolic -----------------------------------------------------------------------------------------------

/**
 * What the CAS is not given, so that grading always ends quickly: sums, products, integrals and limits with
 * symbolic bounds made its evaluation run for 30 s; towers of big exponents would too. These are "cannot tell"
 * unless the normalized strings are equal.
 */
function tooHard(s: string): boolean {
    return s.length > 400 || /\\(?:sum|prod|int|oint|lim|iint)(?![a-zA-Z])/.test(s) || /\^\{?[^{}]*\d{4,}/.test(s) || /!\s*!|\d{3,}!/.test(s);
}

function parse(s: string): Expr | null {
    if (tooHard(s)) return null;
    const latex = s.replace(/\*/g, "\\cdot ").replace(/\\infty/g, "\\infty ");
    const e = ce().parse(latex);
    return e.isValid ? e : null;
}

function numberOf(e: Expr): number | {re: number; im: number} | null {
    const v = e.N().valueOf();
    if (typeof v === "number") return v;
    const n = e.N().numericValue as unknown;
    if (n != null && typeof n === "object" && "re" in n && "im" in n) {
        const c = n as {re: number; im: number};
        return {re: Number(c.re), im: Number(c.im)};
    }
    return null;
}

function close(a: number, b: number): boolean {
    if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
    return Math.abs(a - b) <= REL_TOL * Math.max(Math.abs(a), Math.abs(b)) || Math.abs(a - b) < 1e-12;
}

function sameNumber(a: number | {re: number; im: number}, b: number | {re: number; im: number}): boolean {
    const ca = typeof a === "number" ? {re: a, im: 0} : a;
    const cb = typeof b === "number" ? {re: b, im: 0} : b;
    return close(ca.re, cb.re) && close(ca.im, cb.im);
}

/** `l = ... = r` -> [l, r] (a chain of equalities gives its first and last sides). */
function topLevelEquals(s: string): [string, string] | null {
    const parts = topLevelSplit(s, /^=/);
    if (parts.length < 2) return null;
    return [parts[0]!, parts[parts.length - 1]!];
}

/** `a < b`, `a \geq b`... -> `d op 0` with op `<` or `<=`, d = a - b or b - a. */
function inequality(s: string): {d: string; strict: boolean} | null {
    const parts = topLevelSplit(s, /^(?:<|>|\\leq|\\geq)/);
    if (parts.length !== 2) return null;
    const op = s.slice(parts[0]!.length).match(/^(?:<|>|\\leq|\\geq)/)![0];
    const [a, b] = parts as [string, string];
    const less = op === "<" || op === "\\leq";
    return {d: less ? `(${a})-(${b})` : `(${b})-(${a})`, strict: op === "<" || op === ">"};
}

function symbolic(x: string, y: string, percent: boolean): Verdict {
    // Integers: exact.
    if (/^-?\d+$/.test(x) && /^-?\d+$/.test(y)) {
        if (BigInt(x) === BigInt(y)) return true;
        if (percent && (BigInt(x) * 100n === BigInt(y) || BigInt(y) * 100n === BigInt(x))) return true;
        return false;
    }
    const ex = topLevelEquals(x);
    const ey = topLevelEquals(y);
    if (ex && ey) return equationsEqual(ex, ey);
    if (ex && !ey) return symbolic(ex[1], y, percent);
    if (ey && !ex) return symbolic(x, ey[1], percent);

    const a = parse(x);
    const b = parse(y);
    if (a == null || b == null) return null;
    const vars = [...new Set([...a.freeVariables, ...b.freeVariables])];
    if (vars.length === 0) {
        const va = numberOf(a);
        const vb = numberOf(b);
        if (va == null || vb == null) return a.isSame(b) ? true : (isPlainSymbolic(a) && isPlainSymbolic(b) ? false : null);
        if (sameNumber(va, vb)) return true;
        if (percent && typeof va === "number" && typeof vb === "number" && (close(va, vb * 100) || close(va * 100, vb))) return true;
        return false;
    }
    // With variables: simplify the difference, then evaluate at a few points.
    try {
        const diff = ce().box(["Subtract", a, b]).simplify();
        if (diff.isZero === true) return true;
    } catch { /* fall through to evaluation */ }
    return sameAtPoints(a, b, vars);
}

function isPlainSymbolic(e: Expr): boolean {
    const j = e.json;
    return typeof j === "string";
}

const POINTS = [0.3719, 1.4142, -0.8312, 2.2361];

function sameAtPoints(a: Expr, b: Expr, vars: string[], ratio = false, positive = false): Verdict {
    let r: number | undefined;
    let compared = 0;
    for (let k = 0; k < POINTS.length; k++) {
        const sub: Record<string, Expr> = {};
        vars.forEach((v, i) => { sub[v] = ce().number(POINTS[(k + i) % POINTS.length]! + i * 0.173); });
        const va = numberOf(a.subs(sub));
        const vb = numberOf(b.subs(sub));
        if (typeof va !== "number" || typeof vb !== "number" || !Number.isFinite(va) || !Number.isFinite(vb)) continue;
        compared++;
        if (ratio) {
            if (Math.abs(vb) < 1e-12) { if (Math.abs(va) > 1e-9) return false; continue; }
            const q = va / vb;
            if (r === undefined) r = q;
            else if (!close(q, r)) return false;
        } else if (!close(va, vb)) return false;
    }
    if (compared < 2) return null;
    if (ratio && positive && r !== undefined && r < 0) return false;
    return ratio ? (r !== undefined && r !== 0 ? true : null) : true;
}

/** `l1 = r1` vs `l2 = r2`: the same equation when l1 - r1 is a nonzero multiple of l2 - r2. */
function equationsEqual(e1: [string, string], e2: [string, string]): Verdict {
    const p = (s: string) => parse(s);
    const l1 = p(e1[0]), r1 = p(e1[1]), l2 = p(e2[0]), r2 = p(e2[1]);
    if (!l1 || !r1 || !l2 || !r2) return null;
    const d1 = ce().box(["Subtract", l1, r1]);
    const d2 = ce().box(["Subtract", l2, r2]);
    const vars = [...new Set([...d1.freeVariables, ...d2.freeVariables])];
    if (vars.length === 0) return null;
    return sameAtPoints(d1, d2, vars, true);
}
