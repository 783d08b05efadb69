/**
 * The formula cache keeps flat strings (src/render/katex.ts, flatString). KaTeX builds its HTML by concatenation, which
 * V8 keeps as a tree of pieces: kept in the cache that way, 2,000 formulas held six times their HTML's size in the
 * heap, and every piece is an object the collector marks in a full collection (in the extension host, 580,000 of them
 * from one cache). The real renderer; the heap measured after full collections (this file runs in its own process).
 */
import assert from "node:assert/strict";
import {test} from "node:test";
import {setFlagsFromString} from "node:v8";
import {runInNewContext} from "node:vm";
import {FormulaRenderer} from "../../src/render/katex";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

test("2,000 cached formulas hold about twice their HTML's size in the heap (as pieces: six times)", () => {
    const renderer = new FormulaRenderer();
    renderer.render("\\frac{1}{2}", false, "$\\frac{1}{2}$");
    gc();
    const before = process.memoryUsage().heapUsed;
    let chars = 0;
    for (let i = 0; i < 1999; i++) {
        const tex = `\\frac{a_{${i}}}{b_{${i}}} + \\sqrt{x_{${i}}^2 + ${i}} = \\sum_{k=1}^{${i}} k`;
        chars += renderer.render(tex, false, `$${tex}$`).html.length;
    }
    gc();
    const kept = process.memoryUsage().heapUsed - before;
    const t0 = performance.now();
    gc();
    console.log(`2,000 formulas: ${(chars / 1e6).toFixed(1)} MB of HTML, ${(kept / 1e6).toFixed(1)} MB kept in the heap (${(kept / chars).toFixed(2)}x); a full collection ${(performance.now() - t0).toFixed(1)} ms`);
    // Flat: 2.2x here (the keys, the sources and the results' objects count too); as pieces it was 6.4x.
    assert.ok(kept / chars < 3.5, `the cache holds ${(kept / chars).toFixed(2)} times its HTML's size`);
    // The cache still answers.
    assert.equal(renderer.lookup("\\frac{a_{7}}{b_{7}} + \\sqrt{x_{7}^2 + 7} = \\sum_{k=1}^{7} k", false, "$\\frac{a_{7}}{b_{7}} + \\sqrt{x_{7}^2 + 7} = \\sum_{k=1}^{7} k$")?.html.includes("katex"), true);
});
