// The server backend inside a real VS Code extension host: a real llama.cpp llama-server (built by
// scripts/setup-llama-server.sh) with a scripted fixture model and an API key; the key goes through SecretStorage,
// Test Server Connection reports it, Solve Problem streams through it with exact budgets and the footer names it.
import * as assert from "node:assert/strict";
import {spawn, type ChildProcess} from "node:child_process";
import {existsSync} from "node:fs";
import {createServer} from "node:net";
import * as path from "node:path";
import * as vscode from "vscode";
import type {ElasticMathApi} from "../../src/extension";
import {THINK_FOREVER, THINK_STOPS} from "../fixtures/scripted";
import {setSetting} from "./settings";

const EXTENSION_ID = "elastic-math.elastic-math-tutor";

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = createServer();
        srv.once("error", reject);
        srv.listen(0, "127.0.0.1", () => { const p = (srv.address() as {port: number}).port; srv.close(() => resolve(p)); });
    });
}

suite("Server backend in the extension host (real llama-server)", function () {
    this.timeout(120000);
    let api: ElasticMathApi;
    let child: ChildProcess | undefined;
    let url = "";
    const KEY = "integration-test-key";
    const config = () => vscode.workspace.getConfiguration("elasticMath");

    suiteSetup(async () => {
        const ext = vscode.extensions.getExtension<ElasticMathApi>(EXTENSION_ID);
        assert.ok(ext, "extension not found");
        api = await ext.activate();
        const bin = path.join(ext.extensionPath, ".cache", "llama-server", "bin", "llama-server");
        assert.ok(existsSync(bin), `llama-server is not built (${bin}): run bash scripts/setup-llama-server.sh`);
        const port = await freePort();
        url = `http://127.0.0.1:${port}`;
        const model = path.join(ext.extensionPath, "test", "fixtures", "models", THINK_FOREVER.file);
        child = spawn(bin, ["-m", model, "--host", "127.0.0.1", "--port", String(port), "-t", "1", "-c", "4096", "-np", "1", "--no-webui",
            "--alias", "E1-Math-test", "--api-key", KEY], {stdio: "ignore"});
        const deadline = Date.now() + 60000;
        for (;;) {
            try { if ((await fetch(`${url}/health`)).ok) break; } catch { /* not yet */ }
            assert.ok(Date.now() < deadline && child.exitCode == null, "llama-server did not start");
            await new Promise((r) => setTimeout(r, 100));
        }
        await setSetting("backend", "server");
        await setSetting("server.url", url);
        await setSetting("server.model", "E1-Math-test");
        await setSetting("server.catalogModel", "e1-math-1.5b");
    });

    suiteTeardown(async () => {
        for (const key of ["backend", "server.url", "server.model", "server.catalogModel"])
            await setSetting(key, undefined);
        await api.server.setApiKey("");
        // Stop the server we started (by its pid), unless a test already killed it.
        if (child?.pid != null && child.exitCode == null && child.signalCode == null) process.kill(child.pid, "SIGTERM");
    });

    test("the commands are registered", async () => {
        const commands = await vscode.commands.getCommands(true);
        for (const id of ["elasticMath.setServerApiKey", "elasticMath.testServerConnection"]) assert.ok(commands.includes(id), id);
    });

    test("without the key the test says 401 and what to do; with the key it reports models, streaming, usage, cache", async () => {
        await api.server.setApiKey("");
        const bad = await api.server.test();
        assert.equal(bad.ok, false);
        assert.match(bad.report, /401/);
        assert.match(bad.report, /Set Server API Key/);
        await api.server.setApiKey(KEY);
        const settingsFile = JSON.stringify(config().inspect("server")?.globalValue ?? {});
        assert.ok(!settingsFile.includes(KEY), "the key is not in the settings");
        const good = await api.server.test();
        assert.equal(good.ok, true, good.report);
        assert.equal(good.api, "llama.cpp");
        assert.deepEqual(good.models, ["E1-Math-test"]);
        assert.equal(good.streaming, true);
        assert.equal(good.usage, true);
        assert.match(good.report, /budgets are exact/);
    });

    test("Solve Problem runs on the server: thinking cut at exactly t, the footer names the server", async () => {
        await api.server.setApiKey(KEY);
        const result = await vscode.commands.executeCommand<Awaited<ReturnType<ElasticMathApi["solve"]>>>("elasticMath.solveProblem", {
            problem: THINK_FOREVER.problem, budget: {mode: "elastic", thinkTokens: 12, answerTokens: 200}, budgetLabel: "Custom"
        });
        assert.ok(result != null);
        assert.equal(result.thinkingTokens, 12);
        assert.equal(result.thinkingCut, true);
        assert.equal(result.thinking, THINK_FOREVER.thinkingText(12));
        assert.equal(result.solution, THINK_FOREVER.fullSolution);
        assert.equal(result.answer, "7");
        const host = new URL(url).host;
        assert.match(result.device, new RegExp(`server ${host.replace(/\./g, "\\.")}`));
        const done = [...api.panelMessages].reverse().find((m) => m.type === "done");
        assert.ok(done != null && done.type === "done");
        assert.match(done.stats.device, /server 127\.0\.0\.1/);
        assert.match(done.stats.model, /E1-Math-test @ 127\.0\.0\.1/);
        const cut = api.panelMessages.find((m) => m.type === "cut" && m.id === done.id);
        assert.ok(cut != null, "the panel shows the cut");
    });

    test("a stopped server gives a clear error in the panel, not a hang", async () => {
        if (child?.pid != null) process.kill(child.pid, "SIGKILL");
        await new Promise((r) => setTimeout(r, 300));
        const result = await vscode.commands.executeCommand("elasticMath.solveProblem", {
            problem: THINK_STOPS.problem, budget: {mode: "elastic", thinkTokens: 5, answerTokens: 5}, budgetLabel: "Custom"
        });
        assert.equal(result, undefined, "the command reports the error itself");
        const err = [...api.panelMessages].reverse().find((m) => m.type === "error");
        assert.ok(err != null && err.type === "error");
        assert.match(err.message, /connection refused/);
    });
});
