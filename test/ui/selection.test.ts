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

/**
 * How long a state may take to come on a loaded 2-core machine. A safety net, not a pace: every wait below is for a
 * state of the workbench (a selection in the status bar, a line in the editor, a saved file), never for a time, and
 * an idle run takes seconds. The test's own timeout is larger than a few of these together.
 */
const STATE_MS = 180_000;

describe("ui: Solve Selection from the editor's context menu", {timeout: 900_000}, () => {
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
        await entry.waitFor({state: "visible", timeout: STATE_MS});
        await screenshot(page, `selection-context-menu-${item.split(" ")[0]!.toLowerCase()}`);
        await entry.click();
    }

    /** Selects the line holding `text` (click, Home, Shift+End) and waits until the status bar shows that selection. */
    async function selectLine(text: string): Promise<void> {
        const {page} = wb;
        const line = page.locator(".monaco-editor .view-line", {hasText: text}).first();
        await line.waitFor({state: "visible", timeout: STATE_MS});
        await line.click();
        await page.keyboard.press("Home");
        await page.keyboard.press("Shift+End");
        // Under load a key can land before the editor has the focus: the status bar says what is really selected.
        await page.locator(".statusbar-item", {hasText: `(${text.length} selected)`}).first().waitFor({state: "visible", timeout: STATE_MS});
    }

    /** Waits until the file on disk satisfies `ok` (after a save), for as long as a loaded machine needs. */
    async function fileOnDisk(ok: (text: string) => boolean): Promise<string> {
        const until = Date.now() + STATE_MS;
        let text = readFileSync(join(workspace, "homework.md"), "utf8");
        while (!ok(text) && Date.now() < until) {
            await wb.page.waitForTimeout(200); // polling the file: the wait ends on its content, not on this interval
            text = readFileSync(join(workspace, "homework.md"), "utf8");
        }
        return text;
    }

    test("right-click → Solve Selection → budget → the panel shows the solution; Insert Solution Below; Undo", async () => {
        const {page} = wb;
        await runCommand(page, "Go to File...");
        await page.keyboard.type("homework.md");
        await pickItem(page, "homework.md", {timeout: STATE_MS});
        await selectLine("What is 2+2?");

        await contextMenu("Solve Selection");
        await pickItem(page, "Balanced", {timeout: STATE_MS});
        const frame = await findWebviewFrame(page, {selector: ".em-card[data-status=done]"}, STATE_MS);
        assert.match(await frame.locator(".em-problem").innerText(), /What is 2\+2\?/);
        assert.match(await frame.locator(".em-final .em-final-answer").innerText(), /4/);
        await screenshot(page, "selection-solved-in-panel");

        // The selection is still there (the panel did not take the focus).
        await selectLine("What is 2+2?");
        await contextMenu("Insert Solution Below Selection");
        await page.locator(".monaco-editor .view-line", {hasText: "Therefore the answer is"}).first().waitFor({state: "visible", timeout: STATE_MS});
        await screenshot(page, "selection-inserted");
        await page.keyboard.press("Control+S");
        const saved = await fileOnDisk((t) => t.includes("boxed"));
        assert.match(saved, /^# Homework\n\nWhat is 2\+2\?\n\n\*\*Solution\.\*\* Adding two and two gives \$2\+2=4\$\.\n\n\$\$2 \+ 2 = 4\$\$\n\nTherefore the answer is \$\\boxed\{4\}\$\.\n\nNext exercise\.\n$/);
        assert.doesNotMatch(saved, /Okay, so I need/, "no thinking in the document");

        await page.keyboard.press("Control+Z");
        await page.locator(".monaco-editor .view-line", {hasText: "Therefore the answer is"}).first().waitFor({state: "detached", timeout: STATE_MS});
        await page.keyboard.press("Control+S");
        assert.equal(await fileOnDisk((t) => t === content), content, "one Undo removes the whole insertion");
    });
});
