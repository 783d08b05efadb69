// Setting user settings from integration tests. `WorkspaceConfiguration.update()` can resolve a moment before this
// extension host reads the new value, and the extension reads settings at the start of each request, so a test
// that sends a request right after changing a setting could run with the old one (a flake seen in CI: a chat turn
// asked for a budget preset that the host did not see yet). Every test changes settings through here.
import * as vscode from "vscode";

/** Sets `elasticMath.<key>` in the user settings (undefined removes it) and waits until this host reads it. */
export async function setSetting(key: string, value: unknown): Promise<void> {
    const config = () => vscode.workspace.getConfiguration("elasticMath");
    // Bounded: under load the workbench once never answered one of these (a suite's teardown waited 7 minutes).
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
        config().update(key, value, vscode.ConfigurationTarget.Global),
        new Promise((_resolve, reject) => (timer = setTimeout(() => reject(new Error(`updating the setting elasticMath.${key} did not finish within 60 s`)), 60000)))
    ]).finally(() => clearTimeout(timer));
    const want = JSON.stringify(value);
    const t0 = Date.now();
    while (JSON.stringify(config().inspect(key)?.globalValue) !== want) {
        if (Date.now() - t0 > 10000) throw new Error(`the setting elasticMath.${key} did not read ${want} within 10 s of update()`);
        await new Promise((r) => setTimeout(r, 10));
    }
}

/**
 * Activates the extension under test and applies `settings` (elasticMath.* keys without the prefix); returns its API
 * and the fixture models' folder. Undo with {@link resetSettings}.
 */
export async function activateWith<Api>(settings: Record<string, unknown>): Promise<{api: Api; models: string}> {
    const ext = vscode.extensions.getExtension<Api>("elastic-math.elastic-math-tutor");
    if (ext == null) throw new Error("the extension under test was not found");
    const api = await ext.activate();
    for (const [key, value] of Object.entries(settings)) await setSetting(key, value);
    return {api, models: `${ext.extensionPath}/test/fixtures/models`};
}

/** Removes these elasticMath.* keys from the user settings. */
export async function resetSettings(keys: readonly string[]): Promise<void> {
    for (const key of keys) await setSetting(key, undefined);
}
