/**
 * `node out/test/bench/server.main.mjs`: the same elastic request on the local engine and on a real llama-server
 * (scripts/setup-llama-server.sh) with the benchmark model (random weights, real E1-Math-1.5B shape, Q8_0), and what
 * the server's prompt cache saves in phase 2. Prints figures; asserts nothing.
 * Options: --think N (default 64), --answer N (default 32), --prompt N (prompt tokens, default 256), --reps N (default 2).
 */
import {ElasticEngine} from "../../src/core/engine";
import {numberArg as arg} from "./args";
import {ensureBenchModel} from "../fixtures/scripted";
import {startLlamaServer} from "../engine/llamaServer";

const think = arg("--think", 64);
const answer = arg("--answer", 32);
const promptLen = arg("--prompt", 256);
const reps = arg("--reps", 2);
const budget = {mode: "elastic" as const, thinkTokens: think, answerTokens: answer};
const problem = "Let x be a real number such that x^2 + 3x + 2 = 0. ".repeat(64).slice(0, Math.max(1, promptLen - 60));
const threads = 2;

const modelPath = ensureBenchModel();
const server = await startLlamaServer(modelPath, {contextSize: 2048, args: ["-t", String(threads)]});
const local = new ElasticEngine({modelPath, threads, contextSize: 2048, gpu: false});
const remote = new ElasticEngine({modelPath: "", server: {url: server.url, dialect: "llama.cpp"}});
const noCache = new ElasticEngine({modelPath: "", server: {url: server.url, dialect: "llama.cpp", promptCache: false}});
try {
    await local.load();
    // Warm up both (the first generation after a load runs slower).
    await local.solve({problem, budget: {mode: "elastic", thinkTokens: 4, answerTokens: 4}, sampling: {seed: 1}});
    await remote.solve({problem, budget: {mode: "elastic", thinkTokens: 4, answerTokens: 4}, sampling: {seed: 1}});
    console.log(`budget t=${think} s=${answer}, prompt about ${promptLen} tokens, ${threads} threads each, bench model (Q8_0, 1.5B shape)`);
    for (let rep = 0; rep < reps; rep++) {
        for (const [name, engine] of [["local", local], ["server", remote], ["server, no prompt cache", noCache]] as const) {
            const r = await engine.solve({problem: `${problem} (${rep} ${name})`, budget, sampling: {seed: 7 + rep}});
            const steps = engine.lastServerSteps;
            const phase2 = steps?.[1];
            console.log(`${name.padEnd(24)} thinking ${r.thinkingTokens}${r.thinkingCut ? " (cut)" : ""}, solution ${r.solutionTokens}, ` +
                `total ${r.timings.totalMs.toFixed(0)} ms, ${r.timings.tokensPerSecond.toFixed(1)} tokens/s` +
                (phase2 != null ? `; phase 2 prompt ${phase2.promptTokens} tokens, ${phase2.cachedPromptTokens ?? "?"} from cache, ${phase2.promptMs?.toFixed(0) ?? "?"} ms` : ""));
        }
    }
} finally {
    await Promise.all([local.dispose(), remote.dispose(), noCache.dispose()]);
    await server.stop();
}
