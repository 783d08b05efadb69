// Issue 12, defect 5, in the real extension host: one owner of "use this model" (ModelManager, reached as `api.models`).
// Use a GGUF File clears an old catalog mapping of the path and warns (and logs) when the model does not fit; Tutor Me
// with no model goes through the first-run offer; Tutor Me on a model without thinking gets the answer-only budget.
// Dialogs: the file is given to Use a GGUF File as the Explorer's context menu gives it (a Uri argument); the first-run
// notification is closed with `notifications.clearAll`, as a user closes it; what was offered is read from the
// extension's log file (what a user would send).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import type {ElasticMathApi} from "../../src/extension";
import type {ToTutorMessage} from "../../src/protocol/tutor";
import {writeHugeSparseModel} from "../fixtures/huge";
import {CHATML_ANSWER, THINK_STOPS} from "../fixtures/scripted";
import {logText, waitForLog} from "./logs";
import {activateWith, setSetting} from "./settings";

const LOG = "Elastic Math";

suite("Use this model: one owner (Use a GGUF File, Tutor Me)", function () {
    this.timeout(180000);
    let api: ElasticMathApi;
    let models: string;
    const config = () => vscode.workspace.getConfiguration("elasticMath");
    const lastProblem = (after: number) => [...api.tutorMessages.slice(after)].reverse()
        .find((m): m is Extract<ToTutorMessage, {type: "problem"}> => m.type === "problem");

    suiteSetup(async () => {
        ({api, models} = await activateWith<ElasticMathApi>({"engine.threads": 1, "engine.contextSize": 4096}));
    });
    suiteTeardown(async () => {
        await vscode.commands.executeCommand("notifications.clearAll");
        for (const key of ["model.path", "engine.threads", "engine.contextSize", "budget.askEveryTime"]) await setSetting(key, undefined);
    });

    test("Use a GGUF File on a path with an old catalog mapping: the mapping is cleared, and a model that does not fit is warned about (and logged)", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "emt-use-"));
        const file = path.join(dir, "model.gguf");
        const twin = path.join(dir, "twin.gguf"); // the same file at a path no catalog entry ever mapped
        try {
            // A catalog download left this path mapped to its entry (E1's R1-distill format)...
            fs.copyFileSync(path.join(models, CHATML_ANSWER.file), file);
            const e1 = (await api.models.catalog()).models.find((m) => m.id === "e1-math-1.5b");
            assert.ok(e1 != null, "the catalog has e1-math-1.5b");
            assert.equal(await api.models.useFile(file, e1), file);
            assert.equal((await api.models.formatFor(file))?.id, "deepseek-r1-distill", "the path is mapped to the catalog entry (the file itself is ChatML)");
            // ...then another model (one far larger than this machine, a base model without a chat template) was put at the
            // same path, and chosen with Use a GGUF File.
            writeHugeSparseModel(file);
            writeHugeSparseModel(twin);
            const chosen = await vscode.commands.executeCommand<string | undefined>("elasticMath.useModelFile", vscode.Uri.file(file));
            assert.equal(chosen, file);
            assert.equal(config().get("model.path"), file);
            assert.equal((await api.models.formatFor(file))?.id, (await api.models.formatFor(twin))?.id,
                "the old catalog mapping is gone: the prompt format is the file's own, as for an unmapped twin");
            assert.notEqual((await api.models.formatFor(file))?.id, "deepseek-r1-distill");
            const warning = `${file} is in use but will not be loaded: model.gguf does not fit`;
            const text = await waitForLog(LOG, (t) => t.includes(warning));
            assert.ok(text.includes(warning), `the fit warning is logged (as shown): "${warning}" not in the log:\n${text.split("\n").slice(-8).join("\n")}`);
        } finally {
            await vscode.commands.executeCommand("notifications.clearAll");
            fs.rmSync(dir, {recursive: true, force: true});
        }
    });

    test("Tutor Me with no model goes through the first-run offer (download the recommended model or choose a file); closing it starts nothing", async () => {
        await setSetting("model.path", "");
        const before = api.tutorMessages.length;
        const logBefore = logText(LOG).length;
        let settled = false;
        const tutoring = Promise.resolve(vscode.commands.executeCommand<unknown>("elasticMath.tutor", {problem: THINK_STOPS.problem, budget: {mode: "elastic", thinkTokens: 64, answerTokens: 64}}))
            .finally(() => { settled = true; });
        const offered = "no model is configured: the first-run offer is shown (Download E1-Math-1.5B (about 1.1 GB) / Choose a GGUF file...)";
        const text = await waitForLog(LOG, (t) => t.slice(logBefore).includes(offered));
        // The user closes the notification (also when the offer never came: the old message then goes away too).
        for (const until = Date.now() + 20000; !settled && Date.now() < until;) {
            await vscode.commands.executeCommand("notifications.clearAll");
            await new Promise((r) => setTimeout(r, 200));
        }
        assert.ok(text.slice(logBefore).includes(offered), `Tutor Me did not show the first-run offer; the log says:\n${text.slice(logBefore).split("\n").slice(-8).join("\n")}`);
        assert.equal(await tutoring, undefined, "nothing is tutored without a model");
        assert.ok(!api.tutorMessages.slice(before).some((m) => m.type === "problem"), "the Tutor did not start");
        const after = await waitForLog(LOG, (t) => t.slice(logBefore).includes("the first-run offer was dismissed"));
        assert.ok(after.slice(logBefore).includes("the first-run offer was dismissed"));
    });

    test("Tutor Me on a ChatML model (no thinking phase) uses the answer-only budget, given or default; a thinking model does not", async () => {
        await setSetting("model.path", path.join(models, CHATML_ANSWER.file));
        const before = api.tutorMessages.length;
        const r = await vscode.commands.executeCommand<Awaited<ReturnType<ElasticMathApi["tutor"]>>>("elasticMath.tutor",
            {problem: CHATML_ANSWER.problem, budget: {mode: "elastic", thinkTokens: 1024, answerTokens: 1024}, budgetLabel: "Balanced"});
        assert.equal(r?.answer, "42");
        assert.equal(r?.thinkingTokens, 0);
        const given = lastProblem(before)?.budget;
        assert.deepEqual(given, {mode: "elastic", thinkTokens: 1024, answerTokens: 1024, label: "Balanced", answerOnly: true});

        // The default budget, without asking (the pick's non-interactive path).
        await setSetting("budget.askEveryTime", false);
        const before2 = api.tutorMessages.length;
        const r2 = await vscode.commands.executeCommand<Awaited<ReturnType<ElasticMathApi["tutor"]>>>("elasticMath.tutor", {problem: CHATML_ANSWER.problem});
        assert.equal(r2?.answer, "42");
        const byDefault = lastProblem(before2)?.budget;
        assert.ok(byDefault?.mode === "elastic" && byDefault.answerOnly === true, `the default budget is answer-only: ${JSON.stringify(byDefault)}`);

        // A model that thinks keeps both budgets (so the check above can fail).
        await setSetting("model.path", path.join(models, THINK_STOPS.file));
        const before3 = api.tutorMessages.length;
        await vscode.commands.executeCommand("elasticMath.tutor", {problem: THINK_STOPS.problem, budget: {mode: "elastic", thinkTokens: 64, answerTokens: 64}, budgetLabel: "Custom"});
        assert.deepEqual(lastProblem(before3)?.budget, {mode: "elastic", thinkTokens: 64, answerTokens: 64, label: "Custom"});
    });
});
