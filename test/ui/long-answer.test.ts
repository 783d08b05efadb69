// A long answer shown again, in the real workbench driven by Playwright: its HTML (megabytes: 600 steps of formulas,
// from a scripted model through the real llama.cpp) reaches a view as UTF-8 bytes, piece by piece, straight from the
// formula worker, so that it never becomes strings in the extension host's heap (issue 13: the collector's pauses
// over those strings held the host's loop for 150-360 ms). This checks the page's side of that: VS Code hands the
// bytes to the page, which decodes them (src/webview/htmlPiece.ts), and what it shows is what it showed before.
// - The solution panel after Developer: Reload Webviews: the restored card shows every formula and the same text as
//   the streamed one.
// - The Tutor's Show Full Solution: the long solution, in pieces that append, whole; and again after its page loads
//   again and after a window reload.
import * as assert from "node:assert/strict";
import {join} from "node:path";
import {after, afterEach, before, describe, test} from "node:test";
import type {Frame} from "playwright-core";
import {ROOT, findWebviewFrame, openWorkbenchWithExtension, pickItem, runCommand, screenshotFrame, screenshotOnFailure, scriptedModelSettings, typeInInputBox, waitForCommand,
    waitForWorkbench, type Workbench} from "./workbench";
import {renderMarkdown} from "../../src/render";
import {ensureScriptedFixture, LONG_ANSWER} from "../fixtures/scripted";

ensureScriptedFixture(LONG_ANSWER, join(ROOT, "test", "fixtures", "models"));
/** The formulas of the whole solution as a one-shot render shows them (the final answer's bomb is one, as its source). */
const formulas = (renderMarkdown(LONG_ANSWER.fullSolution).html.match(/<span class="katex">/g) ?? []).length;

/**
 * Waits until the element under `selector` shows all the solution's formulas (pieces arrive one per turn); prints how
 * they came (formulas shown after each 10 s).
 */
async function allFormulas(frame: Frame, selector: string, timeout = 300000): Promise<number> {
    const t0 = Date.now();
    const seen: number[] = [];
    let n = 0;
    while ((n = await frame.locator(`${selector} .katex`).count()) < formulas && Date.now() < t0 + timeout) {
        if (Date.now() - t0 >= (seen.length + 1) * 10000) seen.push(n);
        await frame.waitForTimeout(500);
    }
    console.log(`${selector}: ${n} of ${formulas} formulas in ${((Date.now() - t0) / 1000).toFixed(1)} s (every 10 s: ${seen.join(", ")})`);
    return n;
}

describe("ui: a long answer shown again arrives whole", {timeout: 1200000}, () => {
    let wb: Workbench;
    before(async () => {
        // The budget is picked for each request (as a new user's settings do), in the dark theme.
        wb = await openWorkbenchWithExtension({settings: {...scriptedModelSettings(LONG_ANSWER.file), "elasticMath.budget.askEveryTime": true,
            "workbench.colorTheme": "Default Dark Modern"}});
    });
    afterEach(screenshotOnFailure(() => wb));
    after(async () => { await wb?.close(); });

    test("the solution panel after Reload Webviews: every formula, the same text", async () => {
        const {page} = wb;
        assert.ok(formulas > 3000, `the long answer has ${formulas} formulas`);
        await waitForCommand(page, "Elastic Math: Solve Problem...");
        await runCommand(page, "Elastic Math: Solve Problem...");
        await typeInInputBox(page, "A long computation.");
        await pickItem(page, "Balanced");
        const streamed = await findWebviewFrame(page, {selector: ".em-card"}, 60000);
        await streamed.locator(".em-card[data-status=done]").waitFor({state: "attached", timeout: 240000});
        assert.equal(await allFormulas(streamed, ".em-solution"), formulas, "the streamed answer's formulas");
        // Text as in the DOM (textContent): the pieces off screen are not laid out (content-visibility), so their
        // rendered text (innerText) is left out until they are scrolled to.
        const text = await streamed.locator(".em-solution").textContent();

        await runCommand(page, "Developer: Reload Webviews");
        for (let i = 0; i < 150 && !streamed.isDetached(); i++) await page.waitForTimeout(200);
        assert.ok(streamed.isDetached(), "the panel's page was loaded again");
        const restored = await findWebviewFrame(page, {selector: ".em-card[data-status=done]"}, 60000);
        assert.equal(await allFormulas(restored, ".em-solution"), formulas, "the restored answer's formulas");
        assert.equal(await restored.locator(".em-solution").textContent(), text, "the restored answer reads as the streamed one");
        assert.match(text ?? "", /Step 600\n/);
        await screenshotFrame(restored, "long-answer-restored");
    });

    test("the Tutor's full solution: its pieces append to one whole solution", async () => {
        const {page} = wb;
        await runCommand(page, "Elastic Math: Tutor Me on a Problem...");
        await typeInInputBox(page, "A long computation.", {timeout: 30000});
        await pickItem(page, "Balanced");
        const frame = await findWebviewFrame(page, {selector: "#check-form"}, 60000);
        await frame.locator("#status", {hasText: "Ready"}).waitFor({timeout: 240000});
        await frame.locator("#show-solution").click();
        assert.equal(await allFormulas(frame, "#solution"), formulas, "the Tutor's solution's formulas");
        const text = await frame.locator("#solution").textContent() ?? "";
        for (const step of ["Step 1\n", "Step 300\n", "Step 600\n"]) assert.ok(text.includes(step), `${JSON.stringify(step)} is missing`);
        assert.ok(text.indexOf("Step 300\n") < text.indexOf("Step 301\n"), "the pieces are in order");
        await screenshotFrame(frame, "long-answer-tutor-solution");

        // The page loaded again (Developer: Reload Webviews), then the window reloaded (the panel restored from the
        // page's saved state): the full solution is shown again, whole. The page keeps it as a flag, not as its pieces
        // (with the pieces in its state, the 200 messages it keeps lost the solution's start, and saving the state
        // with each piece slowed the pieces down); the host renders it again from the Tutor's session.
        await runCommand(page, "Developer: Reload Webviews");
        for (let i = 0; i < 150 && !frame.isDetached(); i++) await page.waitForTimeout(200);
        assert.ok(frame.isDetached(), "the Tutor's page was loaded again");
        const again = await findWebviewFrame(page, {selector: "#check-form"}, 60000);
        assert.equal(await allFormulas(again, "#solution"), formulas, "the solution's formulas after Reload Webviews");
        assert.equal(await again.locator("#solution").textContent(), text);

        const navigated = page.waitForEvent("framenavigated", {predicate: (f) => f === page.mainFrame(), timeout: 60000});
        await runCommand(page, "Developer: Reload Window");
        await navigated;
        await waitForWorkbench(page);
        await page.locator(".tabs-container .tab", {has: page.locator(".label-name", {hasText: /^Elastic Math Tutor$/})}).first().click();
        const restored = await findWebviewFrame(page, {selector: "#check-form"}, 90000);
        assert.equal(await allFormulas(restored, "#solution"), formulas, "the solution's formulas after the window reload");
        assert.equal(await restored.locator("#solution").textContent(), text);
        assert.match(await restored.locator("#status").innerText(), /Ready/);
    });
});
