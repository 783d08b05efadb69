// Issue 12, defect 6, in the real workbench (code-server = VS Code 1.100) driven by Playwright: with the solution
// panel, the sidebar chat and the Tutor open, the window is reloaded three times in a row, and each time all three
// come back styled (their style sheets applied) and whole (what they showed, and the Tutor still answering).
import * as assert from "node:assert/strict";
import {join} from "node:path";
import {mkdirSync, writeFileSync} from "node:fs";
import {after, before, describe, test} from "node:test";
import type {Frame, Page} from "playwright-core";
import {ROOT, findWebviewFrame, openViewContainer, openWorkbenchWithExtension, scriptedModelSettings, runCommand, screenshot, typeInInputBox, waitForCommand,
    waitForWorkbench, type Workbench} from "./workbench";
import {ensureScriptedFixtures, THINK_STOPS} from "../fixtures/scripted";

ensureScriptedFixtures();

/** Whether the view's own style sheet applied: a property only our CSS sets on that element. */
async function styled(frame: Frame, selector: string, property: string, value: string): Promise<boolean> {
    return frame.locator(selector).first().evaluate((el, [p, v]) => getComputedStyle(el).getPropertyValue(p!) === v, [property, value]);
}

/**
 * Runs `check` on a view's frame once its page is styled (a property only our CSS sets on `styledSelector`). A page
 * that came up unstyled or not at all is brought back by the webview host (loaded again, or its panel replaced, within
 * about 20 s each, three times at most), which detaches the frame: the new one is found and waited for.
 */
async function onView<T>(page: Page, selector: string, styledBy: [string, string, string], check: (frame: Frame) => Promise<T>, timeout = 150000): Promise<T> {
    const until = Date.now() + timeout;
    for (;;) {
        const frame = await findWebviewFrame(page, {selector}, Math.max(1000, until - Date.now()));
        try {
            if (!(await styled(frame, ...styledBy))) {
                if (Date.now() > until) assert.fail(`the view with ${selector} is unstyled`);
                await page.waitForTimeout(500);
                continue;
            }
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
        wb = await openWorkbenchWithExtension({settings: {...scriptedModelSettings(THINK_STOPS.file), "workbench.colorTheme": "Default Dark Modern"}});
    });
    after(async () => { await wb?.close(); });

    // Defect 6: before the webview host replaced a panel whose page says nothing, about half of the runs had a page
    // that never came up after one of the reloads (its frame stayed empty: the workbench's frame waited for its
    // service worker; docs/views.md), and some came up unstyled. Each view is now waited for until it is styled.
    test("each reload: the three views are styled and whole", async () => {
        const {page} = wb;
        // What the browser said, for the diagnostics written when the test fails.
        const consoleLines: string[] = [];
        page.on("console", (m) => consoleLines.push(`${new Date().toISOString()} [${m.type()}] ${m.text().slice(0, 300)}`));
        page.on("requestfailed", (r) => consoleLines.push(`${new Date().toISOString()} request failed: ${r.url().slice(0, 160)} ${r.failure()?.errorText}`));
        /** Every frame (a webview that never loaded has no content frame) and the browser's last words, into artifacts/. */
        const diagnose = async (): Promise<void> => {
            const out: string[] = [];
            for (const f of page.frames()) {
                const info = await f.evaluate(() => `${document.readyState}, body ${document.body?.innerHTML.length ?? -1} chars`).catch((e) => `unreadable: ${String(e).slice(0, 100)}`);
                out.push(`frame ${f.name()} ${f.url().slice(0, 200)}: ${info}`);
            }
            mkdirSync(join(ROOT, "artifacts"), {recursive: true});
            writeFileSync(join(ROOT, "artifacts", "reload-diagnostics.txt"), [...out, "", ...consoleLines.slice(-300), "", ...wb.log.slice(-100)].join("\n"));
        };
        try {
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
                await onView(page, "#feed", [".em-toolbar", "position", "sticky"], async (panel) => {
                    await panel.locator(".em-card .em-solution .katex").first().waitFor({state: "attached", timeout: 60000});
                });

                await showTab(page, "Elastic Math Tutor");
                await onView(page, "#check-form", [".tu-check-form", "display", "flex"], async (tutor) => {
                    await tutor.locator(".tu-hint").waitFor({state: "attached", timeout: 60000});
                    assert.match(await tutor.locator("#problem").innerText(), /2\+2/, `reload ${reload}: the Tutor lost its problem`);
                    // Whole: the Tutor still answers (its session came back with the panel).
                    await tutor.locator("#answer").fill("4");
                    await tutor.locator("#check").click();
                    await tutor.locator(".tu-check.tu-correct").waitFor({timeout: 30000});
                });

                await openViewContainer(page, "Elastic Math", 60000);
                await onView(page, "#composer", [".em-composer", "position", "sticky"], async (chat) => {
                    await chat.locator(".em-chat-turn .em-solution .katex").first().waitFor({state: "attached", timeout: 60000});
                });
                await screenshot(page, `reload-${reload}`);
            }

            // Developer: Reload Webviews loads every page again in its frame: the Tutor gets back what it showed.
            const old = await findWebviewFrame(page, {selector: "#check-form"}, 30000);
            await runCommand(page, "Developer: Reload Webviews");
            // The page from before is gone once the new one is in its place.
            for (const until = Date.now() + 60000; !old.isDetached(); await page.waitForTimeout(200))
                assert.ok(Date.now() < until, "Reload Webviews did not load the Tutor's page again");
            await onView(page, "#check-form", [".tu-check-form", "display", "flex"], async (tutor) => {
                await tutor.locator(".tu-hint").waitFor({state: "attached", timeout: 60000});
                assert.match(await tutor.locator("#problem").innerText(), /2\+2/, "after Reload Webviews the Tutor lost its problem");
            });
        } catch (e) {
            await diagnose();
            await screenshot(page, "reload-failure");
            throw e;
        }
    });
});
