/** Shared by the engine tests: fixture models (written if missing), an engine factory and trace checks. */
import assert from "node:assert/strict";
import {ElasticEngine, type ElasticEngineOptions, type SolveTrace} from "../../src/core/engine";
import type {SolveEvent} from "../../src/core/types";
import {writeFileSync} from "node:fs";
import {join} from "node:path";
import {ensureScriptedFixtures} from "../fixtures/scripted";

/** Paths of the scripted fixtures by name; generated on a clean checkout. */
export const fixtures = ensureScriptedFixtures();

/** An engine on a fixture, 1 thread (the fixtures are tiny; more threads only add synchronisation). */
export function engineFor(name: string, options: Partial<ElasticEngineOptions> = {}): ElasticEngine {
    const modelPath = fixtures[name];
    if (modelPath == null) throw new Error(`no fixture ${name}`);
    return new ElasticEngine({modelPath, threads: 1, gpu: false, contextSize: 4096, ...options});
}

/** Records events and checks that the streamed deltas add up to the result. */
export function recorder() {
    const events: SolveEvent[] = [];
    return {
        events,
        onEvent: (e: SolveEvent) => { events.push(e); },
        text(phase: "thinking" | "solution"): string {
            return events.filter((e) => e.type === "delta" && e.phase === phase).map((e) => (e as {text: string}).text).join("");
        },
        types(): string[] { return events.map((e) => e.type); }
    };
}

/** The KV cache holds exactly prompt + thinking + cut + solution, minus the last sampled token (never fed). */
export function assertContextAccounting(trace: SolveTrace): void {
    const fed = [...trace.promptTokens, ...trace.thinkingTokens, ...trace.cutTokens, ...trace.solutionTokens];
    fed.pop();
    assert.deepEqual(trace.contextTokens, fed, "sequence.contextTokens = prompt + thinking + cut + solution (last sampled token not fed)");
}

/**
 * The eval tests' dataset, written into `dir`: three sums whose answers the think-forever fixture's \boxed{7} gets
 * right twice (7 and 7.0) and wrong once, so accuracy is known exactly. Returns its path.
 */
export function writeSumsDataset(dir: string): string {
    const path = join(dir, "sums.jsonl");
    writeFileSync(path, [
        {id: "a", problem: "What is 3+4?", answer: "7"},
        {id: "b", problem: "What is 14/2?", answer: "7.0"},
        {id: "c", problem: "What is 4+4?", answer: "8"}
    ].map((x) => JSON.stringify(x)).join("\n") + "\n");
    return path;
}
