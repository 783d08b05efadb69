import * as vscode from "vscode";
import {budgetFromJson} from "../../core/budgets";
import type {SolveResult} from "../../core/types";
import type {BudgetPicker, PickedBudget} from "../budgetPicker";
import {answerOnlyReason, type EngineService} from "../engineService";
import type {ModelManager} from "../modelManager";
import type {TutorController} from "../tutorPanel";

/** Arguments for scripted use, all optional (as for Solve Problem). */
export interface TutorArgs {
    readonly problem?: string;
    readonly budget?: unknown;
    readonly budgetLabel?: string;
}

/** Elastic Math: Tutor Me on a Problem... — the selection (or a typed problem), a budget, then the Tutor panel. */
export async function tutorMe(
    deps: {engines: EngineService; picker: BudgetPicker; tutor: TutorController; models: ModelManager},
    args?: TutorArgs
): Promise<SolveResult | undefined> {
    if (!(await deps.models.ensureModel())) return undefined;
    let problem = typeof args?.problem === "string" ? args.problem : undefined;
    if (problem == null) {
        const editor = vscode.window.activeTextEditor;
        const selected = editor != null && !editor.selection.isEmpty ? editor.document.getText(editor.selection) : "";
        problem = await vscode.window.showInputBox({
            title: vscode.l10n.t("Elastic Math Tutor: which problem are you working on?"),
            prompt: vscode.l10n.t("The tutor solves it first (hidden), then checks your answer and gives hints."),
            value: selected, ignoreFocusOut: true,
            validateInput: (v) => (v.trim() === "" ? vscode.l10n.t("Type a problem.") : undefined)
        });
        if (problem == null) return undefined;
    }
    problem = problem.trim();
    if (problem === "") { void vscode.window.showWarningMessage(vscode.l10n.t("Elastic Math: the problem is empty.")); return undefined; }
    let picked: PickedBudget | undefined;
    const given = budgetFromJson(args?.budget);
    if (args?.budget != null && given == null) { void vscode.window.showErrorMessage(vscode.l10n.t("Elastic Math: the budget given to Tutor Me is not valid.")); return undefined; }
    // A model without a thinking phase gets an answer budget only, as in Solve Problem.
    const answerOnly = await answerOnlyReason(deps.engines);
    // l10n-exempt: "Custom" names the budget (its identity); budgetName() shows it translated
    picked = given != null ? {budget: given, label: args?.budgetLabel ?? "Custom", ...(answerOnly != null && given.mode === "elastic" ? {answerOnly: true} : {})}
        : await deps.picker.budgetForRequest(deps.engines.settings, {answerOnly});
    if (picked == null) return undefined;
    return deps.tutor.start(problem, picked);
}
