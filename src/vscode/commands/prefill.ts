import * as vscode from "vscode";

/** The longest selection that pre-fills a problem box (longer ones are for Solve Selection, which takes any length). */
export const maxPrefillChars = 400;

/**
 * The active editor's selection as the starting text of a problem box (Solve Problem, Tutor Me): a non-empty
 * selection of at most {@link maxPrefillChars} characters, its lines joined with spaces (the box has one line).
 * Undefined when there is none, or it is too long.
 */
export function selectionPrefill(): string | undefined {
    const editor = vscode.window.activeTextEditor;
    if (editor == null || editor.selection.isEmpty) return undefined;
    const text = editor.document.getText(editor.selection).replace(/\s*\r?\n\s*/g, " ").trim();
    return text !== "" && text.length <= maxPrefillChars ? text : undefined;
}
