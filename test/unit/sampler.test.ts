/** The sampling options the local backend gives node-llama-cpp (src/core/engine/sampler.ts). */
import assert from "node:assert/strict";
import {test} from "node:test";
import {evaluateSampling} from "../../src/core/engine/sampler";

test("no top-k (topK 0) is passed as null, so node-llama-cpp leaves top-k out instead of sorting the whole vocabulary", () => {
    const e1 = evaluateSampling({temperature: 0.6, topP: 0.95, topK: 0});
    assert.equal(e1.topK, null);
    assert.equal(e1.topP, 0.95);
    assert.equal(e1.temperature, 0.6);
    assert.equal(evaluateSampling({temperature: 0.6, topP: 0.95, topK: -1}).topK, null);
});

test("a real top-k is passed as it is", () => {
    assert.equal(evaluateSampling({temperature: 0.6, topP: 0.95, topK: 40}).topK, 40);
});
