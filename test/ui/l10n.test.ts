// The Simplified Chinese translation in the real workbench (docs/localization.md): code-server started with
// --locale zh-cn and a test-only language pack (test/fixtures/zh-cn-language-pack: without one VS Code resolves the
// display language to English offline, and vscode.l10n loads no bundle). The palette shows our commands' translated
// titles (package.nls.zh-cn.json); the budget pick, the solution panel and the Tutor show our texts in Chinese
// (l10n/bundle.l10n.zh-cn.json), while the model's own output stays as the model wrote it.
// Screenshots: artifacts/screenshots/l10n-zh-cn-*.png (the panel and the Tutor in a dark, a light and a high-contrast theme).
import * as assert from "node:assert/strict";
import {join} from "node:path";
import {after, afterEach, before, describe, test} from "node:test";
import {ROOT, THEMES, findWebviewFrame, openWorkbenchWithExtension, pickItem, quickPickLabels, runCommand, screenshot, screenshotOnFailure,
    setColorTheme, typeInInputBox, waitForCommand, type Workbench} from "./workbench";
import {ensureScriptedFixtures, THINK_STOPS} from "../fixtures/scripted";

ensureScriptedFixtures();

describe("ui: the Simplified Chinese translation", {timeout: 600000}, () => {
    let wb: Workbench;
    before(async () => {
        wb = await openWorkbenchWithExtension({
            locale: "zh-cn",
            preinstall: [join(ROOT, "test", "fixtures", "zh-cn-language-pack")],
            settings: {
                "elasticMath.model.path": join(ROOT, "test", "fixtures", "models", THINK_STOPS.file),
                "elasticMath.engine.threads": 1,
                "elasticMath.engine.contextSize": 4096,
                "elasticMath.budget.askEveryTime": true
            },
            viewport: {width: 1600, height: 900},
            waitForExtension: false
        });
        // Our command's title in the palette is Chinese (package.nls.zh-cn.json) once the extension is registered.
        await waitForCommand(wb.page, "Elastic Math: 解题...", 60000);
    });
    afterEach(screenshotOnFailure(() => wb));
    after(async () => { await wb?.close(); });

    test("the palette, the budget pick, a solved problem's panel and the Tutor speak Chinese", async () => {
        const {page} = wb;
        // The workbench runs in zh-cn: the language the browser side resolved is what it gives the extension host
        // (vscode.env.language, and so which bundle.l10n.<language>.json vscode.l10n loads).
        assert.equal(await page.evaluate(() => (globalThis as {_VSCODE_NLS_LANGUAGE?: string})._VSCODE_NLS_LANGUAGE), "zh-cn");

        // The palette: our command's title from package.nls.zh-cn.json (the category is the product's name).
        await runCommand(page, "Elastic Math: 解题...", 30000);
        await typeInInputBox(page, THINK_STOPS.problem, {timeout: 30000});
        await page.locator(".quick-input-widget .monaco-list-row").first().waitFor({timeout: 30000});
        const labels = await quickPickLabels(page);
        assert.ok(["快速", "均衡", "深入", "加长", "不限", "自定义..."].every((l) => labels.includes(l)), `budget pick offers ${labels.join(" | ")}`);
        assert.ok(await page.locator(".quick-input-widget", {hasText: "思考 1024 / 作答 1024"}).count() > 0, "the budgets' descriptions are translated");
        await screenshot(page, "l10n-zh-cn-budget-pick");
        await pickItem(page, "均衡");

        const panel = await findWebviewFrame(page, {selector: "#feed"}, 60000);
        await panel.locator(".em-card[data-status=done]").first().waitFor({state: "attached", timeout: 120000});
        const card = panel.locator(".em-card").first();
        assert.equal((await card.locator(".em-status").innerText()).trim(), "完成");
        assert.match(await card.locator(".em-budget-chip").innerText(), /均衡 · 思考 1024 \/ 作答 1024/);
        assert.match(await card.locator(".em-thinking-summary").innerText(), /思考/);
        assert.match(await card.locator(".em-solution-head").innerText(), /解答/);
        assert.match(await card.locator(".em-final-label").innerText(), /最终答案/);
        assert.match(await card.locator(".em-footer").innerText(), /词元\/秒/);
        assert.match(await card.locator(".em-actions").innerText(), /复制答案/);
        // The model's own words are not translated.
        assert.match(await card.locator(".em-solution").innerText(), /Adding two and two gives/);
        assert.equal(await panel.locator("html").getAttribute("lang"), "zh-cn");
        await screenshot(page, "l10n-zh-cn-panel");

        // The Tutor (opened beside the panel): its page, its statuses and the answer check.
        await runCommand(page, "Elastic Math: 辅导我解一道题...", 30000);
        await typeInInputBox(page, THINK_STOPS.problem, {timeout: 30000});
        await pickItem(page, "均衡");
        const tutor = await findWebviewFrame(page, {selector: "#check-form"}, 60000);
        await tutor.locator("#status", {hasText: "准备就绪"}).waitFor({timeout: 120000});
        assert.equal((await tutor.locator("#check").innerText()).trim(), "检查答案");
        assert.equal((await tutor.locator("#step").innerText()).trim(), "逐步讲解");
        assert.equal((await tutor.locator("#vote-button").innerText()).trim(), "多数投票");
        assert.match(await tutor.locator("#budget").innerText(), /预算：均衡/);
        await tutor.locator("#answer").fill("5");
        await tutor.locator("#check").click();
        await tutor.locator("#check-result", {hasText: "不等价"}).waitFor({timeout: 30000});
        assert.match(await tutor.locator("#check-result").innerText(), /要一条提示/);
        await screenshot(page, "l10n-zh-cn-tutor");

        // The panel and the Tutor side by side in each theme: the Chinese texts stay readable.
        for (const theme of THEMES) {
            await setColorTheme(page, theme);
            await page.waitForTimeout(1000); // the webviews restyle from the theme's variables a moment after the workbench
            await screenshot(page, `l10n-zh-cn-${theme.name}`);
        }
    });
});
