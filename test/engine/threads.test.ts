/**
 * Threads: a count above the machine's cores is capped at the cores (8 threads on 2 cores ran 46 times slower,
 * 32 never finished), and the engine says so through its note (engine.deviceNote, shown with the device).
 */
import assert from "node:assert/strict";
import {availableParallelism} from "node:os";
import {test} from "node:test";
import {THINK_STOPS} from "../fixtures/scripted";
import {engineFor} from "./setup";

const cores = availableParallelism();
const threadsLabel = (n: number) => `CPU (${n} thread${n === 1 ? "" : "s"})`;

test("threads above the machine's cores run on the cores, with a note that says so", async () => {
    const asked = cores + 6;
    const engine = engineFor("think-stops", {threads: asked});
    try {
        const r = await engine.solve({problem: THINK_STOPS.problem, budget: {mode: "elastic", thinkTokens: 50, answerTokens: 50}, sampling: {seed: 1}});
        assert.equal(r.answer, "4");
        assert.equal(engine.device, threadsLabel(cores));
        assert.equal(r.device, threadsLabel(cores));
        assert.match(engine.deviceNote ?? "", new RegExp(`^${asked} threads were asked for, but this machine has ${cores} cores?: using ${cores}`));
    } finally {
        await engine.dispose();
    }
});

test("threads within the cores are used as given, with no note", async () => {
    const engine = engineFor("think-stops", {threads: 1});
    try {
        await engine.load();
        assert.equal(engine.device, threadsLabel(1));
        assert.equal(engine.deviceNote, undefined);
    } finally {
        await engine.dispose();
    }
});
