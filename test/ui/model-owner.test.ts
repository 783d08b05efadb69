// One owner of "use this model" (issue 12, defect 5), in the real workbench: Tutor Me gets the same first-run offer as
// Solve Problem and, on a model without thinking, the answer-only budget pick; Use a GGUF File goes through the model
// manager, so it clears an old catalog mapping of that path and warns when the model does not fit.
import * as assert from "node:assert/strict";
import {copyFileSync, mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, before, describe, test} from "node:test";
import type {Page} from "playwright-core";
import {ROOT, closeQuickInput, openWorkbenchWithExtension, pickItem, runCommand, screenshot, typeInInputBox, waitForCommand, waitForNotification, type Workbench} from "./workbench";
import {CHATML_ANSWER, ensureScriptedFixture} from "../fixtures/scripted";
import {writeHugeSparseModel} from "../fixtures/huge";

const chatml = ensureScriptedFixture(CHATML_ANSWER, join(ROOT, "test", "fixtures", "models"));

/** Types a path into code-server's open dialog (VS Code's simple file dialog, titled by the extension) and accepts it. */
async function chooseInFileDialog(page: Page, file: string): Promise<void> {
    await page.locator(".quick-input-widget .quick-input-title", {hasText: "choose a GGUF model file"}).waitFor({state: "visible", timeout: 15000});
    const input = page.locator(".quick-input-widget input");
    await input.fill(file);
    // The dialog completes the typed path as it reads the folder: accept once it shows exactly the file.
    for (const until = Date.now() + 10000; Date.now() < until && (await input.inputValue()) !== file;) await page.waitForTimeout(100);
    await input.press("Enter");
    await page.locator(".quick-input-widget .quick-input-title", {hasText: "choose a GGUF model file"}).waitFor({state: "hidden", timeout: 15000});
}

/** Waits for the open quick input to be the one titled `title` (not the one before it). */
async function waitForTitle(page: Page, title: string): Promise<void> {
    await page.locator(".quick-input-widget .quick-input-title", {hasText: title}).waitFor({state: "visible", timeout: 60000});
}

/** The title of the budget pick that Solve Problem opens for `problem` (the pick is then dismissed). */
async function budgetPickTitle(page: Page, problem: string): Promise<string> {
    await runCommand(page, "Elastic Math: Solve Problem...");
    await waitForTitle(page, "Elastic Math: solve a problem");
    await typeInInputBox(page, problem, {timeout: 30000});
    const title = page.locator(".quick-input-widget .quick-input-title", {hasText: "budget"});
    await title.waitFor({state: "visible", timeout: 30000});
    const text = (await title.innerText()).trim();
    await page.keyboard.press("Escape");
    return text;
}

describe("ui: one owner of \"use this model\"", {timeout: 300000}, () => {
    let wb: Workbench;
    const modelsFolder = mkdtempSync(join(tmpdir(), "emt-ui-owner-"));
    // The ChatML fixture under the file name of E1-Math-1.5B's catalog file: Choose Model maps it to that entry (R1, thinking).
    const mapped = join(modelsFolder, "E1-Math-1.5B.Q4_K_M.gguf");
    const huge = join(modelsFolder, "huge-F32.gguf");
    before(async () => {
        copyFileSync(chatml, mapped);
        writeHugeSparseModel(huge);
        wb = await openWorkbenchWithExtension({
            settings: {"elasticMath.engine.threads": 1, "elasticMath.engine.contextSize": 4096, "workbench.colorTheme": "Default Dark Modern"},
            // Machine-scoped: a browser window reads it from the machine's settings (docs/settings.md).
            machineSettings: {"elasticMath.models.folder": modelsFolder}
        });
    });
    after(async () => {
        await wb?.close();
        rmSync(modelsFolder, {recursive: true, force: true});
    });

    test("Tutor Me with no model shows the first-run offer; a model chosen there is used, with the answer-only budget pick", async () => {
        const {page} = wb;
        await waitForCommand(page, "Elastic Math: Tutor Me on a Problem...");
        await runCommand(page, "Elastic Math: Tutor Me on a Problem...");
        const toast = await waitForNotification(page, "needs a local model", 30000);
        const buttons = (await toast.locator(".monaco-button").allInnerTexts()).map((t) => t.trim());
        assert.deepEqual(buttons, ["Download E1-Math-1.5B (about 1.1 GB)", "Choose a GGUF file..."]);
        await screenshot(page, "owner-tutor-first-run");
        await toast.locator(".monaco-button", {hasText: "Choose a GGUF file..."}).click();
        await chooseInFileDialog(page, chatml);
        await waitForTitle(page, "which problem are you working on?");
        await typeInInputBox(page, CHATML_ANSWER.problem, {timeout: 30000});
        const title = page.locator(".quick-input-widget .quick-input-title", {hasText: "budget"});
        await title.waitFor({state: "visible", timeout: 30000});
        assert.equal((await title.innerText()).trim(), "Elastic Math: answer budget (this model does not think first)");
        await screenshot(page, "owner-tutor-answer-budget");
        await page.keyboard.press("Escape");
    });

    test("Use a GGUF File on a path that Choose Model had mapped to a catalog entry clears the mapping", async () => {
        const {page} = wb;
        await closeQuickInput(page);
        await runCommand(page, "Elastic Math: Choose Model...");
        await pickItem(page, "E1-Math-1.5B", {timeout: 30000});
        await page.locator(".part.statusbar .statusbar-item", {hasText: "E1-Math-1.5B.Q4_K_M"}).first().waitFor({state: "visible", timeout: 60000});
        // Mapped to E1 (R1-distill, thinking): the full reasoning budget pick.
        assert.equal(await budgetPickTitle(page, CHATML_ANSWER.problem), "Elastic Math: reasoning budget");
        await runCommand(page, "Elastic Math: Use a GGUF Model File on Disk...");
        await chooseInFileDialog(page, mapped);
        // The same path again: the item keeps its name; the model manager's "using" message says it was used.
        await page.locator(".part.statusbar", {hasText: "using E1-Math-1.5B.Q4_K_M.gguf"}).waitFor({state: "visible", timeout: 60000});
        // A plain file: no catalog entry any more, its format is read from the GGUF (ChatML: answer budget only).
        assert.equal(await budgetPickTitle(page, CHATML_ANSWER.problem), "Elastic Math: answer budget (this model does not think first)");
    });

    test("Use a GGUF File warns when the model does not fit this machine", async () => {
        const {page} = wb;
        await closeQuickInput(page);
        await runCommand(page, "Elastic Math: Use a GGUF Model File on Disk...");
        await chooseInFileDialog(page, huge);
        const toast = await waitForNotification(page, "does not fit", 60000);
        assert.match(await toast.innerText(), /huge-F32\.gguf does not fit: needs about/);
        await screenshot(page, "owner-use-file-fit-warning");
    });
});
