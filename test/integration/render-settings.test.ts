// The elasticMath.render.macros setting in a real extension host: a user macro reaches the host's renderer
// (problem, streamed solution and final answer all go through it), and a bad entry is dropped without
// breaking the request.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as vscode from "vscode";
import type {ElasticMathApi} from "../../src/extension";
import {renderMarkdown} from "../../src/render";
import {THINK_STOPS} from "../fixtures/scripted";
import {setSetting} from "./settings";

const EXTENSION_ID = "elastic-math.elastic-math-tutor";

suite("Render settings in the extension host", function () {
    this.timeout(120000);
    let api: ElasticMathApi;
    const config = () => vscode.workspace.getConfiguration("elasticMath");

    suiteSetup(async () => {
        const ext = vscode.extensions.getExtension<ElasticMathApi>(EXTENSION_ID);
        assert.ok(ext, "extension not found");
        api = await ext.activate();
        await setSetting("model.path", path.join(ext.extensionPath, "test", "fixtures", "models", THINK_STOPS.file));
        await setSetting("engine.threads", 1);
        await setSetting("engine.contextSize", 4096);
    });

    suiteTeardown(async () => {
        for (const key of ["model.path", "engine.threads", "engine.contextSize", "render.macros"])
            await setSetting(key, undefined);
    });

    function problemHtmlOfLastRequest(): string {
        const request = [...api.panelMessages].reverse().find((m) => m.type === "request");
        assert.ok(request != null && request.type === "request");
        return request.problemHtml;
    }

    async function solve(problem: string): Promise<void> {
        const result = await vscode.commands.executeCommand<Awaited<ReturnType<ElasticMathApi["solve"]>>>("elasticMath.solveProblem", {
            problem, budget: {mode: "elastic", thinkTokens: 1024, answerTokens: 1024}, budgetLabel: "Balanced"
        });
        assert.ok(result != null, "the command returned no result");
        assert.equal(result.answer, "4");
    }

    test("a user macro renders; without it the same formula is a marked error; a bad entry is ignored", async () => {
        // The scripted model ignores the problem text (its script depends on the prompt's last token only).
        const problem = "What is $\\two + \\two$ in $\\R$?";
        await solve(problem);
        assert.match(problemHtmlOfLastRequest(), /em-math-error/, "\\two is not defined yet");

        await setSetting("render.macros", {"\\two": "2", "bad name!": "x"});
        await solve(problem);
        const html = problemHtmlOfLastRequest();
        assert.doesNotMatch(html, /em-math-error/, "the user macro did not reach the renderer");
        assert.match(html, /<annotation encoding="application\/x-tex">\\two \+ \\two<\/annotation>/);
        assert.match(html, /mathbb/, "the built-in \\R still works beside user macros");
    });

    test("display formulas of a streamed answer render in the formula worker: pending source first, then the formula", async () => {
        // A macro name no run has used: the host's renderer for this options set starts with a cold formula cache.
        const letters = Date.now().toString(36).replace(/[0-9]/g, (d) => "abcdefghij"[Number(d)]!);
        await setSetting("render.macros", {[`\\offload${letters}`]: "x"});
        const jobsBefore = api.formulaWorker.jobs;
        const result = await vscode.commands.executeCommand<Awaited<ReturnType<ElasticMathApi["solve"]>>>("elasticMath.solveProblem", {
            problem: "What is 2+2?", budget: {mode: "elastic", thinkTokens: 1024, answerTokens: 1024}, budgetLabel: "Balanced"
        });
        assert.ok(result != null);
        const id = [...api.panelMessages].reverse().find((m) => m.type === "request")!.id;
        const renders = api.panelMessages.filter((m) => m.type === "render" && m.id === id && m.phase === "solution");
        const html = (m: (typeof renders)[number]) => (m.type === "render" ? m.chunk.committed.join("") + m.chunk.pending : "");
        // The update that closed "$$2 + 2 = 4$$" showed its source (the worker had not answered yet)...
        const waiting = renders.findIndex((m) => html(m).includes('<div class="em-display"><span class="em-pending-math">$$2 + 2 = 4$$</span></div>'));
        assert.ok(waiting >= 0, "no update showed the display formula as pending source");
        // ...and a later one the formula from the worker; the panel ends with exactly the one-shot render.
        assert.ok(renders.slice(waiting + 1).some((m) => /katex-display/.test(html(m))), "the formula never arrived");
        // It came from the worker thread (out/formulaWorker.js), not from the fallback on the host's thread.
        assert.ok(api.formulaWorker.jobs > jobsBefore, `the worker rendered nothing (${JSON.stringify(api.formulaWorker)})`);
        let committed = "";
        let pending = "";
        for (const m of renders) if (m.type === "render") {
            committed += m.chunk.committed.join("");
            pending = m.chunk.pending;
        }
        assert.equal(committed + pending, renderMarkdown(result.solution).html);
        const done = api.panelMessages.findIndex((m) => m.type === "done" && m.id === id);
        assert.ok(done > api.panelMessages.indexOf(renders[renders.length - 1]!), "a render came after done");
    });
});
