// The server backend as a user sees it, in the real workbench: Test Server Connection's report, then Solve Problem
// streaming from a real llama.cpp llama-server (scripts/setup-llama-server.sh), the cut marker, and the footer naming
// the server. Screenshots go to artifacts/screenshots/.
import * as assert from "node:assert/strict";
import {after, afterEach, before, describe, test} from "node:test";
import {findWebviewFrame, notification, openWorkbenchWithExtension, pickItem, runCommand, screenshot, screenshotFrame, typeInInputBox, waitForNotification, screenshotOnFailure, type Workbench} from "./workbench";
import {ensureScriptedFixtures, THINK_FOREVER} from "../fixtures/scripted";
import {startLlamaServer, type RunningServer} from "../engine/llamaServer";

const fixtures = ensureScriptedFixtures();

describe("ui: the server backend", {timeout: 240000}, () => {
    let wb: Workbench;
    let server: RunningServer;
    before(async () => {
        server = await startLlamaServer(fixtures[THINK_FOREVER.name]!, {alias: "scripted-test-model"});
        wb = await openWorkbenchWithExtension({settings: {
            "elasticMath.backend": "server",
            "elasticMath.server.url": server.url,
            "elasticMath.server.model": "scripted-test-model",
            "elasticMath.server.catalogModel": "e1-math-7b",
            "workbench.colorTheme": "Default Dark Modern"
        }});
    });
    afterEach(screenshotOnFailure(() => wb));
    after(async () => {
        await wb?.close();
        await server?.stop();
    });

    test("Test Server Connection reports the server, its model and that budgets are exact", async () => {
        const {page} = wb;
        await runCommand(page, "Elastic Math: Test Server Connection");
        const toast = await waitForNotification(page, /answers \(llama\.cpp/, 60000);
        const text = await toast.innerText();
        assert.match(text, /scripted-test-model/);
        assert.match(text, /budgets are exact/);
        // The progress notification goes; the report expands to its full text (what a user reads).
        await notification(page, "testing").waitFor({state: "detached", timeout: 15000}).catch(() => undefined);
        await toast.hover();
        const expand = toast.locator(".codicon-notifications-expand");
        if (await expand.count() > 0) await expand.first().click();
        await page.waitForTimeout(300);
        await screenshot(page, "server-test-connection");
    });

    test("Solve Problem streams from the server; the thinking is cut at the budget; the footer names the server", async () => {
        const {page} = wb;
        await runCommand(page, "Elastic Math: Solve Problem...");
        await typeInInputBox(page, THINK_FOREVER.problem);
        await pickItem(page, "Quick");
        const frame = await findWebviewFrame(page, {selector: ".em-card"}, 60000);
        await frame.locator(".em-card[data-status=done]").waitFor({state: "attached", timeout: 60000});
        assert.match(await frame.locator(".em-final .em-final-answer").innerText(), /7/);
        assert.equal(await frame.locator(".em-cut-marker").isVisible(), true, "the cut marker");
        assert.equal(await frame.locator(".em-thinking-meter .em-meter-label").innerText(), "512 / 512 thinking tokens");
        const footer = await frame.locator(".em-footer").innerText();
        const host = new URL(server.url).host;
        assert.ok(footer.includes(`scripted-test-model @ ${host}`), footer);
        assert.ok(footer.includes(`server ${host}`), footer);
        await screenshot(page, "server-solve-panel");
        await screenshotFrame(frame, "server-solve-panel-webview");
    });

    test("the status bar names the server; clicking it tests the connection (not the local model pick)", async () => {
        const {page} = wb;
        await runCommand(page, "Notifications: Clear All Notifications");
        const host = new URL(server.url).host;
        const item = page.locator(".part.statusbar .statusbar-item", {hasText: `@ ${host}`}).first();
        await item.waitFor({state: "visible", timeout: 15000});
        await item.locator("a").first().click();
        const toast = await waitForNotification(page, /answers \(llama\.cpp/, 60000);
        assert.match(await toast.innerText(), /budgets are exact/);
        assert.equal(await page.locator(".quick-input-widget").isVisible(), false, "no model pick opened");
    });
});
