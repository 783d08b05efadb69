// The elasticMath.render.macros setting in a real extension host: a user macro reaches the host's renderer
// (problem, streamed solution and final answer all go through it), and a bad entry is dropped without
// breaking the request.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as vscode from "vscode";
import type {ElasticMathApi} from "../../src/extension";
import {THINK_STOPS} from "../fixtures/scripted";

const EXTENSION_ID = "elastic-math.elastic-math-tutor";

suite("Render settings in the extension host", function () {
    this.timeout(120000);
    let api: ElasticMathApi;
    const config = () => vscode.workspace.getConfiguration("elasticMath");

    suiteSetup(async () => {
        const ext = vscode.extensions.getExtension<ElasticMathApi>(EXTENSION_ID);
        assert.ok(ext, "extension not found");
        api = await ext.activate();
        await config().update("model.path", path.join(ext.extensionPath, "test", "fixtures", "models", THINK_STOPS.file), vscode.ConfigurationTarget.Global);
        await config().update("engine.threads", 1, vscode.ConfigurationTarget.Global);
        await config().update("engine.contextSize", 4096, vscode.ConfigurationTarget.Global);
    });

    suiteTeardown(async () => {
        for (const key of ["model.path", "engine.threads", "engine.contextSize", "render.macros"])
            await config().update(key, undefined, vscode.ConfigurationTarget.Global);
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

        await config().update("render.macros", {"\\two": "2", "bad name!": "x"}, vscode.ConfigurationTarget.Global);
        await solve(problem);
        const html = problemHtmlOfLastRequest();
        assert.doesNotMatch(html, /em-math-error/, "the user macro did not reach the renderer");
        assert.match(html, /<annotation encoding="application\/x-tex">\\two \+ \\two<\/annotation>/);
        assert.match(html, /mathbb/, "the built-in \\R still works beside user macros");
    });
});
