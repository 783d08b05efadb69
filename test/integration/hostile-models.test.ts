// Hostile model files in the real extension host: before the GGUF checks (src/core/gguf), solving with a file whose
// header says 0 attention heads (and the others of test/fixtures/hostile.ts marked llamaAborts) aborted llama.cpp
// with exit 134, and that process is the extension host. Now: Choose Model refuses the file with its reason, a file
// configured by hand gets the reason in the panel, the fit check and the format detection survive it, and the next
// solve with the good fixture answers correctly in the same host.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import type {ElasticMathApi} from "../../src/extension";
import {HOSTILE_CASES, writeHostile} from "../fixtures/hostile";
import {THINK_STOPS} from "../fixtures/scripted";
import {activateWith, setSetting} from "./settings";

suite("Hostile model files: the extension host survives and answers the next request", function () {
    this.timeout(180000);
    let api: ElasticMathApi;
    let models: string;
    let dir: string;
    const config = () => vscode.workspace.getConfiguration("elasticMath");

    suiteSetup(async () => {
        ({api, models} = await activateWith<ElasticMathApi>({"engine.threads": 1, "engine.contextSize": 4096, "sampling.seed": 7}));
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "emt-hostile-"));
    });
    suiteTeardown(async () => {
        for (const key of ["model.path", "engine.threads", "engine.contextSize", "sampling.seed"]) await setSetting(key, undefined);
        fs.rmSync(dir, {recursive: true, force: true});
    });

    const aborting = HOSTILE_CASES.filter((c) => c.llamaAborts === true);

    test("Choose Model refuses each file llama.cpp would abort on; the setting stays as it was", async () => {
        const good = path.join(models, THINK_STOPS.file);
        await setSetting("model.path", good);
        for (const c of aborting) {
            const file = writeHostile(c, dir, path.join(models, THINK_STOPS.file));
            const chosen = await vscode.commands.executeCommand<string | undefined>("elasticMath.chooseModel", {path: file});
            assert.equal(chosen, undefined, c.name);
            assert.equal(config().get("model.path"), good, c.name);
            // The fit check (a native simulated load in node-llama-cpp) and the format detection do not touch it.
            assert.equal(await api.models.fitProblem(file), undefined, c.name);
            assert.equal(await api.models.formatFor(file), undefined, c.name);
        }
    });

    for (const c of aborting) {
        test(`configured by hand, ${c.name}: Solve shows the reason in the panel; then think-stops answers correctly`, async () => {
            const file = writeHostile(c, dir, path.join(models, THINK_STOPS.file));
            await setSetting("model.path", file);
            const before = api.panelMessages.length;
            await api.solve({problem: "2+2?", budget: {mode: "elastic", thinkTokens: 64, answerTokens: 64}, budgetLabel: "Quick"});
            const error = api.panelMessages.slice(before).find((m) => m.type === "error");
            assert.ok(error != null && error.type === "error", `an error in the panel: ${JSON.stringify(api.panelMessages.slice(before).map((m) => m.type))}`);
            assert.match(error.message, c.message);
            assert.match(error.message, /cannot be used/);
            // The host is alive: the good fixture, the next solve, the scripted answer.
            await setSetting("model.path", path.join(models, THINK_STOPS.file));
            const next = await api.solve({problem: THINK_STOPS.problem, budget: {mode: "elastic", thinkTokens: 1024, answerTokens: 1024}});
            assert.equal(next?.solution, THINK_STOPS.fullSolution);
            assert.equal(next?.answer, "4");
        });
    }
});
