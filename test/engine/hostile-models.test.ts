/**
 * Hostile model files against the real engine (node-llama-cpp + llama.cpp) in this process: each is refused with a
 * coded EngineError naming what is wrong (before the checks, several aborted the whole process with exit 134), the
 * fit check behind Choose Model (which simulates a load natively) refuses them too, and afterwards the same process
 * still loads a good fixture and solves with it. The CLI repro from the issue exits non-zero with the message.
 */
import assert from "node:assert/strict";
import {spawn} from "node:child_process";
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, test} from "node:test";
import {ElasticEngine, EngineError} from "../../src/core/engine";
import {assessFit} from "../../src/core/fit";
import {GgufError} from "../../src/core/gguf";
import {readGgufPromptInfo} from "../../src/core/modelTemplate";
import {HEAD_COUNT_0, HOSTILE_CASES, writeHostile} from "../fixtures/hostile";
import {THINK_STOPS} from "../fixtures/scripted";
import {repoRoot} from "../paths";
import {fixtures} from "./setup";

const dir = mkdtempSync(join(tmpdir(), "engine-hostile-"));
after(() => rmSync(dir, {recursive: true, force: true}));

const budget = {mode: "elastic" as const, thinkTokens: 64, answerTokens: 64};

test("every hostile file: the engine refuses it with model-invalid and the reason; then a good model solves in the same process", async () => {
    for (const c of HOSTILE_CASES) {
        const engine = new ElasticEngine({modelPath: writeHostile(c, dir), threads: 1, gpu: false});
        try {
            const err = await engine.solve({problem: "2+2?", budget}).then(() => undefined, (e: unknown) => e);
            assert.ok(err instanceof EngineError, `${c.name}: expected an EngineError, got ${String(err)}`);
            assert.equal(err.code, "model-invalid", `${c.name}: ${err.message}`);
            // The engine's own first check words "not GGUF" itself; every other case carries the validator's reason.
            if (c.kind !== "not-gguf") assert.match(err.message, c.message, c.name);
            assert.equal(engine.isLoaded, false);
        } finally {
            await engine.dispose();
        }
    }
    const good = new ElasticEngine({modelPath: fixtures["think-stops"]!, threads: 1, gpu: false});
    try {
        const r = await good.solve({problem: THINK_STOPS.problem, budget});
        assert.equal(r.solution, THINK_STOPS.fullSolution);
        assert.equal(r.answer, "4");
    } finally {
        await good.dispose();
    }
});

test("the fit check and the model list's header read refuse every hostile file with a GgufError; a good file is judged", async () => {
    for (const c of HOSTILE_CASES) {
        const path = writeHostile(c, dir);
        const check = (err: unknown) => err instanceof GgufError && err.kind === c.kind && c.message.test(err.detail);
        await assert.rejects(assessFit({source: path, contextSize: 512}), check, `fit: ${c.name}`);
        await assert.rejects(readGgufPromptInfo(path), check, `prompt info: ${c.name}`);
    }
    const report = await assessFit({source: fixtures["think-stops"]!, contextSize: 512});
    assert.equal(report.basis, "insights");
    assert.ok(report.ramBytes > 0);
    assert.equal((await readGgufPromptInfo(fixtures["think-stops"]!)).architecture, "qwen2");
});

test("the CLI repro from the issue (head_count 0): exits 1 with the message, not 134", async () => {
    const path = writeHostile(HEAD_COUNT_0, dir);
    const root = repoRoot();
    const {code, signal, stdout} = await new Promise<{code: number | null; signal: NodeJS.Signals | null; stdout: string}>((resolve, reject) => {
        const child = spawn(process.execPath, [join(root, "bin", "elastic-math.mjs"), "solve", "2+2?", "--model", path, "--json", "--threads", "1"], {cwd: root, stdio: ["ignore", "pipe", "pipe"]});
        let out = "";
        child.stdout.setEncoding("utf8").on("data", (d: string) => { out += d; });
        child.on("error", reject);
        child.on("close", (c, s) => resolve({code: c, signal: s, stdout: out}));
    });
    assert.equal(signal, null, "killed by a signal (SIGABRT is llama.cpp's GGML_ASSERT)");
    assert.notEqual(code, 134);
    assert.equal(code, 1);
    const r = JSON.parse(stdout.trim()) as {error: {code: string; message: string}};
    assert.equal(r.error.code, "model-invalid");
    assert.match(r.error.message, HEAD_COUNT_0.message);
});
