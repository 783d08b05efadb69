// Choose Model in the real extension host: the catalog, a local fixture GGUF chosen, Solve uses it; bad files refused.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as vscode from "vscode";
import type {ElasticMathApi} from "../../src/extension";
import * as fs from "node:fs";
import * as os from "node:os";
import {CHATML_ANSWER, THINK_STOPS} from "../fixtures/scripted";
import {writeHugeSparseModel} from "../fixtures/huge";
import {activateWith, setSetting} from "./settings";

suite("Models: Choose Model in the extension host", function () {
    this.timeout(120000);
    let api: ElasticMathApi;
    let models: string;
    const config = () => vscode.workspace.getConfiguration("elasticMath");

    suiteSetup(async () => {
        ({api, models} = await activateWith<ElasticMathApi>({"engine.threads": 1, "engine.contextSize": 4096}));
        await setSetting("sampling.seed", 7);
    });
    suiteTeardown(async () => {
        for (const key of ["model.path", "engine.threads", "engine.contextSize", "sampling.seed", "budget.askEveryTime"])
            await setSetting(key, undefined);
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

    test("loading a model shows progress: the notification opens, reports node-llama-cpp's load fractions up to 100%, closes", async () => {
        // Switching from the model the test above loaded to one not loaded yet: a fresh load.
        const file = path.join(models, CHATML_ANSWER.file);
        assert.equal(await vscode.commands.executeCommand<string | undefined>("elasticMath.chooseModel", {path: file}), file);
        const before = api.loadProgress.length;
        const solve = () => api.solve({problem: CHATML_ANSWER.problem, budget: {mode: "elastic", thinkTokens: 1024, answerTokens: 1024}, budgetLabel: "Balanced"});
        const result = await solve();
        assert.ok(result != null);
        const events = api.loadProgress.slice(before).filter((e) => e.modelPath === file);
        const kinds = events.map((e) => e.kind);
        assert.equal(kinds[0], "shown", `the notification opened first: ${JSON.stringify(events)}`);
        assert.equal(kinds[kinds.length - 1], "closed", `and closed last: ${JSON.stringify(events)}`);
        assert.equal(kinds.filter((k) => k === "shown").length, 1, "one notification per load");
        const fractions = events.filter((e) => e.kind === "progress").map((e) => e.fraction);
        assert.ok(fractions.length >= 1, "progress was reported");
        assert.ok(fractions.every((f, i) => f > 0 && f <= 1 && (i === 0 || f >= fractions[i - 1]!)), `fractions rise within (0, 1]: ${fractions.join(", ")}`);
        assert.equal(fractions[fractions.length - 1], 1, "the load reached 100%");
        console.log(`    load progress of ${CHATML_ANSWER.file}: ${fractions.map((f) => f.toFixed(3)).join(", ")}`);
        // The model is loaded now: a second solve loads nothing.
        const after = api.loadProgress.length;
        assert.ok(await solve() != null);
        assert.equal(api.loadProgress.length, after, "no load, no notification");
    });

    test("ChatML fixture: Solve Problem returns the scripted answer, one phase, and the panel's request is an answer budget", async () => {
        const file = path.join(models, CHATML_ANSWER.file);
        assert.equal(await vscode.commands.executeCommand<string | undefined>("elasticMath.chooseModel", {path: file}), file);
        assert.equal((await api.models.formatFor(file))?.id, "chatml", "detected from the GGUF's ChatML template");
        const lastRequest = () => [...api.panelMessages].reverse().find((m) => m.type === "request");
        // A budget given by a script, and the default budget without asking (the pick's non-interactive path).
        const runs: {args: Record<string, unknown>; label: string}[] = [
            {args: {problem: CHATML_ANSWER.problem, budget: {mode: "elastic", thinkTokens: 1024, answerTokens: 1024}, budgetLabel: "Balanced"}, label: "given budget"},
            {args: {problem: CHATML_ANSWER.problem}, label: "default budget"}
        ];
        for (const run of runs) {
            if (run.label === "default budget") await setSetting("budget.askEveryTime", false);
            const result = await vscode.commands.executeCommand<Awaited<ReturnType<ElasticMathApi["solve"]>>>("elasticMath.solveProblem", run.args);
            assert.ok(result != null, run.label);
            assert.equal(result.model, CHATML_ANSWER.name);
            assert.equal(result.solution, CHATML_ANSWER.fullSolution, run.label);
            assert.equal(result.answer, "42", run.label);
            assert.equal(result.thinking, "", run.label);
            assert.equal(result.thinkingTokens, 0, run.label);
            assert.equal(result.solutionTokens, CHATML_ANSWER.naturalSolutionTokens, run.label);
            assert.equal(result.stop, "eog", run.label);
            const request = lastRequest();
            assert.ok(request != null && request.type === "request", run.label);
            assert.equal(request.budget.mode, "elastic");
            assert.equal(request.budget.mode === "elastic" && request.budget.answerOnly, true, `${run.label}: ${JSON.stringify(request.budget)}`);
            const done = api.panelMessages.find((m) => m.type === "done" && m.id === request.id);
            assert.ok(done != null && done.type === "done" && done.answerHtml != null && /42/.test(done.answerHtml), run.label);
        }
    });

    test("Show Solution Panel with no model posts the first-run card; choosing a model removes it", async () => {
        await setSetting("model.path", "");
        const before = api.panelMessages.length;
        await vscode.commands.executeCommand("elasticMath.showPanel");
        const firstRun = async () => {
            for (let i = 0; i < 100; i++) {
                const m = api.panelMessages.slice(before).filter((x) => x.type === "firstRun");
                if (m.length > 0) return m;
                await new Promise((r) => setTimeout(r, 50));
            }
            return [];
        };
        const shown = await firstRun();
        assert.equal(shown.length, 1);
        const offer = shown[0]!.type === "firstRun" ? shown[0]!.offer : null;
        assert.equal(offer?.downloadLabel, "Download E1-Math-1.5B (about 1.1 GB)");
        assert.equal(offer?.chooseLabel, "Choose a GGUF file...");
        assert.match(offer?.note ?? "", /non-commercial/);
        await vscode.commands.executeCommand("elasticMath.chooseModel", {path: path.join(models, THINK_STOPS.file)});
        let hidden = false;
        for (let i = 0; i < 100 && !hidden; i++, await new Promise((r) => setTimeout(r, 50)))
            hidden = api.panelMessages.slice(before).some((m) => m.type === "firstRun" && m.offer == null);
        assert.ok(hidden, "the card is removed once a model is configured");
        // With a model, opening the panel offers nothing.
        const after = api.panelMessages.length;
        await vscode.commands.executeCommand("elasticMath.showPanel");
        await new Promise((r) => setTimeout(r, 300));
        assert.ok(!api.panelMessages.slice(after).some((m) => m.type === "firstRun" && m.offer != null));
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

    test("a model far larger than the machine (sparse GGUF, ~57 GB declared) is refused with advice, not loaded; the host keeps working", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "emt-huge-"));
        const huge = path.join(dir, "huge-F32.gguf");
        try {
            writeHugeSparseModel(huge);
            const problem = await api.models.fitProblem(huge);
            assert.ok(problem != null, "GGUF insights say it does not fit");
            assert.match(problem, /does not fit: needs about \d+(\.\d)? GB RAM, this machine has/);
            assert.match(problem, /smaller quantization|smaller model/);
            // Choosing it works (the user is warned at pick time); solving refuses to load it, with the same advice.
            assert.equal(await vscode.commands.executeCommand<string | undefined>("elasticMath.chooseModel", {path: huge}), huge);
            const before = api.panelMessages.length;
            const loadsBefore = api.loadProgress.length;
            await api.solve({problem: "What is 1+1?", budget: {mode: "elastic", thinkTokens: 64, answerTokens: 64}, budgetLabel: "Quick"});
            const error = api.panelMessages.slice(before).find((m) => m.type === "error");
            assert.ok(error != null && error.type === "error", `an error in the panel: ${JSON.stringify(api.panelMessages.slice(before).map((m) => m.type))}`);
            assert.match(error.message, /does not fit: needs about/);
            assert.match(error.message, /It was not loaded/);
            assert.equal(api.loadProgress.slice(loadsBefore).filter((e) => e.modelPath === huge).length, 0, "no load was started");
            // The host keeps working: back to a fixture, Solve runs.
            const file = path.join(models, THINK_STOPS.file);
            assert.equal(await vscode.commands.executeCommand<string | undefined>("elasticMath.chooseModel", {path: file}), file);
            const result = await api.solve({problem: THINK_STOPS.problem, budget: {mode: "elastic", thinkTokens: 1024, answerTokens: 1024}});
            assert.equal(result?.solution, THINK_STOPS.fullSolution);
        } finally {
            fs.rmSync(dir, {recursive: true, force: true});
        }
    });
});
