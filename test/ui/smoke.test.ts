// UI smoke test in the real workbench: the extension loads in development mode, the workbench renders
// (screenshot in artifacts/screenshots/), and the palette helper runs a built-in command.
import {after, before, describe, test} from "node:test";
import * as assert from "node:assert/strict";
import {existsSync} from "node:fs";
import {VSCODE_VERSION} from "../../scripts/vscode-server.mjs";
import {
    closeModalEditor, closeQuickInput, firstCommandLabel, openPalette, openWorkbenchWithExtension, quickPickLabels,
    runCommand, screenshot, waitForEditor, type Workbench
} from "./workbench";

describe("ui smoke: the workbench with the extension", {timeout: 180000}, () => {
    let wb: Workbench;

    before(async () => {
        wb = await openWorkbenchWithExtension();
    });

    after(async () => {
        await wb?.close();
    });

    test("the workbench renders; screenshot", async () => {
        const path = await screenshot(wb.page, "ui-smoke-workbench");
        assert.ok(existsSync(path));
        assert.ok(await wb.page.locator(".part.activitybar").isVisible());
    });

    test("the palette runs a built-in command (Preferences: Open Keyboard Shortcuts)", async () => {
        await runCommand(wb.page, "Preferences: Open Keyboard Shortcuts");
        // In a tab on 1.100, in the modal editor part on 1.139.
        const where = await waitForEditor(wb.page, ".keybindings-editor", "Keyboard Shortcuts");
        assert.equal(where, VSCODE_VERSION === "1.100" ? "tab" : "modal");
        await screenshot(wb.page, "ui-smoke-keyboard-shortcuts");
        await closeModalEditor(wb.page);
    });

    test("the extension's commands are in the palette (loaded in development mode)", async () => {
        const label = firstCommandLabel(wb.server.extensionPath);
        assert.ok(label, "the extension contributes no command");
        const input = await openPalette(wb.page);
        await input.fill(`>${label}`);
        await wb.page.waitForTimeout(300);
        const labels = await quickPickLabels(wb.page);
        await screenshot(wb.page, "ui-smoke-palette");
        await closeQuickInput(wb.page);
        assert.ok(labels.includes(label), `palette offered: ${labels.join(" | ")}`);
    });
});
