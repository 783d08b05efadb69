/** The CLI over the same core: `node bin/elastic-math.mjs solve ...` (needs `npm run build`). */
import assert from "node:assert/strict";
import {spawn} from "node:child_process";
import {existsSync, mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, test} from "node:test";
import {parseTokenCount} from "../../src/core/budgets";
import {THINK_FOREVER} from "../fixtures/scripted";
import {repoRoot} from "../paths";
import {fixtures} from "./setup";

const root = repoRoot();
const bin = join(root, "bin", "elastic-math.mjs");

const built = {skip: !existsSync(join(root, "out", "cli.mjs")) && "run npm run build first"};
const tmp = mkdtempSync(join(tmpdir(), "elastic-cli-"));
after(() => rmSync(tmp, {recursive: true, force: true}));

function run(args: string[], onStdout?: (chunk: string, kill: (sig: NodeJS.Signals) => void) => void, stdin?: string): Promise<{code: number | null; stdout: string; stderr: string}> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [bin, ...args], {cwd: root, stdio: [stdin != null ? "pipe" : "ignore", "pipe", "pipe"]});
        if (stdin != null) child.stdin!.end(stdin);
        let stdout = "";
        let stderr = "";
        child.stdout!.setEncoding("utf8").on("data", (d: string) => { stdout += d; onStdout?.(d, (s) => child.kill(s)); });
        child.stderr!.setEncoding("utf8").on("data", (d: string) => { stderr += d; });
        child.on("error", reject);
        child.on("close", (code) => resolve({code, stdout, stderr}));
    });
}

test("solve --json on think-forever with --think 5 --answer 50", built, async () => {
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

test("streaming mode prints thinking then the solution", built, async () => {
    const {code, stdout} = await run(["solve", THINK_FOREVER.problem, "-m", fixtures["think-forever"]!, "--think", "3", "--answer", "50", "--threads", "1"]);
    assert.equal(code, 0);
    assert.ok(stdout.startsWith(THINK_FOREVER.thinkingText(3)), stdout);
    assert.ok(stdout.includes("[thinking cut at 3 tokens]"));
    assert.ok(stdout.includes("\\boxed{7}"));
});

test("Ctrl+C (SIGINT) stops cleanly and still prints the JSON result", built, async () => {
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

test("exit codes: a wrong command line exits 2 with the usage, a failed run (missing model) exits 1", built, async () => {
    const noModel = await run(["solve", "1+1"]);
    assert.equal(noModel.code, 2);
    assert.match(noModel.stderr, /--model <file.gguf> \(or --server <url>\) is required/);
    assert.match(noModel.stderr, /usage: elastic-math solve/);
    const missing = await run(["solve", "1+1", "--model", join(root, "no-such-model.gguf")]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Model file not found/);
    const badBudget = await run(["solve", "1+1", "--model", fixtures["think-forever"]!, "--think", "abc"]);
    assert.equal(badBudget.code, 2);
    assert.match(badBudget.stderr, /--think: "abc" is not a whole number of thinking tokens/);
    const json = await run(["solve", "1+1", "--model", join(root, "no-such-model.gguf"), "--json"]);
    assert.equal(json.code, 1);
    assert.equal(JSON.parse(json.stdout).error.code, "model-not-found");
    for (const command of ["solve", "eval", "grade", "render"]) {
        const r = await run([command, "--no-such-option"]);
        assert.equal(r.code, 2, `${command}: ${r.stderr}`);
        assert.match(r.stderr, /no-such-option/);
        assert.match(r.stderr, /Exit codes \(every command\)/, `${command} prints the convention with its usage`);
    }
    const eval404 = await run(["eval", "--model", join(root, "no-such-model.gguf"), "--dataset", "aime24"]);
    assert.equal(eval404.code, 1, eval404.stderr);
    assert.match(eval404.stderr, /Model file not found/);
});

test("a missing model file is reported before anything says loading", built, async () => {
    const missing = await run(["solve", "1+1", "--model", join(root, "nope.gguf"), "--think", "5"]);
    assert.equal(missing.code, 1);
    assert.doesNotMatch(missing.stderr, /loading/, missing.stderr);
    assert.equal(missing.stderr.trim(), `elastic-math solve: Model file not found: ${join(root, "nope.gguf")}`);
});

test("an option without its value names the option: --think --answer 32", built, async () => {
    const r = await run(["solve", "1+1", "-m", fixtures["think-forever"]!, "--think", "--answer", "32"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^elastic-math solve: --think needs a number\n/);
    const end = await run(["solve", "1+1", "-m", fixtures["think-forever"]!, "--answer"]);
    assert.equal(end.code, 2);
    assert.match(end.stderr, /--answer needs a number/);
});

test("budgets follow the budget pick's one rule: --think 0 is refused with its message", built, async () => {
    const zero = await run(["solve", "1+1", "-m", fixtures["think-forever"]!, "--think", "0"]);
    assert.equal(zero.code, 2);
    assert.ok(zero.stderr.includes(`--think: ${parseTokenCount("0", "thinking") as string}`), zero.stderr);
    const huge = await run(["solve", "1+1", "-m", fixtures["think-forever"]!, "--answer", "999999"]);
    assert.equal(huge.code, 2);
    assert.ok(huge.stderr.includes(`--answer: ${parseTokenCount("999999", "answer") as string}`), huge.stderr);
    const evalZero = await run(["eval", "-m", fixtures["think-forever"]!, "--dataset", "aime24", "--budgets", "0+1024"]);
    assert.equal(evalZero.code, 2);
    assert.ok(evalZero.stderr.includes(parseTokenCount("0", "thinking") as string), evalZero.stderr);
});

test("--seed beyond 2^32-1 is refused; 2^32-1 itself is used", built, async () => {
    const over = await run(["solve", "1+1", "-m", fixtures["think-forever"]!, "--seed", String(2 ** 32)]);
    assert.equal(over.code, 2);
    assert.match(over.stderr, /--seed must be a whole number from 0 to 4294967295, got "4294967296"/);
    const max = await run(["solve", THINK_FOREVER.problem, "-m", fixtures["think-forever"]!, "--think", "3", "--answer", "50", "--seed", String(2 ** 32 - 1), "--threads", "1", "--json"]);
    assert.equal(max.code, 0, max.stderr);
    assert.equal(JSON.parse(max.stdout).answer, "7");
});

test("the problem from standard input (-) and from --problem-file, beyond an argument's 128 KiB", built, async () => {
    const args = ["-m", fixtures["think-forever"]!, "--think", "3", "--answer", "50", "--seed", "7", "--threads", "1", "--json"];
    const byArg = JSON.parse((await run(["solve", THINK_FOREVER.problem, ...args])).stdout);
    const byStdin = await run(["solve", "-", ...args], undefined, THINK_FOREVER.problem);
    assert.equal(byStdin.code, 0, byStdin.stderr);
    const file = join(tmp, "problem.txt");
    writeFileSync(file, THINK_FOREVER.problem);
    const byFile = await run(["solve", "--problem-file", file, ...args]);
    assert.equal(byFile.code, 0, byFile.stderr);
    for (const r of [JSON.parse(byStdin.stdout), JSON.parse(byFile.stdout)]) {
        // Same problem, same seed: the same prompt and the same output.
        assert.equal(r.promptTokens, byArg.promptTokens);
        assert.equal(r.thinking, byArg.thinking);
        assert.equal(r.solution, byArg.solution);
    }
    // 140 KiB cannot be one argument on Linux (MAX_ARG_STRLEN); through a file it reaches the engine.
    const big = join(tmp, "big.txt");
    writeFileSync(big, "What is 3+4? ".repeat(11_000));
    const fromFile = await run(["solve", "--problem-file", big, ...args]);
    assert.notEqual(fromFile.code, 2, fromFile.stderr);
    assert.ok("error" in JSON.parse(fromFile.stdout) || JSON.parse(fromFile.stdout).answer != null, fromFile.stdout);
    assert.ok(!/^elastic-math solve: the problem/m.test(fromFile.stderr), fromFile.stderr);

    const both = await run(["solve", "2+2", "--problem-file", file, ...args]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /not both/);
    const noFile = await run(["solve", "--problem-file", join(tmp, "absent.txt"), ...args]);
    assert.equal(noFile.code, 1);
    assert.match(noFile.stderr, /cannot read the problem file .*absent\.txt/);
    const empty = await run(["solve", "-", ...args], undefined, "  \n");
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /the problem is empty \(standard input\)/);
});
