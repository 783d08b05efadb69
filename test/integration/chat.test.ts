// Selection to solution and the sidebar chat inside a real VS Code extension host, on the scripted fixture models.
import * as assert from "node:assert/strict";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import {formatSolutionFor, indentLines} from "../../src/core/selectionText";
import type {ElasticMathApi} from "../../src/extension";
import {ANSWER_FOREVER, THINK_STOPS} from "../fixtures/scripted";
import {activateWith, setSetting} from "./settings";

const balanced = {mode: "elastic", thinkTokens: 1024, answerTokens: 1024} as const;

suite("Selection and chat in the extension host", function () {
    this.timeout(120000);
    let api: ElasticMathApi;
    let models: string;
    const config = () => vscode.workspace.getConfiguration("elasticMath");
    const scratch = mkdtempSync(path.join(os.tmpdir(), "emt-chat-docs-"));
    let scratchFiles = 0;
    suiteTeardown(async () => {
        // The insertions left them changed: revert them, so that closing the window asks nothing.
        for (const doc of vscode.workspace.textDocuments.filter((d) => d.isDirty && d.uri.fsPath.startsWith(scratch))) {
            await vscode.window.showTextDocument(doc);
            await vscode.commands.executeCommand("workbench.action.files.revert");
        }
        rmSync(scratch, {recursive: true, force: true});
    });
    async function useModel(file: string): Promise<void> {
        await setSetting("model.path", path.join(models, file));
    }
    /**
     * Opens `content` in a file of its own (a new name each time) with `selected` selected. Not an untitled document:
     * VS Code reuses an untitled document's name once it is closed, and once (CI-like load, VS Code 1.100) the next
     * test's "new" document came back holding the closed one's text, so the insertion landed in the wrong text.
     */
    async function openWithSelection(language: string, content: string, selected: string): Promise<vscode.TextEditor> {
        const ext = ({latex: "tex", markdown: "md", plaintext: "txt"} as Record<string, string>)[language] ?? "txt";
        const file = path.join(scratch, `doc-${++scratchFiles}.${ext}`);
        writeFileSync(file, content);
        let doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
        if (doc.languageId !== language) doc = await vscode.languages.setTextDocumentLanguage(doc, language);
        assert.equal(doc.getText(), content, "the new document holds its own text");
        const editor = await vscode.window.showTextDocument(doc);
        const at = content.indexOf(selected);
        editor.selection = new vscode.Selection(doc.positionAt(at), doc.positionAt(at + selected.length));
        return editor;
    }
    async function waitFor(what: string, check: () => boolean, ms = 30000): Promise<void> {
        const t0 = Date.now();
        while (!check()) {
            if (Date.now() - t0 > ms) assert.fail(`timed out waiting for ${what}`);
            await new Promise((r) => setTimeout(r, 10));
        }
    }

    /**
     * Starts a panel request long enough (30,000 tokens on answer-forever, context 32768) that it is still running
     * while the test queues others behind it, in a new chat; waits until it runs. Measured: the fixture writes up to
     * about 2,800 tokens/s on one thread, and on VS Code 1.139 a model switch took up to 5.5 s to reach this host
     * while such a request streamed (0.3 s on 1.100), so 12,000 tokens (about 4 s) ended before a test had queued
     * its next request.
     */
    async function startLongPanelRequest(): Promise<{id: string; result: ReturnType<ElasticMathApi["solve"]>}> {
        await useModel(ANSWER_FOREVER.file);
        await setSetting("engine.contextSize", 32768);
        await api.chat.newChat();
        const cards = api.panelMessages.filter((m) => m.type === "request").length;
        const result = api.solve({problem: ANSWER_FOREVER.problem, budget: {mode: "elastic", thinkTokens: 64, answerTokens: 30000}});
        let id = "";
        await waitFor("the panel request to start", () => {
            id = api.panelMessages.flatMap((m) => (m.type === "request" ? [m.id] : []))[cards] ?? "";
            return api.panelMessages.some((m) => m.type === "started" && "id" in m && m.id === id);
        });
        return {id, result};
    }

    suiteSetup(async () => {
        ({api, models} = await activateWith<ElasticMathApi>({"engine.threads": 1, "engine.contextSize": 4096}));
        await setSetting("sampling.seed", 7);
        await useModel(THINK_STOPS.file);
    });

    suiteTeardown(async () => {
        await vscode.commands.executeCommand("workbench.action.closeAllEditors");
        for (const key of ["model.path", "engine.threads", "engine.contextSize", "sampling.seed"])
            await setSetting(key, undefined);
    });

    test("the new commands are registered", async () => {
        const commands = await vscode.commands.getCommands(true);
        for (const id of ["solveSelection", "insertSolutionBelow", "sendSelectionToChat", "newChat", "exportConversation", "stopChat"])
            assert.ok(commands.includes(`elasticMath.${id}`), `elasticMath.${id} is not registered`);
    });

    test("Solve Selection streams the fixture's solution into the panel; Insert Solution Below is one undoable edit", async () => {
        const content = "# Homework\n\nProblem 1. What is 2+2?\n\nProblem 2. Later.\n";
        const editor = await openWithSelection("markdown", content, "What is 2+2?");
        const result = await vscode.commands.executeCommand<Awaited<ReturnType<ElasticMathApi["solve"]>>>("elasticMath.solveSelection",
            {budget: balanced, budgetLabel: "Balanced"});
        assert.ok(result != null, "no result");
        assert.equal(result.answer, "4");
        assert.equal(result.solution, THINK_STOPS.fullSolution);
        const request = [...api.panelMessages].reverse().find((m) => m.type === "request");
        assert.ok(request?.type === "request" && request.problemHtml.includes("What is 2+2?"), "the panel did not get the selected problem");
        const done = api.panelMessages.find((m) => m.type === "done" && m.id === request.id);
        assert.ok(done?.type === "done" && done.record.solution === THINK_STOPS.fullSolution, "the panel did not get the solution");

        const ok = await vscode.commands.executeCommand<boolean>("elasticMath.insertSolutionBelow");
        assert.equal(ok, true);
        const expected = "# Homework\n\nProblem 1. What is 2+2?\n\n" + formatSolutionFor("markdown", THINK_STOPS.fullSolution) + "\n\nProblem 2. Later.\n";
        // (the blank line before "Problem 2" is the document's own)
        assert.equal(editor.document.getText(), expected);
        assert.ok(!editor.document.getText().includes("Okay, so I need"), "the thinking must not be inserted");
        assert.match(editor.document.getText(), /\$2\+2=4\$[\s\S]*\$\$2 \+ 2 = 4\$\$[\s\S]*\\boxed\{4\}/);
        await vscode.window.showTextDocument(editor.document);
        await vscode.commands.executeCommand("undo");
        assert.equal(editor.document.getText(), content, "one undo restores the document");
    });

    test("defect 9: Solve Selection on a list line: the panel's title has no bullet", async () => {
        await openWithSelection("markdown", "# Homework\n\n- What is 2+2?\n- Later.\n", "- What is 2+2?");
        const cards = api.panelMessages.filter((m) => m.type === "request").length;
        assert.ok(await vscode.commands.executeCommand("elasticMath.solveSelection", {budget: balanced}), "solved");
        const request = api.panelMessages.filter((m) => m.type === "request")[cards];
        assert.ok(request?.type === "request" && request.problemHtml.includes("What is 2+2?"), "the panel got the problem");
        assert.ok(!/<li|<ul|^-|>-\s/.test(request.problemHtml), `no bullet in the title: ${request.problemHtml}`);
    });

    test("defect 9: Insert Solution Below after a list item inserts the solution as the item's continuation, indented", async () => {
        const content = "# Homework\n\n- What is 2+2?\n- Later.\n";
        const editor = await openWithSelection("markdown", content, "- What is 2+2?");
        const ok = await vscode.commands.executeCommand<boolean>("elasticMath.insertSolutionBelow", {budget: balanced});
        assert.equal(ok, true);
        const body = indentLines(formatSolutionFor("markdown", THINK_STOPS.fullSolution), "  ");
        assert.equal(editor.document.getText(), "# Homework\n\n- What is 2+2?\n\n" + body + "\n- Later.\n");
    });

    test("defect 11: Insert Solution Below on an unsolved selection keeps the document visible when the panel shares its group", async () => {
        await vscode.commands.executeCommand("workbench.action.closeAllEditors");
        const doc = await vscode.workspace.openTextDocument({language: "markdown", content: "Problem A. What is 2+2?\n\nProblem B. What is 2 + 2?\n"});
        let editor = await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
        const select = (text: string) => {
            const at = doc.getText().indexOf(text);
            editor.selection = new vscode.Selection(doc.positionAt(at), doc.positionAt(at + text.length));
        };
        select("What is 2+2?");
        assert.ok(await vscode.commands.executeCommand("elasticMath.solveSelection", {budget: balanced}), "solved");
        // The panel opened beside the document; now the document moves into the panel's group, in front of it. Moved,
        // not opened there too: the document is then shown in one place only, so "visible" means the user sees it.
        await vscode.window.showTextDocument(doc, {viewColumn: editor.viewColumn, preserveFocus: false});
        await vscode.commands.executeCommand("workbench.action.moveEditorToNextGroup");
        editor = vscode.window.activeTextEditor!;
        assert.equal(editor?.document, doc, "the moved document is the active editor");
        const shownIn = () => vscode.window.visibleTextEditors.filter((e) => e.document === doc).map((e) => e.viewColumn);
        assert.deepEqual(shownIn(), [editor.viewColumn], "the document is shown in one group only");
        const panelTab = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.label === "Elastic Math");
        assert.equal(panelTab?.group.viewColumn, editor.viewColumn, "the panel shares the document's group");
        select("What is 2 + 2?");
        const visibleWhileSolving: boolean[] = [];
        const sub = vscode.window.onDidChangeVisibleTextEditors((eds) => visibleWhileSolving.push(eds.some((e) => e.document === doc)));
        try {
            const ok = await vscode.commands.executeCommand<boolean>("elasticMath.insertSolutionBelow", {budget: balanced});
            assert.equal(ok, true);
        } finally {
            sub.dispose();
        }
        assert.deepEqual(visibleWhileSolving.filter((v) => !v), [], "the document was never hidden while the solution was made");
        assert.equal(shownIn().length, 1, "the document is still visible after the insertion");
        assert.ok(doc.getText().includes(formatSolutionFor("markdown", THINK_STOPS.fullSolution)), "the solution was inserted");
        await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    });

    test("Insert Solution Below in a .tex document writes LaTeX", async () => {
        const content = "\\section{Exercise}\nWhat is 2+2?\n\\end{document}\n";
        const editor = await openWithSelection("latex", content, "What is 2+2?");
        const ok = await vscode.commands.executeCommand<boolean>("elasticMath.insertSolutionBelow", {budget: balanced});
        assert.equal(ok, true);
        const text = editor.document.getText();
        const body = formatSolutionFor("latex", THINK_STOPS.fullSolution);
        assert.equal(text, "\\section{Exercise}\nWhat is 2+2?\n\n" + body + "\n\\end{document}\n");
        assert.match(body, /\\textbf\{Solution\.\}/);
        assert.match(body, /\\\[2 \+ 2 = 4\\\]/);
        assert.doesNotMatch(body, /\*\*/);
    });

    test("Solve Selection and Insert Solution Below in a notebook Markdown cell", async () => {
        const data = new vscode.NotebookData([
            new vscode.NotebookCellData(vscode.NotebookCellKind.Markup, "## Exercise\n\nWhat is 2+2?", "markdown"),
            new vscode.NotebookCellData(vscode.NotebookCellKind.Code, "print(1)", "python")
        ]);
        const notebook = await vscode.workspace.openNotebookDocument("jupyter-notebook", data);
        await vscode.window.showNotebookDocument(notebook);
        const cell = notebook.cellAt(0).document;
        // A Markdown cell is edited in its own text editor; open it on the cell's document.
        const editor = await vscode.window.showTextDocument(cell);
        const text = cell.getText();
        const at = text.indexOf("What is 2+2?");
        editor.selection = new vscode.Selection(cell.positionAt(at), cell.positionAt(at + "What is 2+2?".length));
        assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), cell.uri.toString(), "the cell editor is active");
        const ok = await vscode.commands.executeCommand<boolean>("elasticMath.insertSolutionBelow", {budget: balanced});
        assert.equal(ok, true);
        assert.equal(cell.getText(), "## Exercise\n\nWhat is 2+2?\n\n" + formatSolutionFor("markdown", THINK_STOPS.fullSolution));
        assert.equal(notebook.cellAt(1).document.getText(), "print(1)", "the code cell is untouched");
    });

    test("a selection longer than the context: a message with its token count and the limit, and a shortened problem on request", async () => {
        const long = Array.from({length: 1500}, (_, i) => `w${i}`).join(" ");
        await openWithSelection("plaintext", `Solve: ${long}`, `Solve: ${long}`);
        const before = api.panelMessages.filter((m) => m.type === "request").length;
        const cancelled = await api.chat.solveSelection({budget: balanced, whenTooLong: "cancel"});
        assert.equal(cancelled, undefined);
        assert.equal(api.panelMessages.filter((m) => m.type === "request").length, before, "nothing was queued");
        const message = api.chat.lastTooLongMessage;
        assert.ok(message != null, "no message");
        const m = /(\d+)-token prompt, but the model's context holds (\d+) tokens and the budget needs 2048 of them, leaving (\d+)/.exec(message);
        assert.ok(m != null, message);
        assert.ok(Number(m[1]) > Number(m[3]));
        assert.equal(Number(m[2]), 4096);

        const shortened = await api.chat.solveSelection({budget: balanced, whenTooLong: "shorten"});
        assert.ok(shortened != null);
        assert.ok(shortened.promptTokens <= Number(m[3]), `shortened prompt ${shortened.promptTokens} fits in ${m[3]}`);
        assert.ok(shortened.promptTokens > Number(m[3]) - 40, "the shortened problem keeps as much as fits");
        const request = [...api.panelMessages].reverse().find((x) => x.type === "request");
        assert.ok(request?.type === "request" && request.problemHtml.startsWith("<p>Solve: w0 w1 w2"));
    });

    test("the chat: a question and a follow-up; the follow-up evaluates only its new tokens", async () => {
        await useModel(THINK_STOPS.file);
        await api.chat.newChat();
        const first = await api.chat.send(THINK_STOPS.problem, "Balanced");
        assert.ok(first?.ask != null, `first turn failed: ${first?.turn.error}`);
        assert.equal(first.turn.status, "done");
        assert.equal(first.turn.solution, THINK_STOPS.fullSolution);
        // (a first turn may reuse the BOS and user marker left in the cache by an earlier request)
        assert.equal(first.ask.evaluatedPromptTokens + first.ask.reusedPromptTokens, first.ask.promptTokens);
        assert.ok(first.ask.reusedPromptTokens <= 2);
        const followUp = "Can you explain why?";
        const second = await api.chat.send(followUp, "Quick");
        assert.ok(second?.ask != null, `second turn failed: ${second?.turn.error}`);
        assert.equal(second.turn.budget.label, "Quick", "each message has its own budget");
        // The follow-up's own turn, measured independently: a one-message prompt of it minus the BOS.
        const alone = await api.solve({problem: followUp, budget: {mode: "elastic", thinkTokens: 1, answerTokens: 1}});
        assert.ok(alone != null);
        const newTokens = (first.ask.result.solutionTokens - 1) + 1 + (alone.promptTokens - 1);
        console.log(`      chat follow-up: prompt ${second.ask.promptTokens} tokens, reused ${second.ask.reusedPromptTokens}, evaluated ${second.ask.evaluatedPromptTokens} (expected ${newTokens}; earlier thinking ${first.ask.result.thinkingTokens} tokens not fed)`);
        assert.equal(second.ask.evaluatedPromptTokens, newTokens);
        assert.equal(second.ask.reusedPromptTokens, first.ask.promptTokens - 2);
        // The chat view got the turns as cards (same streaming messages as the panel).
        const types = api.chat.messages.filter((m) => "id" in m && m.id === second.turn.id).map((m) => m.type);
        assert.ok(types.includes("request") && types.includes("render") && types.includes("done"), types.join(","));
        assert.equal(api.chat.current.turns.length, 2);

        const file = vscode.Uri.file(path.join(os.tmpdir(), `emt-export-${Date.now()}.md`));
        const written = await vscode.commands.executeCommand<vscode.Uri>("elasticMath.exportConversation", file);
        assert.equal(written?.fsPath, file.fsPath);
        const md = new TextDecoder().decode(await vscode.workspace.fs.readFile(file));
        assert.ok(md.includes("## You\n\nWhat is 2+2?"));
        assert.ok(md.includes("$$2 + 2 = 4$$") && md.includes("$\\boxed{4}$") && md.includes("$2+2=4$"), "math intact");
        assert.ok(md.includes(followUp));
        await vscode.workspace.fs.delete(file);
    });

    test("Send Selection to Chat sends the selected text as a chat message", async () => {
        await useModel(THINK_STOPS.file);
        await api.chat.newChat();
        await openWithSelection("markdown", "Intro\n\nWhat is 2+2?\n", "What is 2+2?");
        const ok = await vscode.commands.executeCommand<boolean>("elasticMath.sendSelectionToChat");
        assert.equal(ok, true);
        const turns = api.chat.current.turns;
        assert.equal(turns.length, 1);
        assert.equal(turns[0]!.user, "What is 2+2?");
        assert.equal(turns[0]!.answer, "4");
    });

    test("when the conversation outgrows the context the oldest turns are dropped with a visible notice", async () => {
        await setSetting("engine.contextSize", 512);
        await setSetting("budget.presets", [{label: "Tiny", think: 40, answer: 60}]);
        try {
            await useModel(THINK_STOPS.file);
            await api.chat.newChat();
            const before = api.chat.messages.length;
            let dropped = false;
            let last: Awaited<ReturnType<typeof api.chat.send>>;
            for (let i = 0; i < 12 && !dropped; i++) {
                const r = last = await api.chat.send(`Question ${i}: what is 2+2?`, "Tiny");
                assert.equal(r?.turn.status, "done", `turn ${i}: ${r?.turn.error}`);
                dropped = api.chat.messages.slice(before).some((m) => m.type === "notice");
            }
            const notice = api.chat.messages.slice(before).find((m) => m.type === "notice");
            assert.ok(notice?.type === "notice", "no notice about dropped turns");
            assert.match(notice.text, /oldest .*no longer shown to the model/);
            assert.ok(api.chat.current.data.droppedTurns > 0);
            assert.ok(last!.ask!.promptTokens + 100 <= 511, "the last turn's prompt left room for its answer");
        } finally {
            await setSetting("engine.contextSize", 4096);
            await setSetting("budget.presets", undefined);
        }
    });

    test("a chat turn waits behind a panel request with a visible queued state; stopping one never stops the other", async () => {
        const {id: panelId, result: panel} = await startLongPanelRequest();
        const chat = api.chat.send("Queued question", "Quick");
        await waitFor("the chat turn to show as queued", () => api.chat.messages.some((m) => m.type === "status" && m.status === "queued" && m.position === 1));
        api.chat.stop();
        const chatResult = await chat;
        assert.equal(chatResult?.turn.status, "stopped");
        assert.ok(!api.panelMessages.some((m) => m.type === "done" && m.id === panelId), "stopping the chat stopped the panel");

        // And the other way: a running chat turn survives Stop in the panel.
        const chat2 = api.chat.send("Second question", "Quick");
        await vscode.commands.executeCommand("elasticMath.stop");
        const panelResult = await panel;
        assert.equal(panelResult?.stop, "abort");
        const second = await chat2;
        assert.equal(second?.turn.status, "done", "the panel's Stop cancelled the chat turn");
        assert.equal(second?.turn.stats?.solutionTokens, 512, "the chat turn ran to its Quick answer budget");
        await setSetting("engine.contextSize", 4096);
    });

    test("a request made after switching models while one runs waits for it (queued), then runs on the new model", async () => {
        const {id: panelId, result: panel} = await startLongPanelRequest();
        // The user picks another model while the panel's answer is still streaming.
        await useModel(THINK_STOPS.file);
        const earlier = new Set(api.chat.messages.flatMap((m) => (m.type === "request" ? [m.id] : [])));
        const chat = api.chat.send(THINK_STOPS.problem, "Quick");
        let chatId = "";
        await waitFor("the chat turn's request", () => {
            chatId = api.chat.messages.flatMap((m) => (m.type === "request" && !earlier.has(m.id) ? [m.id] : []))[0] ?? "";
            return chatId !== "";
        });
        const ofTurn = () => api.chat.messages.filter((m) => "id" in m && m.id === chatId);
        await waitFor("the chat turn to show as queued", () => ofTurn().some((m) => m.type === "status" && m.status === "queued"));
        await new Promise((r) => setTimeout(r, 300));
        assert.ok(!ofTurn().some((m) => m.type === "started"), "the new model's request started while the old model's was still running");
        assert.ok(!api.panelMessages.some((m) => m.type === "done" && m.id === panelId), "the panel request ended early");
        await vscode.commands.executeCommand("elasticMath.stop");
        assert.equal((await panel)?.stop, "abort");
        const turn = (await chat)?.turn;
        assert.equal(turn?.status, "done");
        assert.equal(turn?.answer, "4", "the chat turn did not run on the newly chosen model (think-stops answers 4)");
        assert.match(turn?.solution ?? "", /Adding two and two gives/);
        await setSetting("engine.contextSize", 4096);
        await useModel(THINK_STOPS.file);
    });

    test("a request stopped while it waits its turn behind a model switch ends at once", async () => {
        const cards = api.panelMessages.filter((m) => m.type === "request").length;
        const {id: runningId, result: running} = await startLongPanelRequest();
        await useModel(THINK_STOPS.file);
        // The next panel request waits for the old model's request; the chat turn waits behind that one.
        const next = api.solve({problem: THINK_STOPS.problem, budget: {mode: "elastic", thinkTokens: 64, answerTokens: 64}});
        await waitFor("the next panel request to wait for the old model's", () => {
            const nextId = api.panelMessages.flatMap((m) => (m.type === "request" ? [m.id] : []))[cards + 1];
            return nextId != null && api.panelMessages.some((m) => m.type === "status" && m.id === nextId && m.status === "queued");
        });
        const earlier = new Set(api.chat.messages.flatMap((m) => (m.type === "request" ? [m.id] : [])));
        const chat = api.chat.send(THINK_STOPS.problem, "Quick");
        await waitFor("the chat turn's request", () => api.chat.messages.some((m) => m.type === "request" && !earlier.has(m.id)));
        await new Promise((r) => setTimeout(r, 200));
        const t0 = Date.now();
        api.chat.stop();
        const turn = (await chat)?.turn;
        const ms = Date.now() - t0;
        console.log(`      chat turn stopped while waiting its turn: ended after ${ms} ms`);
        assert.equal(turn?.status, "stopped");
        assert.ok(!api.panelMessages.some((m) => m.type === "done" && m.id === runningId), "the chat turn only ended when the old model's request did");
        await vscode.commands.executeCommand("elasticMath.stop");
        assert.equal((await running)?.stop, "abort");
        assert.ok((await next) != null);
        await setSetting("engine.contextSize", 4096);
    });
});
