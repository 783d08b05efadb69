// The settings module (src/vscode/settings.ts) against package.json in the real extension host: it reads every
// elasticMath key package.json declares, no other, and falls back to the default package.json declares.
import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import {readSettings, settingDefaults, settingsSection} from "../../src/vscode/settings";

suite("settings: every key", () => {
    test("settings.ts reads exactly package.json's elasticMath keys, with the same defaults", () => {
        const ext = vscode.extensions.getExtension("elastic-math.elastic-math-tutor")!;
        const declared = ext.packageJSON.contributes.configuration.properties as Record<string, {default?: unknown}>;
        const declaredKeys = Object.keys(declared).map((k) => k.slice(`${settingsSection}.`.length)).sort();
        assert.deepEqual(Object.keys(settingDefaults).sort(), declaredKeys);
        for (const [key, fallback] of Object.entries(settingDefaults)) {
            if (fallback === undefined) continue; // budget.presets: normalizePresets holds the same list
            assert.deepEqual(fallback, declared[`${settingsSection}.${key}`]!.default, key);
            assert.deepEqual(vscode.workspace.getConfiguration(settingsSection).inspect(key)?.defaultValue, fallback, key);
        }
        const s = readSettings();
        assert.equal(s.defaultBudgetLabel, "Balanced");
        assert.deepEqual(s.presets.map((p) => p.label), ["Quick", "Balanced", "Deep", "Extended", "Unconstrained"]);
    });
});
