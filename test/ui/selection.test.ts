// Selection to solution as a user does it in the real workbench: select a problem in a Markdown file, right-click,
// Solve Selection, pick a budget, see the panel; then Insert Solution Below Selection and Undo. Screenshots go to
// artifacts/screenshots/.
import * as assert from "node:assert/strict";
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, before, describe, test} from "node:test";
import {ROOT, findWebviewFrame, openWorkbenchWithExtension, pickItem, runCommand, screenshot, type Workbench} from "./workbench";
import {ensureScriptedFixtures, THINK_STOPS} from "../fixtures/scripted";

const models = join(ROOT, "test", "fixtures", "models");
ensureScriptedFixtures();

describe("ui: Solve Selection from the editor's context menu", {timeout: 240000}, () => {
    let wb: Workbench;
    let workspace: string;
    const content = "# Homework\n\nWhat is 2+2?\n\nNext exercise.\n";
    before(async () => {
        workspace = mkdtempSync(join(tmpdir(), "emt-ui-selection-"));
        writeFileSync(join(workspace, "homework.md"), content);
        wb = await openWorkbenchWithExtension({workspace, settings: {
            "elasticMath.model.path": join(models, THINK_STOPS.file),
            "elasticMath.engine.threads": 1,
            "elasticMath.engine.contextSize": 4096,
            "workbench.colorTheme": "Default Light Modern"
        }});
    });
    after(async () => {
        await wb?.close();
        rmSync(workspace, {recursive: true, force: true});
    });

    async function contextMenu(item: string): Promise<void> {
        const {page} = wb;
        await page.locator(".monaco-editor .view-line", {hasText: "What is 2+2?"}).first().click({button: "right"});
        const entry = page.locator(".context-view .action-item", {hasText: item}).first();
        await entry.waitFor({state: "visible", timeout: 10000});
        await screenshot(page, `selection-context-menu-${item.split(" ")[0]!.toLowerCase()}`);
        await entry.click();
    }

    test("right-click → Solve Selection → budget → the panel shows the solution; Insert Solution Below; Undo", async () => {
        const {page} = wb;
        await runCommand(page, "Go to File...");
        await page.keyboard.type("homework.md");
        await pickItem(page, "homework.md", {timeout: 30000});
        const line = page.locator(".monaco-editor .view-line", {hasText: "What is 2+2?"}).first();
        await line.waitFor({state: "visible", timeout: 30000});
        // Select the problem's line: click it, Home, Shift+End.
        await line.click();
        await page.keyboard.press("Home");
        await page.keyboard.press("Shift+End");

        await contextMenu("Solve Selection");
        await pickItem(page, "Balanced");
        const frame = await findWebviewFrame(page, {selector: ".em-card[data-status=done]"}, 60000);
        assert.match(await frame.locator(".em-problem").innerText(), /What is 2\+2\?/);
        assert.match(await frame.locator(".em-final .em-final-answer").innerText(), /4/);
        await screenshot(page, "selection-solved-in-panel");

        // The selection is still there (the panel did not take the focus).
        await page.locator(".monaco-editor .view-line", {hasText: "What is 2+2?"}).first().waitFor();
        await page.keyboard.press("Home");
        await page.keyboard.press("Shift+End");
        await contextMenu("Insert Solution Below Selection");
        await page.locator(".monaco-editor .view-line", {hasText: "Therefore the answer is"}).first().waitFor({state: "visible", timeout: 30000});
        await screenshot(page, "selection-inserted");
        await page.keyboard.press("Control+S");
        const deadline = Date.now() + 10000;
        let saved = readFileSync(join(workspace, "homework.md"), "utf8");
        while (!saved.includes("boxed") && Date.now() < deadline) {
            await page.waitForTimeout(200);
            saved = readFileSync(join(workspace, "homework.md"), "utf8");
        }
        assert.match(saved, /^# Homework\n\nWhat is 2\+2\?\n\n\*\*Solution\.\*\* Adding two and two gives \$2\+2=4\$\.\n\n\$\$2 \+ 2 = 4\$\$\n\nTherefore the answer is \$\\boxed\{4\}\$\.\n\nNext exercise\.\n$/);
        assert.doesNotMatch(saved, /Okay, so I need/, "no thinking in the document");

        await page.keyboard.press("Control+Z");
        await page.locator(".monaco-editor .view-line", {hasText: "Therefore the answer is"}).first().waitFor({state: "detached", timeout: 10000});
        await page.keyboard.press("Control+S");
        const until = Date.now() + 10000;
        while (readFileSync(join(workspace, "homework.md"), "utf8") !== content && Date.now() < until) await page.waitForTimeout(200);
        assert.equal(readFileSync(join(workspace, "homework.md"), "utf8"), content, "one Undo removes the whole insertion");
    });
});
