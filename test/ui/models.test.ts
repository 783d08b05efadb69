// Models as a user meets them, in the real workbench (code-server = VS Code 1.100) driven by Playwright:
// a ChatML model (answer budget only, no thinking section), the first-run offer (notification and the panel's card),
// and the Choose Model pick. Screenshots go to artifacts/screenshots/.
import * as assert from "node:assert/strict";
import {closeSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeSync} from "node:fs";
import {createServer, type Server} from "node:http";
import type {AddressInfo} from "node:net";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, afterEach, before, describe, test} from "node:test";
import {
    ROOT, findWebviewFrame, openWorkbenchWithExtension, pickItem, runCommand, screenshot, screenshotFrame, typeInInputBox,
    waitForNotification, waitForWorkbench, screenshotOnFailure, type Workbench
} from "./workbench";
import {CHATML_ANSWER, ensureScriptedFixtures} from "../fixtures/scripted";
import {builtInCatalog, defaultModel, fileNameFor} from "../../src/core/catalog";
import {writeHugeSparseModel} from "../fixtures/huge";

/**
 * A half-done download of the default model in `dir`, as node-llama-cpp's downloader (ipull) leaves it:
 * `.partial/<file>.ipull` holds the data (sparse here: no disk cost) followed by its resume state as JSON, with
 * 5 MB chunks of which the first 40% are complete (2). The engine tier checks that a real interrupted download
 * leaves exactly this shape and that partialDownload() reads it.
 */
function writeHalfDownloadedDefault(dir: string): number {
    const entry = defaultModel(builtInCatalog())!;
    const file = entry.files[0]!;
    mkdirSync(join(dir, ".partial"), {recursive: true});
    const chunkSize = 5 * 1024 * 1024;
    const n = Math.ceil(file.bytes / chunkSize);
    const chunks = Array.from({length: n}, (_, i) => (i < Math.floor(n * 0.4) ? 2 : 0));
    const fd = openSync(join(dir, ".partial", fileNameFor(entry, file) + ".ipull"), "w");
    writeSync(fd, Buffer.from(JSON.stringify({part: 0, chunks, chunkSize, parallelStreams: 3})), 0, undefined, file.bytes);
    closeSync(fd);
    return Math.floor((Math.min(file.bytes, Math.floor(n * 0.4) * chunkSize) / file.bytes) * 100);
}

const models = join(ROOT, "test", "fixtures", "models");
ensureScriptedFixtures();

const base = {"elasticMath.engine.threads": 1, "elasticMath.engine.contextSize": 4096, "workbench.colorTheme": "Default Dark Modern"};

/** The rows of the open quick pick as their whole text (label, description, detail). */
async function quickPickRows(page: Workbench["page"], until: (rows: string[]) => boolean, timeout = 15000): Promise<string[]> {
    let rows: string[] = [];
    for (const end = Date.now() + timeout; Date.now() < end; await page.waitForTimeout(100)) {
        rows = (await page.locator(".quick-input-widget .monaco-list-row").allTextContents()).map((t) => t.replace(/\s+/g, " ").trim());
        if (until(rows)) return rows;
    }
    return rows;
}

describe("ui: a ChatML model without a thinking phase", {timeout: 240000}, () => {
    let wb: Workbench;
    // The models folder holds a model far larger than this machine (a sparse GGUF: ~57 GB declared, no disk used).
    const modelsFolder = mkdtempSync(join(tmpdir(), "emt-ui-huge-"));
    const hugeFile = join(modelsFolder, "huge-F32.gguf");
    // A stand-in for huggingface.co on 127.0.0.1: every .gguf is that huge model, served by byte ranges, so the
    // pick reads each download's real header remotely (no whole file is ever sent).
    let hub: Server | undefined;
    before(async () => {
        writeHugeSparseModel(hugeFile);
        const size = statSync(hugeFile).size;
        hub = createServer((req, res) => {
            const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
            if (!/\.gguf$/.test(new URL(req.url ?? "/", "http://x").pathname) || m == null) { res.writeHead(m == null ? 416 : 404).end(); return; }
            const start = Number(m[1]);
            const end = Math.min(size - 1, m[2] !== "" ? Number(m[2]) : size - 1, start + 64 * 1024 * 1024 - 1);
            const buf = Buffer.alloc(Math.max(0, end - start + 1));
            const fd = openSync(hugeFile, "r");
            try { readSync(fd, buf, 0, buf.length, start); } finally { closeSync(fd); }
            res.writeHead(206, {"accept-ranges": "bytes", "content-length": String(buf.length), "content-range": `bytes ${start}-${end}/${size}`});
            res.end(buf);
        });
        await new Promise<void>((resolve) => hub!.listen(0, "127.0.0.1", resolve));
        wb = await openWorkbenchWithExtension({settings: {
            ...base, "elasticMath.model.path": join(models, CHATML_ANSWER.file), "elasticMath.models.folder": modelsFolder,
            "elasticMath.models.huggingFaceEndpoint": `http://127.0.0.1:${(hub.address() as AddressInfo).port}/`
        }});
    });
    afterEach(screenshotOnFailure(() => wb));
    after(async () => {
        await wb?.close();
        hub?.closeAllConnections();
        hub?.close();
        rmSync(modelsFolder, {recursive: true, force: true});
    });

    test("Solve Problem offers an answer budget only; the panel shows no thinking section", async () => {
        const {page} = wb;
        await runCommand(page, "Elastic Math: Solve Problem...");
        await typeInInputBox(page, CHATML_ANSWER.problem);
        const rows = await quickPickRows(page, (r) => r.some((t) => t.startsWith("Custom...")));
        const title = (await page.locator(".quick-input-widget .quick-input-title").innerText()).trim();
        assert.match(title, /answer budget/i, `pick title: ${title}`);
        assert.ok(rows.some((t) => /^Balanced.*answer 1024/.test(t)), `rows: ${rows.join(" | ")}`);
        assert.ok(rows.some((t) => /^Quick.*answer 512/.test(t)), `rows: ${rows.join(" | ")}`);
        assert.ok(!rows.some((t) => /think \d+/.test(t)), `no thinking budget offered: ${rows.join(" | ")}`);
        await screenshot(page, "models-chatml-budget-pick");
        await pickItem(page, "Balanced");

        const frame = await findWebviewFrame(page, {selector: ".em-card"}, 60000);
        await frame.locator(".em-card[data-status=done]").waitFor({state: "attached", timeout: 60000});
        assert.equal(await frame.locator(".em-card .em-thinking").isVisible(), false, "a thinking section for a model that does not think");
        assert.match(await frame.locator(".em-budget-chip").innerText(), /answer 1024 \(no thinking phase\)/);
        assert.match(await frame.locator(".em-final .em-final-answer").innerText(), /42/);
        assert.match(await frame.locator(".em-solution").innerText(), /multiply six by seven/);
        const footer = await frame.locator(".em-footer").innerText();
        assert.match(footer, /Solution 8 \/ 1024/);
        assert.doesNotMatch(footer, /Thinking/, "the footer shows no thinking budget for a model that does not think");
        await screenshot(page, "models-chatml-panel");
        await screenshotFrame(frame, "models-chatml-panel-webview");
    });

    test("Choose Model says by GGUF insights that the installed huge model does not fit; choosing it warns with advice", async () => {
        const {page} = wb;
        await runCommand(page, "Elastic Math: Choose Model...");
        // The pick opens with size estimates and fills in each download's verdict as its header arrives (two at a time).
        const rows = await quickPickRows(page, (r) => r.some((t) => t.startsWith("huge-F32"))
            && r.some((t) => t.startsWith("E1-Math-1.5B") && t.includes("Q4_K_M") && t.includes("(GGUF header)")), 120000);
        const huge = rows.find((t) => t.startsWith("huge-F32"));
        // The verdict comes first in the row's detail (before the path), so it is not cut off.
        assert.ok(huge != null, `rows: ${rows.join(" | ")}`);
        assert.match(huge, /^huge-F32\.gguf ?does not fit: needs about \d+(\.\d)? GB RAM, this machine has [\d.]+ GB \(GGUF header\)/);
        // Downloads: their headers were read from the (local) hub, so the verdict is the header's, not the size estimate.
        const e1 = rows.find((t) => t.startsWith("E1-Math-1.5B") && t.includes("Q4_K_M"));
        assert.ok(e1 != null, `rows: ${rows.join(" | ")}`);
        assert.match(e1, /does not fit: needs about \d+(\.\d)? GB RAM, this machine has [\d.]+ GB \(GGUF header\); (try|choose) a smaller/);
        await screenshot(page, "models-choose-model-does-not-fit");
        await page.locator(".quick-input-widget input").fill("huge-F32");
        await quickPickRows(page, (r) => r.length >= 1 && r[0]!.startsWith("huge-F32"));
        await pickItem(page, "huge-F32.gguf");
        const toast = await waitForNotification(page, "does not fit", 30000);
        assert.match(await toast.innerText(), /smaller (quantization|model)/);
        // A long toast shows one line until expanded, as a user would.
        await toast.hover();
        await toast.locator(".codicon-notifications-expand").first().click({timeout: 5000}).catch(() => undefined);
        await page.waitForTimeout(500);
        await screenshot(page, "models-does-not-fit-warning");
    });
});

describe("ui: first run (no model configured)", {timeout: 300000}, () => {
    let wb: Workbench;
    const modelsFolder = mkdtempSync(join(tmpdir(), "emt-ui-models-"));
    let partialPct = -1;
    before(async () => {
        partialPct = writeHalfDownloadedDefault(modelsFolder);
        wb = await openWorkbenchWithExtension({settings: {...base, "elasticMath.model.path": "", "elasticMath.models.folder": modelsFolder}});
    });
    afterEach(screenshotOnFailure(() => wb));
    after(async () => { await wb?.close(); rmSync(modelsFolder, {recursive: true, force: true}); });

    test("Solve Problem shows the offer: download E1-Math-1.5B (about 1.1 GB) or choose a GGUF file", async () => {
        const {page} = wb;
        await runCommand(page, "Elastic Math: Solve Problem...");
        const toast = await waitForNotification(page, "needs a local model", 30000);
        const buttons = (await toast.locator(".monaco-button").allInnerTexts()).map((t) => t.trim());
        assert.deepEqual(buttons, ["Download E1-Math-1.5B (about 1.1 GB)", "Choose a GGUF file..."]);
        await screenshot(page, "models-first-run-notification");
        // Dismiss it (the command then ends without a model and without an error).
        await toast.hover();
        await toast.locator(".codicon-notifications-clear").first().click();
        await toast.waitFor({state: "hidden", timeout: 10000});
    });

    test("Choose Model lists installed and downloadable models with sizes and the non-commercial note", async () => {
        const {page} = wb;
        await runCommand(page, "Elastic Math: Choose Model...");
        // The list is virtualized: only the rows in view exist, so wait for the first downloads, filter for the rest.
        const rows = await quickPickRows(page, (r) => r.some((t) => t.startsWith("E1-Math-7B")));
        const e1 = rows.find((t) => t.startsWith("E1-Math-1.5B") && t.includes("Q4_K_M"));
        assert.ok(e1 != null, `rows: ${rows.join(" | ")}`);
        assert.match(e1, /1\.1 GB/);
        assert.match(e1, /non-commercial/);
        // Offline (as here) the remote header cannot be read: the size estimate stands in and says so.
        assert.match(e1, /fits: needs about [\d.]+ [MG]B of [\d.]+ GB RAM \((GGUF header|size estimate)\)/);
        assert.ok(e1.includes(`partly downloaded (${partialPct}%) — resume`), "the half-done download of the default model is offered for resume");
        assert.ok(rows.some((t) => t.startsWith("E1-Math-7B") && /4\.7 GB/.test(t)), `rows: ${rows.join(" | ")}`);
        assert.ok(rows.some((t) => t.includes("none yet")), "the Installed section says there is none yet");
        await screenshot(page, "models-choose-model");
        await page.locator(".quick-input-widget input").fill("TinyMathReason");
        const tiny = await quickPickRows(page, (r) => r.some((t) => t.startsWith("TinyMathReason-1B-sft")));
        assert.ok(tiny.some((t) => t.startsWith("TinyMathReason-1B-sft") && t.includes("no download source")), `rows: ${tiny.join(" | ")}`);
        await page.locator(".quick-input-widget input").fill("GGUF file");
        const file = await quickPickRows(page, (r) => r.some((t) => t.includes("Use a GGUF file on disk")));
        assert.ok(file.some((t) => t.includes("Use a GGUF file on disk")), `rows: ${file.join(" | ")}`);
        await page.keyboard.press("Escape");
    });

    test("Show Solution Panel offers a model in a card; its Choose a GGUF file... button opens the file dialog", async () => {
        const {page} = wb;
        await runCommand(page, "Elastic Math: Show Solution Panel");
        const frame = await findWebviewFrame(page, {selector: ".em-first-run"}, 30000);
        const card = frame.locator(".em-first-run");
        assert.match(await card.innerText(), /needs a local model/);
        assert.equal(await card.locator("[data-action=first-run-download]").innerText(), "Download E1-Math-1.5B (about 1.1 GB)");
        assert.equal(await card.locator("[data-action=first-run-choose]").innerText(), "Choose a GGUF file...");
        assert.match(await card.locator(".em-first-run-note").innerText(), /non-commercial/);
        await screenshotFrame(frame, "models-first-run-panel-webview");
        await card.locator("[data-action=first-run-choose]").click();
        // code-server's open dialog is VS Code's simple file dialog: a quick input titled by the extension.
        const title = page.locator(".quick-input-widget .quick-input-title", {hasText: "choose a GGUF model file"});
        await title.waitFor({state: "visible", timeout: 15000});
        await screenshot(page, "models-first-run-file-dialog");
        await page.keyboard.press("Escape");
    });

    test("after a window reload restores the panel, the card is offered again", async () => {
        const {page} = wb;
        await runCommand(page, "Developer: Reload Window");
        await waitForWorkbench(page);
        // No command is run: VS Code restores the panel through the extension's serializer.
        const frame = await findWebviewFrame(page, {selector: ".em-first-run"}, 60000);
        const card = frame.locator(".em-first-run");
        assert.match(await card.innerText(), /needs a local model/);
        assert.equal(await card.locator("[data-action=first-run-download]").innerText(), "Download E1-Math-1.5B (about 1.1 GB)");
        assert.equal(await frame.locator(".em-first-run").count(), 1, "one card, not two");
        await screenshot(page, "models-first-run-after-reload");
    });
});
