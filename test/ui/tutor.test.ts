// The Tutor panel as a student uses it, in the real workbench (code-server = VS Code 1.100) driven by Playwright:
// Tutor Me from the palette, Check My Answer with a right and a wrong answer, a hint (masked), and the majority
// vote's bar chart. Screenshots go to artifacts/screenshots/.
import * as assert from "node:assert/strict";
import {join} from "node:path";
import {after, before, describe, test} from "node:test";
import {ROOT, findWebviewFrame, openWorkbenchWithExtension, pickItem, quickPickLabels, runCommand, screenshot, screenshotFrame, typeInInputBox, waitForCommand, type Workbench} from "./workbench";
import {ensureScriptedFixtures, HINT_LEAKS, VOTE_SPLIT} from "../fixtures/scripted";

const models = join(ROOT, "test", "fixtures", "models");
ensureScriptedFixtures();

function settingsFor(file: string): Record<string, unknown> {
    return {
        "elasticMath.model.path": join(models, file),
        "elasticMath.engine.threads": 1,
        "elasticMath.engine.contextSize": 4096,
        "elasticMath.sampling.seed": 7,
        "elasticMath.tutor.voteSamples": 10,
        "workbench.colorTheme": "Default Dark Modern"
    };
}

async function tutorMe(wb: Workbench, problem: string) {
    // On a loaded machine the palette can be asked before the extension registered the command: wait for it.
    await waitForCommand(wb.page, "Elastic Math: Tutor Me on a Problem...");
    await runCommand(wb.page, "Elastic Math: Tutor Me on a Problem...");
    await typeInInputBox(wb.page, problem, {timeout: 30000});
    await pickItem(wb.page, "Balanced");
    const frame = await findWebviewFrame(wb.page, {selector: "#check-form"}, 60000);
    await frame.locator("#status", {hasText: "Ready"}).waitFor({timeout: 60000});
    return frame;
}

describe("ui: Tutor Me: check my answer and hints", {timeout: 240000}, () => {
    let wb: Workbench;
    before(async () => { wb = await openWorkbenchWithExtension({settings: settingsFor(HINT_LEAKS.file)}); });
    after(async () => { await wb?.close(); });

    test("a right answer, a wrong answer, then a hint that does not give the answer away", async () => {
        const frame = await tutorMe(wb, HINT_LEAKS.problem);
        assert.match(await frame.locator("#problem").innerText(), /1 divided by 2/);

        await frame.locator("#answer").fill("0.5");
        await frame.locator("#check").click();
        await frame.locator(".tu-check.tu-correct").waitFor({timeout: 15000});
        assert.match(await frame.locator(".tu-verdict").innerText(), /Correct/);
        assert.ok(await frame.locator(".tu-tutors .katex").count() > 0, "the tutor's answer is rendered");
        await screenshotFrame(frame, "tutor-check-correct");

        await frame.locator("#answer").fill("1/3");
        await frame.locator("#check").click();
        await frame.locator(".tu-check.tu-not-equivalent").waitFor({timeout: 15000});
        assert.match(await frame.locator(".tu-verdict").innerText(), /Not equivalent/);
        assert.equal(await frame.locator(".tu-tutors").count(), 0, "a wrong answer must not reveal the tutor's answer");
        await screenshotFrame(frame, "tutor-check-wrong");

        await frame.locator(".tu-offer-hint").click();
        await frame.locator(".tu-hint").waitFor({timeout: 30000});
        const hint = await frame.locator(".tu-hint-body").innerText();
        assert.match(hint, /sharing a pizza/);
        for (const leak of ["0.5", "1/2", "½"]) assert.ok(!hint.includes(leak), `"${leak}" in the hint: ${hint}`);
        assert.match(await frame.locator(".tu-hint .tu-note").innerText(), /hidden/);
        assert.equal(await frame.locator("#solution").isVisible(), false, "the solution stays behind its button");
        await screenshot(wb.page, "tutor-hint-workbench");
        await screenshotFrame(frame, "tutor-hint");

        // The verdict was about "1/3": once the box is edited it no longer applies and goes.
        assert.equal(await frame.locator(".tu-check").count(), 1);
        await frame.locator("#answer").pressSequentially("5");
        await frame.locator(".tu-check").waitFor({state: "detached", timeout: 15000});
        assert.equal(await frame.locator(".tu-verdict").count(), 0);

        // The scripted model writes the same hint again: the Tutor says it has no new one instead of showing it twice.
        await frame.locator("#hint").click();
        await frame.locator("#status", {hasText: "no new hint"}).waitFor({timeout: 60000});
        assert.match(await frame.locator("#status").innerText(), /only repeated hint 1/);
        assert.equal(await frame.locator(".tu-hint").count(), 1, "the repeat is not shown as hint 2");
        await screenshotFrame(frame, "tutor-hint-repeated");
    });
});

describe("ui: Tutor Me: majority vote chart", {timeout: 240000}, () => {
    let wb: Workbench;
    before(async () => { wb = await openWorkbenchWithExtension({settings: {...settingsFor(VOTE_SPLIT.file), "workbench.colorTheme": "Default Light Modern"}}); });
    after(async () => { await wb?.close(); });

    test("Majority Vote asks k (the setting first), then the bar chart shows both answers with counts adding up to k", async () => {
        const frame = await tutorMe(wb, VOTE_SPLIT.problem);
        await frame.locator("#vote-button").click();
        let pickLabels: string[] = [];
        for (const until = Date.now() + 15000; Date.now() < until && !pickLabels.includes("Custom..."); await wb.page.waitForTimeout(100))
            pickLabels = await quickPickLabels(wb.page);
        assert.deepEqual(pickLabels.filter((l) => /samples$/.test(l)), ["10 samples", "4 samples", "8 samples", "16 samples"], pickLabels.join(" | "));
        await screenshot(wb.page, "tutor-vote-pick");
        await pickItem(wb.page, "16 samples");
        await frame.locator(".tu-vote-agreed").waitFor({timeout: 60000});
        assert.match(await frame.locator(".tu-vote-plan").innerText(), /^16 samples in parallel \(one context, 16 sequences/);
        const counts = (await frame.locator(".tu-bar-count").allInnerTexts()).map(Number);
        assert.equal(counts.length, 2, `bars: ${counts.join(",")}`);
        assert.equal(counts[0]! + counts[1]!, 16);
        assert.ok(counts[0]! >= counts[1]!);
        const labels = await frame.locator(".tu-bar-label").allInnerTexts();
        assert.deepEqual([...labels.map((l) => l.trim().split("\n")[0])].sort(), ["12", "13"]);
        assert.match(await frame.locator(".tu-vote-agreed").innerText(), new RegExp(`${Math.round((counts[0]! / 16) * 100)}% of samples`));
        const widths = await frame.locator(".tu-bar-fill").evaluateAll((els) => els.map((e) => (e as HTMLElement).style.width));
        assert.equal(widths[0], "100%");
        await screenshotFrame(frame, "tutor-vote-chart");
    });
});
