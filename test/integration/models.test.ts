// Choose Model in the real extension host: the catalog, a local fixture GGUF chosen, Solve uses it; bad files refused.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as vscode from "vscode";
import type {ElasticMathApi} from "../../src/extension";
import {THINK_STOPS} from "../fixtures/scripted";

suite("Models: Choose Model in the extension host", function () {
    this.timeout(120000);
    let api: ElasticMathApi;
    let models: string;
    const config = () => vscode.workspace.getConfiguration("elasticMath");

    suiteSetup(async () => {
        const ext = vscode.extensions.getExtension<ElasticMathApi>("elastic-math.elastic-math-tutor");
        assert.ok(ext);
        api = await ext.activate();
        models = path.join(ext.extensionPath, "test", "fixtures", "models");
        await config().update("engine.threads", 1, vscode.ConfigurationTarget.Global);
        await config().update("engine.contextSize", 4096, vscode.ConfigurationTarget.Global);
        await config().update("sampling.seed", 7, vscode.ConfigurationTarget.Global);
    });
    suiteTeardown(async () => {
        for (const key of ["model.path", "engine.threads", "engine.contextSize", "sampling.seed"])
            await config().update(key, undefined, vscode.ConfigurationTarget.Global);
    });

    test("the catalog lists the seven models and the first-run offer names E1-Math-1.5B's size", async () => {
        const c = await api.models.catalog();
        assert.equal(c.models.length, 7);
        assert.deepEqual(c.problems, []);
        const offer = await api.models.firstRunOffer();
        assert.equal(offer?.label, "Download E1-Math-1.5B (about 1.1 GB)");
        assert.ok((await vscode.commands.getCommands(true)).includes("elasticMath.chooseModel"));
    });

    test("Choose Model with a local fixture GGUF, then Solve uses it with the detected R1 format", async () => {
        const file = path.join(models, THINK_STOPS.file);
        const chosen = await vscode.commands.executeCommand<string | undefined>("elasticMath.chooseModel", {path: file});
        assert.equal(chosen, file);
        assert.equal(config().get("model.path"), file);
        const format = await api.models.formatFor(file);
        assert.equal(format?.id, "deepseek-r1-distill");
        const result = await api.solve({problem: THINK_STOPS.problem, budget: {mode: "elastic", thinkTokens: 1024, answerTokens: 1024}});
        assert.ok(result != null);
        assert.equal(result.model, THINK_STOPS.name);
        assert.equal(result.solution, THINK_STOPS.fullSolution);
    });

    test("a folder, a missing path and a non-GGUF file are refused; the setting is unchanged and the host keeps working", async () => {
        const before = config().get("model.path");
        for (const bad of [models, path.join(models, "does-not-exist.gguf"), path.join(models, "..", "scripted.ts")]) {
            const r = await vscode.commands.executeCommand<string | undefined>("elasticMath.chooseModel", {path: bad});
            assert.equal(r, undefined, bad);
            assert.equal(config().get("model.path"), before);
        }
        const result = await api.solve({problem: THINK_STOPS.problem, budget: {mode: "elastic", thinkTokens: 1024, answerTokens: 1024}});
        assert.equal(result?.solution, THINK_STOPS.fullSolution);
    });
});
