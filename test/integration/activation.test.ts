// Issue 12, defect 7: the extension activates when the window is up (onStartupFinished), so its model/device status
// item is there before the first command; activation loads only the small entry bundle (out/extension.js): neither the
// main part (out/main.js, which holds KaTeX, markdown-it, the grader and the panels) nor node-llama-cpp. Both load on
// first use. The activation time is printed (times are measured, not asserted). The status item's text is checked in the
// real workbench by test/ui/start-window.test.ts. This file sorts first, so no other test has activated the extension,
// used its API or made a request before it.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as vscode from "vscode";
import type {ElasticMathApi} from "../../src/extension";
import {atTestStart, EXTENSION_ID, mainBundleLoaded, modulesFromNodeModules} from "./startupProbe";
import {setSetting} from "./settings";

suite("startup: activation without a command", function () {
    this.timeout(120000);

    test("the window's start-up activates the extension (no command run): the status item is shown; the main part and node-llama-cpp are not loaded; activation time printed", async () => {
        const ext = vscode.extensions.getExtension<ElasticMathApi>(EXTENSION_ID)!;
        // Nobody activates it here: wait for the start-up to (onStartupFinished comes once the workbench has restored).
        for (const until = Date.now() + 30000; !ext.isActive && Date.now() < until;) await new Promise((r) => setTimeout(r, 50));
        assert.equal(ext.isActive, true, `the extension was not activated by the window's start-up (active when the tests started: ${atTestStart.active})`);
        const api = ext.exports;
        // Printed first, not asserted: loading the entry bundle (from its first line), then activate().
        const {loadMs, activateMs} = api.activation;
        console.log(`    activation: ${(loadMs + activateMs).toFixed(1)} ms (entry bundle loaded in ${loadMs.toFixed(1)} ms, activate() took ${activateMs.toFixed(1)} ms)`);
        assert.ok(Number.isFinite(loadMs) && Number.isFinite(activateMs));
        // Only light parts of the API are read here (the others load the main part, as a command would).
        const item = api.statusBar;
        assert.equal(item?.shown, true, "the model/device status item is shown at activation");
        assert.match(item.text, /Elastic Math: no model|\$\(symbol-numeric\) \S/, `the status item names the model: ${item.text}`);
        assert.ok(item.command === "elasticMath.chooseModel" || item.command === "elasticMath.testServerConnection", `its click: ${item.command}`);
        assert.equal(api.activation.mainLoaded, false, `activation loaded the main part (for ${api.activation.mainLoadedFor})`);
        assert.equal(mainBundleLoaded(), false, "out/main.js (KaTeX, markdown-it, the panels) is in require.cache after activation");
        assert.deepEqual(modulesFromNodeModules(), [], "activation loaded modules from node_modules (node-llama-cpp?)");
    });

    test("the probes see the main part and node-llama-cpp once a request has loaded them (so the checks above can fail)", async () => {
        const ext = vscode.extensions.getExtension<ElasticMathApi>(EXTENSION_ID)!;
        const api = await ext.activate();
        const model = path.join(ext.extensionPath, "test", "fixtures", "models", "think-stops.gguf");
        await setSetting("model.path", model);
        await setSetting("engine.threads", 1);
        await setSetting("engine.contextSize", 4096);
        try {
            const r = await vscode.commands.executeCommand<Awaited<ReturnType<ElasticMathApi["solve"]>>>("elasticMath.solveProblem",
                {problem: "What is 2+2?", budget: {mode: "elastic", thinkTokens: 64, answerTokens: 64}, budgetLabel: "Custom"});
            assert.ok(r != null);
            assert.equal(api.activation.mainLoaded, true);
            assert.equal(api.activation.mainLoadedFor, "command elasticMath.solveProblem");
            assert.equal(mainBundleLoaded(), true, "out/main.js is not in require.cache after a command: the probe cannot see it");
            assert.ok(modulesFromNodeModules().length > 0, "no module from node_modules after a solve: the probe cannot see node-llama-cpp");
            assert.match(api.statusBar.text, /think-stops \(scripted test model\) · /, `the device is added after the first request: ${api.statusBar.text}`);
            console.log(`    main part loaded on first use in ${api.activation.mainLoadMs?.toFixed(1)} ms (${api.activation.mainLoadedFor})`);
        } finally {
            for (const key of ["model.path", "engine.threads", "engine.contextSize"]) await setSetting(key, undefined);
        }
    });
});
