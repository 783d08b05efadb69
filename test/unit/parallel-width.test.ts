/** How many of a vote's k samples run at once (src/core/engine/parallel.ts): all k, the largest n that fits, or one. */
import assert from "node:assert/strict";
import {test} from "node:test";
import {decideWidth, type MemoryFigures} from "../../src/core/engine/parallel";

const MB = 1048576;
/** A context of n sequences needs 100 MB + 50 MB per sequence; `free` MB are free (60% of it may be used). */
const figures = (free: number) => (n: number): MemoryFigures =>
    ({needCpuBytes: (100 + 50 * n) * MB, needGpuBytes: 0, freeCpuBytes: free * MB, freeGpuBytes: null});

test("all k fit: k in parallel", () => {
    const p = decideWidth(8, 1024, figures(1000)); // 8 need 500 MB <= 600
    assert.equal(p.parallel, true);
    assert.equal(p.width, 8);
    assert.match(p.reason, /^8 samples in parallel/);
});

test("k do not fit: the largest n that fits runs at a time, and the reason says why", () => {
    const p = decideWidth(8, 1024, figures(500)); // 60% = 300 MB: n = 4 (300 MB) fits, 5 (350) does not
    assert.equal(p.parallel, true);
    assert.equal(p.width, 4);
    assert.equal(p.k, 8);
    assert.match(p.reason, /^8 samples, 4 at a time in parallel \(one context, 4 sequences of 1024 tokens, about 300 MB RAM\); all 8: 8 sequences of 1024 tokens need about 500 MB of RAM and 500 MB is free$/);
});

test("not even two fit: one after another, with the reason", () => {
    const p = decideWidth(8, 1024, figures(200)); // 60% = 120 MB < 200 MB for 2
    assert.equal(p.parallel, false);
    assert.match(p.reason, /^running the 8 samples one after another: 8 sequences/);
    assert.equal(decideWidth(1, 1024, figures(1e6)).parallel, false);
    // k = 2 that does not fit: one after another (there is no smaller parallel width).
    assert.equal(decideWidth(2, 1024, figures(300)).parallel, false);
});
