/**
 * Markdown + LaTeX -> HTML for model output (untrusted), one block at a time.
 *
 * Choice of math plugin: `@vscode/markdown-it-katex` (VS Code's own, what its markdown preview uses), with
 * the pieces it lacks added here. Both candidates were run on the cases our answers contain:
 *
 * | case                                   | @vscode/markdown-it-katex          | markdown-it-texmath                  |
 * |----------------------------------------|------------------------------------|--------------------------------------|
 * | `$..$`, `$$..$$`                       | yes                                | yes                                  |
 * | "it costs $5 and $10", "$.ajax"        | text (word-boundary rule)          | text                                 |
 * | `\(..\)`, `\[..\]`                      | no                                 | `\(` one line only; `\[` only at the start of a block, not inside a paragraph |
 * | bare `\begin{align*}` etc.             | yes, nested begin/end stack        | `beg_end` regex `[a-z]+`: no `align*`, `gather*`; no nesting |
 * | formula errors                         | a span with the message            | `tex:message` as bare text, unmarked |
 * | engine state                           | per instance                       | a global `texmath.katex`, and it writes `displayMode` into the shared options |
 *
 * texmath's regex rules need more patching than the VS Code plugin, and the VS Code plugin matches what users
 * see in VS Code's own preview. So: the VS Code plugin parses inline `$`, inline `$$` and bare environments
 * inside a paragraph; this file adds
 *  - inline `\(..\)` and `\[..\]` (rules before `escape`, which would otherwise eat the backslash),
 *  - a replacement for the plugin's block rule (`$$` at the start of a line, which in the plugin swallows the
 *    rest of the answer when text follows the closing `$$` on its line, e.g. `$$x$$.`), with `\[..\]` and
 *    bare `\begin{..}..\end{..}` blocks, and blocks that stay text when never closed,
 *  - renderers for every math token: KaTeX with our safety options ({@link FormulaRenderer}), errors as
 *    `<span class="em-math-error" title="message" tabindex="0">source</span>`, `\boxed` formulas wrapped in `.em-boxed`,
 *  - `[asy]..[/asy]` figures as code blocks (we cannot run Asymptote; readable source beats garbage),
 *  - bidi controls shown as `⟨U+202E⟩` (escape.ts), so that they cannot reorder what an answer displays,
 *  - safety: `html: false`, no linkify, links only for http/https/mailto and rendered with `data-em-href`
 *    (the webview routes clicks through the host), images rendered as their alt text.
 */
import markdownit from "markdown-it";
import type {MarkdownIt, StateBlock, StateInline, Token} from "markdown-it";
import katexPlugin from "@vscode/markdown-it-katex";
import {escapeAttr, escapeHtml, showBidiControls} from "./escape";
import {FormulaRenderer, type RenderError} from "./katex";
import {envTokens, firstTokenAt, lineOf, lineStarts, memoFor, NextIndex} from "./scan";

/** Options for {@link renderMarkdown} and the streaming renderer. */
export interface RenderOptions {
    /**
     * Extra KaTeX macros, e.g. `{"\\eps": "\\varepsilon"}`. `\R`, `\N`, `\Z`, `\Q`, `\C` (blackboard bold)
     * are always defined; entries here override them.
     */
    readonly macros?: Readonly<Record<string, string>>;
    /**
     * Memoise rendered formulas (default true). `false` is for measurements only: it is what a renderer
     * without a formula cache costs (the bench's naive baseline).
     */
    readonly formulaCache?: boolean;
}

/** What rendering (part of) an answer gives. */
export interface RenderResult {
    readonly html: string;
    /** Formulas KaTeX could not render, in document order. */
    readonly errors: readonly RenderError[];
    /**
     * Where `html` may be cut into pieces that each stand on their own (offsets after top-level blocks, ascending), when
     * the renderer gave them (`renderMarkdownSliced` in document.ts); see `htmlPieces`.
     */
    readonly cuts?: readonly number[];
    /** `html` in such pieces as UTF-8, as the formula worker gives it (`html` is decoded when read); see `htmlPieces`. */
    readonly bytes?: readonly Uint8Array[];
}

interface MathEnv {
    errors: RenderError[];
    defer?: FormulaDeferral;
}

/**
 * Lets a render leave some formulas to be rendered elsewhere (see formulaOffload.ts). Asked only for a
 * formula that is not in the renderer's cache; when it returns true, the formula shows as its source in the
 * pending style and the caller knows (it counted the call) that this HTML is not final.
 */
export interface FormulaDeferral {
    defer(tex: string, display: boolean, source: string): boolean;
}

/** A markdown-it instance set up for math, and the formula renderer (with its cache) that goes with it. */
export interface MathMarkdown {
    readonly md: MarkdownIt;
    readonly formulas: FormulaRenderer;
}

const allowedLink = /^(?:https?:\/\/|mailto:)/i;

/** Whether a (normalised) link target may become a link. */
export function isAllowedHref(href: string): boolean {
    return allowedLink.test(href.trim());
}

// ---------------------------------------------------------------------------------------------------------
// Parsing

/** Inline `\(..\)`, `\[..\]` and `\begin{env}..\end{env}` inside a paragraph (anywhere on a line). */
function bracketInline(state: StateInline, silent: boolean): boolean {
    const src = state.src;
    const pos = state.pos;
    if (src.charCodeAt(pos) !== 0x5c /* \ */) return false;
    const next = src[pos + 1];
    if (next === "b" && src.startsWith("\\begin", pos)) {
        const end = envEnd(state, pos, state.posMax);
        if (end < 0) return false;
        if (!silent) {
            const token = state.push("em_math_env", "math", 0);
            token.content = src.slice(pos, end);
            token.markup = "env";
        }
        state.pos = end;
        return true;
    }
    if (next !== "(" && next !== "[") return false;
    const close = next === "(" ? "\\)" : "\\]";
    const end = memoFor(state, close, src, () => new NextIndex(src, close)).find(pos + 2);
    if (end < 0 || end + 2 > state.posMax) return false;
    if (end === pos + 2) return false;
    if (!silent) {
        const token = state.push(next === "(" ? "em_math_paren" : "em_math_bracket", "math", 0);
        token.content = src.slice(pos + 2, end);
        token.markup = next === "(" ? "\\(" : "\\[";
    }
    state.pos = end + 2;
    return true;
}

/**
 * Half of Pandoc's rule on top of the plugin's for inline `$`: the formula may not end with a space.
 * (Pandoc also forbids a leading space, but MATH solutions write `$ = \frac{150}{4}$`.)
 * "it costs $5 and $10, $.ajax" stays text. Runs just before the plugin's `$` rule and, when it vetoes,
 * consumes the `$` as text; otherwise it leaves the position to the plugin.
 */
function dollarGuard(state: StateInline, silent: boolean): boolean {
    const src = state.src;
    const pos = state.pos;
    if (src.charCodeAt(pos) !== 0x24 /* $ */ || src.charCodeAt(pos + 1) === 0x24 || src.charCodeAt(pos - 1) === 0x24) return false;
    let close = pos + 1;
    for (;;) {
        close = src.indexOf("$", close);
        if (close < 0 || close >= state.posMax) return false;
        let b = close - 1;
        while (src.charCodeAt(b) === 0x5c) b--;
        if ((close - 1 - b) % 2 === 0) break;
        close++;
    }
    if (close === pos + 1) return false;
    if (!/\s/.test(src[close - 1]!)) return false;
    if (!silent) state.pending += "$";
    state.pos = pos + 1;
    return true;
}

/** End (after the matching `\end{..}`) of an environment that begins at `from`, or -1 (linear: scan.ts). */
function envEnd(state: StateInline, from: number, max: number): number {
    const src = state.src;
    const t = memoFor(state, "env", src, () => envTokens(src, /\\(begin|end)\s*\{[^{}]*\}/g, false));
    const i = firstTokenAt(t, from);
    if (i >= t.starts.length || t.starts[i] !== from) return -1;
    const end = t.matchEnd[i]!;
    return end >= 0 && end <= max ? end : -1;
}

/**
 * The plugin's inline bare block (a line inside a paragraph that starts with `\begin`), with the same result
 * (its odd step over the "\n" when the environment is not closed included) but a look-ahead that is linear
 * over the paragraph (the plugin re-split the rest of the paragraph at every such line).
 */
function bareBlockInline(state: StateInline, silent: boolean): boolean {
    const src = state.src;
    const pos = state.pos;
    if (src.charCodeAt(pos) !== 0x0a || !src.startsWith("\\begin", pos + 1)) return false;
    state.pos += 1;
    if (silent) return true;
    const t = memoFor(state, "bare", src, () => envTokens(src, /(\\begin|\\end)\s*\{([^{}]+)\}/g));
    const i = firstTokenAt(t, pos + 1);
    if (i >= t.starts.length) return false;
    const last = t.matchToken[i] === -2 ? i : t.matchToken[i]!;
    if (last < 0) return false;
    const nl = src.indexOf("\n", t.starts[last]!);
    const lineEnd = nl < 0 ? src.length : nl;
    const token = state.push("math_inline_bare_block", "math", 0);
    token.block = true;
    token.markup = "$$";
    token.content = src.slice(pos + 1, lineEnd);
    state.pos = lineEnd + 1;
    return true;
}

const envBegin = /^\\begin\s*\{([^{}]+)\}/;
const envToken = /\\(begin|end)\s*\{[^{}]*\}/g;

/**
 * Block math at the start of a line: `$$..$$` and `\[..\]` (one line or many, blank lines allowed inside),
 * and a bare `\begin{env}..\end{env}`. Not closed, or followed by text on the closing line: not a block
 * (the paragraph and the inline rules take it).
 */
function mathBlock(state: StateBlock, startLine: number, endLine: number, silent: boolean): boolean {
    if (state.sCount[startLine]! - state.blkIndent >= 4) return false;
    const pos = state.bMarks[startLine]! + state.tShift[startLine]!;
    const max = state.eMarks[startLine]!;
    const first = state.src.slice(pos, max);
    let content: string;
    let markup: string;
    let lastLine: number;
    let trailing = "";
    if (first.startsWith("$$") || first.startsWith("\\[")) {
        markup = first.slice(0, 2);
        const close = markup === "$$" ? "$$" : "\\]";
        const rest = first.slice(2);
        const idx = rest.indexOf(close);
        if (idx >= 0) {
            if (rest.slice(idx + 2).trim() !== "" || idx === 0) return false;
            content = rest.slice(0, idx);
            lastLine = startLine;
        } else {
            let next = startLine + 1;
            let found = -1;
            let line = "";
            // No closer anywhere below: not a block (known at once; scanning every line made this quadratic).
            const src = state.src;
            const lines = memoFor(state, "lines", src, () => lineStarts(src));
            const at = next < lines.length ? memoFor(state, close, src, () => new NextIndex(src, close)).find(lines[next]!) : -1;
            if (at < 0 || lineOf(lines, at) >= endLine) return false;
            for (; next < endLine; next++) {
                const p = state.bMarks[next]! + state.tShift[next]!;
                const m = state.eMarks[next]!;
                if (p < m && state.sCount[next]! < state.blkIndent) return false; // the enclosing list ended
                line = state.src.slice(p, m);
                found = line.indexOf(close);
                if (found >= 0) break;
            }
            if (found < 0 || line.slice(found + 2).trim() !== "") return false;
            content = rest + "\n" + state.getLines(startLine + 1, next, state.blkIndent, true) + line.slice(0, found);
            lastLine = next;
        }
    } else if (envBegin.test(first)) {
        markup = "env";
        // The matching \end{..} from one pass over the text (scan.ts), then the lines up to it checked for the
        // end of an enclosing list, as the line-by-line scan did.
        const src = state.src;
        const t = memoFor(state, "env", src, () => envTokens(src, envToken));
        const lines = memoFor(state, "lines", src, () => lineStarts(src));
        const i = firstTokenAt(t, pos);
        const j = i < t.starts.length && t.starts[i] === pos ? t.matchToken[i]! : -1;
        if (j < 0) return false;
        lastLine = lineOf(lines, t.starts[j]!);
        if (lastLine >= endLine) return false;
        for (let next = startLine + 1; next <= lastLine; next++) {
            if (state.bMarks[next]! + state.tShift[next]! < state.eMarks[next]! && state.sCount[next]! < state.blkIndent) return false;
        }
        const endCol = t.matchEnd[i]! - (state.bMarks[lastLine]! + state.tShift[lastLine]!);
        const closing = state.src.slice(state.bMarks[lastLine]! + state.tShift[lastLine]!, state.eMarks[lastLine]!);
        const whole = state.getLines(startLine, lastLine + 1, state.blkIndent, false);
        // Text after \end{..} on the closing line ("\end{align*}The answer is ...") becomes a paragraph.
        trailing = closing.slice(endCol).trim();
        content = (trailing ? whole.slice(0, whole.length - (closing.length - endCol)) : whole).trim();
    } else {
        return false;
    }
    if (silent) return true;
    state.line = lastLine + 1;
    const token = state.push("math_block", "math", 0);
    token.block = true;
    token.content = content;
    token.markup = markup;
    token.info = "em-block";
    token.map = [startLine, state.line];
    if (trailing) {
        const open = state.push("paragraph_open", "p", 1);
        open.map = [lastLine, state.line];
        const inline = state.push("inline", "", 0);
        inline.content = trailing;
        inline.map = [lastLine, state.line];
        inline.children = [];
        state.push("paragraph_close", "p", -1);
    }
    return true;
}

/** `[asy]..[/asy]` -> a fenced code block, before markdown-it sees the block (an unclosed one runs to the end). */
export function asyToFences(block: string): string {
    if (!block.includes("[asy]")) return block;
    return block.replace(/\[asy\]([\s\S]*?)(?:\[\/asy\]|$(?![\s\S]))/g, (_m, body: string) => {
        let fence = "```";
        while (body.includes(fence)) fence += "`";
        return `\n\n${fence}asy\n${body.replace(/^\n+|\n+$/g, "")}\n${fence}\n\n`;
    });
}

// ---------------------------------------------------------------------------------------------------------
// Rendering

function sourceOf(token: Token): string {
    switch (token.type) {
        case "math_inline": return `$${token.content}$`;
        case "math_inline_block": return `$$${token.content}$$`;
        case "em_math_paren": return `\\(${token.content}\\)`;
        case "em_math_bracket": return `\\[${token.content}\\]`;
        case "em_math_env": return token.content;
        case "math_block":
            return token.markup === "$$" ? `$$${token.content}$$` : token.markup === "\\[" ? `\\[${token.content}\\]` : token.content;
        default: return token.content;
    }
}

function installRenderers(md: MarkdownIt, formulas: FormulaRenderer): void {
    const formula = (token: Token, env: MathEnv, display: boolean): string => {
        let tex = token.content;
        // The VS Code plugin's $`..`$ form.
        if (token.type === "math_inline" && tex.length > 2 && tex.startsWith("`") && tex.endsWith("`")) tex = tex.slice(1, -1);
        const source = sourceOf(token);
        // With a deferral, a formula not in the cache may be left to the offload (one cache lookup either way).
        const cached = env?.defer != null ? formulas.lookup(tex, display, source) : undefined;
        if (env?.defer != null && cached === undefined && env.defer.defer(tex, display, source))
            return `<span class="em-pending-math">${escapeHtml(source)}</span>`;
        const r = cached ?? formulas.render(tex, display, source);
        if (r.error && env && Array.isArray(env.errors)) env.errors.push(r.error);
        return r.html;
    };
    const rules = md.renderer.rules;
    rules["math_inline"] = (tokens, idx, _o, env) => formula(tokens[idx]!, env as unknown as MathEnv, false);
    rules["em_math_paren"] = rules["math_inline"];
    // Display math inside a paragraph: KaTeX's display span (a block box) inside the <p>.
    rules["math_inline_block"] = (tokens, idx, _o, env) => formula(tokens[idx]!, env as unknown as MathEnv, true);
    rules["em_math_bracket"] = rules["math_inline_block"];
    rules["em_math_env"] = rules["math_inline_block"];
    rules["math_inline_bare_block"] = rules["math_inline_block"];
    // The plugin's inline `$$..$$` also makes "math_block" tokens; only ours (info "em-block") are blocks.
    rules["math_block"] = (tokens, idx, _o, env) => {
        const token = tokens[idx]!;
        const html = formula(token, env as unknown as MathEnv, true);
        return token.info === "em-block" ? `<div class="em-display">${html}</div>\n` : html;
    };

    // Links: only http(s) and mailto, with the target also in data-em-href for the webview to route.
    const dropped = new WeakSet<Token>();
    rules["link_open"] = (tokens, idx) => {
        const token = tokens[idx]!;
        const href = String(token.attrGet("href") ?? "");
        if (!isAllowedHref(href)) {
            dropped.add(token);
            return "";
        }
        const title = String(token.attrGet("title") ?? "");
        return `<a href="${escapeAttr(href)}" data-em-href="${escapeAttr(href)}"${title ? ` title="${escapeAttr(title)}"` : ""}>`;
    };
    rules["link_close"] = (tokens, idx) => {
        for (let i = idx - 1; i >= 0; i--) {
            if (tokens[i]!.type === "link_open") return dropped.has(tokens[i]!) ? "" : "</a>";
        }
        return "";
    };
    // Images load nothing: their alt text stands in for them.
    rules["image"] = (tokens, idx, options, env, self) => {
        const token = tokens[idx]!;
        const alt = self.renderInlineAsText(token.children ?? [], options, env);
        return `<span class="em-image-alt">${escapeHtml(alt)}</span>`;
    };
}

/** Builds a configured instance (costly: keep one per options set, see {@link getMathMarkdown}). */
export function createMathMarkdown(options: RenderOptions = {}): MathMarkdown {
    const md = markdownit({html: false, linkify: false, typographer: false, breaks: false});
    md.validateLink = isAllowedHref;
    md.use(katexPlugin, {enableBareBlocks: true});
    // Our block rule replaces the plugin's (same name, same place).
    md.block.ruler.at("math_block", mathBlock, {alt: ["paragraph", "reference", "blockquote", "list"]});
    md.inline.ruler.before("escape", "em_math_brackets", bracketInline);
    md.inline.ruler.before("math_inline", "em_dollar_guard", dollarGuard);
    md.inline.ruler.at("math_inline_bare_block", bareBlockInline);
    const formulas = new FormulaRenderer(options.macros, options.formulaCache !== false);
    installRenderers(md, formulas);
    return {md, formulas};
}

const instances = new Map<string, MathMarkdown>();

/**
 * The warm-up text: the constructs answers use, so that V8 has compiled markdown-it's and KaTeX's code paths before
 * the first answer streams (cold, the first formulas of a session cost several times their steady-state time).
 */
const warmUpText = String.raw`# Warm-up

Let $f(x) = \tfrac{1}{2}x^2 + \dfrac{3}{4}$ on $\R$, and \(g(n) = \sum_{k=1}^{n} k^2\) with \[\int_0^1 x\,dx = \frac12.\]

$$\det\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix} = -2, \quad \begin{bmatrix} a \\ b \end{bmatrix}$$

\begin{align*}
f(x) &= \begin{cases} x & x \ge 0 \\ -x & \text{otherwise} \end{cases} \\
&= \operatorname{sgn}(x)\, x \le \sqrt[3]{\left(\frac{a}{b}\right)^2}
\end{align*}

| $n$ | $n^2$ |
|---|---|
| 1 | **1** |

1. Item with $\mathbb{Z}$
2. So the answer is $\boxed{\frac{\pi}{4}}$.
` + "\nCode spans keep `$x$`; it costs $5 and $10.\n\n```\n$$not math$$\n```\n";

let warmedUp = false;

/**
 * Renders {@link warmUpText} twice, once per process, at the first renderer instance (the CLI, the tests): it spares
 * the first answer the cold-code spikes. The extension uses {@link warmUpInSlices} (in one piece: 0.3-0.8 s of the
 * host's loop on a loaded 2-core machine).
 */
export function warmUp(): void {
    if (warmedUp) return;
    warmedUp = true;
    for (const step of warmUpSteps()) step();
}

function warmUpSteps(): Array<() => void> {
    const mm = createMathMarkdown({formulaCache: false}), blocks = warmUpText.split("\n\n");
    return [...blocks, ...blocks].map((block) => () => { renderBlock(mm, block + "\n\n", []); });
}

/** The same, a block per turn of the event loop (0.1-17 ms each, idle); a renderer made meanwhile does not wait. */
export async function warmUpInSlices(): Promise<void> {
    if (warmedUp) return;
    warmedUp = true;
    for (const step of warmUpSteps()) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        step();
    }
}

/** The shared instance for an options set. */
export function getMathMarkdown(options: RenderOptions = {}): MathMarkdown {
    const key = (options.formulaCache === false ? "nocache:" : "") +
        (options.macros ? JSON.stringify(Object.entries(options.macros).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : "");
    let inst = instances.get(key);
    if (!inst) {
        warmUp();
        inst = createMathMarkdown(options);
        if (instances.size >= 16) instances.delete(instances.keys().next().value!);
        instances.set(key, inst);
    }
    return inst;
}

/**
 * Renders one block (see blocks.ts); `errors` gets the formulas that failed. With `defer`, formulas it takes
 * show as pending source (the streaming renderer's not-yet-final HTML only).
 */
export function renderBlock(mm: MathMarkdown, block: string, errors: RenderError[], defer?: FormulaDeferral): string {
    if (block.trim() === "") return "";
    const env: MathEnv = defer != null ? {errors, defer} : {errors};
    return mm.md.render(asyToFences(showBidiControls(block)), env as unknown as Record<string, unknown>);
}
