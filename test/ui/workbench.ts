// Helpers for Playwright UI tests in the real VS Code workbench (code-server 4.100.3 = VS Code 1.100.3, or 4.139.1 =
// VS Code 1.139.1 with EMT_VSCODE_VERSION=1.139; where the two workbenches differ, a helper here hides it),
// driven with playwright-core and Debian's chromium. Bundled into out/test/ui/*.test.mjs by scripts/build.mjs.
//
// The extension is loaded in development mode through the workbench URL's payload (extensionDevelopmentPath,
// no extensionTestsPath): it runs from the folder as built, nothing is installed.
// Watch it: HEADED=1 (and SLOWMO=250) with a display, e.g. `HEADED=1 xvfb-run -a npm run test:ui` or a desktop.
import {mkdirSync, readFileSync} from "node:fs";
import {join} from "node:path";
import type {Browser, Frame, Locator, Page} from "playwright-core";
import {ROOT, launchBrowser, openWorkbench, startCodeServer, type CodeServer} from "../../scripts/vscode-server.mjs";

export {ROOT};
export const SCREENSHOTS = join(ROOT, "artifacts", "screenshots");
const QUICK_INPUT = ".quick-input-widget";
const QUICK_INPUT_BOX = ".quick-input-widget input";

export interface Workbench {
    server: CodeServer;
    browser: Browser;
    page: Page;
    /** Extension-host and workbench output received through codeAutomationLog. */
    log: string[];
    /** Stops browser and server (the whole process group), removes the temp folders. */
    close(): Promise<void>;
}

export interface OpenOptions {
    /** The extension folder (package.json + out/); default: this repository, or env EMT_EXTENSION_PATH. */
    extensionPath?: string;
    workspace?: string;
    /** User settings.json. */
    settings?: Record<string, unknown>;
    /** The server machine's settings.json: where this browser window reads machine-scoped settings (elasticMath.model.path). */
    machineSettings?: Record<string, unknown>;
    /** Environment of the server, so of the extension host (the payload's extensionEnvironment is not applied). */
    env?: Record<string, string>;
    viewport?: {width: number; height: number};
    /** Extension folders copied into the extensions folder (test-only helpers, see test/fixtures/vscode-chat-helper). */
    preinstall?: string[];
    /** Files written into the user data's User/ folder (name -> text). */
    userFiles?: Record<string, string>;
    /** Wait for this extension's commands to be registered (default true): `${category}: ${title}` of its first command. */
    waitForExtension?: boolean;
    /** The display language (code-server's --locale, e.g. "zh-cn"; the workbench needs a language pack for it: docs/localization.md). */
    locale?: string;
}

/** Starts code-server with the extension in development mode, opens the workbench and waits until it is ready. */
export async function openWorkbenchWithExtension(opts: OpenOptions = {}): Promise<Workbench> {
    const extensionPath = opts.extensionPath ?? process.env.EMT_EXTENSION_PATH ?? ROOT;
    const server = await startCodeServer({extensionPath, workspace: opts.workspace, settings: opts.settings, machineSettings: opts.machineSettings,
        env: opts.env, preinstall: opts.preinstall, userFiles: opts.userFiles, locale: opts.locale});
    let browser: Browser | undefined;
    try {
        browser = await launchBrowser();
        const page = await browser.newPage({viewport: opts.viewport ?? {width: 1400, height: 900}});
        const log: string[] = [];
        await openWorkbench(page, server.workbenchUrl(), {onLog: (_t, args) => log.push(args.map(String).join(" "))});
        await waitForWorkbench(page);
        const wb: Workbench = {
            server, browser, page, log,
            close: async () => {
                try { await browser?.close(); } finally { await server.stop(); }
            }
        };
        if (opts.waitForExtension ?? true) {
            const label = firstCommandLabel(extensionPath, opts.locale);
            if (label) await waitForCommand(page, label);
        }
        return wb;
    } catch (e) {
        try { await browser?.close(); } catch { /* gone */ }
        await server.stop();
        throw e;
    }
}

/** Waits for the workbench's parts to be laid out and the editor area to take input. */
export async function waitForWorkbench(page: Page, timeout = 60000): Promise<void> {
    await page.locator(".monaco-workbench").waitFor({state: "visible", timeout});
    await page.locator(".part.activitybar .action-item").first().waitFor({state: "visible", timeout});
    await page.locator(".part.statusbar").waitFor({state: "visible", timeout});
    await page.locator(".part.editor").waitFor({state: "visible", timeout});
}

/** The palette label of an extension's first contributed command, from its package.json (a `%key%` from its package.nls[.locale].json). */
export function firstCommandLabel(extensionPath: string, locale?: string): string | undefined {
    try {
        const pkg = JSON.parse(readFileSync(join(extensionPath, "package.json"), "utf8"));
        const c = pkg.contributes?.commands?.[0];
        if (!c) return undefined;
        const nlsFile = (suffix: string) => { try { return JSON.parse(readFileSync(join(extensionPath, `package.nls${suffix}.json`), "utf8")); } catch { return {}; } };
        const nls = {...nlsFile(""), ...(locale != null ? nlsFile(`.${locale}`) : {})};
        const text = (v: string) => v.replace(/^%([\w.-]+)%$/, (m, key: string) => nls[key] ?? m);
        const category = typeof c.category === "string" ? text(c.category) : c.category?.value;
        const title = typeof c.title === "string" ? text(c.title) : c.title?.value;
        return category ? `${category}: ${title}` : title;
    } catch { return undefined; }
}

/**
 * Opens the command palette (F1). A quick input that is closing (a box just submitted, focus moving to an editor or
 * a walkthrough) can still look visible for a moment: the palette counts as open only when it still is a moment later.
 */
export async function openPalette(page: Page): Promise<Locator> {
    const input = page.locator(QUICK_INPUT_BOX);
    for (let attempt = 1; ; attempt++) {
        if (!(await input.isVisible())) {
            // Focus the workbench first, not an iframe: keystrokes go to the focused document.
            await page.locator(".monaco-workbench").focus().catch(() => undefined);
            // F1 first; the palette's other key when a part with focus did not pass F1 on.
            await page.keyboard.press(attempt === 1 ? "F1" : "Control+Shift+P");
        }
        await input.waitFor({state: "visible", timeout: attempt === 3 ? 10000 : 5000}).catch((e) => { if (attempt === 3) throw e; });
        await page.waitForTimeout(150);
        if (await input.isVisible() || attempt === 3) return input;
    }
}

/**
 * Opens the palette and types `text` into it. A palette that was closing when it was looked at (the previous command's,
 * seen on 1.139 right after View: Toggle Minimap) is gone by the time it is typed into: then it is opened again.
 */
async function typeInPalette(page: Page, text: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
        const input = await openPalette(page);
        try {
            await input.fill(text, {timeout: attempt === 3 ? 15000 : 3000});
            return;
        } catch (e) {
            if (attempt === 3) throw e;
        }
    }
}

/** Closes any open quick input (Escape). */
export async function closeQuickInput(page: Page): Promise<void> {
    if (await page.locator(QUICK_INPUT_BOX).isVisible()) {
        await page.keyboard.press("Escape");
        await page.locator(QUICK_INPUT_BOX).waitFor({state: "hidden", timeout: 5000});
    }
}

/** The visible rows of the quick input list. */
function quickInputRows(page: Page): Locator {
    return page.locator(`${QUICK_INPUT} .monaco-list-row`);
}

/** Label of a quick-pick row (its `.label-name`, without the description or keybinding). */
async function rowLabel(row: Locator): Promise<string> {
    const name = row.locator(".label-name").first();
    return ((await name.count()) ? await name.textContent() : await row.textContent())?.trim() ?? "";
}

/** Waits until the quick input lists a row whose label is `label` (exact) or matches the regexp. */
async function findRow(page: Page, label: string | RegExp, timeout: number): Promise<Locator | undefined> {
    const until = Date.now() + timeout;
    for (;;) {
        const rows = quickInputRows(page);
        const n = await rows.count();
        for (let i = 0; i < n; i++) {
            const row = rows.nth(i);
            const text = await rowLabel(row).catch(() => "");
            if (typeof label === "string" ? text === label : label.test(text)) return row;
        }
        if (Date.now() > until) return undefined;
        await page.waitForTimeout(100);
    }
}

/**
 * Runs a command through the palette (F1), by its palette label, e.g. "Preferences: Open Keyboard Shortcuts".
 * Fails listing what the palette offered when no row has that label.
 */
export async function runCommand(page: Page, label: string, timeout = 15000): Promise<void> {
    const until = Date.now() + timeout;
    const paletteOpen = () => page.locator(QUICK_INPUT_BOX).isVisible();
    for (let attempt = 1; ; attempt++) {
        await typeInPalette(page, `>${label}`);
        let row: Locator | undefined;
        while (!(row = await findRow(page, label, 1000)) && Date.now() < until && await paletteOpen()) { /* the list is filling */ }
        if (row) {
            await row.click();
            // Taken: the palette closes (or the command's own pick or box replaces it). Until then the palette still
            // shows what was typed, and what the test reads next would be the palette's (seen on 1.139).
            await page.waitForFunction(({selector, typed}) => {
                const input = document.querySelector<HTMLInputElement>(selector);
                return input == null || input.offsetParent === null || input.value !== typed;
            }, {selector: QUICK_INPUT_BOX, typed: `>${label}`}, {timeout: 10000})
                .catch(() => console.log(`the palette still showed "${label}" 10 s after it was taken`));
            return;
        }
        // Typed into a palette that then closed (a closing one): open it again.
        if (attempt < 3 && Date.now() < until && !(await paletteOpen())) continue;
        const offered = await quickInputRows(page).allTextContents();
        await closeQuickInput(page);
        throw new Error(`command "${label}" is not in the palette; it offered: ${offered.slice(0, 10).join(" | ") || "nothing"}`);
    }
}

/** Waits until the palette lists the command (e.g. the extension has registered it), then closes the palette. */
export async function waitForCommand(page: Page, label: string, timeout = 60000): Promise<void> {
    const until = Date.now() + timeout;
    for (;;) {
        await typeInPalette(page, `>${label}`);
        const row = await findRow(page, label, 2000);
        await closeQuickInput(page);
        if (row) return;
        if (Date.now() > until) throw new Error(`command "${label}" never appeared in the palette`);
        await page.waitForTimeout(500);
    }
}

/** Picks a quick-pick item by its label (exact string or regexp), typing `filter` first when given. */
export async function pickItem(page: Page, label: string | RegExp, opts: {filter?: string; timeout?: number} = {}): Promise<void> {
    const input = page.locator(QUICK_INPUT_BOX);
    await input.waitFor({state: "visible", timeout: opts.timeout ?? 15000});
    if (opts.filter !== undefined) await input.fill(opts.filter);
    const row = await findRow(page, label, opts.timeout ?? 15000);
    if (!row) {
        const offered = await quickInputRows(page).allTextContents();
        throw new Error(`no quick-pick item "${label}"; offered: ${offered.join(" | ") || "nothing"}`);
    }
    await row.click();
    // The quick input is reused from one prompt to the next: wait until this pick is gone (the widget closed, or it lists
    // no row with this label any more), so that the next step cannot type into this pick while it is still on screen.
    // (Rows are matched by their text in the page: the list recycles its row elements.)
    const labelSource = typeof label === "string" ? {text: label} : {source: label.source, flags: label.flags};
    await page.waitForFunction(([widget, want]) => {
        const w = document.querySelector<HTMLElement>(widget);
        if (w === null || w.offsetParent === null || getComputedStyle(w).display === "none") return true;
        const names = [...w.querySelectorAll(".monaco-list-row")].map((r) => (r.querySelector(".label-name") ?? r).textContent?.trim() ?? "");
        return !names.some((n) => ("text" in want ? n === want.text : new RegExp(want.source, want.flags).test(n)));
    }, [QUICK_INPUT, labelSource] as const, {timeout: opts.timeout ?? 15000}).catch(() => {
        throw new Error(`the quick pick still lists "${label}" after it was clicked`);
    });
}

/** The labels of the items an open quick pick shows. */
export async function quickPickLabels(page: Page): Promise<string[]> {
    await page.locator(QUICK_INPUT_BOX).waitFor({state: "visible", timeout: 15000});
    const rows = quickInputRows(page);
    const out: string[] = [];
    for (let i = 0; i < await rows.count(); i++) out.push(await rowLabel(rows.nth(i)));
    return out;
}

/**
 * Types into an open input box (vscode.window.showInputBox) and submits it with Enter unless submit is false. With
 * `title`, waits for the box with that title first: VS Code reuses one quick input widget from one box to the next, so a
 * box that is merely visible may still be the previous one. After Enter, waits until the box has taken the text (the
 * widget closed or moved on to the next prompt); a box whose validation refuses the text fails here, with its message.
 */
export async function typeInInputBox(page: Page, text: string, opts: {submit?: boolean; timeout?: number; title?: string | RegExp} = {}): Promise<void> {
    const timeout = opts.timeout ?? 15000;
    const input = page.locator(QUICK_INPUT_BOX);
    if (opts.title !== undefined) await page.locator(`${QUICK_INPUT} .quick-input-title`, {hasText: opts.title}).waitFor({state: "visible", timeout});
    await input.waitFor({state: "visible", timeout});
    await input.fill(text);
    if (!(opts.submit ?? true)) return;
    await input.press("Enter");
    try {
        await page.waitForFunction(([sel, typed]) => {
            const el = document.querySelector<HTMLInputElement>(sel);
            return el === null || el.offsetParent === null || el.value !== typed;
        }, [QUICK_INPUT_BOX, text] as const, {timeout});
    } catch {
        const message = await page.locator(`${QUICK_INPUT} .quick-input-message`).innerText().catch(() => "");
        throw new Error(`the input box kept "${text.slice(0, 60)}" after Enter${message ? `: ${message}` : ""}`);
    }
}

/**
 * Whether this workbench shows notifications as toasts. With the smoke-test driver on (VS Code 1.139 loads an extension
 * in development mode only with it; the workbench then sets `window.driver`) it shows none: a notification goes only to
 * the notification center. 1.100 runs without the driver and shows toasts.
 */
export async function showsToasts(page: Page): Promise<boolean> {
    return !(await page.evaluate(() => "driver" in window));
}

/**
 * A notification containing `text`, where this workbench shows it: a toast, or an entry of the notification center
 * (a toast is a one-entry list with the same entry, so its buttons and actions are found the same way in both).
 */
export function notification(page: Page, text: string | RegExp): Locator {
    return page.locator(".notifications-toasts .notification-list-item, .notifications-center .notification-list-item", {hasText: text}).first();
}

/** Opens the notification center unless it is open (Notifications: Show Notifications). */
export async function showNotificationCenter(page: Page): Promise<void> {
    if (!(await page.locator(".notifications-center").isVisible())) await runCommand(page, "Notifications: Show Notifications");
    await page.locator(".notifications-center").waitFor({state: "visible", timeout: 15000});
}

/**
 * Waits for a notification containing `text` and returns it: its toast, or (where the workbench shows no toasts, see
 * showsToasts) its entry in the notification center, which this opens. Either way what a user reads.
 */
export async function waitForNotification(page: Page, text: string | RegExp, timeout = 15000): Promise<Locator> {
    if (!(await showsToasts(page))) await showNotificationCenter(page);
    const item = notification(page, text);
    await item.waitFor({state: "visible", timeout});
    return item;
}

/**
 * Finds a webview's content frame by what it shows: a CSS selector present in it, or text it contains.
 * Works for editor webviews (`iframe.webview` > `iframe#active-frame`) and for sidebar WebviewViews, which
 * are rendered in an overlay outside `.part.sidebar`: it searches every frame of the page.
 */
export async function findWebviewFrame(page: Page, match: {selector?: string; text?: string | RegExp}, timeout = 30000): Promise<Frame> {
    const until = Date.now() + timeout;
    for (;;) {
        for (const frame of page.frames()) {
            if (frame === page.mainFrame()) continue;
            try {
                if (match.selector && (await frame.locator(match.selector).count()) === 0) continue;
                if (match.text !== undefined) {
                    const body = await frame.locator("body").innerText({timeout: 500});
                    if (typeof match.text === "string" ? !body.includes(match.text) : !match.text.test(body)) continue;
                }
                if (match.selector || match.text !== undefined) return frame;
            } catch { /* frame navigating or detached */ }
        }
        if (Date.now() > until) throw new Error(`no webview frame with ${JSON.stringify({selector: match.selector, text: String(match.text ?? "")})}`);
        await page.waitForTimeout(200);
    }
}

/** Takes a screenshot of the page (or of one locator) into artifacts/screenshots/<name>.png; returns the path. */
export async function screenshot(page: Page, name: string, target?: Locator): Promise<string> {
    mkdirSync(SCREENSHOTS, {recursive: true});
    const path = join(SCREENSHOTS, `${name.replace(/[^\w.-]+/g, "_")}.png`);
    if (target) await target.screenshot({path});
    else await page.screenshot({path});
    return path;
}

/**
 * An afterEach hook that takes a screenshot of the workbench when a test failed (artifacts/screenshots/failed-<test>.png),
 * so a failure on a VS Code version or a machine nobody watched can be looked at: `afterEach(screenshotOnFailure(() => wb))`.
 */
export function screenshotOnFailure(workbench: () => Workbench | undefined): (t: {name: string; passed?: boolean}) => Promise<void> {
    return async (t) => {
        const wb = workbench();
        if (t.passed !== false || wb == null) return;
        try {
            console.log(`the failure as it looked: ${await screenshot(wb.page, `failed-${t.name.slice(0, 80)}`)}`);
        } catch (e) {
            console.log(`no screenshot of the failure: ${String(e)}`);
        }
    };
}

/** Screenshot of a webview frame's own element (what the user sees of that webview). */
export async function screenshotFrame(frame: Frame, name: string): Promise<string> {
    mkdirSync(SCREENSHOTS, {recursive: true});
    const path = join(SCREENSHOTS, `${name.replace(/[^\w.-]+/g, "_")}.png`);
    const el = await frame.frameElement();
    await el.screenshot({path});
    return path;
}

/**
 * VS Code 1.13x opens some editors (Keyboard Shortcuts, seen on 1.139) in a modal editor part floating over the
 * workbench, with no tab; 1.100 opens them in a tab. While it is open, F1 does not open the palette; Escape closes it.
 */
const MODAL_EDITOR = ".part.editor.modal-editor-part";

/**
 * Waits until an editor showing `selector` (e.g. ".keybindings-editor") is open the way this VS Code opens it: in a
 * tab labelled `tab` (1.100), or in the modal editor part (1.13x). Returns where it was found.
 */
export async function waitForEditor(page: Page, selector: string, tab: string, timeout = 15000): Promise<"tab" | "modal"> {
    await page.locator(selector).first().waitFor({state: "visible", timeout});
    if (await page.locator(`${MODAL_EDITOR} ${selector}`).first().isVisible()) return "modal";
    const tabs = await editorTabs(page);
    if (!tabs.includes(tab)) throw new Error(`"${tab}" is shown but neither in a tab nor in a modal editor; tabs: ${tabs.join(" | ")}`);
    return "tab";
}

/** Closes the modal editor part when one is open (Escape), so the palette and the editor area take input again. */
export async function closeModalEditor(page: Page): Promise<void> {
    const modal = page.locator(MODAL_EDITOR).first();
    if (!(await modal.isVisible())) return;
    await page.keyboard.press("Escape");
    await modal.waitFor({state: "hidden", timeout: 5000});
}

/** Labels of the open editor tabs. */
export async function editorTabs(page: Page): Promise<string[]> {
    return (await page.locator(".tabs-container .tab .label-name").allTextContents()).map((s) => s.trim());
}

/** Opens a view container from the activity bar by its title (e.g. the extension's sidebar). */
export async function openViewContainer(page: Page, title: string, timeout = 15000): Promise<void> {
    const item = page.locator(`.part.activitybar .action-item a[aria-label^="${title.replace(/"/g, '\\"')}"]`).first();
    await item.waitFor({state: "visible", timeout});
    // Right after a reload the workbench may still be restoring the sidebar: a container read as "not open" can turn
    // open a moment later, and a click then would close it again. So click only when it is closed, and only return once
    // it has been seen open twice in a row.
    const deadline = Date.now() + timeout;
    const isOpen = async () => ((await item.locator("xpath=..").getAttribute("class")) ?? "").includes("checked")
        && await page.locator(".part.sidebar").isVisible();
    let seenOpen = 0;
    while (seenOpen < 2) {
        if (Date.now() > deadline) throw new Error(`the view container "${title}" did not stay open`);
        if (await isOpen()) seenOpen++;
        else {
            seenOpen = 0;
            await item.click();
        }
        await page.waitForTimeout(500);
    }
}

/** The colour themes views are looked at in: picker labels, and the class the workbench then has. */
export const THEMES = [
    {label: "Dark Modern", name: "dark", cls: "vs-dark"},
    {label: "Light Modern", name: "light", cls: "vs"},
    {label: "Dark High Contrast", name: "hc", cls: "hc-black"}
] as const;

/** Switches the colour theme through Preferences: Color Theme, as a user does. */
export async function setColorTheme(page: Page, theme: (typeof THEMES)[number]): Promise<void> {
    await runCommand(page, "Preferences: Color Theme");
    // Typed first: the list is virtualized, and on 1.139 (more themes) the high-contrast rows are out of view unfiltered.
    await pickItem(page, theme.label, {filter: theme.label});
    await page.locator(`.monaco-workbench.${theme.cls}`).waitFor({state: "attached", timeout: 15000});
}

/** Settings for a window on a scripted fixture model (in test/fixtures/models): one thread, a 4K context, no budget pick. */
export function scriptedModelSettings(file: string): Record<string, unknown> {
    return {
        "elasticMath.model.path": join(ROOT, "test", "fixtures", "models", file),
        "elasticMath.engine.threads": 1,
        "elasticMath.engine.contextSize": 4096,
        "elasticMath.budget.askEveryTime": false
    };
}
