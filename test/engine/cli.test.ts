/** The CLI over the same core: `node bin/elastic-math.mjs solve ...` (needs `npm run build`). */
import assert from "node:assert/strict";
import {spawn} from "node:child_process";
import {existsSync} from "node:fs";
import {join} from "node:path";
import {test} from "node:test";
import {THINK_FOREVER} from "../fixtures/scripted";
import {fixtures, repoRoot} from "./setup";

const root = repoRoot();
const bin = join(root, "bin", "elastic-math.mjs");

function run(args: string[], onStdout?: (chunk: string, kill: (sig: NodeJS.Signals) => void) => void): Promise<{code: number | null; stdout: string; stderr: string}> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [bin, ...args], {cwd: root, stdio: ["ignore", "pipe", "pipe"]});
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (d: string) => { stdout += d; onStdout?.(d, (s) => child.kill(s)); });
        child.stderr.setEncoding("utf8").on("data", (d: string) => { stderr += d; });
        child.on("error", reject);
        child.on("close", (code) => resolve({code, stdout, stderr}));
    });
}

test("solve --json on think-forever with --think 5 --answer 50", {skip: !existsSync(join(root, "out", "cli.mjs")) && "run npm run build first"}, async () => {
    const {code, stdout, stderr} = await run(["solve", THINK_FOREVER.problem, "--model", fixtures["think-forever"]!, "--think", "5", "--answer", "50", "--seed", "7", "--threads", "1", "--json"]);
    assert.equal(code, 0, stderr);
    const lines = stdout.trim().split("\n");
    assert.equal(lines.length, 1, "one JSON object, nothing else on stdout");
    const r = JSON.parse(lines[0]!);
    assert.equal(r.thinkingTokens, 5);
    assert.equal(r.thinkingCut, true);
    assert.equal(r.thinking, THINK_FOREVER.thinkingText(5));
    assert.equal(r.solution, THINK_FOREVER.fullSolution);
    assert.equal(r.solutionTokens, THINK_FOREVER.naturalSolutionTokens);
    assert.equal(r.stop, "eog");
    assert.equal(r.answer, "7");
    assert.equal(r.model, "think-forever");
    assert.equal(r.device, "CPU (1 thread)");
    assert.deepEqual(r.budget, {mode: "elastic", thinkTokens: 5, answerTokens: 50});
    for (const k of ["loadMs", "promptMs", "timeToFirstTokenMs", "thinkingMs", "solutionMs", "totalMs", "tokensPerSecond"])
        assert.equal(typeof r.timings[k], "number", k);
});

test("streaming mode prints thinking then the solution", {skip: !existsSync(join(root, "out", "cli.mjs")) && "run npm run build first"}, async () => {
    const {code, stdout} = await run(["solve", THINK_FOREVER.problem, "-m", fixtures["think-forever"]!, "--think", "3", "--answer", "50", "--threads", "1"]);
    assert.equal(code, 0);
    assert.ok(stdout.startsWith(THINK_FOREVER.thinkingText(3)), stdout);
    assert.ok(stdout.includes("[thinking cut at 3 tokens]"));
    assert.ok(stdout.includes("\\boxed{7}"));
});

test("Ctrl+C (SIGINT) stops cleanly and still prints the JSON result", {skip: !existsSync(join(root, "out", "cli.mjs")) && "run npm run build first"}, async () => {
    let sent = false;
    const started = performance.now();
    const {code, stdout, stderr} = await run(["solve", THINK_FOREVER.problem, "-m", fixtures["think-forever"]!, "--unconstrained", "--context", "32768", "--threads", "1"],
        (chunk, kill) => { if (!sent && chunk.includes("Wait")) { sent = true; kill("SIGINT"); } });
    assert.ok(sent);
    assert.equal(code, 0, stderr);
    assert.match(stderr, /stopped: .*stop abort/);
    assert.ok(performance.now() - started < 20_000);
    assert.ok(stdout.includes("Wait, let me check again."));
});

test("bad input: exit code 1 and a clear message", {skip: !existsSync(join(root, "out", "cli.mjs")) && "run npm run build first"}, async () => {
    const noModel = await run(["solve", "1+1"]);
    assert.equal(noModel.code, 1);
    assert.match(noModel.stderr, /--model <file.gguf> is required/);
    const missing = await run(["solve", "1+1", "--model", join(root, "no-such-model.gguf")]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Model file not found/);
    const badBudget = await run(["solve", "1+1", "--model", fixtures["think-forever"]!, "--think", "abc"]);
    assert.equal(badBudget.code, 1);
    assert.match(badBudget.stderr, /--think must be a whole number/);
    const json = await run(["solve", "1+1", "--model", join(root, "no-such-model.gguf"), "--json"]);
    assert.equal(json.code, 1);
    assert.equal(JSON.parse(json.stdout).error.code, "model-not-found");
});
