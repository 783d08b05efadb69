/**
 * A misbehaving inference server: the budgets, the time and the memory of the extension host hold whatever it sends.
 *
 * What a broken or hostile server sends (an endless stream, a 50 MB line, usage figures that lie, a trickle of one
 * byte a second, a proxy's HTML sign-in page with status 200) cannot be made to come from llama-server, so a small
 * real HTTP server on 127.0.0.1 in this file stands in for such a server. It speaks the two dialects the client
 * speaks (llama.cpp's /completion and the OpenAI /v1/completions) and misbehaves on purpose. The well-behaved
 * cases run against a real llama-server in backends.test.ts.
 *
 * Each case asserts that the budget held, the message says what happened, and the memory it took (the peak growth
 * of the heap and of the RSS while it ran, sampled every 20 ms) stayed bounded. The figures are printed as test
 * diagnostics (docs/hostile-input.md, "Servers", lists them). A guard signal ends each request after GUARD_MS so that
 * the old client (which read an endless stream until the caller aborted) fails here instead of hanging.
 */
import assert from "node:assert/strict";
import {createServer, type IncomingMessage, type Server, type ServerResponse} from "node:http";
import {setFlagsFromString} from "node:v8";
import {runInNewContext} from "node:vm";
import {after, before, test, type TestContext} from "node:test";
import {ElasticEngine, EngineError} from "../../src/core/engine";
import type {BudgetSpec, SolveResult} from "../../src/core/types";

const elastic = (thinkTokens: number, answerTokens: number): BudgetSpec => ({mode: "elastic", thinkTokens, answerTokens});
const GUARD_MS = 20_000;
const MB = 1024 * 1024;
/** The most one hostile answer may add to the heap / RSS (the old client took 50 MB and more for a single line). */
const HEAP_BOUND = 48 * MB;
const RSS_BOUND = 160 * MB;

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

type Dialect = "llama.cpp" | "openai";
/** What the stand-in server does with a completion request: writes the answer into `res`. */
type Behaviour = (res: ServerResponse, dialect: Dialect, n: number) => Promise<void> | void;

let server: Server;
let url = "";
let behaviour: Behaviour = () => undefined;
/** Completion requests so far (reset by each test that counts them), and the answers still open. */
let requests = 0;
const open = new Set<ServerResponse>();
/** When set, every path (not only the completions) answers this way. */
let everyPath: Behaviour | undefined;

before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
        let body = "";
        req.on("data", (c: Buffer) => { body += c.toString(); });
        req.on("end", () => {
            if (everyPath != null) { void everyPath(res, "openai", 0); return; }
            // No /props (as an OpenAI-style server): the client then uses the configured context size.
            if (req.url === "/props") { res.writeHead(404, {"Content-Type": "application/json"}); res.end("{}"); return; }
            if (req.url === "/tokenize") { res.writeHead(200, {"Content-Type": "application/json"}); res.end(JSON.stringify({tokens: [1, 2, 3]})); return; }
            const dialect: Dialect = req.url === "/completion" ? "llama.cpp" : "openai";
            const n = requests++;
            open.add(res);
            res.on("close", () => { open.delete(res); });
            void Promise.resolve(behaviour(res, dialect, n)).catch(() => undefined);
        });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    url = `http://127.0.0.1:${(server.address() as {port: number}).port}`;
});
after(() => {
    server.closeAllConnections();
    server.close();
});

const sse = (res: ServerResponse) => res.writeHead(200, {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"});
/** One streamed piece of text in the dialect (llama.cpp: with its token id). */
const piece = (dialect: Dialect, text: string, id = 42): string => `data: ${JSON.stringify(dialect === "llama.cpp"
    ? {content: text, tokens: [id], stop: false, tokens_predicted: 1}
    : {choices: [{index: 0, text, finish_reason: null}]})}\n\n`;

/** Writes what `next` gives until it gives null or the client closes the connection (respecting backpressure). */
async function pump(res: ServerResponse, next: () => string | Buffer | null): Promise<void> {
    while (!res.destroyed && !res.writableEnded) {
        const chunk = next();
        if (chunk == null) { res.end(); return; }
        if (!res.write(chunk)) {
            await new Promise<void>((r) => {
                const done = () => { res.off("drain", done); res.off("close", done); r(); };
                res.on("drain", done);
                res.on("close", done);
            });
        }
    }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Run<T> {
    readonly value: T;
    readonly ms: number;
    readonly heapGrowth: number;
    readonly rssGrowth: number;
}

/** Runs `fn`, sampling the heap and RSS: the peak growth over the baseline, and the time taken. */
async function measured<T>(t: TestContext, label: string, fn: () => Promise<T>): Promise<Run<T>> {
    gc();
    const base = process.memoryUsage();
    let heap = base.heapUsed;
    let rss = base.rss;
    const sample = () => { const m = process.memoryUsage(); heap = Math.max(heap, m.heapUsed); rss = Math.max(rss, m.rss); };
    const timer = setInterval(sample, 20);
    const start = performance.now();
    try {
        const value = await fn();
        sample();
        const run = {value, ms: performance.now() - start, heapGrowth: heap - base.heapUsed, rssGrowth: rss - base.rss};
        t.diagnostic(`${label}: ${run.ms.toFixed(0)} ms, heap +${(run.heapGrowth / MB).toFixed(1)} MB, RSS +${(run.rssGrowth / MB).toFixed(1)} MB`);
        assert.ok(run.heapGrowth < HEAP_BOUND, `${label}: the heap grew by ${(run.heapGrowth / MB).toFixed(1)} MB`);
        assert.ok(run.rssGrowth < RSS_BOUND, `${label}: the RSS grew by ${(run.rssGrowth / MB).toFixed(1)} MB`);
        return run;
    } finally {
        clearInterval(timer);
    }
}

function engine(dialect: Dialect | "auto", warnings: string[], extra: {timeoutMs?: number; deadlineMs?: number} = {}): ElasticEngine {
    return new ElasticEngine({modelPath: "", server: {url, model: "stand-in", dialect, onWarning: (m) => warnings.push(m), ...extra}});
}

async function solve(e: ElasticEngine, budget: BudgetSpec): Promise<SolveResult> {
    try {
        return await e.solve({problem: "2+2?", budget, signal: AbortSignal.timeout(GUARD_MS)});
    } finally {
        await e.dispose();
    }
}

/** Waits until the client has closed every connection it opened (an endless answer is not left streaming). */
async function allClosed(): Promise<void> {
    for (let i = 0; i < 100 && open.size > 0; i++) await sleep(50);
    assert.equal(open.size, 0, "the client closed every request");
}

for (const dialect of ["llama.cpp", "openai"] as const) {
    test(`${dialect}: an endless stream ends at the budget (t = 64, s = 32); the requests are closed and the count is the client's`, async (t) => {
        behaviour = (res, d) => { sse(res); const batch = piece(d, "x ").repeat(200); return pump(res, () => batch); };
        const warnings: string[] = [];
        const {value: r} = await measured(t, `endless stream (${dialect})`, () => solve(engine(dialect, warnings), elastic(64, 32)));
        assert.notEqual(r.stop, "abort", "ended by the budget, not by the caller");
        assert.equal(r.thinkingTokens, 64);
        assert.equal(r.thinking, "x ".repeat(64));
        assert.equal(r.thinkingCut, true);
        assert.equal(r.solutionTokens, 32);
        assert.equal(r.solution, "x ".repeat(32));
        assert.equal(r.stop, "budget");
        assert.equal(warnings.length, 2);
        assert.match(warnings[0]!, /sent more than the 64 tokens asked for; reading stopped at the budget/);
        await allClosed();
    });
}

test("one 50 MB SSE line is refused at 8 MB; the message says so", async (t) => {
    const block = Buffer.alloc(64 * 1024, "x");
    behaviour = (res) => {
        sse(res);
        let sent = 0;
        res.write('data: {"content":"');
        return pump(res, () => (sent >= 50 * MB ? null : (sent += block.length, sent >= 50 * MB ? Buffer.concat([block, Buffer.from('"}\n\n')]) : block)));
    };
    const warnings: string[] = [];
    const {value: r} = await measured(t, "one 50 MB line", () => solve(engine("llama.cpp", warnings), elastic(64, 32)));
    assert.match(r.interrupted ?? "", /sent one event of more than 8 MB/);
    assert.equal(r.thinking, "", "nothing of the line is kept");
    await allClosed();
});

for (const claim of [1_000_000, 0, -5]) {
    for (const dialect of ["llama.cpp", "openai"] as const) {
        test(`${dialect}: usage figures of ${claim} tokens against 10 that arrived are not believed, and it is logged`, async (t) => {
            behaviour = (res, d, n) => {
                sse(res);
                res.write(piece(d, "y ").repeat(10));
                if (d === "llama.cpp") {
                    // Phase 1 stops at the close, phase 2 at an end of generation; both claim `claim` tokens.
                    res.end(`data: ${JSON.stringify({content: "", stop: true, stop_type: n === 0 ? "word" : "eos", stopping_word: n === 0 ? "</think>" : "", tokens_predicted: claim, tokens_evaluated: 3})}\n\n`);
                } else {
                    res.write(`data: ${JSON.stringify({choices: [{index: 0, text: "", finish_reason: "stop"}]})}\n\n`);
                    res.end(`data: ${JSON.stringify({choices: [], usage: {completion_tokens: claim, prompt_tokens: 3}})}\n\ndata: [DONE]\n\n`);
                }
            };
            requests = 0;
            const warnings: string[] = [];
            const {value: r} = await measured(t, `usage ${claim} (${dialect})`, () => solve(engine(dialect, warnings), elastic(64, 32)));
            // llama.cpp streams the ids: 10 arrived, and the close / end it stopped at was sampled but not streamed.
            const own = dialect === "llama.cpp" ? 11 : 10;
            assert.equal(r.thinkingTokens, own);
            assert.equal(r.thinking, "y ".repeat(10));
            assert.equal(r.thinkingCut, false);
            assert.equal(r.solutionTokens, own);
            assert.equal(r.stop, "eog");
            assert.equal(warnings.length, 2, warnings.join("\n"));
            for (const w of warnings) assert.match(w, new RegExp(`reported ${claim} sampled tokens .* but 10 arrived.*the count is ${own}`));
        });
    }
}

test("5,000 chunks without usage figures against a budget of 64: 64 are read, the rest is not", async (t) => {
    behaviour = (res, d) => {
        sse(res);
        res.write(piece(d, "z ").repeat(4999));
        res.end(`data: ${JSON.stringify({choices: [{index: 0, text: "z ", finish_reason: "length"}]})}\n\ndata: [DONE]\n\n`);
    };
    const warnings: string[] = [];
    const {value: r} = await measured(t, "5,000 chunks, no usage", () => solve(engine("openai", warnings), elastic(64, 32)));
    assert.equal(r.thinkingTokens, 64);
    assert.equal(r.thinkingCut, true);
    assert.equal(r.solutionTokens, 32);
    assert.equal(r.solution, "z ".repeat(32));
    assert.match(warnings[0] ?? "", /sent more than the 64 tokens/);
});

test("a connection the server closed before answering: the request is sent again (at most 3 times), and said", async () => {
    // llama-server closes idle kept-alive connections, and now and then new ones right after a client with requests in
    // flight was killed; a request sent on one fails before any answer ("other side closed"). Nothing was answered, so
    // the client sends it again after a short wait, at most three times.
    requests = 0;
    behaviour = (res, d, n) => {
        if (n < 2) { res.socket?.destroy(); return; }
        sse(res);
        res.end(piece(d, "z ").repeat(3) + `data: ${JSON.stringify({choices: [{index: 0, text: "", finish_reason: "stop"}]})}\n\ndata: [DONE]\n\n`);
    };
    const warnings: string[] = [];
    const r = await solve(engine("openai", warnings), elastic(64, 32));
    assert.ok(r.thinkingTokens + r.solutionTokens > 0, "the request sent again was answered");
    assert.ok(requests >= 3, `${requests} completion request(s)`);
    const resent = warnings.filter((w) => /closed the connection before answering \(.*\); the request to \/v1\/completions was sent again \(\d of at most 3 times\)/.test(w));
    assert.equal(resent.length, 2, warnings.join("\n"));

    // A server that always does so: after three resends the error says so, and the solve ends.
    requests = 0;
    behaviour = (res) => { res.socket?.destroy(); };
    const always: string[] = [];
    const failed = await solve(engine("openai", always), elastic(64, 32)).then(() => "answered", (err: Error) => err.message);
    assert.match(failed, /Cannot reach the inference server at .*other side closed|socket/i);
    assert.equal(requests, 4, "the first request and three resends");
    assert.equal(always.filter((w) => /sent again/.test(w)).length, 3);
});

test("endless events without text are bounded by the response size (16 MB + 4 KB a token)", async (t) => {
    behaviour = (res, d) => { sse(res); const batch = piece(d, "").repeat(500); return pump(res, () => batch); };
    const {value: r} = await measured(t, "endless empty events", () => solve(engine("openai", []), elastic(64, 32)));
    assert.match(r.interrupted ?? "", /sent more than 16 MB for one request/);
    assert.equal(r.thinkingTokens, 0);
});

test("one byte a second stalls after the stall timeout; the request queued behind it then runs", async (t) => {
    behaviour = (res, d, n) => {
        sse(res);
        if (n === 0) {
            // The first request: an event that never completes, one byte a second.
            const line = piece(d, "slow");
            return (async () => { for (let i = 0; i < line.length && !res.destroyed; i++) { res.write(line[i]!); await sleep(1000); } })();
        }
        res.end(`${piece(d, "ok ").repeat(3)}data: ${JSON.stringify({content: "", stop: true, stop_type: "limit", tokens_predicted: 3, tokens_evaluated: 3})}\n\n`);
    };
    requests = 0;
    const e = new ElasticEngine({modelPath: "", server: {url, model: "stand-in", dialect: "llama.cpp", timeoutMs: 2000}});
    try {
        const {value: [first, second]} = await measured(t, "one byte a second (2 s stall timeout), then a queued request", async () => {
            const a = e.solve({problem: "2+2?", budget: elastic(64, 32), signal: AbortSignal.timeout(GUARD_MS)});
            const b = e.solve({problem: "3+3?", budget: elastic(3, 3), signal: AbortSignal.timeout(GUARD_MS)});
            return [await a, await b] as const;
        });
        assert.match(first.interrupted ?? "", /sent nothing complete for 2 s .*elasticMath\.server\.stallTimeoutSeconds/s);
        assert.equal(first.thinkingTokens, 0);
        assert.equal(second.stop, "budget", "the queued request ran to its budget");
        assert.equal(second.thinkingTokens, 3);
        assert.equal(second.solutionTokens, 3);
        assert.equal(second.solution, "ok ".repeat(3));
        await allClosed();
    } finally {
        await e.dispose();
    }
});

test("a slow but steady stream ends at the deadline; what arrived is kept", async (t) => {
    behaviour = (res, d) => {
        sse(res);
        return (async () => { while (!res.destroyed) { res.write(piece(d, "w ")); await sleep(100); } })();
    };
    requests = 0;
    // A budget far beyond what 2 s can bring (the budget check on a server holds it against the context size).
    const e = new ElasticEngine({modelPath: "", contextSize: 131072, server: {url, model: "stand-in", dialect: "openai", timeoutMs: 1000, deadlineMs: 2000}});
    try {
        const {value: r, ms} = await measured(t, "slow but steady, 2 s deadline", () => e.solve({problem: "2+2?", budget: elastic(100_000, 32), signal: AbortSignal.timeout(GUARD_MS)}));
        assert.match(r.interrupted ?? "", /did not finish within 2 s, the deadline of one request \(elasticMath\.server\.deadlineSeconds\)/);
        assert.ok(r.thinkingTokens > 0 && r.thinking === "w ".repeat(r.thinkingTokens), "what arrived is kept");
        assert.ok(ms < GUARD_MS, "ended by the deadline, not by the caller");
        await allClosed();
    } finally {
        await e.dispose();
    }
});

test("an HTML page with status 200 (a proxy's sign-in page) is named as such, not as a broken stream", async (t) => {
    behaviour = (res) => {
        res.writeHead(200, {"Content-Type": "text/html; charset=utf-8"});
        res.end("<!DOCTYPE html><html><head><title>Sign in - Corporate Proxy</title></head><body><form>...</form></body></html>");
    };
    // Every path answers with the page: /props (auto: not JSON, so the OpenAI dialect is tried), /tokenize, completions.
    everyPath = behaviour;
    for (const dialect of ["auto", "llama.cpp", "openai"] as const) {
        await measured(t, `HTML 200 (${dialect})`, async () => {
            await assert.rejects(solve(engine(dialect, []), elastic(64, 32)), (err: unknown) => {
                assert.ok(err instanceof EngineError && err.code === "server-failed", String(err));
                assert.match(err.message, dialect === "llama.cpp" ? /answered \/tokenize with text\/html; charset=utf-8, not JSON/ : /answered \/v1\/completions with text\/html; charset=utf-8, not an event stream/);
                assert.match(err.message, /it began: "<!DOCTYPE html><html><head><title>Sign in - Corporate Proxy/);
                assert.doesNotMatch(err.message, /closed the stream/);
                return true;
            });
        });
    }
});
