import * as vscode from "vscode";
import {logFailure, type Log} from "../log";

/**
 * Elastic Math: Open Evaluation Plot... — opens the accuracy-vs-tokens SVG that `elastic-math eval` wrote, in an
 * editor tab beside the current one (VS Code's own image preview: no script runs, the SVG has none anyway).
 * With a folder it opens <folder>/accuracy-vs-tokens.svg.
 */
export async function openEvalPlot(log: Log, arg?: vscode.Uri | string): Promise<boolean> {
    let uri = typeof arg === "string" ? vscode.Uri.file(arg) : arg;
    if (uri == null) {
        const picked = await vscode.window.showOpenDialog({
            title: vscode.l10n.t("Open an evaluation plot (accuracy-vs-tokens.svg) or its folder"),
            canSelectFiles: true, canSelectFolders: true, canSelectMany: false, filters: {"Evaluation plot": ["svg"]}
        });
        if (picked == null || picked.length === 0) return false;
        uri = picked[0]!;
    }
    try {
        if ((await vscode.workspace.fs.stat(uri)).type & vscode.FileType.Directory) uri = vscode.Uri.joinPath(uri, "accuracy-vs-tokens.svg");
        await vscode.workspace.fs.stat(uri);
    } catch (err) {
        logFailure(log, `opening the evaluation plot ${uri.fsPath}`, err);
        void vscode.window.showErrorMessage(vscode.l10n.t("Elastic Math: no evaluation plot at {0}. Run \"elastic-math eval\" first; it writes accuracy-vs-tokens.svg into its --out folder.", uri.fsPath));
        return false;
    }
    await vscode.commands.executeCommand("vscode.open", uri, {viewColumn: vscode.ViewColumn.Beside, preview: false});
    return true;
}
