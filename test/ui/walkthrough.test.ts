// The getting-started walkthrough (package.json contributes.walkthroughs) in the real workbench: it opens from
// Welcome: Open Walkthrough..., shows its four steps with their images, the model step is done when a model is
// configured (the extension's context key), and running a step's command from its button marks that step done.
import * as assert from "node:assert/strict";
import {after, afterEach, before, describe, test} from "node:test";
import type {Locator, Page} from "playwright-core";
import {THEMES, findWebviewFrame, openWorkbenchWithExtension, scriptedModelSettings, runCommand, screenshot, setColorTheme, typeInInputBox,
    screenshotOnFailure, type Workbench} from "./workbench";
import {ensureScriptedFixtures, THINK_STOPS} from "../fixtures/scripted";

ensureScriptedFixtures();

function step(page: Page, id: string): Locator {
    return page.locator(`button.getting-started-step[data-step-id$="${id}"]`);
}

/** A step's done mark (its check box); the workbench updates the mark when a step is done after it was drawn. */
function doneMark(page: Page, id: string, done: boolean): Locator {
    return page.locator(`[data-done-step-id$="${id}"][aria-checked="${done}"]`);
}

/** The walkthrough's steps can be clicked (on the Welcome page's overview they are in the page but disabled). */
async function walkthroughShown(page: Page, timeout = 5000): Promise<boolean> {
    return page.locator(`button.getting-started-step:not([disabled])[data-step-id$="model"]`).waitFor({state: "visible", timeout})
        .then(() => true, () => false);
}

/**
 * Opens this extension's walkthrough from the palette (typed and taken with Enter: a hover over the row can take a click).
 * The pick takes the Enter's keydown; the walkthrough can open and focus its first step's "Choose a Model" button
 * before the key's keyup, which runs a focused walkthrough button (gettingStarted.ts: its buttons act on keyup), so the
 * Choose Model pick opened over the walkthrough (seen in a failure's screenshot). That keyup is kept from the page.
 */
async function openWalkthrough(page: Page): Promise<void> {
    await runCommand(page, "Welcome: Open Walkthrough...");
    await typeInInputBox(page, "Elastic Math", {submit: false, timeout: 30000});
    await page.locator(".quick-input-widget .monaco-list-row.focused", {hasText: "Get Started with Elastic Math Tutor"}).waitFor({timeout: 30000});
    await page.evaluate(() => window.addEventListener("keyup", (e) => {
        if (e.key === "Enter") e.stopImmediatePropagation();
    }, {capture: true, once: true}));
    await page.keyboard.press("Enter");
    await page.locator(".gettingStartedSlideDetails", {hasText: "Get Started with Elastic Math Tutor"}).waitFor({timeout: 30000});
    assert.ok(await walkthroughShown(page, 30000), "the walkthrough's steps are shown");
    // The palette that picked the walkthrough fades out (seen still half there on 1.139): wait for it to go, then no
    // pick (Choose Model) may be left open.
    const open = page.locator(".quick-input-widget:visible");
    for (const t0 = Date.now(); (await open.count()) > 0 && Date.now() - t0 < 10000;) await page.waitForTimeout(100);
    assert.equal(await open.count(), 0, `a pick is open over the walkthrough: ${await open.first().innerText().catch(() => "?")}`);
}

describe("ui: the getting-started walkthrough", {timeout: 600000}, () => {
    let wb: Workbench;
    before(async () => {
        // Wide enough for the walkthrough to show its pictures: it hides them in a narrow editor, and on 1.139 the Chat
        // view (open in the secondary side bar at start) leaves the editor too narrow at 1400 pixels.
        wb = await openWorkbenchWithExtension({settings: scriptedModelSettings(THINK_STOPS.file), viewport: {width: 1900, height: 900}});
    });
    afterEach(screenshotOnFailure(() => wb));
    after(async () => { await wb?.close(); });

    test("opens with its steps and images; a configured model and a step's command mark steps done", async () => {
        const {page} = wb;
        // The extension is active and has set its context key (its status bar item names the model, set in the same
        // update) before the walkthrough is first opened, as for a user who opens it a while after the window is up.
        // The workbench registers the walkthrough only then; the context key alone left the model step open for good
        // (src/vscode/statusBar.ts, markModelStepDone). Opening it before activation made this test pass by a race.
        await page.locator(".part.statusbar .statusbar-item", {hasText: "think-stops"}).first().waitFor({state: "visible", timeout: 60000});
        await openWalkthrough(page);
        const titles = (await page.locator("button.getting-started-step .step-title").allTextContents()).map((t) => t.trim());
        assert.deepEqual(titles, ["Get a model", "Solve a problem with a budget", "Ask in the chat, or with @math", "Get tutored"]);

        // A model is configured in the settings: the first step is done already; the Tutor's is not.
        await doneMark(page, "model", true).waitFor({state: "attached", timeout: 30000});
        await doneMark(page, "tutor", false).waitFor({state: "attached", timeout: 5000});

        // The Tutor's step: its image shows, its button runs Tutor Me.
        await step(page, "tutor").click();
        const image = page.locator(".gettingStartedSlideDetails .getting-started-media img");
        await image.waitFor({timeout: 30000});
        await page.waitForFunction((el) => el instanceof HTMLImageElement && el.complete && el.naturalWidth > 0,
            await image.elementHandle(), {timeout: 30000});
        // The workbench sets srcset (per colour theme): what loaded is currentSrc.
        assert.match(decodeURIComponent(await image.evaluate((el) => (el as HTMLImageElement).currentSrc)), /media\/walkthrough\/tutor\.png/, "the light theme's picture");
        assert.match(String(await image.getAttribute("alt")), /Tutor/);
        await screenshot(page, "walkthrough-tutor-step");

        await page.locator("button.getting-started-step.expanded a, button.getting-started-step.expanded .monaco-button", {hasText: "Tutor Me on a Problem"}).first().click();
        await typeInInputBox(page, THINK_STOPS.problem, {timeout: 30000});
        const tutor = await findWebviewFrame(page, {selector: "#check-form"}, 60000);
        await tutor.locator("#status", {hasText: "Ready"}).waitFor({timeout: 120000});

        // Back on the walkthrough (its tab: "Walkthrough: ..." on 1.100, "Welcome" on 1.139), the Tutor's step is done.
        await page.locator(".tabs-container .tab", {hasText: /^\s*(Walkthrough|Welcome)\b/}).first().click();
        // 1.139 shows the Welcome page's overview again once the step's command has opened the Tutor beside it: then it
        // is opened again from the palette, as a user would.
        if (!(await walkthroughShown(page))) await openWalkthrough(page);
        await doneMark(page, "tutor", true).waitFor({state: "attached", timeout: 30000});
        await screenshot(page, "walkthrough-tutor-done");

        // Looked at in a dark, a light and a high-contrast theme: the steps stay readable, the images show.
        await step(page, "solve").click();
        await page.locator(`button.getting-started-step.expanded[data-step-id$="solve"]`).waitFor({timeout: 15000});
        await page.waitForTimeout(1000);
        for (const theme of THEMES) {
            await setColorTheme(page, theme);
            // The step's picture follows the theme (a screenshot of the view in that theme).
            const file = theme.name === "light" ? "solve.png" : `solve-${theme.name}.png`;
            await page.waitForFunction((f) => [...document.querySelectorAll(".gettingStartedSlideDetails img")]
                .some((img) => img instanceof HTMLImageElement && decodeURIComponent(`${img.currentSrc} ${img.srcset}`).includes(`media/walkthrough/${f}`)), file, {timeout: 30000});
            await screenshot(page, `walkthrough-${theme.name}`);
        }
    });
});
