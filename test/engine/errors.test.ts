/** Bad model files and bad requests: an EngineError with the right code, and the process goes on. */
import assert from "node:assert/strict";
import {randomBytes} from "node:crypto";
import {copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, test} from "node:test";
import {ElasticEngine, EngineError, type EngineErrorCode} from "../../src/core/engine";
import {THINK_STOPS} from "../fixtures/scripted";
import {engineFor, fixtures} from "./setup";

const dir = mkdtempSync(join(tmpdir(), "engine-errors-"));
after(() => rmSync(dir, {recursive: true, force: true}));

const budget = {mode: "elastic" as const, thinkTokens: 10, answerTokens: 10};

async function expectCode(modelPath: string, code: EngineErrorCode): Promise<EngineError> {
    const engine = new ElasticEngine({modelPath, threads: 1, gpu: false});
    try {
        let caught: unknown;
        try {
            await engine.solve({problem: "1+1?", budget});
        } catch (err) {
            caught = err;
        }
        assert.ok(caught instanceof EngineError, `expected an EngineError, got ${String(caught)}`);
        assert.equal(caught.code, code, caught.message);
        assert.ok(caught.message.length > 10);
        assert.equal(engine.isLoaded, false);
        return caught;
    } finally {
        await engine.dispose();
    }
}

test("missing file", async () => {
    const e = await expectCode(join(dir, "nope.gguf"), "model-not-found");
    assert.match(e.message, /not found/);
});

test("no model configured: the coded error \"not-configured\" (the VS Code layer offers a model for it)", async () => {
    const e = await expectCode("", "not-configured");
    assert.match(e.message, /No model is configured/);
});

test("a folder", async () => {
    const folder = join(dir, "folder.gguf");
    mkdirSync(folder);
    await expectCode(folder, "model-not-a-file");
});

test("an empty file", async () => {
    const p = join(dir, "empty.gguf");
    writeFileSync(p, "");
    await expectCode(p, "model-invalid");
});

test("random bytes, and a text file", async () => {
    const p = join(dir, "random.gguf");
    writeFileSync(p, randomBytes(100_000));
    const e = await expectCode(p, "model-invalid");
    assert.match(e.message, /Not a GGUF/);
    const t = join(dir, "readme.gguf");
    writeFileSync(t, "hello, this is not a model\n");
    await expectCode(t, "model-invalid");
});

test("random bytes behind a GGUF magic", async () => {
    const p = join(dir, "magic.gguf");
    writeFileSync(p, Buffer.concat([Buffer.from("GGUF"), randomBytes(100_000)]));
    await expectCode(p, "model-invalid");
});

test("truncated files: inside the header, and inside the tensor data", async () => {
    const whole = readFileSync(fixtures["think-stops"]!);
    const header = join(dir, "trunc-header.gguf");
    writeFileSync(header, whole.subarray(0, 300));
    await expectCode(header, "model-invalid");
    const data = join(dir, "trunc-data.gguf");
    writeFileSync(data, whole.subarray(0, Math.floor(whole.length / 2)));
    const e = await expectCode(data, "model-invalid");
    assert.match(e.message, /truncated/);
});

test("unreadable file", {skip: process.getuid?.() === 0 ? "running as root: permissions do not apply" : false}, async () => {
    const p = join(dir, "secret.gguf");
    copyFileSync(fixtures["think-stops"]!, p);
    const {chmodSync} = await import("node:fs");
    chmodSync(p, 0o000);
    await expectCode(p, "model-unreadable");
});

test("prompt longer than the context, budget larger than the context, malformed budgets", async () => {
    const engine = engineFor("think-stops", {contextSize: 256});
    try {
        await assert.rejects(engine.solve({problem: "x".repeat(1000), budget}), {name: "EngineError", code: "prompt-too-long"});
        await assert.rejects(engine.solve({problem: THINK_STOPS.problem, budget: {mode: "elastic", thinkTokens: 200, answerTokens: 200}}),
            {code: "budget-too-large"});
        for (const b of [{mode: "elastic", thinkTokens: -1, answerTokens: 5}, {mode: "elastic", thinkTokens: 5, answerTokens: 0},
            {mode: "elastic", thinkTokens: 1.5, answerTokens: 5}, {mode: "unconstrained", maxTokens: 0}, {mode: "other"}])
            await assert.rejects(engine.solve({problem: "1+1?", budget: b as never}), {code: "invalid-request"}, JSON.stringify(b));
        await assert.rejects(engine.solve({problem: "   ", budget}), {code: "invalid-request"});
        // Still works after all that.
        const r = await engine.solve({problem: THINK_STOPS.problem, budget: {mode: "elastic", thinkTokens: 50, answerTokens: 50}});
        assert.equal(r.answer, "4");
    } finally {
        await engine.dispose();
    }
});
