import * as vscode from "vscode";
import {budgetFromJson} from "../../core/budgets";
import type {SolveResult} from "../../core/types";
import type {BudgetPicker, PickedBudget} from "../budgetPicker";
import {answerOnlyReason, type EngineService} from "../engineService";
import type {ErrorSurface} from "../errors";
import type {ModelManager} from "../modelManager";
import type {SolveController} from "../solveController";
import {selectionPrefill} from "./prefill";

const lastProblemKey = "elasticMath.lastProblem";

/** Arguments for scripted use (`executeCommand("elasticMath.solveProblem", args)`), all optional. */
export interface SolveProblemArgs {
    readonly problem?: string;
    /** A budget ({mode: "elastic", thinkTokens, answerTokens} or {mode: "unconstrained"}) skips the pick. */
    readonly budget?: unknown;
    readonly budgetLabel?: string;
}

/**
 * Elastic Math: Solve Problem... — asks for a problem (starting from the editor's selection when there is a short one,
 * else the last problem typed) and a budget, then streams the solution into the panel.
 */
export async function solveProblem(
    deps: {context: vscode.ExtensionContext; engines: EngineService; picker: BudgetPicker; controller: SolveController; models: ModelManager; errors: ErrorSurface},
    args?: SolveProblemArgs
): Promise<SolveResult | undefined> {
    if (!(await deps.models.ensureModel())) return undefined;

    let problem = typeof args?.problem === "string" ? args.problem : undefined;
    if (problem == null) {
        problem = await vscode.window.showInputBox({
            title: vscode.l10n.t("Elastic Math: solve a problem"),
            prompt: vscode.l10n.t("Type a math problem (plain text or LaTeX, e.g. What is $\\frac{1}{2}+\\frac{1}{3}$?)"),
            placeHolder: vscode.l10n.t("Find all real x such that x^2 - 5x + 6 = 0."),
            value: selectionPrefill() ?? deps.context.workspaceState.get<string>(lastProblemKey, ""),
            ignoreFocusOut: true,
            validateInput: (v) => (v.trim() === "" ? vscode.l10n.t("Type a problem to solve.") : undefined)
        });
        if (problem == null) return undefined;
    }
    problem = problem.trim();
    if (problem === "") {
        void vscode.window.showWarningMessage(vscode.l10n.t("Elastic Math: the problem is empty."));
        return undefined;
    }
    await deps.context.workspaceState.update(lastProblemKey, problem);

    let picked: PickedBudget | undefined;
    const given = budgetFromJson(args?.budget);
    if (args?.budget != null && given == null) {
        void vscode.window.showErrorMessage(vscode.l10n.t("Elastic Math: the budget given to Solve Problem is not valid."));
        return undefined;
    }
    if (given != null) {
        // A given budget on a model without a thinking phase is an answer budget too (the panel shows no thinking).
        const answerOnly = given.mode === "elastic" && (await answerOnlyReason(deps.engines)) != null;
        // l10n-exempt: "Custom" names the budget (its identity); budgetName() shows it translated
        picked = {budget: given, label: args?.budgetLabel ?? "Custom", ...(answerOnly ? {answerOnly} : {})};
    } else picked = await deps.picker.budgetForRequest(deps.engines.settings, {answerOnly: await answerOnlyReason(deps.engines)});
    if (picked == null) return undefined;

    try {
        return await deps.controller.solve({problem, picked});
    } catch (err) {
        // Not awaited: the command finishes now, and the user may act on the message whenever.
        deps.errors.show(err, "Solve Problem");
        return undefined;
    }
}
