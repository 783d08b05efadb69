// Issue 12, defect 7: activation loads only the extension's entry bundle (out/extension.js), so it must stay small:
// no package from node_modules (KaTeX, markdown-it, compute-engine, jinja...), no renderer, no engine, no panels. What
// the build put into it is listed by scripts/build.mjs in out/extension.inputs.json (esbuild's metafile); the main part
// is the second bundle, out/main.js, required on first use. Run after `npm run build`.
import assert from "node:assert/strict";
import {existsSync, readFileSync} from "node:fs";
import {test} from "node:test";
import {fromRoot} from "../paths";

/** Source folders and files the entry may hold: the shims, the log, the settings, the status item, and their leaves. */
const allowed = [/^src\/extension\.ts$/, /^src\/vscode\/(commandIds|disposable|log|modelName|settings|statusBar)\.ts$/,
    /^src\/vscode\/chat\/(mathParticipant|languageModel)Registration\.ts$/, /^src\/core\/(budgets|logger)\.ts$/];

function entryInputs(): string[] {
    const file = fromRoot("out", "extension.inputs.json");
    assert.ok(existsSync(file), "out/extension.inputs.json is missing: scripts/build.mjs lists the entry bundle's inputs there");
    return JSON.parse(readFileSync(file, "utf8")) as string[];
}

test("the entry bundle holds only the light shims: no package, no renderer, no engine, no panels", () => {
    const inputs = entryInputs();
    assert.ok(inputs.includes("src/extension.ts"), `the list is not the entry's: ${inputs.join(", ")}`);
    assert.deepEqual(inputs.filter((f) => f.includes("node_modules/")), [], "packages bundled into the entry");
    assert.deepEqual(inputs.filter((f) => !allowed.some((a) => a.test(f))), [], "modules outside the entry's light set");
});

test("the entry loads the main part as the second bundle, out/main.js, which holds the heavy modules", () => {
    const entry = readFileSync(fromRoot("out", "extension.js"), "utf8");
    assert.match(entry, /require\("\.\/main\.js"\)/);
    assert.ok(existsSync(fromRoot("out", "main.js")), "out/main.js was not built");
    assert.ok(!/KaTeX parse error/.test(entry), "KaTeX is in the entry bundle");
    assert.ok(/KaTeX parse error/.test(readFileSync(fromRoot("out", "main.js"), "utf8")), "KaTeX is not in out/main.js: is the renderer elsewhere?");
});

test("the light set excludes what the checks are for (so they can fail)", () => {
    for (const heavy of ["src/render/index.ts", "src/vscode/engineService.ts", "src/vscode/chat/mathParticipant.ts", "src/main.ts"])
        assert.ok(!allowed.some((a) => a.test(heavy)), heavy);
});
