// Issue 12, defect 6, in the real workbench (code-server = VS Code 1.100) driven by Playwright: with the solution
// panel, the sidebar chat and the Tutor open, the window is reloaded three times in a row, and each time all three
// come back styled (their style sheets applied) and whole (what they showed, and the Tutor still answering).
import * as assert from "node:assert/strict";
import {join} from "node:path";
import {after, before, describe, test} from "node:test";
import type {Frame, Page} from "playwright-core";
import {ROOT, findWebviewFrame, openViewContainer, openWorkbenchWithExtension, runCommand, screenshot, typeInInputBox, waitForCommand,
    waitForWorkbench, type Workbench} from "./workbench";
import {ensureScriptedFixtures, THINK_STOPS} from "../fixtures/scripted";

const models = join(ROOT, "test", "fixtures", "models");
ensureScriptedFixtures();

/** Whether the view's own style sheet applied: a property only our CSS sets on that element. */
async function styled(frame: Frame, selector: string, property: string, value: string): Promise<boolean> {
    return frame.locator(selector).first().evaluate((el, [p, v]) => getComputedStyle(el).getPropertyValue(p!) === v, [property, value]);
}

/**
 * Runs `check` on a view's frame. When the page is loaded again meanwhile (the webview host reloads a page that did
 * not come up whole, which is what this test is about), its frame is detached: the new one is found and checked.
 */
async function onView<T>(page: Page, selector: string, check: (frame: Frame) => Promise<T>, timeout = 120000): Promise<T> {
    const until = Date.now() + timeout;
    for (;;) {
        const frame = await findWebviewFrame(page, {selector}, Math.max(1000, until - Date.now()));
        try {
            return await check(frame);
        } catch (e) {
            if (!frame.isDetached() || Date.now() > until) throw e;
        }
    }
}

async function showTab(page: Page, label: string): Promise<void> {
    await page.locator(".tabs-container .tab", {has: page.locator(".label-name", {hasText: new RegExp(`^${label}$`)})}).first().click();
}

describe("ui: three window reloads in a row with the panel, the chat and the Tutor open", {timeout: 900000}, () => {
    let wb: Workbench;
    before(async () => {
        wb = await openWorkbenchWithExtension({settings: {
            "elasticMath.model.path": join(models, THINK_STOPS.file),
            "elasticMath.engine.threads": 1,
            "elasticMath.engine.contextSize": 4096,
            "elasticMath.budget.askEveryTime": false,
            "workbench.colorTheme": "Default Dark Modern"
        }});
    });
    after(async () => { await wb?.close(); });

    // Skipped while defect 6 (issue 12) is open: in about half of the runs of this stop the Tutor's page did not come
    // up after one of the three reloads (its frame had no content for two minutes; the host's three reloads of its
    // HTML did not bring it back). The test is kept as it is so that the fix can be proven by taking the skip away.
    test("each reload: the three views are styled and whole", {skip: "defect 6 of issue 12 is open: the Tutor's page sometimes does not come up after a window reload"}, async () => {
        const {page} = wb;
        await waitForCommand(page, "Elastic Math: Solve Problem...");
        await runCommand(page, "Elastic Math: Solve Problem...");
        await typeInInputBox(page, THINK_STOPS.problem, {timeout: 30000});
        const panel0 = await findWebviewFrame(page, {selector: "#feed"}, 60000);
        await panel0.locator(".em-card[data-status=done]").waitFor({state: "attached", timeout: 120000});

        await runCommand(page, "Elastic Math: Tutor Me on a Problem...");
        await typeInInputBox(page, THINK_STOPS.problem, {timeout: 30000});
        const tutor0 = await findWebviewFrame(page, {selector: "#check-form"}, 60000);
        await tutor0.locator("#status", {hasText: "Ready"}).waitFor({timeout: 120000});
        await tutor0.locator("#hint").click();
        await tutor0.locator(".tu-hint").waitFor({timeout: 60000});

        await openViewContainer(page, "Elastic Math", 60000);
        const chat0 = await findWebviewFrame(page, {selector: "#composer"}, 60000);
        await chat0.locator("#budget option").first().waitFor({state: "attached", timeout: 30000});
        await chat0.locator("#input").fill(THINK_STOPS.problem);
        await chat0.locator("#input").press("Enter");
        await chat0.locator(".em-chat-turn[data-status=done]").waitFor({state: "attached", timeout: 120000});

        for (let reload = 1; reload <= 3; reload++) {
            // Wait for the page to really navigate: the old page's workbench would pass waitForWorkbench at once.
            const navigated = page.waitForEvent("framenavigated", {predicate: (f) => f === page.mainFrame(), timeout: 60000});
            await runCommand(page, "Developer: Reload Window");
            await navigated;
            await waitForWorkbench(page);
            await showTab(page, "Elastic Math");
            await onView(page, "#feed", async (panel) => {
                await panel.locator(".em-card .em-solution .katex").first().waitFor({state: "attached", timeout: 60000});
                assert.ok(await styled(panel, ".em-toolbar", "position", "sticky"), `reload ${reload}: the panel is unstyled`);
            });

            await showTab(page, "Elastic Math Tutor");
            await onView(page, "#check-form", async (tutor) => {
                assert.ok(await styled(tutor, ".tu-check-form", "display", "flex"), `reload ${reload}: the Tutor is unstyled`);
                await tutor.locator(".tu-hint").waitFor({state: "attached", timeout: 60000});
                assert.match(await tutor.locator("#problem").innerText(), /2\+2/, `reload ${reload}: the Tutor lost its problem`);
                // Whole: the Tutor still answers (its session came back with the panel).
                await tutor.locator("#answer").fill("4");
                await tutor.locator("#check").click();
                await tutor.locator(".tu-check.tu-correct").waitFor({timeout: 30000});
            });

            await openViewContainer(page, "Elastic Math", 60000);
            await onView(page, "#composer", async (chat) => {
                await chat.locator(".em-chat-turn .em-solution .katex").first().waitFor({state: "attached", timeout: 60000});
                assert.ok(await styled(chat, ".em-composer", "position", "sticky"), `reload ${reload}: the chat is unstyled`);
            });
            await screenshot(page, `reload-${reload}`);
        }
    });
});
