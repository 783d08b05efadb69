// The sidebar chat's edge cases that a new user's walk-through found, in the real workbench driven by Playwright, one
// workbench for both:
// - A turn that failed before the model ran (a problem longer than the context): it says why, and once the view is
//   drawn again from the stored conversation (here Developer: Reload Webviews; a window reload or a past conversation
//   draws it the same way) it shows no empty model chip. The record of such a turn has no stats, so it does not know its
//   model; the chip was drawn anyway, as an empty badge. Its long problem scrolls inside the turn so that the error below
//   it is in view, and no meter is shown for the solution that never ran (the error was under a wall of text, with
//   "Solution 0 / 1024" under it).
// - The sidebar at its minimum width (dragged narrower by its sash as a user does; VS Code stops it at 170 px): the
//   composer's row (the budget chip and Send) stays inside the view, the chip still showing its budget's name whole. At
//   this width the chip ran past the view's right edge and was cut there (its select keeps the width of its longest
//   option).
import * as assert from "node:assert/strict";
import {join} from "node:path";
import {after, afterEach, before, describe, test} from "node:test";
import type {Frame, Page} from "playwright-core";
import {ROOT, findWebviewFrame, openViewContainer, openWorkbenchWithExtension, runCommand, screenshot, screenshotFrame, screenshotOnFailure, type Workbench} from "./workbench";
import {ensureScriptedFixtures, THINK_STOPS} from "../fixtures/scripted";

const models = join(ROOT, "test", "fixtures", "models");
ensureScriptedFixtures();

/** Opens the sidebar chat; returns its page once its budget picker is filled. */
async function openChat(page: Page): Promise<Frame> {
    await openViewContainer(page, "Elastic Math", 60000);
    const frame = await findWebviewFrame(page, {selector: "#composer"}, 60000);
    await frame.locator("#budget option").first().waitFor({state: "attached", timeout: 30000});
    return frame;
}

/** The texts of the model chips a user sees (hidden ones left out). */
async function visibleModelChips(frame: Frame): Promise<string[]> {
    return frame.locator(".em-model-chip").evaluateAll((chips) =>
        chips.filter((c) => (c as HTMLElement).offsetParent !== null).map((c) => c.textContent ?? ""));
}

describe("ui: the sidebar chat's edge cases", {timeout: 300000}, () => {
    let wb: Workbench;
    before(async () => {
        wb = await openWorkbenchWithExtension({settings: {
            "elasticMath.model.path": join(models, THINK_STOPS.file),
            "elasticMath.engine.threads": 1,
            "elasticMath.engine.contextSize": 4096,
            "elasticMath.budget.default": "Balanced",
            "workbench.colorTheme": "Default Dark Modern"
        }});
    });
    afterEach(screenshotOnFailure(() => wb));
    after(async () => { await wb?.close(); });

    test("a problem longer than the context: the error in view, no solution meter, no empty model chip when drawn again", async () => {
        const {page} = wb;
        let frame = await openChat(page);
        const long = "x+1=2 ab ".repeat(560);
        await frame.locator("#input").fill(long);
        await frame.locator("#send").click();
        const turn = frame.locator(".em-chat-turn[data-status=error]").first();
        await turn.waitFor({state: "attached", timeout: 60000});
        assert.match(await turn.locator(".em-status").innerText(), /too long: the prompt has \d+ tokens and the context holds 4096/);
        for (const chip of await visibleModelChips(frame)) assert.notEqual(chip.trim(), "", "an empty model chip on the failed turn");
        // The 5,000-character problem scrolls inside its turn, so the error right below it is in view, as the user
        // reads it (it was below the fold, under a wall of the problem's text); no "Solution 0 / 1024" meter for a
        // phase that never ran.
        await turn.locator(".em-status").scrollIntoViewIfNeeded();
        const fits = await turn.evaluate((t) => {
            const problem = t.querySelector<HTMLElement>(".em-problem")!;
            const status = t.querySelector<HTMLElement>(".em-status")!.getBoundingClientRect();
            return {problemHeight: problem.getBoundingClientRect().height, scrolls: problem.scrollHeight > problem.clientHeight,
                statusInView: status.top >= 0 && status.bottom <= window.innerHeight, problemTopInView: problem.getBoundingClientRect().top >= -1,
                view: window.innerHeight};
        });
        assert.ok(fits.scrolls && fits.problemHeight < fits.view / 2, `the long problem is ${fits.problemHeight} px high in a view of ${fits.view} px`);
        assert.ok(fits.statusInView && fits.problemTopInView, `the error and the start of its problem are not in view together: ${JSON.stringify(fits)}`);
        assert.equal(await turn.locator(".em-solution-meter").isVisible(), false, "a solution meter on a turn that failed before it started");
        await screenshotFrame(frame, "error-turn-long-problem");

        const old = frame;
        await runCommand(page, "Developer: Reload Webviews");
        for (let i = 0; i < 150 && !old.isDetached(); i++) await page.waitForTimeout(200);
        assert.ok(old.isDetached(), "the chat webview was reloaded");
        frame = await findWebviewFrame(page, {selector: ".em-chat-turn[data-status=error]"}, 60000);
        assert.match(await frame.locator(".em-chat-turn .em-status").first().innerText(), /too long/);
        const chips = await visibleModelChips(frame);
        await screenshotFrame(frame, "error-turn-redrawn");
        for (const chip of chips) assert.notEqual(chip.trim(), "", `an empty model chip on the redrawn failed turn (chips: ${JSON.stringify(chips)})`);
        assert.equal(await frame.locator(".em-chat-turn[data-status=error] .em-solution-meter").first().isVisible(), false, "a solution meter on the redrawn failed turn");
    });

    test("at the sidebar's minimum width the budget chip and Send stay inside the view, the budget's name whole", async () => {
        const {page} = wb;
        const frame = await openChat(page);

        // Drag the sash on the sidebar's right edge far to the left, but not so far that VS Code hides the sidebar.
        const sidebar = page.locator(".part.sidebar");
        const box = (await sidebar.boundingBox())!;
        const sashes = page.locator(".monaco-sash.vertical");
        let sash: {x: number; y: number} | undefined;
        for (let i = 0; i < await sashes.count(); i++) {
            const b = await sashes.nth(i).boundingBox();
            if (b != null && b.height > 200 && Math.abs(b.x + b.width / 2 - (box.x + box.width)) < 6) sash = {x: b.x + b.width / 2, y: b.y + b.height / 2};
        }
        assert.ok(sash, "no sash on the sidebar's right edge");
        await page.mouse.move(sash.x, sash.y);
        await page.mouse.down();
        await page.mouse.move(box.x + 140, sash.y, {steps: 10});
        await page.mouse.up();
        // The layout follows the drag on the next frames: wait for the width, not for a time.
        for (const until = Date.now() + 10000; Date.now() < until && ((await sidebar.boundingBox())?.width ?? 0) >= 200; await page.waitForTimeout(100));
        for (const until = Date.now() + 10000; Date.now() < until && await frame.evaluate(() => document.documentElement.clientWidth) >= 200; await page.waitForTimeout(100));
        const narrow = (await sidebar.boundingBox())!;
        assert.ok(narrow.width < 200, `the sidebar is ${narrow.width} px wide after the drag`);
        await screenshot(page, "chat-minimum-width");

        const layout = await frame.evaluate(() => {
            const right = (id: string) => document.querySelector(id)!.getBoundingClientRect().right;
            const select = document.querySelector<HTMLSelectElement>("#budget")!;
            const style = getComputedStyle(select);
            const context = document.createElement("canvas").getContext("2d")!;
            context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
            return {
                view: document.documentElement.clientWidth,
                input: right("#input"), chip: right(".em-budget-select-chip"), send: right("#send"),
                text: context.measureText(select.selectedOptions[0]?.textContent ?? "").width,
                room: select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 20
            };
        });
        assert.ok(layout.chip <= layout.input + 0.5, `the budget chip ends at ${layout.chip} px, past the composer's edge at ${layout.input} px (view ${layout.view} px)`);
        assert.ok(layout.send <= layout.input + 0.5, `Send ends at ${layout.send} px, past the composer's edge at ${layout.input} px`);
        assert.ok(layout.text <= layout.room, `the chip cuts "Balanced" (${layout.text.toFixed(0)} px of text in ${layout.room.toFixed(0)} px)`);
    });
});
