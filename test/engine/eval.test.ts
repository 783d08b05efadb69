/**
 * The evaluation harness end to end, through the CLI, on the think-forever fixture (llama.cpp really runs): it
 * always answers \boxed{7} after its (cut) thinking, so accuracy is known exactly. A run killed mid-way (SIGKILL,
 * plus a torn last line) and resumed must give the same final table as an uninterrupted run.
 */
import assert from "node:assert/strict";
import {spawn} from "node:child_process";
import {appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, test} from "node:test";
import {FEW_SHOT_BASE, THINK_FOREVER, THINK_STOPS} from "../fixtures/scripted";
import {repoRoot} from "../paths";
import {fixtures, writeSumsDataset} from "./setup";

const root = repoRoot();
const bin = join(root, "bin", "elastic-math.mjs");
const tmp = mkdtempSync(join(tmpdir(), "elastic-eval-"));
after(() => rmSync(tmp, {recursive: true, force: true}));

const dataset = writeSumsDataset(tmp);

function run(args: string[], killOnFirstProgress = false): Promise<{code: number | null; signal: string | null; stdout: string; stderr: string}> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [bin, "eval", ...args], {cwd: root, stdio: ["ignore", "pipe", "pipe"]});
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (d: string) => {
            stdout += d;
            if (killOnFirstProgress && stdout.includes("[2/")) child.kill("SIGKILL");
        });
        child.stderr.setEncoding("utf8").on("data", (d: string) => { stderr += d; });
        child.on("error", reject);
        child.on("close", (code, signal) => resolve({code, signal, stdout, stderr}));
    });
}

const common = ["--model", fixtures["think-forever"]!, "--dataset", dataset, "--budgets", "5+50,5+3", "--samples", "4", "--threads", "1", "--context", "2048"];

test("eval: exact Avg@k and mean tokens per budget, Markdown table and SVG plot", {skip: !existsSync(join(root, "out", "cli.mjs")) && "run npm run build first"}, async () => {
    const out = join(tmp, "clean");
    const r = await run([...common, "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    // A fresh run: plain counts, nothing about resuming; the summary names every file it wrote.
    assert.match(r.stderr, /^3 problems x 2 budgets x 4 samples = 24$/m);
    assert.doesNotMatch(r.stderr, /resum|already done/);
    for (const f of ["samples.jsonl", "results.md", "results.json", "accuracy-vs-tokens.svg"]) assert.ok(r.stderr.includes(join(out, f)), `summary names ${f}: ${r.stderr}`);
    const json = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
    assert.equal(json.complete, true);
    const [full, short] = json.rows;
    // 5+50: thinking cut at 5, the whole scripted solution; answers 7 -> right for "7" and "7.0", wrong for "8".
    assert.equal(full.samples, 12);
    assert.equal(full.accuracy, 200 / 3);
    assert.equal(full.meanTokens, 5 + THINK_FOREVER.naturalSolutionTokens!);
    // 5+3: the solution is cut before its \boxed{}: no answer, 0%.
    assert.equal(short.accuracy, 0);
    assert.equal(short.meanTokens, 8);
    const md = readFileSync(join(out, "results.md"), "utf8");
    assert.ok(md.includes(`| 5+50 | ${5 + THINK_FOREVER.naturalSolutionTokens!} | 66.7 | 12 | 0 |`), md);
    assert.match(md, /\| 5\+3 \| 8 \| 0\.0 \| 12 \| 0 \|/);
    const svg = readFileSync(join(out, "accuracy-vs-tokens.svg"), "utf8");
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.equal((svg.match(/<circle /g) ?? []).length, 2);
    assert.ok(!/<script/i.test(svg));
    const lines = readFileSync(join(out, "samples.jsonl"), "utf8").trim().split("\n");
    assert.equal(lines.length, 24);
});

test("eval: killed mid-run, resumed, gives the same table", {skip: !existsSync(join(root, "out", "cli.mjs")) && "run npm run build first"}, async () => {
    const out = join(tmp, "resumed");
    const first = await run([...common, "--out", out], true);
    assert.equal(first.signal, "SIGKILL", "the first run must be killed mid-way: " + first.stdout.slice(-200));
    const partial = readFileSync(join(out, "samples.jsonl"), "utf8").trim().split("\n").length;
    assert.ok(partial >= 1 && partial < 24, `killed after ${partial} samples`);
    appendFileSync(join(out, "samples.jsonl"), '{"budget":"5+50","id":"a","sam'); // a torn line, as a crash mid-write leaves
    const second = await run([...common, "--out", out]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, new RegExp(`resuming: ${partial} already done, ${24 - partial} to go`));
    const lines = readFileSync(join(out, "samples.jsonl"), "utf8").trim().split("\n");
    assert.equal(lines.length, 24);
    const keys = new Set(lines.map((l) => { const r = JSON.parse(l); return `${r.budget}/${r.id}/${r.sample}`; }));
    assert.equal(keys.size, 24, "no sample twice");
    const clean = join(tmp, "clean", "results.md");
    if (existsSync(clean)) assert.equal(readFileSync(join(out, "results.md"), "utf8"), readFileSync(clean, "utf8"));
});

test("eval: bad input gives a clear message", {skip: !existsSync(join(root, "out", "cli.mjs")) && "run npm run build first"}, async () => {
    const r1 = await run(["--model", fixtures["think-forever"]!, "--dataset", "nope"]);
    assert.equal(r1.code, 1);
    assert.match(r1.stderr, /dataset "nope" not found/);
    const r2 = await run([...common.slice(0, 4), "--budgets", "5-50"]);
    assert.equal(r2.code, 2, "a malformed --budgets is a wrong command line");
    assert.match(r2.stderr, /is not <think>\+<answer>/);
});

test("eval --unconstrained: one phase; tokens = the whole natural response", {skip: !existsSync(join(root, "out", "cli.mjs")) && "run npm run build first"}, async () => {
    const out = join(tmp, "unconstrained");
    const r = await run(["--model", fixtures["think-stops"]!, "--dataset", dataset, "--unconstrained", "--samples", "2", "--threads", "1", "--context", "2048", "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
    assert.equal(json.rows.length, 1);
    assert.equal(json.rows[0].budget, "unconstrained");
    // think-stops answers 4: wrong for 7, 7.0 and 8.
    assert.equal(json.rows[0].accuracy, 0);
    assert.equal(json.rows[0].meanTokens, THINK_STOPS.naturalThinkingTokens! + THINK_STOPS.naturalSolutionTokens!);
});

test("eval on a Llemma-style base model: Minerva few-shot prompt from the GGUF (no template), stop texts, 'The final answer is' graded", {skip: !existsSync(join(root, "out", "cli.mjs")) && "run npm run build first"}, async () => {
    // few-shot-base writes "... The final answer is $5$. I hope it is correct." then a new "Problem:" forever.
    const fives = join(tmp, "fives.jsonl");
    writeFileSync(fives, [
        {id: "p", problem: "What is 2+3?", answer: "5"},
        {id: "q", problem: "What is 10/2?", answer: "\\frac{10}{2}"},
        {id: "r", problem: "What is 3+3?", answer: "6"},
        {id: "s", problem: "What is 1+3?", answer: "4"}
    ].map((x) => JSON.stringify(x)).join("\n") + "\n");
    const out = join(tmp, "few-shot");
    // One problem less to show the singular: "1 problem".
    const one = await run(["--model", fixtures[FEW_SHOT_BASE.name]!, "--dataset", fives, "--budgets", "1+4", "--samples", "1", "--limit", "1", "--threads", "1", "--context", "2048", "--out", join(tmp, "one")]);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stderr, /^1 problem x 1 budget x 1 sample = 1$/m);
    const r = await run(["--model", fixtures[FEW_SHOT_BASE.name]!, "--dataset", fives, "--budgets", "1+300,1+4", "--samples", "3", "--threads", "1", "--context", "2048", "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /prompt format: Minerva few-shot/);
    const json = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
    const [full, short] = json.rows;
    // Answer "5" each time: right for "5" and "\frac{10}{2}", wrong for 6 and 4 -> exactly 50%.
    assert.equal(full.samples, 12);
    assert.equal(full.accuracy, 50);
    // The stop text ends every sample once "I hope it is correct." is complete: the same token count each time.
    assert.equal(full.meanTokens, FEW_SHOT_BASE.spec.solution.indexOf(" it is correct.") + 1);
    // 4 tokens: cut before "The final answer is": no answer, 0%.
    assert.equal(short.accuracy, 0);
    assert.equal(short.meanTokens, 4);
    const samples = readFileSync(join(out, "samples.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual([...new Set(samples.filter((x) => x.budget === "1+300").map((x) => x.pred))], ["5"]);
});

test("eval: the shipped minerva and olympiad sets load by name", async () => {
    const {loadDataset} = await import("../../src/core/eval/dataset");
    const m = loadDataset("minerva", root);
    const o = loadDataset("olympiad", root);
    assert.equal(m.items.length, 272);
    assert.equal(o.items.length, 675);
    assert.ok(m.items.every((x) => x.problem.length > 0 && x.answer.length > 0));
    assert.ok(o.items.every((x) => x.problem.length > 0 && x.answer.length > 0));
});
