/** `elastic-math grade`: JSON lines in, one verdict line per input line, in order; bad lines keep the alignment. */
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {existsSync} from "node:fs";
import {join} from "node:path";
import {test} from "node:test";
import {repoRoot} from "./paths";

const root = repoRoot();
test("grade reads pairs on stdin and writes verdicts in order", {skip: !existsSync(join(root, "out", "cli.mjs")) && "run npm run build first"}, () => {
    const input = [
        {gold: "\\frac{1}{2}", pred: "0.5"},
        {gold: "3", pred: "x = 4"},
        "not json",
        {gold: "\\frac{n(n+1)}{2}", pred: "\\sum_{k=1}^{n} k"},
        {gold: "(1,2)", pred: "\\left(1, 2\\right)"}
    ].map((x) => typeof x === "string" ? x : JSON.stringify(x)).join("\n") + "\n";
    const r = spawnSync(process.execPath, [join(root, "bin", "elastic-math.mjs"), "grade"], {input, encoding: "utf8", timeout: 60_000});
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(lines.length, 5);
    assert.deepEqual(lines.map((l) => l.equal), [true, false, null, null, true]);
    assert.match(lines[2].error, /line 3: not JSON/);
});
