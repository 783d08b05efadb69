// `npm test`: builds, writes the fixture models, then runs every tier in order and prints one closing line.
// Tiers: unit (no llama.cpp), engine (real llama.cpp on generated GGUF fixtures), integration (mocha inside a real
// VS Code extension host), ui (Playwright driving the real workbench). `--only unit,engine` runs a subset.
import {spawn} from "node:child_process";
import {fileURLToPath} from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const onlyArg = process.argv.find((a) => a.startsWith("--only="));
const only = onlyArg ? new Set(onlyArg.slice(7).split(",")) : null;

/** Runs a command, streaming its output, and returns {code, output}. */
function run(cmd, args, {capture = false, env = {}} = {}) {
    return new Promise((resolve) => {
        const child = spawn(cmd, args, {cwd: root, stdio: capture ? ["ignore", "pipe", "pipe"] : "inherit", env: {...process.env, ...env}});
        let output = "";
        if (capture) {
            child.stdout.on("data", (d) => { output += d; process.stdout.write(d); });
            child.stderr.on("data", (d) => { output += d; process.stderr.write(d); });
        }
        child.on("close", (code, signal) => resolve({code: code ?? (signal ? 1 : 0), output}));
    });
}

function counts(output) {
    // node's test runner (spec or tap reporter) and our integration runner's closing line.
    const pick = (re) => [...output.matchAll(re)].map((m) => Number(m[1]));
    const last = (arr) => (arr.length > 0 ? arr[arr.length - 1] : null);
    let passed = last(pick(/^(?:#|ℹ) pass (\d+)/gm));
    let failed = last(pick(/^(?:#|ℹ) fail (\d+)/gm));
    const plain = /(\d+) passed, (\d+) failed/.exec(output.split("\n").reverse().find((l) => /\d+ passed, \d+ failed/.test(l)) ?? "");
    if (passed == null && plain) { passed = Number(plain[1]); failed = Number(plain[2]); }
    return {passed: passed ?? 0, failed: failed ?? 0};
}

const steps = [
    {name: "build", cmd: "node", args: ["scripts/build.mjs"]},
    {name: "typecheck", cmd: "npx", args: ["tsc", "-p", "."]},
    {name: "fixtures", cmd: "node", args: ["out/test/fixtures/make.main.mjs"]}
];
const tiers = [
    {name: "unit", cmd: "node", args: ["--test", "--test-reporter=spec", "out/test/unit/"]},
    {name: "engine", cmd: "node", args: ["--test", "--test-reporter=spec", "--test-concurrency=1", "out/test/engine/"]},
    {name: "integration", pre: ["bash", ["scripts/setup-vscode.sh"]], cmd: "node", args: ["scripts/run-integration.mjs"]},
    {name: "ui", pre: ["bash", ["scripts/setup-vscode.sh"]], cmd: "node", args: ["--test", "--test-reporter=spec", "--test-concurrency=1", "out/test/ui/"]},
    // Today's VS Code (code-server 4.139.1 on Node 24): @math in its Chat view with our model in its model picker.
    {name: "ui-1.139", pre: ["bash", ["scripts/setup-vscode.sh", "1.139"]], env: {EMT_VSCODE_VERSION: "1.139"}, cmd: "node",
        args: ["--test", "--test-reporter=spec", "--test-concurrency=1", "out/test/ui/chat-participant.test.mjs"]}
];

for (const step of steps) {
    console.log(`\n=== ${step.name}`);
    const {code} = await run(step.cmd, step.args);
    if (code !== 0) {
        console.error(`\n${step.name} failed (exit ${code})`);
        console.log("tests: 0 passed, 1 failed");
        process.exit(1);
    }
}

const summary = [];
for (const tier of tiers) {
    if (only != null && !only.has(tier.name)) continue;
    console.log(`\n=== ${tier.name} tests`);
    if (tier.pre) {
        const pre = await run(tier.pre[0], tier.pre[1]);
        if (pre.code !== 0) {
            summary.push({name: tier.name, passed: 0, failed: 1, code: pre.code});
            continue;
        }
    }
    const started = Date.now();
    const {code, output} = await run(tier.cmd, tier.args, {capture: true, env: tier.env});
    console.log(`${tier.name}: ${((Date.now() - started) / 1000).toFixed(0)} s`);
    const c = counts(output);
    // A tier that exits non-zero counts as failed even if its output could not be parsed.
    if (code !== 0 && c.failed === 0) c.failed = 1;
    summary.push({name: tier.name, ...c, code});
}

console.log("\n=== summary");
let passed = 0;
let failed = 0;
for (const s of summary) {
    console.log(`${s.name.padEnd(12)} ${String(s.passed).padStart(4)} passed ${String(s.failed).padStart(4)} failed${s.code !== 0 ? `  (exit ${s.code})` : ""}`);
    passed += s.passed;
    failed += s.failed;
}
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || summary.some((s) => s.code !== 0) ? 1 : 0);
