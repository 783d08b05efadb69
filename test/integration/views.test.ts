// Issue 12's defects in the views' host side, inside a real VS Code extension host on the scripted fixtures (real
// llama.cpp): the Tutor never gives its answer away on a check that is not correct, a masked hint still renders as
// math, the Tutor's status follows Step by Step, the chat and the panel agree on a model without thinking, and an
// export is stamped with the time of the export.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as vscode from "vscode";
import type {ElasticMathApi} from "../../src/extension";
import type {ToPanelMessage} from "../../src/protocol/messages";
import type {ToTutorMessage} from "../../src/protocol/tutor";
import {CHATML_ANSWER, THINK_STOPS} from "../fixtures/scripted";
import {activateWith, resetSettings, setSetting} from "./settings";

const budget = {mode: "elastic", thinkTokens: 64, answerTokens: 64} as const;

suite("Views: the tutor, the chat and the panel agree (issue 12)", function () {
    this.timeout(120000);
    let api: ElasticMathApi;
    let models: string;
    const lastTutor = <T extends ToTutorMessage["type"]>(type: T) =>
        [...api.tutorMessages].reverse().find((m): m is Extract<ToTutorMessage, {type: T}> => m.type === type);

    suiteSetup(async () => {
        ({api, models} = await activateWith<ElasticMathApi>({"engine.threads": 1, "engine.contextSize": 4096, "sampling.seed": 7}));
    });
    suiteTeardown(() => resetSettings(["model.path", "engine.threads", "engine.contextSize", "sampling.seed"]));

    test("defect 2: after a wrong answer, an empty or unreadable check shows a message and never the tutor's answer", async () => {
        await setSetting("model.path", path.join(models, THINK_STOPS.file));
        const r = await api.tutor({problem: THINK_STOPS.problem, budget});
        assert.equal(r?.answer, "4");
        await api.tutorAction({type: "check", answer: "5"});
        assert.equal(lastTutor("check")?.verdict, "not-equivalent");
        assert.equal(lastTutor("check")?.tutorHtml, null, "a wrong answer does not show the tutor's");
        for (const answer of ["", "   ", "?", "idk", "x+", "\\sqrt{"]) {
            await api.tutorAction({type: "check", answer});
            const check = lastTutor("check")!;
            assert.equal(check.tutorHtml, null, `"${answer}": the tutor's answer was sent (${check.message})`);
            assert.equal(check.studentHtml, null, `"${answer}": an empty or unreadable answer is not shown as math`);
            assert.doesNotMatch(check.message, /compare them yourself|Tutor's/i, `"${answer}": ${check.message}`);
            assert.ok(answer.trim() === "" ? check.verdict === "empty" : check.verdict === "unreadable", `"${answer}": ${check.verdict}`);
        }
        // Only a correct answer brings the tutor's answer with it.
        await api.tutorAction({type: "check", answer: "2+2"});
        assert.equal(lastTutor("check")?.verdict, "correct");
        assert.match(lastTutor("check")?.tutorHtml ?? "", /katex/);
    });

    test("defect 3: a hint with a masked formula still renders it as math (no raw $ or \\square)", async () => {
        await setSetting("model.path", path.join(models, THINK_STOPS.file));
        await api.tutor({problem: THINK_STOPS.problem, budget});
        await api.tutorAction({type: "hint"});
        const hint = lastTutor("hint")!;
        assert.ok(hint.masked >= 1, "the fixture's hint gives the answer away, so something is masked");
        const text = hint.html.replace(/<annotation[\s\S]*?<\/annotation>/g, "").replace(/<[^>]+>/g, "");
        assert.ok(!text.includes("$") && !text.includes("\\square"), `raw LaTeX in the hint: ${text}`);
        assert.match(hint.html, /class="katex"/);
    });

    test("defect 13 (part): after a hint, the status line follows Step by Step (was still \"Hint 1 shown\")", async () => {
        await setSetting("model.path", path.join(models, THINK_STOPS.file));
        await api.tutor({problem: THINK_STOPS.problem, budget});
        await api.tutorAction({type: "hint"});
        assert.match(lastTutor("status")!.text, /Hint 1 shown/);
        await api.tutorAction({type: "step"});
        const status = lastTutor("status")!;
        assert.doesNotMatch(status.text, /Hint \d shown/, status.text);
        assert.match(status.text, /Step 1 of \d+ shown|All \d+ steps shown/);
    });

    test("defect 4: for a model without thinking the chat's turn has the panel's answer-only budget and model name", async () => {
        await setSetting("model.path", path.join(models, CHATML_ANSWER.file));
        const solved = await api.solve({problem: CHATML_ANSWER.problem, budget: {mode: "elastic", thinkTokens: 1024, answerTokens: 256}, budgetLabel: "Balanced"});
        assert.ok(solved);
        const panelDone = [...api.panelMessages].reverse().find((m): m is Extract<ToPanelMessage, {type: "done"}> => m.type === "done")!;
        assert.equal(panelDone.record.budget.mode === "elastic" && panelDone.record.budget.answerOnly, true);

        await api.chat.newChat();
        const sent = await api.chat.send(CHATML_ANSWER.problem);
        assert.ok(sent != null && sent.turn.status === "done", `the chat turn: ${sent?.turn.error}`);
        const chatDone = [...api.chat.messages].reverse().find((m) => m.type === "done" && m.id === sent.turn.id);
        assert.ok(chatDone != null && chatDone.type === "done");
        const b = chatDone.record.budget;
        assert.ok(b.mode === "elastic" && b.answerOnly === true, `the chat's budget is not answer-only: ${JSON.stringify(b)}`);
        assert.equal(chatDone.stats.model, panelDone.stats.model, "the chat and the panel name the model alike");
        assert.match(chatDone.stats.model, /scripted test model/);
    });

    test("defect 16: the export is stamped with the time of the export, and says when the conversation started", async () => {
        await setSetting("model.path", path.join(models, THINK_STOPS.file));
        await api.chat.newChat();
        await api.chat.send(THINK_STOPS.problem);
        const started = api.chat.current.created;
        await new Promise((r) => setTimeout(r, 30));
        const before = Date.now();
        const markdown = api.chat.exportMarkdown();
        const stamp = /Exported from Elastic Math Tutor on (\S+?);/.exec(markdown)?.[1];
        assert.ok(stamp != null, markdown.slice(0, 300));
        assert.ok(Date.parse(stamp) >= before, `exported at ${stamp}, but the export ran after ${new Date(before).toISOString()}`);
        assert.match(markdown, new RegExp(`the conversation started on ${new Date(started).toISOString().replace(/\./g, "\\.")}`));
    });
});
