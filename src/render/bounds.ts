/**
 * Bounds on what one formula may cost, whatever a model (or a setting) writes. See docs/hostile-input.md.
 *
 * KaTeX's own `maxExpand` counts macro expansions, not their size: `\def\a{xxxx…}\a\a\a…` expands 1.2 KB of
 * TeX into megabytes (11 s, 1.1 MB of HTML; 11 KB ran the process out of memory). So each formula gets an
 * **expansion budget linear in its length**: the tokens all its macro expansions put back into the input
 * (built-ins, the user's `elasticMath.render.macros`, and `\def`, `\gdef`, `\edef`, `\xdef`, `\let`,
 * `\newcommand`, `\renewcommand` written in the formula) may total at most
 * `expansionBase + expansionPerChar * (length + the longest macro's length)` (so one use of any macro fits).
 * A bomb then costs what an ordinary formula of the same length
 * costs, and fails with its reason. A wall-clock deadline is the backstop for anything the count misses.
 *
 * How: KaTeX has no hook for this, so its macro expander's `expandOnce` (KaTeX 0.16's MacroExpander, reached
 * through a macro function, which KaTeX calls with the expander) is replaced by the same code with the
 * accounting added: the size of an expansion is computed *before* its arguments are pasted in (one expansion
 * `\d{…}` with a body of many `#1` would otherwise allocate the product first). Installed once, on first use;
 * if KaTeX's expander ever changes shape, it refuses to install and every formula fails with that reason
 * (a unit test catches it first).
 *
 * Sizes: KaTeX's `maxSize` caps positive user sizes (`\rule{1e5em}{1e5em}` draws 20em) but not negative ones
 * (`\kern{-10000em}`, `\raisebox{-900em}{}`, `\\[-900em]`), nor `\arraystretch`. A formula that could hold
 * such a size is parsed first and refused when a size is below `-maxSizeEm` (or a stretch above it).
 */
import katex from "katex";

/** The expansion budget of a formula of `length` characters: tokens its macro expansions may produce in all. */
export const expansionBase = 1000;
export const expansionPerChar = 4;
/** Wall-clock backstop per formula (the budget above is what normally stops a bomb, long before this). */
export const formulaDeadlineMs = 2000;
/** User sizes (em) are capped to this: KaTeX's `maxSize` for positive ones, a refusal for negative ones. */
export const maxSizeEm = 20;

/** Thrown inside KaTeX when a formula goes over its budget; the message is the reason the user sees. */
export class FormulaLimitError extends Error {}

interface Budget {
    readonly limit: number;
    tokens: number;
    readonly deadline: number;
    calls: number;
}

let active: Budget | undefined;
let installError: string | undefined;
let installed = false;
/** KaTeX's Settings class (not exported; taken from the expander), for parsing a formula without rendering it. */
let SettingsClass: (new (options: object) => object) | undefined;

/** The expansion budget of a formula of this length. */
export function expansionLimit(length: number): number {
    return expansionBase + expansionPerChar * length;
}

/** Runs `render` (one KaTeX call) under the budget of a formula of `length` characters. */
export function withBudget<T>(length: number, render: () => T, deadlineMs = formulaDeadlineMs): T {
    install();
    if (installError != null) throw new FormulaLimitError(installError);
    const outer = active;
    active = {limit: expansionLimit(length), tokens: 0, deadline: performance.now() + deadlineMs, calls: 0};
    try {
        return render();
    } finally {
        active = outer;
    }
}

function overDeadline(b: Budget): void {
    if (performance.now() > b.deadline)
        throw new FormulaLimitError(`Formula took too long to render (over ${formulaDeadlineMs} ms); shown as source`);
}

interface KatexToken {
    text: string;
    noexpand?: boolean;
}
interface Expansion {
    readonly tokens: KatexToken[];
    readonly numArgs: number;
    readonly delimiters?: unknown;
    readonly unexpandable?: boolean;
}
interface Expander {
    popToken(): KatexToken;
    pushToken(t: KatexToken): void;
    pushTokens(t: KatexToken[]): void;
    _getExpansion(name: string): Expansion | null | undefined;
    consumeArgs(n: number, delimiters?: unknown): KatexToken[][];
    countExpansion(n: number): void;
    isDefined(name: string): boolean;
    expandOnce(expandableOnly?: boolean): number | false;
}

/** Replaces KaTeX's MacroExpander.prototype.expandOnce with the same logic plus the budget (see above). */
function install(): void {
    if (installed) return;
    installed = true;
    let proto: Expander | undefined;
    try {
        katex.renderToString("\\emProbe", {
            throwOnError: true,
            macros: {"\\emProbe": (ctx: object) => {
                proto = Object.getPrototypeOf(ctx) as Expander;
                SettingsClass = (ctx as {settings?: {constructor: new (options: object) => object}}).settings?.constructor;
                return "";
            }}
        });
    } catch (e) {
        installError = `cannot bound KaTeX's macro expansion (${e instanceof Error ? e.message : String(e)})`;
        return;
    }
    const methods = ["popToken", "pushToken", "pushTokens", "_getExpansion", "consumeArgs", "countExpansion", "isDefined", "expandOnce"];
    const src = proto != null && typeof proto.expandOnce === "function" ? String(proto.expandOnce) : "";
    if (proto == null || methods.some((m) => typeof (proto as unknown as Record<string, unknown>)[m] !== "function") ||
        !src.includes("countExpansion(1)") || !src.includes("consumeArgs(")) {
        installError = "cannot bound KaTeX's macro expansion (its MacroExpander has changed)";
        console.error(`Elastic Math: ${installError}; every formula will be shown as source`);
        return;
    }
    const ParseError = katex.ParseError;
    // KaTeX 0.16.47's MacroExpander.expandOnce (MIT), with the budget: the same steps, the same errors.
    proto.expandOnce = function (this: Expander, expandableOnly?: boolean): number | false {
        const b = active;
        if (b != null && (++b.calls & 63) === 0) overDeadline(b);
        const topToken = this.popToken();
        const name = topToken.text;
        const expansion = !topToken.noexpand ? this._getExpansion(name) : null;
        if (expansion == null || (expandableOnly && expansion.unexpandable)) {
            if (expandableOnly && expansion == null && name[0] === "\\" && !this.isDefined(name))
                throw new ParseError("Undefined control sequence: " + name);
            this.pushToken(topToken);
            return false;
        }
        this.countExpansion(1);
        let tokens = expansion.tokens;
        const args = this.consumeArgs(expansion.numArgs, expansion.delimiters);
        if (b != null) {
            // The size after pasting the arguments, counted before anything is allocated.
            let size = tokens.length;
            if (expansion.numArgs) {
                for (let i = tokens.length - 1; i > 0; i--) {
                    if (tokens[i]!.text !== "#") continue;
                    const d = tokens[i - 1]!.text;
                    if (/^[1-9]$/.test(d)) size += (args[+d - 1]?.length ?? 0) - 2;
                    i--;
                }
            }
            b.tokens += size;
            if (b.tokens > b.limit)
                throw new FormulaLimitError(`Too many expansions: the formula's macros expand to more than ${b.limit} tokens (macro amplification); shown as source`);
            overDeadline(b);
        }
        if (expansion.numArgs) {
            tokens = tokens.slice();
            for (let i = tokens.length - 1; i >= 0; --i) {
                let tok = tokens[i]!;
                if (tok.text === "#") {
                    if (i === 0) throw new ParseError("Incomplete placeholder at end of macro body", tok as never);
                    tok = tokens[--i]!;
                    if (tok.text === "#") tokens.splice(i + 1, 1);
                    else if (/^[1-9]$/.test(tok.text)) tokens.splice(i, 2, ...args[+tok.text - 1]!);
                    else throw new ParseError("Not a valid argument number", tok as never);
                }
            }
        }
        this.pushTokens(tokens);
        return tokens.length;
    };
    // The lexer's tokens come through pushToken one at a time: the deadline is checked there too.
    const pushToken = proto.pushToken;
    proto.pushToken = function (this: Expander, t: KatexToken): void {
        const b = active;
        if (b != null && (++b.calls & 255) === 0) overDeadline(b);
        pushToken.call(this, t);
    };
}

/** Whether a formula could hold a size (or a definition that makes one): then it is parsed and checked first. */
const sizeRisk = /\\(?:kern|mkern|hskip|mskip|hspace|rule|raisebox|def|gdef|edef|xdef|let|futurelet|newcommand|renewcommand|providecommand|expandafter|arraystretch|char|vspace)(?![a-zA-Z])|\\(?:\\|cr)\s*\[/;

/** Em per unit (KaTeX: 1em = 10pt at normal size; ex is the font's x-height). */
const emPerUnit: Record<string, number> = {
    em: 1, ex: 0.431, mu: 1 / 18, pt: 0.1, mm: 0.1 * 7227 / 2540, cm: 0.1 * 7227 / 254, in: 7.227, bp: 0.1 * 803 / 800,
    pc: 1.2, dd: 0.1 * 1238 / 1157, cc: 0.1 * 14856 / 1157, nd: 0.1 * 685 / 642, nc: 0.1 * 1370 / 107, sp: 0.1 / 65536, px: 0.1 * 803 / 800
};

/**
 * The reason a formula's sizes are refused, or undefined. Parses the formula with KaTeX's `options` (call it
 * inside {@link withBudget}) only when {@link sizeRisk} matches the formula or one of the user's macros.
 */
export function sizeProblem(tex: string, userMacroRisk: boolean, options: object): string | undefined {
    if (!userMacroRisk && !sizeRisk.test(tex)) return undefined;
    if (SettingsClass == null) throw new FormulaLimitError("cannot check the formula's sizes (KaTeX's Settings were not found)");
    const parse = (katex as unknown as {__parse: (tex: string, settings: object) => unknown}).__parse;
    const tree = parse(tex, new SettingsClass(options));
    const stack: unknown[] = [tree];
    let seen = 0;
    while (stack.length > 0) {
        const node = stack.pop();
        if (node == null || typeof node !== "object") continue;
        if (++seen > 1_000_000) break;
        const o = node as Record<string, unknown>;
        if (typeof o["number"] === "number" && typeof o["unit"] === "string") {
            const em = o["number"] * (emPerUnit[o["unit"]] ?? 1);
            if (!(em >= -maxSizeEm)) return `Size ${o["number"]}${o["unit"]} is below -${maxSizeEm}em; shown as source`;
        }
        if (typeof o["arraystretch"] === "number" && !(o["arraystretch"] <= maxSizeEm))
            return `\\arraystretch ${o["arraystretch"]} is above ${maxSizeEm}; shown as source`;
        for (const v of Array.isArray(node) ? node : Object.values(o)) if (v != null && typeof v === "object") stack.push(v);
    }
    return undefined;
}

/** Whether any of these macro expansions could make a size (then every formula using macros is checked). */
export function macrosRiskSizes(macros: Readonly<Record<string, string>>): boolean {
    return Object.values(macros).some((v) => typeof v === "string" && sizeRisk.test(v));
}
