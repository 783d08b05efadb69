/**
 * StreamingRenderer: for every corpus item and for tricky hand-written texts, split into deltas (token-like,
 * random 1-6 characters, single characters), the committed HTML plus the final pending HTML equals the
 * one-shot HTML, and the streamed errors equal the one-shot errors. Plus the pending-tail behaviour.
 */
import {test} from "node:test";
import assert from "node:assert/strict";
import {renderMarkdown, StreamingRenderer, type RenderError} from "../../src/render/index";
import {splitBlocks} from "../../src/render/blocks";
import {bigTailChars} from "../../src/render/stream";
import {loadCorpus, randomSplit, rng, tokenLike} from "./render-helpers";

function stream(deltas: readonly string[]): {html: string; errors: RenderError[]; pendings: string[]} {
    const r = new StreamingRenderer();
    let html = "";
    const errors: RenderError[] = [];
    const pendings: string[] = [];
    for (const d of deltas) {
        const u = r.append(d);
        html += u.committed.join("");
        errors.push(...u.errors);
        pendings.push(u.pending);
    }
    const f = r.finish();
    html += f.committed.join("") + f.pending;
    errors.push(...f.errors);
    return {html, errors, pendings};
}

const tricky = [
    "Para one with $x$.\n\nPara two\n\n\n\nafter many blanks",
    "\n\n\nleading blanks $a$",
    "```\ncode\n\n$$ not math\n\n```\n\nafter fence $b$",
    "$$\na\n\nb\n$$\n\nafter $$ block",
    "\\[\n x \n\n y \n\\]\ntext",
    "\\begin{align*}\nx &= 1\n\n\\\\ y &= 2\n\\end{align*}The end $z$.",
    "1. item $a$\n\n   continued $b$\n\n2. next\n\n    indented code\n\nend",
    "[asy]\ndraw(a);\n\nlabel(\"$x$\");\n[/asy]\n\nafter $c$",
    "unclosed $$ at the end\n\nmore",
    "$$\nnever closed\n\n\\frac{1}{2}",
    "windows\r\n\r\nline $e$\r\nends\r",
    "costs $5 and $10\n\n$.ajax `$x$`",
    "# Head $h$\n\n| a | $b$ |\n|---|---|\n| 1 | 2 |\n\n> quote $q$\n>\n> more",
    "",
    "x"
];

test("streaming == one-shot for tricky texts, under several splits", () => {
    for (const text of tricky) {
        const want = renderMarkdown(text);
        const random = rng(7);
        const splits = [tokenLike(text), [...text], randomSplit(text, random), randomSplit(text, random, 2), [text]];
        for (const deltas of splits) {
            assert.equal(deltas.join(""), text);
            const got = stream(deltas);
            assert.equal(got.html, want.html, JSON.stringify(text));
            assert.deepEqual(got.errors, want.errors, JSON.stringify(text));
        }
    }
});

test("streaming == one-shot for every corpus item (token-like and random 1-6 character deltas)", () => {
    const corpus = loadCorpus();
    const random = rng(20251123);
    let updates = 0;
    for (const item of corpus) {
        const want = renderMarkdown(item.text);
        for (const deltas of [tokenLike(item.text), randomSplit(item.text, random)]) {
            assert.equal(deltas.join(""), item.text);
            const got = stream(deltas);
            updates += deltas.length;
            assert.equal(got.html, want.html, item.id);
            assert.deepEqual(got.errors, want.errors, item.id);
        }
    }
    console.log(`streamed ${corpus.length} corpus items twice, ${updates} updates, all equal to one-shot`);
});

test("committed blocks are the one-shot blocks, appended once and in order", () => {
    const text = "A $a$.\n\nB $b$.\n\n$$\nc\n$$\n\nD";
    const r = new StreamingRenderer();
    const committed: string[] = [];
    for (const ch of text) committed.push(...r.append(ch).committed);
    const last = r.finish();
    assert.deepEqual(last.committed, []);
    assert.equal(committed.length, splitBlocks(text).length - 1);
    assert.equal(committed.join("") + last.pending, renderMarkdown(text).html);
    assert.throws(() => r.append("x"), /after finish/);
});

test("an unclosed delimiter in the pending tail is pending text, not a broken formula", () => {
    const cases: [string, string][] = [
        ["So we have $x^{2", "$x^{2"],
        ["So we have $$\\frac{1}{", "$$\\frac{1}{"],
        ["Then \\(\\sqrt{", "\\(\\sqrt{"],
        ["Display:\n\\[\n\\sum_{k=1}^n", "\\[\n\\sum_{k=1}^n"],
        ["We get\n\\begin{align*}\nx &= 1 \\\\", "\\begin{align*}\nx &amp;= 1 \\\\"],
        ["Done $a$ and then $b", "$b"]
    ];
    for (const [text, tail] of cases) {
        const r = new StreamingRenderer();
        const u = r.append(text);
        assert.deepEqual(u.committed, []);
        assert.ok(u.pending.includes(`<span class="em-pending-math">${tail}</span>`), `${text}\n${u.pending}`);
        assert.doesNotMatch(u.pending, /em-math-error/, text);
        // Closing it turns it into a formula.
        const closed = r.finish();
        assert.doesNotMatch(closed.pending, /em-pending-math/);
    }
    // Complete formulas in the tail render; the text before the unclosed one is kept in its paragraph.
    const r = new StreamingRenderer();
    const u = r.append("Since $a=1$, we get $b = \\frac");
    assert.match(u.pending, /^<p>Since <span class="katex">[\s\S]*<\/span>, we get <span class="em-pending-math">\$b = \\frac<\/span><\/p>\n$/);
    // A dollar in code is not pending math; currency is text once it cannot open math.
    assert.doesNotMatch(new StreamingRenderer().append("Use `$x` and").pending, /em-pending-math/);
    assert.doesNotMatch(new StreamingRenderer().append("costs 5$ each").pending, /em-pending-math/);
});

/** Tails over bigTailChars are re-rendered only now and then by design; the memo check is for the others. */
function fresh_tail_too_big(prefix: string): boolean {
    const blocks = splitBlocks(prefix.replace(/\r\n?/g, "\n"));
    return blocks[blocks.length - 1]!.length > bigTailChars;
}

test("the pending tail reused across updates (memo) equals a fresh render of the same prefix", () => {
    const items = loadCorpus().filter((i) => /\\begin|\$\$|\\\[/.test(i.text)).slice(0, 12);
    assert.ok(items.length >= 5);
    let compared = 0;
    for (const item of items) {
        const deltas = tokenLike(item.text);
        const r = new StreamingRenderer();
        let prefix = "";
        for (let i = 0; i < deltas.length; i++) {
            const u = r.append(deltas[i]!);
            prefix += deltas[i]!;
            if (i % 7 !== 0 && i !== deltas.length - 1) continue;
            if (fresh_tail_too_big(prefix)) continue;
            // A fresh renderer given the whole prefix at once commits the same blocks and renders its tail
            // without any memo: the pending HTML must be the same.
            const fresh = new StreamingRenderer().append(prefix);
            assert.equal(u.pending, fresh.pending, `${item.id}: pending differs after ${prefix.length} characters`);
            compared++;
        }
    }
    assert.ok(compared > 100);
});

test("a huge single block streams in linear total work: re-rendered only as it grows by a quarter", () => {
    const text = "word ".repeat(40_000); // 200 KB, one paragraph, never committed while streaming
    const r = new StreamingRenderer();
    let full = 0;
    let last = "";
    for (let i = 0; i < text.length; i += 500) {
        const u = r.append(text.slice(i, i + 500));
        if (!u.pending.includes("em-pending-text")) full++;
        last = u.pending;
        // Every character so far is visible (rendered or escaped pending text).
        assert.equal(last.replace(/<[^>]+>/g, "").replace(/\s+/g, " ").trim(), text.slice(0, i + 500).trim().replace(/\s+/g, " "));
    }
    assert.ok(full > 5 && full < 40, `full renders of the tail: ${full} of ${text.length / 500} updates`);
    assert.equal(r.finish().pending, renderMarkdown(text).html);
});
