import assert from "node:assert/strict";
import {test} from "node:test";
import {markdownToLatex, splitMath} from "../../src/core/latexExport";

test("math is kept verbatim and display dollars become \\[...\\]", () => {
    const out = markdownToLatex("So $x_1 = 2$ and\n$$\\frac{a}{b} = 50\\%$$\nThus \\(y\\).");
    assert.equal(out, "So $x_1 = 2$ and\n\\[\\frac{a}{b} = 50\\%\\]\nThus \\(y\\).");
});

test("text special characters are escaped outside math only", () => {
    assert.equal(markdownToLatex("50% of a_b & c # d"), "50\\% of a\\_b \\& c \\# d");
    assert.equal(markdownToLatex("it costs $5 and $10"), "it costs $5 and $10");
});

test("markdown constructs become LaTeX", () => {
    const out = markdownToLatex("## Step 1\nWe use **Vieta** and *care*:\n- first $a$\n- second\n\n1. one\n2. two");
    assert.equal(out, [
        "\\subsection*{Step 1}",
        "We use \\textbf{Vieta} and \\emph{care}:",
        "\\begin{itemize}",
        "  \\item first $a$",
        "  \\item second",
        "",
        "\\end{itemize}",
        "\\begin{enumerate}",
        "  \\item one",
        "  \\item two",
        "\\end{enumerate}"
    ].join("\n"));
});

test("environments outside delimiters are math; code blocks are verbatim", () => {
    const segments = splitMath("Text \\begin{align} a &= b \\\\ c &= d \\end{align} end");
    assert.deepEqual(segments.map((s) => s.math), [false, true, false]);
    assert.equal(markdownToLatex("```\n$x$ % raw\n```"), "\\begin{verbatim}\n$x$ % raw\n\\end{verbatim}");
});
