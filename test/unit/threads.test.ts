// threadCount: the evaluation threads of the local backend, never more than the machine's cores.
import assert from "node:assert/strict";
import {test} from "node:test";
import {threadCount} from "../../src/core/engine/localBackend";

test("the count asked for, whole, when it is within the cores", () => {
    assert.deepEqual(threadCount(2, 4, 8), {threads: 2});
    assert.deepEqual(threadCount(8, 4, 8), {threads: 8});
    assert.deepEqual(threadCount(3.7, 4, 8), {threads: 3});
});

test("no count (or not a usable one): llama.cpp's math cores", () => {
    for (const asked of [undefined, 0, -2, 0.5, Number.NaN]) assert.deepEqual(threadCount(asked, 4, 8), {threads: 4}, String(asked));
    assert.deepEqual(threadCount(undefined, 0, 8), {threads: 1});
});

test("more than the cores: the cores, and a note naming both numbers", () => {
    const r = threadCount(8, 2, 2);
    assert.equal(r.threads, 2);
    assert.match(r.note!, /^8 threads were asked for, but this machine has 2 cores: using 2/);
    assert.match(threadCount(32, 1, 1).note!, /has 1 core: using 1/);
    assert.equal(threadCount(undefined, 16, 4).threads, 4, "the default is capped as well");
});
