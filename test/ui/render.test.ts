// Rendering in the real webview (code-server = VS Code 1.100, chromium via Playwright), through the real path:
// a scripted GGUF model (test/fixtures/scripted.ts RENDER_SHOWCASE) makes llama.cpp write a LaTeX-heavy answer
// followed by hostile markdown; the engine streams it, the host renders it, the panel's webview inserts it.
// Asserts: nothing executes (no dialog, no window.__pwned, no script element), nothing loads (no request
// outside 127.0.0.1, none to evil.example), text is escaped, the view stays responsive, a link click never
// navigates the webview (the host asks first for http), keyboard focus order and visible focus, and
// screenshots in the light, dark and high-contrast themes.
import * as assert from "node:assert/strict";
import {join} from "node:path";
import {after, before, describe, test} from "node:test";
import type {Frame} from "playwright-core";
import {ROOT, findWebviewFrame, openWorkbenchWithExtension, pickItem, runCommand, screenshot, screenshotFrame, typeInInputBox, type Workbench} from "./workbench";
import {ensureScriptedFixture, RENDER_SHOWCASE} from "../fixtures/scripted";

const modelPath = ensureScriptedFixture(RENDER_SHOWCASE, join(ROOT, "test", "fixtures", "models"));

describe("ui: rendering untrusted model output in the solution panel", {timeout: 300000}, () => {
    let wb: Workbench;
    let frame: Frame;
    const dialogs: string[] = [];
    const requests: string[] = [];
    const pageErrors: string[] = [];

    before(async () => {
        wb = await openWorkbenchWithExtension({settings: {
            "elasticMath.model.path": modelPath,
            "elasticMath.engine.threads": 1,
            "elasticMath.engine.contextSize": 4096,
            "workbench.colorTheme": "Default Light Modern"
        }});
        wb.page.on("dialog", (d) => { dialogs.push(d.message()); void d.dismiss(); });
        wb.page.on("request", (r) => requests.push(r.url()));
        wb.page.on("pageerror", (e) => pageErrors.push(String(e)));
    });
    after(async () => {
        await wb?.close();
    });

    test("a hostile answer streams through the real engine and renderer: nothing runs, nothing loads, text escaped", async () => {
        const {page} = wb;
        await runCommand(page, "Elastic Math: Solve Problem...");
        await typeInInputBox(page, RENDER_SHOWCASE.problem);
        await pickItem(page, "Balanced");
        frame = await findWebviewFrame(page, {selector: ".em-card"}, 60000);
        await frame.locator(".em-card[data-status=done]").waitFor({state: "attached", timeout: 90000});
        const sol = frame.locator(".em-solution");

        // Nothing executed, in the panel's frame, the webview host frame or the workbench.
        for (const f of page.frames()) {
            const pwned = await f.evaluate(() => (window as unknown as {__pwned?: unknown}).__pwned).catch(() => "unreachable");
            assert.ok(pwned === undefined || pwned === "unreachable", `window.__pwned = ${String(pwned)} in ${f.url()}`);
        }
        assert.deepEqual(dialogs, [], "a dialog opened");
        assert.equal(await sol.locator("script, img, iframe, object, embed, [onerror], [onclick], [style*='url(']").count(), 0);
        assert.equal(await sol.locator("a[href^='javascript'], a[href^='data'], a[href^='JAVASCRIPT']").count(), 0);
        assert.equal(await sol.locator(".katex a, .katex .pwn, .katex [data-x]").count(), 0, "\\href/\\htmlClass/\\htmlData took effect");

        // Escaped: the raw markup is visible as text.
        const text = await sol.innerText();
        for (const raw of ["<script>window.__pwned = 1; alert(1)</script>", "onerror=\"window.__pwned = 2\"", "<a href=\"javascript:window.__pwned=3\">"])
            assert.ok(text.includes(raw), `not shown as text: ${raw}`);
        assert.match(text, /js link/);
        assert.match(text, /remote/, "an image's alt text stands in for it");

        // Nothing loaded from elsewhere: every http(s) request went to the local server, or is one of the
        // webview's own resources (VS Code serves them as https://<authority>.vscode-resource.vscode-cdn.net/<path>
        // through its service worker; the path must be inside this extension's media/ or out/webview/).
        const own = (u: string): boolean => {
            const m = /^https:\/\/[^/]+\.vscode-resource\.vscode-cdn\.net(\/[^?#]*)/.exec(u);
            return m != null && [join(ROOT, "media") + "/", join(ROOT, "out", "webview") + "/"].some((p) => decodeURIComponent(m[1]!).startsWith(p));
        };
        const foreign = requests.filter((u) => /^https?:/.test(u) && !/^https?:\/\/127\.0\.0\.1[:/]/.test(u) && !own(u));
        assert.deepEqual(foreign, [], "requests left 127.0.0.1");
        assert.equal(requests.filter((u) => u.includes("evil.example")).length, 0);

        // The LaTeX-heavy part rendered; the broken formula and the bombs show as marked source.
        assert.ok(await sol.locator(".katex-display").count() >= 3);
        assert.ok(await sol.locator("table .katex").count() >= 4, "math in the table");
        assert.ok(await sol.locator(".em-math-error").count() >= 3, "bad formulas are marked");
        assert.match(await sol.locator(".em-math-error").first().getAttribute("title") ?? "", /\S/, "the error is on hover");
        assert.equal(await sol.locator(".em-final-boxed").count(), 1);
        assert.match(await frame.locator(".em-final .em-final-answer").innerText(), /2\s*and\s*3/);
        assert.match(text, /\$5 and \$10 stays text/);
        assert.match(await sol.locator("code").first().innerText(), /^code \$x\$$/);

        // Responsive: the page answers and a layout pass is quick.
        const t = Date.now();
        const h = await frame.evaluate(() => document.body.getBoundingClientRect().height);
        assert.ok(h > 0 && Date.now() - t < 5000, `slow layout: ${Date.now() - t} ms`);
        assert.deepEqual(pageErrors, []);
        await screenshotFrame(frame, "render-hostile-webview");
    });

    test("a link click never navigates the webview; http asks in the workbench first", async () => {
        const {page} = wb;
        const before = frame.url();
        await frame.locator(".em-solution a", {hasText: "the site"}).click();
        const modal = page.locator(".monaco-dialog-box");
        await modal.waitFor({state: "visible", timeout: 15000});
        assert.match(await modal.innerText(), /Open this link from the model's output\?[\s\S]*http:\/\/example\.com\/page/);
        await screenshot(page, "render-link-confirm");
        await modal.getByRole("button", {name: "Cancel"}).click();
        await modal.waitFor({state: "hidden", timeout: 10000});
        assert.equal(frame.url(), before);
        assert.equal(await frame.locator(".em-card[data-status=done]").count(), 1, "the panel content is still there");
        assert.equal(requests.filter((u) => u.includes("example.com")).length, 0, "the link was fetched");
    });

    test("keyboard: Tab reaches the thinking toggle, links and copy buttons with a visible focus ring; Enter toggles thinking", async () => {
        await frame.locator(".em-clear").focus();
        const seen: string[] = [];
        for (let i = 0; i < 40; i++) {
            await frame.page().keyboard.press("Tab");
            const d = await frame.evaluate(() => {
                const a = document.activeElement as HTMLElement | null;
                if (a == null || a === document.body) return null;
                const s = getComputedStyle(a);
                return {what: a.tagName.toLowerCase() + (a.className ? "." + a.className.split(" ").join(".") : ""),
                    ring: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0};
            });
            if (d == null) break;
            assert.ok(d.ring, `no visible focus on ${d.what}`);
            seen.push(d.what);
            if (d.what.includes("em-copy-latex")) break;
        }
        const order = (cls: string) => seen.findIndex((s) => s.includes(cls));
        assert.ok(order("em-math-error") >= 0, `Tab never reached a formula error: ${seen.join(" > ")}`);
        for (const cls of ["em-thinking-summary", "em-copy-answer", "em-copy-markdown", "em-copy-latex"]) assert.ok(order(cls) >= 0, `Tab never reached ${cls}: ${seen.join(" > ")}`);
        assert.ok(seen.some((s) => s.startsWith("a")), "links are not focusable");
        assert.ok(order("em-thinking-summary") < order("em-copy-answer"));
        const summary = frame.locator(".em-thinking-summary");
        const wasOpen = await frame.locator(".em-thinking").evaluate((d) => (d as HTMLDetailsElement).open);
        await summary.focus();
        await frame.page().keyboard.press("Enter");
        assert.equal(await frame.locator(".em-thinking").evaluate((d) => (d as HTMLDetailsElement).open), !wasOpen);
        await frame.page().keyboard.press("Enter");
        await screenshotFrame(frame, "render-keyboard-focus");
    });

    for (const [theme, bodyClass, name] of [
        ["Light Modern", "vscode-light", "light"],
        ["Dark Modern", "vscode-dark", "dark"],
        ["Dark High Contrast", "vscode-high-contrast", "high-contrast"]
    ] as const) {
        test(`screenshot in ${theme}`, async () => {
            const {page} = wb;
            const current = await frame.evaluate(() => document.body.className);
            if (!current.split(" ").includes(bodyClass)) {
                await runCommand(page, "Preferences: Color Theme");
                await pickItem(page, theme, {filter: theme});
            }
            for (const until = Date.now() + 15000; Date.now() < until; await page.waitForTimeout(200))
                if ((await frame.evaluate(() => document.body.className)).split(" ").includes(bodyClass)) break;
            assert.ok((await frame.evaluate(() => document.body.className)).split(" ").includes(bodyClass), `webview body is not ${bodyClass}`);
            await frame.evaluate(() => { (document.activeElement as HTMLElement | null)?.blur(); window.scrollTo(0, 0); });
            await screenshot(page, `render-theme-${name}`);
            await screenshotFrame(frame, `render-theme-${name}-webview`);
        });
    }
});
