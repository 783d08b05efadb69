/**
 * Cancellation in every phase (prompt processing, thinking, solution) and the FIFO request queue.
 * The cancel latency bound (300 ms) is the one timing asserted: it is the behaviour the UI relies on.
 */
import assert from "node:assert/strict";
import {after, test} from "node:test";
import type {SolveEvent} from "../../src/core/types";
import {ANSWER_FOREVER, THINK_FOREVER, THINK_STOPS} from "../fixtures/scripted";
import {engineFor} from "./setup";

const forever = engineFor("think-forever", {contextSize: 8192});
const answerForever = engineFor("answer-forever");
after(async () => { await Promise.all([forever.dispose(), answerForever.dispose()]); });

const elastic = (thinkTokens: number, answerTokens: number) => ({mode: "elastic" as const, thinkTokens, answerTokens});

/** Aborts when `when(event)` first holds; returns the result, the time from abort to resolve and to engine idle. */
async function cancelWhen(engine: typeof forever, problem: string, budget: ReturnType<typeof elastic>, when: (e: SolveEvent) => boolean, delayMs = -1) {
    const controller = new AbortController();
    let abortedAt = 0;
    let fired = false;
    const abort = () => { abortedAt = performance.now(); controller.abort(); };
    const result = await engine.solve({problem, budget, signal: controller.signal, onEvent: (e) => {
        if (!fired && when(e)) {
            fired = true;
            if (delayMs < 0) abort(); else setTimeout(abort, delayMs);
        }
    }});
    const resolvedMs = performance.now() - abortedAt;
    await engine.whenIdle();
    const idleMs = performance.now() - abortedAt;
    assert.ok(abortedAt > 0, "the abort fired");
    return {result, resolvedMs, idleMs};
}

test("cancel during prompt processing (a ~2000-token problem)", async () => {
    await forever.load();
    const problem = "Consider the sequence defined by a_1 = 1 and a_{n+1} = a_n + n. ".repeat(32);
    // Timed warm (the first evaluation after loading is slower): the abort must land inside the prompt's evaluation.
    await forever.solve({problem, budget: elastic(1, 1)});
    const full = await forever.solve({problem, budget: elastic(1, 1)});
    console.log(`prompt of ${full.promptTokens} tokens evaluated in ${full.timings.promptMs.toFixed(0)} ms`);
    let promptTokens = 0;
    // Abort a third of the way into prompt processing.
    const {result, resolvedMs, idleMs} = await cancelWhen(forever, problem, elastic(100, 100), (e) => {
        if (e.type === "started") promptTokens = e.promptTokens;
        return e.type === "started";
    }, Math.max(1, full.timings.promptMs / 3));
    console.log(`cancel in prompt processing (${promptTokens} prompt tokens): resolved in ${resolvedMs.toFixed(1)} ms, engine idle in ${idleMs.toFixed(1)} ms`);
    assert.ok(promptTokens > 1900, `long prompt (${promptTokens} tokens)`);
    assert.equal(result.stop, "abort");
    assert.equal(result.thinkingTokens, 0);
    assert.equal(result.solutionTokens, 0);
    assert.equal(result.timings.timeToFirstTokenMs, 0, "no token was generated");
    assert.ok(resolvedMs < 300, `resolved ${resolvedMs} ms after abort`);
    assert.ok(idleMs < 300, `engine idle ${idleMs} ms after abort`);
    // The engine is usable right after.
    const next = await forever.solve({problem: THINK_FOREVER.problem, budget: elastic(3, 100)});
    assert.equal(next.thinking, THINK_FOREVER.thinkingText(3));
    assert.equal(next.solution, THINK_FOREVER.fullSolution);
});

test("cancel during thinking keeps the thinking produced so far", async () => {
    const {result, resolvedMs, idleMs} = await cancelWhen(forever, THINK_FOREVER.problem, elastic(3000, 100),
        (e) => e.type === "delta" && e.thinkingTokens === 20);
    console.log(`cancel in thinking: resolved in ${resolvedMs.toFixed(1)} ms, engine idle in ${idleMs.toFixed(1)} ms`);
    assert.equal(result.stop, "abort");
    assert.equal(result.thinkingTokens, 20);
    assert.equal(result.thinking, THINK_FOREVER.thinkingText(20));
    assert.equal(result.thinkingCut, false);
    assert.equal(result.solution, "");
    assert.ok(resolvedMs < 300 && idleMs < 300, `${resolvedMs} / ${idleMs} ms`);
});

test("cancel during the solution keeps thinking and the solution so far", async () => {
    const {result, resolvedMs, idleMs} = await cancelWhen(answerForever, ANSWER_FOREVER.problem, elastic(100, 3000),
        (e) => e.type === "delta" && e.phase === "solution" && e.solutionTokens === 30);
    console.log(`cancel in solution: resolved in ${resolvedMs.toFixed(1)} ms, engine idle in ${idleMs.toFixed(1)} ms`);
    assert.equal(result.stop, "abort");
    assert.equal(result.thinking, ANSWER_FOREVER.thinkingText());
    assert.equal(result.solutionTokens, 30);
    assert.equal(result.solution, ANSWER_FOREVER.solutionText(30));
    assert.equal(result.answer, "10");
    assert.ok(resolvedMs < 300 && idleMs < 300, `${resolvedMs} / ${idleMs} ms`);
});

test("an already aborted signal resolves at once without generating", async () => {
    const c = new AbortController();
    c.abort();
    const events: SolveEvent[] = [];
    const r = await forever.solve({problem: "x", budget: elastic(5, 5), signal: c.signal, onEvent: (e) => events.push(e)});
    assert.equal(r.stop, "abort");
    assert.equal(r.thinkingTokens + r.solutionTokens, 0);
    assert.deepEqual(events, []);
});

test("a second request waits in the queue (position 1) and runs after the first, without interleaving", async () => {
    const log: string[] = [];
    const mk = (tag: string) => (e: SolveEvent) => log.push(`${tag}:${e.type}${e.type === "queued" ? e.position : ""}`);
    const a = forever.solve({problem: THINK_FOREVER.problem, budget: elastic(300, 100), onEvent: mk("A")});
    const b = forever.solve({problem: THINK_FOREVER.problem, budget: elastic(4, 100), onEvent: mk("B")});
    const c = forever.solve({problem: THINK_FOREVER.problem, budget: elastic(2, 100), onEvent: mk("C")});
    const [ra, rb, rc] = await Promise.all([a, b, c]);
    assert.equal(ra.thinkingTokens, 300);
    assert.equal(rb.thinking, THINK_FOREVER.thinkingText(4));
    assert.equal(rc.thinking, THINK_FOREVER.thinkingText(2));
    for (const r of [ra, rb, rc]) assert.equal(r.solution, THINK_FOREVER.fullSolution);
    const tags = log.map((x) => x[0]);
    const firstB = tags.indexOf("B");
    assert.deepEqual(log.filter((x) => x.includes("queued")), ["B:queued1", "C:queued2", "C:queued1"]);
    const lastA = tags.lastIndexOf("A");
    const bStarted = log.indexOf("B:started");
    const cStarted = log.indexOf("C:started");
    assert.ok(lastA < bStarted, "B starts after A's last event");
    assert.ok(log.lastIndexOf("B:delta") < cStarted, "C starts after B's last event");
    assert.ok(firstB < lastA, "B was told it is queued while A ran");
});

test("cancelling a queued request removes it; the next one moves up", async () => {
    const log: string[] = [];
    const mk = (tag: string) => (e: SolveEvent) => log.push(`${tag}:${e.type}${e.type === "queued" ? e.position : ""}`);
    const cb = new AbortController();
    const a = forever.solve({problem: THINK_FOREVER.problem, budget: elastic(400, 100), onEvent: mk("A")});
    const b = forever.solve({problem: THINK_FOREVER.problem, budget: elastic(4, 100), onEvent: mk("B"), signal: cb.signal});
    const c = forever.solve({problem: THINK_FOREVER.problem, budget: elastic(2, 100), onEvent: mk("C")});
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(forever.queueLength, 2);
    const t = performance.now();
    cb.abort();
    const rb = await b;
    assert.ok(performance.now() - t < 50, "a queued request resolves at once");
    assert.equal(rb.stop, "abort");
    assert.equal(rb.thinkingTokens + rb.solutionTokens, 0);
    assert.equal(forever.queueLength, 1);
    const [ra, rc] = await Promise.all([a, c]);
    assert.equal(ra.stop, "eog");
    assert.equal(rc.thinking, THINK_FOREVER.thinkingText(2));
    assert.ok(!log.includes("B:started"), "B never ran");
    assert.deepEqual(log.filter((x) => x.startsWith("C:queued")), ["C:queued2", "C:queued1"], "C moved up when B left");
    assert.ok(log.lastIndexOf("A:delta") < log.indexOf("C:started"));
});

test("dispose while running and queued: both resolve as aborted; then solve rejects", async () => {
    const e = engineFor("think-stops");
    await e.load();
    const a = e.solve({problem: THINK_STOPS.problem, budget: elastic(3000, 100)});
    const b = e.solve({problem: THINK_STOPS.problem, budget: elastic(10, 10)});
    await new Promise((r) => setTimeout(r, 5));
    await e.dispose();
    assert.equal(e.disposed, true);
    assert.equal((await a).stop, "abort");
    assert.equal((await b).stop, "abort");
    await assert.rejects(e.solve({problem: "x", budget: elastic(1, 1)}), {name: "EngineError", code: "disposed"});
    await assert.rejects(e.load(), {code: "disposed"});
});
