// The sidebar chat at the sidebar's minimum width, in the real workbench driven by Playwright: the sidebar is dragged
// narrower by its sash as a user does (VS Code stops it at its minimum, 170 px), and the composer's row (the budget chip
// and Send) stays inside the view, the chip still showing its budget's name whole. At this width the chip ran past the
// view's right edge and was cut there (its select keeps the width of its longest option).
import * as assert from "node:assert/strict";
import {join} from "node:path";
import {after, afterEach, before, describe, test} from "node:test";
import {ROOT, findWebviewFrame, openViewContainer, openWorkbenchWithExtension, screenshot, screenshotOnFailure, type Workbench} from "./workbench";
import {ensureScriptedFixtures, THINK_STOPS} from "../fixtures/scripted";

const models = join(ROOT, "test", "fixtures", "models");
ensureScriptedFixtures();

describe("ui: the chat at the sidebar's minimum width", {timeout: 300000}, () => {
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

    test("the budget chip and Send stay inside the view, the budget's name whole", async () => {
        const {page} = wb;
        await openViewContainer(page, "Elastic Math", 60000);
        const frame = await findWebviewFrame(page, {selector: "#composer"}, 60000);
        await frame.locator("#budget option").first().waitFor({state: "attached", timeout: 30000});

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
        await page.waitForTimeout(1000);
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
