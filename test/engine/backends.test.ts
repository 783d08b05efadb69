/**
 * One table of Elastic Reasoning cases, run on every backend: the local node-llama-cpp engine, and a real llama.cpp
 * `llama-server` (built from the llama.cpp source node-llama-cpp ships, scripts/setup-llama-server.sh) spoken to in
 * its own dialect (/completion) and in the OpenAI dialect (/v1/completions, what vLLM and Ollama serve).
 * Then the server-only failures: a killed server mid-answer, a wrong API key, a refused connection, a wrong path.
 *
 * If the llama-server binary is missing this file FAILS (it does not skip): run scripts/setup-llama-server.sh.
 */
import assert from "node:assert/strict";
import {after, before, describe, test} from "node:test";
import {Conversation} from "../../src/core/conversation";
import {ElasticEngine, EngineError} from "../../src/core/engine";
import type {BudgetSpec, SolveResult} from "../../src/core/types";
import {ANSWER_FOREVER, THINK_FOREVER, THINK_LONGER, THINK_STOPS, type FixtureScript} from "../fixtures/scripted";
import {freePort, startLlamaServer, type RunningServer} from "./llamaServer";
import {engineFor, fixtures, recorder} from "./setup";

const elastic = (thinkTokens: number, answerTokens: number): BudgetSpec => ({mode: "elastic", thinkTokens, answerTokens});
const SCRIPTS = [THINK_STOPS, THINK_FOREVER, ANSWER_FOREVER, THINK_LONGER];

interface Backend {
    readonly name: string;
    engine(script: FixtureScript): ElasticEngine;
}

const servers = new Map<string, RunningServer>();
const engines: ElasticEngine[] = [];
const track = (e: ElasticEngine) => { engines.push(e); return e; };

before(async () => {
    // One llama-server per fixture model (each serves one model), started in parallel.
    await Promise.all(SCRIPTS.map(async (s) => { servers.set(s.name, await startLlamaServer(fixtures[s.name]!, {contextSize: 8192, alias: s.name})); }));
});
after(async () => {
    await Promise.all(engines.map((e) => e.dispose()));
    await Promise.all([...servers.values()].map((s) => s.stop()));
});

const localEngines = new Map<string, ElasticEngine>();
const serverEngines = new Map<string, ElasticEngine>();
const BACKENDS: Backend[] = [
    {name: "local (node-llama-cpp)", engine: (s) => {
        let e = localEngines.get(s.name);
        if (e == null) { e = track(engineFor(s.name, {contextSize: 8192})); localEngines.set(s.name, e); }
        return e;
    }},
    ...(["llama.cpp", "openai"] as const).map((dialect): Backend => ({
        name: `server (llama-server, ${dialect === "llama.cpp" ? "/completion" : "/v1/completions"})`,
        engine: (s) => {
            const key = `${dialect}:${s.name}`;
            let e = serverEngines.get(key);
            if (e == null) {
                e = track(new ElasticEngine({modelPath: "", server: {url: servers.get(s.name)!.url, model: s.name, dialect}}));
                serverEngines.set(key, e);
            }
            return e;
        }
    }))
];

/** The table: each case runs on each backend and checks exact budgets and texts against the fixture's script. */
const CASES: {name: string; run(b: Backend): Promise<void>}[] = [
    {name: "a natural stop: thinking closes by itself, the solution ends by itself", async run(b) {
        for (const sampling of [{temperature: 0}, {temperature: 0.6, topP: 0.95, seed: 3}]) {
            const rec = recorder();
            const r = await b.engine(THINK_STOPS).solve({problem: THINK_STOPS.problem, budget: elastic(200, 200), sampling, onEvent: rec.onEvent});
            assert.equal(r.thinking, THINK_STOPS.thinkingText());
            assert.equal(r.solution, THINK_STOPS.fullSolution);
            assert.equal(r.thinkingTokens, THINK_STOPS.naturalThinkingTokens);
            assert.equal(r.solutionTokens, THINK_STOPS.naturalSolutionTokens);
            assert.equal(r.thinkingCut, false);
            assert.equal(r.stop, "eog");
            assert.equal(r.answer, "4");
            assert.equal(rec.text("thinking"), r.thinking, "streamed thinking = result");
            assert.equal(rec.text("solution"), r.solution, "streamed solution = result");
            assert.ok(!rec.types().includes("cut"));
        }
    }},
    {name: "the thinking is cut at exactly t, then the solution follows the cut", async run(b) {
        for (const t of [1, 5, 6, 7, 40]) {
            const rec = recorder();
            const r = await b.engine(THINK_FOREVER).solve({problem: THINK_FOREVER.problem, budget: elastic(t, 100), sampling: {seed: t}, onEvent: rec.onEvent});
            assert.equal(r.thinkingTokens, t, `t=${t}`);
            assert.equal(r.thinking, THINK_FOREVER.thinkingText(t));
            assert.equal(r.thinkingCut, true);
            assert.deepEqual(rec.events.filter((e) => e.type === "cut"), [{type: "cut", thinkingTokens: t}]);
            assert.equal(r.solution, THINK_FOREVER.fullSolution);
            assert.equal(r.solutionTokens, THINK_FOREVER.naturalSolutionTokens);
            assert.equal(r.stop, "eog");
            assert.equal(r.answer, "7");
            assert.equal(rec.text("solution"), r.solution);
        }
    }},
    {name: "a budget equal to the natural thinking closes naturally; one less cuts", async run(b) {
        const n = THINK_STOPS.naturalThinkingTokens!;
        const exact = await b.engine(THINK_STOPS).solve({problem: THINK_STOPS.problem, budget: elastic(n, 100)});
        assert.equal(exact.thinkingCut, false);
        assert.equal(exact.thinkingTokens, n);
        const less = await b.engine(THINK_STOPS).solve({problem: THINK_STOPS.problem, budget: elastic(n - 1, 100)});
        assert.equal(less.thinkingCut, true);
        assert.equal(less.thinkingTokens, n - 1);
    }},
    {name: "the solution stops at exactly s", async run(b) {
        for (const s of [1, 2, 7, 30]) {
            const rec = recorder();
            const r = await b.engine(ANSWER_FOREVER).solve({problem: ANSWER_FOREVER.problem, budget: elastic(100, s), onEvent: rec.onEvent});
            assert.equal(r.thinkingCut, false);
            assert.equal(r.thinking, ANSWER_FOREVER.thinkingText());
            assert.equal(r.solutionTokens, s, `s=${s}`);
            assert.equal(r.solution, ANSWER_FOREVER.solutionText(s));
            assert.equal(r.stop, "budget");
            assert.equal(rec.text("solution"), r.solution);
        }
    }},
    {name: "unconstrained: one phase split at the close, maxTokens exact", async run(b) {
        const r = await b.engine(THINK_STOPS).solve({problem: THINK_STOPS.problem, budget: {mode: "unconstrained", maxTokens: 1000}});
        assert.equal(r.thinking, THINK_STOPS.thinkingText());
        assert.equal(r.solution, THINK_STOPS.fullSolution);
        assert.equal(r.stop, "eog");
        const capped = await b.engine(ANSWER_FOREVER).solve({problem: ANSWER_FOREVER.problem, budget: {mode: "unconstrained", maxTokens: 20}});
        assert.equal(capped.thinkingTokens + capped.solutionTokens, 20);
        assert.equal(capped.stop, "budget");
    }},
    {name: "think longer: the early close is dropped and Wait appended, same text", async run(b) {
        const r = await b.engine(THINK_LONGER).solve({problem: THINK_LONGER.problem, budget: elastic(100, 100), sampling: {seed: 1}, minThinkingTokens: 6});
        assert.equal(r.thinking, THINK_LONGER.spec.thinking.join("") + "Wait" + THINK_LONGER.spec.afterWait!.join(""));
        assert.deepEqual(r.forcedAt, [THINK_LONGER.spec.thinking.length]);
        assert.equal(r.answer, "5");
    }},
    {name: "cancel mid-answer resolves at once with the text so far; the backend is free again", async run(b) {
        const controller = new AbortController();
        let abortedAt = 0;
        const r = await b.engine(ANSWER_FOREVER).solve({problem: ANSWER_FOREVER.problem, budget: elastic(100, 6000), signal: controller.signal,
            onEvent: (e) => { if (e.type === "delta" && e.phase === "solution" && abortedAt === 0) { abortedAt = performance.now(); controller.abort(); } }});
        const ms = performance.now() - abortedAt;
        assert.equal(r.stop, "abort");
        assert.ok(r.solutionTokens < 6000, `stopped early (${r.solutionTokens} tokens)`);
        assert.ok(ANSWER_FOREVER.solutionText(6000).startsWith(r.solution), "the text so far is a prefix of the script");
        assert.ok(ms < 1000, `resolved ${ms.toFixed(0)} ms after the abort`);
        await b.engine(ANSWER_FOREVER).whenIdle();
        const next = await b.engine(ANSWER_FOREVER).solve({problem: ANSWER_FOREVER.problem, budget: elastic(100, 3)});
        assert.equal(next.solutionTokens, 3);
    }}
];

for (const c of CASES) {
    describe(c.name, () => {
        for (const b of BACKENDS) test(b.name, async () => { await c.run(b); });
    });
}

test("the server streams exactly what the local backend produces (texts, counts, events), budgets from the table", async () => {
    const budgets = [elastic(3, 4), elastic(40, 100), elastic(200, 5), elastic(0, 10)];
    for (const script of [THINK_STOPS, THINK_FOREVER, ANSWER_FOREVER]) {
        for (const budget of budgets) {
            const runs: {r: SolveResult; stream: string[]}[] = [];
            for (const b of BACKENDS) {
                const rec = recorder();
                const r = await b.engine(script).solve({problem: script.problem, budget, sampling: {seed: 9}, onEvent: rec.onEvent});
                runs.push({r, stream: [rec.text("thinking"), rec.text("solution"), rec.types().filter((t) => t === "cut" || t === "phase").join(",")]});
            }
            const view = ({r, stream}: {r: SolveResult; stream: string[]}) =>
                ({thinking: r.thinking, solution: r.solution, t: r.thinkingTokens, s: r.solutionTokens, cut: r.thinkingCut, stop: r.stop, stream});
            const label = `${script.name} ${JSON.stringify(budget)}`;
            assert.deepEqual(view(runs[1]!), view(runs[0]!), `llama.cpp dialect = local: ${label}`);
            assert.deepEqual(view(runs[2]!), view(runs[0]!), `OpenAI dialect = local: ${label}`);
        }
    }
});

test("majority vote (solveMany) on the server: k samples, each with exact budgets, same as local", async () => {
    const views = [];
    for (const b of BACKENDS) {
        const r = await b.engine(THINK_FOREVER).solveMany({problem: THINK_FOREVER.problem, budget: elastic(5, 100), samplings: [{seed: 1}, {seed: 2}, {seed: 3}], parallel: false});
        assert.equal(r.results.length, 3);
        views.push(r.results.map((x) => [x!.thinkingTokens, x!.thinkingCut, x!.solution, x!.answer]));
    }
    assert.deepEqual(views[0], [[5, true, THINK_FOREVER.fullSolution, "7"], [5, true, THINK_FOREVER.fullSolution, "7"], [5, true, THINK_FOREVER.fullSolution, "7"]]);
    assert.deepEqual(views[1], views[0]);
    assert.deepEqual(views[2], views[0]);
});

test("the prompt counts agree, and phase 2 reuses the server's prompt cache (only the new tail is evaluated)", async () => {
    const local = await BACKENDS[0]!.engine(THINK_FOREVER).solve({problem: THINK_FOREVER.problem, budget: elastic(40, 20)});
    const engine = BACKENDS[1]!.engine(THINK_FOREVER);
    const r = await engine.solve({problem: THINK_FOREVER.problem, budget: elastic(40, 20)});
    assert.equal(r.promptTokens, local.promptTokens, "the server tokenizes the prompt as the local model does");
    const steps = engine.lastServerSteps!;
    assert.equal(steps.length, 2);
    assert.ok(steps[0]!.exactIds, "phase 1's sampled ids came back: phase 2's prompt re-tokenizes nothing");
    console.log(`server steps: ${JSON.stringify(steps)}`);
    // Phase 2's prompt = prompt + thinking + cut; the cache holds prompt + thinking (the last sampled token at least).
    assert.equal(steps[1]!.promptTokens, local.promptTokens + 40 + 1, "phase 2 prompt = prompt + t + the cut");
    assert.ok(steps[1]!.cachedPromptTokens != null && steps[1]!.cachedPromptTokens >= local.promptTokens + 39,
        `phase 2 served ${steps[1]!.cachedPromptTokens} prompt tokens from the cache`);
});

test("a conversation (chat follow-ups) on the server: same turns and prompt sizes as local", async () => {
    const runs = [];
    for (const b of BACKENDS) {
        const conversation = new Conversation();
        const first = await conversation.ask(b.engine(THINK_STOPS), {message: THINK_STOPS.problem, budget: elastic(200, 200), sampling: {seed: 1}});
        const second = await conversation.ask(b.engine(THINK_STOPS), {message: "Why is that?", budget: elastic(10, 200), sampling: {seed: 2}});
        runs.push({b: b.name, first: [first.result.thinking, first.result.solution, first.result.thinkingTokens, first.result.solutionTokens],
            second: [second.result.thinking, second.result.solution, second.result.thinkingTokens, second.result.solutionTokens, second.result.thinkingCut],
            prompts: [first.result.promptTokens, second.result.promptTokens]});
    }
    assert.deepEqual(runs[1]!.first, runs[0]!.first);
    assert.deepEqual(runs[1]!.second, runs[0]!.second);
    assert.deepEqual(runs[1]!.prompts, runs[0]!.prompts, "llama.cpp: the conversation prompt has exactly the local token count");
    assert.deepEqual(runs[2]!.first, runs[0]!.first);
    assert.deepEqual(runs[2]!.second, runs[0]!.second);
});

describe("server failures", () => {
    test("a killed server mid-answer: the text that arrived is kept and the result says so", async () => {
        const server = await startLlamaServer(fixtures[ANSWER_FOREVER.name]!, {contextSize: 8192});
        const engine = track(new ElasticEngine({modelPath: "", server: {url: server.url}}));
        let killed = false;
        const r = await engine.solve({problem: ANSWER_FOREVER.problem, budget: elastic(100, 7000), onEvent: (e) => {
            if (!killed && e.type === "delta" && e.phase === "solution") { killed = true; process.kill(server.pid, "SIGKILL"); }
        }});
        await server.stop();
        assert.ok(killed);
        assert.match(r.interrupted ?? "", /broke mid-answer|closed the stream/);
        assert.match(r.interrupted ?? "", /kept/);
        assert.equal(r.stop, "abort");
        assert.equal(r.thinking, ANSWER_FOREVER.thinkingText());
        assert.ok(r.solution.length > 0, "what arrived is kept");
        assert.ok(ANSWER_FOREVER.solutionText(7000).startsWith(r.solution));
        // And the next request gets a clear message, not a hang.
        await assert.rejects(engine.solve({problem: ANSWER_FOREVER.problem, budget: elastic(5, 5)}),
            (err: unknown) => err instanceof EngineError && err.code === "server-failed" && /connection refused/.test(err.message));
    });

    test("a wrong API key gives a clear 401 message; the right one works", async () => {
        const server = await startLlamaServer(fixtures[THINK_STOPS.name]!, {apiKey: "the-right-key"});
        try {
            for (const dialect of ["llama.cpp", "openai", "auto"] as const) {
                for (const apiKey of [undefined, "a-wrong-key"]) {
                    const wrong = track(new ElasticEngine({modelPath: "", server: {url: server.url, apiKey, dialect}}));
                    await assert.rejects(wrong.solve({problem: THINK_STOPS.problem, budget: elastic(10, 10)}), (err: unknown) => {
                        assert.ok(err instanceof EngineError && err.code === "server-failed", String(err));
                        assert.match(err.message, /refused the API key \(401 Unauthorized\)/);
                        assert.match(err.message, /Set Server API Key/);
                        return true;
                    });
                }
            }
            const right = track(new ElasticEngine({modelPath: "", server: {url: server.url, apiKey: "the-right-key"}}));
            const r = await right.solve({problem: THINK_STOPS.problem, budget: elastic(10, 200)});
            assert.equal(r.thinkingTokens, 10);
            assert.equal(r.answer, "4");
        } finally {
            await server.stop();
        }
    });

    test("a refused connection, an invalid URL, a wrong path (404) each say what to do", async () => {
        const port = await freePort();
        const refused = track(new ElasticEngine({modelPath: "", server: {url: `http://127.0.0.1:${port}`}}));
        await assert.rejects(refused.solve({problem: "1+1", budget: elastic(5, 5)}),
            (err: unknown) => err instanceof EngineError && /connection refused.*elasticMath\.server\.url/s.test(err.message));
        assert.throws(() => new ElasticEngine({modelPath: "", server: {url: "not a url"}}), /not a valid URL/);
        const server = servers.get(THINK_STOPS.name)!;
        const wrongPath = track(new ElasticEngine({modelPath: "", server: {url: `${server.url}/nothing-here`}}));
        await assert.rejects(wrongPath.solve({problem: "1+1", budget: elastic(5, 5)}),
            (err: unknown) => err instanceof EngineError && /\(404\)/.test(err.message) && /nothing-here/.test(err.message));
    });

    test("403, 404 about a model, 429 and 5xx each give their message (a stub HTTP server: llama-server cannot be made to answer these)", async () => {
        const {createServer} = await import("node:http");
        let status = 0;
        let body = "";
        const stub = createServer((_req, res) => {
            res.writeHead(status, {"Content-Type": "application/json", ...(status === 429 ? {"Retry-After": "30"} : {})});
            res.end(body);
        });
        await new Promise<void>((r) => stub.listen(0, "127.0.0.1", () => r()));
        const url = `http://127.0.0.1:${(stub.address() as {port: number}).port}`;
        try {
            const cases: [number, string, RegExp][] = [
                [403, JSON.stringify({error: {message: "key not allowed for this model"}}), /403 Forbidden.*key not allowed/s],
                [404, JSON.stringify({error: {message: "The model `E1-Math-70B` does not exist."}}), /has no model "E1-Math-70B" \(404\).*Test Server Connection/s],
                [429, JSON.stringify({error: "too many requests"}), /429 Too Many Requests\); retry after 30 s/],
                [500, JSON.stringify({detail: "CUDA out of memory"}), /failed \(500 .*CUDA out of memory/s],
                [503, "upstream unavailable", /failed \(503 .*upstream unavailable/s]
            ];
            for (const [code, text, expected] of cases) {
                status = code;
                body = text;
                const engine = track(new ElasticEngine({modelPath: "", server: {url, model: "E1-Math-70B", dialect: "openai"}}));
                await assert.rejects(engine.solve({problem: "1+1", budget: elastic(5, 5)}),
                    (err: unknown) => err instanceof EngineError && err.code === "server-failed" && expected.test(err.message) || assert.fail(`${code}: ${String(err)}`));
            }
        } finally {
            stub.closeAllConnections();
            stub.close();
        }
    });

    test("a server that does not answer in time gives a timeout message", async () => {
        // A listener that accepts and never answers: the real failure of an overloaded server.
        const {createServer} = await import("node:http");
        const silent = createServer(() => { /* never answers */ });
        await new Promise<void>((r) => silent.listen(0, "127.0.0.1", () => r()));
        const port = (silent.address() as {port: number}).port;
        try {
            const engine = track(new ElasticEngine({modelPath: "", server: {url: `http://127.0.0.1:${port}`, timeoutMs: 500}}));
            await assert.rejects(engine.solve({problem: "1+1", budget: elastic(5, 5)}),
                (err: unknown) => err instanceof EngineError && /did not answer within/.test(err.message));
        } finally {
            silent.closeAllConnections();
            silent.close();
        }
    });
});
