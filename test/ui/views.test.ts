// Issue 12's scenarios in the real workbench (code-server = VS Code 1.100) driven by Playwright: the sidebar chat at
// its default width (nothing cut, a Custom… budget, no Copy on a turn stopped before it answered), the Tutor's check
// with empty and unreadable answers (a message, never the answer), new content scrolled into view; screenshots of the
// three views in a light, a dark and a high-contrast theme. The window reloads are in reload.test.ts.
import * as assert from "node:assert/strict";
import {join} from "node:path";
import {after, before, describe, test} from "node:test";
import type {Frame, Page} from "playwright-core";
import {ROOT, findWebviewFrame, openViewContainer, openWorkbenchWithExtension, pickItem, runCommand, screenshot, screenshotFrame, typeInInputBox,
    waitForCommand, type Workbench} from "./workbench";
import {ensureScriptedFixtures, THINK_FOREVER} from "../fixtures/scripted";

const models = join(ROOT, "test", "fixtures", "models");
ensureScriptedFixtures();

const panelSelector = "#feed";
const chatSelector = "#composer";
const tutorSelector = "#check-form";

/** Whether a select shows its chosen option's text in full (measured with the select's own font). */
async function selectFits(frame: Frame, selector: string): Promise<{fits: boolean; text: string; width: number; room: number}> {
    return frame.locator(selector).evaluate((node) => {
        const select = node as HTMLSelectElement;
        const style = getComputedStyle(select);
        const context = document.createElement("canvas").getContext("2d")!;
        context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
        const text = select.selectedOptions[0]?.textContent ?? "";
        const width = context.measureText(text).width;
        // The drop-down arrow takes about 20 px of the select's inner width.
        const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 20;
        return {fits: width <= room, text, width, room};
    });
}

/** Whether the element is inside the page's viewport (not below or above the fold). */
async function inView(frame: Frame, selector: string): Promise<boolean> {
    return frame.locator(selector).last().evaluate((el) => {
        const r = el.getBoundingClientRect();
        return r.top >= 0 && r.top < window.innerHeight;
    });
}

/** Whether the element starts below the page's first screen (so it is in view only if the page scrolled to it). */
async function belowFirstScreen(frame: Frame, selector: string): Promise<boolean> {
    return frame.locator(selector).last().evaluate((el) => el.getBoundingClientRect().top + window.scrollY >= window.innerHeight);
}

async function showTab(page: Page, label: string): Promise<void> {
    await page.locator(".tabs-container .tab", {has: page.locator(".label-name", {hasText: new RegExp(`^${label}$`)})}).first().click();
}

describe("ui: the views of issue 12", {timeout: 900000}, () => {
    let wb: Workbench;
    before(async () => {
        wb = await openWorkbenchWithExtension({viewport: {width: 1400, height: 760}, settings: {
            "elasticMath.model.path": join(models, THINK_FOREVER.file),
            "elasticMath.engine.threads": 1,
            "elasticMath.engine.contextSize": 32768,
            "elasticMath.budget.presets": [
                {label: "Balanced", think: 256, answer: 512, description: "the default"},
                {label: "Long think", think: 30000, answer: 512, description: "thinks for a long time"}
            ],
            "elasticMath.budget.default": "Balanced",
            "elasticMath.budget.askEveryTime": false,
            "workbench.colorTheme": "Default Light Modern"
        }});
    });
    after(async () => { await wb?.close(); });

    async function chatFrame(): Promise<Frame> {
        await openViewContainer(wb.page, "Elastic Math", 60000);
        const frame = await findWebviewFrame(wb.page, {selector: chatSelector}, 60000);
        await frame.locator("#budget option").first().waitFor({state: "attached", timeout: 30000});
        return frame;
    }

    test("the chat at the default sidebar width: the picker and the chip are not cut, Custom… is offered, no Copy on a turn stopped before its answer", async () => {
        const frame = await chatFrame();
        await frame.locator("#input").fill("What is the derivative of x^2?");
        await frame.locator("#input").press("Enter");
        // The picker gets the title when the turn ends, whatever its end.
        await frame.locator(".em-chat-turn:is([data-status=done],[data-status=error])").first().waitFor({state: "attached", timeout: 120000});
        const past = await selectFits(frame, "#past");
        assert.ok(past.fits, `the conversation picker cuts "${past.text}" (${past.width.toFixed(0)} px of text in ${past.room.toFixed(0)} px)`);
        const chip = await selectFits(frame, "#budget");
        assert.ok(chip.fits, `the budget chip cuts "${chip.text}" (${chip.width.toFixed(0)} px in ${chip.room.toFixed(0)} px)`);
        assert.ok((await frame.locator("#budget option").allTextContents()).includes("Custom…"), "the chip offers Custom…");
        assert.match(await frame.locator("#budget-detail").innerText(), /think 256 \/ answer 512/);
        await screenshot(wb.page, "views-chat-default-width");
        assert.equal(await frame.locator(".em-chat-turn").first().getAttribute("data-status"), "done");

        // A turn stopped while it thinks has no answer and no solution: nothing to copy, so no Copy buttons.
        await frame.locator("#budget").selectOption("Long think");
        await frame.locator("#input").fill("Think about it for a long time.");
        await frame.locator("#send").click();
        const second = frame.locator(".em-chat-turn").nth(1);
        await second.locator(".em-thinking-body p").first().waitFor({state: "attached", timeout: 60000});
        await frame.locator("#stop").click();
        await frame.locator(".em-chat-turn[data-status=stopped]").waitFor({state: "attached", timeout: 30000});
        assert.equal(await second.locator(".em-actions").isVisible(), false, "a stopped turn without an answer offers Copy");
        assert.equal(await frame.locator(".em-chat-turn").first().locator(".em-copy-answer").isVisible(), true, "the answered turn keeps its Copy");
        await screenshotFrame(frame, "views-chat-stopped-no-copy");

        // Custom…: two input boxes, then the chip shows the typed budget.
        await frame.locator("#budget").selectOption("custom…");
        await typeInInputBox(wb.page, "300", {timeout: 15000, title: "custom thinking budget"});
        await typeInInputBox(wb.page, "400", {timeout: 15000, title: "custom answer budget"});
        for (const until = Date.now() + 15000; Date.now() < until && (await frame.locator("#budget").inputValue()) !== "Custom"; await wb.page.waitForTimeout(100));
        assert.equal(await frame.locator("#budget").inputValue(), "Custom");
        assert.match(await frame.locator("#budget-detail").innerText(), /think 300 \/ answer 400/);
    });

    test("the Tutor: an empty or unreadable check shows a message only; Step N comes into view", async () => {
        await waitForCommand(wb.page, "Elastic Math: Tutor Me on a Problem...");
        await runCommand(wb.page, "Elastic Math: Tutor Me on a Problem...");
        // A word problem long enough that the hints and steps start below the fold (the scripted model ignores the words).
        const longProblem = `${THINK_FOREVER.problem} ${"A farmer keeps careful records of every field, every season and every harvest. ".repeat(40)}`;
        await typeInInputBox(wb.page, longProblem, {timeout: 30000});
        const frame = await findWebviewFrame(wb.page, {selector: tutorSelector}, 60000);
        await frame.locator("#status", {hasText: "Ready"}).waitFor({timeout: 120000});
        await frame.locator("#answer").fill("8");
        await frame.locator("#check").click();
        await frame.locator(".tu-check.tu-not-equivalent").waitFor({timeout: 15000});
        for (const answer of ["", "idk", "x+", "\\sqrt{", "?"]) {
            await frame.locator("#answer").fill(answer);
            await frame.locator("#check").click();
            await frame.locator(`.tu-check.tu-${answer === "" ? "empty" : "unreadable"}`).waitFor({timeout: 15000});
            assert.equal(await frame.locator(".tu-tutors").count(), 0, `"${answer}" shows the tutor's answer`);
            assert.equal(await frame.locator(".tu-compare").count(), 0, `"${answer}" shows a comparison`);
            assert.doesNotMatch(await frame.locator("#check-result").innerText(), /7/, `"${answer}": the answer is in the message`);
        }
        await screenshotFrame(frame, "views-tutor-unreadable");
        // Hints and steps below the fold come into view.
        await frame.locator("#hint").click();
        await frame.locator(".tu-hint").first().waitFor({timeout: 60000});
        await frame.locator("#status", {hasText: "Hint 1 shown"}).waitFor({timeout: 15000});
        assert.ok(await belowFirstScreen(frame, ".tu-hint"), "the problem is not long enough to test scrolling");
        assert.ok(await inView(frame, ".tu-hint"), "hint 1 is below the fold");
        // The scripted model writes that hint again: no new hint, and the status says so.
        await frame.locator("#hint").click();
        await frame.locator("#status", {hasText: "no new hint"}).waitFor({timeout: 60000});
        assert.equal(await frame.locator(".tu-hint").count(), 1);
        await frame.locator("#step").click();
        await frame.locator(".tu-step").first().waitFor({timeout: 15000});
        assert.ok(await belowFirstScreen(frame, ".tu-step"), "the problem is not long enough to test scrolling");
        assert.ok(await inView(frame, ".tu-step"), "Step 1 is below the fold");
        assert.doesNotMatch(await frame.locator("#status").innerText(), /Hint \d shown/);
        await screenshotFrame(frame, "views-tutor-step-in-view");
    });

    test("the panel: a new card comes into view", async () => {
        for (let i = 1; i <= 3; i++) {
            await runCommand(wb.page, "Elastic Math: Solve Problem...");
            await typeInInputBox(wb.page, `${THINK_FOREVER.problem} (${i})`, {timeout: 30000});
            const frame = await findWebviewFrame(wb.page, {selector: panelSelector}, 60000);
            await frame.locator(".em-card[data-status=done]").nth(i - 1).waitFor({state: "attached", timeout: 120000});
            assert.ok(await inView(frame, ".em-card"), `the card of request ${i} is below the fold`);
        }
    });

    test("screenshots of the three views in a light, a dark and a high-contrast theme", async () => {
        const {page} = wb;
        for (const [theme, bodyClass, name] of [["Light Modern", "vscode-light", "light"], ["Dark Modern", "vscode-dark", "dark"],
            ["Dark High Contrast", "vscode-high-contrast", "hc"]] as const) {
            const chat = await chatFrame();
            if (!(await chat.evaluate(() => document.body.className)).split(" ").includes(bodyClass)) {
                await runCommand(page, "Preferences: Color Theme");
                await pickItem(page, theme, {filter: theme});
            }
            for (const until = Date.now() + 15000; Date.now() < until; await page.waitForTimeout(200))
                if ((await chat.evaluate(() => document.body.className)).split(" ").includes(bodyClass)) break;
            await screenshotFrame(chat, `views-theme-${name}-chat`);
            await showTab(page, "Elastic Math");
            await screenshotFrame(await findWebviewFrame(page, {selector: panelSelector}, 30000), `views-theme-${name}-panel`);
            await showTab(page, "Elastic Math Tutor");
            // The Tutor's problem is long (above): the picture is of its end, the check, the hint and the step.
            const tutor = await findWebviewFrame(page, {selector: tutorSelector}, 30000);
            await tutor.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
            await screenshotFrame(tutor, `views-theme-${name}-tutor`);
            await screenshot(page, `views-theme-${name}`);
        }
    });
});
