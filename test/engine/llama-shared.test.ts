/**
 * One llama.cpp backend (node-llama-cpp's `Llama`) per process and GPU option, shared by the engines: each
 * getLlama + dispose leaves memory behind inside node-llama-cpp (docs/node-llama-cpp-leak.md). An engine's dispose
 * still frees its model: on Linux the model file's memory map is gone from /proc/self/maps.
 */
import assert from "node:assert/strict";
import {readFileSync} from "node:fs";
import {test} from "node:test";
import {llamaBackendsStarted} from "../../src/core/engine/llama";
import {THINK_STOPS} from "../fixtures/scripted";
import {engineFor, fixtures} from "./setup";

const linux = process.platform === "linux";
const mapped = (path: string) => readFileSync("/proc/self/maps", "utf8").includes(path);
const budget = {mode: "elastic" as const, thinkTokens: 50, answerTokens: 50};

test("engines created one after another reuse one llama.cpp backend, and dispose still frees each model", async () => {
    const before = llamaBackendsStarted();
    const model = fixtures["think-stops"]!;
    for (let i = 0; i < 3; i++) {
        const engine = engineFor("think-stops");
        try {
            const r = await engine.solve({problem: THINK_STOPS.problem, budget, sampling: {seed: i}});
            assert.equal(r.answer, "4");
            if (linux) assert.ok(mapped(model), "the loaded model is memory-mapped");
        } finally {
            await engine.dispose();
        }
        if (linux) assert.ok(!mapped(model), `engine ${i + 1}'s dispose unmapped the model`);
    }
    // Another model, and a failed load in between, on the same backend.
    const other = engineFor("think-forever");
    await other.load();
    await other.dispose();
    const missing = engineFor("think-stops", {modelPath: "/nonexistent/model.gguf"});
    await assert.rejects(missing.load(), {code: "model-not-found"});
    await missing.dispose();
    assert.equal(llamaBackendsStarted(), Math.max(before, 1), "one getLlama for every CPU engine of this process");
});
