// What the extension host looks like when the tests start, before any test runs a command or activates anything:
// imported first by index.ts (before mocha is loaded), so the snapshot is the state the window's own activation left.
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";

export const EXTENSION_ID = "elastic-math.elastic-math-tutor";

/** The CommonJS modules loaded from the extension's node_modules, now. The extension bundle inlines every
 * dependency but node-llama-cpp (external, imported on first use), so an entry here means node-llama-cpp (or a
 * dependency of it) was loaded. mocha, loaded from there too by index.ts, is left out. */
export function modulesFromNodeModules(): string[] {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    if (ext == null) return [];
    let root = path.join(ext.extensionPath, "node_modules");
    try { root = fs.realpathSync(root); } catch { /* none */ }
    return Object.keys(require.cache).filter((k) => k.startsWith(root + path.sep) && !/[\\/]node_modules[\\/]mocha[\\/]/.test(k));
}

/** Taken when this module is first loaded (index.ts imports it first). */
export const atTestStart = {
    active: vscode.extensions.getExtension(EXTENSION_ID)?.isActive === true,
    modules: modulesFromNodeModules()
};
