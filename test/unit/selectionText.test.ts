import assert from "node:assert/strict";
import {test} from "node:test";
import {markdownToLatex} from "../../src/core/latexExport";
import {documentKind, formatSolutionFor, indentLines, listContinuationIndent, problemFromSelection, shortenToFit} from "../../src/core/selectionText";

test("documentKind: by language id, then by file name", () => {
    assert.equal(documentKind("markdown", "/a/notes.txt"), "markdown");
    assert.equal(documentKind("plaintext", "/a/notes.md"), "markdown");
    assert.equal(documentKind("latex", "Untitled-1"), "latex");
    assert.equal(documentKind("plaintext", "/a/paper.tex"), "latex");
    assert.equal(documentKind("plaintext", "/a/notes.txt"), "plaintext");
    assert.equal(documentKind("markdown", "vscode-notebook-cell:/a/n.ipynb#W1"), "markdown", "notebook Markdown cells");
});

test("formatSolutionFor: Markdown gets $ delimiters, LaTeX gets markdownToLatex, plain text as written", () => {
    const solution = "\n\n**Solution.** Since \\(x^2=4\\),\n\n\\[x = \\pm 2\\]\n\nso $\\boxed{2}$.";
    assert.equal(formatSolutionFor("markdown", solution), "**Solution.** Since $x^2=4$,\n\n$$x = \\pm 2$$\n\nso $\\boxed{2}$.");
    assert.equal(formatSolutionFor("latex", solution), markdownToLatex(solution.trim()).trim());
    assert.match(formatSolutionFor("latex", solution), /\\textbf\{Solution\.\}/);
    assert.equal(formatSolutionFor("plaintext", solution), solution.trim());
    // Money and lone dollars are not math.
    assert.equal(formatSolutionFor("markdown", "It costs $5 and $10."), "It costs $5 and $10.");
});

test("shortenToFit: the longest beginning that fits, cut at a word", () => {
    const count = (s: string) => 10 + s.length; // 10 tokens of template + one per character
    const text = "alpha beta gamma delta epsilon";
    assert.equal(shortenToFit(text, count, 100), text, "fits: unchanged");
    const short = shortenToFit(text, count, 10 + 18);
    assert.ok(count(short) <= 28);
    assert.equal(short, "alpha beta gamma");
    assert.equal(shortenToFit(text, count, 5), "", "nothing fits");
    // Never splits a surrogate pair.
    const emoji = "😀".repeat(20);
    const e = shortenToFit(emoji, (s) => [...s].length, 7);
    assert.equal(e, "😀".repeat(7));
});

test("problemFromSelection: one list line's bullet is not part of the problem", () => {
    assert.equal(problemFromSelection("- What is 2+2?"), "What is 2+2?");
    assert.equal(problemFromSelection("* What is 2+2?\n"), "What is 2+2?");
    assert.equal(problemFromSelection("+ What is 2+2?"), "What is 2+2?");
    assert.equal(problemFromSelection("1. What is 2+2?"), "What is 2+2?");
    assert.equal(problemFromSelection("12) What is $x$ if $x^2=4$?"), "What is $x$ if $x^2=4$?");
    assert.equal(problemFromSelection("- [ ] What is 2+2?"), "What is 2+2?");
    assert.equal(problemFromSelection("  - Find $x$:\n    $$x+1=2$$"), "Find $x$:\n$$x+1=2$$", "continuation lines lose the item's indent");
    // Not a list line, or a whole list: kept as it is.
    assert.equal(problemFromSelection("What is 2+2?"), "What is 2+2?");
    assert.equal(problemFromSelection("-3 + 5 = ?"), "-3 + 5 = ?");
    assert.equal(problemFromSelection("2.5 * 2 = ?"), "2.5 * 2 = ?");
    assert.equal(problemFromSelection("$-x$ for x = 2"), "$-x$ for x = 2");
    assert.equal(problemFromSelection("- What is 2+2?\n- What is 3+3?"), "- What is 2+2?\n- What is 3+3?");
});

test("listContinuationIndent and indentLines: a block after a list item continues the item", () => {
    assert.equal(listContinuationIndent("- What is 2+2?"), "  ");
    assert.equal(listContinuationIndent("1. What is 2+2?"), "   ");
    assert.equal(listContinuationIndent("  10) What?"), "      ");
    assert.equal(listContinuationIndent("- [ ] What?"), "      ");
    assert.equal(listContinuationIndent("What is 2+2?"), "");
    assert.equal(listContinuationIndent("-3 + 5"), "");
    assert.equal(indentLines("a\n\n$$x$$\nb", "  "), "  a\n\n  $$x$$\n  b");
    assert.equal(indentLines("a\nb", ""), "a\nb");
});
