// The mocha entry that VS Code's extension host calls (`extensionTestsPath`): it loads every
// out/test/integration/*.test.js next to this bundle and runs them in the real extension host.
// Built by scripts/build.mjs to out/test/integration/index.js (CommonJS, `mocha` and `vscode` external).
// Both mocha interfaces are on: `suite`/`test` (VS Code's convention) and `describe`/`it`.
//
// Reporting: mocha's spec reporter (no colors) goes to the extension host console, which the workbench
// streams to the runner; the counts also go to the file named by EMT_INTEGRATION_RESULT (set in the
// server's environment by scripts/run-integration.mjs) and to a last `EMT_INTEGRATION_RESULT {...}` line.
// First: what the window's own activation left, before mocha or any test loads a module (see startupProbe.ts).
import "./startupProbe";
import * as fs from "node:fs";
import * as path from "node:path";

type MochaCtor = typeof import("mocha");

interface Result {
    passed: number;
    failed: number;
    pending: number;
    durationMs: number;
    failures: {title: string; error: string}[];
}

async function loadMocha(): Promise<MochaCtor> {
    // mocha 12 is an ES module: import() works in every extension host (require(esm) needs Node >= 20.19).
    const m = (await import("mocha")) as unknown as {default?: MochaCtor} & MochaCtor;
    return m.default ?? m;
}

export async function run(): Promise<void> {
    const Mocha = await loadMocha();
    const mocha = new Mocha({
        ui: "tdd",
        reporter: "spec",
        color: false,
        timeout: Number(process.env.EMT_INTEGRATION_TEST_TIMEOUT_MS ?? 60000),
        slow: 2000,
        grep: process.env.EMT_INTEGRATION_GREP || undefined
    });
    // Also the bdd globals (describe/it/before/after...), bound to the same root suite.
    (Mocha as unknown as {interfaces: Record<string, (s: unknown) => void>}).interfaces.bdd(mocha.suite);

    const dir = __dirname;
    const files = fs.readdirSync(dir).filter((f) => f.endsWith(".test.js")).sort();
    if (files.length === 0) throw new Error(`no *.test.js next to ${__filename}: run \`npm run build\` first`);
    for (const f of files) mocha.addFile(path.join(dir, f));
    await mocha.loadFilesAsync();

    const started = Date.now();
    const result: Result = {passed: 0, failed: 0, pending: 0, durationMs: 0, failures: []};
    await new Promise<void>((resolve) => {
        const runner = mocha.run(() => resolve());
        runner.on("pass", () => { result.passed++; });
        runner.on("pending", () => { result.pending++; });
        runner.on("fail", (test, err: Error) => {
            result.failed++;
            result.failures.push({title: test.fullTitle(), error: String(err?.stack ?? err)});
        });
    });
    result.durationMs = Date.now() - started;

    const out = process.env.EMT_INTEGRATION_RESULT;
    if (out) {
        try { fs.writeFileSync(out, JSON.stringify(result, null, 2)); } catch (e) { console.error(`cannot write ${out}: ${e}`); }
    }
    console.log(`EMT_INTEGRATION_RESULT ${JSON.stringify({passed: result.passed, failed: result.failed, pending: result.pending})}`);
    if (result.failed > 0) throw new Error(`${result.failed} integration test(s) failed`);
}
