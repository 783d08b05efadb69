import * as vscode from "vscode";
import type {TutorController} from "../tutorPanel";

/**
 * Elastic Math: Check Selected Answer with the Tutor — the editor's selection (or a typed answer) is checked against
 * the Tutor panel's current problem, as if typed into Check My Answer.
 */
export async function checkSelectedAnswer(tutor: TutorController): Promise<boolean> {
    if (!(await tutor.hasProblem())) {
        void vscode.window.showInformationMessage(vscode.l10n.t("Elastic Math: start with \"Tutor Me on a Problem...\", then check your answer."));
        return false;
    }
    const editor = vscode.window.activeTextEditor;
    let answer = editor != null && !editor.selection.isEmpty ? editor.document.getText(editor.selection) : undefined;
    answer ??= await vscode.window.showInputBox({title: vscode.l10n.t("Elastic Math: your answer"), prompt: vscode.l10n.t("Your final answer (plain or LaTeX)"), ignoreFocusOut: true});
    if (answer == null) return false;
    await tutor.act({type: "check", answer});
    return true;
}
