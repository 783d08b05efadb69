/**
 * Elastic Math: Solve Selection, Insert Solution Below Selection, Send Selection to Chat.
 * Work in any text editor: Markdown, LaTeX, plain text, and notebook Markdown cells (a cell is a text editor).
 */
import * as vscode from "vscode";
import {budgetFromJson} from "../../core/budgets";
import {documentKind, formatSolutionFor, indentLines, listContinuationIndent, problemFromSelection, shortenToFit} from "../../core/selectionText";
import type {BudgetSpec, SolveResult} from "../../core/types";
import type {BudgetPicker, PickedBudget} from "../budgetPicker";
import type {ChatController} from "../chatController";
import {answerOnlyReason, type EngineService} from "../engineService";
import {userMessage} from "../errors";
import type {SolveController} from "../solveController";

export interface SelectionDeps {
    readonly engines: EngineService;
    readonly picker: BudgetPicker;
    readonly controller: SolveController;
    readonly chat: ChatController;
    /** The model manager's: true when a model is configured, else the first-run offer's outcome. */
    readonly ensureModel: () => Promise<boolean>;
}

/** Arguments for scripted use, all optional. */
export interface SolveSelectionArgs {
    /** Skips the budget pick. */
    readonly budget?: unknown;
    readonly budgetLabel?: string;
    /** What to do when the selection does not fit, instead of asking: "shorten" or "cancel". */
    readonly whenTooLong?: "shorten" | "cancel";
}

interface SolvedSelection {
    readonly uri: string;
    readonly range: vscode.Range;
    readonly text: string;
    readonly result: SolveResult;
}

let lastSolved: SolvedSelection | undefined;
let _lastTooLong: string | undefined;
/** The last "selection too long" message (tests read it through the extension's API). */
export function lastTooLongMessage(): string | undefined { return _lastTooLong; }

/** The selected text of the active editor, or a message when there is none. */
function selectedText(): {editor: vscode.TextEditor; text: string; range: vscode.Range} | undefined {
    const editor = vscode.window.activeTextEditor;
    if (editor == null || editor.selection.isEmpty || editor.document.getText(editor.selection).trim() === "") {
        void vscode.window.showInformationMessage(vscode.l10n.t("Elastic Math: select a problem in an editor first."));
        return undefined;
    }
    const range = new vscode.Range(editor.selection.start, editor.selection.end);
    return {editor, text: editor.document.getText(range).trim(), range};
}

function budgetTokens(budget: BudgetSpec): number {
    return budget.mode === "elastic" ? budget.thinkTokens + budget.answerTokens : budget.maxTokens ?? 0;
}

/**
 * Checks that the problem's prompt fits beside the budget. Too long: says so with the token count and the limit,
 * and offers to solve a shortened problem (never a silent cut). Returns the problem to solve, or undefined.
 */
export async function fitToContext(engines: EngineService, text: string, budget: BudgetSpec, whenTooLong?: "shorten" | "cancel"): Promise<string | undefined> {
    let meter;
    try {
        meter = await engines.current().promptMeter();
    } catch (err) {
        void vscode.window.showErrorMessage(userMessage(err));
        return undefined;
    }
    const count = meter.countPromptTokens(text);
    const reserved = budgetTokens(budget);
    const limit = meter.contextSize - 1 - reserved;
    if (count <= limit) return text;
    const detail = reserved > 0
        ? vscode.l10n.t("The selection makes a {0}-token prompt, but the model's context holds {1} tokens and the budget needs {2} of them, leaving {3} for the problem.", count, meter.contextSize, reserved, Math.max(0, limit))
        : vscode.l10n.t("The selection makes a {0}-token prompt, but the model's context holds {1} tokens.", count, meter.contextSize);
    _lastTooLong = detail;
    const shortened = limit > 0 ? shortenToFit(text, (p) => meter.countPromptTokens(p), limit) : "";
    if (shortened === "") {
        void vscode.window.showErrorMessage(vscode.l10n.t("Elastic Math: {0} Choose a smaller budget or raise elasticMath.engine.contextSize.", detail));
        return undefined;
    }
    const kept = Math.round((shortened.length / text.length) * 100);
    const shorten = vscode.l10n.t("Solve Shortened Problem");
    let choice: string | undefined = whenTooLong === "shorten" ? shorten : undefined;
    if (whenTooLong == null) {
        choice = await vscode.window.showWarningMessage(vscode.l10n.t("Elastic Math: the selection is too long. {0}", detail),
            {modal: true, detail: vscode.l10n.t("A shortened problem keeps the first {0}% of the selection ({1} prompt tokens), ending with: \"…{2}\"", kept, meter.countPromptTokens(shortened), shortened.slice(-60))},
            shorten);
    }
    if (choice !== shorten) return undefined;
    return shortened;
}

async function pickBudget(deps: SelectionDeps, args: SolveSelectionArgs | undefined): Promise<PickedBudget | undefined> {
    const given = budgetFromJson(args?.budget);
    if (args?.budget != null && given == null) {
        void vscode.window.showErrorMessage(vscode.l10n.t("Elastic Math: the budget given to Solve Selection is not valid."));
        return undefined;
    }
    // l10n-exempt: "Custom" names the budget (its identity); budgetName() shows it translated
    if (given != null) return {budget: given, label: args?.budgetLabel ?? "Custom"};
    return deps.picker.budgetForRequest(deps.engines.settings, {answerOnly: await answerOnlyReason(deps.engines)});
}

/** Elastic Math: Solve Selection — the selected problem, streamed into the solution panel. */
export async function solveSelection(deps: SelectionDeps, args?: SolveSelectionArgs): Promise<SolveResult | undefined> {
    const selection = selectedText();
    if (selection == null) return undefined;
    if (!(await deps.ensureModel())) return undefined;
    const picked = await pickBudget(deps, args);
    if (picked == null) return undefined;
    // A list line's bullet is not part of the problem (nor of the panel's title).
    const problem = await fitToContext(deps.engines, problemFromSelection(selection.text), picked.budget, args?.whenTooLong);
    if (problem == null) return undefined;
    try {
        const result = await deps.controller.solve({problem, picked});
        if (result != null && result.stop !== "abort")
            lastSolved = {uri: selection.editor.document.uri.toString(), range: selection.range, text: selection.text, result};
        return result;
    } catch (err) {
        void vscode.window.showErrorMessage(userMessage(err));
        return undefined;
    }
}

/**
 * Elastic Math: Insert Solution Below Selection — the finished solution (no thinking), formatted for the document,
 * inserted after the selection's last line as one undoable edit. Solves the selection first unless it was just solved.
 */
export async function insertSolutionBelow(deps: SelectionDeps, args?: SolveSelectionArgs): Promise<boolean> {
    const selection = selectedText();
    if (selection == null) return false;
    const document = selection.editor.document;
    const uri = document.uri.toString();
    let solved = lastSolved != null && lastSolved.uri === uri && lastSolved.text === selection.text ? lastSolved : undefined;
    if (solved == null) {
        const result = await solveSelection(deps, args);
        if (result == null) return false;
        if (result.stop === "abort") {
            void vscode.window.showInformationMessage(vscode.l10n.t("Elastic Math: the solution was stopped, so nothing was inserted."));
            return false;
        }
        solved = {uri, range: selection.range, text: selection.text, result};
    }
    if (solved.result.solution.trim() === "") {
        void vscode.window.showWarningMessage(vscode.l10n.t("Elastic Math: the model wrote no solution (only thinking), so nothing was inserted."));
        return false;
    }
    // The document may have changed while the model worked: find the selected text again.
    let range = solved.range;
    if (document.isClosed || document.getText(range).trim() !== solved.text) {
        const at = document.getText().indexOf(solved.text);
        if (at < 0) {
            void vscode.window.showWarningMessage(vscode.l10n.t("Elastic Math: the selected problem is no longer in the document, so the solution was not inserted. Copy it from the panel instead."));
            return false;
        }
        range = new vscode.Range(document.positionAt(at), document.positionAt(at + solved.text.length));
    }
    const kind = documentKind(document.languageId, document.fileName);
    // After a list item the solution continues the item (indented like its text), so the list is not broken.
    const indent = kind === "latex" ? "" : listContinuationIndent(document.lineAt(range.start.line).text);
    const body = indentLines(formatSolutionFor(kind, solved.result.solution), indent);
    const line = document.lineAt(range.end.line);
    const eol = document.eol === vscode.EndOfLine.CRLF ? "\r\n" : "\n";
    const insertion = (eol + eol + body).replace(/\r?\n/g, eol);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(document.uri, line.range.end, insertion);
    const ok = await vscode.workspace.applyEdit(edit);
    // An insertion at the selection's end would grow the selection over the solution: keep it on the problem.
    for (const e of vscode.window.visibleTextEditors)
        if (ok && e.document === document && e.selection.start.isEqual(range.start)) e.selection = new vscode.Selection(range.start, range.end);
    if (!ok) void vscode.window.showErrorMessage(vscode.l10n.t("Elastic Math: the solution could not be inserted (is the document read-only?)."));
    return ok;
}

/** Elastic Math: Send Selection to Chat — sends the selected text as a chat message with the chat's current budget. */
export async function sendSelectionToChat(deps: SelectionDeps): Promise<boolean> {
    const selection = selectedText();
    if (selection == null) return false;
    if (!(await deps.ensureModel())) return false;
    await deps.chat.view.reveal();
    const sent = await deps.chat.send(selection.text);
    return sent != null;
}
