// The platform VSIX: `npm run package -- --target <t>` ships node-llama-cpp with only that platform's binaries.
// Real vsce, real zip listing. Another platform's binaries come from the npm registry at node-llama-cpp's version
// (node-llama-cpp is pinned to 3.21.1 because that is the version whose mac/win binary packages the registry serves).
import assert from "node:assert/strict";
import {execFileSync, spawnSync} from "node:child_process";
import {existsSync, rmSync} from "node:fs";
import {join} from "node:path";
import {test} from "node:test";
import {repoRoot} from "../paths";

const root = repoRoot();
const version = (JSON.parse(execFileSync("node", ["-p", "JSON.stringify(require('./package.json'))"], {cwd: root, encoding: "utf8"})) as {version: string}).version;

function packageFor(target: string): string[] {
    const out = join(root, `elastic-math-tutor-${target}-${version}.vsix`);
    rmSync(out, {force: true});
    const r = spawnSync("node", ["scripts/package.mjs", "--target", target], {cwd: root, encoding: "utf8"});
    assert.equal(r.status, 0, `packaging ${target} failed:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /size \d+(\.\d)? MB/, "the size is not printed");
    console.log(r.stdout.split("\n").filter((l) => /VSIX|size|binaries/.test(l)).join("\n"));
    assert.ok(existsSync(out));
    const list = execFileSync("unzip", ["-Z1", out], {encoding: "utf8", maxBuffer: 64 * 1024 * 1024}).split("\n").filter(Boolean);
    rmSync(out, {force: true});
    return list;
}

function binaryPackages(list: string[]): string[] {
    return [...new Set(list.map((f) => /^extension\/node_modules\/@node-llama-cpp\/([^/]+)\//.exec(f)?.[1]).filter((x): x is string => x != null))].sort();
}

test("the linux-x64 VSIX holds node-llama-cpp and only linux-x64 binaries, no sources or tests", {timeout: 300000}, () => {
    const list = packageFor("linux-x64");
    assert.deepEqual(binaryPackages(list), ["linux-x64", "linux-x64-vulkan"]);
    // The entry (activation loads only it), the main part it loads on first use, and the formula worker.
    for (const bundle of ["extension.js", "main.js", "formulaWorker.js"]) assert.ok(list.includes(`extension/out/${bundle}`), `out/${bundle} is missing`);
    assert.ok(!list.includes("extension/out/extension.inputs.json"), "the build's input list is shipped");
    assert.ok(list.includes("extension/out/webview/panel.js"));
    assert.ok(list.some((f) => f.startsWith("extension/media/katex/fonts/")), "KaTeX fonts are missing");
    assert.ok(list.includes("extension/node_modules/node-llama-cpp/package.json"));
    assert.ok(list.some((f) => f.startsWith("extension/models/")), "the model catalog is missing");
    for (const f of list) {
        assert.doesNotMatch(f, /^extension\/(src|test|scripts)\//, `source or test file shipped: ${f}`);
        assert.doesNotMatch(f, /gitRelease\.bundle$|\.map$/, `build-only file shipped: ${f}`);
        // Bundled by esbuild into out/, so never shipped again as packages.
        assert.doesNotMatch(f, /^extension\/node_modules\/(markdown-it|katex|@vscode\/markdown-it-katex)\//, `bundled package shipped: ${f}`);
    }
});

test("the linux-arm64 VSIX holds only linux-arm64 binaries", {timeout: 300000}, () => {
    assert.deepEqual(binaryPackages(packageFor("linux-arm64")), ["linux-arm64"]);
});

test("the darwin-arm64 VSIX holds only the Metal build for Apple silicon", {timeout: 300000}, () => {
    assert.deepEqual(binaryPackages(packageFor("darwin-arm64")), ["mac-arm64-metal"]);
});

test("the darwin-x64 VSIX holds only the Intel mac build", {timeout: 300000}, () => {
    assert.deepEqual(binaryPackages(packageFor("darwin-x64")), ["mac-x64"]);
});

test("the win32-x64 VSIX holds only the Windows x64 builds (CPU and Vulkan)", {timeout: 300000}, () => {
    const list = packageFor("win32-x64");
    assert.deepEqual(binaryPackages(list), ["win-x64", "win-x64-vulkan"]);
    assert.ok(list.some((f) => /^extension\/node_modules\/@node-llama-cpp\/win-x64\/bins\/.*llama-addon\.node$/.test(f)), "the Windows addon is missing");
});
