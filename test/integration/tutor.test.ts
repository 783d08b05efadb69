// The Tutor panel's host side inside a real VS Code extension host, on scripted fixtures (real llama.cpp):
// Check My Answer right / wrong / cannot tell, a hint that never shows the answer, steps, the full solution,
// and a majority vote whose chart counts add up to k with both of the fixture's answers.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as vscode from "vscode";
import type {ElasticMathApi} from "../../src/extension";
import type {ToTutorMessage} from "../../src/protocol/tutor";
import {htmlText} from "../../src/webview/htmlPiece";
import {HINT_LEAKS, THINK_LONGER, VOTE_SPLIT} from "../fixtures/scripted";
import {activateWith, setSetting} from "./settings";


suite("Tutor panel in the extension host", function () {
    this.timeout(120000);
    let api: ElasticMathApi;
    let models: string;
    const config = () => vscode.workspace.getConfiguration("elasticMath");
    const budget = {mode: "elastic", thinkTokens: 64, answerTokens: 64};
    const last = <T extends ToTutorMessage["type"]>(type: T) =>
        [...api.tutorMessages].reverse().find((m) => m.type === type) as Extract<ToTutorMessage, {type: T}> | undefined;

    suiteSetup(async () => {
        ({api, models} = await activateWith<ElasticMathApi>({"engine.threads": 1, "engine.contextSize": 4096}));
        await setSetting("sampling.seed", 7);
        await setSetting("tutor.voteSamples", 10);
    });
    suiteTeardown(async () => {
        for (const key of ["model.path", "engine.threads", "engine.contextSize", "sampling.seed", "tutor.voteSamples"])
            await setSetting(key, undefined);
    });

    test("the Tutor command is registered", async () => {
        assert.ok((await vscode.commands.getCommands(true)).includes("elasticMath.tutor"));
    });

    test("check my answer, a masked hint, steps and the full solution", async () => {
        await setSetting("model.path", path.join(models, HINT_LEAKS.file));
        const r = await api.tutor({problem: HINT_LEAKS.problem, budget});
        assert.equal(r?.answer, "\\dfrac12");
        const ready = last("ready-to-tutor");
        assert.ok(ready && ready.hasAnswer && ready.steps >= 1);

        await api.tutorAction({type: "check", answer: "0.5"});
        assert.equal(last("check")?.verdict, "correct");
        await api.tutorAction({type: "check", answer: "1/3"});
        const wrong = last("check")!;
        assert.equal(wrong.verdict, "not-equivalent");
        assert.match(wrong.message, /hint/i);
        await api.tutorAction({type: "check", answer: "the graph of y=x"});
        assert.notEqual(last("check")?.verdict, "correct");
        await api.tutorAction({type: "check", answer: "   "});
        assert.equal(last("check")?.verdict, "empty");

        await api.tutorAction({type: "hint"});
        const hint = last("hint")!;
        assert.equal(hint.level, 1);
        assert.ok(hint.masked >= 4);
        assert.match(hint.html, /sharing a pizza/);
        for (const leak of ["0.5", "1/2"]) assert.ok(!hint.html.includes(leak), `${leak} in ${hint.html}`);
        assert.ok(!/<annotation[^>]*>[^<]*frac/.test(hint.html), "a fraction in the hint's math");
        // The scripted model only ever writes that hint: a second one is no new hint, and the panel says so.
        const hintsBefore = api.tutorMessages.filter((m) => m.type === "hint").length;
        await api.tutorAction({type: "hint"});
        assert.equal(api.tutorMessages.filter((m) => m.type === "hint").length, hintsBefore, "a repeated hint was shown as new");
        assert.match(last("status")!.text, /no new hint: it only repeated hint 1/);

        // The student's answer selected in an editor.
        const doc = await vscode.workspace.openTextDocument({content: "My answer: 2/4 done", language: "plaintext"});
        const editor = await vscode.window.showTextDocument(doc);
        editor.selection = new vscode.Selection(0, 11, 0, 14);
        assert.equal(await vscode.commands.executeCommand("elasticMath.checkSelectedAnswer"), true);
        assert.equal(last("check")?.verdict, "correct");
        await vscode.commands.executeCommand("workbench.action.revertAndCloseActiveEditor");

        await api.tutorAction({type: "step"});
        assert.equal(last("step")?.index, 0);
        await api.tutorAction({type: "showSolution"});
        assert.match(htmlText(last("solution")!.html), /katex/);
    });

    test("think longer from the setting: the tutor's solution says where the early close was replaced by Wait", async () => {
        await setSetting("model.path", path.join(models, THINK_LONGER.file));
        await setSetting("tutor.minThinkingTokens", 6);
        try {
            const r = await api.tutor({problem: THINK_LONGER.problem, budget});
            assert.deepEqual(r?.forcedAt, [4]);
            assert.match(r!.thinking, /five\.Wait, is that right\?/);
            assert.deepEqual(last("ready-to-tutor")?.forcedAt, [4]);
            await api.tutorAction({type: "check", answer: "5"});
            assert.equal(last("check")?.verdict, "correct");
        } finally {
            await setSetting("tutor.minThinkingTokens", undefined);
        }
    });

    test("an evaluation plot opens in an editor tab; a missing one gives a clear message", async () => {
        const fs = await import("node:fs");
        const os = await import("node:os");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "emt-plot-"));
        const {accuracyPlotSvg} = await import("../../src/core/eval/plot");
        fs.writeFileSync(path.join(dir, "accuracy-vs-tokens.svg"), accuracyPlotSvg([{name: "m", points: [{x: 100, y: 50, label: "5+50"}]}], {title: "t"}));
        assert.equal(await vscode.commands.executeCommand("elasticMath.openEvalPlot", vscode.Uri.file(dir)), true);
        const tab = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.label === "accuracy-vs-tokens.svg");
        assert.ok(tab, "no tab for the plot");
        assert.equal(await vscode.commands.executeCommand("elasticMath.openEvalPlot", vscode.Uri.file(path.join(dir, "nope"))), false);
        await vscode.commands.executeCommand("workbench.action.closeAllEditors");
        fs.rmSync(dir, {recursive: true, force: true});
    });

    test("majority vote on a model whose answer depends on the seed: the chart's counts", async () => {
        await setSetting("model.path", path.join(models, VOTE_SPLIT.file));
        await api.tutor({problem: VOTE_SPLIT.problem, budget});
        const before = api.tutorMessages.length;
        // Without k the panel asks with a quick pick whose selected item is the setting (10): accept it as a user would.
        let settled = false;
        const acting = api.tutorAction({type: "vote"}).finally(() => { settled = true; });
        for (let i = 0; i < 200 && !settled && !api.tutorMessages.slice(before).some((m) => m.type === "vote"); i++) {
            await new Promise((r) => setTimeout(r, 100));
            await vscode.commands.executeCommand("workbench.action.acceptSelectedQuickOpenItem");
        }
        await acting;
        const votes = api.tutorMessages.slice(before).filter((m): m is Extract<ToTutorMessage, {type: "vote"}> => m.type === "vote");
        assert.ok(votes.length > 0, "the pick's default (the setting, 10) starts the vote");
        assert.equal(votes[0]!.done, 0);
        assert.match(votes[0]!.plan ?? "", /^10 samples in parallel \(one context, 10 sequences/, "the plan is shown before the first sample");
        assert.deepEqual(votes.filter((v) => !v.final && v.done > 0).map((v) => v.done), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "progress after each sample");
        const final = votes[votes.length - 1]!;
        assert.equal(final.final, true);
        assert.equal(final.buckets.reduce((a, b) => a + b.count, 0), 10);
        assert.equal(final.buckets.length, 2, "seeds 7..16 give both endings");
        assert.ok(final.buckets[0]!.count >= final.buckets[1]!.count);
        assert.equal(final.share, final.buckets[0]!.count / 10);
        assert.ok(final.agreedHtml != null && /1[23]/.test(final.agreedHtml));

        // k given (as the pick's 4 / 16 / Custom give it): the chart counts k samples; a bad k says so and runs nothing.
        const before4 = api.tutorMessages.length;
        await api.tutorAction({type: "vote", k: 4});
        const final4 = api.tutorMessages.slice(before4).filter((m): m is Extract<ToTutorMessage, {type: "vote"}> => m.type === "vote" && m.final);
        assert.equal(final4.length, 1);
        assert.equal(final4[0]!.k, 4);
        assert.equal(final4[0]!.buckets.reduce((a, b) => a + b.count, 0), 4);
        const beforeBad = api.tutorMessages.length;
        await api.tutorAction({type: "vote", k: 0});
        assert.ok(!api.tutorMessages.slice(beforeBad).some((m) => m.type === "vote"));
        assert.match(last("status")?.text ?? "", /1 to 64 samples/);
    });
});
