// What the extension host looks like when the tests start, before any test runs a command or activates anything:
// imported first by index.ts (before mocha is loaded), so the snapshot is the state the window's own activation left.
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";

export const EXTENSION_ID = "elastic-math.elastic-math-tutor";

/** The CommonJS modules of node-llama-cpp's graph loaded now: node-llama-cpp is an ES module (not in require.cache),
 * and importing it loads its CommonJS dependency fs-extra, which nothing else here uses (mocha, loaded by index.ts,
 * brings debug, ms, supports-color...: not counted). The second activation test checks that a solve shows up here. */
export function modulesFromNodeModules(): string[] {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    if (ext == null) return [];
    let root = path.join(ext.extensionPath, "node_modules");
    try { root = fs.realpathSync(root); } catch { /* none */ }
    return Object.keys(require.cache).filter((k) => k.startsWith(root + path.sep) && /[\\/]node_modules[\\/](node-llama-cpp|fs-extra)[\\/]/.test(k));
}

/** Whether the extension's main part (out/main.js: the panels, KaTeX, markdown-it, the grader) is in require.cache. */
export function mainBundleLoaded(): boolean {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    if (ext == null) return false;
    const file = path.join(ext.extensionPath, "out", "main.js");
    let real = file;
    try { real = fs.realpathSync(file); } catch { /* not built */ }
    return require.cache[file] != null || require.cache[real] != null;
}

/** Taken when this module is first loaded (index.ts imports it first). */
export const atTestStart = {
    active: vscode.extensions.getExtension(EXTENSION_ID)?.isActive === true,
    modules: modulesFromNodeModules(),
    mainLoaded: mainBundleLoaded()
};
