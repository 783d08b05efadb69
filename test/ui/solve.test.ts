// Solve Problem as a user does it, in the real workbench (code-server = VS Code 1.100) driven by Playwright:
// the palette, the problem input, the budget pick, then inside the panel's webview: KaTeX, the boxed answer,
// the cut marker. Screenshots go to artifacts/screenshots/.
import * as assert from "node:assert/strict";
import {join} from "node:path";
import {after, before, describe, test} from "node:test";
import {ROOT, findWebviewFrame, openWorkbenchWithExtension, pickItem, quickPickLabels, runCommand, screenshot, screenshotFrame, typeInInputBox, waitForWorkbench, type Workbench} from "./workbench";
import {ensureScriptedFixtures, THINK_FOREVER, THINK_LONGER, THINK_STOPS} from "../fixtures/scripted";

const models = join(ROOT, "test", "fixtures", "models");
ensureScriptedFixtures();

function settingsFor(file: string): Record<string, unknown> {
    return {
        "elasticMath.model.path": join(models, file),
        "elasticMath.engine.threads": 1,
        "elasticMath.engine.contextSize": 4096,
        "workbench.colorTheme": "Default Dark Modern"
    };
}

describe("ui: Solve Problem from the palette", {timeout: 240000}, () => {
    let wb: Workbench;
    before(async () => {
        wb = await openWorkbenchWithExtension({settings: settingsFor(THINK_STOPS.file)});
    });
    after(async () => {
        await wb?.close();
    });

    test("palette → problem → Balanced budget streams a rendered solution with the boxed answer", async () => {
        const {page} = wb;
        await runCommand(page, "Elastic Math: Solve Problem...");
        await typeInInputBox(page, THINK_STOPS.problem);
        let labels: string[] = [];
        for (const until = Date.now() + 15000; Date.now() < until && !labels.includes("Custom..."); await page.waitForTimeout(100))
            labels = await quickPickLabels(page);
        for (const preset of ["Quick", "Balanced", "Deep", "Extended", "Unconstrained", "Custom..."])
            assert.ok(labels.includes(preset), `budget pick offered: ${labels.join(" | ")}`);
        await screenshot(page, "solve-budget-pick");
        await pickItem(page, "Balanced");

        const frame = await findWebviewFrame(page, {selector: ".em-card"}, 60000);
        await frame.locator(".em-card[data-status=done]").waitFor({state: "attached", timeout: 60000});
        assert.ok(await frame.locator(".em-solution .katex").count() > 0, "no KaTeX formula in the solution");
        const finalBox = frame.locator(".em-solution .em-final-boxed");
        assert.equal(await finalBox.count(), 1, "the final boxed answer is not highlighted");
        assert.match(await frame.locator(".em-final .em-final-answer").innerText(), /4/);
        assert.equal(await frame.locator(".em-cut-marker").isVisible(), false, "a cut marker for a natural stop");
        const meter = await frame.locator(".em-thinking-meter .em-meter-label").innerText();
        assert.equal(meter, `${THINK_STOPS.naturalThinkingTokens} / 1024 thinking tokens`);
        const footer = await frame.locator(".em-footer").innerText();
        assert.match(footer, /tokens\/s/);
        assert.match(footer, /CPU/);
        await screenshot(page, "solve-panel-think-stops");
        await screenshotFrame(frame, "solve-panel-think-stops-webview");
    });

    test("the panel survives a window reload (serializer + saved state)", async () => {
        const {page} = wb;
        await runCommand(page, "Developer: Reload Window");
        await waitForWorkbench(page);
        const frame = await findWebviewFrame(page, {selector: ".em-card[data-status=done]"}, 60000);
        assert.match(await frame.locator(".em-problem").innerText(), /What is 2\+2\?/);
        assert.ok(await frame.locator(".em-solution .katex").count() > 0, "the restored solution is not rendered");
        assert.match(await frame.locator(".em-final .em-final-answer").innerText(), /4/);
        assert.match(await frame.locator(".em-footer").innerText(), /Thinking 34 \/ 1024/);
        await screenshot(page, "solve-panel-after-reload");
    });
});

describe("ui: the cut marker for a model that never stops thinking", {timeout: 240000}, () => {
    let wb: Workbench;
    before(async () => {
        wb = await openWorkbenchWithExtension({settings: {...settingsFor(THINK_FOREVER.file), "workbench.colorTheme": "Default Light Modern"}});
    });
    after(async () => {
        await wb?.close();
    });

    test("a Custom budget cuts the thinking; the panel marks it and still shows the answer", async () => {
        const {page} = wb;
        await runCommand(page, "Elastic Math: Solve Problem...");
        await typeInInputBox(page, THINK_FOREVER.problem);
        await pickItem(page, "Custom...");
        await typeInInputBox(page, "40", {title: "custom thinking budget"});
        await typeInInputBox(page, "200", {title: "custom answer budget"});
        const frame = await findWebviewFrame(page, {selector: ".em-card"}, 60000);
        await frame.locator(".em-card[data-status=done]").waitFor({state: "attached", timeout: 60000});
        const marker = frame.locator(".em-cut-marker");
        assert.equal(await marker.isVisible(), true, "no cut marker");
        assert.match(await marker.innerText(), /cut at 40 tokens/);
        assert.ok(await frame.locator(".em-solution .katex").count() > 0);
        assert.match(await frame.locator(".em-final .em-final-answer").innerText(), /7/);
        await screenshot(page, "solve-panel-think-forever-cut");
    });
});

describe("ui: think longer in Solve Problem", {timeout: 240000}, () => {
    let wb: Workbench;
    before(async () => {
        wb = await openWorkbenchWithExtension({settings: {...settingsFor(THINK_LONGER.file), "elasticMath.tutor.minThinkingTokens": 6}});
    });
    after(async () => {
        await wb?.close();
    });

    test("the thinking shows a marker where the model's end was suppressed and Wait appended", async () => {
        const {page} = wb;
        await runCommand(page, "Elastic Math: Solve Problem...");
        await typeInInputBox(page, THINK_LONGER.problem);
        await pickItem(page, "Balanced");
        const frame = await findWebviewFrame(page, {selector: ".em-card"}, 60000);
        await frame.locator(".em-card[data-status=done]").waitFor({state: "attached", timeout: 60000});
        const marker = frame.locator(".em-thinking-body .em-forced-marker");
        assert.equal(await marker.count(), 1);
        // The thinking folds itself away once the solution is done: open it as a user would to see the marker.
        if (!await frame.locator(".em-thinking").evaluate((d) => (d as HTMLDetailsElement).open)) await frame.locator(".em-thinking summary").click();
        assert.equal(await marker.isVisible(), true);
        assert.match(await marker.innerText(), /ended its thinking after 4 tokens; the end was suppressed and "Wait" appended/);
        // In place: the thinking before the marker ends where the close was suppressed; "Wait" starts what follows.
        const [beforeText, afterText] = await marker.evaluate((m) => {
            const text = (nodes: Element[]) => nodes.map((n) => n.textContent ?? "").join("");
            const siblings = [...m.parentElement!.children];
            const i = siblings.indexOf(m);
            return [text(siblings.slice(0, i)), text(siblings.slice(i + 1))];
        });
        assert.match(beforeText, /five\.\s*$/);
        assert.match(afterText, /^\s*Wait, is that right\?/);
        assert.equal(await frame.locator(".em-cut-marker").isVisible(), false);
        assert.match(await frame.locator(".em-final .em-final-answer").innerText(), /5/);
        await screenshot(page, "solve-panel-think-longer");
        await screenshotFrame(frame, "solve-panel-think-longer-webview");
    });
});
