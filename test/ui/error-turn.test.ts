// A chat turn that failed before the model ran (a problem longer than the context), in the real workbench driven by
// Playwright: it says why, and once the view is drawn again from the stored conversation (here Developer: Reload
// Webviews; a window reload or a past conversation draws it the same way) it shows no empty model chip. The record of
// such a turn has no stats, so it does not know its model; the chip was drawn anyway, as an empty badge. Its long
// problem scrolls inside the turn so that the error below it is in view, and no meter is shown for the solution that
// never ran (a new user's walk-through found both: the error under a wall of text, "Solution 0 / 1024" under it).
import * as assert from "node:assert/strict";
import {join} from "node:path";
import {after, afterEach, before, describe, test} from "node:test";
import type {Frame} from "playwright-core";
import {ROOT, findWebviewFrame, openViewContainer, openWorkbenchWithExtension, runCommand, screenshotFrame, screenshotOnFailure, type Workbench} from "./workbench";
import {ensureScriptedFixtures, THINK_STOPS} from "../fixtures/scripted";

const models = join(ROOT, "test", "fixtures", "models");
ensureScriptedFixtures();

/** The texts of the model chips a user sees (hidden ones left out). */
async function visibleModelChips(frame: Frame): Promise<string[]> {
    return frame.locator(".em-model-chip").evaluateAll((chips) =>
        chips.filter((c) => (c as HTMLElement).offsetParent !== null).map((c) => c.textContent ?? ""));
}

describe("ui: a chat turn that failed before it started (a problem longer than the context)", {timeout: 300000}, () => {
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

    test("says the problem is too long, and shows no empty model chip when drawn again", async () => {
        const {page} = wb;
        await openViewContainer(page, "Elastic Math", 60000);
        let frame = await findWebviewFrame(page, {selector: "#composer"}, 60000);
        await frame.locator("#budget option").first().waitFor({state: "attached", timeout: 30000});
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
});
