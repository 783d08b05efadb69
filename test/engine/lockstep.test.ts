/**
 * A parallel vote's sequences step together (src/core/engine/lockstep.ts): before each evaluation every live
 * sequence waits for the others, so each llama.cpp batch holds every live sequence. Observable without timing: at
 * every streamed token, the live samples' token counts differ by at most one. Without the lockstep each sequence
 * runs its own loop and they drift apart (one sequence's batches run while another's sampling is still going).
 * Real llama.cpp on the scripted think-forever fixture; the budgets stay exact per sample.
 */
import assert from "node:assert/strict";
import {after, test} from "node:test";
import type {SolveTrace} from "../../src/core/engine";
import {THINK_FOREVER} from "../fixtures/scripted";
import {assertContextAccounting, engineFor} from "./setup";

const engine = engineFor("think-forever");
after(async () => { await engine.dispose(); });

test("k=6 in parallel: the samples advance together (counts never more than one apart), budgets exact", async () => {
    await engine.load();
    await engine.solve({problem: THINK_FOREVER.problem, budget: {mode: "elastic", thinkTokens: 4, answerTokens: 4}, sampling: {seed: 1}});
    const k = 6;
    const t = 60;
    const s = 6;
    const counts = new Array<number>(k).fill(0);
    const finished = new Set<number>();
    let worst = 0;
    let events = 0;
    const traces: (SolveTrace | undefined)[] = [];
    const r = await engine.solveMany({
        problem: THINK_FOREVER.problem, budget: {mode: "elastic", thinkTokens: t, answerTokens: s}, parallel: true,
        samplings: Array.from({length: k}, (_, i) => ({seed: 10 + i})),
        onTrace: (i, tr) => { traces[i] = tr; },
        onSample: (i) => { finished.add(i); },
        onSampleEvent: (i, e) => {
            if (e.type !== "delta" || e.phase !== "thinking") return;
            counts[i] = e.thinkingTokens;
            events++;
            const live = counts.filter((_, j) => !finished.has(j));
            worst = Math.max(worst, Math.max(...live) - Math.min(...live));
        }
    });
    assert.equal(r.plan.parallel, true, r.plan.reason);
    assert.ok(events >= k * (t - 6), `a delta per thinking token (${events})`);
    assert.ok(worst <= 1, `live samples' thinking-token counts were ${worst} apart at worst (lockstep: at most 1)`);
    r.results.forEach((x, i) => {
        assert.equal(x!.thinkingTokens, t, `#${i}: thinking cut exactly at t`);
        assert.ok(x!.solutionTokens <= s, `#${i}: solution within s`);
        assertContextAccounting(traces[i]!);
    });
});
