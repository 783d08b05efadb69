/**
 * renderMarkdown on each construct model output uses. Assertions are on structure (a `.katex` element, display
 * vs inline, error spans, text kept, code untouched), not on KaTeX's exact HTML.
 */
import {test} from "node:test";
import assert from "node:assert/strict";
import {renderMarkdown} from "../../src/render/index";
import {textOutsideMath} from "./render-helpers";

const count = (html: string, re: RegExp): number => (html.match(new RegExp(re.source, "g")) ?? []).length;
const inlineMath = (html: string): number => count(html, /<span class="katex">/) - count(html, /<span class="katex-display"><span class="katex">/);
const displayMath = (html: string): number => count(html, /<span class="katex-display">/);
const annotations = (html: string): string[] =>
    [...html.matchAll(/<annotation encoding="application\/x-tex">([\s\S]*?)<\/annotation>/g)].map((m) => m[1]!);

test("inline $..$ and \\(..\\) render inline, with MathML for screen readers", () => {
    for (const src of ["Let $x^2 + 1$ be given.", "Let \\(x^2 + 1\\) be given."]) {
        const {html, errors} = renderMarkdown(src);
        assert.equal(errors.length, 0);
        assert.equal(inlineMath(html), 1, html);
        assert.equal(displayMath(html), 0);
        assert.match(html, /<math xmlns="http:\/\/www.w3.org\/1998\/Math\/MathML">/);
        assert.deepEqual(annotations(html), ["x^2 + 1"]);
        assert.equal(textOutsideMath(html), "Let  be given.\n");
    }
});

test("display $$..$$ and \\[..\\], as blocks and inside paragraphs", () => {
    const cases: [string, number][] = [
        ["$$\\frac{a}{b}$$", 1],
        ["$$\n\\frac{a}{b}\n$$", 1],
        ["\\[\n\\frac{a}{b}\n\\]", 1],
        ["So \\[\\frac{a}{b}\\] and $$\\frac{c}{d}$$ hold.", 2],
        ["$$\\frac{a}{b}$$.", 1]
    ];
    for (const [src, n] of cases) {
        const {html, errors} = renderMarkdown(src);
        assert.equal(errors.length, 0, src);
        assert.equal(displayMath(html), n, src);
        assert.equal(inlineMath(html), 0, src);
        assert.doesNotMatch(textOutsideMath(html), /\$|\\\[|\\\]/, src);
    }
    // A block-level display is a div; the one inside a paragraph stays in the paragraph.
    assert.match(renderMarkdown("$$\nx\n$$").html, /^<div class="em-display"><span class="katex-display">/);
    assert.match(renderMarkdown("So \\[x\\] holds.").html, /^<p>So <span class="katex-display">[\s\S]*<\/span> holds\.<\/p>\n$/);
    // Text after a one-line display stays (the VS Code plugin alone swallowed what follows).
    assert.match(textOutsideMath(renderMarkdown("$$x$$.\n\nNext paragraph.").html), /Next paragraph\./);
});

test("environments outside any delimiter render as display math", () => {
    const envs = [
        "\\begin{align}\nx &= 1 \\\\\ny &= 2\n\\end{align}",
        "\\begin{align*}\nx &= 1 \\\\\ny &= 2\n\\end{align*}",
        "\\begin{equation}\nE = mc^2\n\\end{equation}",
        "\\begin{gather}\na \\\\ b\n\\end{gather}",
        "\\begin{cases}\n1 & x > 0 \\\\\n0 & \\text{otherwise}\n\\end{cases}",
        "\\begin{pmatrix}\n1 & 2 \\\\\n3 & 4\n\\end{pmatrix}",
        "\\begin{bmatrix}\n1 & 2 \\\\\n3 & 4\n\\end{bmatrix}",
        "\\begin{array}{cc}\n1 & 2 \\\\\n3 & 4\n\\end{array}"
    ];
    for (const env of envs) {
        for (const src of [env, `We have\n${env}\nso done.`, `We compute ${env.replace(/\n/g, " ")} and stop.`]) {
            const {html, errors} = renderMarkdown(src);
            assert.equal(errors.length, 0, `${src}: ${JSON.stringify(errors)}`);
            assert.equal(displayMath(html), 1, src);
            assert.doesNotMatch(textOutsideMath(html), /\\begin|\\end|&/, src);
        }
    }
    // Text after \end{..} on the same line is a paragraph, not part of the formula.
    const {html, errors} = renderMarkdown("\\begin{align*}\nx &= 1\n\\end{align*}The answer is $x$.");
    assert.equal(errors.length, 0);
    assert.match(textOutsideMath(html), /The answer is\s+\./);
    assert.equal(inlineMath(html), 1);
});

test("\\boxed formulas get an .em-boxed wrapper, others do not", () => {
    const {html} = renderMarkdown("First $x = 1$, then $y = \\boxed{2}$ and \\[\\boxed{\\frac{1}{2}}\\]");
    assert.equal(count(html, /<span class="em-boxed"><span class="katex">/), 1);
    assert.equal(count(html, /<span class="em-boxed"><span class="katex-display">/), 1);
    assert.equal(count(html, /class="em-boxed"/), 2);
    assert.equal(inlineMath(html), 2);
});

test("\\text, \\operatorname, \\tfrac, \\dfrac, \\mathbb and the built-in and user macros", () => {
    const {html, errors} = renderMarkdown("$\\text{area} = \\operatorname{lcm}(a,b) + \\tfrac12 + \\dfrac{3}{4}$, $x \\in \\mathbb{R}$, $\\R \\N \\Z \\Q \\C$");
    assert.equal(errors.length, 0, JSON.stringify(errors));
    assert.equal(inlineMath(html), 3);
    assert.match(html, /<mtext>area<\/mtext>/);
    assert.match(html, /lcm/);
    assert.equal(count(html, /<mi mathvariant="double-struck">/), 6);
    const user = renderMarkdown("$\\eps$", {macros: {"\\eps": "\\varepsilon"}});
    assert.equal(user.errors.length, 0);
    assert.match(user.html, /ε/);
    // Without the option the macro is unknown: the formula fails (it is an error, not silent text).
    assert.equal(renderMarkdown("$\\eps$").errors.length, 1);
    // \gdef in one formula does not leak into later renders.
    renderMarkdown("$\\gdef\\foo{x}\\foo$");
    assert.equal(renderMarkdown("$\\foo$").errors.length, 1);
});

test("markdown tables, lists and headings with math in them", () => {
    const table = renderMarkdown("| $n$ | $n^2$ |\n|---|---|\n| 2 | $\\dfrac{8}{2}$ |");
    assert.match(table.html, /<table>/);
    assert.equal(count(table.html, /<th><span class="katex">/), 2);
    assert.equal(count(table.html, /<td><span class="katex">/), 1);
    const list = renderMarkdown("1. First $a$\n2. Then \\(b\\)\n\n- item $c^2$");
    assert.match(list.html, /<ol>[\s\S]*<li>First <span class="katex">/);
    assert.equal(inlineMath(list.html), 3);
    assert.match(list.html, /<ul>\n<li>item <span class="katex">/);
    const heading = renderMarkdown("## Step 1: solve $x^2 = 4$\n\n**Answer:** $x = \\pm 2$");
    assert.match(heading.html, /<h2>Step 1: solve <span class="katex">/);
    assert.match(heading.html, /<strong>Answer:<\/strong> <span class="katex">/);
});

test("a dollar that is not math stays text", () => {
    for (const src of ["it costs $5 and $10", "use $.ajax to fetch", "it costs $5 and $10, $.ajax", "between $3 and $4.50 each", "a \\$ sign and \\$x\\$"]) {
        const {html, errors} = renderMarkdown(src);
        assert.equal(errors.length, 0, src);
        assert.doesNotMatch(html, /katex/, src);
        assert.equal(textOutsideMath(html).trim(), src.replace(/\\\$/g, "$"), src);
    }
    // ...while math right next to punctuation still renders.
    assert.equal(inlineMath(renderMarkdown("the $y$-axis, $x$.").html), 2);
});

test("code spans and code blocks keep their $ and LaTeX untouched", () => {
    const src = "Use `$x^2$` or `\\frac{a}{b}` here.\n\n```latex\n$$\\frac{1}{2}$$\n\\begin{align}x\\end{align}\n\\(y\\)\n```\n\n    $indented$ \\[code\\]";
    const {html, errors} = renderMarkdown(src);
    assert.equal(errors.length, 0);
    assert.doesNotMatch(html, /katex/);
    assert.match(html, /<code>\$x\^2\$<\/code>/);
    assert.match(html, /<code>\\frac\{a\}\{b\}<\/code>/);
    assert.match(html, /<pre><code class="language-latex">\$\$\\frac\{1\}\{2\}\$\$\n\\begin\{align\}x\\end\{align\}\n\\\(y\\\)\n<\/code><\/pre>/);
    assert.match(html, /<pre><code>\$indented\$ \\\[code\\\]\n<\/code><\/pre>/);
});

test("a formula KaTeX cannot parse shows its source in an error span, and the rest renders", () => {
    const {html, errors} = renderMarkdown("Good $a+b$, bad $\\frac{1}{$, bad \\(\\undefinedcmd x\\), good $c$.\n\n$$\n\\begin{align} x \\end{gather}\n$$");
    assert.equal(errors.length, 3, JSON.stringify(errors));
    assert.equal(count(html, /class="em-math-error"/), 2);
    assert.equal(count(html, /class="em-math-error em-math-error-display"/), 1);
    assert.equal(inlineMath(html), 2);
    assert.match(html, /<span class="em-math-error" title="KaTeX parse error: [^"]+" tabindex="0">\$\\frac\{1\}\{\$<\/span>/);
    assert.match(html, /<span class="em-math-error" title="[^"]*undefinedcmd[^"]*" tabindex="0">\\\(\\undefinedcmd x\\\)<\/span>/);
    assert.deepEqual(errors.map((e) => e.tex), ["\\frac{1}{", "\\undefinedcmd x", "\n\\begin{align} x \\end{gather}\n"]);
    for (const e of errors) assert.match(e.message, /KaTeX parse error/);
});

test("links: only http, https and mailto become <a> with data-em-href; images show their alt text", () => {
    const {html} = renderMarkdown("[ok](https://example.org/a?b=1) [mail](mailto:a@b.c) [bad](javascript:alert(1)) [d](data:text/html,x) " +
        "[v](vscode:extension/x) [f](file:///etc/passwd) <https://auto.link> <javascript:alert(1)> ![a plot](https://e.com/p.png)");
    assert.match(html, /<a href="https:\/\/example.org\/a\?b=1" data-em-href="https:\/\/example.org\/a\?b=1">ok<\/a>/);
    assert.match(html, /<a href="mailto:a@b.c" data-em-href="mailto:a@b.c">mail<\/a>/);
    assert.match(html, /<a href="https:\/\/auto.link" data-em-href="https:\/\/auto.link">/);
    assert.equal(count(html, /<a /), 3);
    assert.match(html, /\[bad\]\(javascript:alert\(1\)\)/);
    assert.match(html, /\[f\]\(file:\/\/\/etc\/passwd\)/);
    assert.doesNotMatch(html, /<img/);
    assert.match(html, /<span class="em-image-alt">a plot<\/span>/);
    assert.doesNotMatch(html, /p\.png/);
});

test("[asy] figures become code blocks; <think> tags and raw HTML are escaped text", () => {
    const {html} = renderMarkdown("See below. [asy]\ndraw((0,0)--(1,1));\n\nlabel(\"$x$\",(1,0));\n[/asy] So $y$ works.\n\n<think>hmm</think>");
    assert.match(html, /<pre><code class="language-asy">draw\(\(0,0\)--\(1,1\)\);\n\nlabel\(&quot;\$x\$&quot;,\(1,0\)\);\n<\/code><\/pre>/);
    assert.equal(inlineMath(html), 1);
    assert.match(html, /&lt;think&gt;hmm&lt;\/think&gt;/);
});

test("CRLF input renders like LF input", () => {
    const lf = "Para $a$\n\n$$\nx\n$$\n\n- b";
    assert.equal(renderMarkdown(lf.replace(/\n/g, "\r\n")).html, renderMarkdown(lf).html);
});
