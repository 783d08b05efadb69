/**
 * The symbolic check: the Cortex Compute Engine (@cortex-js/compute-engine), pinned to 0.24.1. It parses LaTeX
 * itself (no LaTeX->sympy translation layer to write), simplifies and evaluates numerically, is MIT-licensed, and
 * 0.24.1 declares Node >= 16 (later releases ask for Node 21/22; VS Code 1.100's extension host is Node 20).
 * nerdamer, algebrite and mathjs do not parse LaTeX.
 *
 * Bounded: what the CAS is given is checked first (length, nesting, size of numbers, factorials, sums and
 * integrals with symbolic bounds), and anything past the caps is "cannot tell" (null), so grading always ends fast.
 */
import {ComputeEngine} from "@cortex-js/compute-engine";
import {complexValue, type Complex} from "./complex";

export type Verdict = boolean | null;
export type Expr = NonNullable<ReturnType<ComputeEngine["parse"]>>;

let engine: ComputeEngine | undefined;
export function ce(): ComputeEngine {
    engine ??= new ComputeEngine();
    return engine;
}

const REL_TOL = 1e-4;
/** The caps (see docs/grading.md, "Bounded"). */
export const LIMITS = {chars: 400, depth: 24, nodes: 600, digits: 2000, factorial: 1000, binomial: 5000, expandPower: 24,
    parsesPerGrade: 400, msPerGrade: 3000};

/** Thrown when one grading has used up its CAS budget; the grade is then "cannot tell". */
export class PastCap extends Error {}

let budget = {parses: 0, deadline: Infinity};

/** Starts one grading's budget: so many CAS parses and so much time, then PastCap. */
export function startBudget(): void {
    budget = {parses: 0, deadline: Date.now() + LIMITS.msPerGrade};
}

function spend(): void {
    if (++budget.parses > LIMITS.parsesPerGrade || Date.now() > budget.deadline) throw new PastCap("past the grader's CAS budget");
}

/**
 * Not given to the CAS: sums, products, integrals and limits (their evaluation ran for 30 s with symbolic bounds),
 * long inputs, and factorials of big literals (`99999!`).
 */
function tooHard(s: string): boolean {
    return s.length > LIMITS.chars || /\\(?:sum|prod|int|oint|lim|iint)(?![a-zA-Z])/.test(s) || /!\s*!|\d{4,}\s*!/.test(s);
}

/** `\binom{n}{k}` with integers -> its value (exact, BigInt); over the cap it stays and the parse fails (null). */
function binomials(s: string): string {
    return s.replace(/\\binom\s*\{\s*(\d+)\s*\}\s*\{\s*(\d+)\s*\}/g, (all, n: string, k: string) => {
        const N = Number(n);
        let K = Number(k);
        if (N > LIMITS.binomial) return all;
        if (K > N) return "0";
        K = Math.min(K, N - K);
        let r = 1n;
        for (let i = 1; i <= K; i++) r = (r * BigInt(N - K + i)) / BigInt(i);
        return `{${r}}`;
    });
}

/** LaTeX the CAS reads as we mean it: `-3^2` is -(3^2) (0.24.1 reads a leading `-3` as the literal), `*` is `\cdot`. */
function forCas(s: string): string {
    return binomials(s).replace(/\*/g, "\\cdot ").replace(/\\infty/g, "\\infty ")
        .replace(/(^|[^\w})\]!])-\s*(\d+(?:\.\d+)?)(?=\s*\^)/g, "$1-{$2}");
}

/** Walks the parsed form: too deep, too many nodes, or numbers too big to compute are past the caps. */
function withinCaps(json: unknown): boolean {
    let nodes = 0;
    // Returns an upper bound on log10 |value| for constant parts (1 for a symbol), or Infinity past the caps.
    const walk = (j: unknown, depth: number): number => {
        if (++nodes > LIMITS.nodes || depth > LIMITS.depth) return Infinity;
        if (typeof j === "number") return Math.log10(Math.abs(j) + 1);
        if (typeof j === "string") return 1; // a symbol: small
        if (j != null && typeof j === "object" && !Array.isArray(j)) {
            const num = (j as {num?: string}).num;
            return typeof num === "string" ? num.replace(/[^0-9]/g, "").length : 0;
        }
        if (!Array.isArray(j) || j.length === 0) return 0;
        const [head, ...args] = j as [unknown, ...unknown[]];
        const sizes = args.map((a) => walk(a, depth + 1));
        if (sizes.some((x) => x === Infinity)) return Infinity;
        const big = (x: number) => (x > LIMITS.digits ? Infinity : x);
        switch (head) {
            case "Power": case "Exp": {
                const [b, e] = head === "Exp" ? [0.44, sizes[0]!] : [sizes[0]!, sizes[1]!];
                if (e > 6) return Infinity; // an exponent over a million
                return big(Math.max(b, 1) * 10 ** e);
            }
            case "Square": return big(2 * sizes[0]!);
            case "Sqrt": case "Root": return sizes[0]!;
            case "Factorial": case "Factorial2": case "Gamma":
                return sizes[0]! > Math.log10(LIMITS.factorial + 1) ? Infinity : big(LIMITS.factorial * 3);
            case "Multiply": return big(sizes.reduce((a, b) => a + b, 0));
            case "Divide": case "Rational": return sizes[0] ?? 0;
            default: return big(Math.max(0, ...sizes) + Math.log10(Math.max(1, sizes.length)));
        }
    };
    return walk(json, 0) !== Infinity;
}

/** The parsed expression, or null when it is not valid LaTeX for the CAS or past the caps. */
export function parse(s: string): Expr | null {
    if (tooHard(s)) return null;
    spend();
    const e = ce().parse(forCas(s));
    if (!e.isValid || !withinCaps(e.json)) return null;
    return e;
}

/** A real or complex number, or null (symbols left, or not a number). */
export function numberOf(e: Expr): Complex | null {
    const n = e.N();
    const v = n.valueOf();
    if (typeof v === "number") return Number.isNaN(v) ? null : {re: v, im: 0};
    const c = n.numericValue as unknown;
    if (c != null && typeof c === "object" && "re" in c && "im" in c) return {re: Number((c as Complex).re), im: Number((c as Complex).im)};
    // 0.24.1 does not divide complex numbers (`\frac{2}{1-i}` stays as it is): evaluate the tree ourselves.
    return complexValue(e.json);
}

export function close(a: number, b: number): boolean {
    if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
    return Math.abs(a - b) <= REL_TOL * Math.max(Math.abs(a), Math.abs(b)) || Math.abs(a - b) < 1e-12;
}

function sameNumber(a: Complex, b: Complex): boolean {
    return close(a.re, b.re) && (close(a.im, b.im) || Math.abs(a.im - b.im) < 1e-9 * Math.max(1, Math.abs(a.re), Math.abs(b.re)));
}

const POINTS = [0.3719, 1.4142, -0.8312, 2.2361];

/** `a` and `b` at a few points: equal values (or, with `ratio`, a constant nonzero ratio; `positive`: > 0). */
export function sameAtPoints(a: Expr, b: Expr, vars: string[], ratio = false, positive = false): Verdict {
    let r: number | undefined;
    let compared = 0;
    for (let k = 0; k < POINTS.length; k++) {
        const sub: Record<string, Expr> = {};
        vars.forEach((v, i) => { sub[v] = ce().number(POINTS[(k + i) % POINTS.length]! + i * 0.173); });
        const va = numberOf(a.subs(sub));
        const vb = numberOf(b.subs(sub));
        if (va == null || vb == null || va.im !== 0 || vb.im !== 0 || !Number.isFinite(va.re) || !Number.isFinite(vb.re)) continue;
        compared++;
        if (ratio) {
            if (Math.abs(vb.re) < 1e-12) { if (Math.abs(va.re) > 1e-9) return false; continue; }
            const q = va.re / vb.re;
            if (r === undefined) r = q;
            else if (!close(q, r)) return false;
        } else if (!close(va.re, vb.re)) return false;
    }
    if (compared < 2) return null;
    if (ratio && positive && r !== undefined && r < 0) return false;
    return ratio ? (r !== undefined && r !== 0 ? true : null) : true;
}

export function freeVars(...es: Expr[]): string[] {
    return [...new Set(es.flatMap((e) => e.freeVariables))];
}

/** `l1 = r1` vs `l2 = r2`: the same equation when l1 - r1 is a nonzero multiple of l2 - r2. */
export function equationsEqual(e1: [string, string], e2: [string, string]): Verdict {
    const [l1, r1, l2, r2] = [parse(e1[0]), parse(e1[1]), parse(e2[0]), parse(e2[1])];
    if (!l1 || !r1 || !l2 || !r2) return null;
    const d1 = ce().box(["Subtract", l1, r1]);
    const d2 = ce().box(["Subtract", l2, r2]);
    const vars = freeVars(d1, d2);
    if (vars.length === 0) return null;
    return sameAtPoints(d1, d2, vars, true);
}

/**
 * Two expressions: integers exactly (BigInt), other constants within a relative 1e-4 (with `percent`, x may also be
 * 100x) except that a decimal never equals an irrational value it approximates (`3.14159` is not `\pi`),
 * expressions with variables by simplifying the difference, then at a few points.
 */
export function symbolicEqual(x: string, y: string, percent: boolean): Verdict {
    if (/^-?\d+$/.test(x) && /^-?\d+$/.test(y)) {
        if (BigInt(x) === BigInt(y)) return true;
        return percent && (BigInt(x) * 100n === BigInt(y) || BigInt(y) * 100n === BigInt(x));
    }
    const a = parse(x);
    const b = parse(y);
    if (a == null || b == null) return null;
    const vars = freeVars(a, b);
    if (vars.length === 0) {
        const va = numberOf(a);
        const vb = numberOf(b);
        if (va == null || vb == null) return a.isSame(b) ? true : (typeof a.json === "string" && typeof b.json === "string" ? false : null);
        if (![va.re, va.im, vb.re, vb.im].every(Number.isFinite)) {
            // \infty against a number is not equal; numbers past double range are "cannot tell".
            const inf = (e: Expr) => /Infinity/.test(JSON.stringify(e.json));
            if (inf(a) || inf(b)) return inf(a) && inf(b) ? va.re === vb.re : false;
            return null;
        }
        // A decimal approximation of an irrational value (`3.14159` for `\pi`) is not equal: E1's rule is exact.
        const decimal = (t: string) => /^-?\d*\.\d+$/.test(t);
        const irrational = (e: Expr) => /"(?:Pi|ExponentialE|Sqrt|Root|Ln|Log|Lb|Lg|Exp|Sin|Cos|Tan|Cot|Sec|Csc|Arc\w+)"/.test(JSON.stringify(e.json));
        if (decimal(x) !== decimal(y) && irrational(decimal(x) ? b : a)) {
            const [d, v] = decimal(x) ? [va, vb] : [vb, va];
            return Math.abs(d.re - v.re) <= 1e-12 * Math.max(1, Math.abs(v.re)) && Math.abs(v.im) < 1e-12;
        }
        if (sameNumber(va, vb)) {
            // Past 2^53 doubles cannot tell integers apart (`2^{1000}` vs `2^{1000}+1`): decide exactly, or cannot tell.
            if (Math.max(Math.abs(va.re), Math.abs(vb.re)) < 2 ** 53 || va.im !== 0 || vb.im !== 0) return true;
            return exactlyEqual(a, b);
        }
        if (percent && va.im === 0 && vb.im === 0 && (close(va.re, vb.re * 100) || close(va.re * 100, vb.re))) return true;
        return false;
    }
    // Simplifying expands powers: only for small literal exponents.
    const exps = [...`${x} ${y}`.matchAll(/\^\s*\{?\s*(\d+)/g)].map((m) => Number(m[1]));
    if (exps.every((e) => e <= LIMITS.expandPower)) {
        try {
            if (ce().box(["Subtract", a, b]).simplify().isZero === true) return true;
        } catch { /* evaluate at points instead */ }
    }
    return sameAtPoints(a, b, vars);
}

/** Exact comparison of two big constants: their difference evaluated without rounding, or null when not exact. */
function exactlyEqual(a: Expr, b: Expr): Verdict {
    try {
        const d = ce().box(["Subtract", a, b]).evaluate();
        if (d.isZero === true) return true;
        if (d.isZero === false && d.isExact === true) return false;
        return null;
    } catch {
        return null;
    }
}
