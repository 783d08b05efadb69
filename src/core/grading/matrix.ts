/**
 * Matrices: `\begin{pmatrix}a&b\\c&d\end{pmatrix}` (any matrix environment, or `array`, in brackets or not), and
 * sums, differences and products of them with scalars (`2\begin{pmatrix}1&2\end{pmatrix}`, `A + B`, `A B`). The
 * result is a grid of cell expressions (LaTeX strings such as `(2)\cdot(1)`) that the symbolic check compares cell by
 * cell: this module only does the bookkeeping of rows and columns.
 */
export type Grid = string[][];

const ENV = /\\begin\{([pbvBV]?matrix|array)\}(?:\{[^}]*\})?/g;

/** The rows of one environment's body. */
function rows(body: string): Grid {
    return body.split(/\\\\/).map((r) => r.trim()).filter((r) => r !== "").map((r) => r.split("&").map((c) => c.trim()));
}

type Chunk = {grid: Grid} | {text: string};

function chunks(s: string): Chunk[] | null {
    const out: Chunk[] = [];
    let at = 0;
    ENV.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = ENV.exec(s)) != null) {
        const end = s.indexOf(`\\end{${m[1]}}`, m.index);
        if (end < 0) return null;
        if (m.index > at) out.push({text: s.slice(at, m.index)});
        const grid = rows(s.slice(m.index + m[0].length, end));
        if (grid.length === 0 || grid.some((r) => r.length !== grid[0]!.length)) return null;
        out.push({grid});
        at = end + `\\end{${m[1]}}`.length;
        ENV.lastIndex = at;
    }
    if (at < s.length) out.push({text: s.slice(at)});
    return out;
}

function product(a: Grid, b: Grid): Grid | null {
    if (a[0]!.length !== b.length) return null;
    return a.map((row) => b[0]!.map((_, j) => row.map((x, k) => `(${x})\\cdot(${b[k]![j]})`).join("+")));
}

/**
 * The value of a matrix expression as one grid of cells, or null when the string has no matrix or is not a sum of
 * products of scalars and matrices of matching sizes. Brackets around a single matrix are dropped.
 */
export function matrixValue(input: string): Grid | null {
    let s = input.trim();
    while (/^[([].*[)\]]$/.test(s) && /^[([]\\begin\{[^}]*\}/.test(s) && /\\end\{[^}]*\}[)\]]$/.test(s)) s = s.slice(1, -1).trim();
    const parts = chunks(s);
    if (!parts || !parts.some((c) => "grid" in c)) return null;
    // Terms: split the text between matrices at + and - signs.
    const terms: {sign: string; factors: Chunk[]}[] = [{sign: "+", factors: []}];
    for (const c of parts) {
        if ("grid" in c) { terms[terms.length - 1]!.factors.push(c); continue; }
        let depth = 0;
        let start = 0;
        for (let i = 0; i < c.text.length; i++) {
            const ch = c.text[i]!;
            if (ch === "{" || ch === "(") depth++;
            else if (ch === "}" || ch === ")") depth--;
            else if (depth === 0 && (ch === "+" || ch === "-")) {
                const before = c.text.slice(start, i);
                if (before.trim() !== "") terms[terms.length - 1]!.factors.push({text: before});
                terms.push({sign: ch, factors: []});
                start = i + 1;
            }
        }
        const rest = c.text.slice(start);
        if (rest.trim() !== "") terms[terms.length - 1]!.factors.push({text: rest});
    }
    let total: Grid | null = null;
    for (const t of terms) {
        if (t.factors.length === 0) { if (t === terms[0]) continue; return null; }
        let scalar = "";
        let m: Grid | null = null;
        for (const f of t.factors) {
            if ("grid" in f) { m = m ? product(m, f.grid) : f.grid; if (!m) return null; }
            else scalar += ` ${f.text.replace(/\\(?:cdot|times)\s*$|^\s*\\(?:cdot|times)/g, "").trim()}`;
        }
        if (!m) return null;
        const k = scalar.replace(/\\(?:cdot|times)/g, " ").trim();
        const term = m.map((row) => row.map((x) => `${t.sign === "-" ? "-" : ""}${k === "" ? "" : `(${k})\\cdot`}(${x})`));
        if (total && (total.length !== term.length || total[0]!.length !== term[0]!.length)) return null;
        total = total ? total.map((row, i) => row.map((x, j) => `${x}+${term[i]![j]}`)) : term;
    }
    return total;
}
