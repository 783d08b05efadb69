/**
 * Complex arithmetic on a parsed (MathJSON) constant expression, for what the CAS leaves unevaluated: Compute Engine
 * 0.24.1 does not divide by a complex number (`\frac{2}{1-i}` stays as written), so `\frac{2}{1-i}` and `1+i` would be
 * "cannot tell". Only arithmetic, integer powers and square roots; anything else (a symbol, a function) is null.
 */
export interface Complex { re: number; im: number }

const C = (re: number, im = 0): Complex => ({re, im});

function mul(a: Complex, b: Complex): Complex {
    return C(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re);
}

function div(a: Complex, b: Complex): Complex | null {
    const d = b.re * b.re + b.im * b.im;
    if (d === 0) return null;
    return C((a.re * b.re + a.im * b.im) / d, (a.im * b.re - a.re * b.im) / d);
}

function pow(a: Complex, n: number): Complex | null {
    if (!Number.isInteger(n) || Math.abs(n) > 64) return null;
    let r = C(1);
    for (let i = 0; i < Math.abs(n); i++) r = mul(r, a);
    return n < 0 ? div(C(1), r) : r;
}

function sqrt(a: Complex): Complex {
    const m = Math.hypot(a.re, a.im);
    const re = Math.sqrt((m + a.re) / 2);
    const im = Math.sign(a.im || 1) * Math.sqrt(Math.max(0, (m - a.re) / 2));
    return C(re, im);
}

const CONSTANTS: Record<string, Complex> = {ImaginaryUnit: C(0, 1), Pi: C(Math.PI), ExponentialE: C(Math.E), Half: C(0.5)};

/** The value of a constant expression, or null when it has symbols or operations this evaluator does not do. */
export function complexValue(j: unknown, depth = 0): Complex | null {
    if (depth > 40) return null;
    if (typeof j === "number") return C(j);
    if (typeof j === "string") return CONSTANTS[j] ?? null;
    if (j != null && typeof j === "object" && !Array.isArray(j)) {
        const n = Number((j as {num?: string}).num);
        return Number.isFinite(n) ? C(n) : null;
    }
    if (!Array.isArray(j) || j.length === 0) return null;
    const [head, ...rest] = j as [unknown, ...unknown[]];
    if (head === "Complex") return C(Number(rest[0]), Number(rest[1]));
    if (head === "Rational" && typeof rest[0] === "number" && typeof rest[1] === "number") return C(rest[0] / rest[1]);
    const args = rest.map((a) => complexValue(a, depth + 1));
    if (args.some((a) => a == null)) return null;
    const v = args as Complex[];
    switch (head) {
        case "Delimiter": return v.length === 1 ? v[0]! : null;
        case "Add": return v.reduce((a, b) => C(a.re + b.re, a.im + b.im), C(0));
        case "Subtract": return v.length === 2 ? C(v[0]!.re - v[1]!.re, v[0]!.im - v[1]!.im) : null;
        case "Negate": return C(-v[0]!.re, -v[0]!.im);
        case "Multiply": return v.reduce(mul, C(1));
        case "Divide": return v.length === 2 ? div(v[0]!, v[1]!) : null;
        case "Square": return mul(v[0]!, v[0]!);
        case "Sqrt": return sqrt(v[0]!);
        case "Power": return v.length === 2 && v[1]!.im === 0 ? pow(v[0]!, v[1]!.re) : null;
        default: return null;
    }
}
