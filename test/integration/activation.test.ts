// Issue 12, defect 7: the extension activates when the window is up (onStartupFinished), so its model/device status
// item is there before the first command, and activation does not load node-llama-cpp (loaded on the first request).
// The status item's text is checked in the real workbench by test/ui/start-window.test.ts.
// This file sorts first, so no other test has activated the extension or made a request before it.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as vscode from "vscode";
import type {ElasticMathApi} from "../../src/extension";
import {atTestStart, EXTENSION_ID, modulesFromNodeModules} from "./startupProbe";
import {setSetting} from "./settings";

suite("startup: activation without a command", function () {
    this.timeout(120000);

    test("the window's start-up activates the extension (no command run), without loading node-llama-cpp; activation time printed", async () => {
        const ext = vscode.extensions.getExtension<ElasticMathApi>(EXTENSION_ID)!;
        // Nobody activates it here: wait for the start-up to (onStartupFinished comes once the workbench has restored).
        for (const until = Date.now() + 30000; !ext.isActive && Date.now() < until;) await new Promise((r) => setTimeout(r, 50));
        assert.equal(ext.isActive, true, `the extension was not activated by the window's start-up (active when the tests started: ${atTestStart.active})`);
        assert.deepEqual(modulesFromNodeModules(), [], "activation loaded modules from node_modules (node-llama-cpp?)");
        const api = ext.exports;
        // Printed, not asserted (times are measured, not asserted): loading the bundle, then activate().
        console.log(`    activation: bundle loaded in ${api.activation.loadMs.toFixed(1)} ms, activate() took ${api.activation.activateMs.toFixed(1)} ms`);
        assert.ok(Number.isFinite(api.activation.loadMs) && Number.isFinite(api.activation.activateMs));
    });

    test("the probe sees node-llama-cpp once a request has loaded it (so the check above can fail)", async () => {
        const ext = vscode.extensions.getExtension<ElasticMathApi>(EXTENSION_ID)!;
        const api = await ext.activate();
        const model = path.join(ext.extensionPath, "test", "fixtures", "models", "think-stops.gguf");
        await setSetting("model.path", model);
        await setSetting("engine.threads", 1);
        await setSetting("engine.contextSize", 4096);
        try {
            const r = await api.solve({problem: "What is 2+2?", budget: {mode: "elastic", thinkTokens: 64, answerTokens: 64}, budgetLabel: "Custom"});
            assert.ok(r != null);
            assert.ok(modulesFromNodeModules().length > 0, "no module from node_modules after a solve: the probe cannot see node-llama-cpp");
        } finally {
            for (const key of ["model.path", "engine.threads", "engine.contextSize"]) await setSetting(key, undefined);
        }
    });
});
