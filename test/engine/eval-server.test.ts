/**
 * `elastic-math eval --server ... --concurrency 8` against a real llama-server with 4 slots (`--parallel 4`) started
 * here on the think-forever fixture (it always answers \boxed{7} after its thinking; llama.cpp really runs it):
 * exact budgets per sample, the same table as a sequential local run with the same seeds, requests really in flight
 * together (the server's log shows several slots busy), and a run killed (SIGKILL of the CLI's process) with
 * generations in flight resumes with no sample lost or twice and the same table. Also the local `--concurrency`
 * (parallel sequences through solveMany), the refused `--api-key`, and the Tutor's majority vote on the server sending
 * its k samples at once.
 */
import assert from "node:assert/strict";
import {spawn} from "node:child_process";
import {existsSync, mkdtempSync, readFileSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, before, test} from "node:test";
import {ElasticEngine} from "../../src/core/engine";
import {majorityVote} from "../../src/core/tutor/vote";
import {THINK_FOREVER} from "../fixtures/scripted";
import {repoRoot} from "../paths";
import {startLlamaServer, type RunningServer} from "./llamaServer";
import {fixtures, writeSumsDataset} from "./setup";

const root = repoRoot();
const bin = join(root, "bin", "elastic-math.mjs");
const tmp = mkdtempSync(join(tmpdir(), "elastic-eval-server-"));
const skip = !existsSync(join(root, "out", "cli.mjs")) && "run npm run build first";

const dataset = writeSumsDataset(tmp);

let server: RunningServer;
before(async () => {
    // 4 slots of 2048 tokens each (llama-server splits -c among its slots). HTTP threads for the 8 connections in
    // flight: its default (slots + 2) leaves requests waiting behind idle keep-alive connections.
    server = await startLlamaServer(fixtures["think-forever"]!, {contextSize: 8192, alias: "think-forever", args: ["--parallel", "4", "--threads-http", "16"]});
});
after(async () => {
    await server?.stop();
    rmSync(tmp, {recursive: true, force: true});
});

interface Run {code: number | null; signal: string | null; stdout: string; stderr: string}

function run(args: string[], o: {killAt?: string; env?: NodeJS.ProcessEnv} = {}): Promise<Run> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [bin, "eval", ...args], {cwd: root, stdio: ["ignore", "pipe", "pipe"], env: {...process.env, ...o.env}});
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (d: string) => {
            stdout += d;
            if (o.killAt != null && stdout.includes(o.killAt) && child.exitCode == null) child.kill("SIGKILL");
        });
        child.stderr.setEncoding("utf8").on("data", (d: string) => { stderr += d; });
        child.on("error", reject);
        child.on("close", (code, signal) => resolve({code, signal, stdout, stderr}));
    });
}

const common = ["--dataset", dataset, "--budgets", "5+50,5+3", "--samples", "4"];
const local = ["--model", fixtures["think-forever"]!, "--threads", "1", "--context", "2048"];
const onServer = () => ["--server", server.url, "--server-model", "think-forever", "--api", "llamacpp"];
const TOTAL = 3 * 2 * 4;

interface Rec {budget: string; id: string; sample: number; seed: number; thinkingTokens: number; solutionTokens: number; tokens: number; thinkingCut: boolean; pred: string | null}
const samples = (out: string): Rec[] => readFileSync(join(out, "samples.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Rec);
const byKey = (rs: Rec[]) => new Map(rs.map((r) => [`${r.budget}/${r.id}/${r.sample}`, r]));

/** Every sample of the think-forever fixture, exactly: thinking cut at 5, the solution whole (5+50) or cut at 3. */
function assertExactBudgets(out: string): void {
    const rs = samples(out);
    assert.equal(rs.length, TOTAL);
    assert.equal(byKey(rs).size, TOTAL, "no sample twice");
    for (const r of rs) {
        assert.equal(r.thinkingTokens, 5, `${r.budget}/${r.id}/${r.sample}: thinking cut at exactly 5`);
        assert.equal(r.thinkingCut, true);
        assert.equal(r.solutionTokens, r.budget === "5+50" ? THINK_FOREVER.naturalSolutionTokens! : 3, `${r.budget}/${r.id}/${r.sample}: solution tokens`);
        assert.equal(r.pred, r.budget === "5+50" ? "7" : null);
    }
}

let sequentialTable = "";
let sequentialRows: unknown;
let sequentialSamples: Map<string, Rec>;

test("eval, local and sequential: the reference table", {skip}, async () => {
    const out = join(tmp, "local-seq");
    const r = await run([...common, ...local, "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    assertExactBudgets(out);
    sequentialTable = readFileSync(join(out, "results.md"), "utf8");
    sequentialRows = JSON.parse(readFileSync(join(out, "results.json"), "utf8")).rows;
    sequentialSamples = byKey(samples(out));
    // Progress: done/total, samples/s, tokens/s, time (a plain line when stderr is not a terminal).
    assert.match(r.stderr, new RegExp(`^progress: ${TOTAL}/${TOTAL} samples, [\\d.]+ samples/s, [\\d.]+ tokens/s, done in \\d+ s$`, "m"));
});

// In 2 of 3 runs one of the 8 concurrent requests had failed with "fetch failed: other side closed" (llama-server
// closed the connection before answering; also right after a killed run, in the next test, 3 of 3 alone); the client
// now sends such a request again after a short wait, at most three times (hostile-server.test.ts tests that alone).
test("eval --server --concurrency 8 on llama-server --parallel 4: exact budgets, the sequential table, requests in flight together", {skip}, async () => {
    const out = join(tmp, "server");
    const r = await run([...common, ...onServer(), "--concurrency", "8", "--out", out]);
    assert.equal(r.code, 0, r.stderr + server.log().slice(-3000));
    assert.match(r.stderr, /8 requests in flight on the server/);
    assertExactBudgets(out);
    const rows = JSON.parse(readFileSync(join(out, "results.json"), "utf8")).rows;
    assert.deepEqual(rows, sequentialRows);
    assert.equal(readFileSync(join(out, "results.md"), "utf8"), sequentialTable);
    // The same seeds, the same samples, sample by sample.
    for (const [k, s] of byKey(samples(out))) assert.deepEqual(s, sequentialSamples.get(k), k);
    // More than one of the server's 4 slots took requests: they were in flight together.
    const slots = new Set([...server.log().matchAll(/slot\s+launch_slot_: id\s+(\d+)/g)].map((m) => m[1]));
    assert.ok(slots.size >= 2, `requests ran on ${slots.size} slot(s): ${[...slots].join(", ")}`);
});

test("eval --server --concurrency 8: a run killed with generations in flight resumes with no sample lost or twice, and the same table", {skip}, async () => {
    const out = join(tmp, "server-resumed");
    const first = await run([...common, ...onServer(), "--concurrency", "8", "--out", out], {killAt: "[3/"});
    assert.equal(first.signal, "SIGKILL", "the first run must be killed mid-way: " + first.stdout.slice(-300));
    const partial = samples(out).length;
    assert.ok(partial >= 3 && partial < TOTAL, `killed after ${partial} samples`);
    const second = await run([...common, ...onServer(), "--concurrency", "8", "--out", out]);
    assert.equal(second.code, 0, `${second.stderr}\nllama-server's log (end):\n${server.log().slice(-6000)}`);
    assert.match(second.stderr, new RegExp(`resuming: ${partial} already done, ${TOTAL - partial} to go`));
    assertExactBudgets(out);
    assert.equal(readFileSync(join(out, "results.md"), "utf8"), sequentialTable);
    for (const [k, s] of byKey(samples(out))) assert.deepEqual(s, sequentialSamples.get(k), k);
});

test("eval --concurrency 4 locally: parallel sequences of one context (the reason printed), the same table", {skip}, async () => {
    const out = join(tmp, "local-par");
    const r = await run([...common, ...local, "--concurrency", "4", "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /4 samples in parallel \(one context, 4 sequences|4 samples, [23] at a time in parallel \(one context|running the 4 samples one after another: /);
    assertExactBudgets(out);
    assert.equal(readFileSync(join(out, "results.md"), "utf8"), sequentialTable);
    for (const [k, s] of byKey(samples(out))) assert.deepEqual(s, sequentialSamples.get(k), k);
});

test("eval and solve on a server: --api-key is refused (the key only from ELASTIC_MATH_API_KEY), bad server options are usage errors", {skip}, async () => {
    const key = await run([...common, ...onServer(), "--api-key", "secret"]);
    assert.equal(key.code, 2);
    assert.match(key.stderr, /--api-key is not accepted: .*ELASTIC_MATH_API_KEY/);
    const api = await run([...common, ...onServer().slice(0, 4), "--api", "grpc"]);
    assert.equal(api.code, 2);
    assert.match(api.stderr, /--api must be auto, llamacpp or openai/);
    const both = await run([...common, ...local, "--server", server.url]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /either --model <file.gguf> \(a local model\) or --server <url>, not both/);
});

test("the Tutor's majority vote on a server sends its k samples at once (each exactly a solve)", async () => {
    const engine = new ElasticEngine({modelPath: "", server: {url: server.url, model: "think-forever", dialect: "llama.cpp"}});
    try {
        const k = 4;
        const budget = {mode: "elastic", thinkTokens: 5, answerTokens: 50} as const;
        const started: number[] = [];
        const ended: number[] = [];
        const plans: string[] = [];
        const v = await majorityVote({problem: "What is 3+4?", budget, k, seedBase: 11, solve: (o) => engine.solve(o),
            onPlan: (p) => plans.push(p.reason),
            solveMany: (o) => engine.solveMany({...o,
                onSampleEvent: (i, e) => { if (e.type === "started") started[i] = performance.now(); },
                onSample: (i, r) => { ended[i] = performance.now(); o.onSample?.(i, r); }})});
        assert.deepEqual(v.answers, ["7", "7", "7", "7"]);
        assert.equal(v.agreed, "7");
        assert.equal(v.share, 1);
        // Samples were in flight together: some sample started before another one ended (one after another, each
        // starts after the previous one ended).
        assert.equal(started.filter((t) => t != null).length, k);
        const overlap = started.some((s, i) => ended.some((e, j) => i !== j && s < e && started[j]! < ended[i]!));
        assert.ok(overlap, `started ${started.map(Math.round)}, ended ${ended.map(Math.round)}`);
        assert.match(plans[0]!, /4 samples sent to the server at once/);
        // Each one is exactly a solve: the same tokens as a solve alone with the same seed.
        const alone = await engine.solve({problem: "What is 3+4?", budget, sampling: {seed: 11}});
        const many = await engine.solveMany({problem: "What is 3+4?", budget, samplings: [{seed: 11}, {seed: 12}]});
        assert.equal(many.results[0]!.thinkingTokens, alone.thinkingTokens);
        assert.equal(many.results[0]!.solutionTokens, alone.solutionTokens);
        assert.equal(many.results[0]!.solution, alone.solution);
    } finally {
        await engine.dispose();
    }
});
