// Solve Problem inside a real VS Code extension host, on the scripted fixture models (real llama.cpp).
import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as vscode from "vscode";
import type {ElasticMathApi} from "../../src/extension";
import type {ToPanelMessage} from "../../src/protocol/messages";
import {renderMarkdown} from "../../src/render";
import {ANSWER_FOREVER, THINK_FOREVER, THINK_LONGER, THINK_STOPS} from "../fixtures/scripted";
import {activateWith, setSetting} from "./settings";


suite("Solve Problem in the extension host", function () {
    this.timeout(120000);
    let api: ElasticMathApi;
    let models: string;

    const config = () => vscode.workspace.getConfiguration("elasticMath");
    async function useModel(file: string): Promise<void> {
        await setSetting("model.path", path.join(models, file));
        assert.equal(config().get("model.path"), path.join(models, file), "the model setting did not take");
    }
    function messagesFor(id: string): ToPanelMessage[] {
        return api.panelMessages.filter((m) => "id" in m && m.id === id);
    }
    function lastRequestId(): string {
        const request = [...api.panelMessages].reverse().find((m) => m.type === "request");
        assert.ok(request != null && request.type === "request", "no request was posted to the panel");
        return request.id;
    }
    /** The HTML the panel ends up with for one phase: committed blocks in order + the final pending tail. */
    function panelHtml(id: string, phase: "thinking" | "solution"): string {
        let committed = "";
        let pending = "";
        for (const m of messagesFor(id)) {
            if (m.type !== "render" || m.phase !== phase) continue;
            committed += m.chunk.committed.join("");
            pending = m.chunk.pending;
        }
        return committed + pending;
    }

    suiteSetup(async () => {
        // Tiny fixtures run fastest on one thread; a small context keeps the tests light.
        ({api, models} = await activateWith<ElasticMathApi>({"engine.threads": 1, "engine.contextSize": 4096}));
        await setSetting("sampling.seed", 7);
    });

    suiteTeardown(async () => {
        for (const key of ["model.path", "engine.threads", "engine.contextSize", "sampling.seed"])
            await setSetting(key, undefined);
    });

    test("every command is registered", async () => {
        const commands = await vscode.commands.getCommands(true);
        for (const id of ["elasticMath.solveProblem", "elasticMath.stop", "elasticMath.showPanel", "elasticMath.useModelFile", "elasticMath.chooseBudget"])
            assert.ok(commands.includes(id), `${id} is not registered`);
    });

    test("Solve Problem with the think-stops fixture fills the panel with the expected solution", async () => {
        await useModel(THINK_STOPS.file);
        const result = await vscode.commands.executeCommand<Awaited<ReturnType<ElasticMathApi["solve"]>>>("elasticMath.solveProblem", {
            problem: THINK_STOPS.problem, budget: {mode: "elastic", thinkTokens: 1024, answerTokens: 1024}, budgetLabel: "Balanced"
        });
        assert.ok(result != null, "the command returned no result");
        assert.equal(result.stop, "eog");
        assert.equal(result.thinkingCut, false);
        assert.equal(result.thinkingTokens, THINK_STOPS.naturalThinkingTokens);
        assert.equal(result.solutionTokens, THINK_STOPS.naturalSolutionTokens);
        assert.equal(result.answer, "4");
        assert.equal(result.solution.trim(), THINK_STOPS.fullSolution.trim());

        const id = lastRequestId();
        const types = messagesFor(id).map((m) => m.type);
        assert.ok(types.includes("started") && types.includes("render"), `panel got: ${types.join(",")}`);
        assert.equal(types[types.length - 1], "done");
        assert.ok(!types.includes("cut"), "no cut marker for a natural stop");
        // What the panel shows is exactly the one-shot render of the solution text.
        assert.equal(panelHtml(id, "solution"), renderMarkdown(result.solution).html);
        assert.match(panelHtml(id, "solution"), /class="katex/);
        assert.match(panelHtml(id, "solution"), /em-boxed/);
        const done = messagesFor(id).find((m) => m.type === "done");
        assert.ok(done?.type === "done" && done.answerHtml != null && /katex/.test(done.answerHtml));
        assert.equal(done.stats.thinkingTokens, THINK_STOPS.naturalThinkingTokens);
    });

    test("think-forever is cut at exactly t and the panel gets the cut marker", async () => {
        await useModel(THINK_FOREVER.file);
        const result = await api.solve({problem: THINK_FOREVER.problem, budget: {mode: "elastic", thinkTokens: 12, answerTokens: 256}});
        assert.ok(result != null);
        assert.equal(result.thinkingCut, true);
        assert.equal(result.thinkingTokens, 12);
        assert.equal(result.thinking, THINK_FOREVER.thinkingText(12));
        assert.equal(result.answer, "7");
        const id = lastRequestId();
        const cut = messagesFor(id).find((m) => m.type === "cut");
        assert.ok(cut?.type === "cut" && cut.thinkingTokens === 12, "the panel got no cut marker at 12 tokens");
    });

    test("think longer (elasticMath.tutor.minThinkingTokens) in Solve Problem: a marker where the close was suppressed and Wait appended", async () => {
        await useModel(THINK_LONGER.file);
        const budget = {mode: "elastic", thinkTokens: 60, answerTokens: 60};
        const plain = await api.solve({problem: THINK_LONGER.problem, budget});
        assert.equal(plain?.forcedAt, undefined, "off by default");
        assert.ok(!messagesFor(lastRequestId()).some((m) => m.type === "forced"));
        await setSetting("tutor.minThinkingTokens", 6);
        try {
            const result = await api.solve({problem: THINK_LONGER.problem, budget});
            assert.ok(result != null);
            assert.deepEqual(result.forcedAt, [4]);
            assert.equal(result.thinking, THINK_LONGER.spec.thinking.join("") + "Wait" + THINK_LONGER.spec.afterWait!.join(""));
            assert.equal(result.answer, "5");
            const msgs = messagesFor(lastRequestId());
            const at = msgs.findIndex((m) => m.type === "forced");
            assert.ok(at >= 0, "the panel got no think-longer marker");
            assert.deepEqual(msgs[at], {type: "forced", id: lastRequestId(), thinkingTokens: 4, count: 1});
            // Everything before the marker is committed thinking up to the suppressed close; "Wait" and what the
            // model goes on with render after it.
            const before = msgs.slice(0, at).filter((m) => m.type === "render" && m.phase === "thinking");
            const last = before[before.length - 1];
            assert.ok(last?.type === "render" && last.chunk.pending === "", "the thinking is committed at the marker");
            assert.match(before.map((m) => (m.type === "render" ? m.chunk.committed.join("") : "")).join("").replace(/<[^>]*>/g, ""), /five\.\s*$/);
            const after = msgs.slice(at + 1).filter((m) => m.type === "render" && m.phase === "thinking")
                .map((m) => (m.type === "render" ? m.chunk.committed.join("") + m.chunk.pending : "")).join("");
            assert.match(after.replace(/<[^>]*>/g, ""), /^\s*Wait, is that right\?/);
            assert.ok(!msgs.some((m) => m.type === "cut"), "no cut: the thinking closed within its budget");
        } finally {
            await setSetting("tutor.minThinkingTokens", undefined);
        }
    });

    test("a second request waits in the queue and does not interleave", async function () {
        this.timeout(300000);
        await useModel(ANSWER_FOREVER.file);
        await setSetting("engine.contextSize", 32768);
        try {
            const before = api.panelMessages.filter((m) => m.type === "request").length;
            // Long enough (about 10 s here, more under load; context 32768) that the second request, made once the first has
            // started, finds it still running: with 3,800 tokens (1.5 s) the first had ended before the second reached the
            // engine's queue in 1 of 3 full integration runs on a loaded machine (the second's preparation is asynchronous).
            const first = api.solve({problem: "first", budget: {mode: "elastic", thinkTokens: 64, answerTokens: 8000}});
            // The second request is made while the first runs (not while both are still being prepared: loading a newly
            // chosen model's format is asynchronous, and two requests made within milliseconds may reach the queue in
            // either order).
            const t0 = Date.now();
            while (!(api.panelMessages.filter((m) => m.type === "request").length > before
                && messagesFor(lastRequestId()).some((m) => m.type === "started"))) {
                if (Date.now() - t0 > 30000) assert.fail("the first request did not start");
                await new Promise((r) => setTimeout(r, 5));
            }
            const second = api.solve({problem: "second", budget: {mode: "elastic", thinkTokens: 64, answerTokens: 20}});
            const [a, b] = await Promise.all([first, second]);
            assert.ok(a != null && b != null);
            assert.equal(a.solutionTokens, 8000);
            assert.equal(b.solutionTokens, 20);
            const requests = api.panelMessages.filter((m) => m.type === "request").slice(-2);
            const [idA, idB] = requests.map((m) => (m as {id: string}).id);
            const queued = messagesFor(idB).find((m) => m.type === "status" && m.status === "queued");
            assert.ok(queued?.type === "status" && queued.position === 1, "the second request was not shown as queued behind one");
            // The first request's generation ends before the second one starts: every token of it was shown before the
            // second's "started". (Its "done", with the final answer rendered in the formula worker, may come after: the
            // model is free as soon as the first's last token is out.)
            const order = api.panelMessages.map((m) => ("id" in m ? `${m.id}:${m.type}` : m.type));
            const startB = order.indexOf(`${idB}:started`);
            assert.ok(startB >= 0 && order.includes(`${idA}:done`), "both requests started and the first finished");
            const firstBefore = api.panelMessages.slice(0, startB).filter((m) => m.type === "render" && m.id === idA);
            const tokensBefore = firstBefore.map((m) => (m.type === "render" ? m.solutionTokens : 0));
            assert.equal(Math.max(0, ...tokensBefore), 8000, "the second request started before the first had generated its last token");
        } finally {
            await setSetting("engine.contextSize", 4096);
        }
    });

    test("two requests made in the same moment run one after the other, in the order of their cards", async () => {
        await useModel(THINK_STOPS.file); // another model first, so the next one is chosen anew
        await useModel(ANSWER_FOREVER.file);
        const before = api.panelMessages.filter((m) => m.type === "request").length;
        const results = await Promise.all([
            api.solve({problem: "one", budget: {mode: "elastic", thinkTokens: 64, answerTokens: 300}}),
            api.solve({problem: "two", budget: {mode: "elastic", thinkTokens: 64, answerTokens: 300}})
        ]);
        assert.ok(results.every((r) => r?.solutionTokens === 300));
        const ids = api.panelMessages.filter((m) => m.type === "request").slice(before).map((m) => (m as {id: string}).id);
        assert.equal(ids.length, 2);
        const order = api.panelMessages.map((m) => ("id" in m ? `${m.id}:${m.type}` : m.type));
        const [cardFirst, cardSecond] = ids as [string, string];
        assert.ok(order.indexOf(`${cardFirst}:started`) >= 0 && order.indexOf(`${cardFirst}:done`) < order.indexOf(`${cardSecond}:started`),
            "the request whose card came second started first, or before the first was done");
    });

    test("Stop ends generation at once and keeps what was produced", async () => {
        await useModel(ANSWER_FOREVER.file);
        const before = api.panelMessages.filter((m) => m.type === "request").length;
        const running = api.solve({problem: ANSWER_FOREVER.problem, budget: {mode: "elastic", thinkTokens: 64, answerTokens: 3000}});
        const started = Date.now();
        const isNew = () => api.panelMessages.filter((m) => m.type === "request").length > before;
        while (!(isNew() && api.panelMessages.some((m) => m.type === "render" && m.phase === "solution" && m.id === lastRequestId()))) {
            if (Date.now() - started > 30000) assert.fail("no solution text arrived");
            await new Promise((r) => setTimeout(r, 10));
        }
        const t0 = Date.now();
        await vscode.commands.executeCommand("elasticMath.stop");
        const result = await running;
        const latency = Date.now() - t0;
        console.log(`      stop latency in the extension host: ${latency} ms`);
        assert.ok(result != null);
        assert.equal(result.stop, "abort");
        assert.ok(result.solutionTokens > 0 && result.solutionTokens < 3000);
        assert.ok(result.solution.startsWith(ANSWER_FOREVER.solutionText(3)), "the text produced before Stop was lost");
        const done = messagesFor(lastRequestId()).find((m) => m.type === "done");
        assert.ok(done?.type === "done" && done.record.status === "stopped");
    });

    test("a missing model file gives a clear error in the panel and the host keeps working", async () => {
        await setSetting("model.path", path.join(models, "does-not-exist.gguf"));
        const result = await api.solve({problem: "What is 1+1?", budget: {mode: "elastic", thinkTokens: 8, answerTokens: 8}});
        assert.equal(result, undefined);
        const error = messagesFor(lastRequestId()).find((m) => m.type === "error");
        assert.ok(error?.type === "error", "no error reached the panel");
        assert.match(error.message, /does-not-exist\.gguf/);
        assert.doesNotMatch(error.message, /\n\s+at /, "a stack trace reached the user");

        await useModel(THINK_STOPS.file);
        const again = await api.solve({problem: THINK_STOPS.problem, budget: {mode: "elastic", thinkTokens: 1024, answerTokens: 1024}});
        assert.equal(again?.answer, "4");
    });
});
