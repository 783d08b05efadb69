// The status bar item, the budget pick and the majority-vote pick in the light, dark and high-contrast THEMES, in the
// real workbench (issue 12): defect 17, the first budget pick highlights the default budget (Balanced), not the first
// row; defect 13, the vote pick names its setting in words, not by its id. Screenshots: artifacts/screenshots/pickers-*.
import * as assert from "node:assert/strict";
import {join} from "node:path";
import {after, afterEach, before, describe, test} from "node:test";
import type {Page} from "playwright-core";
import {ROOT, THEMES, findWebviewFrame, openWorkbenchWithExtension, pickItem, setColorTheme, quickPickLabels, runCommand, screenshot, typeInInputBox, waitForCommand, screenshotOnFailure, type Workbench} from "./workbench";
import {ensureScriptedFixture, VOTE_SPLIT} from "../fixtures/scripted";

const model = ensureScriptedFixture(VOTE_SPLIT, join(ROOT, "test", "fixtures", "models"));
/** The label of the highlighted row of the open quick pick (what Enter takes). */
async function focusedLabel(page: Page): Promise<string> {
    const row = page.locator(".quick-input-widget .monaco-list-row.focused .label-name").first();
    await row.waitFor({state: "visible", timeout: 15000});
    return (await row.textContent())?.trim() ?? "";
}

/** Waits until the open quick pick lists its last row, "Custom...". */
async function waitForCustomRow(page: Page): Promise<string[]> {
    let labels: string[] = [];
    for (const until = Date.now() + 15000; Date.now() < until && !labels.includes("Custom..."); await page.waitForTimeout(100))
        labels = await quickPickLabels(page);
    return labels;
}

describe("ui: the status bar and the pickers in three themes", {timeout: 300000}, () => {
    let wb: Workbench;
    before(async () => {
        wb = await openWorkbenchWithExtension({
            settings: {"elasticMath.engine.threads": 1, "elasticMath.engine.contextSize": 4096, "elasticMath.sampling.seed": 7,
                "elasticMath.tutor.voteSamples": 10, "workbench.colorTheme": "Default Dark Modern"},
            // Machine-scoped: a browser window reads it from the machine's settings (docs/settings.md).
            machineSettings: {"elasticMath.model.path": model}
        });
    });
    afterEach(screenshotOnFailure(() => wb));
    after(async () => {
        await wb?.close();
    });

    test("defect 17: the first budget pick highlights Balanced (the default), in each theme", async () => {
        const {page} = wb;
        for (const theme of THEMES) {
            await setColorTheme(page, theme);
            await waitForCommand(page, "Elastic Math: Choose Reasoning Budget...");
            await runCommand(page, "Elastic Math: Choose Reasoning Budget...");
            const labels = await waitForCustomRow(page);
            assert.equal(labels[0], "Quick", `rows: ${labels.join(" | ")}`);
            assert.equal(await focusedLabel(page), "Balanced");
            await screenshot(page, `pickers-budget-${theme.name}`);
            await page.keyboard.press("Escape"); // dismissed: nothing is remembered, so the next pick is a first pick too
            await page.locator(".part.statusbar .statusbar-item", {hasText: "vote-split"}).first().waitFor({state: "visible", timeout: 30000});
            await screenshot(page, `pickers-status-bar-${theme.name}`, page.locator(".part.statusbar"));
        }
    });

    test("defect 13: the vote pick says which setting gives its default in words, in each theme", async () => {
        const {page} = wb;
        await waitForCommand(page, "Elastic Math: Tutor Me on a Problem...");
        await runCommand(page, "Elastic Math: Tutor Me on a Problem...");
        await typeInInputBox(page, VOTE_SPLIT.problem, {timeout: 30000});
        await pickItem(page, "Balanced");
        const frame = await findWebviewFrame(page, {selector: "#check-form"}, 60000);
        await frame.locator("#status", {hasText: "Ready"}).waitFor({timeout: 60000});
        for (const theme of THEMES) {
            await setColorTheme(page, theme);
            await frame.locator("#vote-button").click();
            await waitForCustomRow(page);
            const rows = await page.locator(".quick-input-widget .monaco-list-row").allInnerTexts();
            const first = rows[0] ?? "";
            assert.match(first, /10 samples/);
            assert.match(first, /your default \(Settings: Tutor: Vote Samples\)/);
            assert.ok(!rows.some((r) => r.includes("elasticMath.")), `a setting id in the pick: ${rows.join(" | ")}`);
            await screenshot(page, `pickers-vote-${theme.name}`);
            await page.keyboard.press("Escape");
        }
    });
});
