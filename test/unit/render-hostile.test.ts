/**
 * Hostile input (model output is untrusted): nothing active comes out, and each input finishes in bounded time.
 */
import {test} from "node:test";
import assert from "node:assert/strict";
import {renderMarkdown, StreamingRenderer} from "../../src/render/index";

// The renderer warms itself up once per process on first use (markdown.ts warmUp, well under a second): do it before
// anything is timed, so the time limits below measure the inputs, not the warm-up.
renderMarkdown("");

function assertInert(html: string, label: string): void {
    assert.doesNotMatch(html, /<script/i, label);
    assert.doesNotMatch(html, /<iframe/i, label);
    assert.doesNotMatch(html, /<img/i, label);
    assert.doesNotMatch(html, /<(object|embed|style|link|meta|form|svg|a)\b[^>]*\s(?!href=|data-em-href=)[a-z-]+="(?:javascript|data|vscode|file):/i, label);
    assert.doesNotMatch(html, /\s(href|src|xlink:href|action)="\s*(javascript|data|vscode|file|vbscript):/i, label);
    assert.doesNotMatch(html, /<[^>]*\son[a-z]+=/i, label);
    for (const m of html.matchAll(/\shref="([^"]*)"/g)) assert.match(m[1]!, /^(https?:\/\/|mailto:)/i, label);
}

/**
 * The limits catch runaway work (an exponential expansion takes minutes, not seconds); they are not speed targets.
 * Shared CI machines and loaded laptops vary, so they are scaled (EMT_TIME_SCALE, default 5; bench:render measures speed).
 */
const timeScale = Number(process.env.EMT_TIME_SCALE ?? 5) || 5;

/** Renders one-shot and streamed, checks both outputs, and that each took less than `ms` (times the scale). */
function check(text: string, label: string, limitMs: number): string {
    const ms = limitMs * timeScale;
    let t = performance.now();
    const {html} = renderMarkdown(text);
    const oneShot = performance.now() - t;
    assertInert(html, label);
    assert.ok(oneShot < ms, `${label}: one-shot took ${oneShot.toFixed(0)} ms`);
    t = performance.now();
    const r = new StreamingRenderer();
    const step = Math.max(1, Math.ceil(text.length / 50));
    let streamed = "";
    for (let i = 0; i < text.length; i += step) {
        const u = r.append(text.slice(i, i + step));
        streamed += u.committed.join("");
        assertInert(u.pending, label + " (pending)");
    }
    streamed += r.finish().pending;
    const streaming = performance.now() - t;
    assert.equal(streamed, html, label);
    assert.ok(streaming < ms * 3, `${label}: streaming took ${streaming.toFixed(0)} ms`);
    return html;
}

test("no raw HTML, scripts, event handlers, iframes or images", () => {
    const inputs = [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<iframe src=\"https://evil\"></iframe>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<div onclick=\"alert(1)\">x</div>\n\n<svg onload=alert(1)>",
        "[x](javascript:alert(1)) [y](JAVASCRIPT:alert(1)) [z](  javascript:alert(1)) [w](java\nscript:alert(1))",
        "[d](data:text/html;base64,PHNjcmlwdD4=) [v](vscode://command/workbench.action.x) [f](file:///etc/passwd) [r](relative/path)",
        "[ref]\n\n[ref]: javascript:alert(1)",
        "<javascript:alert(1)> <data:text/html,x> <vscode:x>",
        "![x](https://evil/pixel.png) ![y](data:image/png;base64,AAAA) ![z](javascript:alert(1)) [![a](https://i)](https://l)",
        "$\\href{javascript:alert(1)}{click}$ $\\url{javascript:alert(1)}$ $\\includegraphics{https://evil/x.png}$",
        "$\\htmlData{onclick=alert(1)}{x}$ $\\htmlClass{evil}{x}$ $\\htmlId{x}{y}$ $\\htmlStyle{background:url(https://evil)}{x}$",
        "$$\\href{https://ok.example}{fine?}$$",
        "$\\text{<script>alert(1)</script>}$ and $x<y>z$ and `<script>`",
        "```html\n<script>alert(1)</script>\n```",
        "$\\frac{1}{\" onmouseover=\"alert(1)$",
        "\\(\\text{\" onerror=alert(1) x=\"}\\)"
    ];
    for (const text of inputs) {
        const html = check(text, text, 500);
        assert.doesNotMatch(html, /<(script|svg|iframe)\b|<div(?! class="em-display">)/i, text);
        assert.doesNotMatch(html, /class="evil"|data-onclick|id="x"/, text);
    }
    // Escaped, visible text.
    assert.match(renderMarkdown("<script>alert(1)</script>").html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.doesNotMatch(renderMarkdown("$\\href{https://a.example}{x}$").html, /<a /);
});

test("macro bombs, huge sizes, a 1 MB line and 10,000 nested braces finish quickly without crashing", () => {
    const cases: [string, string, number][] = [
        ["\\def bomb", "$\\def\\a{\\a\\a}\\a$", 500],
        ["\\def exponential", "$\\def\\a{xxxxxxxxxx}\\def\\b{\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a}\\def\\c{\\b\\b\\b\\b\\b\\b\\b\\b\\b\\b}\\def\\d{\\c\\c\\c\\c\\c\\c\\c\\c\\c\\c}\\d\\d\\d$", 1000],
        ["\\newcommand bomb", "$$\\newcommand{\\x}[1]{#1#1}\\x{\\x{\\x{\\x{\\x{\\x{\\x{\\x{\\x{\\x{\\x{\\x{\\x{\\x{\\x{\\x{\\x{\\x{\\x{\\x{a}}}}}}}}}}}}}}}}}}}}$$", 1000],
        ["huge \\rule", "$\\rule{100000em}{100000em}$ and $\\kern{100000em}$ and $\\Huge\\Huge x$", 500],
        ["1 MB line of text", "a".repeat(1_000_000), 3000],
        ["1 MB line of dollars", "$".repeat(1_000_000), 3000],
        ["1 MB formula", "$" + "x+".repeat(500_000) + "x$", 3000],
        ["1 MB of small formulas", "$x$ ".repeat(2_000), 3000],
        ["10,000 nested braces", "$" + "{".repeat(10_000) + "x" + "}".repeat(10_000) + "$", 3000],
        ["10,000 nested \\frac", "$" + "\\frac{1}{".repeat(2_000) + "x" + "}".repeat(2_000) + "$", 3000],
        ["10,000 unclosed braces", "$" + "{".repeat(10_000) + "$", 3000],
        ["10,000 nested brackets", "[".repeat(10_000) + "x" + "](https://a)".repeat(10_000), 3000],
        ["10,000 nested blockquotes", ">".repeat(10_000) + " x", 3000],
        ["10,000 nested lists", Array.from({length: 2000}, (_, i) => " ".repeat(i * 2) + "- x").join("\n"), 3000],
        ["many \\begin", "\\begin{align}".repeat(5_000), 3000],
        ["many backticks", "`".repeat(50_000) + "x", 3000]
    ];
    for (const [label, text, ms] of cases) {
        const html = check(text, label, ms);
        assert.ok(html.length > 0, label);
    }
    // The bombs are errors, not silent.
    assert.match(renderMarkdown("$\\def\\a{\\a\\a}\\a$").errors[0]!.message, /Too many expansions/);
    assert.match(renderMarkdown("$" + "{".repeat(10_000) + "x" + "}".repeat(10_000) + "$").errors[0]!.message, /.+/);
    assert.match(renderMarkdown("$" + "x+".repeat(500_000) + "x$").errors[0]!.message, /too long/);
});
