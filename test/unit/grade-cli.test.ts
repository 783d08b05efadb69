/**
 * `elastic-math grade` and `render --jsonl`: JSON lines in, one output line per input line, in order; bad lines keep
 * the alignment and make the exit code 1 (the CLI's one convention, src/cli/args.ts), in both commands alike.
 */
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {existsSync} from "node:fs";
import {join} from "node:path";
import {test} from "node:test";
import {repoRoot} from "../paths";

const root = repoRoot();
const built = {skip: !existsSync(join(root, "out", "cli.mjs")) && "run npm run build first"};
const cli = (args: string[], input: string) => spawnSync(process.execPath, [join(root, "bin", "elastic-math.mjs"), ...args], {input, encoding: "utf8", timeout: 60_000});

test("grade reads pairs on stdin and writes verdicts in order", built, () => {
    const input = [
        {gold: "\\frac{1}{2}", pred: "0.5"},
        {gold: "3", pred: "x = 4"},
        "not json",
        {gold: "\\frac{n(n+1)}{2}", pred: "\\sum_{k=1}^{n} k"},
        {gold: "(1,2)", pred: "\\left(1, 2\\right)"}
    ].map((x) => typeof x === "string" ? x : JSON.stringify(x)).join("\n") + "\n";
    const r = cli(["grade"], input);
    assert.equal(r.status, 1, "a bad line makes the exit code 1: " + r.stderr);
    assert.match(r.stderr, /1 input line was not a \{"gold", "pred"\} pair/);
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(lines.length, 5);
    assert.deepEqual(lines.map((l) => l.equal), [true, false, null, null, true]);
    assert.match(lines[2].error, /line 3: not JSON/);
});

test("grade and render --jsonl: the same exit code for the same kind of bad line, 0 when all lines are good", built, () => {
    const good = cli(["grade"], JSON.stringify({gold: "1", pred: "1"}) + "\n");
    assert.equal(good.status, 0, good.stderr);
    const goodRender = cli(["render", "--jsonl"], JSON.stringify({id: 1, text: "$x$"}) + "\n");
    assert.equal(goodRender.status, 0, goodRender.stderr);
    for (const bad of ["not json", "[1, 2]", "{}"]) {
        const g = cli(["grade"], bad + "\n");
        const r = cli(["render", "--jsonl"], bad + "\n");
        assert.equal(g.status, 1, `grade on ${bad}`);
        assert.equal(r.status, 1, `render on ${bad}`);
        assert.ok("error" in JSON.parse(g.stdout), g.stdout);
        assert.ok("error" in JSON.parse(r.stdout), r.stdout);
    }
    // A wrong command line is 2 for both.
    assert.equal(cli(["grade", "--jsonl"], "").status, 2);
    assert.equal(cli(["render", "--nope"], "").status, 2);
});
