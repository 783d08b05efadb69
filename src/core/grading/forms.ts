/**
 * Reading the shape of a normalized answer (pure string work): lists, tuples, sets and intervals; equations and
 * named values (`x = 3`, `a=1, b=4`); one-variable conditions as sets (`3 < x < 7`, `t \in [0,2)`, `x > 1` or
 * `x < -1`); ratios (`2:5`); numbers with a base subscript (`101_2`).
 */
import {matchBrace} from "./normalize";

export function balanced(s: string): boolean {
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

const sticky = new Map<string, RegExp>();

/** Splits at separators outside any bracket (an interval's `[a,b)` counts as brackets). `sep` is anchored with `^`. */
export function topLevelSplit(s: string, sep: RegExp): string[] {
    let re = sticky.get(sep.source);
    if (!re) { re = new RegExp(sep.source.replace(/^\^/, ""), "y"); sticky.set(sep.source, re); }
    const at = (i: number) => { re!.lastIndex = i; return re!.exec(s); };
    const out: string[] = [];
    let depth = 0;
    let start = 0;
    for (let i = 0; i < s.length; i++) {
        const ch = s[i];
        if (ch === "\\") {
            if (s[i + 1] === "{") depth++;
            else if (s[i + 1] === "}") depth--;
            else if (depth === 0) {
                const m = at(i);
                if (m) { out.push(s.slice(start, i)); i += m[0].length - 1; start = i + 1; continue; }
            }
            i++;
            continue;
        }
        if (ch === "(" || ch === "[" || ch === "{") depth++;
        else if (ch === ")" || ch === "]" || ch === "}") depth--;
        else if (depth === 0) {
            const m = at(i);
            if (m) { out.push(s.slice(start, i)); i += m[0].length - 1; start = i + 1; }
        }
    }
    out.push(s.slice(start));
    return out;
}

export interface List {
    readonly open: string;
    readonly close: string;
    readonly items: string[];
}

/** Splits `(a,b)`, `[a,b)`, `\{a,b\}`, `a,b`, `a;b`, `A \cup B` at the top level; `a \pm b` is two items. */
export function splitList(s: string): List {
    let open = "";
    let close = "";
    let body = s;
    const setM = /^\\\{(.*)\\\}$/.exec(s);
    if (setM && balanced(setM[1]!)) { open = "{"; close = "}"; body = setM[1]!; }
    else if (/^[([].*[)\]]$/.test(s) && balanced(s.slice(1, -1)) && !/^\(.*\)\^/.test(s)) { open = s[0]!; close = s[s.length - 1]!; body = s.slice(1, -1); }
    // `{1,3}` without backslashes is a TeX group: it shows "1,3", a bare list.
    else if (/^\{.*\}$/.test(s) && matchBrace(s, 0) === s.length - 1) body = s.slice(1, -1);
    const items = topLevelSplit(body, /^(?:,|;|\\cup)/);
    if (items.length <= 1) {
        const pm = /^(.*?)\\pm(.*)$/.exec(s);
        if (pm && balanced(pm[1]!) && pm[2]!.trim() !== "") {
            const left = pm[1]!.trim();
            const right = pm[2]!.trim();
            const lhs = /^(.*=)\s*$/.exec(left);
            if (lhs) return {open: "{", close: "}", items: [`${lhs[1]}-${right}`, `${lhs[1]}${right}`]};
            return {open: "{", close: "}", items: left === "" ? [`-${right}`, right] : [`${left}+${right}`, `${left}-${right}`]};
        }
        return {open, close, items: [s]};
    }
    return {open, close, items: items.map((i) => i.trim()).filter((i) => i !== "")};
}

/** `l = ... = r` -> its sides. */
export function equationSides(s: string): string[] | null {
    const parts = topLevelSplit(s, /^=/);
    return parts.length < 2 ? null : parts.map((p) => p.trim());
}

/** A name or a tuple of names: `x`, `a_{37}`, `(p,q)`, `|AB|`, `\frac{NO}{BO}`, `f(x)`, `A:B`, `V_1:V_2`. */
export function isName(s: string): boolean {
    const t = s.replace(/_\{?[\w,]+\}?/g, "").replace(/\\frac\{[a-zA-Z]+\}\{[a-zA-Z]+\}/g, "N").replace(/\\[a-zA-Z]+/g, "N");
    return /^[a-zA-Z(),|:\s']+$/.test(t) && /[a-zA-Z]/.test(t);
}

/** A name's letters without its subscript: `x_{1}` -> `x` (solutions x_1, x_2 are values of one unknown). */
export function baseName(s: string): string {
    return s.replace(/_\{?\w+\}?$/, "").replace(/\(.*\)$/, "");
}

/** `a < b`, `a \geq b`... (one relation) -> `d op 0` with op `<` or `<=`, d = a - b or b - a. */
export function inequality(s: string): {d: string; strict: boolean} | null {
    const parts = topLevelSplit(s, /^(?:<|>|\\leq|\\geq)/);
    if (parts.length !== 2) return null;
    const op = s.slice(parts[0]!.length).match(/^(?:<|>|\\leq|\\geq)/)![0];
    const [a, b] = parts as [string, string];
    const less = op === "<" || op === "\\leq";
    return {d: less ? `(${a})-(${b})` : `(${b})-(${a})`, strict: op === "<" || op === ">"};
}

const REL = /^(?:<|>|\\leq|\\geq)/;

/** One condition on one name as intervals: `3<x<7` -> `(3,7)`, `x\geq-1` -> `[-1,\infty)`, `1\leq|z|\leq2` -> two. */
function conditionSet(s: string): {name: string; set: string} | null {
    const parts = topLevelSplit(s, REL);
    if (parts.length < 2 || parts.length > 3) return null;
    const ops: string[] = [];
    let at = 0;
    for (let i = 0; i < parts.length - 1; i++) { at += parts[i]!.length; ops.push(s.slice(at).match(REL)![0]); at += ops[i]!.length; }
    const less = (op: string) => op === "<" || op === "\\leq";
    const strict = (op: string) => op === "<" || op === ">";
    const names = parts.map((p) => p.trim()).map((p) => isName(p) && !/^\\infty$/.test(p));
    let name: string;
    let lo = "-\\infty", hi = "\\infty", loOpen = true, hiOpen = true;
    if (parts.length === 3) {
        if (!names[1] || names[0] || names[2] || less(ops[0]!) !== less(ops[1]!)) return null;
        name = parts[1]!.trim();
        const [a, b] = less(ops[0]!) ? [parts[0]!, parts[2]!] : [parts[2]!, parts[0]!];
        const [oa, ob] = less(ops[0]!) ? [ops[0]!, ops[1]!] : [ops[1]!, ops[0]!];
        lo = a.trim(); hi = b.trim(); loOpen = strict(oa); hiOpen = strict(ob);
    } else {
        if (names[0] === names[1]) return null;
        const nameLeft = names[0]!;
        name = parts[nameLeft ? 0 : 1]!.trim();
        const value = parts[nameLeft ? 1 : 0]!.trim();
        const upper = nameLeft === less(ops[0]!); // x < v or v > x: v bounds from above
        if (upper) { hi = value; hiOpen = strict(ops[0]!); } else { lo = value; loOpen = strict(ops[0]!); }
    }
    const abs = /^\|(.+)\|$/.exec(name);
    const interval = (l: string, lOpen: boolean, h: string, hOpen: boolean) => `${lOpen ? "(" : "["}${l},${h}${hOpen ? ")" : "]"}`;
    if (abs && /^\d/.test(lo) && hi !== "\\infty")
        return {name: abs[1]!, set: `${interval(`-${hi}`, hiOpen, `-${lo}`, loOpen)}\\cup${interval(lo, loOpen, hi, hiOpen)}`};
    if (abs && lo === "-\\infty") return {name: abs[1]!, set: interval(`-${hi}`, hiOpen, hi, hiOpen)};
    if (abs) return null;
    return {name, set: interval(lo, loOpen, hi, hiOpen)};
}

/**
 * An answer written as a condition on one name (or several joined by "or" / commas, same name), as a union of
 * intervals; null when it is not such a condition. `\mathbb{R}` is (-\infty,\infty).
 */
export function asSet(s: string): string | null {
    if (/^\\mathbb\{R\}$|^\\R$/.test(s)) return "(-\\infty,\\infty)";
    const inM = /^(.+?)\\in(?![a-zA-Z])(.+)$/.exec(s);
    if (inM && isName(inM[1]!.trim())) return inM[2]!.trim().replace(/^\\mathbb\{R\}$/, "(-\\infty,\\infty)");
    if (!/<|>|\\leq|\\geq/.test(s)) return null;
    const items = topLevelSplit(s, /^(?:,|;|\\cup|\\vee|\\lor)/).map((i) => i.trim()).filter((i) => i !== "");
    const conds = items.map(conditionSet);
    if (conds.some((c) => c == null)) return null;
    const names = new Set(conds.map((c) => c!.name.replace(/\s/g, "")));
    if (names.size !== 1) return null;
    return conds.map((c) => c!.set.replace(/^\\mathbb\{R\}$/, "(-\\infty,\\infty)")).join("\\cup");
}

/**
 * A list whose items are all `name = value`: distinct names are a tuple in the written order (`a=1, b=4` is
 * `(1,4)`), one unknown's solutions are a set (`x=5, x=-5`, `x_1=.., x_2=..`). Null when not every item is named.
 */
export function namedValues(items: string[]): {ordered: boolean; names: string[]; values: string[]} | null {
    const pairs = items.map((i) => equationSides(i));
    if (pairs.some((p) => p == null || p.length !== 2 || !isName(p[0]!))) return null;
    const names = pairs.map((p) => p![0]!.replace(/\s/g, ""));
    const bases = new Set(names.map(baseName));
    return {ordered: bases.size === names.length, names, values: pairs.map((p) => p![1]!)};
}

/** `2:5` -> its parts (two or more, none empty, no names). */
export function ratioParts(s: string): string[] | null {
    const parts = topLevelSplit(s, /^:/).map((p) => p.trim());
    if (parts.length < 2 || parts.some((p) => p === "" || /[a-zA-Z]/.test(p.replace(/\\[a-zA-Z]+/g, "")))) return null;
    return parts;
}

/** `101_2`, `1A_{16}` -> the digits and the base; null when not such a numeral or a digit is not of that base. */
export function baseNumeral(s: string): {digits: string; base: number; value: bigint} | null {
    const m = /^([0-9A-Za-z]+)_\{?(\d{1,2})\}?$/.exec(s);
    if (!m) return null;
    const base = Number(m[2]);
    if (base < 2 || base > 36) return null;
    let value = 0n;
    for (const ch of m[1]!.toLowerCase()) {
        const d = parseInt(ch, 36);
        if (!(d < base)) return null;
        value = value * BigInt(base) + BigInt(d);
    }
    return {digits: m[1]!.replace(/^0+(?=.)/, "").toLowerCase(), base, value};
}
