// `npm test`: builds, writes the fixture models, then runs every tier in order and prints one closing line.
// Tiers: unit (no llama.cpp), engine (real llama.cpp on generated GGUF fixtures), integration (mocha inside a real
// VS Code extension host), ui (Playwright driving the real workbench); integration and ui again on today's VS Code
// (1.139). Each tier's time is printed when it ends and again in the summary. `--only unit,engine` runs a subset.
// Before the first tier that needs them it runs the setups (llama-server, code-server; scripts/test-tiers.mjs says
// which tier needs which), so on a fresh clone `npm install && npm test` is the whole set-up.
import {spawn} from "node:child_process";
import {fileURLToPath} from "node:url";
import {setups, tiers} from "./test-tiers.mjs";

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

/**
 * What a tier printed about its failures, for the summary (CI shows only the end of the output): mocha's "N failing"
 * section, node's "failing tests:" section (spec reporter) or its "not ok" lines (tap). At most `maxLines` lines.
 */
function failures(output, maxLines = 40) {
    const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
    const section = /^\s*\d+ failing\s*$/m.exec(plain) ?? /^✖ failing tests:\s*$/m.exec(plain);
    const lines = section != null
        ? plain.slice(section.index).split("\n").filter((l) => !l.startsWith("EMT_INTEGRATION_RESULT"))
        : plain.split("\n").filter((l) => /^\s*not ok \d+ - /.test(l));
    const kept = lines.slice(0, maxLines);
    if (lines.length > maxLines) kept.push(`… ${lines.length - maxLines} more lines above, in the tier's output`);
    return kept;
}

const steps = [
    {name: "build", cmd: "node", args: ["scripts/build.mjs"]},
    {name: "typecheck", cmd: "npx", args: ["tsc", "-p", "."]},
    {name: "fixtures", cmd: "node", args: ["out/test/fixtures/make.main.mjs"]}
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
/** Exit code of each setup run so far, by name. */
const setupResults = {};
for (const tier of tiers) {
    if (only != null && !only.has(tier.name)) continue;
    console.log(`\n=== ${tier.name} tests`);
    // What the tier needs (llama-server, code-server), each set up once: a fresh clone needs no other step.
    let setupFailed = null;
    for (const need of tier.needs) {
        if (!(need in setupResults)) {
            console.log(`--- setup: ${need}`);
            setupResults[need] = (await run(setups[need][0], setups[need][1])).code;
        }
        if (setupResults[need] !== 0) { setupFailed = {need, code: setupResults[need]}; break; }
    }
    if (setupFailed != null) {
        console.error(`${tier.name}: the ${setupFailed.need} setup failed (exit ${setupFailed.code}); its log is in .cache/`);
        summary.push({name: tier.name, passed: 0, failed: 1, code: setupFailed.code});
        continue;
    }
    const started = Date.now();
    const {code, output} = await run(tier.cmd, tier.args, {capture: true, env: tier.env});
    const seconds = Math.round((Date.now() - started) / 1000);
    console.log(`${tier.name}: ${seconds} s`);
    const c = counts(output);
    // A tier that exits non-zero counts as failed even if its output could not be parsed.
    if (code !== 0 && c.failed === 0) c.failed = 1;
    summary.push({name: tier.name, ...c, code, seconds, failures: code !== 0 || c.failed > 0 ? failures(output) : []});
}

console.log("\n=== summary");
let passed = 0;
let failed = 0;
for (const s of summary) {
    const time = s.seconds != null ? `  ${String(s.seconds).padStart(5)} s` : "";
    console.log(`${s.name.padEnd(18)} ${String(s.passed).padStart(4)} passed ${String(s.failed).padStart(4)} failed${time}${s.code !== 0 ? `  (exit ${s.code})` : ""}`);
    passed += s.passed;
    failed += s.failed;
}
for (const s of summary.filter((s) => s.failures?.length > 0)) console.log(`\n--- what failed in ${s.name}\n${s.failures.join("\n")}`);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || summary.some((s) => s.code !== 0) ? 1 : 0);
