// `@math` in VS Code's own Chat view, as a user drives it, on the VS Code this run targets (EMT_VSCODE_VERSION:
// 1.100, our minimum, where the Chat view needs the test-only helper in test/fixtures/vscode-chat-helper; or 1.139,
// where our own language model provider supplies the model the chat asks for). The budgets are checked to the token
// against the scripted fixtures; Stop keeps what was produced. Screenshots go to artifacts/screenshots/.
import * as assert from "node:assert/strict";
import {join} from "node:path";
import {after, before, describe, test} from "node:test";
import type {Locator, Page} from "playwright-core";
import {VSCODE_VERSION} from "../../scripts/vscode-server.mjs";
import {ROOT, findWebviewFrame, openWorkbenchWithExtension, screenshot, type Workbench} from "./workbench";
import {THINK_FOREVER, ensureScriptedFixtures} from "../fixtures/scripted";

const models = join(ROOT, "test", "fixtures", "models");
ensureScriptedFixtures();
const modern = VSCODE_VERSION !== "1.100";
const tag = VSCODE_VERSION.replace(".", "_");
/** The chat input's Stop button (shown while a reply is being written). */
const STOP_BUTTON = '.interactive-input-part [aria-label^="Cancel"], .interactive-input-part .codicon-stop-circle, .interactive-input-part .codicon-debug-stop';

describe(`ui: @math in the Chat view (VS Code ${VSCODE_VERSION})`, {timeout: 420000}, () => {
    let wb: Workbench;
    before(async () => {
        wb = await openWorkbenchWithExtension({
            settings: {
                "elasticMath.model.path": join(models, THINK_FOREVER.file),
                "elasticMath.engine.threads": 1,
                "elasticMath.engine.contextSize": 32768, // an unconstrained think-forever runs long enough to be stopped
                // Small budgets: the scripted models run on one thread of a busy test machine.
                "elasticMath.budget.presets": [
                    {label: "Quick", think: 16, answer: 64}, {label: "Balanced", think: 32, answer: 64}, {label: "Unconstrained", unconstrained: true}
                ],
                "elasticMath.budget.default": "Quick",
                "workbench.colorTheme": "Default Dark Modern",
                "chat.agent.enabled": false
            },
            preinstall: modern ? [] : [join(ROOT, "test", "fixtures", "vscode-chat-helper")],
            // Lets models of other vendors than Copilot into the chat's model picker (see docs/vscode-chat.md).
            userFiles: modern ? {"chatLanguageModels.json": JSON.stringify([{name: "Elastic Math", vendor: "elastic-math"}])} : {}
        });
    });
    after(async () => {
        await wb?.close();
    });

    async function openChat(page: Page): Promise<Locator> {
        const input = page.locator(".interactive-input-part .monaco-editor").first();
        if (!(await input.isVisible())) {
            await page.locator(".monaco-workbench").focus().catch(() => undefined);
            await page.keyboard.press("Control+Alt+KeyI");
        }
        await input.waitFor({state: "visible", timeout: 60000});
        return input;
    }

    /** On today's VS Code, the chat needs a model: ours, picked in the model picker (listed once the extension is up). */
    async function pickOurModel(page: Page): Promise<void> {
        const picker = page.locator('.interactive-input-part [aria-label^="Models"], .interactive-input-part .chat-modelPicker-item').first();
        const ours = page.locator('.action-widget .monaco-list-row:has-text("elastic budgets"), .quick-input-widget .monaco-list-row:has-text("elastic budgets")').first();
        const until = Date.now() + 90000;
        for (;;) {
            await picker.waitFor({state: "visible", timeout: 30000});
            await picker.click();
            try {
                await ours.waitFor({state: "visible", timeout: 5000});
                break;
            } catch (e) {
                await screenshot(page, `chat-${tag}-model-picker-waiting`);
                await page.keyboard.press("Escape");
                if (Date.now() > until) throw e;
                await new Promise((r) => setTimeout(r, 2000));
            }
        }
        await screenshot(page, `chat-${tag}-model-picker`);
        await ours.click();
        await ours.waitFor({state: "hidden", timeout: 10000});
    }

    /** The chat takes a new message only once the last reply has ended (its Send button is a Stop button till then). */
    async function waitUntilIdle(page: Page): Promise<void> {
        const stop = page.locator(STOP_BUTTON);
        const until = Date.now() + 60000;
        while (await stop.first().isVisible().catch(() => false)) {
            if (Date.now() > until) throw new Error("the chat's previous reply never ended");
            await new Promise((r) => setTimeout(r, 200));
        }
    }

    /**
     * The list row index of the newest request that contains `words`, or -1. The chat's list is virtual: rows are
     * positioned, not in DOM order, and old ones leave the DOM, so rows are told apart by their data-index.
     */
    async function requestRow(page: Page, words: string): Promise<number> {
        return page.evaluate((w) => {
            let best = -1;
            for (const row of document.querySelectorAll(".monaco-list-row[data-index]")) {
                const request = row.querySelector(".interactive-request");
                if (request != null && (request as HTMLElement).innerText.includes(w)) best = Math.max(best, Number(row.getAttribute("data-index")));
            }
            return best;
        }, words);
    }

    /** Sends a message; returns its response (found through its request's row: see requestRow). */
    async function ask(page: Page, text: string): Promise<Locator> {
        const input = await openChat(page);
        await waitUntilIdle(page);
        const words = text.replace(/^@math\s+(\/\w+\s+)?/, "").slice(0, 20);
        const before = await requestRow(page, words);
        await input.click();
        await page.keyboard.press("Control+A");
        await page.keyboard.press("Backspace");
        await page.keyboard.type(text, {delay: 5});
        await page.keyboard.press("Enter");
        const until = Date.now() + 60000;
        let resent = Date.now();
        for (;;) {
            const row = await requestRow(page, words);
            if (row > before) {
                const response = page.locator(`.monaco-list-row[data-index="${row + 1}"] .interactive-response`);
                await response.waitFor({state: "attached", timeout: 60000});
                return response;
            }
            // A suggestion list (participants, commands) may have taken the Enter: the text is then still in the input.
            if (Date.now() - resent > 5000 && (await input.innerText().catch(() => "")).includes(words)) {
                resent = Date.now();
                await page.keyboard.press("Escape");
                await input.click();
                await page.keyboard.press("End");
                await page.keyboard.press("Enter");
            }
            if (Date.now() > until) {
                await screenshot(page, `chat-${tag}-ask-failed`);
                throw new Error(`no response to "${text}"`);
            }
            await new Promise((r) => setTimeout(r, 200));
        }
    }

    async function waitForText(response: Locator, re: RegExp, timeout = 120000): Promise<string> {
        const until = Date.now() + timeout;
        for (;;) {
            const text = await response.innerText().catch(() => "");
            if (re.test(text)) return text;
            if (Date.now() > until) throw new Error(`response never matched ${re}; it reads:\n${text}`);
            await new Promise((r) => setTimeout(r, 250));
        }
    }

    test("a budget command runs exactly that budget; a cut is marked; the footer gives the tokens used", async () => {
        const {page} = wb;
        await openChat(page);
        if (modern) await pickOurModel(page);
        const response = await ask(page, `@math /budget 12+256 ${THINK_FOREVER.problem}`);
        const text = await waitForText(response, /Budget Custom.* on CPU/);
        assert.match(text, /cut at the budget: 12 tokens/);
        assert.match(text, new RegExp(`thinking 12 / 12, answer ${THINK_FOREVER.naturalSolutionTokens} / 256 tokens \\(thinking cut\\)`));
        assert.match(text, /Final answer/);
        if (modern) assert.ok(await response.locator(".katex").count() > 0, "today's VS Code typesets the math");
        else assert.match(text, /\$\\boxed\{7\}\$/, "1.100 shows the formula's exact source (no backslash lost)");
        await screenshot(page, `chat-${tag}-math-budget`);

        // "Show in the panel": the whole answer, its thinking included, as a card of the solution panel.
        await response.locator('a.monaco-button:has-text("Show in the panel"), .monaco-button:has-text("Show in the panel")').first().click({timeout: 15000});
        const panel = await findWebviewFrame(page, {selector: ".em-card[data-status=done]", text: THINK_FOREVER.problem}, 60000);
        const card = panel.locator(".em-card[data-status=done]").last();
        const shown = await card.innerText();
        assert.ok(shown.includes(THINK_FOREVER.problem), shown);
        assert.match(shown, /Budget Custom|Custom/);
        assert.ok(await card.locator(".katex").count() > 0, "the panel renders the answer's math");
        // KaTeX's fonts load with the new panel (text stays invisible until they have): the picture after they have.
        await panel.evaluate(() => document.fonts.ready.then(() => undefined));
        await screenshot(page, `chat-${tag}-math-show-in-panel`);
    });

    test("a follow-up in the same conversation, with the default budget", async () => {
        const {page} = wb;
        const response = await ask(page, "@math And what is that plus one?");
        const text = await waitForText(response, /Budget Quick .*: thinking \d+ \/ 16, answer \d+ \/ 64 tokens.* on CPU/);
        assert.match(text, /Final answer/);
        await screenshot(page, `chat-${tag}-math-followup`);
    });

    test("/hint never shows the tutor's answer, and says so when it has no new hint", async () => {
        const {page} = wb;
        const response = await ask(page, `@math /hint ${THINK_FOREVER.problem}`);
        const text = await waitForText(response, /Hint 1:[\s\S]*Check your answer/);
        const hint = text.split("Hint 1:")[1]!.split("Check your answer")[0]!;
        assert.doesNotMatch(hint, /\b7\b/, `the hint gives the answer away: ${hint}`);
        await screenshot(page, `chat-${tag}-math-hint`);
        const anotherHint = page.getByText("Another hint", {exact: true});
        await anotherHint.first().waitFor({state: "visible", timeout: 30000});
        // Asked again, the scripted model writes the same hint: the reply says there is no new one, not "Hint 2".
        const again = await ask(page, `@math /hint ${THINK_FOREVER.problem}`);
        const said = await waitForText(again, /no new hint/);
        assert.match(said, /only repeated hint 1/);
        assert.doesNotMatch(said, /Hint 2:/);
        // A reply with no new hint offers no "Another hint" (the chat shows the last reply's follow-ups only).
        for (const until = Date.now() + 20000; Date.now() < until && await anotherHint.first().isVisible(); await page.waitForTimeout(250));
        assert.equal(await anotherHint.first().isVisible(), false, "\"Another hint\" is offered after a reply with no new hint");
        await screenshot(page, `chat-${tag}-math-hint-repeated`);
    });

    test("Stop mid-answer keeps what was produced", async () => {
        const {page} = wb;
        // think-forever never closes its thinking: unconstrained, it thinks until the context is full, or until Stop.
        const response = await ask(page, `@math /unconstrained ${THINK_FOREVER.problem}`);
        await waitForText(response, /Thinking \d+ tokens/);
        const stop = page.locator(STOP_BUTTON).first();
        await stop.click({timeout: 30000});
        // The chat closes a cancelled reply's stream: what was produced stays, and generation stops at once.
        await new Promise((r) => setTimeout(r, 1500));
        const atStop = await response.innerText();
        await new Promise((r) => setTimeout(r, 2500));
        assert.equal(await response.innerText(), atStop, "nothing more arrives after Stop");
        assert.match(atStop, /Thinking \d+ tokens/, "the thinking shown so far is kept");
        // The queue is free: the next question is answered in full.
        const next = await ask(page, `@math /quick ${THINK_FOREVER.problem}`);
        await waitForText(next, /Budget Quick .*: thinking 16 \/ 16, answer \d+ \/ 64 tokens.* on CPU/);
        await screenshot(page, `chat-${tag}-math-stopped`);
    });
});
